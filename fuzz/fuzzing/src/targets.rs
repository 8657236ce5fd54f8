//! The fuzz targets, one function each over raw fuzzer bytes. `fuzz/targets/fuzz_targets/NAME.rs`
//! calls `targets::NAME`; `tests/corpus.rs` replays the committed corpus through the same
//! functions. Every target ends by checking that the engine still runs a good policy.

use arbitrary::{Arbitrary, Unstructured};
use ppo_sandbox_engine::PolicySource;

use crate::answers::ModelAnswer;
use crate::boundary::BoundaryCase;
use crate::env_actions::EnvSession;
use crate::oracles::assert_engine_runs_good_policy;
use crate::policy_corpus::{MutatedPolicy, env_of};
use crate::python_program::PythonProgram;
use crate::sandbox::{FUZZ_ENVS, fuzz_limits, play};
use crate::wasm_module::ContractModule;

/// Steps each fuzzed policy plays (episodes reset as they end).
const STEPS: usize = 12;

/// A fuzz target: raw fuzzer bytes in, a panic when an oracle fails.
pub type Target = fn(&[u8]);

/// Every target with its name, as the fuzz binaries and corpus folders are named.
pub const TARGETS: &[(&str, Target)] = &[
    ("python_source", python_source),
    ("python_grammar", python_grammar),
    ("python_mutated", python_mutated),
    ("wasm_module", wasm_module),
    ("boundary_values", boundary_values),
    ("model_answer", model_answer),
    ("env_step", env_step),
];

fn arbitrary<'a, T: Arbitrary<'a>>(data: &'a [u8]) -> Option<T> {
    T::arbitrary_take_rest(Unstructured::new(data)).ok()
}

/// Plays a fuzzed policy under the fuzz limits (every call held to the oracles), then checks
/// the engine still runs a good policy.
fn fuzz_policy(source: PolicySource, env: &str, seed: u64) {
    play(&source, env, &fuzz_limits(), seed, STEPS);
    assert_engine_runs_good_policy();
}

/// Raw bytes as Python source (any bytes: not UTF-8, NUL, huge), played in the environment
/// its `# env:` line names.
pub fn python_source(data: &[u8]) {
    let env = env_of(&String::from_utf8_lossy(data));
    fuzz_policy(PolicySource::python_bytes(data.to_vec()), env, 1);
}

/// A grammar-generated Python program.
pub fn python_grammar(data: &[u8]) {
    let Some(program) = arbitrary::<PythonProgram>(data) else {
        return;
    };
    fuzz_policy(
        PolicySource::python(program.source),
        FUZZ_ENVS[program.env],
        2,
    );
}

/// A real policy, mutated.
pub fn python_mutated(data: &[u8]) {
    let Some(policy) = arbitrary::<MutatedPolicy>(data) else {
        return;
    };
    fuzz_policy(PolicySource::python(policy.source), policy.env, 3);
}

/// An arbitrary WebAssembly module as a native policy.
pub fn wasm_module(data: &[u8]) {
    let Some(module) = arbitrary::<ContractModule>(data) else {
        return;
    };
    let env = FUZZ_ENVS[data.first().map_or(0, |b| usize::from(*b)) % FUZZ_ENVS.len()];
    fuzz_policy(PolicySource::wasm(module.bytes), env, 4);
}

/// Observations and actions across the guest boundary.
pub fn boundary_values(data: &[u8]) {
    let Some(case) = arbitrary::<BoundaryCase>(data) else {
        return;
    };
    case.run();
    assert_engine_runs_good_policy();
}

/// Code extraction from a model's answer, and the tuner's rewrite of that code.
pub fn model_answer(data: &[u8]) {
    let Some(answer) = arbitrary::<ModelAnswer>(data) else {
        return;
    };
    answer.run();
}

/// Any registered environment stepped with arbitrary actions.
pub fn env_step(data: &[u8]) {
    let Some(session) = arbitrary::<EnvSession>(data) else {
        return;
    };
    session.run();
}
