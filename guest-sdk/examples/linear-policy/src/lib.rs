//! A linear CartPole policy written with the Rust guest SDK: push towards where the pole is
//! falling. Built to `wasm32-wasip1` by the root build script for tests and benchmarks.

use ppo_sandbox_guest::{Action, Policy, export_policy};

/// Weights over (cart position, cart velocity, pole angle, pole angular velocity).
const WEIGHTS: [f64; 4] = [0.01, 0.1, 1.0, 0.5];

#[derive(Debug, Default)]
pub struct Linear;

impl Policy for Linear {
    fn act(&mut self, obs: &[f64]) -> Action {
        let score: f64 = WEIGHTS.iter().zip(obs).map(|(w, o)| w * o).sum();
        Action::Int(i64::from(score > 0.0))
    }
}

export_policy!(Linear);
