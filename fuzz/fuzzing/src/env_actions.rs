//! Environments stepped with arbitrary actions: any registered id, any action type, shape or
//! value, steps past the end of an episode, reseeding at any point.

use arbitrary::{Arbitrary, Result, Unstructured};
use ppo_sandbox_engine::envs::{Action, EnvError, Registry};

/// One arbitrary action value.
#[derive(Clone, Debug)]
pub struct AnyAction(pub Action);

impl<'a> Arbitrary<'a> for AnyAction {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let small_int = |u: &mut Unstructured<'a>| -> Result<i64> {
            Ok(if u.ratio(3, 4)? {
                u.int_in_range(-1..=6)?
            } else {
                i64::arbitrary(u)?
            })
        };
        let float = |u: &mut Unstructured<'a>| -> Result<f64> {
            Ok(match u.int_in_range(0..=9)? {
                0 => f64::NAN,
                1 => f64::INFINITY,
                2 => f64::MAX,
                3..=6 => f64::from(u.int_in_range(-300i32..=300)?) / 100.0,
                _ => f64::arbitrary(u)?,
            })
        };
        let len = |u: &mut Unstructured<'a>| -> Result<usize> {
            Ok(if u.ratio(3, 4)? {
                u.int_in_range(1..=8)?
            } else {
                u.int_in_range(0..=40)?
            })
        };
        Ok(AnyAction(match u.int_in_range(0..=3)? {
            0 => Action::Int(small_int(u)?),
            1 => Action::Float(float(u)?),
            2 => {
                let n = len(u)?;
                Action::FloatList((0..n).map(|_| float(u)).collect::<Result<_>>()?)
            }
            _ => {
                let n = len(u)?;
                Action::IntList((0..n).map(|_| small_int(u)).collect::<Result<_>>()?)
            }
        }))
    }
}

/// An environment, a seed, and what is done to it.
#[derive(Clone, Debug, Arbitrary)]
pub struct EnvSession {
    pub env: u8,
    pub seed: Option<u64>,
    pub calls: Vec<EnvCall>,
}

#[derive(Clone, Debug, Arbitrary)]
pub enum EnvCall {
    Step(AnyAction),
    /// Repeat an action many times (episodes reach their ends).
    StepRepeated(AnyAction, u8),
    Reset(Option<u64>),
}

impl EnvSession {
    /// Plays the session; panics if an oracle fails.
    pub fn run(&self) {
        let registry = Registry::default();
        let ids: Vec<&str> = registry.ids().collect();
        let id = ids[usize::from(self.env) % ids.len()];
        let mut env = match registry.make(id) {
            Ok(env) => env,
            // MuJoCo ids in a build without MuJoCo.
            Err(EnvError::Unavailable { .. }) => return,
            Err(error) => panic!("{id} does not build: {error}"),
        };
        let expected_len = env.reset(self.seed).len();
        let mut over = false;
        let mut steps = 0usize;
        for call in &self.calls {
            let (action, times) = match call {
                EnvCall::Reset(seed) => {
                    let observation = env.reset(*seed);
                    assert_eq!(
                        observation.len(),
                        expected_len,
                        "{id}: reset observation length"
                    );
                    over = false;
                    continue;
                }
                EnvCall::Step(action) => (action, 1),
                EnvCall::StepRepeated(action, times) => (action, usize::from(*times) * 8),
            };
            for _ in 0..times {
                steps += 1;
                if steps > 20_000 {
                    return;
                }
                let valid = env.action_space().check(&action.0).is_ok();
                match env.step(&action.0) {
                    Ok(step) => {
                        assert!(valid, "{id} stepped with an invalid action {:?}", action.0);
                        assert!(!over, "{id} stepped after its episode ended");
                        assert_eq!(
                            step.observation.len(),
                            expected_len,
                            "{id}: observation length"
                        );
                        assert!(!step.reward.is_nan(), "{id}: NaN reward for {:?}", action.0);
                        assert!(
                            step.observation.iter().all(|v| !v.is_nan()) || step.terminated,
                            "{id}: NaN observation {:?} for {:?} without termination",
                            step.observation,
                            action.0
                        );
                        over = step.done();
                    }
                    Err(EnvError::InvalidAction { .. }) => {
                        assert!(!valid, "{id} refused a valid action {:?}", action.0);
                    }
                    Err(EnvError::EpisodeOver) => assert!(over, "{id}: episode over too soon"),
                    Err(EnvError::Simulation { .. }) => over = true,
                    Err(error) => panic!("{id}: unexpected error {error} for {:?}", action.0),
                }
            }
        }
    }
}
