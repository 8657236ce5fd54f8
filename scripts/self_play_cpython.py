"""The unsandboxed baseline of `bench_self_play`: the same policy called in-process by CPython,
10 agents x 1,000 steps x 10 episodes of Gathering-v0 (100,000 calls), on a minimal Python
Gathering (moves, apples regrowing after 25 steps; the benchmark policy never fires, so beams
are left out) with observations built as the sandbox builds them: a read-only record whose
grids are tuples of row tuples, rows reused while unchanged.

usage: python3 scripts/self_play_cpython.py [POLICY.py]
"""

import random
import re
import sys
import time
from collections import namedtuple

policy_path = sys.argv[1] if len(sys.argv) > 1 else "examples/policies/gathering_local.py"
maps = open("envs/src/multi_agent/maps.rs").read()
block = maps.split("pub(crate) const GATHERING: &[&str] = &[")[1].split("];")[0]
rows = re.findall(r'"(.*)"', block)
W = max(len(r) for r in rows)
rows = [r.ljust(W) for r in rows]
H = len(rows)
walls = tuple(tuple(int(c == "@") for c in r) for r in rows)
apple_cells = [(x, y) for y in range(H) for x in range(W) if rows[y][x] == "A"]
spawns = [(x, y) for y in range(H) for x in range(W) if rows[y][x] == "P"]
opens = [(x, y) for y in range(H) for x in range(W) if rows[y][x] in " .P"]

Agent = namedtuple("Agent", "x y orientation tagged_out hits")
Obs = namedtuple("Observation", "agent_id step x y orientation tagged_out agents apples walls")
DIRS = ((0, -1), (1, 0), (0, 1), (-1, 0))


def load_policy():
    namespace = {"__name__": "policy"}
    exec(compile(open(policy_path).read(), policy_path, "exec"), namespace)
    return namespace["act"]


def episode(seed, n=10):
    rng = random.Random(seed)
    acts = [load_policy() for _ in range(n)]  # one module per agent, as the sandbox does
    points = spawns[:]
    rng.shuffle(points)
    pos = [points[i] if i < len(points) else rng.choice(opens) for i in range(n)]
    orient = [rng.randrange(4) for _ in range(n)]
    apple = {c: True for c in apple_cells}
    regrow = {}
    grid = [list(r) for r in [[0] * W for _ in range(H)]]
    for (x, y) in apple_cells:
        grid[y][x] = 1
    row_tuples = [tuple(r) for r in grid]
    calls = 0
    total = 0
    for step in range(1000):
        apples = tuple(row_tuples)
        agents = tuple(Agent(pos[i][0], pos[i][1], orient[i], 0, 0) for i in range(n))
        actions = []
        for i in range(n):
            obs = Obs(i, step, pos[i][0], pos[i][1], orient[i], 0, agents, apples, walls)
            actions.append(acts[i](obs))
            calls += 1
        for i, a in enumerate(actions):
            if a in (0, 1, 2, 3):
                turn = (0, 2, 3, 1)[a]
                dx, dy = DIRS[(orient[i] + turn) % 4]
                x, y = pos[i][0] + dx, pos[i][1] + dy
                if 0 <= x < W and 0 <= y < H and not walls[y][x]:
                    pos[i] = (x, y)
            elif a == 4:
                orient[i] = (orient[i] + 3) % 4
            elif a == 5:
                orient[i] = (orient[i] + 1) % 4
        changed = set()
        for c in list(regrow):
            regrow[c] -= 1
            if regrow[c] == 0:
                del regrow[c]
                apple[c] = True
                grid[c[1]][c[0]] = 1
                changed.add(c[1])
        for i in range(n):
            if apple.get(pos[i]):
                apple[pos[i]] = False
                regrow[pos[i]] = 25
                grid[pos[i][1]][pos[i][0]] = 0
                changed.add(pos[i][1])
                total += 1
        for y in changed:
            row_tuples[y] = tuple(grid[y])
    return calls, total


started = time.perf_counter()
calls = apples = 0
for seed in range(10):
    c, a = episode(seed)
    calls += c
    apples += a
elapsed = time.perf_counter() - started
print(
    f"CPython in-process (no sandbox, {sys.version.split()[0]}): {calls} policy calls in {elapsed:.3f} s "
    f"({elapsed * 1e6 / calls:.2f} us per call), mean agent return {apples / 100:.1f}"
)
