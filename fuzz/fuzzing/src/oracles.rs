//! What must hold after any input. Each oracle panics with what it found, which is how a fuzz
//! target reports a bug.

use std::sync::OnceLock;
use std::time::Duration;

use ppo_sandbox_engine::envs;
use ppo_sandbox_engine::{CapturedOutput, CrashReport, Limits, LoadOptions, Phase, PolicySource};

use crate::sandbox::engine;

/// Time a call may take beyond its deadline before we call it a hang: preemption runs on an
/// epoch tick, and a fuzzing machine is busy.
const DEADLINE_SLACK: Duration = Duration::from_secs(10);

/// A crash report respects the limits it was produced under. `elapsed` is how long the call
/// took, where a guest deadline covers all of it (not the load of a Wasm module, which
/// includes compiling it).
pub fn check_crash(crash: &CrashReport, limits: &Limits, elapsed: Option<Duration>) {
    let (fuel_budget, deadline_ms) = match crash.phase {
        Phase::Load => (limits.load_fuel, limits.load_timeout_ms),
        Phase::Reset | Phase::Act => (limits.act_fuel, limits.act_timeout_ms),
    };
    assert!(
        crash.fuel_used <= fuel_budget,
        "{} used {} fuel, over its budget {fuel_budget}: {crash:?}",
        crash.kind,
        crash.fuel_used
    );
    if crash.phase != Phase::Load {
        assert!(
            crash.episode_fuel_used <= limits.episode_fuel,
            "the episode used {} fuel, over its budget {}: {crash:?}",
            crash.episode_fuel_used,
            limits.episode_fuel
        );
    }
    assert!(
        !crash.message.is_empty(),
        "a crash without a message: {crash:?}"
    );
    check_output(&crash.output, limits);
    if let Some(elapsed) = elapsed {
        let allowed = Duration::from_millis(deadline_ms) + DEADLINE_SLACK;
        assert!(
            elapsed <= allowed,
            "{:?} call took {elapsed:?}, its deadline is {deadline_ms} ms: {crash:?}",
            crash.phase
        );
    }
}

/// Captured output stays within its caps, and is marked truncated when it was cut.
pub fn check_output(output: &CapturedOutput, limits: &Limits) {
    assert!(
        output.stdout.len() as u64 <= limits.stdout_bytes,
        "{} bytes of stdout kept, cap {}",
        output.stdout.len(),
        limits.stdout_bytes
    );
    assert!(
        output.stderr.len() as u64 <= limits.stderr_bytes,
        "{} bytes of stderr kept, cap {}",
        output.stderr.len(),
        limits.stderr_bytes
    );
}

const GOOD_POLICY: &str = "\
class Policy:
    def act(self, obs):
        return 1 if obs.pole_angle + 0.5 * obs.pole_angular_velocity > 0 else 0
";

/// The shared engine still runs a good policy normally: a whole CartPole episode, with the
/// same return as the first time this process checked (an input that left state behind in
/// the engine would change it).
pub fn assert_engine_runs_good_policy() {
    static FIRST_RETURN: OnceLock<f64> = OnceLock::new();
    let mut env = envs::make("CartPole-v1").expect("CartPole is registered");
    let options = LoadOptions::for_env(env.description()).seed(11);
    let mut policy = engine()
        .load(&PolicySource::python(GOOD_POLICY), &options)
        .unwrap_or_else(|crash| panic!("the good policy no longer loads: {crash:?}"));
    policy
        .reset()
        .unwrap_or_else(|crash| panic!("the good policy's reset failed: {crash:?}"));
    let mut observation = env.reset(Some(5));
    let mut total = 0.0;
    loop {
        let action = policy
            .act(&observation)
            .unwrap_or_else(|crash| panic!("the good policy crashed: {crash:?}"));
        let step = env
            .step(&action)
            .expect("the good policy's action is valid");
        total += step.reward;
        if step.done() {
            break;
        }
        observation = step.observation;
    }
    let first = *FIRST_RETURN.get_or_init(|| total);
    assert!(total > 100.0, "the good policy scored {total}");
    assert_eq!(
        total.to_bits(),
        first.to_bits(),
        "the good policy's return changed: {first} then {total}"
    );
}
