//! The optimizer: turns rollouts into better policies.
//!
//! This first proposer needs no model: it finds the float constants of a start policy (the
//! environment's starter policy, or any Python source) and tunes them with the cross-entropy
//! method, every candidate evaluated in the sandbox, in parallel. A run lives in a
//! [`RunDir`]: each finished evaluation is on disk at once, and a killed run resumes where it
//! stopped, re-running nothing it had finished.
//!
//! ```no_run
//! use ppo_sandbox_engine::optimize::{self, OptimizeSettings, RunDir};
//! use ppo_sandbox_engine::{Engine, EngineConfig};
//!
//! let engine = Engine::new(EngineConfig::default())?;
//! let settings = OptimizeSettings::new("CartPole-v1");
//! let mut run = RunDir::create("runs/cartpole".as_ref(), settings.manifest()?)?;
//! let outcome = optimize::run(&engine, &mut run, 0, &mut |_| {})?;
//! println!("best {:?} ({:?})", outcome.best_score, outcome.stop);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cem;
mod constants;
mod run_dir;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::Instant;

pub use cem::Cem;
pub use constants::{SourceSyntaxError, TunableSource};
pub use run_dir::{CandidateRecord, RunDir, RunDirError, RunManifest, best_of};

use crate::envs;
use crate::{Engine, Limits, PolicySource, RolloutConfig, rollout};

/// What an optimize run is asked to do; [`OptimizeSettings::manifest`] turns it into the
/// run directory's manifest.
#[derive(Clone, Debug)]
pub struct OptimizeSettings {
    pub env_id: String,
    /// The policy to start from; `None` takes the environment's starter policy.
    pub start_source: Option<String>,
    pub rounds: u32,
    pub candidates_per_round: u32,
    pub episodes_per_candidate: u32,
    pub budget_env_steps: Option<u64>,
    pub max_episode_steps: Option<u64>,
    pub seed: u64,
    pub limits: Limits,
}

impl OptimizeSettings {
    /// Defaults: 10 rounds of 16 candidates, 5 episodes each, no step budget, seed 0.
    pub fn new(env_id: &str) -> OptimizeSettings {
        OptimizeSettings {
            env_id: env_id.to_owned(),
            start_source: None,
            rounds: 10,
            candidates_per_round: 16,
            episodes_per_candidate: 5,
            budget_env_steps: None,
            max_episode_steps: None,
            seed: 0,
            limits: Limits::default(),
        }
    }

    /// The manifest of a run with these settings: checks that the environment exists and
    /// that the start policy parses.
    pub fn manifest(&self) -> Result<RunManifest, OptimizeError> {
        let env =
            envs::make(&self.env_id).map_err(|_| OptimizeError::UnknownEnv(self.env_id.clone()))?;
        let start_source = match &self.start_source {
            Some(source) => source.clone(),
            None => env.description().starter_policy.clone(),
        };
        TunableSource::parse(&start_source)?;
        if self.candidates_per_round == 0 || self.episodes_per_candidate == 0 {
            return Err(OptimizeError::Settings(
                "candidates per round and episodes per candidate must be at least 1".into(),
            ));
        }
        Ok(RunManifest {
            format_version: 0,
            env_id: self.env_id.clone(),
            proposer: "tuner".into(),
            seed: self.seed,
            rounds: self.rounds,
            candidates_per_round: self.candidates_per_round,
            episodes_per_candidate: self.episodes_per_candidate,
            budget_env_steps: self.budget_env_steps,
            max_episode_steps: self.max_episode_steps,
            limits: self.limits.clone(),
            start_source,
        })
    }
}

/// A run that cannot go on (a bad candidate never is one: it is recorded and scored as
/// failed).
#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    #[error("unknown environment {0:?} (`ppo-sandbox envs` lists them)")]
    UnknownEnv(String),
    #[error("the start policy cannot be tuned: {0}")]
    StartSource(#[from] SourceSyntaxError),
    #[error("invalid settings: {0}")]
    Settings(String),
    #[error(transparent)]
    RunDir(#[from] RunDirError),
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The best policy reached the environment's reward threshold.
    RewardThreshold,
    /// The environment-step budget was spent.
    Budget,
    /// Every round ran.
    Rounds,
    /// The start policy has no float constant to tune.
    NothingToTune,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizeOutcome {
    pub stop: StopReason,
    pub best_score: Option<f64>,
    pub env_steps: u64,
    /// Candidates evaluated by this call (not counting those resumed from disk).
    pub evaluated: usize,
    /// Candidates found already evaluated in the run directory.
    pub resumed: usize,
}

/// What [`run`] reports as it goes.
#[derive(Debug)]
pub enum Progress<'a> {
    /// A round starts with `pending` candidates to evaluate.
    Round { round: u32, pending: usize },
    /// A candidate finished (and is on disk).
    Evaluated {
        record: &'a CandidateRecord,
        best_score: Option<f64>,
        env_steps: u64,
    },
}

/// Runs (or resumes) the run in `run` on `jobs` threads (0: one per core).
pub fn run(
    engine: &Engine,
    run: &mut RunDir,
    jobs: usize,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<OptimizeOutcome, OptimizeError> {
    let manifest = run.manifest().clone();
    let env = envs::make(&manifest.env_id)
        .map_err(|_| OptimizeError::UnknownEnv(manifest.env_id.clone()))?;
    let threshold = env.description().reward_threshold;
    let tunable = TunableSource::parse(&manifest.start_source)?;
    let jobs = match jobs {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let resumed = run.records().len();
    let spent = AtomicU64::new(run.records().iter().map(|r| r.env_steps).sum());
    let mut evaluated = 0;
    let budget_left = |spent: &AtomicU64| {
        manifest
            .budget_env_steps
            .is_none_or(|budget| spent.load(Ordering::Relaxed) < budget)
    };
    let outcome = |stop, run: &RunDir, spent: &AtomicU64, evaluated| OptimizeOutcome {
        stop,
        best_score: run.best().and_then(CandidateRecord::score),
        env_steps: spent.load(Ordering::Relaxed),
        evaluated,
        resumed,
    };
    let reached = |run: &RunDir| {
        threshold.is_some_and(|t| {
            run.best()
                .and_then(CandidateRecord::score)
                .is_some_and(|s| s >= t)
        })
    };

    let mut cem = Cem::new(&tunable.values());
    for round in 0..=manifest.rounds {
        if reached(run) {
            return Ok(outcome(StopReason::RewardThreshold, run, &spent, evaluated));
        }
        if !budget_left(&spent) {
            return Ok(outcome(StopReason::Budget, run, &spent, evaluated));
        }
        if round > 0 && tunable.values().is_empty() {
            return Ok(outcome(StopReason::NothingToTune, run, &spent, evaluated));
        }
        let candidates = if round == 0 {
            vec![tunable.values()]
        } else {
            cem.sample(manifest.seed, round, manifest.candidates_per_round as usize)
        };
        let pending: VecDeque<(u32, Vec<f64>)> = candidates
            .iter()
            .enumerate()
            .map(|(index, params)| (index as u32, params.clone()))
            .filter(|(index, _)| run.record(round, *index).is_none())
            .collect();
        progress(Progress::Round {
            round,
            pending: pending.len(),
        });
        evaluated += evaluate_round(
            engine, run, &manifest, &tunable, round, pending, jobs, &spent, progress,
        )?;
        if (0..candidates.len()).any(|index| run.record(round, index as u32).is_none()) {
            // Only the budget leaves a round unfinished.
            return Ok(outcome(StopReason::Budget, run, &spent, evaluated));
        }
        if round > 0 {
            let scored: Vec<(Vec<f64>, Option<f64>)> = (0..candidates.len() as u32)
                .filter_map(|index| run.record(round, index))
                .map(|record| (record.params.clone(), record.score()))
                .collect();
            cem.update(round, &scored);
        }
    }
    let stop = if reached(run) {
        StopReason::RewardThreshold
    } else {
        StopReason::Rounds
    };
    Ok(outcome(stop, run, &spent, evaluated))
}

/// Evaluates `pending` on `jobs` threads, appending each record to `run` as it finishes;
/// stops handing out candidates once the step budget is spent. Returns how many ran.
#[allow(clippy::too_many_arguments)]
fn evaluate_round(
    engine: &Engine,
    run: &mut RunDir,
    manifest: &RunManifest,
    tunable: &TunableSource,
    round: u32,
    pending: VecDeque<(u32, Vec<f64>)>,
    jobs: usize,
    spent: &AtomicU64,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<usize, OptimizeError> {
    let workers = jobs.min(pending.len()).max(1);
    let queue = Mutex::new(pending);
    let (done, finished) = mpsc::channel::<CandidateRecord>();
    // Episodes of one round share their seeds, so candidates are compared on equal terms.
    let episode_seed = manifest
        .seed
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(u64::from(round) * 1_000_003);
    std::thread::scope(|scope| -> Result<usize, OptimizeError> {
        for _ in 0..workers {
            let done = done.clone();
            let queue = &queue;
            scope.spawn(move || {
                let Ok(mut env) = envs::make(&manifest.env_id) else {
                    return;
                };
                loop {
                    if manifest
                        .budget_env_steps
                        .is_some_and(|budget| spent.load(Ordering::Relaxed) >= budget)
                    {
                        return;
                    }
                    let next = queue
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .pop_front();
                    let Some((index, params)) = next else { return };
                    let record = evaluate(
                        engine,
                        env.as_mut(),
                        manifest,
                        tunable,
                        round,
                        index,
                        params,
                        episode_seed,
                    );
                    spent.fetch_add(record.env_steps, Ordering::Relaxed);
                    if done.send(record).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done);
        let mut count = 0;
        for record in finished {
            run.append(record)?;
            count += 1;
            let record = run.records().last().expect("just appended");
            progress(Progress::Evaluated {
                record,
                best_score: best_of(run.records()).and_then(CandidateRecord::score),
                env_steps: spent.load(Ordering::Relaxed),
            });
        }
        Ok(count)
    })
}

#[allow(clippy::too_many_arguments)]
fn evaluate(
    engine: &Engine,
    env: &mut dyn envs::Env,
    manifest: &RunManifest,
    tunable: &TunableSource,
    round: u32,
    index: u32,
    params: Vec<f64>,
    episode_seed: u64,
) -> CandidateRecord {
    let source = if round == 0 {
        tunable.source().to_owned()
    } else {
        tunable.render(&params)
    };
    let started = Instant::now();
    let report = rollout(
        engine,
        &PolicySource::python(source.clone()),
        env,
        &RolloutConfig {
            episodes: manifest.episodes_per_candidate,
            seed: episode_seed,
            max_steps: manifest.max_episode_steps,
            limits: manifest.limits.clone(),
        },
    );
    let crash = report.crashes().next().cloned();
    CandidateRecord {
        round,
        index,
        params,
        source,
        mean_return: report.mean_return(),
        returns: report.returns(),
        env_steps: report.total_steps(),
        fuel_used: report.episodes.iter().map(|e| e.fuel_used).sum(),
        crash,
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}
