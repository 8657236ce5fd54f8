#!/usr/bin/env bash
# Steps per second of the native envs (examples/bench_envs.rs) beside Gymnasium 1.4's on the
# same machine, in one run, with ratios. Targets: >= 100x Gymnasium for the classic-control
# envs; for MuJoCo, the env's step at most 10% slower than bare mj_step on the same model.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="$(bash scripts/gym-venv.sh)"
bash scripts/setup-mujoco.sh
cargo build --release --quiet -p ppo-sandbox-envs --features mujoco --example bench_envs
native="$(./target/release/examples/bench_envs)"
gym="$("$python" scripts/bench_envs_gym.py)"
"$python" - "$native" "$gym" <<'PY'
import json, sys
n, g = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'env':<28}{'native steps/s':>16}{'Gymnasium steps/s':>20}{'ratio':>10}")
for env_id in [k for k in n if not k.startswith("raw:")]:
    print(f"{env_id:<28}{n[env_id]:>16,.0f}{g[env_id]:>20,.0f}{n[env_id] / g[env_id]:>9.1f}x")
print(f"\n{'MuJoCo env':<28}{'env steps/s':>16}{'bare mj_step/s':>20}{'overhead':>10}")
for env_id in [k for k in n if k.startswith("raw:")]:
    env, raw = n[env_id[4:]], n[env_id]
    print(f"{env_id[4:]:<28}{env:>16,.0f}{raw:>20,.0f}{(raw / env - 1) * 100:>9.1f}%")
PY
