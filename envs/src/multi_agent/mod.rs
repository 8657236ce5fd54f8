//! Multi-agent environments in the shape of PettingZoo's Parallel API, and the sequential
//! social dilemmas Gathering and Cleanup.

mod description;
mod maps;
mod parallel_env;
mod registry;
mod social_dilemma;

pub use description::{MultiAgentDescription, StructuredField, StructuredShape};
pub use parallel_env::{AgentInfo, ParallelEnv, ParallelStep, StepOutcome};
pub use registry::{AGENT_COUNTS, ParallelRegistry, make_parallel};
pub use social_dilemma::{
    ACTION_BACKWARD, ACTION_BEAM, ACTION_CLEAN, ACTION_FORWARD, ACTION_ROTATE_LEFT,
    ACTION_ROTATE_RIGHT, ACTION_STAND, ACTION_STEP_LEFT, ACTION_STEP_RIGHT, Dilemma, DilemmaConfig,
    SocialDilemma,
};
