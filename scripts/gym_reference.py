"""Reference episodes from Gymnasium for the native environments' parity test.

Runs every Gymnasium environment that `ppo-sandbox-envs` ports (classic control, toy text and
MuJoCo v5, the latter capped at MUJOCO_MAX_STEPS steps an episode)
with fixed seeds and recorded actions, and writes one JSON file per environment id under
`envs/tests/reference/`. `envs/tests/gym_parity.rs` replays each episode natively: same seed
and same actions must give the same observations, rewards and flags.

Run it through `scripts/gym-reference.sh`, which pins Gymnasium and numpy in `.venv-gym`.

File layout:
    {"env_id", "gymnasium", "numpy", "gym_make": {kwargs}, "runs": [
        {"episodes": [{"seed": int | null, "policy": str, "reset_observation": [..],
                       "actions": [..], "observations": [[..], ..], "rewards": [..],
                       "terminated": [..], "truncated": [..]}, ..]}, ..]}
A run is one environment instance: its episodes follow each other on it, and an episode with
seed null is `reset()` without a seed, continuing the instance's generator. Discrete
observations are written as one-element lists; Box actions as lists of float32 values.
"""

import json
import math
import sys
from collections import deque
from pathlib import Path

import gymnasium as gym
import numpy as np

GYMNASIUM_VERSION = "1.4.0"
# Our cap for CliffWalking, which Gymnasium registers without a time limit
# (`CLIFF_WALKING_MAX_STEPS` in envs/src/toy_text/cliff_walking.rs).
CLIFF_WALKING_MAX_STEPS = 200

OUT_DIR = Path(__file__).resolve().parent.parent / "envs" / "tests" / "reference"


# ----------------------------------------------------------------------------- policies
# A policy is `policy(obs, rng, env, t) -> action`: `rng` is a numpy Generator of its own
# (seeded per episode) for exploration noise, `t` the step index. The actions taken are what
# the file records.


def random_policy(obs, rng, env, t):
    space = env.action_space
    if isinstance(space, gym.spaces.Discrete):
        return int(rng.integers(0, space.n))
    return rng.uniform(space.low, space.high).astype(np.float32)


def epsilon(policy, eps):
    def noisy(obs, rng, env, t):
        if rng.random() < eps:
            return random_policy(obs, rng, env, t)
        return policy(obs, rng, env, t)

    return noisy


def cartpole_balance(obs, rng, env, t):
    return 1 if obs[2] + 0.5 * obs[3] > 0 else 0


def mountain_car_pump(obs, rng, env, t):
    return 2 if obs[1] >= 0 else 0


def mountain_car_left_then_pump(obs, rng, env, t):
    # Drive into the left wall first (position clipping and the velocity reset), then pump.
    return 0 if t < 45 else mountain_car_pump(obs, rng, env, t)


def continuous_pump(obs, rng, env, t):
    return np.array([1.0 if obs[1] >= 0 else -1.0], dtype=np.float32)


def continuous_noisy_pump(obs, rng, env, t):
    push = (0.6 if obs[1] >= 0 else -0.6) + rng.uniform(-0.4, 0.4)
    return np.array([push], dtype=np.float32)


def continuous_left_then_pump(obs, rng, env, t):
    if t < 60:
        return np.array([-1.0], dtype=np.float32)
    return continuous_pump(obs, rng, env, t)


def pendulum_swing_up(obs, rng, env, t):
    cos_theta, sin_theta, theta_dot = (float(v) for v in obs)
    theta = np.arctan2(sin_theta, cos_theta)
    if cos_theta > 0.8:
        torque = -10.0 * theta - 1.0 * theta_dot
    else:
        torque = 2.0 if theta_dot >= 0 else -2.0
    return np.array([min(2.0, max(-2.0, torque))], dtype=np.float32)


def acrobot_pump(obs, rng, env, t):
    return 2 if obs[5] > 0 else 0


def tabular_greedy(env, gamma=0.99, sweeps=500):
    """The greedy policy of value iteration on the env's own transition table."""
    P = env.unwrapped.P
    n_states, n_actions = len(P), len(P[0])
    values = np.zeros(n_states)
    for _ in range(sweeps):
        q = np.array(
            [
                [sum(p * (r + (0.0 if t else gamma * values[s2])) for p, s2, r, t in P[s][a]) for a in range(n_actions)]
                for s in range(n_states)
            ]
        )
        values = q.max(axis=1)
    table = q.argmax(axis=1)

    def policy(obs, rng, env, t):
        return int(table[obs])

    return policy


def constant(action):
    def policy(obs, rng, env, t):
        return action

    return policy


# ----------------------------------------------------------------------------- episodes


def to_list(obs):
    if isinstance(obs, (int, np.integer)):
        return [int(obs)]
    return [float(v) for v in np.asarray(obs).reshape(-1)]


def action_to_json(action):
    if isinstance(action, (int, np.integer)):
        return int(action)
    return [float(v) for v in np.asarray(action, dtype=np.float32).reshape(-1)]


def run_episode(env, seed, policy_name, policy, action_seed, max_steps=None):
    rng = np.random.default_rng(action_seed)
    obs, _ = env.reset(seed=seed)
    episode = {
        "seed": seed,
        "policy": policy_name,
        "reset_observation": to_list(obs),
        "actions": [],
        "observations": [],
        "rewards": [],
        "terminated": [],
        "truncated": [],
    }
    t = 0
    while True:
        action = policy(obs, rng, env, t)
        t += 1
        obs, reward, terminated, truncated, _ = env.step(action)
        episode["actions"].append(action_to_json(action))
        episode["observations"].append(to_list(obs))
        episode["rewards"].append(float(reward))
        episode["terminated"].append(bool(terminated))
        episode["truncated"].append(bool(truncated))
        if terminated or truncated or t == max_steps:
            return episode


def make(env_id, kwargs):
    return gym.make(env_id, **kwargs)


def record(env_id, gym_id, kwargs, runs, max_steps=None):
    """`runs`: list of runs, each a list of (seed, policy name, policy or policy factory).
    With `max_steps`, an episode is recorded for at most that many steps (the next one
    resets the instance as usual)."""
    out = {
        "env_id": env_id,
        "gymnasium": gym.__version__,
        "numpy": np.__version__,
        "gym_make": {"id": gym_id, **kwargs},
        "max_steps": max_steps,
        "runs": [],
    }
    action_seed = 1000
    for run in runs:
        env = make(gym_id, kwargs)
        episodes = []
        for seed, name, policy in run:
            if callable(policy) and getattr(policy, "needs_env", False):
                policy = policy(env)
            action_seed += 1
            episodes.append(run_episode(env, seed, name, policy, action_seed, max_steps))
        env.close()
        out["runs"].append({"episodes": episodes})
    return out


def needs_env(factory):
    factory.needs_env = True
    return factory


@needs_env
def greedy(env):
    return tabular_greedy(env)


def first_seed(gym_id, kwargs, policy_factory, condition, limit=400):
    """The first seed whose episode under the policy satisfies `condition(episode)`."""
    env = make(gym_id, kwargs)
    policy = policy_factory(env) if getattr(policy_factory, "needs_env", False) else policy_factory
    for seed in range(limit):
        episode = run_episode(env, seed, "", policy, 10_000 + seed)
        if condition(episode):
            return seed
    raise RuntimeError(f"no seed below {limit} satisfies the condition for {gym_id}")


def truncates(episode):
    return episode["truncated"][-1] and not episode["terminated"][-1]


def terminates_with(reward):
    return lambda e: e["terminated"][-1] and e["rewards"][-1] == reward


# ----------------------------------------------------------------------------- the files


def taxi_solver(env):
    """Shortest action sequence to the goal from the current state, by breadth-first search
    over the deterministic transition table."""
    P = env.unwrapped.P

    def policy(obs, rng, env, t):
        start = int(obs)
        previous = {start: None}
        queue = deque([start])
        while queue:
            s = queue.popleft()
            for a in range(6):
                _, s2, _, t = P[s][a][0]
                if t:
                    path = [a]
                    while previous[s] is not None:
                        s, a_prev = previous[s]
                        path.append(a_prev)
                    return path[-1]
                if s2 not in previous:
                    previous[s2] = (s, a)
                    queue.append(s2)
        return 0

    return policy


def specs():
    frozen_random = [(0, "random", random_policy)] + [(None, "random", random_policy)] * 6 + [(7, "random", random_policy)]
    frozen_greedy = [(1, "greedy", greedy)] + [(None, "greedy", greedy)] * 10

    yield "CartPole-v1", "CartPole-v1", {}, [
        [(0, "random", random_policy), (None, "random", random_policy), (1, "random", random_policy)],
        [(42, "balance", cartpole_balance)],
        [(123_456_789_012, "random", random_policy), (2**63 + 11, "random", random_policy)],
    ]
    yield "MountainCar-v0", "MountainCar-v0", {}, [
        [(0, "random", random_policy), (1, "pump", mountain_car_pump), (None, "pump+eps", epsilon(mountain_car_pump, 0.2))],
        [(5, "left-then-pump", mountain_car_left_then_pump)],
    ]
    yield "MountainCarContinuous-v0", "MountainCarContinuous-v0", {}, [
        [(0, "random", random_policy), (1, "noisy-pump", continuous_noisy_pump), (None, "pump", continuous_pump)],
        [(3, "left-then-pump", continuous_left_then_pump)],
    ]
    yield "Pendulum-v1", "Pendulum-v1", {}, [
        [(0, "random", random_policy), (None, "random", random_policy)],
        [(9, "swing-up", pendulum_swing_up), (None, "swing-up+eps", epsilon(pendulum_swing_up, 0.3))],
    ]
    yield "Acrobot-v1", "Acrobot-v1", {}, [
        [(0, "random", random_policy), (1, "pump", acrobot_pump), (None, "pump+eps", epsilon(acrobot_pump, 0.1))],
        [(2, "pump", acrobot_pump)],
        [(acrobot_float32_trig_seed(), "pump", acrobot_pump)],
    ]

    slippery_truncation = first_seed("FrozenLake-v1", {}, greedy, truncates)
    yield "FrozenLake-v1", "FrozenLake-v1", {}, [
        frozen_random,
        frozen_greedy,
        [(slippery_truncation, "greedy", greedy)],
    ]
    slippery8_truncation = first_seed("FrozenLake8x8-v1", {}, greedy, truncates)
    yield "FrozenLake8x8-v1", "FrozenLake8x8-v1", {}, [
        frozen_random,
        frozen_greedy,
        [(slippery8_truncation, "greedy", greedy)],
    ]
    not_slippery = {"is_slippery": False}
    for env_id, gym_id in [("FrozenLakeNotSlippery-v1", "FrozenLake-v1"), ("FrozenLake8x8NotSlippery-v1", "FrozenLake8x8-v1")]:
        yield env_id, gym_id, not_slippery, [
            frozen_random,
            [(3, "greedy", greedy), (None, "always-left", constant(0))],
        ]

    capped = {"max_episode_steps": CLIFF_WALKING_MAX_STEPS}
    yield "CliffWalking-v1", "CliffWalking-v1", capped, [
        [(0, "random", random_policy), (None, "greedy", greedy), (None, "greedy+eps", epsilon(greedy_factory_cache("CliffWalking-v1", capped), 0.2))],
        [(4, "always-up", constant(0))],
    ]
    slippery_cliff = {"max_episode_steps": CLIFF_WALKING_MAX_STEPS}
    yield "CliffWalkingSlippery-v1", "CliffWalkingSlippery-v1", slippery_cliff, [
        [(0, "random", random_policy), (None, "greedy", greedy), (None, "greedy", greedy), (2, "greedy", greedy)],
    ]
    yield "Taxi-v4", "Taxi-v4", {}, [
        [(0, "random", random_policy), (None, "solver", needs_env(taxi_solver)), (None, "solver+eps", needs_env(lambda env: epsilon(taxi_solver(env), 0.15)))],
        [(8, "solver", needs_env(taxi_solver))],
    ]


def acrobot_float32_trig_seed():
    """A seed whose initial Acrobot observation shows numpy's own float32 cosine or sine (the
    state is float32 right after reset), which is not always the correctly rounded value."""
    env = make("Acrobot-v1", {})
    for seed in range(100_000):
        env.reset(seed=seed)
        state = env.unwrapped.state
        for angle in state[:2]:
            exact = (np.float32(math.cos(float(angle))), np.float32(math.sin(float(angle))))
            if (np.cos(angle), np.sin(angle)) != exact:
                return seed
    raise RuntimeError("no Acrobot seed shows numpy's float32 trigonometry")


# MuJoCo (v5): episodes capped at this many steps; values compared within 1e-6.
MUJOCO_MAX_STEPS = 200
MUJOCO_IDS = [
    "InvertedPendulum-v5",
    "InvertedDoublePendulum-v5",
    "Reacher-v5",
    "Swimmer-v5",
    "Hopper-v5",
    "HalfCheetah-v5",
    "Walker2d-v5",
    "Ant-v5",
]


def sine_gait(obs, rng, env, t):
    space = env.action_space
    phase = 0.3 * t + np.arange(space.shape[0])
    return np.clip(0.8 * space.high * np.sin(phase), space.low, space.high).astype(np.float32)


def pendulum_balance(obs, rng, env, t):
    force = 3.0 * obs[1] + 0.5 * obs[3] + 0.1 * obs[2] + rng.normal(0.0, 0.3)
    return np.clip(np.array([force]), -3.0, 3.0).astype(np.float32)


def gentle(obs, rng, env, t):
    """Small random torques: the walkers and the double pendulum last longer than with
    full-range ones."""
    space = env.action_space
    return (0.1 * rng.uniform(space.low, space.high)).astype(np.float32)


def mujoco_specs():
    for env_id in MUJOCO_IDS:
        structured = pendulum_balance if env_id == "InvertedPendulum-v5" else sine_gait
        name = "balance" if structured is pendulum_balance else "sine-gait"
        yield env_id, env_id, {}, [
            [(0, "random", random_policy), (None, name, structured)],
            [(2**40 + 7, "random", random_policy), (3, "gentle", gentle)],
        ]


def greedy_factory_cache(gym_id, kwargs):
    """A value-iteration policy for `gym_id`, computed on a throwaway instance (the tables of
    instances of one id are identical)."""
    return tabular_greedy(make(gym_id, kwargs))


def main():
    if gym.__version__ != GYMNASIUM_VERSION:
        sys.exit(f"need gymnasium {GYMNASIUM_VERSION}, found {gym.__version__}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    total = 0
    mujoco = [(spec, MUJOCO_MAX_STEPS) for spec in mujoco_specs()]
    for (env_id, gym_id, kwargs, runs), max_steps in [(spec, None) for spec in specs()] + mujoco:
        data = record(env_id, gym_id, kwargs, runs, max_steps)
        path = OUT_DIR / f"{env_id}.json"
        text = json.dumps(data, separators=(",", ":")) + "\n"
        path.write_text(text)
        total += len(text)
        episodes = [e for run in data["runs"] for e in run["episodes"]]
        summary = ", ".join(
            f"{len(e['actions'])}{'T' if e['terminated'][-1] else ''}{'t' if e['truncated'][-1] else ''}" for e in episodes
        )
        print(f"{path.name}: {len(text) / 1024:.0f} KiB, episode lengths ({'T terminated, t truncated'}): {summary}")
    print(f"total {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
