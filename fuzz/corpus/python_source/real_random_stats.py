# env: FrozenLake-v1
import random
import statistics
import itertools
from collections import defaultdict

counts = defaultdict(int)
recent = []


def act(obs):
    values = list(obs) if not isinstance(obs, int) else [float(obs)]
    recent.append(sum(values))
    del recent[:-20]
    trend = statistics.fmean(recent) if recent else 0.0
    counts[round(trend, 1)] += 1
    pairs = list(itertools.pairwise(values)) if hasattr(itertools, "pairwise") else []
    bias = sum(a - b for a, b in pairs)
    if random.random() < 0.05:
        return random.randint(0, 1)
    return 1 if trend + 0.01 * bias > 0 else 0
