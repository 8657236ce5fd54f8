//! The optimizer: turns rollouts into better policies.
//!
//! Two proposers, used alone or together. A model ([`ModelProposer`], over the providers of
//! [`crate::llm`]) writes candidates from prompts (`prompts/*.j2`): a first request, then
//! refinement with the history of earlier candidates (source, returns, crash reports), and a
//! repair request for each crashed candidate. The built-in tuner needs no model: it finds the
//! float constants of a policy with the Python parser and tunes them with the cross-entropy
//! method; after model rounds it fits the constants of the model's best policy. Every
//! candidate is evaluated in the sandbox, in parallel; a bad candidate (crash, no code, failed
//! call) is recorded and scored as failed, never the end of the run.
//!
//! A run lives in a [`RunDir`]: each finished evaluation is on disk at once, and a killed run
//! resumes where it stopped, re-running nothing it had finished.
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
mod extract;
mod feedback;
mod model;
mod prompts;
mod run_dir;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::Instant;

pub use cem::Cem;
pub use constants::{SourceSyntaxError, TunableSource};
pub use extract::extract_code;
pub use feedback::{builtin_summary, model_summary};
pub use model::ModelProposer;
pub use prompts::{HistoryEntry, PromptError, Prompts};
pub use run_dir::{
    CandidateRecord, ModelCall, ModelSettings, Origin, ProviderSpec, RunDir, RunDirError,
    RunManifest, SocialFeedback, best_of,
};

use crate::envs;
use crate::workers::{MatchRequest, RolloutProcess, RolloutRequest, WireSource, Workers};
use crate::{Engine, Limits, PolicySource, RolloutConfig, RolloutReport, rollout};

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
    /// Ask a model for candidates (then tune the best one's constants); `None`: tune only.
    pub model: Option<ModelSettings>,
    pub budget_tokens: Option<u64>,
    pub budget_usd: Option<f64>,
    /// Multi-agent worlds: agents in self-play (`None`: the world's default).
    pub num_agents: Option<usize>,
    /// Multi-agent worlds: sparse (mean return) or dense (plus social metrics) feedback.
    pub social_feedback: SocialFeedback,
}

/// What the optimizer needs to know of the environment it optimizes for.
struct EnvFacts {
    prompt_text: String,
    starter_policy: String,
    threshold: Option<f64>,
    multi_agent: bool,
}

impl EnvFacts {
    /// A single-agent env of the registry, or a multi-agent world of the parallel registry
    /// (made with `num_agents`).
    fn of(env_id: &str, num_agents: Option<usize>) -> Result<EnvFacts, OptimizeError> {
        let unknown = || OptimizeError::UnknownEnv(env_id.to_owned());
        let worlds = envs::ParallelRegistry::default();
        if worlds.contains(env_id) {
            let description = worlds
                .describe(env_id, num_agents)
                .map_err(|error| OptimizeError::Settings(error.to_string()))?;
            return Ok(EnvFacts {
                prompt_text: description.to_prompt_text(),
                starter_policy: description.starter_policy.clone(),
                threshold: None,
                multi_agent: true,
            });
        }
        let env = envs::make(env_id).map_err(|_| unknown())?;
        let description = env.description();
        Ok(EnvFacts {
            prompt_text: description.to_prompt_text(),
            starter_policy: description.starter_policy.clone(),
            threshold: description.reward_threshold,
            multi_agent: false,
        })
    }
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
            model: None,
            budget_tokens: None,
            budget_usd: None,
            num_agents: None,
            social_feedback: SocialFeedback::Sparse,
        }
    }

    /// The manifest of a run with these settings: checks that the environment exists and
    /// that the start policy parses.
    pub fn manifest(&self) -> Result<RunManifest, OptimizeError> {
        let env = EnvFacts::of(&self.env_id, self.num_agents)?;
        let start_source = match &self.start_source {
            Some(source) => source.clone(),
            None => env.starter_policy,
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
            proposer: match &self.model {
                None => "tuner".into(),
                Some(model) => match &model.provider {
                    ProviderSpec::Http(config) => {
                        format!("{:?}:{}", config.api, config.model).to_lowercase()
                    }
                    ProviderSpec::Replay { .. } => "replay".into(),
                },
            },
            seed: self.seed,
            rounds: self.rounds,
            candidates_per_round: self.candidates_per_round,
            episodes_per_candidate: self.episodes_per_candidate,
            budget_env_steps: self.budget_env_steps,
            max_episode_steps: self.max_episode_steps,
            limits: self.limits.clone(),
            start_source,
            model: self.model.clone(),
            budget_tokens: self.budget_tokens,
            budget_usd: self.budget_usd,
            num_agents: self.num_agents,
            social_feedback: self.social_feedback,
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
    #[error("the model cannot be used: {0}")]
    Model(#[from] crate::llm::LlmError),
    #[error(transparent)]
    Prompt(#[from] PromptError),
    #[error("no evaluation thread could be started: {0}")]
    Threads(std::io::Error),
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The best policy reached the environment's reward threshold.
    RewardThreshold,
    /// The environment-step budget was spent.
    Budget,
    /// The model calls used up the token budget.
    TokenBudget,
    /// The model calls used up the cost budget.
    CostBudget,
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
    /// Model tokens used, input and output together.
    pub tokens: u64,
    /// Model cost in US dollars, where prices are known.
    pub cost_usd: f64,
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

/// A candidate about to be evaluated (or, with a `failure`, recorded as failed).
struct Pending {
    index: u32,
    attempt: u32,
    origin: Origin,
    params: Vec<f64>,
    source: String,
    model_call: Option<ModelCall>,
    failure: Option<String>,
}

/// What every round of a run shares.
struct Session<'a> {
    engine: &'a Engine,
    manifest: RunManifest,
    env_description: String,
    threshold: Option<f64>,
    /// The environment is a multi-agent world: candidates are scored in self-play.
    multi_agent: bool,
    workers: Workers,
    /// Worker processes between rounds.
    idle_processes: Mutex<Vec<RolloutProcess>>,
    spent: AtomicU64,
    evaluated: usize,
    resumed: usize,
}

impl Session<'_> {
    fn tokens(run: &RunDir) -> u64 {
        run.records()
            .iter()
            .filter_map(|r| r.model_call.as_ref())
            .map(|c| c.input_tokens + c.output_tokens)
            .sum()
    }

    fn cost(run: &RunDir) -> f64 {
        run.records()
            .iter()
            .filter_map(|r| r.model_call.as_ref()?.cost_usd)
            .sum()
    }

    /// Why the run must stop before another round, if it must.
    fn stop_reason(&self, run: &RunDir) -> Option<StopReason> {
        let best = run.best().and_then(CandidateRecord::score);
        if self.threshold.is_some_and(|t| best.is_some_and(|s| s >= t)) {
            return Some(StopReason::RewardThreshold);
        }
        if self
            .manifest
            .budget_env_steps
            .is_some_and(|budget| self.spent.load(Ordering::Relaxed) >= budget)
        {
            return Some(StopReason::Budget);
        }
        if self
            .manifest
            .budget_tokens
            .is_some_and(|budget| Session::tokens(run) >= budget)
        {
            return Some(StopReason::TokenBudget);
        }
        if self
            .manifest
            .budget_usd
            .is_some_and(|budget| Session::cost(run) >= budget)
        {
            return Some(StopReason::CostBudget);
        }
        None
    }

    fn outcome(&self, stop: StopReason, run: &RunDir) -> OptimizeOutcome {
        OptimizeOutcome {
            stop,
            best_score: run.best().and_then(CandidateRecord::score),
            env_steps: self.spent.load(Ordering::Relaxed),
            tokens: Session::tokens(run),
            cost_usd: Session::cost(run),
            evaluated: self.evaluated,
            resumed: self.resumed,
        }
    }
}

/// Runs (or resumes) the run in `run` on `jobs` threads (0: one per core). With a model in
/// the manifest, its rounds come first (each crashed candidate sent back for repair), then
/// the tuner fits the constants of the model's best policy.
pub fn run(
    engine: &Engine,
    run: &mut RunDir,
    jobs: usize,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<OptimizeOutcome, OptimizeError> {
    let proposer = match &run.manifest().model {
        Some(settings) => Some(ModelProposer::new(settings)?),
        None => None,
    };
    let workers = Workers::threads(jobs);
    run_with(engine, run, proposer.as_ref(), &workers, progress)
}

/// [`run`] with a model proposer built by the caller (say, around an in-memory replay;
/// `None` tunes constants only) and candidates evaluated by `workers`: threads, or child
/// processes, which scale better with the cores (see [`Workers`]). Either gives the same
/// records.
pub fn run_with(
    engine: &Engine,
    run: &mut RunDir,
    proposer: Option<&ModelProposer>,
    workers: &Workers,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<OptimizeOutcome, OptimizeError> {
    let outcome = run_rounds(engine, run, proposer, workers, progress);
    // The last round's records, and on an error whatever was written before it.
    let synced = run.sync();
    let outcome = outcome?;
    synced?;
    Ok(outcome)
}

fn run_rounds(
    engine: &Engine,
    run: &mut RunDir,
    proposer: Option<&ModelProposer>,
    workers: &Workers,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<OptimizeOutcome, OptimizeError> {
    let manifest = run.manifest().clone();
    let env = EnvFacts::of(&manifest.env_id, manifest.num_agents)?;
    let start = TunableSource::parse(&manifest.start_source)?;
    if let Workers::Processes { .. } = workers {
        // The workers load the guest from the shared cache: fill it once, here, rather than
        // in each of them at once. A failure shows again, per candidate, in the workers.
        let _ = engine.prepare_python();
    }
    let mut session = Session {
        engine,
        env_description: env.prompt_text,
        threshold: env.threshold,
        multi_agent: env.multi_agent,
        workers: workers.clone(),
        idle_processes: Mutex::new(Vec::new()),
        spent: AtomicU64::new(run.records().iter().map(|r| r.env_steps).sum()),
        evaluated: 0,
        resumed: run.records().len(),
        manifest,
    };

    // Round 0: the start policy as given.
    if run.record(0, 0).is_none() {
        let pending = vec![Pending {
            index: 0,
            attempt: 0,
            origin: Origin::Start,
            params: start.values(),
            source: start.source().to_owned(),
            model_call: None,
            failure: None,
        }];
        evaluate_round(&mut session, run, 0, pending, progress)?;
    }

    let model_rounds = match proposer {
        Some(proposer) => {
            ensure_feedback_class(&session, run, proposer)?;
            for round in 1..=session.manifest.rounds {
                if let Some(stop) = session.stop_reason(run) {
                    return Ok(session.outcome(stop, run));
                }
                model_round(&mut session, run, proposer, round, progress)?;
            }
            session.manifest.rounds
        }
        None => 0,
    };

    // The tuner: from the start policy, or after model rounds from the best model candidate.
    let (tunable, tune_rounds) = match proposer {
        None => (start, session.manifest.rounds),
        Some(proposer) => {
            let best = best_of(run.records()).filter(|r| r.round <= model_rounds);
            match best.map(|r| TunableSource::parse(&r.source)) {
                Some(Ok(tunable)) => (tunable, proposer.settings().tune_rounds),
                _ => (start, 0),
            }
        }
    };
    if tune_rounds > 0 && tunable.values().is_empty() {
        return Ok(session.outcome(StopReason::NothingToTune, run));
    }
    let mut cem = Cem::new(&tunable.values());
    for round in model_rounds + 1..=model_rounds + tune_rounds {
        if let Some(stop) = session.stop_reason(run) {
            return Ok(session.outcome(stop, run));
        }
        let candidates = cem.sample(
            session.manifest.seed,
            round,
            session.manifest.candidates_per_round as usize,
        );
        let pending: Vec<Pending> = candidates
            .iter()
            .enumerate()
            .filter(|(index, _)| run.record(round, *index as u32).is_none())
            .map(|(index, params)| Pending {
                index: index as u32,
                attempt: 0,
                origin: Origin::Tuner,
                params: params.clone(),
                source: tunable.render(params),
                model_call: None,
                failure: None,
            })
            .collect();
        evaluate_round(&mut session, run, round, pending, progress)?;
        if (0..candidates.len()).any(|index| run.record(round, index as u32).is_none()) {
            // Only the budget leaves a round unfinished.
            return Ok(session.outcome(StopReason::Budget, run));
        }
        let scored: Vec<(Vec<f64>, Option<f64>)> = (0..candidates.len() as u32)
            .filter_map(|index| run.record(round, index))
            .map(|record| (record.params.clone(), record.score()))
            .collect();
        cem.update(round, &scored);
    }
    let stop = session.stop_reason(run).unwrap_or(StopReason::Rounds);
    Ok(session.outcome(stop, run))
}

/// One model round: a request per missing candidate, then repairs of crashed ones.
fn model_round(
    session: &mut Session<'_>,
    run: &mut RunDir,
    proposer: &ModelProposer,
    round: u32,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<(), OptimizeError> {
    let count = session.manifest.candidates_per_round;
    let missing: Vec<u32> = (0..count)
        .filter(|&index| run.record(round, index).is_none())
        .collect();
    if !missing.is_empty() {
        let earlier_model_work = run.records().iter().any(|r| r.round > 0);
        let prompt = if earlier_model_work {
            let feedback_source = run.read_file(FEEDBACK_FILE);
            let stats = |record: &CandidateRecord| {
                trajectory_feedback(session, record, feedback_source.as_deref())
            };
            let dense =
                session.multi_agent && session.manifest.social_feedback == SocialFeedback::Dense;
            proposer.refine_prompt(
                &session.env_description,
                run.records(),
                session.threshold,
                &stats,
                dense,
            )?
        } else {
            proposer.first_prompt(&session.env_description, run.record(0, 0))?
        };
        let proposals = proposer.propose(vec![prompt; missing.len()])?;
        let pending = missing
            .iter()
            .zip(proposals)
            .map(|(&index, proposal)| pending_from(index, 0, Origin::Model, proposal))
            .collect();
        evaluate_round(session, run, round, pending, progress)?;
    }
    for attempt in 1..=proposer.settings().max_repairs {
        if session.stop_reason(run).is_some() {
            return Ok(());
        }
        // Crashed candidates whose latest version is the previous attempt.
        let crashed: Vec<CandidateRecord> = (0..count)
            .filter_map(|index| run.latest(round, index))
            .filter(|r| r.crash.is_some() && r.failure.is_none() && r.attempt + 1 == attempt)
            .cloned()
            .collect();
        if crashed.is_empty() {
            return Ok(());
        }
        let prompts = crashed
            .iter()
            .map(|record| proposer.repair_prompt(&session.env_description, record))
            .collect::<Result<Vec<_>, _>>()?;
        let proposals = proposer.propose(prompts)?;
        let pending = crashed
            .iter()
            .zip(proposals)
            .map(|(record, proposal)| pending_from(record.index, attempt, Origin::Repair, proposal))
            .collect();
        evaluate_round(session, run, round, pending, progress)?;
    }
    Ok(())
}

/// Where a model-written `Feedback` class is kept in the run directory.
const FEEDBACK_FILE: &str = "feedback.py";

/// Asks the model once for its `Feedback` class (kept for resumes); an answer without usable
/// code leaves the built-in statistics alone in the prompts.
fn ensure_feedback_class(
    session: &Session<'_>,
    run: &RunDir,
    proposer: &ModelProposer,
) -> Result<(), OptimizeError> {
    if !proposer.settings().model_feedback || run.read_file(FEEDBACK_FILE).is_some() {
        return Ok(());
    }
    let prompt = proposer.feedback_prompt(&session.env_description)?;
    if let Some(source) = proposer.propose(vec![prompt])?.pop().and_then(|p| p.source) {
        run.write_file(FEEDBACK_FILE, &source)?;
    }
    Ok(())
}

/// One recorded episode of `record`'s policy, summarized: the built-in statistics, then the
/// model-written summary when there is a `Feedback` class (or why it failed).
fn trajectory_feedback(
    session: &Session<'_>,
    record: &CandidateRecord,
    feedback_source: Option<&str>,
) -> Option<String> {
    if record.source.is_empty() || record.failure.is_some() {
        return None;
    }
    let mut env = envs::make(&session.manifest.env_id).ok()?;
    let trajectory = crate::record_episode(
        session.engine,
        &PolicySource::python(record.source.clone()),
        env.as_mut(),
        session.manifest.seed,
        session.manifest.max_episode_steps,
        &session.manifest.limits,
    )
    .ok()?;
    let description = env.description();
    let mut text = builtin_summary(&trajectory, description);
    if let Some(feedback) = feedback_source {
        match model_summary(
            session.engine,
            feedback,
            &trajectory,
            description,
            &session.manifest.limits,
        ) {
            Ok(summary) => {
                text.push_str("\nFeedback summary: ");
                text.push_str(&summary);
            }
            Err(problem) => {
                text.push_str("\n(the Feedback class failed: ");
                text.push_str(&prompts::quote(&problem));
                text.push(')');
            }
        }
    }
    Some(text)
}

fn pending_from(index: u32, attempt: u32, origin: Origin, proposal: model::Proposal) -> Pending {
    let params = proposal
        .source
        .as_deref()
        .and_then(|source| TunableSource::parse(source).ok())
        .map(|tunable| tunable.values())
        .unwrap_or_default();
    Pending {
        index,
        attempt,
        origin,
        params,
        source: proposal.source.unwrap_or_default(),
        model_call: proposal.call,
        failure: proposal.failure,
    }
}

/// Evaluates `pending` on the session's threads, appending each record to `run` as it
/// finishes; stops handing out candidates once the step budget is spent.
fn evaluate_round(
    session: &mut Session<'_>,
    run: &mut RunDir,
    round: u32,
    pending: Vec<Pending>,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<(), OptimizeError> {
    progress(Progress::Round {
        round,
        pending: pending.len(),
    });
    if pending.is_empty() {
        return Ok(());
    }
    let workers = session.workers.count().min(pending.len()).max(1);
    let queue = Mutex::new(VecDeque::from(pending));
    let (done, finished) = mpsc::channel::<CandidateRecord>();
    // Episodes of one round share their seeds, so candidates are compared on equal terms.
    let episode_seed = session
        .manifest
        .seed
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(u64::from(round) * 1_000_003);
    let session_ref = &*session;
    let count = std::thread::scope(|scope| -> Result<usize, OptimizeError> {
        let mut started = 0;
        let mut spawn_error = None;
        for _ in 0..workers {
            let done = done.clone();
            let queue = &queue;
            let worker = std::thread::Builder::new()
                .name("ppo-sandbox-evaluate".into())
                .stack_size(session_ref.engine.thread_stack_bytes());
            let spawned = worker.spawn_scoped(scope, move || {
                let Ok(mut evaluator) = Evaluator::new(session_ref) else {
                    return;
                };
                while session_ref
                    .manifest
                    .budget_env_steps
                    .is_none_or(|budget| session_ref.spent.load(Ordering::Relaxed) < budget)
                {
                    let next = queue
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .pop_front();
                    let Some(candidate) = next else { break };
                    let record =
                        evaluate(session_ref, &mut evaluator, round, candidate, episode_seed);
                    session_ref
                        .spent
                        .fetch_add(record.env_steps, Ordering::Relaxed);
                    if done.send(record).is_err() {
                        break;
                    }
                }
                evaluator.give_back(session_ref);
            });
            match spawned {
                Ok(_) => started += 1,
                Err(error) => spawn_error = Some(error),
            }
        }
        drop(done);
        if started == 0
            && let Some(error) = spawn_error
        {
            return Err(OptimizeError::Threads(error));
        }
        // The earlier rounds' records go to disk while this round runs, off its critical path.
        run.sync()?;
        let mut count = 0;
        for record in finished {
            run.append(record)?;
            count += 1;
            let record = run.records().last().expect("just appended");
            progress(Progress::Evaluated {
                record,
                best_score: best_of(run.records()).and_then(CandidateRecord::score),
                env_steps: session_ref.spent.load(Ordering::Relaxed),
            });
        }
        Ok(count)
    })?;
    session.evaluated += count;
    Ok(())
}

/// Scores a candidate in self-play: every agent of the world runs it in its own sandbox.
/// Its returns are the episodes' mean agent returns; any agent's failure is the candidate's
/// crash (scored as failed), with the first one as its report.
fn self_play_record(
    session: &Session<'_>,
    evaluator: &mut Evaluator,
    record: &mut CandidateRecord,
    episode_seed: u64,
) {
    let config = crate::MatchConfig {
        episodes: session.manifest.episodes_per_candidate,
        seed: episode_seed,
        // The round's candidates already run in parallel.
        threads: 1,
        limits: session.manifest.limits.clone(),
    };
    let source = PolicySource::python(record.source.clone());
    let env_id = &session.manifest.env_id;
    let played = match evaluator {
        Evaluator::Process(process) => crate::multi_agent::agent_count(
            &envs::ParallelRegistry::default(),
            env_id,
            session.manifest.num_agents,
        )
        .map_err(|error| error.to_string())
        .and_then(|agents| {
            let request = MatchRequest {
                env_id: env_id.clone(),
                sources: vec![WireSource::from(&source)],
                assignment: vec![0; agents],
                config: config.clone(),
                episodes: (0..config.episodes).collect(),
            };
            let episodes = process.play(&request)?;
            Ok(crate::MatchReport {
                env_id: env_id.clone(),
                num_agents: agents,
                assignment: request.assignment,
                episodes,
            })
        }),
        _ => crate::self_play(
            session.engine,
            &source,
            env_id,
            session.manifest.num_agents,
            &config,
        )
        .map_err(|error| error.to_string()),
    };
    match played {
        Ok(report) => {
            record.crash = report.crashes().next().map(|(_, _, crash)| crash.clone());
            record.returns = report
                .episodes
                .iter()
                .map(|e| {
                    e.agents.iter().map(|a| a.episode_return).sum::<f64>()
                        / e.agents.len().max(1) as f64
                })
                .collect();
            record.mean_return = report.mean_return();
            record.env_steps = report.episodes.iter().map(|e| e.length).sum();
            record.fuel_used = report
                .episodes
                .iter()
                .flat_map(|e| &e.agents)
                .map(|a| a.fuel_used)
                .sum();
            record.metrics = Some(report.metrics());
        }
        Err(error) => record.failure = Some(error),
    }
}

/// Where one evaluation thread runs its rollouts.
enum Evaluator {
    /// On this thread, stepping its own environment.
    Local(Box<dyn envs::Env>),
    /// On this thread, in self-play in a multi-agent world.
    SelfPlay,
    /// In its own child process (a rollout, or self-play in a multi-agent world).
    Process(RolloutProcess),
}

impl Evaluator {
    /// An evaluator for one thread: a worker process left by an earlier round if there is
    /// one (starting a process costs far more than a round's candidate), else a new one.
    fn new(session: &Session<'_>) -> Result<Evaluator, envs::EnvError> {
        Ok(match &session.workers {
            Workers::Threads { .. } if session.multi_agent => Evaluator::SelfPlay,
            Workers::Threads { .. } => Evaluator::Local(envs::make(&session.manifest.env_id)?),
            Workers::Processes { program, args, .. } => {
                let idle = session
                    .idle_processes
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .pop();
                Evaluator::Process(
                    idle.unwrap_or_else(|| RolloutProcess::new(program.clone(), args.clone())),
                )
            }
        })
    }

    /// Keeps a worker process for the next round.
    fn give_back(self, session: &Session<'_>) {
        if let Evaluator::Process(process) = self {
            session
                .idle_processes
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(process);
        }
    }

    fn rollout(
        &mut self,
        engine: &Engine,
        env_id: &str,
        source: &str,
        config: RolloutConfig,
    ) -> Result<RolloutReport, String> {
        match self {
            Evaluator::Local(env) => Ok(rollout(
                engine,
                &PolicySource::python(source),
                env.as_mut(),
                &config,
            )),
            Evaluator::SelfPlay => Err("self-play is evaluated by `self_play_record`".into()),
            Evaluator::Process(process) => process.rollout(&RolloutRequest {
                env_id: env_id.to_owned(),
                source: source.to_owned(),
                config,
            }),
        }
    }
}

fn evaluate(
    session: &Session<'_>,
    evaluator: &mut Evaluator,
    round: u32,
    candidate: Pending,
    episode_seed: u64,
) -> CandidateRecord {
    let started = Instant::now();
    let mut record = CandidateRecord {
        round,
        index: candidate.index,
        params: candidate.params,
        source: candidate.source,
        returns: Vec::new(),
        mean_return: None,
        env_steps: 0,
        fuel_used: 0,
        crash: None,
        elapsed_ms: 0,
        origin: candidate.origin,
        attempt: candidate.attempt,
        model_call: candidate.model_call,
        failure: candidate.failure,
        metrics: None,
    };
    if session.multi_agent {
        if record.failure.is_none() {
            self_play_record(session, evaluator, &mut record, episode_seed);
        }
        record.elapsed_ms = started.elapsed().as_millis() as u64;
        return record;
    }
    let report = match record.failure {
        Some(_) => None,
        None => evaluator
            .rollout(
                session.engine,
                &session.manifest.env_id,
                &record.source,
                RolloutConfig {
                    episodes: session.manifest.episodes_per_candidate,
                    seed: episode_seed,
                    max_steps: session.manifest.max_episode_steps,
                    limits: session.manifest.limits.clone(),
                },
            )
            .inspect_err(|error| record.failure = Some(error.clone()))
            .ok(),
    };
    if let Some(report) = report {
        record.crash = report.crashes().next().cloned();
        record.mean_return = report.mean_return();
        record.returns = report.returns();
        record.env_steps = report.total_steps();
        record.fuel_used = report.episodes.iter().map(|e| e.fuel_used).sum();
    }
    record.elapsed_ms = started.elapsed().as_millis() as u64;
    record
}
