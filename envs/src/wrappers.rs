//! Wrappers the registry puts around every environment, as Gymnasium's `make` does.

use crate::{Action, Env, EnvDescription, EnvError, Transition};

/// Gymnasium's `TimeLimit` and `OrderEnforcing` in one: truncates after `max_episode_steps`,
/// refuses `step` before the first `reset` and after the episode ended.
#[derive(Debug)]
pub struct TimeLimit<E> {
    inner: E,
    max_episode_steps: Option<u32>,
    elapsed_steps: u32,
    state: EpisodeState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EpisodeState {
    NeverReset,
    Running,
    Over,
}

impl<E: Env> TimeLimit<E> {
    /// Wraps `inner` with the time limit of its description.
    pub fn new(inner: E) -> TimeLimit<E> {
        let max_episode_steps = inner.description().max_episode_steps;
        TimeLimit {
            inner,
            max_episode_steps,
            elapsed_steps: 0,
            state: EpisodeState::NeverReset,
        }
    }

    /// The wrapped environment.
    pub fn inner(&self) -> &E {
        &self.inner
    }
}

impl<E: Env> Env for TimeLimit<E> {
    fn description(&self) -> &EnvDescription {
        self.inner.description()
    }

    fn reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        self.elapsed_steps = 0;
        self.state = EpisodeState::Running;
        self.inner.reset(seed)
    }

    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, EnvError> {
        match self.state {
            EpisodeState::NeverReset => return Err(EnvError::NotReset),
            EpisodeState::Over => return Err(EnvError::EpisodeOver),
            EpisodeState::Running => {}
        }
        let mut step = self.inner.step_into(action, observation)?;
        self.elapsed_steps += 1;
        if self
            .max_episode_steps
            .is_some_and(|limit| self.elapsed_steps >= limit)
        {
            step.truncated = true;
        }
        if step.done() {
            self.state = EpisodeState::Over;
        }
        Ok(step)
    }
}
