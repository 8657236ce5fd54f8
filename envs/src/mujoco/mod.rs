//! Gymnasium's MuJoCo environments (v5), simulated by MuJoCo 3.17 through `mujoco-rs`.
//!
//! The models are Gymnasium's own XML files, read at run time from the installed
//! `gymnasium` package (`scripts/setup-mujoco.sh` links them into `.mujoco/assets`), from
//! `$PPO_SANDBOX_MUJOCO_ASSETS`, or from a path the caller gives
//! ([`MujocoEnv::with_model`]). Without the `mujoco` cargo feature the ids stay registered
//! and described, and making one is an [`EnvError::Unavailable`] that says how to get it.

mod description;
#[cfg(feature = "mujoco")]
mod env;
#[cfg(feature = "mujoco")]
mod simulation;
#[cfg(feature = "mujoco")]
mod task;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

#[cfg(feature = "mujoco")]
pub use env::MujocoEnv;

use crate::{EnvDescription, EnvError, Registry};

/// One of Gymnasium's MuJoCo tasks, with its v5 rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MujocoTask {
    InvertedPendulum,
    InvertedDoublePendulum,
    Reacher,
    Swimmer,
    Hopper,
    HalfCheetah,
    Walker2d,
    Ant,
}

impl MujocoTask {
    /// Every task, in the order `ppo-sandbox envs` lists them.
    pub const ALL: [MujocoTask; 8] = [
        MujocoTask::InvertedPendulum,
        MujocoTask::InvertedDoublePendulum,
        MujocoTask::Reacher,
        MujocoTask::Swimmer,
        MujocoTask::Hopper,
        MujocoTask::HalfCheetah,
        MujocoTask::Walker2d,
        MujocoTask::Ant,
    ];

    /// The Gymnasium id, e.g. `Hopper-v5`.
    pub fn id(self) -> &'static str {
        match self {
            MujocoTask::InvertedPendulum => "InvertedPendulum-v5",
            MujocoTask::InvertedDoublePendulum => "InvertedDoublePendulum-v5",
            MujocoTask::Reacher => "Reacher-v5",
            MujocoTask::Swimmer => "Swimmer-v5",
            MujocoTask::Hopper => "Hopper-v5",
            MujocoTask::HalfCheetah => "HalfCheetah-v5",
            MujocoTask::Walker2d => "Walker2d-v5",
            MujocoTask::Ant => "Ant-v5",
        }
    }

    /// The model file Gymnasium v5 loads by default.
    pub fn xml_file(self) -> &'static str {
        match self {
            MujocoTask::InvertedPendulum => "inverted_pendulum.xml",
            MujocoTask::InvertedDoublePendulum => "inverted_double_pendulum.xml",
            MujocoTask::Reacher => "reacher.xml",
            MujocoTask::Swimmer => "swimmer.xml",
            MujocoTask::Hopper => "hopper.xml",
            MujocoTask::HalfCheetah => "half_cheetah.xml",
            MujocoTask::Walker2d => "walker2d_v5.xml",
            MujocoTask::Ant => "ant.xml",
        }
    }

    /// Physics steps per environment step (Gymnasium's `frame_skip`).
    pub fn frame_skip(self) -> usize {
        match self {
            MujocoTask::InvertedPendulum | MujocoTask::Reacher => 2,
            MujocoTask::Swimmer | MujocoTask::Hopper | MujocoTask::Walker2d => 4,
            MujocoTask::InvertedDoublePendulum | MujocoTask::HalfCheetah | MujocoTask::Ant => 5,
        }
    }

    /// The physics time step of Gymnasium's model file, in seconds (for the description;
    /// the simulation reads it from the model).
    pub fn timestep(self) -> f64 {
        match self {
            MujocoTask::InvertedPendulum => 0.02,
            MujocoTask::Hopper | MujocoTask::Walker2d => 0.002,
            _ => 0.01,
        }
    }

    /// Number of actuators in Gymnasium's model.
    pub fn action_len(self) -> usize {
        match self {
            MujocoTask::InvertedPendulum | MujocoTask::InvertedDoublePendulum => 1,
            MujocoTask::Reacher | MujocoTask::Swimmer => 2,
            MujocoTask::Hopper => 3,
            MujocoTask::HalfCheetah | MujocoTask::Walker2d => 6,
            MujocoTask::Ant => 8,
        }
    }

    /// The actuators' control range in Gymnasium's model.
    pub fn control_range(self) -> (f64, f64) {
        match self {
            MujocoTask::InvertedPendulum => (-3.0, 3.0),
            _ => (-1.0, 1.0),
        }
    }

    /// The task with this Gymnasium id.
    pub fn from_id(id: &str) -> Option<MujocoTask> {
        MujocoTask::ALL.into_iter().find(|task| task.id() == id)
    }

    /// The description given to a model (shared by every instance).
    pub fn describe(self) -> &'static EnvDescription {
        static DESCRIPTIONS: OnceLock<Vec<Arc<EnvDescription>>> = OnceLock::new();
        let all = DESCRIPTIONS.get_or_init(|| {
            MujocoTask::ALL
                .into_iter()
                .map(|task| Arc::new(description::describe(task)))
                .collect()
        });
        &all[self as usize]
    }

    /// Where the model file is found: `$PPO_SANDBOX_MUJOCO_ASSETS`, else the project's
    /// `.mujoco/assets` (set up by `scripts/setup-mujoco.sh`, its path fixed at build time).
    pub fn default_model_path(self) -> Option<PathBuf> {
        assets_dir().map(|dir| dir.join(self.xml_file()))
    }
}

fn assets_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PPO_SANDBOX_MUJOCO_ASSETS") {
        return Some(PathBuf::from(dir));
    }
    option_env!("PPO_SANDBOX_MUJOCO_DIR").map(|dir| PathBuf::from(dir).join("assets"))
}

/// Registers every MuJoCo task in `registry`.
pub(crate) fn register(registry: &mut Registry) {
    for task in MujocoTask::ALL {
        registry.register_fallible(task.describe().clone(), move || make(task));
    }
}

#[cfg(feature = "mujoco")]
fn make(task: MujocoTask) -> Result<MujocoEnv, EnvError> {
    MujocoEnv::new(task)
}

#[cfg(not(feature = "mujoco"))]
fn make(task: MujocoTask) -> Result<Box<dyn crate::Env>, EnvError> {
    Err(EnvError::Unavailable {
        id: task.id().into(),
        reason: "this build has no MuJoCo: run scripts/setup-mujoco.sh and build with the \
                 `mujoco` cargo feature (on by default)"
            .into(),
    })
}
