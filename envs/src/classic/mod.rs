//! Gymnasium's classic-control environments.

mod cartpole;

pub use cartpole::CartPole;
