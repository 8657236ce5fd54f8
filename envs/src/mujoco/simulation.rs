//! One MuJoCo model and its state, stepped the way Gymnasium's `MujocoEnv` steps it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};

use mujoco_rs::prelude::*;

use crate::EnvError;

/// A loaded model and its data, with the initial state Gymnasium keeps (`init_qpos`,
/// `init_qvel`).
pub(super) struct Simulation {
    pub(super) data: MjData<Arc<MjModel>>,
    pub(super) init_qpos: Vec<f64>,
    pub(super) init_qvel: Vec<f64>,
    frame_skip: usize,
    /// Seconds per environment step: the model's time step times `frame_skip`.
    pub(super) dt: f64,
    /// The ids of the bodies the task reads by name (see [`MujocoTask::named_bodies`]).
    pub(super) bodies: Vec<usize>,
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("nq", &self.init_qpos.len())
            .field("nv", &self.init_qvel.len())
            .field("frame_skip", &self.frame_skip)
            .field("dt", &self.dt)
            .finish_non_exhaustive()
    }
}

/// The warnings that mean the state blew up (MuJoCo then resets the state by itself).
const UNSTABLE: [MjtWarning; 3] = [
    MjtWarning::mjWARN_BADQPOS,
    MjtWarning::mjWARN_BADQVEL,
    MjtWarning::mjWARN_BADQACC,
];

impl Simulation {
    /// Loads `path` (cached per path: models are immutable and shared) and makes its data.
    pub(super) fn load(
        id: &str,
        path: &Path,
        frame_skip: usize,
        body_names: &[&str],
    ) -> Result<Simulation, EnvError> {
        let model = load_model(id, path)?;
        let bodies = body_names
            .iter()
            .map(|&name| {
                model
                    .name_to_id(MjtObjBase::mjOBJ_BODY, name)
                    .ok_or_else(|| EnvError::Unavailable {
                        id: id.into(),
                        reason: format!("the model {} has no body named {name:?}", path.display()),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let dt = model.opt().timestep * frame_skip as f64;
        let data = MjData::try_new(model).map_err(|e| EnvError::Unavailable {
            id: id.into(),
            reason: format!("MuJoCo could not allocate the model's data: {e}"),
        })?;
        Ok(Simulation {
            init_qpos: data.qpos().to_vec(),
            init_qvel: data.qvel().to_vec(),
            data,
            frame_skip,
            dt,
            bodies,
        })
    }

    /// `mj_resetData`.
    pub(super) fn reset(&mut self) {
        self.data.reset();
    }

    /// Gymnasium's `set_state`: positions and velocities, then `mj_forward`.
    pub(super) fn set_state(&mut self, qpos: &[f64], qvel: &[f64]) {
        self.data.qpos_mut().copy_from_slice(qpos);
        self.data.qvel_mut().copy_from_slice(qvel);
        self.data.forward();
    }

    /// Gymnasium's `do_simulation`: the controls, `frame_skip` calls of `mj_step`, then
    /// `mj_rnePostConstraint` (so `cfrc_ext` holds this step's contact forces). A state that
    /// blew up (NaN, infinite or huge positions, velocities or accelerations: MuJoCo warns
    /// and resets it) is an [`EnvError::Simulation`].
    pub(super) fn advance(&mut self, id: &str, control: &[f64]) -> Result<(), EnvError> {
        self.data.ctrl_mut().copy_from_slice(control);
        let before = self.unstable_warnings();
        for _ in 0..self.frame_skip {
            self.data.step();
        }
        self.data.rne_post_constraint();
        if self.unstable_warnings() != before {
            return Err(EnvError::Simulation {
                id: id.into(),
                reason: "the simulation became unstable (NaN, infinite or huge positions, \
                         velocities or accelerations); MuJoCo reset its state"
                    .into(),
            });
        }
        Ok(())
    }

    fn unstable_warnings(&self) -> i64 {
        let warnings = self.data.warning();
        UNSTABLE
            .iter()
            .map(|&kind| i64::from(warnings[kind as usize].number))
            .sum()
    }

    /// The model.
    pub(super) fn model(&self) -> &MjModel {
        self.data.model()
    }
}

/// Installs, once, a MuJoCo log handler that drops messages (the `log` crate has no
/// logger here): MuJoCo's own handler prints to stdout, which would corrupt `--json`
/// output, and appends to `MUJOCO_LOG.TXT` in the working directory.
fn quiet_mujoco_logging() {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| {
        // SAFETY: `Once` runs this before this crate loads its first model, and nothing
        // else in the program uses MuJoCo; the hook stays valid for the program's life.
        unsafe { install_logging_hook() };
    });
}

fn load_model(id: &str, path: &Path) -> Result<Arc<MjModel>, EnvError> {
    static MODELS: Mutex<Option<HashMap<PathBuf, Arc<MjModel>>>> = Mutex::new(None);
    quiet_mujoco_logging();
    let unavailable = |reason: String| EnvError::Unavailable {
        id: id.into(),
        reason,
    };
    let text = path
        .to_str()
        .ok_or_else(|| unavailable(format!("the model path {} is not UTF-8", path.display())))?;
    if text.contains('\0') {
        return Err(unavailable("the model path contains a NUL byte".into()));
    }
    if !path.is_file() {
        return Err(unavailable(format!(
            "no model file at {} (run scripts/setup-mujoco.sh, or set PPO_SANDBOX_MUJOCO_ASSETS \
             to a folder with Gymnasium's MuJoCo XML files)",
            path.display()
        )));
    }
    let mut models = MODELS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let models = models.get_or_insert_with(HashMap::new);
    if let Some(model) = models.get(path) {
        return Ok(Arc::clone(model));
    }
    let model = MjModel::from_xml(path)
        .map(Arc::new)
        .map_err(|e| unavailable(format!("MuJoCo could not load {}: {e}", path.display())))?;
    models.insert(path.to_path_buf(), Arc::clone(&model));
    Ok(model)
}
