//! Per-policy resource limits, as a serde type with units in the field names.

use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;

/// The hard limits one policy runs under. Every limit has a safe default
/// ([`Limits::default`]); hitting one is reported as its own [`CrashKind`](crate::CrashKind).
///
/// Fuel counts WebAssembly instructions executed by the guest (the Python interpreter's own
/// work included): about 3 billion per second here. Deadlines are wall-clock and preempt
/// (epoch interruption), so a guest cannot hang the host even inside a tight loop.
///
/// ```
/// let limits: ppo_sandbox_engine::Limits =
///     serde_json::from_str(r#"{ "act_fuel": 1000000, "memory_bytes": 67108864 }"#).unwrap();
/// assert_eq!(limits.act_fuel, 1_000_000);
/// assert_eq!(limits.stdout_bytes, 64 * 1024); // the rest keep their defaults
/// assert!(serde_json::from_str::<ppo_sandbox_engine::Limits>(r#"{ "act_fule": 1 }"#).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Fuel for loading: interpreter start-up (about 90 million for Python), the policy
    /// module's top-level code and building its policy object.
    pub load_fuel: u64,
    /// Fuel for one `act` (or `reset`) call.
    pub act_fuel: u64,
    /// Fuel for one whole episode: every `reset` and `act` call from one reset to the next.
    pub episode_fuel: u64,
    /// Wall-clock deadline for loading, in milliseconds.
    pub load_timeout_ms: u64,
    /// Wall-clock deadline for one `act` or `reset` call, in milliseconds.
    pub act_timeout_ms: u64,
    /// Cap on the guest's linear memory, in bytes.
    pub memory_bytes: u64,
    /// Cap on the elements of any one table.
    pub table_elements: u64,
    /// Cap on module instances in the policy's store.
    pub instances: u32,
    /// Cap on tables in the policy's store.
    pub tables: u32,
    /// Cap on linear memories in the policy's store.
    pub memories: u32,
    /// Captured standard output kept per policy (the rest is dropped and marked truncated).
    pub stdout_bytes: u64,
    /// Captured standard error kept per policy (the rest is dropped and marked truncated).
    pub stderr_bytes: u64,
    /// Largest policy source accepted, in bytes.
    pub source_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            load_fuel: 10_000_000_000,
            act_fuel: 500_000_000,
            episode_fuel: 50_000_000_000,
            load_timeout_ms: 10_000,
            act_timeout_ms: 1_000,
            memory_bytes: 256 * MIB,
            table_elements: 1_000_000,
            instances: 1,
            tables: 4,
            memories: 1,
            stdout_bytes: 64 * 1024,
            stderr_bytes: 64 * 1024,
            source_bytes: MIB,
        }
    }
}

impl Limits {
    /// Sets [`Limits::act_fuel`].
    pub fn with_act_fuel(mut self, fuel: u64) -> Self {
        self.act_fuel = fuel;
        self
    }

    /// Sets [`Limits::load_fuel`].
    pub fn with_load_fuel(mut self, fuel: u64) -> Self {
        self.load_fuel = fuel;
        self
    }

    /// Sets [`Limits::episode_fuel`].
    pub fn with_episode_fuel(mut self, fuel: u64) -> Self {
        self.episode_fuel = fuel;
        self
    }

    /// Sets [`Limits::act_timeout_ms`].
    pub fn with_act_timeout_ms(mut self, ms: u64) -> Self {
        self.act_timeout_ms = ms;
        self
    }

    /// Sets [`Limits::load_timeout_ms`].
    pub fn with_load_timeout_ms(mut self, ms: u64) -> Self {
        self.load_timeout_ms = ms;
        self
    }

    /// Sets [`Limits::memory_bytes`].
    pub fn with_memory_bytes(mut self, bytes: u64) -> Self {
        self.memory_bytes = bytes;
        self
    }

    /// Sets both output caps.
    pub fn with_output_bytes(mut self, bytes: u64) -> Self {
        self.stdout_bytes = bytes;
        self.stderr_bytes = bytes;
        self
    }

    /// Sets [`Limits::source_bytes`].
    pub fn with_source_bytes(mut self, bytes: u64) -> Self {
        self.source_bytes = bytes;
        self
    }
}
