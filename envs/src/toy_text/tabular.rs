//! The machinery Gymnasium's toy-text envs share: a transition table `P[s][a]`, an initial
//! state distribution, and `categorical_sample` draws from `np_random` at every reset and
//! every step (one `random()` each, even where the outcome is certain).

use crate::env::overwrite;
use crate::{Action, EnvError, NpRandom, Space, Transition, entropy_seed};

/// One entry of `P[s][a]`: `(probability, next_state, reward, terminated)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Outcome {
    pub probability: f64,
    pub next_state: usize,
    pub reward: f64,
    pub terminated: bool,
}

/// A finite MDP in Gymnasium's toy-text form, with its current state and generator.
#[derive(Clone, Debug)]
pub(crate) struct Tabular {
    n_actions: usize,
    /// `P[s][a]`, flattened: the outcomes of action `a` in state `s` are
    /// `table[s * n_actions + a]`.
    table: Vec<Vec<Outcome>>,
    initial: Vec<f64>,
    state: usize,
    rng: NpRandom,
}

impl Tabular {
    /// A model from `table` (one row per state and action, states in order) and the initial
    /// state distribution.
    pub(crate) fn new(n_actions: usize, table: Vec<Vec<Outcome>>, initial: Vec<f64>) -> Tabular {
        Tabular {
            n_actions,
            table,
            initial,
            state: 0,
            rng: NpRandom::from_seed(entropy_seed()),
        }
    }

    /// Gymnasium's toy-text `reset`: reseed if asked, then draw the initial state.
    pub(crate) fn reset(&mut self, seed: Option<u64>) -> usize {
        if let Some(seed) = seed {
            self.rng = NpRandom::from_seed(seed);
        }
        self.state = self.rng.categorical(&self.initial);
        self.state
    }

    /// Gymnasium's toy-text `step` for an action already checked against the space:
    /// `(next_state, reward, terminated)`.
    pub(crate) fn step(&mut self, action: usize) -> (usize, f64, bool) {
        let outcomes = self
            .table
            .get(self.state * self.n_actions + action)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let index = self
            .rng
            .categorical_from(outcomes.iter().map(|t| t.probability));
        match outcomes.get(index) {
            Some(t) => {
                self.state = t.next_state;
                (t.next_state, t.reward, t.terminated)
            }
            // Unreachable for a checked action; stay put rather than panic.
            None => (self.state, 0.0, false),
        }
    }
}

impl Tabular {
    /// `Env::reset` of a tabular env: the observation is the state index.
    pub(crate) fn env_reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        vec![self.reset(seed) as f64]
    }

    /// `Env::step_into` of a tabular env: checks the action against `space`, then steps.
    pub(crate) fn env_step(
        &mut self,
        space: &Space,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, EnvError> {
        let action = space.check(action)?.discrete();
        let (state, reward, terminated) = self.step(action as usize);
        overwrite(observation, &[state as f64]);
        Ok(Transition {
            reward,
            terminated,
            truncated: false,
        })
    }
}
