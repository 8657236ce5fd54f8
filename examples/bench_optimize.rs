//! Candidates evaluated per second by the optimizer on 1 and on 2 threads (the issue's
//! target: 2 cores at least 1.8x one), in one run. Tunes Pendulum-v1 (no reward threshold, so
//! every round runs): 3 rounds of 16 candidates, 5 episodes of 200 steps each. Prints JSON.
//!
//! `cargo run --release --example bench_optimize`

use std::time::Instant;

use ppo_sandbox_engine::optimize::{self, OptimizeSettings, RunDir};
use ppo_sandbox_engine::{Engine, EngineConfig};

fn candidates_per_second(engine: &Engine, jobs: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut settings = OptimizeSettings::new("Pendulum-v1");
    settings.rounds = 3;
    let mut run = RunDir::create(dir.path(), settings.manifest().unwrap()).unwrap();
    let started = Instant::now();
    let outcome = optimize::run(engine, &mut run, jobs, &mut |_| {}).unwrap();
    outcome.evaluated as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let engine = Engine::new(EngineConfig::default()).expect("engine");
    engine.prepare_python().expect("Python guest");
    candidates_per_second(&engine, 2); // warm-up
    let one = candidates_per_second(&engine, 1);
    let two = candidates_per_second(&engine, 2);
    println!(
        "{{\"candidates_per_s_1_thread\": {one:.2}, \"candidates_per_s_2_threads\": {two:.2}, \"speedup\": {:.2}}}",
        two / one
    );
}
