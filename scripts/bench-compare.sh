#!/usr/bin/env bash
# The sandbox's figures (examples/bench_compare.rs) beside CPython in process and Gymnasium 1.4
# (scripts/bench_cpython.py in the .venv-gym venv), with ratios. The two sides alternate for
# ROUNDS rounds (default 5) and each ratio is the median of the rounds' ratios: on a shared
# machine a neighbour's burst lands on one side of one round, not on the figure.
# usage: [ROUNDS=N] scripts/bench-compare.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${ROUNDS:-5}"
python="$(bash scripts/gym-venv.sh)"
cargo build --release --quiet --example bench_compare
results=()
for ((round = 1; round <= rounds; round++)); do
  results+=("$(./target/release/examples/bench_compare)" "$("$python" scripts/bench_cpython.py)")
done
"$python" - "${results[@]}" <<'PY'
import json, statistics, sys
pairs = [(json.loads(a), json.loads(b)) for a, b in zip(sys.argv[1::2], sys.argv[2::2])]
median = statistics.median

def row(name, sandbox, cpython, target):
    ratios = [s / c for s, c in zip(sandbox, cpython)]
    rounds = " ".join(f"{r:.2f}" for r in ratios)
    print(f"{name:<38}{median(sandbox):>12.3f}{median(cpython):>12.3f}"
          f"{median(ratios):>9.2f}x  {target:<8}  {rounds}")

print(f"{len(pairs)} rounds; each column the median over rounds")
print(f"{'figure':<38}{'sandbox':>12}{'CPython':>12}{'ratio':>10}  {'target':<8}  ratio per round")
for name, target in [("python_linear", "<= 7x"), ("python_linear_unpack", "<= 7x"),
                     ("python_looping", "<= 8x")]:
    row(f"act {name} (us)", [s["act_ns"][name] / 1e3 for s, _ in pairs],
        [c["act_ns"][name] / 1e3 for _, c in pairs], target)
row("eval 100 CartPole episodes (s)", [s["eval_100_cartpole_s"] for s, _ in pairs],
    [c["eval_100_cartpole_s"] for _, c in pairs], "<= 0.2x")
print(f"{'act rust_sdk_linear (ns)':<38}{median(s['act_ns']['rust_sdk_linear'] for s, _ in pairs):>12.0f}"
      f"{'':>22}  <= 200 ns")
print(f"{'load python policy (ms)':<38}{median(s['load_ms'] for s, _ in pairs):>12.2f}")
print(f"{'memory per loaded python policy (MiB)':<38}{median(s['mib_per_policy'] for s, _ in pairs):>12.2f}"
      f"{'':>22}  <= 16 MiB")
PY
