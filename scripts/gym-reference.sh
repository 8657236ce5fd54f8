#!/usr/bin/env bash
# Regenerates the Gymnasium reference episodes in envs/tests/reference/ (see
# scripts/gym_reference.py), which envs/tests/gym_parity.rs replays on the native envs.
#
# Gymnasium and numpy are pinned: the files record their exact float results (numpy's
# float32 arithmetic and trigonometry are part of what the envs reproduce). The virtual
# environment lives in .venv-gym at the repository root and is created on first use.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-gym"
python="${PYTHON:-python3}"

if ! "$venv/bin/python" -c 'import gymnasium, numpy' 2>/dev/null; then
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "gymnasium==1.4.0" "numpy==2.4.6"
fi
exec "$venv/bin/python" "$root/scripts/gym_reference.py" "$@"
