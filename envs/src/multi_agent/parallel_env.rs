//! The multi-agent environment trait, in the shape of PettingZoo's Parallel API.

use crate::{Action, EnvError, MultiAgentDescription, Space};

/// What one agent's step reports besides its reward (PettingZoo's `infos`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentInfo {
    /// The agent is out of play this step (tagged by a beam): it is not on the map and its
    /// action is ignored.
    pub tagged_out: bool,
}

/// A step's outcome for every agent, without the observations (see [`ParallelEnv::observe`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepOutcome {
    pub rewards: Vec<f64>,
    pub terminations: Vec<bool>,
    pub truncations: Vec<bool>,
    pub infos: Vec<AgentInfo>,
}

impl StepOutcome {
    /// Whether every agent's episode is over (terminated or truncated).
    pub fn all_done(&self) -> bool {
        self.terminations
            .iter()
            .zip(&self.truncations)
            .all(|(terminated, truncated)| *terminated || *truncated)
    }
}

/// What [`ParallelEnv::step`] returns: per-agent observations, rewards, terminations,
/// truncations and infos, indexed like [`ParallelEnv::agents`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParallelStep {
    pub observations: Vec<Vec<f64>>,
    pub rewards: Vec<f64>,
    pub terminations: Vec<bool>,
    pub truncations: Vec<bool>,
    pub infos: Vec<AgentInfo>,
}

/// A multi-agent environment: every agent acts at every step, as in PettingZoo's Parallel
/// API. Agents are named ([`ParallelEnv::agents`]) and indexed in that order everywhere.
///
/// Implementors provide [`ParallelEnv::reset_state`], [`ParallelEnv::advance`] and
/// [`ParallelEnv::observe`]; `reset` and `step` build the observations from them. A host that
/// hands each observation to a policy straight away calls `observe` into one buffer instead.
pub trait ParallelEnv: Send {
    /// The environment's description: id, spaces, observation layout, rules.
    fn description(&self) -> &MultiAgentDescription;

    /// The agents' names (`agent_0`, `agent_1`, ...).
    fn agents(&self) -> &[String];

    /// Starts an episode. `Some(seed)` reseeds the environment's generator; `None` continues
    /// its stream.
    fn reset_state(&mut self, seed: Option<u64>);

    /// Advances one step with one action per agent. A wrong action (or a wrong number of
    /// them), or a step outside an episode, is an error and leaves the environment unchanged.
    fn advance(&mut self, actions: &[Action]) -> Result<StepOutcome, EnvError>;

    /// Writes agent `agent`'s observation of the current state into `out` (cleared first).
    fn observe(&self, agent: usize, out: &mut Vec<f64>);

    /// The number of agents.
    fn num_agents(&self) -> usize {
        self.agents().len()
    }

    /// Agent `agent`'s observation space (the same for every agent unless overridden).
    fn observation_space(&self, _agent: usize) -> &Space {
        &self.description().observation_space
    }

    /// Agent `agent`'s action space (the same for every agent unless overridden).
    fn action_space(&self, _agent: usize) -> &Space {
        &self.description().action_space
    }

    /// Starts an episode and returns every agent's first observation.
    fn reset(&mut self, seed: Option<u64>) -> Vec<Vec<f64>> {
        self.reset_state(seed);
        self.observe_all()
    }

    /// Advances one step and returns every agent's observation, reward, termination,
    /// truncation and info.
    fn step(&mut self, actions: &[Action]) -> Result<ParallelStep, EnvError> {
        let outcome = self.advance(actions)?;
        Ok(ParallelStep {
            observations: self.observe_all(),
            rewards: outcome.rewards,
            terminations: outcome.terminations,
            truncations: outcome.truncations,
            infos: outcome.infos,
        })
    }

    /// Every agent's observation of the current state.
    fn observe_all(&self) -> Vec<Vec<f64>> {
        (0..self.num_agents())
            .map(|agent| {
                let mut out = Vec::new();
                self.observe(agent, &mut out);
                out
            })
            .collect()
    }
}
