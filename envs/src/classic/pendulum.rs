//! `Pendulum-v1`: Gymnasium's `classic_control/pendulum.py` (g = 10).

use std::f64::consts::PI;
use std::sync::OnceLock;

use crate::env::overwrite;
use crate::numpy_math::{pow2, pow2_f32, round_f32};
use crate::{
    Action, Env, EnvDescription, EnvError, NpRandom, ObservationField, Space, Transition,
    entropy_seed,
};

const MAX_SPEED: f64 = 8.0;
const MAX_TORQUE: f64 = 2.0;
const DT: f64 = 0.05;
const G: f64 = 10.0;
const M: f64 = 1.0;
const L: f64 = 1.0;

/// The inverted pendulum swing-up: swing a pendulum up and keep it upright with limited torque.
#[derive(Clone, Debug)]
pub struct Pendulum {
    theta: f64,
    theta_dot: f64,
    rng: NpRandom,
}

impl Default for Pendulum {
    fn default() -> Self {
        Pendulum {
            theta: 0.0,
            theta_dot: 0.0,
            rng: NpRandom::from_seed(entropy_seed()),
        }
    }
}

/// Gymnasium's `angle_normalize`: `((x + pi) % (2 * pi)) - pi`, with Python's float modulo
/// (the result takes the sign of the divisor).
fn angle_normalize(x: f64) -> f64 {
    python_mod(x + PI, 2.0 * PI) - PI
}

/// Python's `a % b` for floats.
fn python_mod(a: f64, b: f64) -> f64 {
    let remainder = fmod(a, b);
    if remainder == 0.0 {
        0.0f64.copysign(b)
    } else if (b < 0.0) != (remainder < 0.0) {
        remainder + b
    } else {
        remainder
    }
}

/// C's `fmod(a, b)` for `b > 0`, which is exact: within a period or two of zero the
/// remainder is `a`, `a - b` or `a + b`, each exact by Sterbenz's lemma, so the libm call is
/// only made for angles further out.
fn fmod(a: f64, b: f64) -> f64 {
    if a.abs() < b {
        a
    } else if b <= a && a < 2.0 * b {
        a - b
    } else if -2.0 * b < a && a < -b {
        a + b
    } else {
        a % b
    }
}

impl Pendulum {
    /// A new environment; call `reset` before `step`.
    pub fn new() -> Pendulum {
        Pendulum::default()
    }

    fn observation(&self) -> [f64; 3] {
        [
            round_f32(self.theta.cos()),
            round_f32(self.theta.sin()),
            round_f32(self.theta_dot),
        ]
    }

    /// The description shared by every instance.
    pub fn describe() -> &'static EnvDescription {
        static DESCRIPTION: OnceLock<EnvDescription> = OnceLock::new();
        DESCRIPTION.get_or_init(|| EnvDescription {
            id: "Pendulum-v1".into(),
            summary: "A pendulum is attached at one end to a fixed pivot; it starts at a random angle and speed. \
                      Apply torque at the pivot to swing it up and keep it upright (angle 0) with as little \
                      speed and torque as possible. The torque alone cannot lift the pendulum from hanging \
                      straight down: it has to swing. Each step (dt = 0.05 s): \
                      theta_dot += (3 * 10 / 2 * sin(theta) + 3 * torque) * 0.05, clipped to [-8, 8]; \
                      theta += theta_dot * 0.05."
                .into(),
            observation_space: Space::box_f32(vec![-1.0, -1.0, -MAX_SPEED], vec![1.0, 1.0, MAX_SPEED]),
            observation_fields: vec![
                ObservationField::new("cos_theta", "cosine of the pendulum angle (1 is upright, -1 hangs down)", "", -1.0, 1.0),
                ObservationField::new("sin_theta", "sine of the pendulum angle (positive is counter-clockwise from upright)", "", -1.0, 1.0),
                ObservationField::new("angular_velocity", "angular velocity (positive is counter-clockwise)", "rad/s", -MAX_SPEED, MAX_SPEED),
            ],
            observation_note: "The angle itself is theta = math.atan2(obs.sin_theta, obs.cos_theta), in (-pi, pi], 0 upright.".into(),
            action_space: Space::box_f32(vec![-MAX_TORQUE], vec![MAX_TORQUE]),
            action_meanings: vec![
                "action[0]: torque at the pivot in [-2, 2] N m (positive is counter-clockwise); a bare float is accepted".into(),
            ],
            reward_source: "import math\n\ndef reward(obs, action, next_obs, terminated):\n    # uses the state before the step; theta normalized to [-pi, pi)\n    theta = math.atan2(obs.sin_theta, obs.cos_theta)\n    return -(theta ** 2 + 0.1 * obs.angular_velocity ** 2 + 0.001 * action[0] ** 2)\n".into(),
            termination: "Never: the episode only ends by truncation.".into(),
            truncation: "After 200 steps.".into(),
            max_episode_steps: Some(200),
            reward_threshold: None,
            starter_policy: "import math\n\ndef act(obs):\n    theta = math.atan2(obs.sin_theta, obs.cos_theta)\n    if obs.cos_theta > 0.8:\n        # near the top: a PD controller holds it upright\n        torque = -10.0 * theta - 1.0 * obs.angular_velocity\n    else:\n        # elsewhere: pump energy by pushing along the current motion\n        torque = 2.0 if obs.angular_velocity >= 0 else -2.0\n    return [max(-2.0, min(2.0, torque))]\n".into(),
        })
    }
}

impl Env for Pendulum {
    fn description(&self) -> &EnvDescription {
        Pendulum::describe()
    }

    fn reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        if let Some(seed) = seed {
            self.rng = NpRandom::from_seed(seed);
        }
        let state = self.rng.uniform_each(&[-PI, -1.0], &[PI, 1.0]);
        self.theta = state[0];
        self.theta_dot = state[1];
        self.observation().to_vec()
    }

    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, EnvError> {
        // A float32 torque, in range already (the space check rounded and bounded it).
        let u = self.action_space().check_scalar(action)? as f32;
        let (th, thdot) = (self.theta, self.theta_dot);

        // numpy: `u ** 2` and `0.001 * (...)` stay float32, the rest is float64.
        let torque_cost = f64::from(0.001f32 * pow2_f32(u));
        let costs = pow2(angle_normalize(th)) + 0.1 * pow2(thdot) + torque_cost;

        let gravity_term = 3.0 * G / (2.0 * L) * th.sin();
        let torque_term = f64::from((3.0 / (M * L * L)) as f32 * u);
        let new_thdot = (thdot + (gravity_term + torque_term) * DT).clamp(-MAX_SPEED, MAX_SPEED);
        let new_th = th + new_thdot * DT;
        self.theta = new_th;
        self.theta_dot = new_thdot;
        overwrite(observation, &self.observation());
        Ok(Transition {
            reward: -costs,
            terminated: false,
            truncated: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmod_is_c_fmod() {
        let period = 2.0 * PI;
        let mut values = vec![
            0.0,
            -0.0,
            period,
            -period,
            2.0 * period,
            -2.0 * period,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            -1e-300,
        ];
        for near in [0.0, period, -period, 2.0 * period, -2.0 * period] {
            let (mut up, mut down) = (near, near);
            for _ in 0..50 {
                up = up.next_up();
                down = down.next_down();
                values.extend([up, down]);
            }
        }
        let mut rng = NpRandom::from_seed(3);
        values.extend((0..100_000).map(|_| rng.uniform(-40.0, 40.0)));
        for a in values {
            assert_eq!(fmod(a, period).to_bits(), (a % period).to_bits(), "{a:e}");
        }
        assert!(fmod(f64::NAN, period).is_nan());
    }
}
