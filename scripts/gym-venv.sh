#!/usr/bin/env bash
# Makes (once) the local venv .venv-gym with the pinned Gymnasium and numpy from PyPI, and
# prints its python. Gymnasium and numpy are pinned: the reference episodes record their
# exact float results.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-gym"
if ! "$venv/bin/python" -c 'import gymnasium, numpy' 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "gymnasium==1.4.0" "numpy==2.4.6" >&2
fi
echo "$venv/bin/python"
