from dataclasses import dataclass, field
from enum import IntEnum
from typing import List


class Push(IntEnum):
    LEFT = 0
    RIGHT = 1


@dataclass
class Policy:
    gain: float = 0.5
    history: List[float] = field(default_factory=list)

    def reset(self) -> None:
        self.history.clear()

    def act(self, obs) -> int:
        angle = obs.pole_angle + self.gain * obs.pole_angular_velocity
        self.history.append(angle)
        if len(self.history) > 50:
            self.history.pop(0)
        return Push.RIGHT if angle > 0 else Push.LEFT
