//! Candidates evaluated per second by the optimizer on 1 and on 2 workers (the target:
//! 2 cores at least 1.8x one), in one run, with the workers as threads of this process and as
//! child processes (this same program, started with `--rollout-worker`). Tunes Pendulum-v1
//! (no reward threshold, so every round runs): 20 rounds of 16 candidates, 5 episodes of 200
//! steps each, three times per setting (interleaved, so drift in the machine's load hits every
//! setting alike); prints the medians as JSON.
//!
//! `cargo run --release --example bench_optimize`

use std::time::Instant;

use ppo_sandbox_engine::optimize::{self, OptimizeSettings, Progress, RunDir};
use ppo_sandbox_engine::{Engine, EngineConfig, Workers};

const WORKER_FLAG: &str = "--rollout-worker";

fn candidates_per_second(engine: &Engine, workers: &Workers) -> f64 {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut settings = OptimizeSettings::new("Pendulum-v1");
    settings.rounds = 20;
    let mut run = RunDir::create(dir.path(), settings.manifest().unwrap()).unwrap();
    // Steady state: from round 2 on, when every worker has started (a worker process costs
    // about 0.2 s once, loading the cached guest) until the end.
    let mut started = None;
    let mut evaluated = 0u32;
    optimize::run_with(engine, &mut run, None, workers, &mut |event| match event {
        Progress::Round { round: 2, .. } => started = Some(Instant::now()),
        Progress::Evaluated { .. } if started.is_some() => evaluated += 1,
        _ => {}
    })
    .unwrap();
    assert!(run.records().iter().all(|r| r.failure.is_none()));
    f64::from(evaluated) / started.expect("round 2 ran").elapsed().as_secs_f64()
}

fn main() {
    let engine = Engine::new(EngineConfig::default()).expect("engine");
    if std::env::args().nth(1).as_deref() == Some(WORKER_FLAG) {
        let stdin = std::io::stdin().lock();
        ppo_sandbox_engine::serve_rollouts(&engine, stdin, std::io::stdout().lock()).unwrap();
        return;
    }
    engine.prepare_python().expect("Python guest");
    let program = std::env::current_exe().expect("this program's path");
    let settings = [
        ("threads_1", Workers::threads(1)),
        ("threads_2", Workers::threads(2)),
        (
            "processes_1",
            Workers::processes(1, &program, [WORKER_FLAG]),
        ),
        (
            "processes_2",
            Workers::processes(2, &program, [WORKER_FLAG]),
        ),
    ];
    // `bench_optimize SETTING` measures that setting alone (for profiling).
    if let Some(only) = std::env::args().nth(1) {
        let (name, workers) = settings
            .iter()
            .find(|(name, _)| *name == only)
            .expect("a setting: threads_1, threads_2, processes_1 or processes_2");
        println!("{name}: {:.1}", candidates_per_second(&engine, workers));
        return;
    }
    candidates_per_second(&engine, &settings[3].1); // warm-up
    let mut samples = vec![Vec::new(); settings.len()];
    for _ in 0..3 {
        for (setting, sample) in settings.iter().zip(&mut samples) {
            sample.push(candidates_per_second(&engine, &setting.1));
        }
    }
    let medians: Vec<f64> = samples.into_iter().map(median).collect();
    let mut json = serde_json::Map::new();
    for ((name, _), median) in settings.iter().zip(&medians) {
        json.insert(format!("candidates_per_s_{name}"), (*median).into());
    }
    json.insert("speedup_threads".into(), (medians[1] / medians[0]).into());
    json.insert("speedup_processes".into(), (medians[3] / medians[2]).into());
    json.insert(
        "speedup_2_processes_over_1_thread".into(),
        (medians[3] / medians[0]).into(),
    );
    println!("{}", serde_json::Value::Object(json));
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
