//! The published self-play evaluation's size, sandboxed: 10 agents, 1,000 steps, 10 episodes
//! (100,000 policy calls) of Gathering-v0, every agent in its own sandbox.
//!
//! `cargo run --release --example bench_self_play -- [POLICY.py] [WORKERS] [threads|processes]`
//! prints the wall time of one evaluation (the best of three, after a warm-up that fills the
//! guest cache), its episodes played by WORKERS (0: one per core) threads of this process or
//! worker processes (this same program, serving `serve_rollouts`).
//! `scripts/bench-self-play.sh` runs it beside a CPython in-process loop of the same size.

use std::time::Instant;

use ppo_sandbox_engine::{
    Engine, EngineConfig, MatchConfig, PolicySource, Workers, play_registered_match,
};

const SERVE: &str = "--serve-rollouts";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "examples/policies/gathering_local.py".into());
    let engine = Engine::new(EngineConfig::default())?;
    if path == SERVE {
        let stdin = std::io::stdin().lock();
        ppo_sandbox_engine::serve_rollouts(&engine, stdin, std::io::stdout().lock())?;
        return Ok(());
    }
    let count: usize = args.next().map_or(Ok(0), |t| t.parse())?;
    let workers = match args.next().as_deref() {
        Some("threads") => Workers::threads(count),
        Some("processes") | None => Workers::processes(count, std::env::current_exe()?, [SERVE]),
        Some(other) => return Err(format!("threads or processes, not {other:?}").into()),
    };
    let source = PolicySource::from_path(path.as_ref())?;
    engine.prepare_python()?;
    let config = MatchConfig {
        episodes: 10,
        seed: 0,
        ..MatchConfig::default()
    };
    let sources = [source];
    let assignment = [0; 10];
    let play = |config: &MatchConfig| {
        play_registered_match(
            &engine,
            &sources,
            &assignment,
            "Gathering-v0",
            config,
            &workers,
        )
    };
    // Warm-up: one episode.
    play(&MatchConfig {
        episodes: 1,
        ..config.clone()
    })?;
    let mut best = f64::INFINITY;
    let mut report = None;
    for _ in 0..3 {
        let started = Instant::now();
        let played = play(&config)?;
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
