//! Lets this package's tests and examples find libmujoco at run time (a workspace build links
//! the envs crate with its `mujoco` feature).

use std::env;

fn main() {
    add_mujoco_run_path();
}

include!("../../envs/mujoco_rpath.rs");
