//! Playing seeded episodes of an environment with a sandboxed policy.

use ppo_sandbox_envs::{Env, EnvError};
use serde::{Deserialize, Serialize};

use crate::{
    CapturedOutput, CrashKind, CrashReport, Engine, Limits, LoadOptions, Phase, Policy,
    PolicySource,
};

/// How many episodes to play, and from which seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RolloutConfig {
    /// Episodes to play.
    pub episodes: u32,
    /// Episode `i` resets the environment with seed `seed + i`; the policy's own randomness
    /// is seeded with `seed`.
    pub seed: u64,
    /// Truncate episodes after this many steps (on top of the environment's own time limit).
    pub max_steps: Option<u64>,
    pub limits: Limits,
}

impl Default for RolloutConfig {
    fn default() -> Self {
        RolloutConfig {
            episodes: 5,
            seed: 0,
            max_steps: None,
            limits: Limits::default(),
        }
    }
}

/// One episode's result. An episode that crashed keeps the return it had reached, but a
/// crash is a failure: see [`RolloutReport::crashed`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodeReport {
    /// The seed the environment was reset with.
    pub seed: u64,
    pub episode_return: f64,
    /// Steps taken.
    pub length: u64,
    pub terminated: bool,
    pub truncated: bool,
    pub crash: Option<CrashReport>,
    /// Fuel the policy used during the episode.
    pub fuel_used: u64,
    /// What the policy printed during the episode.
    pub output: CapturedOutput,
}

/// The result of [`rollout`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RolloutReport {
    pub env_id: String,
    pub config_seed: u64,
    /// Set when the policy could not be loaded at all; then `episodes` is empty.
    pub load_crash: Option<CrashReport>,
    pub episodes: Vec<EpisodeReport>,
}

impl RolloutReport {
    /// Each episode's return.
    pub fn returns(&self) -> Vec<f64> {
        self.episodes.iter().map(|e| e.episode_return).collect()
    }

    /// Mean return over the episodes, `None` if none were played.
    pub fn mean_return(&self) -> Option<f64> {
        (!self.episodes.is_empty())
            .then(|| self.returns().iter().sum::<f64>() / self.episodes.len() as f64)
    }

    /// Whether the load or any episode crashed.
    pub fn crashed(&self) -> bool {
        self.load_crash.is_some() || self.episodes.iter().any(|e| e.crash.is_some())
    }

    /// Every crash report, load first.
    pub fn crashes(&self) -> impl Iterator<Item = &CrashReport> {
        self.load_crash
            .iter()
            .chain(self.episodes.iter().filter_map(|e| e.crash.as_ref()))
    }

    /// Total environment steps taken.
    pub fn total_steps(&self) -> u64 {
        self.episodes.iter().map(|e| e.length).sum()
    }
}

/// Plays `config.episodes` seeded episodes of `env` with the policy `source`.
///
/// The policy is loaded once and `reset` before each episode. A crash ends its episode
/// (recorded in that episode's report); the next episode starts from a freshly loaded
/// instance, so one bad step never takes the rest of the rollout with it. The same
/// (policy, environment, config) gives the same report on every run.
pub fn rollout(
    engine: &Engine,
    source: &PolicySource,
    env: &mut dyn Env,
    config: &RolloutConfig,
) -> RolloutReport {
    let description = env.description().clone();
    let options = LoadOptions::for_env(&description)
        .limits(config.limits.clone())
        .seed(config.seed);
    let mut report = RolloutReport {
        env_id: description.id.clone(),
        config_seed: config.seed,
        load_crash: None,
        episodes: Vec::with_capacity(config.episodes as usize),
    };
    let mut policy: Option<Policy> = None;
    for episode in 0..config.episodes {
        let instance = match policy.take() {
            Some(instance) if !instance.is_poisoned() => instance,
            _ => match engine.load(source, &options) {
                Ok(instance) => instance,
                Err(crash) => {
                    report.load_crash = Some(crash);
                    break;
                }
            },
        };
        let seed = config.seed.wrapping_add(u64::from(episode));
        let (episode_report, instance) = play_episode(instance, env, seed, config.max_steps);
        // A policy that raised keeps running in a fresh instance: its state may be broken.
        if episode_report.crash.is_none() {
            policy = Some(instance);
        }
        report.episodes.push(episode_report);
    }
    report
}

/// One step of a recorded episode: what the policy saw, what it did, what it got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryStep {
    pub observation: Vec<f64>,
    pub action: ppo_sandbox_envs::Action,
    pub reward: f64,
    pub terminated: bool,
    pub truncated: bool,
}

/// A recorded episode ([`record_episode`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    pub report: EpisodeReport,
    pub steps: Vec<TrajectoryStep>,
}

/// Plays one episode (environment seed `seed`, policy seeded with `seed`) and records every
/// step; `None` if the policy does not load.
pub fn record_episode(
    engine: &Engine,
    source: &PolicySource,
    env: &mut dyn Env,
    seed: u64,
    max_steps: Option<u64>,
    limits: &Limits,
) -> Result<Trajectory, CrashReport> {
    let options = LoadOptions::for_env(&env.description().clone())
        .limits(limits.clone())
        .seed(seed);
    let policy = engine.load(source, &options)?;
    let mut steps = Vec::new();
    let (report, _) = play(policy, env, seed, max_steps, Some(&mut steps));
    Ok(Trajectory { report, steps })
}

fn play_episode(
    policy: Policy,
    env: &mut dyn Env,
    seed: u64,
    max_steps: Option<u64>,
) -> (EpisodeReport, Policy) {
    play(policy, env, seed, max_steps, None)
}

fn play(
    mut policy: Policy,
    env: &mut dyn Env,
    seed: u64,
    max_steps: Option<u64>,
    mut trace: Option<&mut Vec<TrajectoryStep>>,
) -> (EpisodeReport, Policy) {
    let mut observation = env.reset(Some(seed));
    let mut episode = EpisodeReport {
        seed,
        episode_return: 0.0,
        length: 0,
        terminated: false,
        truncated: false,
        crash: None,
        fuel_used: 0,
        output: CapturedOutput::default(),
    };
    if let Err(crash) = policy.reset() {
        episode.crash = Some(crash);
    }
    while episode.crash.is_none() {
        if max_steps.is_some_and(|cap| episode.length >= cap) {
            episode.truncated = true;
            break;
        }
        let action = match policy.act(&observation) {
            Ok(action) => action,
            Err(crash) => {
                episode.crash = Some(crash);
                break;
            }
        };
        // The trace keeps the observation the action answered, before the step overwrites it.
        let answered = trace.as_ref().map(|_| observation.clone());
        match env.step_into(&action, &mut observation) {
            Ok(step) => {
                episode.length += 1;
                episode.episode_return += step.reward;
                if let (Some(trace), Some(answered)) = (trace.as_deref_mut(), answered) {
                    trace.push(TrajectoryStep {
                        observation: answered,
                        action,
                        reward: step.reward,
                        terminated: step.terminated,
                        truncated: step.truncated,
                    });
                }
                if step.done() {
                    episode.terminated = step.terminated;
                    episode.truncated = step.truncated;
                    break;
                }
            }
            Err(error) => {
                let kind = match error {
                    EnvError::Simulation { .. } => CrashKind::UnstableSimulation,
                    _ => CrashKind::InvalidAction,
                };
                let mut crash = CrashReport::new(kind, Phase::Act, error.to_string());
                crash.step = Some(episode.length);
                episode.crash = Some(crash);
            }
        }
    }
    episode.fuel_used = policy.episode_fuel_used();
    episode.output = policy.take_output();
    if let Some(crash) = &mut episode.crash {
        // The crash report already carries what was printed up to the crash.
        if !crash.output.is_empty() && episode.output.is_empty() {
            episode.output = (*crash.output).clone();
        }
    }
    (episode, policy)
}
