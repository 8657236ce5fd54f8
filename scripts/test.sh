#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (`.ci/run` calls this script).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Toolchain from rust-toolchain.toml (Rust 1.97.0 + wasm32-wasip1); a no-op once installed.
rustup toolchain install

# Gymnasium's own reference episodes, regenerated in a local venv (.venv-gym) from PyPI;
# envs/tests/gym_parity.rs replays them step by step.
bash scripts/gym-reference.sh
# The guest's numpy stand-in against real numpy (from the same venv), expression by expression.
"$(bash scripts/gym-venv.sh)" scripts/numpy_lite_check.py
# libmujoco 3.17.0 and Gymnasium's MuJoCo models into .mujoco/ (from the same venv), for the
# default `mujoco` feature.
bash scripts/setup-mujoco.sh

cargo fmt --all -- --check
# The Python guest is its own workspace (wasm32-wasip1 only): formatted the same way.
cargo fmt --manifest-path guest-sdk/python-runner/Cargo.toml -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# Every fuzz target built (coverage-instrumented, cargo-fuzz on stable) and run briefly; the
# seed corpus and regression inputs were already replayed by `cargo test` above.
PPO_SANDBOX_FUZZ_DEV=1 bash scripts/fuzz.sh 15
# The build without MuJoCo: its ids are described, and making one says how to get MuJoCo.
cargo test -p ppo-sandbox-envs --locked --test mujoco --test gym_parity
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
