//! Lets this package's tests and benches find libmujoco at run time.

use std::env;

fn main() {
    add_mujoco_run_path();
}

include!("mujoco_rpath.rs");
