//! The published self-play evaluation's size, sandboxed: 10 agents, 1,000 steps, 10 episodes
//! (100,000 policy calls) of Gathering-v0, every agent in its own sandbox.
//!
//! `cargo run --release --example bench_self_play -- [POLICY.py] [THREADS]` prints the wall
//! time of one evaluation (the best of three, after a warm-up that fills the guest cache).
//! `scripts/bench-self-play.sh` runs it beside a CPython in-process loop of the same size.

use std::time::Instant;

use ppo_sandbox_engine::{Engine, EngineConfig, MatchConfig, PolicySource, self_play};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "examples/policies/gathering_local.py".into());
    let threads: usize = args.next().map_or(Ok(0), |t| t.parse())?;
    let source = PolicySource::from_path(path.as_ref())?;
    let engine = Engine::new(EngineConfig::default())?;
    engine.prepare_python()?;
    let config = MatchConfig {
        episodes: 10,
        seed: 0,
        threads,
        ..MatchConfig::default()
    };
    // Warm-up: one short match.
    self_play(
        &engine,
        &source,
        "Gathering-v0",
        Some(10),
        &MatchConfig {
            episodes: 1,
            ..config.clone()
        },
    )?;
    let mut best = f64::INFINITY;
    let mut report = None;
    for _ in 0..3 {
        let started = Instant::now();
        let played = self_play(&engine, &source, "Gathering-v0", Some(10), &config)?;
        best = best.min(started.elapsed().as_secs_f64());
        report = Some(played);
    }
    let report = report.expect("played");
    let calls: u64 = report.episodes.iter().map(|e| e.length * 10).sum();
    let m = report.metrics();
    println!(
        "sandboxed self-play: {calls} policy calls in {best:.3} s ({:.2} us per call), mean agent return {:.1}, efficiency {:.3}, crashed {}",
        best * 1e6 / calls as f64,
        report.mean_return().unwrap_or(f64::NAN),
        m.efficiency,
        report.crashed()
    );
    Ok(())
}
