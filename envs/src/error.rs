//! Errors of the environment layer.

/// What can go wrong when making or stepping an environment.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EnvError {
    /// No environment is registered under this id.
    #[error("unknown environment {id:?}; known: {known}")]
    UnknownEnv { id: String, known: String },
    /// The action does not belong to the action space.
    #[error("invalid action for {space}: {reason}")]
    InvalidAction { space: String, reason: String },
    /// `step` was called before the first `reset`.
    #[error("step called before reset")]
    NotReset,
    /// `step` was called after the episode terminated or was truncated.
    #[error("step called after the episode ended; call reset first")]
    EpisodeOver,
    /// An environment was asked for with settings it cannot have (e.g. a NoiseWorld board
    /// smaller than 2x2).
    #[error("invalid configuration for {env}: {reason}")]
    InvalidConfig { env: String, reason: String },
    /// The environment cannot be made in this build or on this machine (a MuJoCo env
    /// without the `mujoco` feature, or without its model file).
    #[error("{id} is not available: {reason}")]
    Unavailable { id: String, reason: String },
    /// The simulation blew up during the step (MuJoCo: NaN, infinite or huge state); the
    /// episode is over.
    #[error("{id}: {reason}")]
    Simulation { id: String, reason: String },
}
