//! The shared engine: wasmtime configured for untrusted guests, the WASI linker, the compiled
//! Python guest, and the epoch ticker that makes wall-clock deadlines preempt.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use std::borrow::Cow;

use wasmtime::{InstancePre, Linker, Module};
use xxhash_rust::xxh3::Xxh3;

use crate::cache::{CacheOutcome, ModuleCache};
use crate::host::HostState;
use crate::policy::{self, LoadOptions, Policy};
use crate::snapshot;
use crate::{CrashReport, PolicySource};

/// A failure of the engine itself (not of a policy, which is a [`CrashReport`]).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// wasmtime refused the configuration.
    #[error("invalid engine configuration: {0}")]
    Config(String),
    /// A guest module the engine ships failed to compile.
    #[error("compiling a guest module failed: {0}")]
    Compile(String),
    /// Pre-initializing the Python guest into a snapshot failed.
    #[error("snapshotting the Python guest failed: {0}")]
    Snapshot(String),
    /// This build has no Python guest (the `python` feature is off).
    #[error("this build of ppo-sandbox-engine has no Python guest (enable the `python` feature)")]
    PythonUnavailable,
}

impl EngineError {
    pub(crate) fn compile(error: wasmtime::Error) -> EngineError {
        EngineError::Compile(format!("{error:#}"))
    }
}

/// Engine-wide settings (per-policy limits are [`Limits`](crate::Limits)).
#[derive(Clone, Debug)]
pub struct EngineConfig {
    cache_dir: Option<PathBuf>,
    epoch_tick: Duration,
    wasm_stack_bytes: usize,
    python_start: PythonStart,
    pooled_instances: Option<u32>,
}

/// How a Python policy's interpreter comes to life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PythonStart {
    /// From a pre-initialized snapshot (made once per machine and cached with the compiled
    /// code): interpreter built and common standard-library modules imported. The default.
    Snapshot,
    /// Built from scratch in every policy's instance, then the same pre-initialization runs
    /// (under its own budget, not the policy's). Same behaviour, tens of milliseconds slower.
    Cold,
}

/// Live instances an engine's pool holds by default.
const DEFAULT_POOLED_INSTANCES: u32 = 1_000;

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            cache_dir: default_cache_dir(),
            epoch_tick: Duration::from_millis(5),
            wasm_stack_bytes: 4 * 1024 * 1024,
            python_start: PythonStart::Snapshot,
            pooled_instances: Some(DEFAULT_POOLED_INSTANCES),
        }
    }
}

/// `$PPO_SANDBOX_CACHE_DIR`, else the user's cache directory (`~/.cache/ppo-sandbox`).
fn default_cache_dir() -> Option<PathBuf> {
    match std::env::var_os("PPO_SANDBOX_CACHE_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::cache_dir().map(|dir| dir.join("ppo-sandbox")),
    }
}

impl EngineConfig {
    /// Keeps compiled guest code in `dir` (default: `$PPO_SANDBOX_CACHE_DIR`, else the user
    /// cache directory's `ppo-sandbox`).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Compiles guest code on every start instead of caching it.
    pub fn no_cache(mut self) -> Self {
        self.cache_dir = None;
        self
    }

    /// Granularity of wall-clock deadlines (default 5 ms).
    pub fn epoch_tick(mut self, tick: Duration) -> Self {
        self.epoch_tick = tick.max(Duration::from_micros(100));
        self
    }

    /// Cap on the WebAssembly call stack, engine-wide (default 4 MiB). Calls made from a
    /// thread with less native stack left than this switch to a fresh stack first, so a deep
    /// guest recursion can never overflow the host's stack.
    pub fn wasm_stack_bytes(mut self, bytes: usize) -> Self {
        self.wasm_stack_bytes = bytes.clamp(64 * 1024, 256 * 1024 * 1024);
        self
    }

    /// How Python policies start (default [`PythonStart::Snapshot`]).
    pub fn python_start(mut self, start: PythonStart) -> Self {
        self.python_start = start;
        self
    }

    /// Allocates instances from a pool of `live_instances` slots reserved up front, whose
    /// memories are reset copy-on-write instead of being mapped and copied anew (default:
    /// 1,000 slots). Loading a policy while every slot is in use is a crash of kind
    /// `resource_limit`; each slot reserves about 4 GiB of address space (not memory).
    pub fn pooled_instances(mut self, live_instances: u32) -> Self {
        self.pooled_instances = Some(live_instances.max(1));
        self
    }

    /// Maps and frees each instance's memory on demand instead of pooling (no cap on live
    /// policies beyond memory itself; slower to start).
    pub fn on_demand_instances(mut self) -> Self {
        self.pooled_instances = None;
        self
    }
}

/// The pooling allocator's settings: a few memories and tables per instance, each memory
/// able to grow to the full 4 GiB a 32-bit guest can address (the per-policy cap is enforced
/// by the store's limiter, so one engine serves policies with different limits). Freed slots
/// give their pages back rather than keeping them resident: resetting resident pages (even
/// only the dirty ones, found with `PAGEMAP_SCAN`) halved fresh policies per second here.
fn pooling_config(live_instances: u32) -> wasmtime::PoolingAllocationConfig {
    let mut pool = wasmtime::PoolingAllocationConfig::new();
    pool.total_core_instances(live_instances)
        .total_memories(live_instances)
        .total_tables(live_instances.saturating_mul(MAX_POOLED_TABLES_PER_MODULE))
        .max_memories_per_module(MAX_POOLED_MEMORIES_PER_MODULE)
        .max_tables_per_module(MAX_POOLED_TABLES_PER_MODULE)
        .max_memory_size(1 << 32)
        .table_elements(MAX_POOLED_TABLE_ELEMENTS)
        .max_core_instance_size(MAX_POOLED_INSTANCE_BYTES);
    pool
}

const MAX_POOLED_TABLES_PER_MODULE: u32 = 4;
const MAX_POOLED_MEMORIES_PER_MODULE: u32 = 4;
const MAX_POOLED_TABLE_ELEMENTS: usize = 1 << 20;
const MAX_POOLED_INSTANCE_BYTES: usize = 4 << 20;

/// The wasmtime settings of an engine; `pooled_instances` as in [`EngineConfig`].
fn wasmtime_config(config: &EngineConfig, pooled_instances: Option<u32>) -> wasmtime::Config {
    let mut wasm_config = wasmtime::Config::new();
    wasm_config
        .consume_fuel(true)
        .epoch_interruption(true)
        .max_wasm_stack(config.wasm_stack_bytes)
        // Policies run synchronously; wasmtime still checks the stack cap against this.
        .async_stack_size(config.wasm_stack_bytes + 1024 * 1024)
        .cranelift_opt_level(wasmtime::OptLevel::Speed)
        .parallel_compilation(true);
    if let Some(live_instances) = pooled_instances {
        wasm_config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(
            pooling_config(live_instances),
        ));
    }
    wasm_config
}

/// The sandbox engine: cheap to clone, safe to share between threads. Each loaded
/// [`Policy`] gets its own isolated store; the compiled guest code is shared.
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    wasmtime: wasmtime::Engine,
    linker: Linker<HostState>,
    cache: ModuleCache,
    config: EngineConfig,
    python: Mutex<Option<InstancePre<HostState>>>,
    _ticker: EpochTicker,
}

impl std::fmt::Debug for EngineInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineInner")
            .field("config", &self.config)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine with the given settings.
    pub fn new(config: EngineConfig) -> Result<Engine, EngineError> {
        let wasm_config = wasmtime_config(&config, config.pooled_instances);
        let wasmtime = wasmtime::Engine::new(&wasm_config)
            .map_err(|e| EngineError::Config(format!("{e:#}")))?;
        let mut linker = Linker::new(&wasmtime);
        crate::wasi::add_to_linker(&mut linker)
            .map_err(|e| EngineError::Config(format!("{e:#}")))?;
        let ticker = EpochTicker::start(wasmtime.clone(), config.epoch_tick)
            .map_err(|e| EngineError::Config(format!("starting the deadline thread: {e}")))?;
        Ok(Engine {
            inner: Arc::new(EngineInner {
                wasmtime,
                linker,
                cache: ModuleCache::new(config.cache_dir.clone()),
                config,
                python: Mutex::new(None),
                _ticker: ticker,
            }),
        })
    }

    /// Loads a policy: compiles or fetches its guest, instantiates it in a fresh store and
    /// runs its start-up code under [`Limits::load_fuel`](crate::Limits::load_fuel) and
    /// [`Limits::load_timeout_ms`](crate::Limits::load_timeout_ms). Every policy failure is a
    /// [`CrashReport`]; a failure of the engine itself is reported as a crash of kind
    /// `load_error` with the engine's message.
    pub fn load(
        &self,
        source: &PolicySource,
        options: &LoadOptions,
    ) -> Result<Policy, CrashReport> {
        policy::load(self, source, options)
    }

    /// Whether `binary` compiles with this engine's settings but no pooling allocator: tells a
    /// module that exceeds a pooled instance slot (it does) from one wasmtime cannot compile at
    /// all although it validates (it does not). Only called after a failed compile.
    pub(crate) fn compiles_unpooled(&self, binary: &[u8]) -> bool {
        if self.inner.config.pooled_instances.is_none() {
            return false;
        }
        wasmtime::Engine::new(&wasmtime_config(&self.inner.config, None))
            .and_then(|unpooled| Module::new(&unpooled, binary))
            .is_ok()
    }

    /// Compiles (or loads from the cache) the Python guest now rather than at the first
    /// Python policy, and says whether the cache served it.
    pub fn prepare_python(&self) -> Result<CacheOutcome, EngineError> {
        self.python_guest().map(|(_, outcome)| outcome)
    }

    pub(crate) fn python_guest(
        &self,
    ) -> Result<(InstancePre<HostState>, CacheOutcome), EngineError> {
        let mut slot = self
            .inner
            .python
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(pre) = slot.as_ref() {
            return Ok((pre.clone(), CacheOutcome::Hit));
        }
        let wasm = crate::guest::python_guest_wasm().ok_or(EngineError::PythonUnavailable)?;
        let (module, outcome) = match self.inner.config.python_start {
            PythonStart::Cold => self.instrumented_python(wasm)?,
            PythonStart::Snapshot => self.inner.cache.load_or_build(
                &self.inner.wasmtime,
                guest_key(wasm, b"wizer-snapshot"),
                || {
                    let (context, _) = snapshot::instrument(wasm)?;
                    let (instrumented, _) = self.instrumented_python(wasm)?;
                    snapshot::take(
                        &self.inner.wasmtime,
                        &self.inner.linker,
                        &instrumented,
                        &context,
                        self.deadline_ticks(snapshot::PREINIT_TIMEOUT_MS),
                        self.wasm_stack_bytes(),
                    )
                    .map(Cow::Owned)
                },
            )?,
        };
        let pre = self.instance_pre(&module).map_err(EngineError::compile)?;
        *slot = Some(pre.clone());
        Ok((pre, outcome))
    }

    /// The Python guest as instrumented for snapshotting, compiled (cached).
    fn instrumented_python(
        &self,
        wasm: &'static [u8],
    ) -> Result<(Module, CacheOutcome), EngineError> {
        self.inner.cache.load_or_build(
            &self.inner.wasmtime,
            guest_key(wasm, b"wizer-instrumented"),
            || snapshot::instrument(wasm).map(|(_, instrumented)| Cow::Owned(instrumented)),
        )
    }

    /// Whether Python policies start cold (see [`PythonStart`]).
    pub(crate) fn python_starts_cold(&self) -> bool {
        self.inner.config.python_start == PythonStart::Cold
    }

    pub(crate) fn instance_pre(&self, module: &Module) -> wasmtime::Result<InstancePre<HostState>> {
        self.inner.linker.instantiate_pre(module)
    }

    pub(crate) fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner.wasmtime
    }

    /// Epoch ticks that cover `ms` milliseconds (one extra: the current tick is partly gone).
    pub(crate) fn deadline_ticks(&self, ms: u64) -> u64 {
        let tick_us = self.inner.config.epoch_tick.as_micros().max(1) as u64;
        ms.saturating_mul(1000).div_ceil(tick_us).saturating_add(1)
    }

    pub(crate) fn wasm_stack_bytes(&self) -> usize {
        self.inner.config.wasm_stack_bytes
    }

    /// The native stack size for threads that load and step policies.
    ///
    /// Every guest call needs the configured WebAssembly stack plus host frames beneath it. A
    /// thread with less (Rust's spawned threads get 2 MiB) still works, but each call then runs
    /// on a freshly mapped stack segment, which is slow and, with several threads, contends
    /// on the process's memory map. Spawn worker threads with this much:
    ///
    /// ```no_run
    /// # let engine = ppo_sandbox_engine::Engine::new(Default::default()).unwrap();
    /// let worker = std::thread::Builder::new()
    ///     .stack_size(engine.thread_stack_bytes())
    ///     .spawn(move || { /* load policies and run episodes with `engine` */ })
    ///     .unwrap();
    /// # worker.join().unwrap();
    /// ```
    pub fn thread_stack_bytes(&self) -> usize {
        policy::thread_stack_bytes(self.wasm_stack_bytes())
    }
}

/// Cache key of a module derived from the guest `wasm` by the step named `step` (the
/// derivation is deterministic, so the key stands for its output).
fn guest_key(wasm: &[u8], step: &[u8]) -> u128 {
    let mut hasher = Xxh3::new();
    hasher.update(wasm);
    hasher.update(step);
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.digest128()
}

/// Advances the engine's epoch at a fixed period on its own thread, which ends when the
/// engine (every clone of it) is dropped.
#[derive(Debug)]
struct EpochTicker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl EpochTicker {
    /// Without this thread no deadline could fire, so failing to start it is an error.
    fn start(engine: wasmtime::Engine, tick: Duration) -> std::io::Result<EpochTicker> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("ppo-sandbox-epoch".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                    engine.increment_epoch();
                }
            })?;
        Ok(EpochTicker {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
