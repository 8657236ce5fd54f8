import time

LOG = []


def classify(angle: float, velocity: float) -> str:
    match (angle > 0, velocity > 0):
        case (True, True):
            return "falling-right"
        case (False, False):
            return "falling-left"
        case _:
            return "recovering"


def act(obs):
    started = time.perf_counter()
    label = classify(obs[2], obs[3])
    LOG.append(f"{label}: {obs[2]:+.3f} ({time.perf_counter() - started:.1e}s)")
    if len(LOG) % 100 == 0:
        print(LOG[-1])
    return 1 if label == "falling-right" or (label == "recovering" and obs[3] > 0) else 0
