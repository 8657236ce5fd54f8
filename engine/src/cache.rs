//! The on-disk cache of compiled guest modules.
//!
//! Cranelift takes 20-45 s to compile the Python guest and its snapshot here, so their
//! machine code is cached, keyed by the module's hash and by the engine's compatibility hash
//! (wasmtime version and every setting that changes code generation). Each entry carries a
//! checksum of its payload: a corrupt, truncated or stale entry is detected, recompiled and
//! rewritten, never loaded blindly.
//!
//! An entry is the artifact wasmtime serialized, then a trailer (magic, format version,
//! payload length, checksum). With the artifact first, a valid entry is mapped from the file
//! rather than read into memory and copied again: the Python guest's two entries are about
//! 110 and 125 MB, and reading them took most of a CLI run's start-up. Entries are only ever
//! replaced by renaming a new file over them (see [`write_atomically`]), so a mapped entry
//! never changes under a live module.
//!
//! Every new guest build or engine setting adds entries of 60-125 MB, so the directory is kept
//! under [`MAX_CACHE_BYTES`]: after each write the least recently used entries (by
//! modification time, refreshed on every hit) are removed.

use std::borrow::Cow;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use wasmtime::{Engine, Module};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use crate::EngineError;
use crate::atomic_file::write_atomically;

const MAGIC: &[u8; 8] = b"PPOCWASM";
const FORMAT_VERSION: u32 = 2;
const TRAILER_LEN: u64 = 8 + 4 + 8 + 16;
const ENTRY_EXTENSION: &str = "cwasm";

/// The most the cache directory holds: room for several guest builds (the Python guest takes
/// two entries, about 230 MB).
pub(crate) const MAX_CACHE_BYTES: u64 = 1 << 30;

/// Where compiled modules are kept; `None` keeps nothing.
#[derive(Clone, Debug)]
pub(crate) struct ModuleCache {
    dir: Option<PathBuf>,
    max_bytes: u64,
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
        ModuleCache {
            dir,
            max_bytes: MAX_CACHE_BYTES,
        }
    }

    #[cfg(test)]
    fn with_max_bytes(mut self, max_bytes: u64) -> ModuleCache {
        self.max_bytes = max_bytes;
        self
    }

    fn keyed_path(&self, engine: &Engine, key: u128) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut compat = Xxh3::new();
        engine.precompile_compatibility_hash().hash(&mut compat);
        Some(dir.join(format!(
            "{key:032x}-{:016x}.{ENTRY_EXTENSION}",
            compat.finish()
        )))
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
            match open_entry(&path) {
                Some(file) => {
                    // SAFETY: the file begins with exactly what `Module::serialize` wrote for
                    // this module under an engine with the same compatibility hash (the key),
                    // and its checksum, read through this same open file, proves it unchanged
                    // since. The cache only ever replaces an entry by renaming a new file
                    // over it, so the mapped file is not modified while the module lives. The
                    // cache directory belongs to the user running the engine, who is trusted
                    // like the binary itself. wasmtime additionally refuses artifacts from
                    // another version or config.
                    match unsafe { Module::deserialize_open_file(engine, file) } {
                        Ok(module) => {
                            mark_used(&path);
                            return Ok((module, CacheOutcome::Hit));
                        }
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
            Ok(payload) => match write_entry(&path, &payload) {
                Ok(()) => prune(&path, self.max_bytes),
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "could not write the compiled-module cache")
                }
            },
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

/// A valid entry, opened, or `None` if the file is unreadable, truncated, of another format,
/// or fails its checksum.
fn open_entry(path: &Path) -> Option<File> {
    let mut file = File::open(path).ok()?;
    let file_len = file.metadata().ok()?.len();
    let payload_len = file_len.checked_sub(TRAILER_LEN)?;
    file.seek(SeekFrom::Start(payload_len)).ok()?;
    let mut trailer = [0u8; TRAILER_LEN as usize];
    file.read_exact(&mut trailer).ok()?;
    let (magic, rest) = trailer.split_at(8);
    let (version, rest) = rest.split_at(4);
    let (len, checksum) = rest.split_at(8);
    if magic != MAGIC
        || u32::from_le_bytes(version.try_into().ok()?) != FORMAT_VERSION
        || u64::from_le_bytes(len.try_into().ok()?) != payload_len
    {
        return None;
    }
    // Streamed through a small buffer: the payload is mapped, not read, once it checks out.
    file.rewind().ok()?;
    let mut hasher = Xxh3::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut payload = (&mut file).take(payload_len);
    loop {
        let read = payload.read(&mut buffer).ok()?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    let complete = payload.limit() == 0;
    (complete && hasher.digest128() == u128::from_le_bytes(checksum.try_into().ok()?))
        .then_some(file)
}

/// Marks an entry as just used, for [`prune`]. Best effort: a read-only cache still serves.
fn mark_used(path: &Path) {
    if let Ok(file) = File::options().append(true).open(path) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
}

/// Removes the least recently used entries beside `kept` (just written, never removed) until
/// the directory's entries fit in `max_bytes`. Other files are left alone. Best effort: an
/// entry another process removes first, or cannot be removed, is skipped.
fn prune(kept: &Path, max_bytes: u64) {
    let Some(dir) = kept.parent() else { return };
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(std::time::SystemTime, u64, PathBuf)> = listing
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == ENTRY_EXTENSION) && path.as_path() != kept
        })
        .filter_map(|path| {
            let metadata = std::fs::metadata(&path).ok()?;
            Some((metadata.modified().ok()?, metadata.len(), path))
        })
        .collect();
    let kept_bytes = std::fs::metadata(kept).map_or(0, |m| m.len());
    let mut total = kept_bytes + entries.iter().map(|e| e.1).sum::<u64>();
    // Oldest first.
    entries.sort();
    for (_, bytes, path) in entries {
        if total <= max_bytes {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            tracing::debug!(path = %path.display(), "removed a least recently used compiled module");
        }
        total = total.saturating_sub(bytes);
    }
}

/// Writes an entry atomically (a reader never sees half an entry).
fn write_entry(path: &Path, payload: &[u8]) -> std::io::Result<()> {
    write_atomically(path, |file| {
        file.write_all(payload)?;
        file.write_all(MAGIC)?;
        file.write_all(&FORMAT_VERSION.to_le_bytes())?;
        file.write_all(&(payload.len() as u64).to_le_bytes())?;
        file.write_all(&xxh3_128(payload).to_le_bytes())
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

        // Flip one byte of the payload: the checksum catches it. (Written to a new file
        // renamed over the entry, as the cache itself does: the live module maps the old one.)
        let path = cache.entry_path(&engine, wasm).unwrap();
        let replace = |bytes: &[u8]| {
            let staged = path.with_extension("staged");
            std::fs::write(&staged, bytes).unwrap();
            std::fs::rename(&staged, &path).unwrap();
        };
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = (bytes.len() - TRAILER_LEN as usize) / 2;
        bytes[middle] ^= 0xff;
        replace(&bytes);
        let (module, outcome) = cache.load_or_compile(&engine, wasm).unwrap();
        assert_eq!(
            (outcome, answer(&engine, &module)),
            (CacheOutcome::Replaced, 42)
        );

        // Truncated entries too.
        replace(&bytes[..100]);
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

    /// Format 1 put its header before the artifact; an entry left by that version is
    /// recompiled, never mapped.
    #[test]
    fn an_entry_of_the_previous_format_is_recompiled() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = ModuleCache::new(Some(dir.path().to_owned()));
        let wasm = MODULE.as_bytes();
        let payload = Module::new(&engine, wasm).unwrap().serialize().unwrap();
        let mut old = Vec::new();
        old.extend_from_slice(MAGIC);
        old.extend_from_slice(&1u32.to_le_bytes());
        old.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        old.extend_from_slice(&xxh3_128(&payload).to_le_bytes());
        old.extend_from_slice(&payload);
        std::fs::write(cache.entry_path(&engine, wasm).unwrap(), &old).unwrap();
        let (module, outcome) = cache.load_or_compile(&engine, wasm).unwrap();
        assert_eq!(
            (outcome, answer(&engine, &module)),
            (CacheOutcome::Replaced, 42)
        );
        assert_eq!(
            cache.load_or_compile(&engine, wasm).unwrap().1,
            CacheOutcome::Hit
        );
    }

    #[test]
    fn the_least_recently_used_entries_go_when_the_cache_is_full() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let modules: Vec<String> = (0..3)
            .map(|i| format!(r#"(module (func (export "answer") (result i32) i32.const {i}))"#))
            .collect();
        let probe = ModuleCache::new(Some(dir.path().to_owned()));
        probe
            .load_or_compile(&engine, modules[0].as_bytes())
            .unwrap();
        let entry_bytes =
            std::fs::metadata(probe.entry_path(&engine, modules[0].as_bytes()).unwrap())
                .unwrap()
                .len();
        // Room for two entries (theirs differ by a few bytes at most).
        let cache =
            ModuleCache::new(Some(dir.path().to_owned())).with_max_bytes(entry_bytes * 2 + 64);
        let foreign = dir.path().join("notes.txt");
        std::fs::write(&foreign, "not an entry").unwrap();
        let path = |i: usize| cache.entry_path(&engine, modules[i].as_bytes()).unwrap();
        let age = |i: usize, seconds: u64| {
            let file = File::options().append(true).open(path(i)).unwrap();
            let when = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds);
            file.set_modified(when).unwrap();
        };

        cache
            .load_or_compile(&engine, modules[1].as_bytes())
            .unwrap();
        age(0, 300);
        age(1, 200);
        // A hit makes entry 0 the most recently used, so entry 1 is the one to go.
        assert_eq!(
            cache
                .load_or_compile(&engine, modules[0].as_bytes())
                .unwrap()
                .1,
            CacheOutcome::Hit
        );
        cache
            .load_or_compile(&engine, modules[2].as_bytes())
            .unwrap();
        assert!(path(0).exists());
        assert!(!path(1).exists());
        assert!(path(2).exists());
        assert!(foreign.exists());
        assert_eq!(
            cache
                .load_or_compile(&engine, modules[1].as_bytes())
                .unwrap()
                .1,
            CacheOutcome::Miss
        );
    }
}
