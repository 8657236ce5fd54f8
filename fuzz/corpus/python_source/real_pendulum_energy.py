# env: Pendulum-v1
import math


class Policy:
    """Energy pumping to swing up, then a PD controller near the top."""

    def __init__(self):
        self.max_torque = 2.0
        self.steps = 0

    def reset(self):
        self.steps = 0

    def act(self, obs):
        self.steps += 1
        cos_theta, sin_theta, velocity = obs[0], obs[1], obs[2]
        theta = math.atan2(sin_theta, cos_theta)
        if cos_theta > 0.9:
            torque = -10.0 * theta - 1.0 * velocity
        else:
            energy = 0.5 * velocity ** 2 + 10.0 * (cos_theta - 1.0)
            torque = -1.5 * energy * (1.0 if velocity * cos_theta > 0 else -1.0)
        torque = max(-self.max_torque, min(self.max_torque, torque))
        return [torque]
