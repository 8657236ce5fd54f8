#!/usr/bin/env bash
# Steps per second of the native envs (examples/bench_envs.rs) beside Gymnasium 1.4's on the
# same machine, in one run, with ratios. Targets: >= 100x Gymnasium for the classic-control
# envs; for MuJoCo, the env's step at most 10% slower than bare mj_step on the same model.
# "native" is Env::step_into with one reused observation buffer, the step the engine's
# rollout loop makes; "step, new obs" is Env::step, a fresh observation each step as
# Gymnasium's step returns.
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
print(f"{'env':<28}{'native steps/s':>16}{'ratio':>9}{'  (step, new obs)':>18}{'ratio':>9}{'Gymnasium steps/s':>20}")
for env_id in [k for k in n if ":" not in k]:
    fresh = n[f"new:{env_id}"]
    print(f"{env_id:<28}{n[env_id]:>16,.0f}{n[env_id] / g[env_id]:>8.1f}x{fresh:>18,.0f}"
          f"{fresh / g[env_id]:>8.1f}x{g[env_id]:>20,.0f}")
print(f"\n{'MuJoCo env':<28}{'env steps/s':>16}{'bare mj_step/s':>20}{'overhead':>10}")
for env_id in [k for k in n if k.startswith("raw:")]:
    env, raw = n[env_id[4:]], n[env_id]
    print(f"{env_id[4:]:<28}{env:>16,.0f}{raw:>20,.0f}{(raw / env - 1) * 100:>9.1f}%")
PY
