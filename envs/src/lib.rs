//! Native reinforcement-learning environments in Gymnasium's shape, stepped by the host, with
//! the descriptions a language model is given.
//!
//! ```
//! use ppo_sandbox_envs::{Action, Env, make};
//!
//! let mut env = make("CartPole-v1").unwrap();
//! let mut obs = env.reset(Some(42));
//! let mut episode_return = 0.0;
//! loop {
//!     let action = Action::Int(if obs[2] > 0.0 { 1 } else { 0 });
//!     let step = env.step(&action).unwrap();
//!     episode_return += step.reward;
//!     if step.done() {
//!         break;
//!     }
//!     obs = step.observation;
//! }
//! assert!(episode_return >= 1.0);
//! ```
//!
//! Seeding follows Gymnasium: `reset(Some(seed))` draws the initial state from numpy's
//! `Generator(PCG64(SeedSequence(seed)))`, reproduced bit for bit by [`NpRandom`].

mod classic;
mod description;
mod env;
mod error;
mod np_random;
mod registry;
mod space;
mod wrappers;

pub use classic::CartPole;
pub use description::{EnvDescription, ObservationField};
pub use env::{Env, Step};
pub use error::EnvError;
pub use np_random::{NpRandom, Pcg64, SeedSequence};
pub use registry::{Registry, make};
pub use space::{Action, BoxSpace, CheckedAction, Dtype, Space};
pub use wrappers::TimeLimit;

/// A seed from the operating system, for an environment reset without one (as Gymnasium
/// seeds an unseeded `np_random` from fresh entropy).
fn entropy_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(0u8)
}
