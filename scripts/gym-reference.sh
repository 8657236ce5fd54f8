#!/usr/bin/env bash
# Regenerates the Gymnasium reference episodes in envs/tests/reference/ (see
# scripts/gym_reference.py), which envs/tests/gym_parity.rs replays on the native envs.
#
# The venv (.venv-gym, pinned gymnasium and numpy) comes from scripts/gym-venv.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$(bash "$root/scripts/gym-venv.sh")"
# From a scratch folder: MuJoCo appends its warnings to MUJOCO_LOG.TXT in the working directory.
cd "$(mktemp -d)"
exec "$python" "$root/scripts/gym_reference.py" "$@"
