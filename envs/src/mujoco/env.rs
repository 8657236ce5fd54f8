//! [`MujocoEnv`]: a MuJoCo task as an [`Env`].

use std::path::Path;

use super::MujocoTask;
use super::simulation::Simulation;
use crate::{Action, Env, EnvDescription, EnvError, NpRandom, Transition, entropy_seed};

/// A Gymnasium v5 MuJoCo environment: same seed and same actions give Gymnasium's
/// trajectory (within 1e-6 over 200 steps, `tests/gym_parity.rs`).
///
/// Actions are checked against the control range (a value outside it, NaN or an infinity is
/// an [`EnvError::InvalidAction`]) and rounded to float32, as Gymnasium's float32 action
/// space hands them to MuJoCo. A step whose physics blows up is an [`EnvError::Simulation`]
/// and ends the episode.
#[derive(Debug)]
pub struct MujocoEnv {
    task: MujocoTask,
    sim: Simulation,
    rng: NpRandom,
    /// The float32 action of the current step (at most 8 actuators).
    action: [f32; 8],
    control: [f64; 8],
    /// Whether a step may run: false before the first reset and after a blown-up step.
    running: bool,
}

impl MujocoEnv {
    /// The task with Gymnasium's own model file (see [`MujocoTask::default_model_path`]).
    pub fn new(task: MujocoTask) -> Result<MujocoEnv, EnvError> {
        let path = task
            .default_model_path()
            .ok_or_else(|| EnvError::Unavailable {
                id: task.id().into(),
                reason: "no MuJoCo model folder is known: run scripts/setup-mujoco.sh, or set \
                     PPO_SANDBOX_MUJOCO_ASSETS to a folder with Gymnasium's MuJoCo XML files"
                    .into(),
            })?;
        MujocoEnv::with_model(task, &path)
    }

    /// The task's rules on the MJCF model at `path` (a variant of Gymnasium's model: it must
    /// have the same joints, actuators and named bodies, so that the observation and action
    /// keep their layout).
    pub fn with_model(task: MujocoTask, path: &Path) -> Result<MujocoEnv, EnvError> {
        let sim = Simulation::load(task.id(), path, task.frame_skip(), task.named_bodies())?;
        task.check_model(sim.model())
            .map_err(|problem| EnvError::Unavailable {
                id: task.id().into(),
                reason: format!("the model {} has {problem}", path.display()),
            })?;
        Ok(MujocoEnv {
            task,
            sim,
            rng: NpRandom::from_seed(entropy_seed()),
            action: [0.0; 8],
            control: [0.0; 8],
            running: false,
        })
    }

    /// The task this environment runs.
    pub fn task(&self) -> MujocoTask {
        self.task
    }

    fn observation(&self) -> Vec<f64> {
        let mut observation = Vec::with_capacity(self.description().observation_space.flat_len());
        self.task.observe(&self.sim, &mut observation);
        observation
    }
}

impl Env for MujocoEnv {
    fn description(&self) -> &EnvDescription {
        self.task.describe()
    }

    fn reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        if let Some(seed) = seed {
            self.rng = NpRandom::from_seed(seed);
        }
        self.sim.reset();
        self.task.reset_model(&mut self.sim, &mut self.rng);
        self.running = true;
        self.observation()
    }

    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, EnvError> {
        if !self.running {
            return Err(EnvError::EpisodeOver);
        }
        let checked = self.action_space().check(action)?;
        let n = self.task.action_len();
        for (i, &value) in checked.values().iter().enumerate().take(n) {
            // The space check already rounded it to a float32 value.
            self.action[i] = value as f32;
            self.control[i] = value;
        }
        let x_before = self.task.forward_x(&self.sim);
        if let Err(error) = self.sim.advance(self.task.id(), &self.control[..n]) {
            self.running = false;
            return Err(error);
        }
        observation.clear();
        self.task.observe(&self.sim, observation);
        let (reward, terminated) =
            self.task
                .reward(&self.sim, x_before, &self.action[..n], observation);
        Ok(Transition {
            reward,
            terminated,
            truncated: false,
        })
    }
}
