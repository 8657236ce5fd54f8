//! Builds the Python guest (RustPython for `wasm32-wasip1`, `guest-sdk/python-runner`) as part
//! of the ordinary build, so `cargo build` is the only step.
//!
//! The guest is its own cargo workspace with its own lock file; it is built by a nested cargo
//! into `<target>/ppo-sandbox-guest`, shared by every profile, so debug and release builds of
//! the host reuse one guest build. Set `PPO_SANDBOX_PYTHON_GUEST_WASM` to a prebuilt guest to
//! skip the nested build.

use std::env;
use std::path::{Path, PathBuf};

fn main() {
    add_mujoco_run_path();
    println!("cargo:rerun-if-env-changed=PPO_SANDBOX_PYTHON_GUEST_WASM");
    if env::var_os("CARGO_FEATURE_PYTHON").is_none() {
        return;
    }
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let destination = out_dir.join("python-runner.wasm");
    let built = match env::var_os("PPO_SANDBOX_PYTHON_GUEST_WASM") {
        Some(prebuilt) => PathBuf::from(prebuilt),
        None => build_guest(&out_dir),
    };
    println!("cargo:rerun-if-changed={}", built.display());
    std::fs::copy(&built, &destination)
        .unwrap_or_else(|e| panic!("copying the Python guest from {}: {e}", built.display()));
}

fn build_guest(out_dir: &Path) -> PathBuf {
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let guest_sdk = manifest_dir.join("../guest-sdk");
    for watched in [
        "python-runner/src",
        "python-runner/Cargo.toml",
        "python-runner/Cargo.lock",
        "python-runner/.cargo",
        "contract",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            guest_sdk.join(watched).display()
        );
    }
    let target_dir = shared_target_dir(out_dir).join("ppo-sandbox-guest");
    cargo_build_wasm(&guest_sdk.join("python-runner"), &[], &target_dir);
    target_dir.join("wasm32-wasip1/release/ppo_sandbox_python_runner.wasm")
}

include!("../guest-sdk/wasm_build.rs");
include!("../envs/mujoco_rpath.rs");
