//! Shared set-up for the integration tests: one engine per test binary.

#![allow(dead_code)]

use std::sync::OnceLock;

use ppo_sandbox_engine::envs::{self, Action, Env};
use ppo_sandbox_engine::{
    CrashKind, CrashReport, Engine, EngineConfig, Limits, LoadOptions, MatchReport, Policy,
    PolicySource, RolloutReport, RolloutResponse, Workers,
};

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineConfig::default()).expect("engine"))
}

/// Fails the test, showing `context` (the case, or "") and every crash report, if the
/// rollout had a crash.
pub fn assert_no_crash(report: &RolloutReport, context: &str) {
    assert!(
        !report.crashed(),
        "{context}{:#?}",
        report.crashes().collect::<Vec<_>>()
    );
}

/// [`assert_no_crash`] for a multi-agent match.
pub fn assert_no_match_crash(report: &MatchReport, context: &str) {
    assert!(
        !report.crashed(),
        "{context}{:#?}",
        report.crashes().collect::<Vec<_>>()
    );
}

pub fn cartpole_options() -> LoadOptions {
    LoadOptions::for_env(envs::make("CartPole-v1").unwrap().description())
}

pub fn load(source: &str) -> Result<Policy, CrashReport> {
    engine().load(&PolicySource::python(source), &cartpole_options())
}

pub fn load_with(source: &str, limits: Limits) -> Result<Policy, CrashReport> {
    engine().load(
        &PolicySource::python(source),
        &cartpole_options().limits(limits),
    )
}

pub const OBS: [f64; 4] = [0.01, -0.02, 0.03, 0.04];

/// The crash a policy produces within `steps` act calls (after a reset), or at load.
pub fn crash_of(source: &str, limits: Limits, steps: usize) -> CrashReport {
    let mut policy = match load_with(source, limits) {
        Ok(policy) => policy,
        Err(crash) => return crash,
    };
    if let Err(crash) = policy.reset() {
        return crash;
    }
    for _ in 0..steps {
        if let Err(crash) = policy.act(&OBS) {
            return crash;
        }
    }
    panic!("the policy did not crash within {steps} steps");
}

pub fn assert_kind(source: &str, limits: Limits, steps: usize, kind: CrashKind) -> CrashReport {
    let crash = crash_of(source, limits, steps);
    assert_eq!(crash.kind, kind, "{crash:#?}");
    crash
}

pub const GOOD_POLICY: &str =
    "def act(obs):\n    return 1 if obs.pole_angle + 0.5 * obs.pole_angular_velocity > 0 else 0\n";

/// Runs a known-good policy for a whole CartPole episode in the shared engine: after any
/// hostile policy, the engine must still do this normally.
pub fn assert_engine_still_works() {
    let mut env = envs::make("CartPole-v1").unwrap();
    let mut policy = load(GOOD_POLICY).expect("good policy loads");
    policy.reset().unwrap();
    let mut obs = env.reset(Some(3));
    let mut total = 0.0;
    loop {
        let action = policy.act(&obs).expect("good policy acts");
        assert!(matches!(action, Action::Int(0 | 1)));
        let step = env.step(&action).unwrap();
        total += step.reward;
        if step.done() {
            break;
        }
        obs = step.observation;
    }
    assert!(total > 100.0, "good policy scored {total}");
}

/// Worker processes of the `ppo-sandbox` binary, started as the CLI starts them.
pub fn worker_processes(count: usize) -> Workers {
    Workers::processes(count, env!("CARGO_BIN_EXE_ppo-sandbox"), ["rollout-worker"])
}

/// What a worker process answers to `input`: one response per request line.
pub fn serve(input: &str) -> Vec<RolloutResponse> {
    let mut output = Vec::new();
    ppo_sandbox_engine::serve_rollouts(engine(), input.as_bytes(), &mut output).unwrap();
    String::from_utf8(output)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}
