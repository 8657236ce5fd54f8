//! Generators and oracles for fuzzing the ppo-sandbox boundary. The cargo-fuzz targets in
//! `fuzz/targets/fuzz_targets/` are one line each over [`targets`]; the same functions replay the
//! committed seed corpus and every regression input in the ordinary test run
//! (`tests/corpus.rs`), so a crash once found stays fixed without a fuzzer.
//!
//! ```
//! // Any bytes are a valid input for every target; a target panics only when an oracle fails.
//! ppo_sandbox_fuzzing::targets::model_answer(b"```python\ndef act(obs):\n    return 0.5\n```");
//! ```
//!
//! # Oracles
//!
//! Every target checks, after each input:
//! - no host panic or abort (the fuzzer itself catches those);
//! - the limits hold: a failing call used no more fuel than its budget, the episode no more
//!   than the episode budget, captured output stays within its caps, and a call returned
//!   within its wall-clock deadline (plus slack for a loaded machine);
//! - every failure is typed: an instance that trapped answers `poisoned` afterwards, an action
//!   the engine accepted is one the environment accepts;
//! - the engine runs a good policy afterwards, with the same return as on the first input
//!   (so no input leaves state behind that changes another policy's trajectory).

mod answers;
mod boundary;
mod env_actions;
mod oracles;
mod policy_corpus;
mod python_program;
mod sandbox;
pub mod targets;
mod wasi;
mod wasm_module;

pub use answers::ModelAnswer;
pub use boundary::{ActionValue, BoundaryCase};
pub use env_actions::{AnyAction, EnvCall, EnvSession};
pub use oracles::{assert_engine_runs_good_policy, check_crash, check_output};
pub use policy_corpus::{MutatedPolicy, REAL_POLICIES, env_of};
pub use python_program::PythonProgram;
pub use sandbox::Played;
pub use sandbox::{FUZZ_ENVS, engine, fuzz_limits, play};
pub use wasi::{WASI_FUNCTIONS, WASI_MODULE, WasiFunction, imports_wat};
pub use wasm_module::ContractModule;
