#!/usr/bin/env bash
# The published self-play evaluation's size (10 agents x 1,000 steps x 10 episodes of
# Gathering-v0, 100,000 policy calls), sandboxed, beside a CPython in-process loop of the
# same size: on one worker, then on two threads of one process and on two worker processes.
# usage: scripts/bench-self-play.sh [POLICY.py]
set -euo pipefail
cd "$(dirname "$0")/.."
policy="${1:-examples/policies/gathering_local.py}"
cargo build --release --locked --example bench_self_play
for workers in "1 threads" "2 threads" "2 processes"; do
  printf '%-12s ' "$workers:"
  # shellcheck disable=SC2086
  ./target/release/examples/bench_self_play "$policy" $workers
done
python3 scripts/self_play_cpython.py "$policy"
