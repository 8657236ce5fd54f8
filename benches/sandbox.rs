//! Criterion benchmarks of the sandbox: `act` latency (Python linear, Python looping, Rust
//! SDK), policy load latency (snapshot and cold starts, and to a first action), and a whole
//! 100-episode CartPole eval. `scripts/bench-compare.sh`
//! puts the same figures beside CPython and Gymnasium, with ratios.

#[path = "common/policies.rs"]
mod policies;

use criterion::{Criterion, criterion_group, criterion_main};
use ppo_sandbox_engine::envs;
use ppo_sandbox_engine::{
    Engine, EngineConfig, LoadOptions, PolicySource, PythonStart, RolloutConfig, rollout,
};

fn engine() -> Engine {
    let engine = Engine::new(EngineConfig::default()).expect("engine");
    engine.prepare_python().expect("Python guest");
    engine
}

fn options() -> LoadOptions {
    LoadOptions::for_env(envs::make("CartPole-v1").unwrap().description())
}

fn act_latency(c: &mut Criterion) {
    let engine = engine();
    let rust_policy =
        PolicySource::wasm(std::fs::read(env!("PPO_SANDBOX_EXAMPLE_LINEAR_WASM")).unwrap());
    let mut group = c.benchmark_group("act");
    for (name, source) in [
        ("python_linear", PolicySource::python(policies::LINEAR)),
        (
            "python_linear_unpack",
            PolicySource::python(policies::LINEAR_UNPACK),
        ),
        ("python_looping", PolicySource::python(policies::LOOPING)),
        ("rust_sdk_linear", rust_policy),
    ] {
        let mut policy = engine.load(&source, &options()).unwrap();
        policy.reset().unwrap();
        group.bench_function(name, |b| {
            b.iter(|| policy.act(std::hint::black_box(&policies::OBS)).unwrap())
        });
    }
    group.finish();
}

fn load_latency(c: &mut Criterion) {
    let engine = engine();
    let cold = Engine::new(EngineConfig::default().python_start(PythonStart::Cold)).unwrap();
    cold.prepare_python().unwrap();
    let source = PolicySource::python(policies::LINEAR);
    let mut group = c.benchmark_group("load");
    group.bench_function("python_linear", |b| {
        b.iter(|| engine.load(&source, &options()).unwrap())
    });
    // A fresh policy from source to its first action (issue "Fast start": <= 2 ms).
    group.bench_function("python_linear_to_first_act", |b| {
        b.iter(|| {
            let mut policy = engine.load(&source, &options()).unwrap();
            policy.reset().unwrap();
            policy.act(&policies::OBS).unwrap()
        })
    });
    group.sample_size(10);
    group.bench_function("python_linear_cold_interpreter", |b| {
        b.iter(|| cold.load(&source, &options()).unwrap())
    });
    group.finish();
}

fn eval_100_episodes(c: &mut Criterion) {
    let engine = engine();
    let source = PolicySource::python(policies::LINEAR);
    let config = RolloutConfig {
        episodes: 100,
        seed: 0,
        ..Default::default()
    };
    let mut group = c.benchmark_group("eval");
    group.sample_size(10);
    group.bench_function("cartpole_100_episodes_python_linear", |b| {
        b.iter(|| {
            let mut env = envs::make("CartPole-v1").unwrap();
            let report = rollout(&engine, &source, &mut env, &config);
            assert!(!report.crashed());
            report
        })
    });
    group.finish();
}

criterion_group!(benches, act_latency, load_latency, eval_100_episodes);
criterion_main!(benches);
