# env: FrozenLake-v1
from collections import deque
import heapq

SIZE = 4
HOLES = {5, 7, 11, 12}
GOAL = 15
LEFT, DOWN, RIGHT, UP = range(4)
MOVES = {LEFT: (0, -1), DOWN: (1, 0), RIGHT: (0, 1), UP: (-1, 0)}


def neighbours(cell):
    row, col = divmod(cell, SIZE)
    for action, (dr, dc) in MOVES.items():
        r, c = row + dr, col + dc
        if 0 <= r < SIZE and 0 <= c < SIZE:
            yield action, r * SIZE + c


def plan():
    best = {GOAL: 0}
    queue = [(0, GOAL)]
    while queue:
        cost, cell = heapq.heappop(queue)
        for _, other in neighbours(cell):
            if other not in HOLES and cost + 1 < best.get(other, 1 << 30):
                best[other] = cost + 1
                heapq.heappush(queue, (cost + 1, other))
    return best


DISTANCE = plan()  # planning at import time


def act(obs):
    options = [(DISTANCE.get(cell, 99), action) for action, cell in neighbours(obs)]
    return min(options)[1] if options else DOWN
