//! Measures, in one run, the figures `scripts/bench-compare.sh` sets beside CPython and
//! Gymnasium: `act` latency (Python linear, Python looping, Rust SDK), load latency, memory per
//! loaded Python policy, and a 100-episode CartPole eval. Prints JSON.
//!
//! `cargo run --release --example bench_compare`

#[path = "../benches/common/measure.rs"]
mod measure;
#[path = "../benches/common/policies.rs"]
mod policies;

use std::time::Instant;

use measure::median;

use ppo_sandbox_engine::envs;
use ppo_sandbox_engine::{Engine, EngineConfig, LoadOptions, PolicySource, RolloutConfig, rollout};

/// Median over `batches` of the mean time of `per_batch` calls, in nanoseconds.
fn time_calls(batches: usize, per_batch: usize, mut call: impl FnMut()) -> f64 {
    for _ in 0..per_batch {
        call();
    }
    median(
        (0..batches)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..per_batch {
                    call();
                }
                start.elapsed().as_nanos() as f64 / per_batch as f64
            })
            .collect(),
    )
}

fn main() {
    let engine = Engine::new(EngineConfig::default()).expect("engine");
    engine.prepare_python().expect("Python guest");
    let options = LoadOptions::for_env(envs::make("CartPole-v1").unwrap().description());
    let rust_wasm = std::fs::read(env!("PPO_SANDBOX_EXAMPLE_LINEAR_WASM")).expect("example policy");

    let mut act_ns = Vec::new();
    for (name, source) in [
        ("python_linear", PolicySource::python(policies::LINEAR)),
        (
            "python_linear_unpack",
            PolicySource::python(policies::LINEAR_UNPACK),
        ),
        ("python_looping", PolicySource::python(policies::LOOPING)),
        ("rust_sdk_linear", PolicySource::wasm(rust_wasm.clone())),
    ] {
        let mut policy = engine.load(&source, &options).unwrap();
        policy.reset().unwrap();
        let ns = time_calls(30, 20_000, || {
            policy.act(std::hint::black_box(&policies::OBS)).unwrap();
        });
        act_ns.push(format!("\"{name}\": {ns:.1}"));
    }

    let source = PolicySource::python(policies::LINEAR);
    let load_ms = time_calls(15, 2, || {
        engine.load(&source, &options).unwrap();
    }) / 1e6;

    // Memory: many live policies, each having acted once.
    let (mib_per_policy, _) =
        measure::mib_per_live_policy(&engine, &source, &options, &policies::OBS, 40);

    let config = RolloutConfig {
        episodes: 100,
        seed: 0,
        ..Default::default()
    };
    let eval_s = median(
        (0..3)
            .map(|_| {
                let mut env = envs::make("CartPole-v1").unwrap();
                let start = Instant::now();
                let report = rollout(&engine, &source, &mut env, &config);
                let elapsed = start.elapsed();
                assert!(!report.crashed());
                elapsed.as_secs_f64()
            })
            .collect(),
    );
    println!(
        "{{\"act_ns\": {{{}}}, \"load_ms\": {load_ms:.3}, \"mib_per_policy\": {mib_per_policy:.2}, \"eval_100_cartpole_s\": {eval_s:.4}}}",
        act_ns.join(", ")
    );
}
