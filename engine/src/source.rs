//! What a policy is made of: Python source text or a WebAssembly module.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A policy's source: Python text run by the Python guest, or a WebAssembly module (binary or
/// text format) that speaks the guest contract (see `ppo-sandbox-contract`).
#[derive(Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// Python source defining `act(obs)` or a class with `act(self, obs)`.
    Python(Arc<str>),
    /// Raw bytes claimed to be Python source; checked for UTF-8 at load, so a bad file is a
    /// crash report (kind `invalid_source`), not an error of the caller's.
    PythonBytes(Arc<[u8]>),
    /// A WebAssembly module (binary, or the text format).
    Wasm(Arc<[u8]>),
}

impl PolicySource {
    /// Python source text.
    pub fn python(text: impl Into<String>) -> PolicySource {
        PolicySource::Python(Arc::from(text.into()))
    }

    /// Python source as bytes (validated as UTF-8 when loaded).
    pub fn python_bytes(bytes: impl Into<Vec<u8>>) -> PolicySource {
        PolicySource::PythonBytes(Arc::from(bytes.into()))
    }

    /// A WebAssembly module.
    pub fn wasm(bytes: impl Into<Vec<u8>>) -> PolicySource {
        PolicySource::Wasm(Arc::from(bytes.into()))
    }

    /// Reads a policy file: `.wasm` and `.wat` files are WebAssembly, anything else Python.
    pub fn from_path(path: &Path) -> std::io::Result<PolicySource> {
        let bytes = std::fs::read(path)?;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        Ok(match extension {
            "wasm" | "wat" => PolicySource::wasm(bytes),
            _ => PolicySource::python_bytes(bytes),
        })
    }

    /// Size of the source in bytes.
    pub fn len(&self) -> usize {
        match self {
            PolicySource::Python(text) => text.len(),
            PolicySource::PythonBytes(bytes) | PolicySource::Wasm(bytes) => bytes.len(),
        }
    }

    /// Whether the source is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for PolicySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicySource::Python(text) => write!(f, "PolicySource::Python({} bytes)", text.len()),
            PolicySource::PythonBytes(bytes) => {
                write!(f, "PolicySource::PythonBytes({} bytes)", bytes.len())
            }
            PolicySource::Wasm(bytes) => write!(f, "PolicySource::Wasm({} bytes)", bytes.len()),
        }
    }
}
