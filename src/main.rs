//! The `ppo-sandbox` command: parses arguments, calls the libraries, prints.

mod learning_curve;

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::IsTerminal;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use ppo_sandbox_engine::envs::{ParallelRegistry, Registry};
use ppo_sandbox_engine::llm::HttpProviderConfig;
use ppo_sandbox_engine::optimize::{
    self, CandidateRecord, ModelProposer, ModelSettings, OptimizeSettings, Progress, ProviderSpec,
    RunDir, SocialFeedback,
};
use ppo_sandbox_engine::{
    Engine, EngineConfig, Limits, MatchConfig, MatchReport, PolicySource, RolloutConfig,
    RolloutReport, Workers, play_registered_match, rollout,
};

/// The hidden subcommand `optimize` starts its worker processes with.
const ROLLOUT_WORKER_COMMAND: &str = "rollout-worker";

/// Exit status when every episode ran without a crash.
const EXIT_OK: u8 = 0;
/// Exit status for a bad request (unknown env, unreadable file, invalid limits).
const EXIT_ERROR: u8 = 1;
/// Exit status when the policy crashed (the report says how).
const EXIT_POLICY_CRASHED: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "ppo-sandbox",
    version,
    about = "Run model-written RL policies in a WebAssembly sandbox"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the environments.
    Envs {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print an environment's description, as the model is given it.
    Describe {
        env: String,
        /// Multi-agent worlds: the number of agents (default: the world's own).
        #[arg(long)]
        agents: Option<usize>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a policy (Python `.py`, or a `.wasm`/`.wat` module) for seeded episodes.
    Eval(EvalArgs),
    /// Improve a policy: ask a model for candidates and/or tune the policy's float constants,
    /// every candidate evaluated in the sandbox.
    Optimize(Box<OptimizeArgs>),
    /// Serve rollout requests (JSON lines) on standard input and output: the worker
    /// processes of `optimize`.
    #[command(name = ROLLOUT_WORKER_COMMAND, hide = true)]
    RolloutWorker,
    /// Summarize a run directory, round by round, and draw its learning curve.
    Report {
        /// The run directory `optimize` wrote.
        run_dir: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Where to write the learning curve (best and mean return against env steps)
        /// [default: RUN_DIR/learning-curve.png].
        #[arg(long, value_name = "PNG", conflicts_with = "no_plot")]
        plot: Option<PathBuf>,
        /// Do not draw the learning curve.
        #[arg(long)]
        no_plot: bool,
    },
}

#[derive(Debug, clap::Args)]
struct OptimizeArgs {
    /// Environment id, e.g. CartPole-v1.
    #[arg(long, required_unless_present = "resume")]
    env: Option<String>,
    /// Start from this Python policy (default: the environment's starter policy).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Where candidates come from: `tuner` (the built-in constant tuner, no model needed),
    /// `openai` (any OpenAI-compatible endpoint: OpenAI, vLLM, Ollama, llama.cpp server),
    /// `anthropic`, or `replay` (recorded answers from --replay FILE).
    #[arg(long, default_value = "tuner")]
    provider: String,
    /// The model to ask (openai, anthropic).
    #[arg(long)]
    model: Option<String>,
    /// The endpoint (default: the provider's public API). A local server needs no key.
    #[arg(long)]
    base_url: Option<String>,
    /// The API key (default: $OPENAI_API_KEY or $ANTHROPIC_API_KEY, or --api-key-env's).
    #[arg(long)]
    api_key: Option<String>,
    /// The environment variable holding the API key.
    #[arg(long)]
    api_key_env: Option<String>,
    /// Recorded answers for `--provider replay` (JSON Lines: {"text": ...}).
    #[arg(long)]
    replay: Option<PathBuf>,
    /// Per-request timeout.
    #[arg(long, default_value_t = 120_000)]
    timeout_ms: u64,
    /// Retries of a request that failed with 429, 5xx or a network error.
    #[arg(long, default_value_t = 4)]
    max_retries: u32,
    /// Repair prompts per crashed model candidate.
    #[arg(long, default_value_t = 2)]
    max_repairs: u32,
    #[arg(long, default_value_t = 0.8)]
    temperature: f64,
    #[arg(long, default_value_t = 4096)]
    max_tokens: u32,
    /// Tuner rounds after the model rounds, fitting the constants of the model's best policy.
    #[arg(long, default_value_t = 3)]
    tune_rounds: u32,
    /// A directory of prompt templates overriding the shipped ones (see prompts/README.md).
    #[arg(long)]
    prompts: Option<PathBuf>,
    /// Ask the model once for a `Feedback` class summarizing trajectories (run in the
    /// sandbox) for the refinement prompts, beside the built-in statistics.
    #[arg(long)]
    model_feedback: bool,
    /// Stop once model calls used this many tokens.
    #[arg(long)]
    budget_tokens: Option<u64>,
    /// Stop once model calls cost this many US dollars (needs --usd-per-million-tokens).
    #[arg(long)]
    budget_usd: Option<f64>,
    /// Prices for cost accounting: US dollars per million input and output tokens.
    #[arg(long, num_args = 2, value_names = ["INPUT", "OUTPUT"])]
    usd_per_million_tokens: Option<Vec<f64>>,
    /// Tuning rounds after the start policy's own evaluation.
    #[arg(long, default_value_t = 10)]
    rounds: u32,
    /// Candidates per round.
    #[arg(long, default_value_t = 16)]
    candidates: u32,
    /// Seeded episodes per candidate.
    #[arg(long, default_value_t = 5)]
    episodes: u32,
    /// Stop once this many environment steps were spent.
    #[arg(long)]
    budget_steps: Option<u64>,
    /// Truncate episodes after this many steps.
    #[arg(long)]
    max_steps: Option<u64>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Limits as a JSON file (fields of `Limits`; unknown fields are refused).
    #[arg(long)]
    limits: Option<PathBuf>,
    /// Candidates evaluated at once (default: one per core).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Evaluate in threads of this process instead of worker processes (which scale better
    /// with the cores: threads contend on the shared address space).
    #[arg(long)]
    threads: bool,
    /// The run directory (default: runs/ENV-seedSEED-N, the first N not taken).
    #[arg(long, conflicts_with = "resume")]
    run_dir: Option<PathBuf>,
    /// Continue the run in this directory with its own settings.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Multi-agent worlds: agents in self-play (default: the world's own count).
    #[arg(long)]
    agents: Option<usize>,
    /// Multi-agent worlds: what refinement prompts show of each candidate: `sparse` (its mean
    /// return) or `dense` (plus efficiency, equality, sustainability and peace).
    #[arg(long, default_value = "sparse", value_parser = ["sparse", "dense"])]
    feedback: String,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct EvalArgs {
    /// Environment id, e.g. CartPole-v1.
    #[arg(long)]
    env: String,
    /// The policy file.
    policy: PathBuf,
    /// Episodes to play.
    #[arg(long, default_value_t = 5)]
    episodes: u32,
    /// Episode i resets the environment with seed SEED + i.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Truncate episodes after this many steps.
    #[arg(long)]
    max_steps: Option<u64>,
    /// Limits as a JSON file (fields of `Limits`; unknown fields are refused).
    #[arg(long)]
    limits: Option<PathBuf>,
    /// Multi-agent worlds: the number of agents (default: the world's own). Every agent runs
    /// the policy in its own sandbox (self-play), unless --opponent is given.
    #[arg(long)]
    agents: Option<usize>,
    /// Multi-agent worlds, cross-play: the policy the agents from --opponent-from on run.
    #[arg(long)]
    opponent: Option<PathBuf>,
    /// Multi-agent worlds, cross-play: the first agent that runs --opponent [default: half
    /// the agents, rounded down, run the policy].
    #[arg(long, requires = "opponent")]
    opponent_from: Option<usize>,
    /// Multi-agent worlds: episodes played at once (default: one per core).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Multi-agent worlds: play in threads of this process instead of worker processes
    /// (which scale better with the cores: threads contend on the shared address space).
    #[arg(long)]
    threads: bool,
    /// Print the whole report as JSON.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    let registry = Registry::default();
    match cli.command {
        Command::Envs { json } => {
            if json {
                let envs: Vec<_> = registry
                    .ids()
                    .filter_map(|id| registry.describe(id).ok())
                    .collect();
                println!("{}", serde_json::to_string_pretty(&envs)?);
            } else {
                for id in registry.ids() {
                    let description = registry.describe(id)?;
                    println!(
                        "{id:<32} obs {:<28} action {}",
                        description.observation_space.describe(),
                        description.action_space.describe()
                    );
                }
                let worlds = ParallelRegistry::default();
                for id in worlds.ids() {
                    let description = worlds.describe(id, None)?;
                    println!(
                        "{id:<32} {} agents (2-10), structured obs, action {}",
                        description.num_agents,
                        description.action_space.describe()
                    );
                }
            }
            Ok(EXIT_OK)
        }
        Command::Describe { env, agents, json } => {
            let worlds = ParallelRegistry::default();
            if worlds.contains(&env) {
                let description = worlds.describe(&env, agents)?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&description)?);
                } else {
                    print!("{}", description.to_prompt_text());
                }
                return Ok(EXIT_OK);
            }
            let description = registry.describe(&env)?;
            if json {
                println!("{}", serde_json::to_string_pretty(description)?);
            } else {
                print!("{}", description.to_prompt_text());
            }
            Ok(EXIT_OK)
        }
        Command::Eval(args) => eval(&registry, args),
        Command::RolloutWorker => {
            let engine = Engine::new(EngineConfig::default())?;
            let stdin = std::io::stdin().lock();
            ppo_sandbox_engine::serve_rollouts(&engine, stdin, std::io::stdout().lock())?;
            Ok(EXIT_OK)
        }
        Command::Optimize(args) => optimize(*args),
        Command::Report {
            run_dir,
            json,
            plot,
            no_plot,
        } => {
            let plot = match (plot, no_plot) {
                (_, true) => PlotTarget::None,
                (Some(path), false) => PlotTarget::Requested(path),
                (None, false) => PlotTarget::Default(run_dir.join("learning-curve.png")),
            };
            report(&run_dir, json, plot)
        }
    }
}

fn read_limits(path: Option<&PathBuf>) -> Result<Limits> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str::<Limits>(&text)
                .with_context(|| format!("invalid limits in {}", path.display()))
        }
        None => Ok(Limits::default()),
    }
}

fn optimize(args: OptimizeArgs) -> Result<u8> {
    let mut run = match (&args.resume, &args.env) {
        (Some(path), _) => {
            RunDir::open(path).with_context(|| format!("resuming the run in {}", path.display()))?
        }
        (None, Some(env)) => {
            let start_source = match &args.policy {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .with_context(|| format!("reading the policy {}", path.display()))?,
                ),
                None => None,
            };
            let model = model_settings(&args)?;
            let settings = OptimizeSettings {
                env_id: env.clone(),
                start_source,
                rounds: args.rounds,
                candidates_per_round: args.candidates,
                episodes_per_candidate: args.episodes,
                budget_env_steps: args.budget_steps,
                max_episode_steps: args.max_steps,
                seed: args.seed,
                limits: read_limits(args.limits.as_ref())?,
                model,
                budget_tokens: args.budget_tokens,
                budget_usd: args.budget_usd,
                num_agents: args.agents,
                social_feedback: if args.feedback == "dense" {
                    SocialFeedback::Dense
                } else {
                    SocialFeedback::Sparse
                },
            };
            let manifest = settings.manifest()?;
            if let Some(model) = &manifest.model {
                // Refuse a missing key or an unreadable replay before creating the run.
                ModelProposer::new(model)?;
            }
            let path = args
                .run_dir
                .clone()
                .unwrap_or_else(|| free_run_dir(env, args.seed));
            RunDir::create(&path, manifest)?
        }
        (None, None) => anyhow::bail!("--env or --resume is required"),
    };
    // The model is checked (key, prompts, replay file) before any work.
    let proposer = match &run.manifest().model {
        Some(settings) => Some(ModelProposer::new(settings)?),
        None => None,
    };
    let engine = Engine::new(EngineConfig::default())?;
    let display = OptimizeDisplay::new(run.manifest(), args.json);
    let mut progress = |event: Progress<'_>| display.show(event);
    let workers = evaluation_workers(args.jobs, args.threads);
    let outcome = optimize::run_with(
        &engine,
        &mut run,
        proposer.as_ref(),
        &workers,
        &mut progress,
    )?;
    display.finish();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "run_dir": run.path(),
                "stop": outcome.stop,
                "best_score": outcome.best_score,
                "env_steps": outcome.env_steps,
                "evaluated": outcome.evaluated,
                "resumed": outcome.resumed,
                "tokens": outcome.tokens,
                "cost_usd": outcome.cost_usd,
            })
        );
    } else {
        println!(
            "stopped ({:?}) after {} env steps: best mean return {}; best policy in {}",
            outcome.stop,
            outcome.env_steps,
            outcome
                .best_score
                .map_or("none (every candidate crashed)".into(), |b| format!(
                    "{b:.3}"
                )),
            run.path().join("best.py").display()
        );
    }
    Ok(if outcome.best_score.is_some() {
        EXIT_OK
    } else {
        EXIT_POLICY_CRASHED
    })
}

/// How `optimize` shows its progress: a progress bar on a terminal, one line per candidate
/// otherwise (logs), nothing with `--json`.
struct OptimizeDisplay {
    bar: Option<ProgressBar>,
    lines: bool,
}

impl OptimizeDisplay {
    fn new(manifest: &optimize::RunManifest, json: bool) -> OptimizeDisplay {
        let tune_rounds = manifest.model.as_ref().map_or(0, |m| m.tune_rounds);
        let planned =
            1 + u64::from(manifest.rounds + tune_rounds) * u64::from(manifest.candidates_per_round);
        let terminal = std::io::stderr().is_terminal();
        let bar = (!json && terminal).then(|| {
            let bar = ProgressBar::new(planned);
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} candidates  {msg}",
                )
                .expect("the template is valid")
                .progress_chars("=> "),
            );
            bar
        });
        OptimizeDisplay {
            bar,
            lines: !json && !terminal,
        }
    }

    fn show(&self, event: Progress<'_>) {
        let Progress::Evaluated {
            record,
            best_score,
            env_steps,
        } = event
        else {
            return;
        };
        let best = best_score.map_or("-".into(), |b| format!("{b:.2}"));
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if bar.position() > bar.length().unwrap_or(0) {
                bar.set_length(bar.position());
            }
            bar.set_message(format!("best {best}   env steps {env_steps}"));
        } else if self.lines {
            let score = match (&record.failure, &record.crash, record.mean_return) {
                (Some(_), _, _) => "no code".to_owned(),
                (None, Some(crash), _) => format!("crashed ({})", crash.kind),
                (None, None, Some(mean)) => format!("{mean:.2}"),
                (None, None, None) => "-".into(),
            };
            eprintln!(
                "round {} candidate {:>2}: {score:>12}   best {best}   env steps {env_steps}",
                record.round, record.index
            );
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The model settings the flags ask for; `None` for the tuner alone.
fn model_settings(args: &OptimizeArgs) -> Result<Option<ModelSettings>> {
    let provider = match args.provider.as_str() {
        "tuner" => return Ok(None),
        "replay" => {
            let path = args
                .replay
                .clone()
                .context("--provider replay needs --replay FILE")?;
            ProviderSpec::Replay { path }
        }
        "openai" | "anthropic" => {
            let model = args
                .model
                .clone()
                .with_context(|| format!("--provider {} needs --model", args.provider))?;
            let mut config = if args.provider == "openai" {
                HttpProviderConfig::openai(&model)
            } else {
                HttpProviderConfig::anthropic(&model)
            };
            if let Some(base_url) = &args.base_url {
                config.base_url = base_url.clone();
                // A local server (Ollama, llama.cpp, vLLM) takes requests without a key.
                config.key_required = false;
            }
            if let Some(var) = &args.api_key_env {
                config.key_env_var = var.clone();
                config.key_required = true;
            }
            config.api_key = args.api_key.clone();
            config.timeout_ms = args.timeout_ms;
            config.max_retries = args.max_retries;
            if let Some(prices) = &args.usd_per_million_tokens {
                config.usd_per_million_input_tokens = prices.first().copied();
                config.usd_per_million_output_tokens = prices.get(1).copied();
            }
            ProviderSpec::Http(config)
        }
        other => {
            anyhow::bail!("unknown provider {other:?}: choose tuner, openai, anthropic or replay")
        }
    };
    Ok(Some(ModelSettings {
        provider,
        max_repairs: args.max_repairs,
        temperature: args.temperature,
        max_tokens: args.max_tokens,
        history_size: 4,
        tune_rounds: args.tune_rounds,
        prompts_dir: args.prompts.clone(),
        model_feedback: args.model_feedback,
    }))
}

/// Worker processes running this same binary as `rollout-worker`, unless threads are asked
/// for, only one worker is wanted, or this binary cannot be found again.
fn evaluation_workers(jobs: usize, threads: bool) -> Workers {
    let count = Workers::threads(jobs).count();
    match std::env::current_exe() {
        Ok(program) if !threads && count > 1 => {
            Workers::processes(count, program, [ROLLOUT_WORKER_COMMAND])
        }
        _ => Workers::threads(count),
    }
}

/// `runs/ENV-seedSEED-N` with the first N not taken, so the same command can run again.
fn free_run_dir(env: &str, seed: u64) -> PathBuf {
    (1..)
        .map(|n| PathBuf::from(format!("runs/{env}-seed{seed}-{n}")))
        .find(|path| !path.exists())
        .expect("some run number is free")
}

/// Where `report` draws the learning curve.
#[derive(Debug)]
enum PlotTarget {
    None,
    /// The run directory's own file: failing to draw it is a warning.
    Default(PathBuf),
    /// A path the user named: failing to draw it is an error.
    Requested(PathBuf),
}

fn report(path: &std::path::Path, json: bool, plot: PlotTarget) -> Result<u8> {
    let run =
        RunDir::open(path).with_context(|| format!("reading the run in {}", path.display()))?;
    let mut rounds: std::collections::BTreeMap<u32, Vec<&CandidateRecord>> = Default::default();
    for record in run.records() {
        rounds.entry(record.round).or_default().push(record);
    }
    let mut spent = 0u64;
    let mut best_so_far: Option<f64> = None;
    let mut rows = Vec::new();
    for (round, records) in &rounds {
        spent += records.iter().map(|r| r.env_steps).sum::<u64>();
        let scores: Vec<f64> = records.iter().filter_map(|r| r.score()).collect();
        let round_best = scores
            .iter()
            .copied()
            .fold(None, |b: Option<f64>, s| Some(b.map_or(s, |b| b.max(s))));
        let mean = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
        best_so_far = match (best_so_far, round_best) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let crashed = records.iter().filter(|r| r.crash.is_some()).count();
        rows.push(serde_json::json!({
            "round": round, "candidates": records.len(), "crashed": crashed,
            "round_best": round_best, "round_mean": mean, "best_so_far": best_so_far,
            "env_steps": spent,
        }));
    }
    let manifest = run.manifest();
    let plotted = match plot {
        PlotTarget::None => None,
        PlotTarget::Default(png) => draw_learning_curve(&run, png)
            .inspect_err(|error| eprintln!("note: no learning curve drawn: {error:#}"))
            .ok(),
        PlotTarget::Requested(png) => Some(draw_learning_curve(&run, png)?),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "manifest": run.manifest(),
                "rounds": rows,
                "best": run.best(),
                "learning_curve": plotted,
            }))?
        );
        return Ok(EXIT_OK);
    }
    println!(
        "{} on {} (seed {}, {} episodes per candidate)",
        manifest.proposer, manifest.env_id, manifest.seed, manifest.episodes_per_candidate
    );
    println!(
        "{:>6} {:>11} {:>8} {:>12} {:>12} {:>12} {:>12}",
        "round", "candidates", "crashed", "round best", "round mean", "best so far", "env steps"
    );
    let cell = |value: &serde_json::Value| value.as_f64().map_or("-".into(), |v| format!("{v:.2}"));
    for row in &rows {
        let count = |key: &str| row[key].as_u64().unwrap_or(0);
        println!(
            "{:>6} {:>11} {:>8} {:>12} {:>12} {:>12} {:>12}",
            count("round"),
            count("candidates"),
            count("crashed"),
            cell(&row["round_best"]),
            cell(&row["round_mean"]),
            cell(&row["best_so_far"]),
            count("env_steps")
        );
    }
    if let Some(best) = run.best() {
        println!(
            "best: round {} candidate {}, mean return {:.3} ({})",
            best.round,
            best.index,
            best.mean_return.unwrap_or(f64::NAN),
            path.join("best.py").display()
        );
    }
    if let Some(png) = plotted {
        println!("learning curve: {}", png.display());
    }
    Ok(EXIT_OK)
}

/// Draws the learning curve of `run` to `png`, and says so when it has no labels.
fn draw_learning_curve(run: &RunDir, png: PathBuf) -> Result<PathBuf> {
    let manifest = run.manifest();
    let title = format!("{} on {}", manifest.proposer, manifest.env_id);
    let with_text = learning_curve::Curve::of(run.records())
        .draw_png(&png, &title)
        .with_context(|| format!("drawing {}", png.display()))?;
    if !with_text {
        eprintln!(
            "note: no TrueType font found, so the learning curve has no labels \
             (set PPO_SANDBOX_FONT to a .ttf file)"
        );
    }
    Ok(png)
}

fn eval(registry: &Registry, args: EvalArgs) -> Result<u8> {
    if ParallelRegistry::default().contains(&args.env) {
        return eval_match(args);
    }
    let mut env = registry.make(&args.env)?;
    let source = PolicySource::from_path(&args.policy)
        .with_context(|| format!("reading the policy {}", args.policy.display()))?;
    let limits = read_limits(args.limits.as_ref())?;
    let config = RolloutConfig {
        episodes: args.episodes,
        seed: args.seed,
        max_steps: args.max_steps,
        limits,
    };
    let engine = Engine::new(EngineConfig::default())?;
    let report = rollout(&engine, &source, &mut env, &config);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(if report.crashed() {
        EXIT_POLICY_CRASHED
    } else {
        EXIT_OK
    })
}

/// `eval` on a multi-agent world: self-play, or cross-play with --opponent.
fn eval_match(args: EvalArgs) -> Result<u8> {
    let worlds = ParallelRegistry::default();
    let num_agents = match args.agents {
        Some(n) => n,
        None => worlds.describe(&args.env, None)?.num_agents,
    };
    let read = |path: &PathBuf| {
        PolicySource::from_path(path)
            .with_context(|| format!("reading the policy {}", path.display()))
    };
    let mut sources = vec![read(&args.policy)?];
    let assignment: Vec<usize> = match &args.opponent {
        Some(path) => {
            sources.push(read(path)?);
            let from = args.opponent_from.unwrap_or(num_agents / 2).min(num_agents);
            (0..num_agents).map(|i| usize::from(i >= from)).collect()
        }
        None => vec![0; num_agents],
    };
    let config = MatchConfig {
        episodes: args.episodes,
        seed: args.seed,
        threads: 0,
        limits: read_limits(args.limits.as_ref())?,
    };
    let engine = Engine::new(EngineConfig::default())?;
    let workers = evaluation_workers(args.jobs, args.threads);
    let report =
        play_registered_match(&engine, &sources, &assignment, &args.env, &config, &workers)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_match(&report, sources.len());
    }
    Ok(if report.crashed() {
        EXIT_POLICY_CRASHED
    } else {
        EXIT_OK
    })
}

fn print_match(report: &MatchReport, policies: usize) {
    println!(
        "{:>8} {:>10} {:>10} {:>14} {:>8}  returns per agent",
        "seed", "efficiency", "equality", "sustainability", "peace"
    );
    for episode in &report.episodes {
        let returns: Vec<String> = episode
            .agents
            .iter()
            .map(|a| match &a.crash {
                Some(_) => format!("{:.0}!", a.episode_return),
                None => format!("{:.0}", a.episode_return),
            })
            .collect();
        let m = episode.metrics;
        println!(
            "{:>8} {:>10.3} {:>10.3} {:>14.1} {:>8.2}  {}",
            episode.seed,
            m.efficiency,
            m.equality,
            m.sustainability,
            m.peace,
            returns.join(" ")
        );
    }
    let m = report.metrics();
    println!(
        "mean over {} episodes: efficiency {:.3}, equality {:.3}, sustainability {:.1}, peace {:.2}",
        report.episodes.len(),
        m.efficiency,
        m.equality,
        m.sustainability,
        m.peace
    );
    for policy in 0..policies {
        if let Some(mean) = report.policy_mean_return(policy) {
            let failed = if report.policy_failed(policy) {
                " (FAILED: an agent crashed, ran out of a limit or acted invalidly; it stood still from then on)"
            } else {
                ""
            };
            println!("policy {policy}: mean agent return {mean:.3}{failed}");
        }
    }
    for (episode, agent, crash) in report.crashes() {
        println!("episode {episode}, agent_{agent}: {crash}");
        print_crash_details(crash);
    }
}

fn print_report(report: &RolloutReport) {
    if let Some(crash) = &report.load_crash {
        println!("the policy failed to load: {crash}");
        print_crash_details(crash);
        return;
    }
    println!("{:>8} {:>12} {:>8}  outcome", "seed", "return", "steps");
    for episode in &report.episodes {
        let outcome = match &episode.crash {
            Some(crash) => format!("crashed: {crash}"),
            None if episode.terminated => "terminated".to_owned(),
            None if episode.truncated => "truncated".to_owned(),
            None => "stopped".to_owned(),
        };
        println!(
            "{:>8} {:>12.3} {:>8}  {outcome}",
            episode.seed, episode.episode_return, episode.length
        );
    }
    if let Some(mean) = report.mean_return() {
        println!(
            "mean return {mean:.3} over {} episodes",
            report.episodes.len()
        );
    }
    for crash in report.crashes() {
        print_crash_details(crash);
    }
}

fn print_crash_details(crash: &ppo_sandbox_engine::CrashReport) {
    if let Some(traceback) = &crash.traceback {
        println!("{}", traceback.trim_end());
    }
    if !crash.output.stderr.is_empty() {
        println!("--- policy stderr ---\n{}", crash.output.stderr.trim_end());
    }
}
