//! `MountainCar-v0`: Gymnasium's `classic_control/mountain_car.py`.

use std::sync::OnceLock;

use crate::env::overwrite;
use crate::numpy_math::round_f32;
use crate::{
    Action, Env, EnvDescription, EnvError, NpRandom, ObservationField, Space, Transition,
    entropy_seed,
};

const MIN_POSITION: f64 = -1.2;
const MAX_POSITION: f64 = 0.6;
const MAX_SPEED: f64 = 0.07;
const GOAL_POSITION: f64 = 0.5;
const GOAL_VELOCITY: f64 = 0.0;
const FORCE: f64 = 0.001;
const GRAVITY: f64 = 0.0025;

/// A car in a valley must rock back and forth to reach the flag on the right hill
/// (discrete actions).
#[derive(Clone, Debug)]
pub struct MountainCar {
    position: f64,
    velocity: f64,
    rng: NpRandom,
}

impl Default for MountainCar {
    fn default() -> Self {
        MountainCar {
            position: 0.0,
            velocity: 0.0,
            rng: NpRandom::from_seed(entropy_seed()),
        }
    }
}

impl MountainCar {
    /// A new environment; call `reset` before `step`.
    pub fn new() -> MountainCar {
        MountainCar::default()
    }

    fn observation(&self) -> [f64; 2] {
        [round_f32(self.position), round_f32(self.velocity)]
    }

    /// The description shared by every instance.
    pub fn describe() -> &'static EnvDescription {
        static DESCRIPTION: OnceLock<EnvDescription> = OnceLock::new();
        DESCRIPTION.get_or_init(|| {
            let low = [MIN_POSITION, -MAX_SPEED].map(round_f32);
            let high = [MAX_POSITION, MAX_SPEED].map(round_f32);
            EnvDescription {
                id: "MountainCar-v0".into(),
                summary: "A car starts at the bottom of a sinusoidal valley (height = 0.45 * sin(3 * position) + 0.55). \
                          Its engine is too weak to climb the right hill directly: accelerate left and right to build \
                          up momentum and reach the flag at position 0.5 on top of the right hill as quickly as possible. \
                          Each step: velocity += (action - 1) * 0.001 - 0.0025 * cos(3 * position), clipped to \
                          [-0.07, 0.07]; position += velocity, clipped to [-1.2, 0.6]; hitting the left wall stops the car."
                    .into(),
                observation_space: Space::box_f32(low.to_vec(), high.to_vec()),
                observation_fields: vec![
                    ObservationField::new("position", "car position along the x-axis (the flag is at 0.5, the valley bottom near -0.52)", "m", low[0], high[0]),
                    ObservationField::new("velocity", "car velocity (positive is rightwards)", "m/step", low[1], high[1]),
                ],
                observation_note: String::new(),
                action_space: Space::discrete(3),
                action_meanings: vec![
                    "0: accelerate to the left".into(),
                    "1: do not accelerate".into(),
                    "2: accelerate to the right".into(),
                ],
                reward_source: "def reward(obs, action, next_obs, terminated):\n    # -1 for every step taken, including the one that reaches the flag\n    return -1.0\n".into(),
                termination: "The car's position reaches 0.5 or more (the flag) with a velocity of 0 or more.".into(),
                truncation: "After 200 steps.".into(),
                max_episode_steps: Some(200),
                reward_threshold: Some(-110.0),
                starter_policy: "def act(obs):\n    # push in the direction the car already moves, to build up momentum\n    return 2 if obs.velocity >= 0 else 0\n".into(),
            }
        })
    }
}

impl Env for MountainCar {
    fn description(&self) -> &EnvDescription {
        MountainCar::describe()
    }

    fn reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        if let Some(seed) = seed {
            self.rng = NpRandom::from_seed(seed);
        }
        self.position = self.rng.uniform(-0.6, -0.4);
        self.velocity = 0.0;
        self.observation().to_vec()
    }

    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, EnvError> {
        let action = self.action_space().check(action)?.discrete();
        // Same operations in the same order as Gymnasium, so the float64 state is identical.
        let push = (action - 1) as f64 * FORCE;
        let mut velocity = self.velocity + (push + (3.0 * self.position).cos() * -GRAVITY);
        velocity = velocity.clamp(-MAX_SPEED, MAX_SPEED);
        let position = (self.position + velocity).clamp(MIN_POSITION, MAX_POSITION);
        if position == MIN_POSITION && velocity < 0.0 {
            velocity = 0.0;
        }
        self.position = position;
        self.velocity = velocity;
        let terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
        overwrite(observation, &self.observation());
        Ok(Transition {
            reward: -1.0,
            terminated,
            truncated: false,
        })
    }
}
