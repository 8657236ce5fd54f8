# A model-style Gathering policy that looks at the 5x5 window around itself: step onto an
# adjacent apple, else head for the nearest apple in the window, else walk forward.
MOVES = (0, 3, 1, 2)  # forward, right, backward, left relative to the orientation
DIRS = ((0, -1), (1, 0), (0, 1), (-1, 0))


def act(obs):
    if obs.tagged_out:
        return 7
    x, y, apples = obs.x, obs.y, obs.apples
    h, w = len(apples), len(apples[0])
    best = None
    for dy in range(-2, 3):
        yy = y + dy
        if 0 <= yy < h:
            row = apples[yy]
            for dx in range(-2, 3):
                xx = x + dx
                if 0 <= xx < w and row[xx] and (dx or dy):
                    d = abs(dx) + abs(dy)
                    if best is None or d < best[0]:
                        best = (d, dx, dy)
    if best is None:
        want = obs.orientation
        dx, dy = DIRS[want]
        if not (0 <= y + dy < h and 0 <= x + dx < w) or obs.walls[y + dy][x + dx]:
            return 5
        return 0
    _, dx, dy = best
    want = (1 if dx > 0 else 3) if abs(dx) >= abs(dy) else (2 if dy > 0 else 0)
    return MOVES[(want - obs.orientation) % 4]
