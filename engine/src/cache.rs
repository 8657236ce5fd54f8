//! The on-disk cache of compiled guest modules.
//!
//! Cranelift takes about 19 s to compile the Python guest here, so its machine code is
//! cached, keyed by the module's hash and by the engine's compatibility hash (wasmtime
//! version and every setting that changes code generation). Each entry carries a checksum of
//! its payload: a corrupt, truncated or stale entry is detected, recompiled and rewritten,
//! never loaded blindly.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use wasmtime::{Engine, Module};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use crate::EngineError;
use crate::atomic_file::write_atomically;

const MAGIC: &[u8; 8] = b"PPOCWASM";
const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 16;

/// Where compiled modules are kept; `None` keeps nothing.
#[derive(Clone, Debug)]
pub(crate) struct ModuleCache {
    dir: Option<PathBuf>,
}

/// How a module was obtained, for tests and diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from a valid cache entry.
    Hit,
    /// No entry: compiled and stored.
    Miss,
    /// An entry existed but was corrupt or incompatible: compiled and replaced.
    Replaced,
    /// No cache directory: compiled.
    Disabled,
}

impl ModuleCache {
    pub fn new(dir: Option<PathBuf>) -> ModuleCache {
        ModuleCache { dir }
    }

    fn keyed_path(&self, engine: &Engine, key: u128) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut compat = Xxh3::new();
        engine.precompile_compatibility_hash().hash(&mut compat);
        Some(dir.join(format!("{key:032x}-{:016x}.cwasm", compat.finish())))
    }

    /// The compiled module stored under `key`, or, when there is no valid entry, the module
    /// `produce` makes, compiled and stored. `key` must identify what `produce` returns (a
    /// hash of its inputs), so that producing it, which may be costly, happens only on a miss.
    pub fn load_or_build<'a>(
        &self,
        engine: &Engine,
        key: u128,
        produce: impl FnOnce() -> Result<Cow<'a, [u8]>, EngineError>,
    ) -> Result<(Module, CacheOutcome), EngineError> {
        let Some(path) = self.keyed_path(engine, key) else {
            let module = Module::new(engine, &produce()?).map_err(EngineError::compile)?;
            return Ok((module, CacheOutcome::Disabled));
        };
        let existed = path.exists();
        if existed {
            match read_entry(&path) {
                Some(payload) => {
                    // SAFETY: `payload` is exactly what `Module::serialize` wrote for this
                    // module under an engine with the same compatibility hash (the key), and
                    // its checksum proves it unchanged since. The cache directory belongs to
                    // the user running the engine, who is trusted like the binary itself.
                    // wasmtime additionally refuses artifacts from another version or config.
                    match unsafe { Module::deserialize(engine, &payload) } {
                        Ok(module) => return Ok((module, CacheOutcome::Hit)),
                        Err(error) => {
                            tracing::warn!(path = %path.display(), %error, "stale compiled module; recompiling")
                        }
                    }
                }
                None => {
                    tracing::warn!(path = %path.display(), "corrupt compiled module; recompiling")
                }
            }
        }
        let module = Module::new(engine, &produce()?).map_err(EngineError::compile)?;
        match module.serialize() {
            Ok(payload) => {
                if let Err(error) = write_entry(&path, &payload) {
                    tracing::warn!(path = %path.display(), %error, "could not write the compiled-module cache");
                }
            }
            Err(error) => tracing::warn!(%error, "could not serialize a compiled module"),
        }
        Ok((
            module,
            if existed {
                CacheOutcome::Replaced
            } else {
                CacheOutcome::Miss
            },
        ))
    }
}

/// The payload of a valid entry, or `None` if the file is unreadable, truncated, of another
/// format, or fails its checksum.
fn read_entry(path: &Path) -> Option<Vec<u8>> {
    let mut bytes = std::fs::read(path).ok()?;
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return None;
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().ok()?);
    let len = u64::from_le_bytes(bytes[12..20].try_into().ok()?);
    let checksum = u128::from_le_bytes(bytes[20..36].try_into().ok()?);
    if version != FORMAT_VERSION || len != (bytes.len() - HEADER_LEN) as u64 {
        return None;
    }
    let payload = bytes.split_off(HEADER_LEN);
    (xxh3_128(&payload) == checksum).then_some(payload)
}

/// Writes an entry atomically (a reader never sees half an entry).
fn write_entry(path: &Path, payload: &[u8]) -> std::io::Result<()> {
    write_atomically(path, |file| {
        file.write_all(MAGIC)?;
        file.write_all(&FORMAT_VERSION.to_le_bytes())?;
        file.write_all(&(payload.len() as u64).to_le_bytes())?;
        file.write_all(&xxh3_128(payload).to_le_bytes())?;
        file.write_all(payload)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULE: &str = r#"(module (func (export "answer") (result i32) i32.const 42))"#;

    impl ModuleCache {
        fn entry_path(&self, engine: &Engine, wasm: &[u8]) -> Option<PathBuf> {
            self.keyed_path(engine, xxh3_128(wasm))
        }

        fn load_or_compile(
            &self,
            engine: &Engine,
            wasm: &[u8],
        ) -> Result<(Module, CacheOutcome), EngineError> {
            self.load_or_build(engine, xxh3_128(wasm), || Ok(Cow::Borrowed(wasm)))
        }
    }

    fn answer(engine: &Engine, module: &Module) -> i32 {
        let mut store = wasmtime::Store::new(engine, ());
        let instance = wasmtime::Instance::new(&mut store, module, &[]).unwrap();
        instance
            .get_typed_func::<(), i32>(&mut store, "answer")
            .unwrap()
            .call(&mut store, ())
            .unwrap()
    }

    #[test]
    fn second_load_hits_and_a_corrupt_entry_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = ModuleCache::new(Some(dir.path().to_owned()));
        let wasm = MODULE.as_bytes();

        let (module, outcome) = cache.load_or_compile(&engine, wasm).unwrap();
        assert_eq!(
            (outcome, answer(&engine, &module)),
            (CacheOutcome::Miss, 42)
        );
        let (module, outcome) = cache.load_or_compile(&engine, wasm).unwrap();
        assert_eq!((outcome, answer(&engine, &module)), (CacheOutcome::Hit, 42));

        // Flip one byte of the payload: the checksum catches it.
        let path = cache.entry_path(&engine, wasm).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let (module, outcome) = cache.load_or_compile(&engine, wasm).unwrap();
        assert_eq!(
            (outcome, answer(&engine, &module)),
            (CacheOutcome::Replaced, 42)
        );

        // Truncated entries too.
        std::fs::write(&path, &bytes[..100]).unwrap();
        assert_eq!(
            cache.load_or_compile(&engine, wasm).unwrap().1,
            CacheOutcome::Replaced
        );
        assert_eq!(
            cache.load_or_compile(&engine, wasm).unwrap().1,
            CacheOutcome::Hit
        );
    }

    #[test]
    fn an_entry_with_a_valid_checksum_from_another_config_is_recompiled() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(Some(dir.path().to_owned()));
        let wasm = MODULE.as_bytes();
        let engine = Engine::default();
        let mut fuel_config = wasmtime::Config::new();
        fuel_config.consume_fuel(true);
        let other = Engine::new(&fuel_config).unwrap();
        // Put the other engine's artifact where this engine's entry belongs.
        let foreign = Module::new(&other, wasm).unwrap().serialize().unwrap();
        let path = cache.entry_path(&engine, wasm).unwrap();
        write_entry(&path, &foreign).unwrap();
        let (module, outcome) = cache.load_or_compile(&engine, wasm).unwrap();
        assert_eq!(
            (outcome, answer(&engine, &module)),
            (CacheOutcome::Replaced, 42)
        );
    }
}
