//! The engine the fuzz targets share, the limits they run under, and one checked play of a
//! policy: load, reset, a few steps, every call's result held to the oracles.

use std::sync::OnceLock;
use std::time::Instant;

use ppo_sandbox_engine::envs::{self, EnvError};
use ppo_sandbox_engine::{
    CrashKind, CrashReport, Engine, EngineConfig, Limits, LoadOptions, Phase, PolicySource,
};

use crate::oracles::{check_crash, check_output};

/// Environments a fuzzed policy plays: a Discrete action with named Box fields, a Box action,
/// and a Discrete observation (a plain `int` in Python).
pub const FUZZ_ENVS: [&str; 3] = ["CartPole-v1", "Pendulum-v1", "FrozenLake-v1"];

/// One engine per fuzzing process, as an embedder would have.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let engine = Engine::new(EngineConfig::default()).expect("the engine starts");
        // Compile (or fetch from the cache) the Python guest now, so no timed call includes it.
        engine.prepare_python().expect("the Python guest is ready");
        engine
    })
}

/// Limits small enough that a hostile input costs well under a second, large enough that a
/// normal policy loads and acts.
pub fn fuzz_limits() -> Limits {
    Limits::default()
        .with_load_fuel(1_000_000_000)
        .with_act_fuel(20_000_000)
        .with_episode_fuel(100_000_000)
        .with_load_timeout_ms(3_000)
        .with_act_timeout_ms(500)
        .with_memory_bytes(96 * 1024 * 1024)
        .with_output_bytes(4 * 1024)
        .with_source_bytes(256 * 1024)
}

/// What one play came to.
#[derive(Debug)]
pub struct Played {
    /// The first crash, if any.
    pub crash: Option<CrashReport>,
    /// Actions the engine accepted (and the environment then took).
    pub actions: usize,
}

/// Loads `source` for `env_id` and plays up to `steps` steps (resetting at episode ends),
/// holding every call to the oracles. Returns the first crash; later calls on a trapped
/// instance must answer `poisoned`.
pub fn play(
    source: &PolicySource,
    env_id: &str,
    limits: &Limits,
    seed: u64,
    steps: usize,
) -> Played {
    let mut env = envs::make(env_id).expect("fuzz environments are registered");
    let options = LoadOptions::for_env(env.description())
        .limits(limits.clone())
        .seed(seed);
    let started = Instant::now();
    let mut policy = match engine().load(source, &options) {
        Ok(policy) => policy,
        Err(crash) => {
            let timed = matches!(
                source,
                PolicySource::Python(_) | PolicySource::PythonBytes(_)
            );
            check_crash(&crash, limits, timed.then(|| started.elapsed()));
            assert_eq!(
                crash.phase,
                Phase::Load,
                "a load failure is a load-phase crash: {crash:?}"
            );
            return Played {
                crash: Some(crash),
                actions: 0,
            };
        }
    };
    check_output(&policy.take_output(), limits);
    let mut first_crash: Option<CrashReport> = None;
    let mut actions = 0;
    let mut observation = env.reset(Some(seed));
    let started = Instant::now();
    if let Err(crash) = policy.reset() {
        check_crash(&crash, limits, Some(started.elapsed()));
        note(crash, &mut first_crash);
    }
    for _ in 0..steps {
        let poisoned_before = policy.is_poisoned();
        let started = Instant::now();
        match policy.act(&observation) {
            Ok(action) => {
                assert!(!poisoned_before, "a poisoned instance answered an action");
                assert!(
                    policy.episode_fuel_used() <= limits.episode_fuel,
                    "episode fuel {} over its budget {}",
                    policy.episode_fuel_used(),
                    limits.episode_fuel
                );
                actions += 1;
                match env.step(&action) {
                    Ok(step) => {
                        if step.done() {
                            observation = env.reset(Some(seed + 1));
                            let started = Instant::now();
                            if let Err(crash) = policy.reset() {
                                check_crash(&crash, limits, Some(started.elapsed()));
                                note(crash, &mut first_crash);
                            }
                        } else {
                            observation = step.observation;
                        }
                    }
                    Err(EnvError::InvalidAction { space, reason }) => panic!(
                        "the engine accepted {action:?} but {env_id} refuses it ({space}: {reason})"
                    ),
                    Err(error) => {
                        panic!("{env_id} failed on an accepted action {action:?}: {error}")
                    }
                }
            }
            Err(crash) => {
                check_crash(&crash, limits, Some(started.elapsed()));
                if poisoned_before {
                    assert_eq!(
                        crash.kind,
                        CrashKind::Poisoned,
                        "a trapped instance ran again: {crash:?}"
                    );
                }
                note(crash, &mut first_crash);
            }
        }
        check_output(&policy.take_output(), limits);
    }
    Played {
        crash: first_crash,
        actions,
    }
}

fn note(crash: CrashReport, first: &mut Option<CrashReport>) {
    if first.is_none() {
        *first = Some(crash);
    }
}
