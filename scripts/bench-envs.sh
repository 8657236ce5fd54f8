#!/usr/bin/env bash
# Steps per second of the native envs (examples/bench_envs.rs) beside Gymnasium 1.4's on the
# same machine, in one run, with ratios. Target: >= 100x for the classic-control envs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="$(bash scripts/gym-venv.sh)"
cargo build --release --quiet -p ppo-sandbox-envs --example bench_envs
native="$(./target/release/examples/bench_envs)"
gym="$("$python" scripts/bench_envs_gym.py)"
"$python" - "$native" "$gym" <<'PY'
import json, sys
n, g = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'env':<28}{'native steps/s':>16}{'Gymnasium steps/s':>20}{'ratio':>10}")
for env_id in n:
    print(f"{env_id:<28}{n[env_id]:>16,.0f}{g[env_id]:>20,.0f}{n[env_id] / g[env_id]:>9.0f}x")
PY
