import math

# PD controller on the pole angle, with a small cart-position correction.
KP = 10.0
KD = 2.0
KX = 0.05


def act(obs):
    x, x_dot, theta, theta_dot = obs
    force = KP * theta + KD * theta_dot + KX * x + 0.1 * x_dot
    return 1 if force > 0 else 0
