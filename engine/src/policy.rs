//! A loaded policy: one guest instance in its own store, called once per step.

use ppo_sandbox_contract as contract;
use ppo_sandbox_envs::{Action, EnvDescription, MultiAgentDescription, Space, StructuredField};
use wasmtime::{Instance, Memory, Store, Trap, TypedFunc};

use crate::host::{GuestExit, HostState, MemoryLimitExceeded, ResourceLimitExceeded};
use crate::observation_delta::{ObservationDelta, write_le_f64s};
use crate::{CapturedOutput, CrashKind, CrashReport, Engine, Limits, Phase, PolicySource};

/// Longest action (values) and error text (bytes) read back from a guest.
const MAX_ACTION_VALUES: u32 = 1 << 16;
const MAX_ERROR_TEXT_BYTES: u32 = 1 << 20;
/// Native stack kept free for host frames on top of the WebAssembly stack cap.
const HOST_STACK_MARGIN_BYTES: usize = 256 * 1024;

/// How a policy's observations look, as the Python guest presents them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservationLayout {
    /// A Discrete observation: the policy gets a plain `int`.
    pub discrete: bool,
    /// Field names for `obs.<name>` (Box observations).
    pub field_names: Vec<String>,
    /// A structured observation (multi-agent worlds): named scalars, grids and records, read
    /// as a read-only record. When set, `discrete` and `field_names` are not used.
    pub structure: Option<Vec<StructuredField>>,
}

impl ObservationLayout {
    /// The layout an environment describes.
    pub fn of(description: &EnvDescription) -> ObservationLayout {
        ObservationLayout {
            discrete: description.observation_space.is_discrete(),
            field_names: description.field_names(),
            structure: None,
        }
    }

    /// The structured layout a multi-agent world describes (`obs.apples[y][x]`).
    pub fn structured(description: &MultiAgentDescription) -> ObservationLayout {
        ObservationLayout {
            discrete: false,
            field_names: Vec::new(),
            structure: Some(description.observation_fields.clone()),
        }
    }

    /// A Box observation with the given field names.
    pub fn named(names: &[&str]) -> ObservationLayout {
        ObservationLayout {
            discrete: false,
            field_names: names.iter().map(|n| (*n).to_owned()).collect(),
            structure: None,
        }
    }
}

/// Everything [`Engine::load`] needs besides the source.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub observation: ObservationLayout,
    /// When set, `act` checks each action against it (an invalid one is a crash of kind
    /// `invalid_action`).
    pub action_space: Option<Space>,
    pub limits: Limits,
    /// Seeds the policy's randomness (`random`, `os.urandom`) and nothing else.
    pub seed: u64,
}

impl LoadOptions {
    /// Options for a policy acting in the environment `description` describes.
    pub fn for_env(description: &EnvDescription) -> LoadOptions {
        LoadOptions {
            observation: ObservationLayout::of(description),
            action_space: Some(description.action_space.clone()),
            limits: Limits::default(),
            seed: 0,
        }
    }

    /// Options for one agent's policy in the multi-agent world `description` describes.
    pub fn for_multi_agent(description: &MultiAgentDescription) -> LoadOptions {
        LoadOptions {
            observation: ObservationLayout::structured(description),
            action_space: Some(description.action_space.clone()),
            limits: Limits::default(),
            seed: 0,
        }
    }

    /// Options for an observation layout, with no action checking.
    pub fn new(observation: ObservationLayout) -> LoadOptions {
        LoadOptions {
            observation,
            action_space: None,
            limits: Limits::default(),
            seed: 0,
        }
    }

    /// Sets the limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the seed of the policy's randomness.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// Which guest a policy runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GuestKind {
    Python,
    Wasm,
}

/// A loaded policy. Call [`Policy::reset`] at each episode start and [`Policy::act`] once per
/// step. After a crash that traps the guest (fuel, deadline, memory, stack, exit), the
/// instance is unusable and every later call reports kind `poisoned`; a Python exception
/// leaves it usable.
pub struct Policy {
    /// Keeps the engine, and with it the epoch ticker that enforces deadlines, alive.
    _engine: Engine,
    store: Store<HostState>,
    memory: Memory,
    obs_buffer_fn: TypedFunc<i32, i32>,
    act_fn: TypedFunc<i32, i32>,
    reset_fn: Option<TypedFunc<(), i32>>,
    obs_buffer: Option<(u32, usize)>,
    /// Set for a Python policy given a structured observation: it is sent as changes.
    observation_delta: Option<ObservationDelta>,
    guest: GuestKind,
    limits: Limits,
    action_space: Option<Space>,
    episode_fuel_used: u64,
    last_call_fuel: u64,
    step: u64,
    poisoned: Option<CrashKind>,
    act_deadline_ticks: u64,
    wasm_stack_bytes: usize,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("guest", &self.guest)
            .field("step", &self.step)
            .field("episode_fuel_used", &self.episode_fuel_used)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

pub(crate) fn load(
    engine: &Engine,
    source: &PolicySource,
    options: &LoadOptions,
) -> Result<Policy, CrashReport> {
    let limits = &options.limits;
    let load_crash =
        |kind: CrashKind, message: String| CrashReport::new(kind, Phase::Load, message);
    if source.len() as u64 > limits.source_bytes {
        return Err(load_crash(
            CrashKind::SourceTooLarge,
            format!(
                "the policy source is {} bytes; the limit is {}",
                source.len(),
                limits.source_bytes
            ),
        ));
    }
    let (pre, guest, python_source) = match source {
        PolicySource::Python(text) => python_pre(engine)?.with(text.as_bytes()),
        PolicySource::PythonBytes(bytes) => {
            if std::str::from_utf8(bytes).is_err() {
                return Err(load_crash(
                    CrashKind::InvalidSource,
                    "the policy source is not valid UTF-8".into(),
                ));
            }
            python_pre(engine)?.with(bytes)
        }
        PolicySource::Wasm(bytes) => {
            let invalid = |e: &dyn std::fmt::Display| {
                load_crash(
                    CrashKind::InvalidSource,
                    format!("not a valid WebAssembly module: {e:#}"),
                )
            };
            // Binary or text format, as `Module::new` takes it.
            let binary = wat::parse_bytes(bytes).map_err(|e| invalid(&e))?;
            wasmtime::Module::validate(engine.wasmtime(), &binary).map_err(|e| invalid(&e))?;
            // A valid module the engine still refuses either asks for more than a pooled
            // instance slot holds (memories, tables, instance size), or is one wasmtime
            // cannot compile although its validator passed it (found by fuzzing: an import
            // section in the compact-imports encoding).
            let module = wasmtime::Module::new(engine.wasmtime(), &binary).map_err(|e| {
                if engine.compiles_unpooled(&binary) {
                    load_crash(
                        CrashKind::ResourceLimit,
                        format!("the module exceeds the engine's per-instance limits: {e:#}"),
                    )
                } else {
                    invalid(&e)
                }
            })?;
            let pre = engine.instance_pre(&module).map_err(|e| {
                load_crash(
                    CrashKind::ContractViolation,
                    format!("the module cannot be linked: {e:#}"),
                )
            })?;
            (pre, GuestKind::Wasm, None)
        }
    };

    let cold_python = guest == GuestKind::Python && engine.python_starts_cold();
    // A Python policy's own seed takes over when its code starts (see `python_start`).
    let seed = if cold_python {
        crate::snapshot::PREINIT_SEED
    } else {
        options.seed
    };
    let mut store = Store::new(engine.wasmtime(), HostState::new(limits, seed));
    store.limiter(|state| &mut state.limiter);
    store.epoch_deadline_trap();
    set_budget(
        &mut store,
        limits.load_fuel,
        engine.deadline_ticks(limits.load_timeout_ms),
    );

    if cold_python {
        // The interpreter's own start-up is not the policy's: it gets the budget a snapshot
        // start spent once, ahead of time, so both starts meet the same limits.
        set_budget(
            &mut store,
            crate::snapshot::PREINIT_FUEL,
            engine.deadline_ticks(crate::snapshot::PREINIT_TIMEOUT_MS),
        );
    }
    let start = with_stack(engine.wasm_stack_bytes(), || {
        let instance = pre.instantiate(&mut store)?;
        if cold_python {
            crate::snapshot::preinit(&mut store, &instance)?;
        } else {
            crate::snapshot::start_reactor(&mut store, &instance)?;
        }
        Ok::<_, wasmtime::Error>(instance)
    });
    if cold_python {
        set_budget(
            &mut store,
            limits.load_fuel,
            engine.deadline_ticks(limits.load_timeout_ms),
        );
    }
    let instance = match start {
        Ok(instance) => instance,
        Err(error) => return Err(load_failure(&mut store, limits, guest, error)),
    };
    let exports = match Exports::find(&mut store, &instance, guest) {
        Ok(exports) => exports,
        Err(message) => {
            return Err(with_output(
                &mut store,
                load_crash(CrashKind::ContractViolation, message),
            ));
        }
    };
    let mut policy = Policy {
        _engine: engine.clone(),
        store,
        memory: exports.memory,
        obs_buffer_fn: exports.obs_buffer.clone(),
        act_fn: exports.act.clone(),
        reset_fn: exports.reset.clone(),
        obs_buffer: None,
        observation_delta: None,
        guest,
        limits: limits.clone(),
        action_space: options.action_space.clone(),
        episode_fuel_used: 0,
        last_call_fuel: 0,
        step: 0,
        poisoned: None,
        act_deadline_ticks: engine.deadline_ticks(limits.act_timeout_ms),
        wasm_stack_bytes: engine.wasm_stack_bytes(),
    };
    let version = with_stack(engine.wasm_stack_bytes(), || {
        exports.version.call(&mut policy.store, ())
    });
    match version {
        Ok(contract::CONTRACT_VERSION) => {}
        Ok(other) => {
            return Err(policy.crash(
                CrashKind::ContractViolation,
                Phase::Load,
                format!(
                    "the module speaks guest contract version {other}; this engine speaks {}",
                    contract::CONTRACT_VERSION
                ),
            ));
        }
        Err(error) => return Err(load_failure(&mut policy.store, limits, guest, error)),
    }
    if let Some(source) = python_source {
        policy.python_start(&exports, &options.observation, source, options.seed)?;
    }
    Ok(policy)
}

/// The Python guest, ready to instantiate.
struct PythonPre(wasmtime::InstancePre<HostState>);

impl PythonPre {
    fn with(self, source: &[u8]) -> (wasmtime::InstancePre<HostState>, GuestKind, Option<Vec<u8>>) {
        // A leading UTF-8 byte-order mark is dropped, as CPython does when it runs a file.
        let source = source.strip_prefix(b"\xef\xbb\xbf").unwrap_or(source);
        (self.0, GuestKind::Python, Some(source.to_vec()))
    }
}

fn python_pre(engine: &Engine) -> Result<PythonPre, CrashReport> {
    engine
        .python_guest()
        .map(|(pre, _)| PythonPre(pre))
        .map_err(|error| {
            CrashReport::new(
                CrashKind::LoadError,
                Phase::Load,
                format!("engine: {error}"),
            )
        })
}

/// Sets the fuel and the wall-clock deadline for the next call.
fn set_budget(store: &mut Store<HostState>, fuel: u64, deadline_ticks: u64) {
    // Fuel metering is always on in this engine's config, so this cannot fail.
    let _ = store.set_fuel(fuel);
    store.set_epoch_deadline(deadline_ticks);
}

/// Native stack for a thread that runs guest calls on its own stack (see [`with_stack`]):
/// the call's need plus room for the frames the caller already has.
pub(crate) fn thread_stack_bytes(wasm_stack_bytes: usize) -> usize {
    wasm_stack_bytes + 4 * HOST_STACK_MARGIN_BYTES
}

/// Runs a guest call with enough native stack under it for the WebAssembly stack cap plus
/// host frames: on the current stack when there is room, else on a fresh segment. A deep
/// guest recursion then ends in a `stack_overflow` crash, never in a host stack overflow.
/// A fresh segment is mapped and unmapped for every such call, which costs tens of
/// microseconds and a TLB shootdown on every core, so hot threads are spawned with
/// [`thread_stack_bytes`] of stack.
pub(crate) fn with_stack<R>(wasm_stack_bytes: usize, call: impl FnOnce() -> R) -> R {
    let needed = wasm_stack_bytes + HOST_STACK_MARGIN_BYTES;
    stacker::maybe_grow(needed, needed + HOST_STACK_MARGIN_BYTES, call)
}

fn with_output(store: &mut Store<HostState>, mut report: CrashReport) -> CrashReport {
    report.output = Box::new(take_output(store));
    report
}

fn take_output(store: &mut Store<HostState>) -> CapturedOutput {
    let state = store.data_mut();
    let (stdout, stdout_truncated) = state.stdout.take();
    let (stderr, stderr_truncated) = state.stderr.take();
    CapturedOutput {
        stdout,
        stdout_truncated,
        stderr,
        stderr_truncated,
    }
}

fn load_failure(
    store: &mut Store<HostState>,
    limits: &Limits,
    guest: GuestKind,
    error: wasmtime::Error,
) -> CrashReport {
    let fuel_used = limits
        .load_fuel
        .saturating_sub(store.get_fuel().unwrap_or(0));
    let (kind, message) = classify_trap(&error, CrashKind::LoadFuelExhausted, limits, guest);
    let mut report = CrashReport::new(kind, Phase::Load, message);
    report.fuel_used = fuel_used;
    with_output(store, report)
}

/// Names the failure behind a wasmtime error by downcasting to the typed trap payloads.
fn classify_trap(
    error: &wasmtime::Error,
    out_of_fuel: CrashKind,
    limits: &Limits,
    guest: GuestKind,
) -> (CrashKind, String) {
    if let Some(limit) = error.downcast_ref::<MemoryLimitExceeded>() {
        return (CrashKind::MemoryLimit, limit.to_string());
    }
    if let Some(limit) = error.downcast_ref::<ResourceLimitExceeded>() {
        return (CrashKind::ResourceLimit, limit.to_string());
    }
    if error
        .downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
        .is_some()
    {
        return (
            CrashKind::ResourceLimit,
            format!(
                "the engine's instance pool is full ({error}); drop loaded policies or configure a larger pool"
            ),
        );
    }
    if let Some(exit) = error.downcast_ref::<GuestExit>() {
        return (CrashKind::Exit, exit.to_string());
    }
    if let Some(contract_error) = error.downcast_ref::<ContractError>() {
        return (CrashKind::ContractViolation, contract_error.0.clone());
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => {
            let budget = match out_of_fuel {
                CrashKind::LoadFuelExhausted => format!("load fuel ({})", limits.load_fuel),
                CrashKind::EpisodeFuelExhausted => {
                    format!("episode fuel ({})", limits.episode_fuel)
                }
                _ => format!("fuel per call ({})", limits.act_fuel),
            };
            (out_of_fuel, format!("the policy used up its {budget}"))
        }
        Some(Trap::Interrupt) => (
            CrashKind::Deadline,
            "the call ran past its wall-clock deadline and was stopped".into(),
        ),
        Some(Trap::StackOverflow) => (
            CrashKind::StackOverflow,
            "the guest's call stack overflowed".into(),
        ),
        // The Python guest keeps its shadow stack first in linear memory, and its own code
        // does not access memory out of bounds otherwise: running off the stack's end is an
        // out-of-bounds access below address zero. In a native module it is just a bad access
        // (found by fuzzing: it was reported as a stack overflow).
        Some(Trap::MemoryOutOfBounds) if guest == GuestKind::Python => (
            CrashKind::StackOverflow,
            "the guest overflowed its stack (out-of-bounds memory access)".into(),
        ),
        Some(trap) => (CrashKind::Trap, format!("the guest trapped: {trap}")),
        // Instantiation refused (limits on tables/memories/instances, or a memory whose
        // initial size is over the cap, which wasmtime reports without our payload).
        None => (CrashKind::ResourceLimit, format!("{error:#}")),
    }
}

/// The contract's exports, looked up once.
struct Exports {
    memory: Memory,
    version: TypedFunc<(), i32>,
    obs_buffer: TypedFunc<i32, i32>,
    act: TypedFunc<i32, i32>,
    reset: Option<TypedFunc<(), i32>>,
    alloc: Option<TypedFunc<i32, i32>>,
    configure: Option<TypedFunc<(i32, i32), i32>>,
    load: Option<TypedFunc<(i32, i32, i32, i32), i32>>,
}

impl Exports {
    fn find(
        store: &mut Store<HostState>,
        instance: &Instance,
        guest: GuestKind,
    ) -> Result<Exports, String> {
        let memory = instance
            .get_memory(&mut *store, "memory")
            .ok_or("the module exports no `memory`")?;
        let func = |store: &mut Store<HostState>, name: &str| -> Result<_, String> {
            instance
                .get_func(&mut *store, name)
                .ok_or_else(|| format!("the module does not export `{name}`"))
        };
        let typed_err = |name: &str| format!("the export `{name}` has the wrong signature");
        let version = func(store, contract::EXPORT_CONTRACT_VERSION).map_err(|_| {
            format!(
                "the module does not declare a guest contract version (export `{}`)",
                contract::EXPORT_CONTRACT_VERSION
            )
        })?;
        let version = version
            .typed::<(), i32>(&*store)
            .map_err(|_| typed_err(contract::EXPORT_CONTRACT_VERSION))?;
        let obs_buffer = func(store, contract::EXPORT_OBS_BUFFER)?
            .typed::<i32, i32>(&*store)
            .map_err(|_| typed_err(contract::EXPORT_OBS_BUFFER))?;
        let act = func(store, contract::EXPORT_ACT)?
            .typed::<i32, i32>(&*store)
            .map_err(|_| typed_err(contract::EXPORT_ACT))?;
        let reset = match instance.get_func(&mut *store, contract::EXPORT_RESET) {
            Some(f) => Some(
                f.typed::<(), i32>(&*store)
                    .map_err(|_| typed_err(contract::EXPORT_RESET))?,
            ),
            None => None,
        };
        let (alloc, configure, load) = if guest == GuestKind::Python {
            (
                Some(
                    func(store, contract::EXPORT_ALLOC)?
                        .typed(&*store)
                        .map_err(|_| typed_err(contract::EXPORT_ALLOC))?,
                ),
                Some(
                    func(store, contract::EXPORT_CONFIGURE)?
                        .typed(&*store)
                        .map_err(|_| typed_err(contract::EXPORT_CONFIGURE))?,
                ),
                Some(
                    func(store, contract::EXPORT_LOAD)?
                        .typed(&*store)
                        .map_err(|_| typed_err(contract::EXPORT_LOAD))?,
                ),
            )
        } else {
            (None, None, None)
        };
        Ok(Exports {
            memory,
            version,
            obs_buffer,
            act,
            reset,
            alloc,
            configure,
            load,
        })
    }
}

/// A decoded guest reply.
enum GuestReply {
    Ok(Option<Action>),
    Error {
        kind: u32,
        exception_type: String,
        message: String,
        traceback: String,
    },
}

impl Policy {
    fn python_start(
        &mut self,
        exports: &Exports,
        layout: &ObservationLayout,
        source: Vec<u8>,
        seed: u64,
    ) -> Result<(), CrashReport> {
        let (Some(alloc), Some(configure), Some(load)) = (
            exports.alloc.clone(),
            exports.configure.clone(),
            exports.load.clone(),
        ) else {
            return Err(self.crash(
                CrashKind::ContractViolation,
                Phase::Load,
                "the Python guest lacks its exports".into(),
            ));
        };
        let (kind, lines) = match &layout.structure {
            Some(fields) => {
                self.observation_delta = Some(ObservationDelta::new(fields));
                (
                    contract::OBS_KIND_STRUCT,
                    fields.iter().map(StructuredField::layout_line).collect(),
                )
            }
            None if layout.discrete => (contract::OBS_KIND_DISCRETE, layout.field_names.clone()),
            None => (contract::OBS_KIND_BOX, layout.field_names.clone()),
        };
        let mut spec = String::from(kind);
        for line in &lines {
            spec.push('\n');
            spec.push_str(line);
        }
        let load_fuel = self.limits.load_fuel;
        // The policy's clock and random source start here, whether the interpreter was just
        // built or restored from a snapshot (whose making read both).
        self.store.data_mut().restart(seed);
        // Configure, then load, under one load budget (fuel and deadline span both).
        let result = with_stack(self.wasm_stack_bytes, || -> Result<i32, wasmtime::Error> {
            let spec_ptr = self.write_host_bytes(&alloc, spec.as_bytes())?;
            let configured = configure.call(&mut self.store, (spec_ptr, spec.len() as i32))?;
            if let Err(report) = self.expect_ok(configured, Phase::Load, None) {
                return Err(wasmtime::Error::new(report));
            }
            let source_ptr = self.write_host_bytes(&alloc, &source)?;
            let (seed_lo, seed_hi) = (seed as u32 as i32, (seed >> 32) as u32 as i32);
            load.call(
                &mut self.store,
                (source_ptr, source.len() as i32, seed_lo, seed_hi),
            )
        });
        self.last_call_fuel = load_fuel.saturating_sub(self.store.get_fuel().unwrap_or(0));
        match result {
            Ok(reply) => self.expect_ok(reply, Phase::Load, None),
            Err(error) => match error.downcast::<CrashReport>() {
                Ok(report) => Err(report),
                Err(error) => Err(load_failure(
                    &mut self.store,
                    &self.limits,
                    self.guest,
                    error,
                )),
            },
        }
    }

    fn write_host_bytes(
        &mut self,
        alloc: &TypedFunc<i32, i32>,
        bytes: &[u8],
    ) -> wasmtime::Result<i32> {
        let len = i32::try_from(bytes.len()).map_err(|_| {
            wasmtime::Error::new(ContractError(
                "input larger than guest memory can hold".into(),
            ))
        })?;
        let ptr = alloc.call(&mut self.store, len)?;
        self.memory
            .write(&mut self.store, ptr as u32 as usize, bytes)
            .map_err(|_| {
                wasmtime::Error::new(ContractError(
                    "ppo_alloc returned room outside memory".into(),
                ))
            })?;
        Ok(ptr)
    }

    /// Interprets a reply that should carry no action.
    fn expect_ok(
        &mut self,
        reply_ptr: i32,
        phase: Phase,
        step: Option<u64>,
    ) -> Result<(), CrashReport> {
        match self.read_reply(reply_ptr) {
            Ok(GuestReply::Ok(_)) => Ok(()),
            Ok(error @ GuestReply::Error { .. }) => Err(self.guest_error(error, phase, step)),
            Err(message) => Err(self.crash(CrashKind::ContractViolation, phase, message)),
        }
    }

    /// Starts an episode: renews the episode's fuel and step count, then calls the policy's
    /// `reset` if it has one.
    pub fn reset(&mut self) -> Result<(), CrashReport> {
        if let Some(kind) = self.poisoned {
            return Err(self.poisoned_report(kind, Phase::Reset));
        }
        self.episode_fuel_used = 0;
        self.step = 0;
        let Some(reset) = self.reset_fn.clone() else {
            return Ok(());
        };
        let reply = self.call(Phase::Reset, |policy| reset.call(&mut policy.store, ()));
        match reply {
            Ok(GuestReply::Ok(_)) => Ok(()),
            Ok(error) => Err(self.guest_error(error, Phase::Reset, None)),
            Err(report) => Err(report),
        }
    }

    /// Calls the policy on one observation and returns its action, checked against the
    /// action space when one was given at load.
    pub fn act(&mut self, observation: &[f64]) -> Result<Action, CrashReport> {
        if let Some(kind) = self.poisoned {
            return Err(self.poisoned_report(kind, Phase::Act));
        }
        let step = self.step;
        self.step += 1;
        let len = match &self.observation_delta {
            Some(delta) => delta.wire_len(),
            None => observation.len(),
        };
        let result = self.call(Phase::Act, |policy| {
            let ptr = policy.obs_buffer_ptr(len)? as usize;
            // Written in place: no allocation on the per-step path.
            let buffer = policy
                .memory
                .data_mut(&mut policy.store)
                .get_mut(ptr..ptr.saturating_add(len * 8))
                .ok_or_else(|| {
                    wasmtime::Error::new(ContractError(
                        "the observation buffer lies outside memory".into(),
                    ))
                })?;
            match &mut policy.observation_delta {
                Some(delta) => delta
                    .write(observation, buffer)
                    .map_err(|message| wasmtime::Error::new(ContractError(message)))?,
                None => write_le_f64s(buffer, observation),
            }
            policy.act_fn.call(&mut policy.store, len as i32)
        });
        if !matches!(result, Ok(GuestReply::Ok(_)))
            && let Some(delta) = &mut self.observation_delta
        {
            // The guest may have stopped between reading the buffer and rebuilding its
            // objects: resend everything rather than trust what it kept.
            delta.forget();
        }
        let mut report = match result {
            Ok(GuestReply::Ok(Some(action))) => match &self.action_space {
                Some(space) => match space.check(&action) {
                    Ok(_) => return Ok(action),
                    Err(error) => {
                        self.crash(CrashKind::InvalidAction, Phase::Act, error.to_string())
                    }
                },
                None => return Ok(action),
            },
            Ok(GuestReply::Ok(None)) => self.crash(
                CrashKind::ContractViolation,
                Phase::Act,
                "ppo_act answered without an action".into(),
            ),
            Ok(error) => self.guest_error(error, Phase::Act, Some(step)),
            Err(report) => report,
        };
        report.step = Some(step);
        Err(report)
    }

    /// Takes what the policy printed since the last call to this (or since load).
    pub fn take_output(&mut self) -> CapturedOutput {
        take_output(&mut self.store)
    }

    /// Fuel used in the current episode so far.
    pub fn episode_fuel_used(&self) -> u64 {
        self.episode_fuel_used
    }

    /// Whether an earlier crash left the instance unusable.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned.is_some()
    }

    fn obs_buffer_ptr(&mut self, len: usize) -> wasmtime::Result<u32> {
        if let Some((ptr, cap)) = self.obs_buffer
            && cap >= len
        {
            return Ok(ptr);
        }
        let ptr = self.obs_buffer_fn.call(&mut self.store, len as i32)? as u32;
        self.obs_buffer = Some((ptr, len));
        Ok(ptr)
    }

    /// Runs one `reset`/`act` call under the per-call and per-episode budgets and decodes
    /// its reply; traps become reports and poison the instance.
    fn call(
        &mut self,
        phase: Phase,
        body: impl FnOnce(&mut Policy) -> wasmtime::Result<i32>,
    ) -> Result<GuestReply, CrashReport> {
        let episode_left = self
            .limits
            .episode_fuel
            .saturating_sub(self.episode_fuel_used);
        let budget = self.limits.act_fuel.min(episode_left);
        let out_of_fuel = if episode_left < self.limits.act_fuel {
            CrashKind::EpisodeFuelExhausted
        } else {
            CrashKind::ActFuelExhausted
        };
        set_budget(&mut self.store, budget, self.act_deadline_ticks);
        let outcome = with_stack(self.wasm_stack_bytes, || body(self));
        let fuel_used = budget.saturating_sub(self.store.get_fuel().unwrap_or(0));
        self.last_call_fuel = fuel_used;
        self.episode_fuel_used = self.episode_fuel_used.saturating_add(fuel_used);
        match outcome {
            Ok(reply_ptr) => self
                .read_reply(reply_ptr)
                .map_err(|message| self.crash(CrashKind::ContractViolation, phase, message)),
            Err(error) => {
                let (kind, message) = classify_trap(&error, out_of_fuel, &self.limits, self.guest);
                self.poisoned = Some(kind);
                Err(self.crash(kind, phase, message))
            }
        }
    }

    /// Reads and bounds-checks a reply at `ptr` in guest memory.
    fn read_reply(&mut self, ptr: i32) -> Result<GuestReply, String> {
        let mut raw = [0u8; contract::REPLY_SIZE];
        self.memory
            .read(&self.store, ptr as u32 as usize, &mut raw)
            .map_err(|_| format!("the guest's reply at {ptr:#x} lies outside its memory"))?;
        let reply = contract::Reply::from_le_bytes(raw);
        match reply.status {
            contract::STATUS_OK => {
                if reply.len > MAX_ACTION_VALUES {
                    return Err(format!(
                        "the guest's action has {} values; at most {MAX_ACTION_VALUES}",
                        reply.len
                    ));
                }
                let start = reply.data as usize;
                let data = self
                    .memory
                    .data(&self.store)
                    .get(start..start + reply.len as usize * 8)
                    .ok_or_else(|| "the guest's action lies outside its memory".to_owned())?;
                let words = data.chunks_exact(8).map(|c| {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(c);
                    word
                });
                let action = match reply.kind {
                    contract::ACTION_NONE => None,
                    contract::ACTION_INT if reply.len == 1 => {
                        words.map(i64::from_le_bytes).next().map(Action::Int)
                    }
                    contract::ACTION_FLOAT if reply.len == 1 => {
                        words.map(f64::from_le_bytes).next().map(Action::Float)
                    }
                    contract::ACTION_INT_LIST => {
                        Some(Action::IntList(words.map(i64::from_le_bytes).collect()))
                    }
                    contract::ACTION_FLOAT_LIST => {
                        Some(Action::FloatList(words.map(f64::from_le_bytes).collect()))
                    }
                    other => {
                        return Err(format!(
                            "the guest answered with unknown action kind {other} (len {})",
                            reply.len
                        ));
                    }
                };
                Ok(GuestReply::Ok(action))
            }
            contract::STATUS_ERROR => {
                let len = reply.len.min(MAX_ERROR_TEXT_BYTES) as usize;
                let mut data = vec![0u8; len];
                self.memory
                    .read(&self.store, reply.data as usize, &mut data)
                    .map_err(|_| "the guest's error text lies outside its memory".to_owned())?;
                let text = String::from_utf8_lossy(&data);
                let mut parts = text.splitn(3, contract::FIELD_SEPARATOR);
                let exception_type = parts.next().unwrap_or_default().to_owned();
                let message = parts.next().unwrap_or_default().to_owned();
                let traceback = parts.next().unwrap_or_default().to_owned();
                Ok(GuestReply::Error {
                    kind: reply.kind,
                    exception_type,
                    message,
                    traceback,
                })
            }
            other => Err(format!("the guest answered with unknown status {other}")),
        }
    }

    fn guest_error(&mut self, error: GuestReply, phase: Phase, step: Option<u64>) -> CrashReport {
        let GuestReply::Error {
            kind,
            exception_type,
            message,
            traceback,
        } = error
        else {
            return self.crash(
                CrashKind::ContractViolation,
                phase,
                "expected an error reply".into(),
            );
        };
        let known = match kind {
            contract::ERROR_SYNTAX => Some(CrashKind::SyntaxError),
            contract::ERROR_LOAD => Some(CrashKind::LoadError),
            contract::ERROR_MISSING_ACT => Some(CrashKind::MissingAct),
            contract::ERROR_EXCEPTION => Some(CrashKind::PythonException),
            contract::ERROR_ACTION_TYPE => Some(CrashKind::InvalidAction),
            contract::ERROR_EXIT => Some(CrashKind::Exit),
            contract::ERROR_MEMORY => Some(CrashKind::MemoryLimit),
            contract::ERROR_RECURSION => Some(CrashKind::StackOverflow),
            contract::ERROR_PROTOCOL => Some(CrashKind::ContractViolation),
            _ => None,
        };
        let summary = if exception_type.is_empty() {
            message.clone()
        } else if message.is_empty() {
            exception_type.clone()
        } else {
            format!("{exception_type}: {message}")
        };
        // A native guest may send an error with no text or of an unknown kind: the report
        // still says what happened.
        let (kind, summary) = match (known, summary.is_empty()) {
            (None, true) => (
                CrashKind::ContractViolation,
                format!("the guest answered with unknown error kind {kind}"),
            ),
            (None, false) => (
                CrashKind::ContractViolation,
                format!("the guest answered with unknown error kind {kind}: {summary}"),
            ),
            (Some(known), true) => (
                known,
                format!("the guest reported a {known} error without a message"),
            ),
            (Some(known), false) => (known, summary),
        };
        let mut report = self.crash(kind, phase, summary);
        report.exception_type = (!exception_type.is_empty()).then_some(exception_type);
        report.traceback = (!traceback.is_empty()).then_some(traceback);
        report.step = step;
        report
    }

    fn crash(&mut self, kind: CrashKind, phase: Phase, message: String) -> CrashReport {
        let mut report = CrashReport::new(kind, phase, message);
        report.fuel_used = self.last_call_fuel;
        report.episode_fuel_used = self.episode_fuel_used;
        with_output(&mut self.store, report)
    }

    fn poisoned_report(&mut self, kind: CrashKind, phase: Phase) -> CrashReport {
        self.crash(
            CrashKind::Poisoned,
            phase,
            format!("the policy already crashed ({kind}); load it again"),
        )
    }
}

/// Trap payload for a guest that broke the contract mid-call.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ContractError(String);
