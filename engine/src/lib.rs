//! Run reinforcement-learning policies written by a language model, safely: each policy runs
//! in its own WebAssembly sandbox (wasmtime) under hard limits on fuel, wall-clock time,
//! memory, stack, tables and output, and is called once per environment step.
//!
//! ```
//! use ppo_sandbox_engine::{Engine, EngineConfig, PolicySource, RolloutConfig, rollout};
//!
//! let engine = Engine::new(EngineConfig::default())?;
//! let policy = PolicySource::python(
//!     "def act(obs):\n    return 1 if obs.pole_angle + 0.5 * obs.pole_angular_velocity > 0 else 0\n",
//! );
//! let mut env = ppo_sandbox_envs::make("CartPole-v1")?;
//! let report = rollout(&engine, &policy, &mut env, &RolloutConfig { episodes: 2, seed: 7, ..Default::default() });
//! assert!(!report.crashed());
//! assert!(report.mean_return().unwrap() > 100.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Policies
//!
//! A Python policy is source text defining `act(obs)`, or a class with `act(self, obs)` and
//! an optional `reset(self)` (called at each episode start); the class is instantiated with
//! no arguments. `obs` is a list of floats that also has the environment's named fields
//! (`obs.pole_angle`), or a plain `int` where the observation space is Discrete. (A policy
//! whose source mentions no field name gets a plain `list`, which the interpreter indexes
//! faster.) `act`
//! returns an `int` (an `IntEnum` member counts), a `float`, or a list of them; the value is
//! read inside the guest as plain numbers, and checked against the action space by the host.
//! The Python guest is RustPython compiled to `wasm32-wasip1`; its standard library works
//! (`random`, `time`, `dataclasses`, `collections`, ...), against a world with no files, no
//! network, no environment, a virtual clock and seeded randomness.
//!
//! A policy in another language is a WebAssembly module speaking the guest contract (see the
//! `ppo-sandbox-contract` crate, and `ppo-sandbox-guest` for writing one in Rust).
//!
//! # Fast start
//!
//! Building the Python interpreter and importing the standard library a policy commonly uses
//! is the same work for every policy, so it is done once: the first Python policy on a machine
//! pre-initializes the guest with `wasmtime-wizer` and caches the snapshot's machine code beside
//! the guest's. Each policy then instantiates the snapshot, its memory mapped copy-on-write from
//! a pooling allocator's slot ([`EngineConfig::pooled_instances`]), and runs only its own code:
//! about a millisecond to a first action. Nothing random is baked in: the guest reseeds every
//! generator from the policy's seed. [`PythonStart::Cold`] builds the interpreter in each
//! instance instead; it behaves identically, only slower.
//!
//! # Multi-agent worlds
//!
//! [`self_play`], [`cross_play`] and [`play_match`] run several policies in one world of the
//! [`envs::ParallelEnv`] kind (Gathering, Cleanup), each agent in its own instance. An agent
//! sees a read-only record (`obs.apples[y][x]`, `obs.agents[i].x`), never the world; one whose
//! policy fails stands still for the rest of the episode and its policy is reported failed.
//! A [`MatchReport`] carries per-agent returns, crash reports and the [`SocialMetrics`].
//! [`play_registered_match`] spreads a match's episodes over worker processes, which scale
//! with the cores where threads of one process do not (see [`Workers`]).
//!
//! # Failures are data
//!
//! Every way a policy can fail is a [`CrashReport`] with a [`CrashKind`]: a syntax error, a
//! Python exception with its traceback, each exhausted limit, an invalid action. The host
//! never panics on a policy's behalf, and the engine keeps running the next policy.
//!
//! # Determinism
//!
//! The guest sees a virtual clock (it moves only with the guest's own reads and sleeps) and
//! randomness seeded from [`LoadOptions::seed`]; so (policy, environment, seed) gives the
//! same trajectory, bit for bit, on every run and machine.

mod atomic_file;
mod cache;
mod engine;
mod guest;
mod host;
mod limits;
#[cfg(feature = "optimizer")]
pub mod llm;
mod multi_agent;
mod observation_delta;
#[cfg(feature = "optimizer")]
pub mod optimize;
mod policy;
mod report;
mod rollout;
mod snapshot;
mod source;
mod wasi;
mod workers;

pub use cache::CacheOutcome;
pub use engine::{Engine, EngineConfig, EngineError, PythonStart};
pub use limits::Limits;
pub use multi_agent::{
    AgentEpisode, MatchConfig, MatchEpisode, MatchError, MatchReport, SocialMetrics, cross_play,
    play_match, play_registered_match, self_play,
};
pub use policy::{LoadOptions, ObservationLayout, Policy};
pub use report::{CapturedOutput, CrashKind, CrashReport, Phase};
pub use rollout::{
    EpisodeReport, RolloutConfig, RolloutReport, Trajectory, TrajectoryStep, record_episode,
    rollout,
};
pub use source::PolicySource;
pub use workers::{
    MatchRequest, RolloutProcess, RolloutRequest, RolloutResponse, WireSource, Workers,
    serve_rollouts,
};

/// The environment side, re-exported for embedders: the env trait, spaces and actions.
pub use ppo_sandbox_envs as envs;
