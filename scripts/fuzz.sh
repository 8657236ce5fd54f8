#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/targets/fuzz_targets/) for a given time each.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default: 60 s, every target)
#
# Uses cargo-fuzz 0.13 (installed into .tools/ from crates.io on first use) on the pinned
# stable toolchain with `--sanitizer none`: coverage instrumentation is stable, AddressSanitizer
# is not (the engine's own code has no `unsafe` outside the guest ABI). The committed seed corpus
# (fuzz/corpus/TARGET/) is read; new entries go to fuzz/targets/corpus/TARGET/ (ignored by git),
# crashes to fuzz/targets/artifacts/TARGET/. Each crash found should become a
# regression input in fuzz/regressions/TARGET/ (replayed by `cargo test`) and a test named
# for the bug. Every target's executions and crashes are summed up at the end, from the logs in
# fuzz/logs/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls fuzz/targets/fuzz_targets | sed 's/\.rs$//')
fi

cargo_fuzz=.tools/bin/cargo-fuzz
if [ ! -x "$cargo_fuzz" ]; then
  cargo install cargo-fuzz --version 0.13.2 --locked --root .tools
fi

# The Python guest is built once by the ordinary build (target/ppo-sandbox-guest); reuse it
# rather than building RustPython again in the instrumented target folder.
main_target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
guest="$main_target/ppo-sandbox-guest/wasm32-wasip1/release/ppo_sandbox_python_runner.wasm"
if [ -f "$guest" ]; then
  export PPO_SANDBOX_PYTHON_GUEST_WASM="$guest"
fi

# A release build (cargo-fuzz's default, with debug assertions) runs inputs several times
# faster, compiling Wasm modules above all; PPO_SANDBOX_FUZZ_DEV=1 builds in debug instead,
# about twice as fast to build, for short runs such as CI's. The guests' machine code comes
# from the same on-disk cache either way.
profile=()
if [ "${PPO_SANDBOX_FUZZ_DEV:-}" = 1 ]; then
  profile=(--dev)
fi
"$cargo_fuzz" build --fuzz-dir fuzz/targets --sanitizer none "${profile[@]}"

mkdir -p fuzz/logs
status=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/targets/corpus/$target"
  log="fuzz/logs/$target.log"
  echo "== $target: ${seconds}s"
  if ! "$cargo_fuzz" run --fuzz-dir fuzz/targets --sanitizer none "${profile[@]}" "$target" \
      "fuzz/targets/corpus/$target" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
      > "$log" 2>&1; then
    status=1
    echo "   CRASH: see $log and fuzz/targets/artifacts/$target/"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  echo "   executions: $runs"
done
exit $status
