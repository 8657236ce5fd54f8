//! The Python guest module this build embeds (see `build.rs`).

/// The Python guest's WebAssembly, when the `python` feature is on.
pub(crate) fn python_guest_wasm() -> Option<&'static [u8]> {
    #[cfg(feature = "python")]
    {
        Some(include_bytes!(concat!(
            env!("OUT_DIR"),
            "/python-runner.wasm"
        )))
    }
    #[cfg(not(feature = "python"))]
    {
        None
    }
}
