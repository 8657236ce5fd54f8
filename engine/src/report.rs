//! Every way a policy can fail, as data.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of failure a [`CrashReport`] describes. Each limit has its own kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashKind {
    /// The source is larger than [`Limits::source_bytes`](crate::Limits::source_bytes).
    SourceTooLarge,
    /// The source is not valid UTF-8 (Python) or not a valid module (Wasm).
    InvalidSource,
    /// The Python source does not parse.
    SyntaxError,
    /// Running the policy module's top-level code, or building its policy object, failed.
    LoadError,
    /// No `act` function and no class with an `act` method.
    MissingAct,
    /// `act` or `reset` raised a Python exception.
    PythonException,
    /// The policy asked to exit (`sys.exit`, `os._exit`, `proc_exit`).
    Exit,
    /// Loading used up [`Limits::load_fuel`](crate::Limits::load_fuel).
    LoadFuelExhausted,
    /// One `act`/`reset` call used up [`Limits::act_fuel`](crate::Limits::act_fuel).
    ActFuelExhausted,
    /// The episode used up [`Limits::episode_fuel`](crate::Limits::episode_fuel).
    EpisodeFuelExhausted,
    /// A call ran past its wall-clock deadline and was preempted.
    Deadline,
    /// The guest tried to grow its memory past [`Limits::memory_bytes`](crate::Limits::memory_bytes)
    /// (or Python raised `MemoryError`).
    MemoryLimit,
    /// The guest's call stack overflowed (or Python raised `RecursionError`).
    StackOverflow,
    /// A table grew past [`Limits::table_elements`](crate::Limits::table_elements), or the
    /// module wanted more tables, memories or instances than allowed.
    ResourceLimit,
    /// `act` returned something that is not a valid action for the action space.
    InvalidAction,
    /// The module does not speak the guest contract (missing exports, unknown version,
    /// replies pointing outside its memory).
    ContractViolation,
    /// Any other WebAssembly trap (e.g. `unreachable` from a panicking Rust guest).
    Trap,
    /// The policy already crashed in a way that leaves its instance unusable.
    Poisoned,
    /// The environment's simulation blew up under the policy's (valid) actions: MuJoCo
    /// found NaN, infinite or huge positions, velocities or accelerations.
    UnstableSimulation,
}

impl CrashKind {
    /// The kind's name as it appears in JSON (`act_fuel_exhausted`).
    pub fn as_str(self) -> &'static str {
        match self {
            CrashKind::SourceTooLarge => "source_too_large",
            CrashKind::InvalidSource => "invalid_source",
            CrashKind::SyntaxError => "syntax_error",
            CrashKind::LoadError => "load_error",
            CrashKind::MissingAct => "missing_act",
            CrashKind::PythonException => "python_exception",
            CrashKind::Exit => "exit",
            CrashKind::LoadFuelExhausted => "load_fuel_exhausted",
            CrashKind::ActFuelExhausted => "act_fuel_exhausted",
            CrashKind::EpisodeFuelExhausted => "episode_fuel_exhausted",
            CrashKind::Deadline => "deadline",
            CrashKind::MemoryLimit => "memory_limit",
            CrashKind::StackOverflow => "stack_overflow",
            CrashKind::ResourceLimit => "resource_limit",
            CrashKind::InvalidAction => "invalid_action",
            CrashKind::ContractViolation => "contract_violation",
            CrashKind::Trap => "trap",
            CrashKind::Poisoned => "poisoned",
            CrashKind::UnstableSimulation => "unstable_simulation",
        }
    }
}

impl fmt::Display for CrashKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Load,
    Reset,
    Act,
}

/// Text a policy wrote to standard output and standard error, each capped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedOutput {
    pub stdout: String,
    pub stdout_truncated: bool,
    pub stderr: String,
    pub stderr_truncated: bool,
}

impl CapturedOutput {
    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.stdout.is_empty()
            && self.stderr.is_empty()
            && !self.stdout_truncated
            && !self.stderr_truncated
    }
}

/// A policy failure: what happened, where, and what it had printed. A policy controls its
/// exception messages, so treat `message` and `traceback` as untrusted text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrashReport {
    pub kind: CrashKind,
    /// One line on what happened.
    pub message: String,
    /// The Python exception's class name, where there was one.
    pub exception_type: Option<String>,
    /// The Python traceback (with `policy.py` line numbers), where there was one.
    pub traceback: Option<String>,
    pub phase: Phase,
    /// Index of the step whose `act` failed (0-based), for `act` failures.
    pub step: Option<u64>,
    /// Fuel the failing call used.
    pub fuel_used: u64,
    /// Fuel the episode had used, failing call included.
    pub episode_fuel_used: u64,
    /// What the policy printed since its output was last taken (boxed: crash reports travel
    /// in `Result`s whose success path should stay small).
    pub output: Box<CapturedOutput>,
}

impl CrashReport {
    pub(crate) fn new(kind: CrashKind, phase: Phase, message: impl Into<String>) -> CrashReport {
        CrashReport {
            kind,
            message: message.into(),
            exception_type: None,
            traceback: None,
            phase,
            step: None,
            fuel_used: 0,
            episode_fuel_used: 0,
            output: Box::default(),
        }
    }
}

impl fmt::Display for CrashReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        if let Some(step) = self.step {
            write!(f, " (step {step})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CrashReport {}
