import math
from functools import lru_cache

GRAVITY, MASSCART, MASSPOLE, LENGTH, FORCE, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02


def simulate(state, action):
    x, x_dot, theta, theta_dot = state
    force = FORCE if action == 1 else -FORCE
    cos, sin = math.cos(theta), math.sin(theta)
    total = MASSCART + MASSPOLE
    temp = (force + MASSPOLE * LENGTH * theta_dot ** 2 * sin) / total
    theta_acc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - MASSPOLE * cos ** 2 / total))
    x_acc = temp - MASSPOLE * LENGTH * theta_acc * cos / total
    return (x + TAU * x_dot, x_dot + TAU * x_acc, theta + TAU * theta_dot, theta_dot + TAU * theta_acc)


def score(state, depth):
    if depth == 0 or abs(state[2]) > 0.2:
        return -abs(state[2]) - 0.1 * abs(state[0])
    return max(score(simulate(state, a), depth - 1) for a in (0, 1))


def act(obs):
    state = tuple(obs)
    return max((0, 1), key=lambda a: score(simulate(state, a), 3))
