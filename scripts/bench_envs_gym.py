"""Gymnasium's side of scripts/bench-envs.sh: steps per second of each env through
`gym.make` (its default wrappers included), random actions, resetting on episode end; the best
of three rounds, as the native side reports."""
import json
import sys
import time

import gymnasium as gym

ENVS = ["CartPole-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1", "Acrobot-v1",
        "FrozenLake-v1", "CliffWalking-v1", "Taxi-v4",
        "InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Reacher-v5", "Swimmer-v5", "Hopper-v5",
        "HalfCheetah-v5", "Walker2d-v5", "Ant-v5"]
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
ROUNDS = 3

out = {}
for env_id in ENVS:
    env = gym.make(env_id)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(STEPS)]
    best = 0.0
    for _ in range(ROUNDS):
        env.reset(seed=0)
        episode = 0
        start = time.perf_counter()
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                episode += 1
                env.reset(seed=episode)
        best = max(best, STEPS / (time.perf_counter() - start))
    out[env_id] = best
print(json.dumps(out))
