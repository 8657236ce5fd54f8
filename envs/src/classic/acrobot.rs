//! `Acrobot-v1`: Gymnasium's `classic_control/acrobot.py`, "book" dynamics, one RK4 step of
//! 0.2 s per action, exactly as Gymnasium's own `rk4` helper computes it.

use std::f64::consts::PI;
use std::sync::OnceLock;

use crate::env::overwrite;
use crate::numpy_math::{np_cos_f32, np_sin_f32, pow2, round_f32};
use crate::{
    Action, Env, EnvDescription, EnvError, NpRandom, ObservationField, Space, Transition,
    entropy_seed,
};

const DT: f64 = 0.2;
const LINK_LENGTH_1: f64 = 1.0;
const LINK_MASS_1: f64 = 1.0;
const LINK_MASS_2: f64 = 1.0;
const LINK_COM_POS_1: f64 = 0.5;
const LINK_COM_POS_2: f64 = 0.5;
const LINK_MOI: f64 = 1.0;
const MAX_VEL_1: f64 = 4.0 * PI;
const MAX_VEL_2: f64 = 9.0 * PI;
const AVAIL_TORQUE: [f64; 3] = [-1.0, 0.0, 1.0];
const GRAVITY: f64 = 9.8;

/// A two-link pendulum actuated at the middle joint: swing the free end above a line.
#[derive(Clone, Debug)]
pub struct Acrobot {
    /// theta1, theta2, dtheta1, dtheta2.
    state: [f64; 4],
    /// Right after `reset` Gymnasium's state is a float32 array, and numpy's float32 cosine
    /// and sine differ from the float64 ones.
    state_is_f32: bool,
    rng: NpRandom,
}

impl Default for Acrobot {
    fn default() -> Self {
        Acrobot {
            state: [0.0; 4],
            state_is_f32: true,
            rng: NpRandom::from_seed(entropy_seed()),
        }
    }
}

/// Gymnasium's `_dsdt`: derivatives of (theta1, theta2, dtheta1, dtheta2, torque).
fn dsdt(s: &[f64; 5]) -> [f64; 5] {
    let (m1, m2, l1, lc1, lc2, i1, i2, g) = (
        LINK_MASS_1,
        LINK_MASS_2,
        LINK_LENGTH_1,
        LINK_COM_POS_1,
        LINK_COM_POS_2,
        LINK_MOI,
        LINK_MOI,
        GRAVITY,
    );
    let [theta1, theta2, dtheta1, dtheta2, a] = *s;
    // Operations in Gymnasium's order (Python evaluates left to right). `x ** 2` of a numpy
    // scalar is C's `pow`, hence `pow2`; squares of the constants are exact either way.
    let d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2.0 * l1 * lc2 * theta2.cos()) + i1 + i2;
    let d2 = m2 * (lc2 * lc2 + l1 * lc2 * theta2.cos()) + i2;
    let phi2 = m2 * lc2 * g * (theta1 + theta2 - PI / 2.0).cos();
    let phi1 = -m2 * l1 * lc2 * pow2(dtheta2) * theta2.sin()
        - 2.0 * m2 * l1 * lc2 * dtheta2 * dtheta1 * theta2.sin()
        + (m1 * lc1 + m2 * l1) * g * (theta1 - PI / 2.0).cos()
        + phi2;
    // book_or_nips == "book"
    let ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * pow2(dtheta1) * theta2.sin() - phi2)
        / (m2 * lc2 * lc2 + i2 - pow2(d2) / d1);
    let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0]
}

/// `y + h * k`, elementwise.
fn add_scaled(y: &[f64; 5], h: f64, k: &[f64; 5]) -> [f64; 5] {
    std::array::from_fn(|i| y[i] + h * k[i])
}

/// Gymnasium's `rk4(derivs, y0, [0, dt])`: one classic Runge-Kutta step.
fn rk4(y0: &[f64; 5]) -> [f64; 5] {
    let dt = DT - 0.0;
    let dt2 = dt / 2.0;
    let k1 = dsdt(y0);
    let k2 = dsdt(&add_scaled(y0, dt2, &k1));
    let k3 = dsdt(&add_scaled(y0, dt2, &k2));
    let k4 = dsdt(&add_scaled(y0, dt, &k3));
    let h = dt / 6.0;
    std::array::from_fn(|i| y0[i] + h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]))
}

/// Gymnasium's `wrap`: shift `x` by whole periods into `[low, high]`.
fn wrap(mut x: f64, low: f64, high: f64) -> f64 {
    let diff = high - low;
    while x > high {
        x -= diff;
    }
    while x < low {
        x += diff;
    }
    x
}

/// Gymnasium's `bound`: `min(max(x, low), high)`.
fn bound(x: f64, low: f64, high: f64) -> f64 {
    let x = if low > x { low } else { x };
    if high < x { high } else { x }
}

impl Acrobot {
    /// A new environment; call `reset` before `step`.
    pub fn new() -> Acrobot {
        Acrobot::default()
    }

    fn observation(&self) -> [f64; 6] {
        let [theta1, theta2, dtheta1, dtheta2] = self.state;
        if self.state_is_f32 {
            let (t1, t2) = (theta1 as f32, theta2 as f32);
            return [
                f64::from(np_cos_f32(t1)),
                f64::from(np_sin_f32(t1)),
                f64::from(np_cos_f32(t2)),
                f64::from(np_sin_f32(t2)),
                round_f32(dtheta1),
                round_f32(dtheta2),
            ];
        }
        [
            theta1.cos(),
            theta1.sin(),
            theta2.cos(),
            theta2.sin(),
            dtheta1,
            dtheta2,
        ]
        .map(round_f32)
    }

    /// The description shared by every instance.
    pub fn describe() -> &'static EnvDescription {
        static DESCRIPTION: OnceLock<EnvDescription> = OnceLock::new();
        DESCRIPTION.get_or_init(|| {
            let (v1, v2) = (round_f32(MAX_VEL_1), round_f32(MAX_VEL_2));
            EnvDescription {
                id: "Acrobot-v1".into(),
                summary: "Two links hang in a chain from a fixed pivot; only the joint between them is actuated. \
                          Starting hanging down, almost still, apply torque at the middle joint to swing the free \
                          end of the lower link above the line one link length above the pivot, as fast as \
                          possible. theta1 is the angle of the first link from straight down; theta2 is the angle \
                          of the second link relative to the first (0 when in line). Each action is held for 0.2 s."
                    .into(),
                observation_space: Space::box_f32(vec![-1.0, -1.0, -1.0, -1.0, -v1, -v2], vec![1.0, 1.0, 1.0, 1.0, v1, v2]),
                observation_fields: vec![
                    ObservationField::new("cos_theta1", "cosine of the first link's angle from straight down", "", -1.0, 1.0),
                    ObservationField::new("sin_theta1", "sine of the first link's angle from straight down", "", -1.0, 1.0),
                    ObservationField::new("cos_theta2", "cosine of the second link's angle relative to the first", "", -1.0, 1.0),
                    ObservationField::new("sin_theta2", "sine of the second link's angle relative to the first", "", -1.0, 1.0),
                    ObservationField::new("angular_velocity_theta1", "angular velocity of theta1", "rad/s", -v1, v1),
                    ObservationField::new("angular_velocity_theta2", "angular velocity of theta2", "rad/s", -v2, v2),
                ],
                observation_note: "The free end's height above the pivot is -cos_theta1 - cos(theta1 + theta2), where \
                                   cos(theta1 + theta2) = cos_theta1 * cos_theta2 - sin_theta1 * sin_theta2."
                    .into(),
                action_space: Space::discrete(3),
                action_meanings: vec![
                    "0: torque -1 N m at the middle joint".into(),
                    "1: no torque".into(),
                    "2: torque +1 N m at the middle joint".into(),
                ],
                reward_source: "def reward(obs, action, next_obs, terminated):\n    # -1 for every step that does not reach the goal height, 0 for the step that does\n    return 0.0 if terminated else -1.0\n".into(),
                termination: "The free end rises above height 1 (one link length above the pivot): \
                              -cos(theta1) - cos(theta2 + theta1) > 1.0."
                    .into(),
                truncation: "After 500 steps.".into(),
                max_episode_steps: Some(500),
                reward_threshold: Some(-100.0),
                starter_policy: "def act(obs):\n    # torque along the second link's motion pumps energy into the swing\n    return 2 if obs.angular_velocity_theta2 > 0 else 0\n".into(),
            }
        })
    }
}

impl Env for Acrobot {
    fn description(&self) -> &EnvDescription {
        Acrobot::describe()
    }

    fn reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        if let Some(seed) = seed {
            self.rng = NpRandom::from_seed(seed);
        }
        // `uniform(-0.1, 0.1, size=(4,)).astype(np.float32)`
        let values = self.rng.uniform_each(&[-0.1; 4], &[0.1; 4]);
        self.state = std::array::from_fn(|i| round_f32(values[i]));
        self.state_is_f32 = true;
        self.observation().to_vec()
    }

    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, EnvError> {
        let action = self.action_space().check(action)?.discrete();
        let torque = AVAIL_TORQUE.get(action as usize).copied().unwrap_or(0.0);
        let [theta1, theta2, dtheta1, dtheta2] = self.state;
        let next = rk4(&[theta1, theta2, dtheta1, dtheta2, torque]);
        self.state = [
            wrap(next[0], -PI, PI),
            wrap(next[1], -PI, PI),
            bound(next[2], -MAX_VEL_1, MAX_VEL_1),
            bound(next[3], -MAX_VEL_2, MAX_VEL_2),
        ];
        self.state_is_f32 = false;
        let [theta1, theta2, _, _] = self.state;
        let terminated = -theta1.cos() - (theta2 + theta1).cos() > 1.0;
        let reward = if terminated { 0.0 } else { -1.0 };
        overwrite(observation, &self.observation());
        Ok(Transition {
            reward,
            terminated,
            truncated: false,
        })
    }
}
