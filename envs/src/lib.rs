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
//! A loop that steps many times calls [`Env::step_into`] instead, which writes each
//! observation into one reused buffer: a classic-control, toy-text or NoiseWorld step then
//! allocates nothing. An env of your own implements `step_into`; `step` comes with the trait.
//!
//! Seeding follows Gymnasium: `reset(Some(seed))` draws the initial state from numpy's
//! `Generator(PCG64(SeedSequence(seed)))`, reproduced bit for bit by [`NpRandom`].
//!
//! The built-in environments ([`Registry::default`] lists their ids) are Gymnasium 1.4's
//! classic-control and toy-text ones, plus PromptPO's NoiseWorld. They reproduce Gymnasium's
//! trajectories exactly, not just its equations: the same float64/float32 operations in the
//! same order (numpy 2's promotion of Python floats to float32, C `pow` for `x ** 2`, numpy's
//! own float32 sine and cosine), and the same generator draws at every reset and step.
//! `tests/gym_parity.rs` replays episodes recorded from Gymnasium itself
//! (`scripts/gym-reference.sh`). Where Gymnasium leaves something open we decided:
//! CliffWalking gets a cap of [`CLIFF_WALKING_MAX_STEPS`] steps (Gymnasium has no time
//! limit), and FrozenLake's `is_slippery=False` variants get ids of their own.
//!
//! Multi-agent worlds have their own trait, [`ParallelEnv`] (PettingZoo's Parallel API shape:
//! named agents, per-agent spaces, `reset(seed)`, `step(actions)` with per-agent
//! observations, rewards, terminations and truncations) and registry, [`ParallelRegistry`]:
//! the sequential social dilemmas Gathering and Cleanup ([`SocialDilemma`]), with structured
//! observations described field by field ([`StructuredField`]).

mod classic;
mod description;
mod env;
mod error;
mod mujoco;
mod multi_agent;
mod noise_world;
mod np_random;
mod numpy_math;
mod registry;
mod space;
mod toy_text;
mod wrappers;

pub use classic::{Acrobot, CartPole, ContinuousMountainCar, MountainCar, Pendulum};
pub use description::{EnvDescription, ObservationField};
pub use env::{Env, Step, Transition};
pub use error::EnvError;
#[cfg(feature = "mujoco")]
pub use mujoco::MujocoEnv;
pub use mujoco::MujocoTask;
pub use multi_agent::{
    ACTION_BACKWARD, ACTION_BEAM, ACTION_CLEAN, ACTION_FORWARD, ACTION_ROTATE_LEFT,
    ACTION_ROTATE_RIGHT, ACTION_STAND, ACTION_STEP_LEFT, ACTION_STEP_RIGHT, AGENT_COUNTS,
    AgentInfo, Dilemma, DilemmaConfig, MultiAgentDescription, ParallelEnv, ParallelRegistry,
    ParallelStep, SocialDilemma, StepOutcome, StructuredField, StructuredShape, make_parallel,
};
pub use noise_world::{
    CODE_BAD, CODE_DETERMINISTIC, CODE_GOAL, CODE_MILESTONE_1, CODE_MILESTONE_2,
    CODE_STOCHASTIC_RESET, CODE_STOCHASTIC_STAY, CODE_WALL, NoiseWorld, NoiseWorldConfig,
};
pub use np_random::{NpRandom, Pcg64, SeedSequence};
pub use registry::{Registry, make};
pub use space::{Action, BoxSpace, BoxValues, CheckedAction, Dtype, Space};
pub use toy_text::{CLIFF_WALKING_MAX_STEPS, CliffWalking, FrozenLake, FrozenLakeMap, Taxi};
pub use wrappers::TimeLimit;

/// A seed from the operating system, for an environment reset without one (as Gymnasium
/// seeds an unseeded `np_random` from fresh entropy).
fn entropy_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(0u8)
}
