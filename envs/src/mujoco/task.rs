//! Each task's v5 rules: how an episode starts, what is observed, what a step earns and
//! when it ends. Gymnasium's float types are kept where they change the result: actions are
//! float32, so control costs are float32 sums (numpy's pairwise order) scaled in float32.

use super::MujocoTask;
use super::simulation::Simulation;
use crate::NpRandom;
use crate::numpy_math::{np_sum, np_sum_f32, pow2};

/// Gymnasium's `control_cost`: `weight * np.sum(np.square(action))` on the float32 action.
fn control_cost(weight: f32, action: &[f32]) -> f64 {
    let mut squares = [0.0f32; 8];
    for (square, &a) in squares.iter_mut().zip(action) {
        *square = a * a;
    }
    f64::from(weight * np_sum_f32(&squares[..action.len()]))
}

fn clip(x: f64, bound: f64) -> f64 {
    x.clamp(-bound, bound)
}

impl MujocoTask {
    /// `reset_model`: draws the initial state around `init_qpos`/`init_qvel` and sets it.
    pub(super) fn reset_model(self, sim: &mut Simulation, rng: &mut NpRandom) {
        let (nq, nv) = (sim.init_qpos.len(), sim.init_qvel.len());
        let uniform = |rng: &mut NpRandom, base: &[f64], scale: f64| -> Vec<f64> {
            base.iter()
                .map(|&b| b + rng.uniform(-scale, scale))
                .collect()
        };
        let (qpos, qvel) = match self {
            MujocoTask::InvertedPendulum => {
                let qpos = uniform(rng, &sim.init_qpos, 0.01);
                (qpos, uniform(rng, &sim.init_qvel, 0.01))
            }
            MujocoTask::Swimmer => {
                let qpos = uniform(rng, &sim.init_qpos, 0.1);
                (qpos, uniform(rng, &sim.init_qvel, 0.1))
            }
            MujocoTask::Hopper | MujocoTask::Walker2d => {
                let qpos = uniform(rng, &sim.init_qpos, 0.005);
                (qpos, uniform(rng, &sim.init_qvel, 0.005))
            }
            MujocoTask::InvertedDoublePendulum | MujocoTask::HalfCheetah | MujocoTask::Ant => {
                // `init_qvel + standard_normal(nv) * 0.1` (or `0.1 * standard_normal`): the
                // product rounds the same either way round.
                let qpos = uniform(rng, &sim.init_qpos, 0.1);
                let noise = rng.standard_normal_n(nv);
                let qvel = sim
                    .init_qvel
                    .iter()
                    .zip(noise)
                    .map(|(&b, n)| b + n * 0.1)
                    .collect();
                (qpos, qvel)
            }
            MujocoTask::Reacher => {
                // `uniform(-0.1, 0.1, nq) + init_qpos`, then a goal within 0.2 of the centre.
                let mut qpos: Vec<f64> = sim
                    .init_qpos
                    .iter()
                    .map(|&b| rng.uniform(-0.1, 0.1) + b)
                    .collect();
                let goal = loop {
                    let goal = [rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)];
                    if (goal[0] * goal[0] + goal[1] * goal[1]).sqrt() < 0.2 {
                        break goal;
                    }
                };
                qpos[nq - 2..].copy_from_slice(&goal);
                let mut qvel = uniform(rng, &sim.init_qvel, 0.005);
                qvel[nv - 2..].fill(0.0);
                (qpos, qvel)
            }
        };
        sim.set_state(&qpos, &qvel);
    }

    /// The x whose change over a step the forward reward pays for: the root slider for the
    /// planar robots and the swimmer, the torso body for the Ant (0 for the other tasks).
    pub(super) fn forward_x(self, sim: &Simulation) -> f64 {
        match self {
            MujocoTask::Swimmer
            | MujocoTask::Hopper
            | MujocoTask::HalfCheetah
            | MujocoTask::Walker2d => sim.data.qpos()[0],
            MujocoTask::Ant => sim.data.xpos()[sim.bodies[0]][0],
            _ => 0.0,
        }
    }

    /// `_get_obs`, appended to `out`.
    pub(super) fn observe(self, sim: &Simulation, out: &mut Vec<f64>) {
        let data = &sim.data;
        let (qpos, qvel) = (data.qpos(), data.qvel());
        match self {
            MujocoTask::InvertedPendulum => {
                out.extend_from_slice(qpos);
                out.extend_from_slice(qvel);
            }
            MujocoTask::InvertedDoublePendulum => {
                out.push(qpos[0]);
                out.extend(qpos[1..].iter().map(|q| q.sin()));
                out.extend(qpos[1..].iter().map(|q| q.cos()));
                out.extend(qvel.iter().map(|&v| clip(v, 10.0)));
                out.push(clip(data.qfrc_constraint()[0], 10.0));
            }
            MujocoTask::Reacher => {
                out.extend(qpos[..2].iter().map(|q| q.cos()));
                out.extend(qpos[..2].iter().map(|q| q.sin()));
                out.extend_from_slice(&qpos[2..]);
                out.extend_from_slice(&qvel[..2]);
                let [dx, dy, _] = reacher_offset(sim);
                out.extend([dx, dy]);
            }
            MujocoTask::Swimmer => {
                out.extend_from_slice(&qpos[2..]);
                out.extend_from_slice(qvel);
            }
            MujocoTask::HalfCheetah => {
                out.extend_from_slice(&qpos[1..]);
                out.extend_from_slice(qvel);
            }
            MujocoTask::Hopper | MujocoTask::Walker2d => {
                out.extend_from_slice(&qpos[1..]);
                out.extend(qvel.iter().map(|&v| clip(v, 10.0)));
            }
            MujocoTask::Ant => {
                out.extend_from_slice(&qpos[2..]);
                out.extend_from_slice(qvel);
                for body in &data.cfrc_ext()[1..] {
                    out.extend(body.iter().map(|&f| clip(f, 1.0)));
                }
            }
        }
    }

    /// The step's reward and whether the episode terminated, from the state after the
    /// physics, [`MujocoTask::forward_x`] before it, the float32 action and the observation
    /// just made.
    pub(super) fn reward(
        self,
        sim: &Simulation,
        x_before: f64,
        action: &[f32],
        observation: &[f64],
    ) -> (f64, bool) {
        let data = &sim.data;
        let (qpos, qvel) = (data.qpos(), data.qvel());
        let x_velocity = (self.forward_x(sim) - x_before) / sim.dt;
        match self {
            MujocoTask::InvertedPendulum => {
                let terminated =
                    observation.iter().any(|v| !v.is_finite()) || observation[1].abs() > 0.2;
                (if terminated { 0.0 } else { 1.0 }, terminated)
            }
            MujocoTask::InvertedDoublePendulum => {
                let [x, _, y] = data.site_xpos()[0];
                let terminated = y <= 1.0;
                let distance_penalty = 0.01 * pow2(x) + pow2(y - 2.0);
                let velocity_penalty = 0.001 * pow2(qvel[1]) + 0.005 * pow2(qvel[2]);
                let alive_bonus = if terminated { 0.0 } else { 10.0 };
                (
                    alive_bonus - distance_penalty - velocity_penalty,
                    terminated,
                )
            }
            MujocoTask::Reacher => {
                let [dx, dy, dz] = reacher_offset(sim);
                let reward_dist = -(dx * dx + dy * dy + dz * dz).sqrt();
                let reward_ctrl = -control_cost(1.0, action);
                (reward_dist + reward_ctrl, false)
            }
            MujocoTask::Swimmer => (x_velocity - control_cost(1e-4, action), false),
            MujocoTask::HalfCheetah => (x_velocity - control_cost(0.1, action), false),
            MujocoTask::Hopper => {
                let (z, angle) = (qpos[1], qpos[2]);
                let state_ok = qpos[2..]
                    .iter()
                    .chain(qvel)
                    .all(|&s| -100.0 < s && s < 100.0);
                let healthy = state_ok && 0.7 < z && -0.2 < angle && angle < 0.2;
                walker_reward(x_velocity, healthy, control_cost(1e-3, action))
            }
            MujocoTask::Walker2d => {
                let (z, angle) = (qpos[1], qpos[2]);
                let healthy = 0.8 < z && z < 2.0 && -1.0 < angle && angle < 1.0;
                walker_reward(x_velocity, healthy, control_cost(1e-3, action))
            }
            MujocoTask::Ant => {
                let finite = qpos.iter().chain(qvel).all(|s| s.is_finite());
                let healthy = finite && (0.2..=1.0).contains(&qpos[2]);
                let squares: Vec<f64> = data
                    .cfrc_ext()
                    .iter()
                    .flatten()
                    .map(|&f| {
                        let f = clip(f, 1.0);
                        f * f
                    })
                    .collect();
                let contact_cost = 5e-4 * np_sum(&squares);
                let healthy_reward = if healthy { 1.0 } else { 0.0 };
                let reward =
                    (x_velocity + healthy_reward) - (control_cost(0.5, action) + contact_cost);
                (reward, !healthy)
            }
        }
    }
}

/// Hopper's and Walker2d's `rewards - costs`, and termination when unhealthy.
fn walker_reward(x_velocity: f64, healthy: bool, control_cost: f64) -> (f64, bool) {
    let healthy_reward = if healthy { 1.0 } else { 0.0 };
    ((x_velocity + healthy_reward) - control_cost, !healthy)
}

/// Reacher's `get_body_com("fingertip") - get_body_com("target")` (body frame positions).
fn reacher_offset(sim: &Simulation) -> [f64; 3] {
    let xpos = sim.data.xpos();
    let (fingertip, target) = (xpos[sim.bodies[0]], xpos[sim.bodies[1]]);
    [
        fingertip[0] - target[0],
        fingertip[1] - target[1],
        fingertip[2] - target[2],
    ]
}

impl MujocoTask {
    /// Checks that `model` has the sizes of Gymnasium's model that the task's rules index
    /// into (positions, velocities, actuators; the Ant's bodies, the double pendulum's tip
    /// site), so that a user's variant keeps the observation and action layout and nothing
    /// indexes past its arrays.
    pub(super) fn check_model(self, model: &mujoco_rs::prelude::MjModel) -> Result<(), String> {
        let raw = model.ffi();
        let (nq, nv, nu) = match self {
            MujocoTask::InvertedPendulum => (2, 2, 1),
            MujocoTask::InvertedDoublePendulum => (3, 3, 1),
            MujocoTask::Reacher => (4, 4, 2),
            MujocoTask::Swimmer => (5, 5, 2),
            MujocoTask::Hopper => (6, 6, 3),
            MujocoTask::HalfCheetah | MujocoTask::Walker2d => (9, 9, 6),
            MujocoTask::Ant => (15, 14, 8),
        };
        let mut problems = Vec::new();
        for (what, found, needed) in [
            ("positions (nq)", raw.nq, nq),
            ("velocities (nv)", raw.nv, nv),
            ("actuators (nu)", raw.nu, nu),
        ] {
            if found != needed {
                problems.push(format!("{found} {what} where {} has {needed}", self.id()));
            }
        }
        if self == MujocoTask::Ant && raw.nbody != 14 {
            problems.push(format!("{} bodies where Ant-v5 has 14", raw.nbody));
        }
        if self == MujocoTask::InvertedDoublePendulum && raw.nsite < 1 {
            problems.push("no site for the pole's tip".into());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: its observation values and actions would not keep {}'s layout",
                problems.join(", "),
                self.id()
            ))
        }
    }

    /// The bodies a task reads by name, resolved to ids when the model loads.
    pub(super) fn named_bodies(self) -> &'static [&'static str] {
        match self {
            MujocoTask::Reacher => &["fingertip", "target"],
            MujocoTask::Ant => &["torso"],
            _ => &[],
        }
    }
}
