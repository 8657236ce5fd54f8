//! Multi-agent evaluation: several sandboxed policies acting together in one world.
//!
//! Every agent runs in its own sandbox instance, even when all agents run the same source
//! (self-play): no agent can reach another's state, and none holds the world, only its own
//! read-only copy of what it may see. An agent whose policy crashes, runs out of fuel or
//! misses its deadline stands still (the world's idle action) for the rest of the episode,
//! and its report says it failed: a failure never passes for a neutral score.

use ppo_sandbox_envs::{Action, EnvError, ParallelEnv, ParallelRegistry};
use serde::{Deserialize, Serialize};

use crate::workers::{MatchRequest, RolloutProcess, WireSource, Workers};
use crate::{CapturedOutput, CrashReport, Engine, Limits, LoadOptions, PolicySource};

/// How many episodes to play, from which seed, on how many threads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchConfig {
    /// Episodes to play.
    pub episodes: u32,
    /// Episode `e` resets the world with seed `seed + e`; agent `i`'s policy in episode `e`
    /// is seeded with `seed + e * 1000 + i`.
    pub seed: u64,
    /// Episodes played at once (each on its own thread); 0 means one per available core.
    /// The report does not depend on it.
    pub threads: usize,
    /// Limits of every agent's sandbox.
    pub limits: Limits,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            episodes: 5,
            seed: 0,
            threads: 0,
            limits: Limits::default(),
        }
    }
}

/// The social metrics of one episode (Perolat et al., 2017), with `R_i` agent `i`'s return,
/// `N` agents and `T` steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SocialMetrics {
    /// `U = sum(R_i) / T`.
    pub efficiency: f64,
    /// `E = 1 - sum_i sum_j |R_i - R_j| / (2 N sum(R))`; 1 when `sum(R) <= 0`.
    pub equality: f64,
    /// `S`: the mean, over agents that got any positive reward, of the mean step index
    /// (0-based) at which they got it; 0 when none did.
    pub sustainability: f64,
    /// `P = (N T - tagged-out agent-steps) / T`.
    pub peace: f64,
}

impl SocialMetrics {
    /// The metrics of an episode from each agent's per-step rewards and tagged-out flags
    /// (`rewards[i][t]`, `tagged_out[i][t]`).
    pub fn compute(
        returns: &[f64],
        steps: u64,
        positive_steps: &[(f64, u64)],
        tagged_out_agent_steps: u64,
    ) -> SocialMetrics {
        let n = returns.len() as f64;
        let t = steps as f64;
        let total: f64 = returns.iter().sum();
        let efficiency = if steps > 0 { total / t } else { 0.0 };
        let equality = if total > 0.0 {
            let spread: f64 = returns
                .iter()
                .flat_map(|a| returns.iter().map(move |b| (a - b).abs()))
                .sum();
            1.0 - spread / (2.0 * n * total)
        } else {
            1.0
        };
        let means: Vec<f64> = positive_steps
            .iter()
            .filter(|(_, count)| *count > 0)
            .map(|(sum, count)| sum / *count as f64)
            .collect();
        let sustainability = if means.is_empty() {
            0.0
        } else {
            means.iter().sum::<f64>() / means.len() as f64
        };
        let peace = if steps > 0 {
            (n * t - tagged_out_agent_steps as f64) / t
        } else {
            n
        };
        SocialMetrics {
            efficiency,
            equality,
            sustainability,
            peace,
        }
    }

    /// The mean of several episodes' metrics (all zero for none).
    pub fn mean(all: &[SocialMetrics]) -> SocialMetrics {
        if all.is_empty() {
            return SocialMetrics::default();
        }
        let k = all.len() as f64;
        let sum = |f: fn(&SocialMetrics) -> f64| all.iter().map(f).sum::<f64>() / k;
        SocialMetrics {
            efficiency: sum(|m| m.efficiency),
            equality: sum(|m| m.equality),
            sustainability: sum(|m| m.sustainability),
            peace: sum(|m| m.peace),
        }
    }
}

/// One agent's episode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentEpisode {
    /// Which of the match's policies this agent ran.
    pub policy: usize,
    pub episode_return: f64,
    /// Steps the agent spent tagged out.
    pub tagged_out_steps: u64,
    /// Why the agent's policy stopped (it then stood still to the end of the episode).
    pub crash: Option<CrashReport>,
    pub fuel_used: u64,
    pub output: CapturedOutput,
}

/// One episode of a match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchEpisode {
    /// The seed the world was reset with.
    pub seed: u64,
    /// Steps played.
    pub length: u64,
    pub truncated: bool,
    pub agents: Vec<AgentEpisode>,
    pub metrics: SocialMetrics,
}

/// The result of [`play_match`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchReport {
    pub env_id: String,
    pub num_agents: usize,
    /// The policy index each agent ran.
    pub assignment: Vec<usize>,
    pub episodes: Vec<MatchEpisode>,
}

impl MatchReport {
    /// Each agent's mean return over the episodes.
    pub fn agent_mean_returns(&self) -> Vec<f64> {
        let k = self.episodes.len().max(1) as f64;
        (0..self.num_agents)
            .map(|i| {
                self.episodes
                    .iter()
                    .map(|e| e.agents[i].episode_return)
                    .sum::<f64>()
                    / k
            })
            .collect()
    }

    /// Mean over episodes of the mean return of the agents that ran policy `policy`.
    pub fn policy_mean_return(&self, policy: usize) -> Option<f64> {
        self.mean_agent_return(|agent| agent.policy == policy)
    }

    /// Mean over episodes of the mean return per agent.
    pub fn mean_return(&self) -> Option<f64> {
        self.mean_agent_return(|_| true)
    }

    /// The mean return of every agent episode `include` picks; `None` if it picks none.
    fn mean_agent_return(&self, include: impl Fn(&AgentEpisode) -> bool) -> Option<f64> {
        let (sum, count) = self
            .episodes
            .iter()
            .flat_map(|e| e.agents.iter().filter(|a| include(a)))
            .fold((0.0, 0usize), |(sum, count), a| {
                (sum + a.episode_return, count + 1)
            });
        (count > 0).then(|| sum / count as f64)
    }

    /// The episodes' mean social metrics.
    pub fn metrics(&self) -> SocialMetrics {
        SocialMetrics::mean(&self.episodes.iter().map(|e| e.metrics).collect::<Vec<_>>())
    }

    /// Every crash, with its episode index and agent index.
    pub fn crashes(&self) -> impl Iterator<Item = (usize, usize, &CrashReport)> {
        self.episodes.iter().enumerate().flat_map(|(e, episode)| {
            episode
                .agents
                .iter()
                .enumerate()
                .filter_map(move |(i, agent)| agent.crash.as_ref().map(|c| (e, i, c)))
        })
    }

    /// Whether any agent running policy `policy` failed.
    pub fn policy_failed(&self, policy: usize) -> bool {
        self.episodes
            .iter()
            .flat_map(|e| &e.agents)
            .any(|a| a.policy == policy && a.crash.is_some())
    }

    /// Whether any agent failed.
    pub fn crashed(&self) -> bool {
        self.crashes().next().is_some()
    }
}

/// What can stop a match before it is played (a policy's failures are in the report).
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error(transparent)]
    Env(#[from] EnvError),
    /// The assignment names a policy that was not given, or does not fit the world.
    #[error("invalid lineup: {0}")]
    Lineup(String),
    /// A worker process failed to play an episode (it could not be started, died twice, or
    /// refused the request).
    #[error("match worker: {0}")]
    Worker(String),
}

/// Self-play: every agent of `env_id` (`num_agents`, or the world's default count) runs
/// `source`, each in its own sandbox.
pub fn self_play(
    engine: &Engine,
    source: &PolicySource,
    env_id: &str,
    num_agents: Option<usize>,
    config: &MatchConfig,
) -> Result<MatchReport, MatchError> {
    play_registered(
        engine,
        std::slice::from_ref(source),
        |_| 0,
        env_id,
        num_agents,
        config,
    )
}

/// Cross-play: agents `0 .. a_agents` run `a`, the rest run `b`.
pub fn cross_play(
    engine: &Engine,
    a: &PolicySource,
    b: &PolicySource,
    a_agents: usize,
    env_id: &str,
    num_agents: Option<usize>,
    config: &MatchConfig,
) -> Result<MatchReport, MatchError> {
    play_registered(
        engine,
        &[a.clone(), b.clone()],
        |agent| usize::from(agent >= a_agents),
        env_id,
        num_agents,
        config,
    )
}

/// [`play_match`] on a world of the default [`ParallelRegistry`] (`num_agents`, or the
/// world's default count), agent `i` running `sources[policy_of(i)]`.
fn play_registered(
    engine: &Engine,
    sources: &[PolicySource],
    policy_of: impl Fn(usize) -> usize,
    env_id: &str,
    num_agents: Option<usize>,
    config: &MatchConfig,
) -> Result<MatchReport, MatchError> {
    let registry = ParallelRegistry::default();
    let n = agent_count(&registry, env_id, num_agents)?;
    let assignment: Vec<usize> = (0..n).map(policy_of).collect();
    let make = || registry.make(env_id, Some(n));
    play_match(engine, sources, &assignment, &make, config)
}

/// `num_agents`, or the default agent count of `env_id` in `registry`; an unknown world is
/// the registry's error.
pub(crate) fn agent_count(
    registry: &ParallelRegistry,
    env_id: &str,
    num_agents: Option<usize>,
) -> Result<usize, MatchError> {
    match num_agents.or_else(|| registry.default_agents(env_id)) {
        Some(n) => Ok(n),
        None => Err(registry.make(env_id, None).err().map_or_else(
            || MatchError::Lineup(format!("{env_id} has no default agent count")),
            MatchError::Env,
        )),
    }
}

/// Plays `config.episodes` episodes of the world `make_env` builds, agent `i` running
/// `sources[assignment[i]]` in its own sandbox. Episodes run in parallel on
/// `config.threads` threads; each starts from freshly loaded instances, so the report is the
/// same whatever the thread count.
pub fn play_match(
    engine: &Engine,
    sources: &[PolicySource],
    assignment: &[usize],
    make_env: &(dyn Fn() -> Result<Box<dyn ParallelEnv>, EnvError> + Sync),
    config: &MatchConfig,
) -> Result<MatchReport, MatchError> {
    let env_id = check_lineup(make_env()?.as_ref(), sources.len(), assignment)?;
    let threads = match config.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, config.episodes.max(1) as usize);
    let episodes = on_episode_threads(
        threads,
        Some(engine.thread_stack_bytes()),
        config.episodes,
        make_env,
        |env, episode| {
            Ok(play_episode(
                engine,
                sources,
                assignment,
                env.as_mut(),
                config,
                episode,
            ))
        },
    )?;
    // An episode the env failed in fails the match, the earliest such episode first.
    let episodes = episodes.into_iter().collect::<Result<Vec<_>, EnvError>>()?;
    Ok(MatchReport {
        env_id,
        num_agents: assignment.len(),
        assignment: assignment.to_vec(),
        episodes,
    })
}

/// Plays episodes `0..episodes` on `threads` scoped threads (on this one if none can be
/// started), each thread starting its own state with `start` and then taking the next
/// unplayed episode until none is left. Returns what `play` gave for each episode, in episode
/// order, so the result does not depend on the thread count. An error from `start` or `play`
/// stops its thread and is returned once every thread has stopped.
fn on_episode_threads<State, Played: Send, Error: Send>(
    threads: usize,
    stack_bytes: Option<usize>,
    episodes: u32,
    start: impl Fn() -> Result<State, Error> + Sync,
    play: impl Fn(&mut State, u32) -> Result<Played, Error> + Sync,
) -> Result<Vec<Played>, Error> {
    let next = std::sync::atomic::AtomicU32::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    let worker = || -> Result<(), Error> {
        let mut state = start()?;
        loop {
            let episode = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if episode >= episodes {
                return Ok(());
            }
            let played = play(&mut state, episode)?;
            results
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push((episode, played));
        }
    };
    let outcomes: Vec<Result<(), Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .filter_map(|_| {
                let mut builder = std::thread::Builder::new().name("ppo-sandbox-match".into());
                if let Some(bytes) = stack_bytes {
                    builder = builder.stack_size(bytes);
                }
                builder.spawn_scoped(scope, worker).ok()
            })
            .collect();
        if handles.is_empty() {
            // No thread could be started: play on this one.
            return vec![worker()];
        }
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    outcomes.into_iter().collect::<Result<(), Error>>()?;
    let mut results = results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    results.sort_by_key(|(episode, _)| *episode);
    Ok(results.into_iter().map(|(_, played)| played).collect())
}

/// That `assignment` gives each of `world`'s agents one of `source_count` policies; the
/// world's id.
pub(crate) fn check_lineup(
    world: &dyn ParallelEnv,
    source_count: usize,
    assignment: &[usize],
) -> Result<String, MatchError> {
    if assignment.len() != world.num_agents() {
        return Err(MatchError::Lineup(format!(
            "{} policies assigned for {} agents",
            assignment.len(),
            world.num_agents()
        )));
    }
    if let Some(bad) = assignment.iter().find(|&&p| p >= source_count) {
        return Err(MatchError::Lineup(format!(
            "policy {bad} assigned, but {source_count} given"
        )));
    }
    Ok(world.description().id.clone())
}

/// [`play_match`] on a world of the default [`ParallelRegistry`] (as many agents as
/// `assignment` names), its episodes spread over `workers`: threads of this process, or
/// worker processes, which scale with the cores where threads contend on one address space
/// (see [`Workers`]). The report is the same either way.
pub fn play_registered_match(
    engine: &Engine,
    sources: &[PolicySource],
    assignment: &[usize],
    env_id: &str,
    config: &MatchConfig,
    workers: &Workers,
) -> Result<MatchReport, MatchError> {
    let registry = ParallelRegistry::default();
    let make = || registry.make(env_id, Some(assignment.len()));
    let (program, args) = match workers {
        Workers::Threads { .. } => {
            let config = MatchConfig {
                threads: workers.count(),
                ..config.clone()
            };
            return play_match(engine, sources, assignment, &make, &config);
        }
        Workers::Processes { program, args, .. } => (program, args),
    };
    let env_id = check_lineup(make()?.as_ref(), sources.len(), assignment)?;
    if sources.iter().any(|s| !matches!(s, PolicySource::Wasm(_))) {
        // The workers load the guest from the shared cache: fill it once, here, rather than
        // in each of them at once. A failure shows again, per agent, in the workers.
        let _ = engine.prepare_python();
    }
    let sources: Vec<WireSource> = sources.iter().map(WireSource::from).collect();
    let count = workers.count().clamp(1, config.episodes.max(1) as usize);
    // Each thread drives one worker process, one episode per request, so that the workers
    // finish together; the threads only wait on pipes and need no guest-sized stack.
    let episodes = on_episode_threads(
        count,
        None,
        config.episodes,
        || Ok(RolloutProcess::new(program.clone(), args.clone())),
        |process, episode| {
            let request = MatchRequest {
                env_id: env_id.clone(),
                sources: sources.clone(),
                assignment: assignment.to_vec(),
                config: config.clone(),
                episodes: vec![episode],
            };
            process.play(&request).map_err(MatchError::Worker)
        },
    )?;
    Ok(MatchReport {
        env_id,
        num_agents: assignment.len(),
        assignment: assignment.to_vec(),
        episodes: episodes.into_iter().flatten().collect(),
    })
}

/// Plays the episodes `request` lists, on this thread: the body of a worker process's
/// answer. `made` keeps the worlds already built, by id and agent count.
pub(crate) fn play_requested(
    engine: &Engine,
    made: &mut std::collections::HashMap<(String, usize), Box<dyn ParallelEnv>>,
    request: MatchRequest,
) -> Result<Vec<MatchEpisode>, MatchError> {
    let key = (request.env_id, request.assignment.len());
    let world = match made.entry(key) {
        std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
        std::collections::hash_map::Entry::Vacant(entry) => {
            let (env_id, agents) = entry.key();
            let world = ParallelRegistry::default().make(env_id, Some(*agents))?;
            entry.insert(world)
        }
    };
    check_lineup(world.as_ref(), request.sources.len(), &request.assignment)?;
    let sources: Vec<PolicySource> = request.sources.into_iter().map(Into::into).collect();
    request
        .episodes
        .iter()
        .map(|&episode| {
            play_episode(
                engine,
                &sources,
                &request.assignment,
                world.as_mut(),
                &request.config,
                episode,
            )
            .map_err(MatchError::from)
        })
        .collect()
}

fn play_episode(
    engine: &Engine,
    sources: &[PolicySource],
    assignment: &[usize],
    env: &mut dyn ParallelEnv,
    config: &MatchConfig,
    episode: u32,
) -> Result<MatchEpisode, EnvError> {
    let description = env.description().clone();
    let n = assignment.len();
    let seed = config.seed.wrapping_add(u64::from(episode));
    env.reset_state(Some(seed));
    let idle = Action::Int(description.idle_action);
    let options = LoadOptions::for_multi_agent(&description).limits(config.limits.clone());
    let mut agents: Vec<AgentEpisode> = assignment
        .iter()
        .map(|&policy| AgentEpisode {
            policy,
            episode_return: 0.0,
            tagged_out_steps: 0,
            crash: None,
            fuel_used: 0,
            output: CapturedOutput::default(),
        })
        .collect();
    // Each agent its own instance, its own seed.
    let mut policies: Vec<_> = (0..n)
        .map(|i| {
            let policy_seed = config
                .seed
                .wrapping_add(u64::from(episode) * 1000)
                .wrapping_add(i as u64);
            let loaded = engine
                .load(&sources[assignment[i]], &options.clone().seed(policy_seed))
                .and_then(|mut policy| policy.reset().map(|()| policy));
            match loaded {
                Ok(policy) => Some(policy),
                Err(crash) => {
                    agents[i].crash = Some(crash);
                    None
                }
            }
        })
        .collect();
    let mut observation = Vec::with_capacity(description.observation_len());
    let mut actions = vec![idle.clone(); n];
    // Per agent: sum and count of the step indices with a positive reward.
    let mut positive = vec![(0.0, 0u64); n];
    let mut tagged_out_agent_steps = 0;
    let mut length = 0;
    let truncated = loop {
        for i in 0..n {
            actions[i] = idle.clone();
            let Some(policy) = policies[i].as_mut() else {
                continue;
            };
            env.observe(i, &mut observation);
            match policy.act(&observation) {
                Ok(action) => actions[i] = action,
                Err(crash) => {
                    agents[i].crash = Some(crash);
                    if let Some(policy) = policies[i].take() {
                        finish(&mut agents[i], policy);
                    }
                }
            }
        }
        let outcome = env.advance(&actions)?;
        for (i, agent) in agents.iter_mut().enumerate() {
            let reward = outcome.rewards[i];
            agent.episode_return += reward;
            if reward > 0.0 {
                positive[i].0 += length as f64;
                positive[i].1 += 1;
            }
            if outcome.infos[i].tagged_out {
                agent.tagged_out_steps += 1;
                tagged_out_agent_steps += 1;
            }
        }
        length += 1;
        if outcome.all_done() {
            break outcome.truncations.iter().any(|&t| t);
        }
    };
    for (agent, policy) in agents.iter_mut().zip(policies) {
        if let Some(policy) = policy {
            finish(agent, policy);
        }
    }
    let returns: Vec<f64> = agents.iter().map(|a| a.episode_return).collect();
    let metrics = SocialMetrics::compute(&returns, length, &positive, tagged_out_agent_steps);
    Ok(MatchEpisode {
        seed,
        length,
        truncated,
        agents,
        metrics,
    })
}

/// Records what a policy used and printed once it stops acting.
fn finish(agent: &mut AgentEpisode, mut policy: crate::Policy) {
    agent.fuel_used = policy.episode_fuel_used();
    agent.output = policy.take_output();
    if let Some(crash) = &agent.crash
        && agent.output.is_empty()
    {
        agent.output = (*crash.output).clone();
    }
}
