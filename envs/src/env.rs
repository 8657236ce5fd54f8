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

    /// The step's reward and flags, without its observation.
    pub fn transition(&self) -> Transition {
        Transition {
            reward: self.reward,
            terminated: self.terminated,
            truncated: self.truncated,
        }
    }
}

/// What [`Env::step_into`] returns: a [`Step`] whose observation went into the caller's
/// buffer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transition {
    pub reward: f64,
    pub terminated: bool,
    pub truncated: bool,
}

impl Transition {
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

    /// Advances one step, writing the next observation over `observation`'s contents. A
    /// wrong action, or a step outside an episode, is an error and leaves the environment
    /// (and `observation`) unchanged.
    ///
    /// This is the step the host's rollout loop calls, one reused buffer for a whole
    /// episode, so that the observation costs no allocation.
    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, crate::EnvError>;

    /// Advances one step, Gymnasium's `step`: [`Env::step_into`] with a fresh observation.
    fn step(&mut self, action: &Action) -> Result<Step, crate::EnvError> {
        let mut observation = Vec::new();
        let transition = self.step_into(action, &mut observation)?;
        Ok(Step {
            observation,
            reward: transition.reward,
            terminated: transition.terminated,
            truncated: transition.truncated,
        })
    }

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
    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, crate::EnvError> {
        (**self).step_into(action, observation)
    }
    fn step(&mut self, action: &Action) -> Result<Step, crate::EnvError> {
        (**self).step(action)
    }
}

/// Replaces `buffer`'s contents with `values`, reusing its allocation.
pub(crate) fn overwrite(buffer: &mut Vec<f64>, values: &[f64]) {
    buffer.clear();
    buffer.extend_from_slice(values);
}
