// Shared by the build scripts that build guests (`engine/build.rs`, the root `build.rs`):
// included with `include!`, so it stays one piece of code without a build-helper crate. The
// including file imports `std::env` and `std::path::{Path, PathBuf}`.

/// Runs `cargo build --release --target wasm32-wasip1` in `dir` (plus `extra_args`), into
/// `target_dir`, with the outer build's host settings removed from the environment.
fn cargo_build_wasm(dir: &Path, extra_args: &[&str], target_dir: &Path) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command
        .current_dir(dir)
        .args(["build", "--locked", "--release", "--target", "wasm32-wasip1"])
        .args(extra_args)
        .arg("--target-dir")
        .arg(target_dir);
    // The outer build's settings are for the host: keep them away from the guest build (its
    // own flags come from the guest's .cargo/config.toml).
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let keep = matches!(key, "CARGO_HOME" | "CARGO_MAKEFLAGS")
            || key.starts_with("CARGO_REGISTRIES_")
            || key.starts_with("CARGO_HTTP_")
            || key.starts_with("CARGO_NET_");
        if (key.starts_with("CARGO_") && !keep) || key == "RUSTFLAGS" || key == "RUSTDOCFLAGS" {
            command.env_remove(key);
        }
    }
    let status = command.status().unwrap_or_else(|e| panic!("running cargo for a wasm guest: {e}"));
    if !status.success() {
        panic!(
            "building a wasm guest in {} failed ({status}); see the compiler output above. A missing target is fixed by \
             `rustup target add wasm32-wasip1` (rust-toolchain.toml lists it).",
            dir.display()
        );
    }
}

/// The outer build's target directory, so guest builds are shared across profiles: OUT_DIR
/// is `<target>[/<triple>]/<profile>/build/<pkg>-<hash>/out`. Falls back to OUT_DIR for an
/// unexpected layout.
fn shared_target_dir(out_dir: &Path) -> PathBuf {
    let build_dir = out_dir.ancestors().nth(2);
    if build_dir.and_then(Path::file_name).is_none_or(|name| name != "build") {
        return out_dir.to_path_buf();
    }
    let Some(mut target) = out_dir.ancestors().nth(4) else { return out_dir.to_path_buf() };
    if let (Some(name), Some(triple)) = (target.file_name(), env::var_os("TARGET"))
        && name == triple.as_os_str()
    {
        target = target.parent().unwrap_or(target);
    }
    target.to_path_buf()
}
