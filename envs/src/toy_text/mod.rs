//! Gymnasium's toy-text environments: small tabular MDPs with Discrete observations.

mod cliff_walking;
mod frozen_lake;
mod tabular;
mod taxi;

pub use cliff_walking::{CLIFF_WALKING_MAX_STEPS, CliffWalking};
pub use frozen_lake::{FrozenLake, FrozenLakeMap};
pub use taxi::Taxi;
