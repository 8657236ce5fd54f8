//! `CartPole-v1`: Gymnasium's `classic_control/cartpole.py`, Euler integrator.

use std::sync::OnceLock;

use crate::env::overwrite;
use crate::{
    Action, Env, EnvDescription, EnvError, NpRandom, ObservationField, Space, Transition,
    entropy_seed,
};

const GRAVITY: f64 = 9.8;
const MASS_CART: f64 = 1.0;
const MASS_POLE: f64 = 0.1;
const TOTAL_MASS: f64 = MASS_POLE + MASS_CART;
const LENGTH: f64 = 0.5;
const POLE_MASS_LENGTH: f64 = MASS_POLE * LENGTH;
const FORCE_MAG: f64 = 10.0;
const TAU: f64 = 0.02;
const THETA_THRESHOLD: f64 = 12.0 * 2.0 * std::f64::consts::PI / 360.0;
const X_THRESHOLD: f64 = 2.4;

/// The cart-pole balancing task.
#[derive(Clone, Debug)]
pub struct CartPole {
    state: [f64; 4],
    rng: NpRandom,
}

impl Default for CartPole {
    fn default() -> Self {
        CartPole {
            state: [0.0; 4],
            rng: NpRandom::from_seed(entropy_seed()),
        }
    }
}

impl CartPole {
    /// A new environment; call `reset` before `step`.
    pub fn new() -> CartPole {
        CartPole::default()
    }

    fn observation(&self) -> [f64; 4] {
        // Gymnasium returns the float64 state cast to float32.
        self.state.map(|v| f64::from(v as f32))
    }

    /// The description shared by every instance.
    pub fn describe() -> &'static EnvDescription {
        static DESCRIPTION: OnceLock<EnvDescription> = OnceLock::new();
        DESCRIPTION.get_or_init(|| {
            let inf = f64::INFINITY;
            let high = [X_THRESHOLD * 2.0, inf, THETA_THRESHOLD * 2.0, inf].map(|v| f64::from(v as f32));
            EnvDescription {
                id: "CartPole-v1".into(),
                summary: "A pole is attached by an unactuated joint to a cart moving along a frictionless track. \
                          Push the cart left or right to keep the pole upright for as long as possible."
                    .into(),
                observation_space: Space::box_f32(high.iter().map(|v| -v).collect(), high.to_vec()),
                observation_fields: vec![
                    ObservationField::new("cart_position", "cart position along the track (0 is the centre)", "m", -high[0], high[0]),
                    ObservationField::new("cart_velocity", "cart velocity (positive is rightwards)", "m/s", -inf, inf),
                    ObservationField::new("pole_angle", "pole angle from vertical (positive leans right)", "rad", -high[2], high[2]),
                    ObservationField::new("pole_angular_velocity", "pole angular velocity (positive rotates rightwards)", "rad/s", -inf, inf),
                ],
                observation_note: String::new(),
                action_space: Space::discrete(2),
                action_meanings: vec!["0: push the cart to the left (force -10 N)".into(), "1: push the cart to the right (force +10 N)".into()],
                reward_source: "def reward(obs, action, next_obs, terminated):\n    # +1 for every step taken, including the one that ends the episode\n    return 1.0\n".into(),
                termination: format!(
                    "The pole angle leaves [-{THETA_THRESHOLD:.4}, {THETA_THRESHOLD:.4}] rad (12 degrees), or the cart position leaves [-{X_THRESHOLD}, {X_THRESHOLD}] m."
                ),
                truncation: "After 500 steps.".into(),
                max_episode_steps: Some(500),
                reward_threshold: Some(475.0),
                starter_policy: "# Push towards the side the pole leans to. The weights say how much each reading counts\n# (float constants: the built-in tuner adjusts them).\nW_POSITION = 0.0\nW_VELOCITY = 0.0\nW_ANGLE = 1.0\nW_ANGULAR_VELOCITY = 0.0\n\n\ndef act(obs):\n    push = (W_POSITION * obs.cart_position + W_VELOCITY * obs.cart_velocity\n            + W_ANGLE * obs.pole_angle + W_ANGULAR_VELOCITY * obs.pole_angular_velocity)\n    return 1 if push > 0.0 else 0\n".into(),
            }
        })
    }
}

impl Env for CartPole {
    fn description(&self) -> &EnvDescription {
        CartPole::describe()
    }

    fn reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        if let Some(seed) = seed {
            self.rng = NpRandom::from_seed(seed);
        }
        let values = self.rng.uniform_each(&[-0.05; 4], &[0.05; 4]);
        self.state.copy_from_slice(&values);
        self.observation().to_vec()
    }

    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, EnvError> {
        let action = self.action_space().check(action)?.discrete();
        let [x, x_dot, theta, theta_dot] = self.state;
        let force = if action == 1 { FORCE_MAG } else { -FORCE_MAG };
        let (sin_theta, cos_theta) = (theta.sin(), theta.cos());
        let temp = (force + POLE_MASS_LENGTH * (theta_dot * theta_dot) * sin_theta) / TOTAL_MASS;
        let theta_acc = (GRAVITY * sin_theta - cos_theta * temp)
            / (LENGTH * (4.0 / 3.0 - MASS_POLE * (cos_theta * cos_theta) / TOTAL_MASS));
        let x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos_theta / TOTAL_MASS;
        self.state = [
            x + TAU * x_dot,
            x_dot + TAU * x_acc,
            theta + TAU * theta_dot,
            theta_dot + TAU * theta_acc,
        ];
        let [x, _, theta, _] = self.state;
        let terminated = !(-X_THRESHOLD..=X_THRESHOLD).contains(&x)
            || !(-THETA_THRESHOLD..=THETA_THRESHOLD).contains(&theta);
        overwrite(observation, &self.observation());
        Ok(Transition {
            reward: 1.0,
            terminated,
            truncated: false,
        })
    }
}
