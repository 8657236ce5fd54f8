//! Builds the example policies of `guest-sdk/examples` to `wasm32-wasip1` for the tests and
//! benchmarks of this package; their paths reach the code as `PPO_SANDBOX_EXAMPLE_*_WASM`.

use std::env;
use std::path::{Path, PathBuf};

fn main() {
    add_mujoco_run_path();
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for watched in ["guest-sdk/examples", "guest-sdk/rust", "guest-sdk/contract"] {
        println!(
            "cargo:rerun-if-changed={}",
            manifest_dir.join(watched).display()
        );
    }
    let target_dir = shared_target_dir(&out_dir).join("ppo-sandbox-examples");
    cargo_build_wasm(
        &manifest_dir,
        &["-p", "ppo-sandbox-example-linear-policy"],
        &target_dir,
    );
    let wasm = target_dir.join("wasm32-wasip1/release/ppo_sandbox_example_linear_policy.wasm");
    println!(
        "cargo:rustc-env=PPO_SANDBOX_EXAMPLE_LINEAR_WASM={}",
        wasm.display()
    );
}

include!("guest-sdk/wasm_build.rs");
include!("envs/mujoco_rpath.rs");
