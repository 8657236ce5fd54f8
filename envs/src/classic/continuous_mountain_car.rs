//! `MountainCarContinuous-v0`: Gymnasium's `classic_control/continuous_mountain_car.py`.
//!
//! Gymnasium keeps this env's state as a float32 array after the first step and mixes numpy
//! float32 scalars with Python floats in `step`. Under numpy 2's promotion rules a Python
//! float meeting a float32 scalar is converted to float32 first, so part of the arithmetic
//! (and every comparison against a float32 value) happens in single precision. [`Scalar`]
//! tracks which kind each intermediate value is, so the trajectory matches bit for bit.

use std::sync::OnceLock;

use crate::env::overwrite;
use crate::numpy_math::round_f32;
use crate::{
    Action, Env, EnvDescription, EnvError, NpRandom, ObservationField, Space, Transition,
    entropy_seed,
};

const MIN_ACTION: f64 = -1.0;
const MAX_ACTION: f64 = 1.0;
const MIN_POSITION: f64 = -1.2;
const MAX_POSITION: f64 = 0.6;
const MAX_SPEED: f64 = 0.07;
const GOAL_POSITION: f64 = 0.45;
const POWER: f64 = 0.0015;

/// A numpy or Python scalar in Gymnasium's `step`.
#[derive(Clone, Copy, Debug)]
enum Scalar {
    /// `np.float64`.
    F64(f64),
    /// `np.float32`.
    F32(f32),
    /// A Python float or int: converted to float32 when it meets a float32.
    Py(f64),
}

impl Scalar {
    fn value(self) -> f64 {
        match self {
            Scalar::F64(v) | Scalar::Py(v) => v,
            Scalar::F32(v) => f64::from(v),
        }
    }

    /// `self > bound` for a Python float `bound`.
    fn gt(self, bound: f64) -> bool {
        match self {
            Scalar::F32(v) => v > bound as f32,
            other => other.value() > bound,
        }
    }

    /// `self < bound` for a Python float `bound`.
    fn lt(self, bound: f64) -> bool {
        match self {
            Scalar::F32(v) => v < bound as f32,
            other => other.value() < bound,
        }
    }

    /// `self >= bound` for a Python float `bound`.
    fn ge(self, bound: f64) -> bool {
        !self.lt(bound)
    }

    /// `self == bound` for a Python float `bound`.
    fn eq(self, bound: f64) -> bool {
        match self {
            Scalar::F32(v) => v == bound as f32,
            other => other.value() == bound,
        }
    }

    /// `self + other`, promoted as numpy 2 does.
    fn add(self, other: Scalar) -> Scalar {
        match (self, other) {
            (Scalar::F32(a), Scalar::F32(b)) => Scalar::F32(a + b),
            (Scalar::F32(a), Scalar::Py(b)) | (Scalar::Py(b), Scalar::F32(a)) => {
                Scalar::F32(a + b as f32)
            }
            (Scalar::Py(a), Scalar::Py(b)) => Scalar::Py(a + b),
            (a, b) => Scalar::F64(a.value() + b.value()),
        }
    }
}

/// The continuous-action mountain car: reach the flag with as little energy as possible.
#[derive(Clone, Debug)]
pub struct ContinuousMountainCar {
    position: Scalar,
    velocity: Scalar,
    rng: NpRandom,
}

impl Default for ContinuousMountainCar {
    fn default() -> Self {
        ContinuousMountainCar {
            position: Scalar::F64(0.0),
            velocity: Scalar::F64(0.0),
            rng: NpRandom::from_seed(entropy_seed()),
        }
    }
}

impl ContinuousMountainCar {
    /// A new environment; call `reset` before `step`.
    pub fn new() -> ContinuousMountainCar {
        ContinuousMountainCar::default()
    }

    fn observation(&self) -> [f64; 2] {
        [
            round_f32(self.position.value()),
            round_f32(self.velocity.value()),
        ]
    }

    /// The description shared by every instance.
    pub fn describe() -> &'static EnvDescription {
        static DESCRIPTION: OnceLock<EnvDescription> = OnceLock::new();
        DESCRIPTION.get_or_init(|| {
            let low = [MIN_POSITION, -MAX_SPEED].map(round_f32);
            let high = [MAX_POSITION, MAX_SPEED].map(round_f32);
            EnvDescription {
                id: "MountainCarContinuous-v0".into(),
                summary: "A car starts at the bottom of a sinusoidal valley (height = 0.45 * sin(3 * position) + 0.55). \
                          Its engine is too weak to climb the right hill directly: push left and right to build up \
                          momentum and reach the flag at position 0.45 on top of the right hill, spending as little \
                          energy as possible. Each step: velocity += force * 0.0015 - 0.0025 * cos(3 * position), \
                          clipped to [-0.07, 0.07]; position += velocity, clipped to [-1.2, 0.6]; hitting the left \
                          wall stops the car."
                    .into(),
                observation_space: Space::box_f32(low.to_vec(), high.to_vec()),
                observation_fields: vec![
                    ObservationField::new("position", "car position along the x-axis (the flag is at 0.45, the valley bottom near -0.52)", "m", low[0], high[0]),
                    ObservationField::new("velocity", "car velocity (positive is rightwards)", "m/step", low[1], high[1]),
                ],
                observation_note: String::new(),
                action_space: Space::box_f32(vec![MIN_ACTION], vec![MAX_ACTION]),
                action_meanings: vec![
                    "action[0]: engine force in [-1, 1] (negative pushes left, positive pushes right); a bare float is accepted".into(),
                ],
                reward_source: "def reward(obs, action, next_obs, terminated):\n    # +100 for reaching the flag, minus 0.1 * force^2 on every step (the energy spent)\n    r = 100.0 if terminated else 0.0\n    return r - 0.1 * action[0] ** 2\n".into(),
                termination: "The car's position reaches 0.45 or more (the flag) with a velocity of 0 or more.".into(),
                truncation: "After 999 steps.".into(),
                max_episode_steps: Some(999),
                reward_threshold: Some(90.0),
                starter_policy: "def act(obs):\n    # push in the direction the car already moves, to build up momentum\n    return [1.0 if obs.velocity >= 0 else -1.0]\n".into(),
            }
        })
    }
}

impl Env for ContinuousMountainCar {
    fn description(&self) -> &EnvDescription {
        ContinuousMountainCar::describe()
    }

    fn reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        if let Some(seed) = seed {
            self.rng = NpRandom::from_seed(seed);
        }
        // `np.array([uniform(-0.6, -0.4), 0])`: a float64 state until the first step.
        self.position = Scalar::F64(self.rng.uniform(-0.6, -0.4));
        self.velocity = Scalar::F64(0.0);
        self.observation().to_vec()
    }

    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, EnvError> {
        // The space check rounded the action to float32 and kept it in [-1, 1], so
        // Gymnasium's `min(max(action[0], -1.0), 1.0)` is the action itself.
        let force = self.action_space().check_scalar(action)? as f32;

        // velocity += force * power - 0.0025 * math.cos(3 * position)
        let push = force * POWER as f32;
        let cos_argument = match self.position {
            Scalar::F32(p) => f64::from(3.0 * p),
            other => 3.0 * other.value(),
        };
        let gravity = 0.0025 * cos_argument.cos();
        let acceleration = Scalar::F32(push - gravity as f32);
        let mut velocity = self.velocity.add(acceleration);
        if velocity.gt(MAX_SPEED) {
            velocity = Scalar::Py(MAX_SPEED);
        }
        if velocity.lt(-MAX_SPEED) {
            velocity = Scalar::Py(-MAX_SPEED);
        }
        let mut position = self.position.add(velocity);
        if position.gt(MAX_POSITION) {
            position = Scalar::Py(MAX_POSITION);
        }
        if position.lt(MIN_POSITION) {
            position = Scalar::Py(MIN_POSITION);
        }
        if position.eq(MIN_POSITION) && velocity.value() < 0.0 {
            velocity = Scalar::Py(0.0);
        }
        let terminated = position.ge(GOAL_POSITION) && velocity.value() >= 0.0;

        let energy = f64::from(force) * f64::from(force) * 0.1;
        let reward = if terminated { 100.0 } else { 0.0 } - energy;
        // `self.state = np.array([position, velocity], dtype=np.float32)`
        self.position = Scalar::F32(position.value() as f32);
        self.velocity = Scalar::F32(velocity.value() as f32);
        overwrite(observation, &self.observation());
        Ok(Transition {
            reward,
            terminated,
            truncated: false,
        })
    }
}
