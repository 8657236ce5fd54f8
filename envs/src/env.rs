//! The environment trait, in Gymnasium's shape.

use crate::{Action, EnvDescription, Space};

/// What `step` returns. `terminated` (the MDP reached a terminal state) and `truncated` (a
/// limit outside the MDP, such as the time limit, cut the episode) are different things, as in
/// Gymnasium: a value estimate bootstraps through a truncation but not through a termination.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub observation: Vec<f64>,
    pub reward: f64,
    pub terminated: bool,
    pub truncated: bool,
}

impl Step {
    /// Whether the episode is over, either way.
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }
}

/// A reinforcement-learning environment stepped by the host.
///
/// Observations are flat `f64` values (a Discrete observation is one integral value), laid
/// out as the environment's description names them.
pub trait Env: Send {
    /// The environment's description: id, spaces, field names, reward source, rules.
    fn description(&self) -> &EnvDescription;

    /// Starts an episode. `Some(seed)` reseeds the environment's generator exactly as
    /// Gymnasium's `reset(seed=seed)` does; `None` continues the current stream.
    fn reset(&mut self, seed: Option<u64>) -> Vec<f64>;

    /// Advances one step. A wrong action, or a step outside an episode, is an error and
    /// leaves the environment unchanged.
    fn step(&mut self, action: &Action) -> Result<Step, crate::EnvError>;

    /// The observation space.
    fn observation_space(&self) -> &Space {
        &self.description().observation_space
    }

    /// The action space.
    fn action_space(&self) -> &Space {
        &self.description().action_space
    }
}

impl<E: Env + ?Sized> Env for Box<E> {
    fn description(&self) -> &EnvDescription {
        (**self).description()
    }
    fn reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        (**self).reset(seed)
    }
    fn step(&mut self, action: &Action) -> Result<Step, crate::EnvError> {
        (**self).step(action)
    }
}
