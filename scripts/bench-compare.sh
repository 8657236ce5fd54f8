#!/usr/bin/env bash
# One run, both sides: the sandbox's figures (examples/bench_compare.rs) beside CPython in
# process and Gymnasium 1.4 (scripts/bench_cpython.py in the .venv-gym venv), with ratios.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="$(bash scripts/gym-venv.sh)"
cargo build --release --quiet --example bench_compare
sandbox="$(./target/release/examples/bench_compare)"
cpython="$("$python" scripts/bench_cpython.py)"
"$python" - "$sandbox" "$cpython" <<'PY'
import json, sys
s, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'figure':<38}{'sandbox':>14}{'CPython':>14}{'ratio':>10}  target")
for name, target in [("python_linear", "<= 7x"), ("python_looping", "<= 8x")]:
    a, b = s["act_ns"][name], c["act_ns"][name]
    print(f"{'act ' + name + ' (ns)':<38}{a:>14.0f}{b:>14.0f}{a / b:>9.2f}x  {target}")
print(f"{'act rust_sdk_linear (ns)':<38}{s['act_ns']['rust_sdk_linear']:>14.0f}{'':>14}{'':>10}  <= 200 ns")
print(f"{'load python policy (ms)':<38}{s['load_ms']:>14.2f}")
print(f"{'memory per loaded python policy (MiB)':<38}{s['mib_per_policy']:>14.2f}{'':>14}{'':>10}  <= 16 MiB")
a, b = s["eval_100_cartpole_s"], c["eval_100_cartpole_s"]
print(f"{'eval 100 CartPole episodes (s)':<38}{a:>14.3f}{b:>14.3f}{a / b:>9.2f}x  <= 0.2x")
PY
