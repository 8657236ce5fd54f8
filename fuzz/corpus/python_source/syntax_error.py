def act(obs)
    return (
