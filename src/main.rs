//! The `ppo-sandbox` command: parses arguments, calls the libraries, prints.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use ppo_sandbox_engine::envs::Registry;
use ppo_sandbox_engine::{
    Engine, EngineConfig, Limits, PolicySource, RolloutConfig, RolloutReport, rollout,
};

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
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a policy (Python `.py`, or a `.wasm`/`.wat` module) for seeded episodes.
    Eval(EvalArgs),
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
            }
            Ok(EXIT_OK)
        }
        Command::Describe { env, json } => {
            let description = registry.describe(&env)?;
            if json {
                println!("{}", serde_json::to_string_pretty(description)?);
            } else {
                print!("{}", description.to_prompt_text());
            }
            Ok(EXIT_OK)
        }
        Command::Eval(args) => eval(&registry, args),
    }
}

fn eval(registry: &Registry, args: EvalArgs) -> Result<u8> {
    let mut env = registry.make(&args.env)?;
    let source = PolicySource::from_path(&args.policy)
        .with_context(|| format!("reading the policy {}", args.policy.display()))?;
    let limits = match &args.limits {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str::<Limits>(&text)
                .with_context(|| format!("invalid limits in {}", path.display()))?
        }
        None => Limits::default(),
    };
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
