// Shared by the build scripts of every package whose binaries or tests may link libmujoco
// (`include!`d, like `guest-sdk/wasm_build.rs`; the including script imports `std::env`).

/// Puts the folder mujoco-rs links libmujoco from (`MUJOCO_DYNAMIC_LINK_DIR`, set by
/// `.cargo/config.toml` to the project's `.mujoco/lib`) in the run path of this package's
/// binaries, tests, benches and examples, so they find the library without `LD_LIBRARY_PATH`.
/// A run path to a folder a binary never uses costs nothing, so this runs with or without the
/// `mujoco` feature.
fn add_mujoco_run_path() {
    println!("cargo::rerun-if-env-changed=MUJOCO_DYNAMIC_LINK_DIR");
    let unix = matches!(
        env::var("CARGO_CFG_TARGET_OS").as_deref(),
        Ok("linux" | "macos" | "freebsd")
    );
    if let (true, Some(dir)) = (unix, env::var_os("MUJOCO_DYNAMIC_LINK_DIR")) {
        println!("cargo::rustc-link-arg=-Wl,-rpath,{}", dir.to_string_lossy());
    }
}
