"""The unsandboxed side of scripts/bench-compare.sh: the same policies called by CPython in
process, and a 100-episode CartPole-v1 eval with Gymnasium. Prints JSON."""
import json
import statistics
import time
import timeit

import gymnasium as gym


def load(source):
    namespace = {}
    exec(source, namespace)  # trusted benchmark code: this is the baseline being compared to
    return namespace["act"]


LINEAR = (
    "def act(obs):\n    th, th_dot, x, x_dot = obs[2], obs[3], obs[0], obs[1]\n"
    "    return 1 if th + 0.5 * th_dot + 0.01 * x + 0.1 * x_dot > 0 else 0\n"
)
LINEAR_UNPACK = (
    "def act(obs):\n    x, x_dot, th, th_dot = obs\n"
    "    return 1 if th + 0.5 * th_dot + 0.01 * x + 0.1 * x_dot > 0 else 0\n"
)
LOOPING = "W = (0.01, 0.1, 1.0, 0.5)\ndef act(obs):\n    return 1 if sum(w * o for w, o in zip(W, obs)) > 0 else 0\n"
OBS = [0.012, -0.18, 0.031, 0.27]


def act_ns(source):
    act = load(source)
    timer = timeit.Timer(lambda: act(list(OBS)))
    number = 200_000
    runs = timer.repeat(repeat=15, number=number)
    return statistics.median(runs) / number * 1e9


def eval_100_episodes():
    act = load(LINEAR)
    env = gym.make("CartPole-v1")
    start = time.perf_counter()
    for episode in range(100):
        obs, _ = env.reset(seed=episode)
        while True:
            obs, reward, terminated, truncated, _ = env.step(act(obs))
            if terminated or truncated:
                break
    return time.perf_counter() - start


print(json.dumps({
    "act_ns": {
        "python_linear": act_ns(LINEAR),
        "python_linear_unpack": act_ns(LINEAR_UNPACK),
        "python_looping": act_ns(LOOPING),
    },
    "eval_100_cartpole_s": statistics.median(eval_100_episodes() for _ in range(3)),
}))
