//! The offline optimizer: the built-in constant tuner reaches good policies within stated
//! environment-step budgets, a bad candidate never stops a run, and a killed run resumes
//! without losing or repeating an evaluation.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use ppo_sandbox_engine::optimize::{self, CandidateRecord, OptimizeSettings, RunDir, StopReason};
use ppo_sandbox_engine::{
    PolicySource, RolloutConfig, RolloutProcess, RolloutRequest, RolloutResponse, Workers, rollout,
};

fn tune(settings: &OptimizeSettings, dir: &Path) -> (optimize::OptimizeOutcome, RunDir) {
    let mut run = RunDir::create(dir, settings.manifest().unwrap()).unwrap();
    let outcome = optimize::run(engine(), &mut run, 0, &mut |_| {}).unwrap();
    (outcome, run)
}

/// (round, index, constants, returns, env steps) of a record.
type Essence = (u32, u32, Vec<f64>, Vec<f64>, u64);

/// What must be identical between an uninterrupted run and a resumed one.
fn essence(records: &[CandidateRecord]) -> Vec<Essence> {
    let mut out: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.round,
                r.index,
                r.params.clone(),
                r.returns.clone(),
                r.env_steps,
            )
        })
        .collect();
    out.sort_by_key(|r| (r.0, r.1));
    out
}

#[test]
fn tuner_balances_cartpole_within_150k_env_steps() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = OptimizeSettings::new("CartPole-v1");
    settings.budget_env_steps = Some(150_000);
    let (outcome, run) = tune(&settings, dir.path());
    assert_eq!(outcome.stop, StopReason::RewardThreshold, "{outcome:?}");
    let best = run.best().unwrap();
    assert!(best.score().unwrap() >= 475.0, "{best:?}");
    // The best policy is on disk and is the best candidate's source.
    let best_file = std::fs::read_to_string(dir.path().join("best.py")).unwrap();
    assert_eq!(best_file, best.source);
    // The start policy (round 0) is far from it: the tuner did the work.
    assert!(run.record(0, 0).unwrap().score().unwrap() < 100.0);
}

#[test]
fn tuner_swings_up_pendulum_better_than_minus_200_within_250k_env_steps() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = OptimizeSettings::new("Pendulum-v1");
    settings.rounds = 30;
    settings.budget_env_steps = Some(250_000);
    let (outcome, run) = tune(&settings, dir.path());
    assert!(outcome.env_steps <= 250_000 + 16 * 5 * 200, "{outcome:?}");
    let best = run.best().unwrap().score().unwrap();
    assert!(best > -200.0, "best {best}");
    assert!(run.record(0, 0).unwrap().score().unwrap() < -500.0);
}

#[test]
fn crashing_candidates_are_recorded_as_failures_and_the_run_goes_on() {
    // Half the constant's range makes the policy raise: those candidates crash, the rest score.
    let source = "LIMIT = 0.0\ndef act(obs):\n    if LIMIT > 0.5:\n        raise ValueError('too far')\n    return 1 if obs.pole_angle > LIMIT else 0\n";
    let dir = tempfile::tempdir().unwrap();
    let mut settings = OptimizeSettings::new("CartPole-v1");
    settings.start_source = Some(source.into());
    settings.rounds = 2;
    settings.candidates_per_round = 12;
    settings.episodes_per_candidate = 2;
    let (outcome, run) = tune(&settings, dir.path());
    let crashed: Vec<_> = run.records().iter().filter(|r| r.crash.is_some()).collect();
    assert!(!crashed.is_empty());
    for record in &crashed {
        assert_eq!(record.score(), None);
        let crash = record.crash.as_ref().unwrap();
        assert_eq!(crash.exception_type.as_deref(), Some("ValueError"));
    }
    assert_eq!(outcome.evaluated, 1 + 2 * 12);
    assert!(outcome.best_score.is_some());
}

#[test]
fn a_start_policy_that_does_not_parse_is_refused_before_anything_runs() {
    let mut settings = OptimizeSettings::new("CartPole-v1");
    settings.start_source = Some("def act(obs)\n    return 0.5\n".into());
    assert!(matches!(
        settings.manifest(),
        Err(optimize::OptimizeError::StartSource(_))
    ));
    assert!(matches!(
        OptimizeSettings::new("NoSuchEnv-v0").manifest(),
        Err(optimize::OptimizeError::UnknownEnv(_))
    ));
}

#[test]
fn a_resumed_run_loses_and_repeats_nothing() {
    let mut settings = OptimizeSettings::new("CartPole-v1");
    settings.rounds = 3;
    settings.candidates_per_round = 6;
    settings.episodes_per_candidate = 2;
    settings.seed = 5;
    // Whether or not the threshold stops it early, both runs stop at the same point.
    let whole_dir = tempfile::tempdir().unwrap();
    let (whole, whole_run) = tune(&settings, whole_dir.path());

    // The same run, killed after 7 records with an eighth half written.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        whole_dir.path().join("run.json"),
        dir.path().join("run.json"),
    )
    .unwrap();
    let log = std::fs::read_to_string(whole_dir.path().join("candidates.jsonl")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let mut cut: String = lines[..7].iter().map(|l| format!("{l}\n")).collect();
    cut.push_str(&lines[7][..lines[7].len() / 2]);
    std::fs::write(dir.path().join("candidates.jsonl"), cut).unwrap();

    let mut run = RunDir::open(dir.path()).unwrap();
    assert_eq!(run.records().len(), 7);
    let resumed = optimize::run(engine(), &mut run, 0, &mut |_| {}).unwrap();
    assert_eq!(resumed.resumed, 7);
    assert_eq!(resumed.evaluated + 7, whole.evaluated);
    assert_eq!(essence(run.records()), essence(whole_run.records()));
    assert_eq!(resumed.best_score, whole.best_score);
}

#[test]
fn kill_9_during_optimize_then_resume_finishes_the_same_run() {
    let exe = env!("CARGO_BIN_EXE_ppo-sandbox");
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let args = |run_dir: &Path| {
        vec![
            "optimize".to_string(),
            "--env".into(),
            "Pendulum-v1".into(),
            "--rounds".into(),
            "4".into(),
            "--candidates".into(),
            "8".into(),
            "--episodes".into(),
            "2".into(),
            "--jobs".into(),
            "2".into(),
            "--run-dir".into(),
            run_dir.display().to_string(),
        ]
    };
    let mut child = Command::new(exe)
        .args(args(&run_dir))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let log = run_dir.join("candidates.jsonl");
    let started = Instant::now();
    while std::fs::read_to_string(&log).map_or(0, |t| t.lines().count()) < 6 {
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let kept = RunDir::open(&run_dir).unwrap().records().len();
    assert!((6..1 + 4 * 8).contains(&kept), "kept {kept}");

    let status = Command::new(exe)
        .args([
            "optimize",
            "--resume",
            &run_dir.display().to_string(),
            "--json",
        ])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let outcome: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(outcome["resumed"].as_u64(), Some(kept as u64));

    // An uninterrupted run of the same settings evaluated exactly the same candidates.
    let whole_dir = dir.path().join("whole");
    let whole = Command::new(exe).args(args(&whole_dir)).output().unwrap();
    assert!(whole.status.success());
    let records = |path: &Path| RunDir::open(path).unwrap().records().to_vec();
    assert_eq!(essence(&records(&run_dir)), essence(&records(&whole_dir)));
}

#[test]
fn worker_processes_give_the_same_records_as_threads() {
    let mut settings = OptimizeSettings::new("CartPole-v1");
    settings.rounds = 2;
    settings.candidates_per_round = 6;
    settings.episodes_per_candidate = 2;
    settings.seed = 3;
    let threads_dir = tempfile::tempdir().unwrap();
    let (threads, threads_run) = tune(&settings, threads_dir.path());

    let dir = tempfile::tempdir().unwrap();
    let mut run = RunDir::create(dir.path(), settings.manifest().unwrap()).unwrap();
    let workers = worker_processes(2);
    let processes = optimize::run_with(engine(), &mut run, None, &workers, &mut |_| {}).unwrap();
    assert_eq!(processes.evaluated, threads.evaluated);
    assert!(run.records().iter().all(|r| r.failure.is_none()));
    assert_eq!(essence(run.records()), essence(threads_run.records()));
    let fuel = |records: &[CandidateRecord]| {
        let mut fuel: Vec<_> = records
            .iter()
            .map(|r| (r.round, r.index, r.fuel_used))
            .collect();
        fuel.sort();
        fuel
    };
    assert_eq!(fuel(run.records()), fuel(threads_run.records()));
}

#[test]
fn worker_processes_give_the_same_self_play_records_as_threads() {
    // A multi-agent world: each candidate plays self-play in a worker process.
    let mut settings = OptimizeSettings::new("Gathering-v0");
    settings.num_agents = Some(2);
    settings.rounds = 1;
    settings.candidates_per_round = 3;
    settings.episodes_per_candidate = 2;
    settings.seed = 5;
    let threads_dir = tempfile::tempdir().unwrap();
    let (_, threads_run) = tune(&settings, threads_dir.path());

    let dir = tempfile::tempdir().unwrap();
    let mut run = RunDir::create(dir.path(), settings.manifest().unwrap()).unwrap();
    let workers = worker_processes(2);
    optimize::run_with(engine(), &mut run, None, &workers, &mut |_| {}).unwrap();
    assert!(run.records().iter().all(|r| r.failure.is_none()));
    assert!(run.records().iter().all(|r| r.metrics.is_some()));
    assert_eq!(essence(run.records()), essence(threads_run.records()));
    let metrics = |run: &RunDir| -> Vec<_> {
        let mut all: Vec<_> = run
            .records()
            .iter()
            .map(|r| (r.round, r.index, r.fuel_used, format!("{:?}", r.metrics)))
            .collect();
        all.sort();
        all
    };
    assert_eq!(metrics(&run), metrics(&threads_run));
}

#[test]
fn a_worker_process_that_dies_is_a_recorded_failure_not_the_end_of_the_run() {
    let mut settings = OptimizeSettings::new("CartPole-v1");
    settings.rounds = 1;
    settings.candidates_per_round = 3;
    let dir = tempfile::tempdir().unwrap();
    let mut run = RunDir::create(dir.path(), settings.manifest().unwrap()).unwrap();
    // `false` exits at once without answering.
    let workers = Workers::processes(2, "false", Vec::<String>::new());
    let outcome = optimize::run_with(engine(), &mut run, None, &workers, &mut |_| {}).unwrap();
    assert_eq!(outcome.evaluated, 4);
    assert_eq!(outcome.best_score, None);
    for record in run.records() {
        let failure = record.failure.as_deref().unwrap();
        assert!(failure.contains("rollout worker failed"), "{failure}");
        assert_eq!(record.score(), None);
    }
    let workers = Workers::processes(1, "/no/such/program", Vec::<String>::new());
    let dir = tempfile::tempdir().unwrap();
    let mut run = RunDir::create(dir.path(), settings.manifest().unwrap()).unwrap();
    optimize::run_with(engine(), &mut run, None, &workers, &mut |_| {}).unwrap();
    let failure = run.records()[0].failure.as_deref().unwrap();
    assert!(
        failure.contains("cannot start /no/such/program"),
        "{failure}"
    );
}

/// Regression: a worker that exited before reading a request used to be reported as a
/// broken pipe or as an exit, depending on which the writer saw first.
#[test]
fn a_worker_that_exits_before_reading_a_long_request_is_reported_as_exiting() {
    // A megabyte does not fit in a pipe's buffer, so the write meets the closed pipe.
    let source = format!("# {}\ndef act(obs):\n    return 0\n", "x".repeat(1 << 20));
    let request = RolloutRequest {
        env_id: "CartPole-v1".into(),
        source,
        config: RolloutConfig::default(),
    };
    let mut worker = RolloutProcess::new("false".into(), Vec::new());
    for _ in 0..3 {
        let error = worker.rollout(&request).unwrap_err();
        assert!(
            error.contains("exited (exit status: 1) without answering"),
            "{error}"
        );
    }
}

#[test]
fn the_rollout_worker_protocol_answers_every_line() {
    let source = "def act(obs):\n    return 1 if obs.pole_angle > 0 else 0\n";
    let request = RolloutRequest {
        env_id: "CartPole-v1".into(),
        source: source.into(),
        config: RolloutConfig {
            episodes: 2,
            seed: 9,
            ..RolloutConfig::default()
        },
    };
    let unknown_env = RolloutRequest {
        env_id: "NoSuchEnv-v0".into(),
        ..request.clone()
    };
    let input = format!(
        "{}\nnot json\n\n{}\n",
        serde_json::to_string(&request).unwrap(),
        serde_json::to_string(&unknown_env).unwrap()
    );
    let answers = serve(&input);
    assert_eq!(answers.len(), 3);
    let mut env = ppo_sandbox_engine::envs::make("CartPole-v1").unwrap();
    let local = rollout(
        engine(),
        &PolicySource::python(source),
        env.as_mut(),
        &request.config,
    );
    assert_eq!(answers[0], RolloutResponse::Report(local));
    assert!(matches!(&answers[1], RolloutResponse::Error(e) if e.contains("bad rollout request")));
    assert!(matches!(&answers[2], RolloutResponse::Error(e) if e.contains("NoSuchEnv-v0")));
}
