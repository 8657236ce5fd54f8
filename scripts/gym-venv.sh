#!/usr/bin/env bash
# Makes (once) the local venv .venv-gym with the pinned Gymnasium (with its MuJoCo extra),
# MuJoCo and numpy from PyPI, and prints its python. They are pinned: the reference episodes
# record their exact float results, and libmujoco 3.17.0 is the one mujoco-rs 7 links.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-gym"
if ! "$venv/bin/python" -c 'import gymnasium, numpy, mujoco, imageio' 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "gymnasium[mujoco]==1.4.0" "mujoco==3.17.0" "numpy==2.4.6" >&2
fi
echo "$venv/bin/python"
