//! What every registered environment promises: wrong actions and out-of-order calls are typed
//! errors, never panics; a seed reproduces a trajectory; the description matches the spaces.

use ppo_sandbox_envs::{Action, Env, EnvError, NpRandom, Registry, Space, Step};

fn ids() -> Vec<String> {
    Registry::default().ids().map(str::to_owned).collect()
}

fn make(id: &str) -> Box<dyn Env> {
    Registry::default()
        .make(id)
        .unwrap_or_else(|err| panic!("{id}: {err}"))
}

/// A valid action drawn from `rng`.
fn random_action(space: &Space, rng: &mut NpRandom) -> Action {
    match space {
        Space::Discrete { n, start } => Action::Int(start + rng.integers(0, *n as i64)),
        Space::Box(space) => Action::FloatList(
            space
                .low
                .iter()
                .zip(&space.high)
                .map(|(&lo, &hi)| rng.uniform(lo, hi))
                .collect(),
        ),
        Space::MultiDiscrete { nvec } => {
            Action::IntList(nvec.iter().map(|&n| rng.integers(0, n as i64)).collect())
        }
    }
}

/// Actions that do not belong to `space`.
fn invalid_actions(space: &Space) -> Vec<Action> {
    match space {
        Space::Discrete { n, start } => vec![
            Action::Int(start + *n as i64),
            Action::Int(start - 1),
            Action::Int(i64::MIN),
            Action::Int(i64::MAX),
            Action::Float(0.0),
            Action::Float(f64::NAN),
            Action::FloatList(vec![0.0]),
            Action::IntList(vec![0]),
            Action::IntList(vec![]),
        ],
        Space::Box(space) => {
            let dim = space.low.len();
            let mut actions = vec![
                Action::FloatList(vec![f64::NAN; dim]),
                Action::FloatList(vec![f64::INFINITY; dim]),
                Action::FloatList(vec![f64::NEG_INFINITY; dim]),
                Action::FloatList(space.high.iter().map(|h| h + 1.0).collect()),
                Action::FloatList(space.low.iter().map(|l| l - 1.0).collect()),
                Action::FloatList(vec![0.0; dim + 1]),
                Action::FloatList(vec![]),
                Action::IntList(vec![i64::MAX; dim]),
                Action::Float(f64::NAN),
                Action::Float(f64::INFINITY),
            ];
            if dim == 1 {
                actions.push(Action::Float(space.high[0] * 2.0 + 1.0));
                actions.push(Action::Int(i64::MIN));
            } else {
                actions.push(Action::Float(0.0));
            }
            actions
        }
        Space::MultiDiscrete { nvec } => vec![
            Action::IntList(nvec.iter().map(|&n| n as i64).collect()),
            Action::Float(0.0),
        ],
    }
}

/// Plays one episode with seeded random actions; returns every step.
fn play(
    env: &mut dyn Env,
    seed: Option<u64>,
    action_seed: u64,
    max_steps: usize,
) -> (Vec<f64>, Vec<Step>) {
    let first = env.reset(seed);
    let mut rng = NpRandom::from_seed(action_seed);
    let mut steps = Vec::new();
    for _ in 0..max_steps {
        let action = random_action(env.action_space(), &mut rng);
        let step = env
            .step(&action)
            .unwrap_or_else(|err| panic!("{}: {err}", env.description().id));
        let done = step.done();
        steps.push(step);
        if done {
            break;
        }
    }
    (first, steps)
}

#[test]
fn step_before_reset_is_an_error() {
    for id in ids() {
        let mut env = make(&id);
        let action = random_action(env.action_space(), &mut NpRandom::from_seed(0));
        assert_eq!(env.step(&action), Err(EnvError::NotReset), "{id}");
    }
}

#[test]
fn invalid_actions_are_rejected_naming_the_space_and_change_nothing() {
    for id in ids() {
        let mut env = make(&id);
        let space_text = env.action_space().describe();
        env.reset(Some(7));
        let mut reference = make(&id);
        reference.reset(Some(7));
        for action in invalid_actions(env.action_space()) {
            match env.step(&action) {
                Err(EnvError::InvalidAction { space, reason }) => {
                    assert_eq!(space, space_text, "{id} {action:?}");
                    assert!(!reason.is_empty(), "{id} {action:?}");
                }
                other => panic!("{id}: {action:?} gave {other:?}"),
            }
        }
        // The rejected actions left the episode where it was.
        let action = random_action(env.action_space(), &mut NpRandom::from_seed(1));
        assert_eq!(env.step(&action), reference.step(&action), "{id}");
    }
}

#[test]
fn step_after_the_episode_ended_is_an_error_until_reset() {
    for id in ids() {
        let mut env = make(&id);
        let limit = env
            .description()
            .max_episode_steps
            .map_or(10_000, |s| s as usize);
        let (_, steps) = play(env.as_mut(), Some(3), 4, limit);
        assert!(
            steps.last().is_some_and(Step::done),
            "{id}: the episode did not end within {limit} steps"
        );
        let action = random_action(env.action_space(), &mut NpRandom::from_seed(0));
        assert_eq!(env.step(&action), Err(EnvError::EpisodeOver), "{id}");
        assert_eq!(env.step(&action), Err(EnvError::EpisodeOver), "{id}");
        env.reset(None);
        assert!(env.step(&action).is_ok(), "{id}");
    }
}

#[test]
fn the_time_limit_truncates_at_max_episode_steps() {
    for id in ids() {
        let mut env = make(&id);
        let Some(limit) = env.description().max_episode_steps else {
            continue;
        };
        let limit = limit as usize;
        for seed in 0..20 {
            let (_, steps) = play(env.as_mut(), Some(seed), seed + 100, limit + 5);
            assert!(steps.len() <= limit, "{id}");
            let last = steps.last().expect("a step");
            assert_eq!(last.truncated, steps.len() == limit, "{id} seed {seed}");
            assert!(steps[..steps.len() - 1].iter().all(|s| !s.done()), "{id}");
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_trajectory() {
    for id in ids() {
        let mut env = make(&id);
        let a = play(env.as_mut(), Some(11), 5, 300);
        let _ = play(env.as_mut(), Some(12), 6, 300);
        let b = play(env.as_mut(), Some(11), 5, 300);
        assert_eq!(a, b, "{id}: one instance, reset twice with seed 11");

        // A fresh instance, and episodes that continue the seeded stream, agree too.
        let mut other = make(&id);
        let c = play(other.as_mut(), Some(11), 5, 300);
        assert_eq!(a, c, "{id}: two instances");
        let d = play(env.as_mut(), None, 7, 300);
        let e = play(other.as_mut(), None, 7, 300);
        assert_eq!(d, e, "{id}: reset(None) after the same seeded episode");
    }
}

#[test]
fn different_seeds_give_different_starts_or_transitions() {
    // Over a few seeds and steps every env with randomness shows it (the deterministic ones
    // start in one place and move where they are told).
    let deterministic = [
        "FrozenLakeNotSlippery-v1",
        "FrozenLake8x8NotSlippery-v1",
        "CliffWalking-v1",
    ];
    for id in ids()
        .into_iter()
        .filter(|id| !deterministic.contains(&id.as_str()))
    {
        let mut env = make(&id);
        let runs: Vec<_> = (0..5)
            .map(|seed| play(env.as_mut(), Some(seed), 9, 50))
            .collect();
        assert!(
            runs.windows(2).any(|w| w[0] != w[1]),
            "{id}: five seeds gave one trajectory"
        );
    }
}

#[test]
fn descriptions_match_the_spaces_and_the_observations() {
    let registry = Registry::default();
    for id in ids() {
        let description = registry.describe(&id).expect("registered");
        assert_eq!(description.id, id);
        let mut env = make(&id);
        let observation = env.reset(Some(0));
        assert_eq!(
            observation.len(),
            description.observation_space.flat_len(),
            "{id}"
        );
        match &description.observation_space {
            Space::Discrete { n, .. } => {
                assert!(description.observation_fields.is_empty(), "{id}");
                assert!(
                    description.observation_note.contains("divmod"),
                    "{id}: explain how to decode the int"
                );
                assert!(
                    observation[0].fract() == 0.0
                        && observation[0] >= 0.0
                        && observation[0] < *n as f64,
                    "{id}"
                );
            }
            Space::Box(space) => {
                assert_eq!(
                    description.observation_fields.len(),
                    space.low.len(),
                    "{id}"
                );
                for (field, (&value, (&low, &high))) in description
                    .observation_fields
                    .iter()
                    .zip(observation.iter().zip(space.low.iter().zip(&space.high)))
                {
                    assert!(
                        field
                            .name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                        "{id}: {}",
                        field.name
                    );
                    assert!(!field.meaning.is_empty(), "{id}: {}", field.name);
                    assert_eq!((field.low, field.high), (low, high), "{id}: {}", field.name);
                    assert!(
                        low <= value && value <= high,
                        "{id}: {} = {value}",
                        field.name
                    );
                }
            }
            Space::MultiDiscrete { .. } => {}
        }
        assert!(!description.action_meanings.is_empty(), "{id}");
        assert!(description.reward_source.contains("def reward("), "{id}");
        assert!(description.starter_policy.contains("def act("), "{id}");
        assert!(
            !description.termination.is_empty() && !description.truncation.is_empty(),
            "{id}"
        );
        assert!(description.to_prompt_text().contains(&id));
    }
}

#[test]
fn gymnasium_registrations_are_kept() {
    let registry = Registry::default();
    let expected = [
        ("CartPole-v1", Some(500), Some(475.0)),
        ("MountainCar-v0", Some(200), Some(-110.0)),
        ("MountainCarContinuous-v0", Some(999), Some(90.0)),
        ("Pendulum-v1", Some(200), None),
        ("Acrobot-v1", Some(500), Some(-100.0)),
        ("FrozenLake-v1", Some(100), Some(0.70)),
        ("FrozenLake8x8-v1", Some(200), Some(0.85)),
        ("FrozenLakeNotSlippery-v1", Some(100), Some(0.70)),
        ("FrozenLake8x8NotSlippery-v1", Some(200), Some(0.85)),
        // Gymnasium has no time limit here; 200 is our cap.
        ("CliffWalking-v1", Some(200), None),
        ("CliffWalkingSlippery-v1", Some(200), None),
        ("Taxi-v4", Some(200), Some(8.0)),
        ("NoiseWorld-v0", Some(100), None),
        ("NoiseWorldBoard0-v0", Some(25), None),
        ("NoiseWorldBoard6-v0", Some(100), None),
    ];
    for (id, steps, threshold) in expected {
        let description = registry.describe(id).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(
            (description.max_episode_steps, description.reward_threshold),
            (steps, threshold),
            "{id}"
        );
    }
}

#[test]
fn noise_world_descriptions_hide_what_the_codes_mean() {
    let registry = Registry::default();
    for id in registry.ids().filter(|id| id.starts_with("NoiseWorld")) {
        let text = registry
            .describe(id)
            .expect("registered")
            .to_prompt_text()
            .to_lowercase();
        // The board's hundred fields take one line of the prompt, not a hundred.
        assert!(text.len() < 6000, "{id}: {} characters", text.len());
        for secret in [
            "wall",
            "stochastic",
            "deterministic",
            "code 3",
            "code 5",
            "3 is",
            "5 is",
            "3 means",
            "5 means",
        ] {
            assert!(!text.contains(secret), "{id} reveals {secret:?}");
        }
    }
}

#[test]
fn step_into_writes_what_step_returns_and_leaves_the_buffer_alone_on_errors() {
    for id in ids() {
        let (mut by_step, mut by_step_into) = (make(&id), make(&id));
        by_step.reset(Some(11));
        let mut observation = by_step_into.reset(Some(11));
        let mut rng = NpRandom::from_seed(12);
        for t in 0..300 {
            let action = random_action(by_step.action_space(), &mut rng);
            // A rejected action leaves the buffer as the last step wrote it.
            let before = observation.clone();
            for invalid in invalid_actions(by_step.action_space()) {
                assert!(by_step_into.step_into(&invalid, &mut observation).is_err());
                assert_eq!(observation, before, "{id} step {t}: {invalid:?}");
            }
            let step = by_step.step(&action).unwrap();
            let transition = by_step_into.step_into(&action, &mut observation).unwrap();
            assert_eq!(transition, step.transition(), "{id} step {t}");
            assert_eq!(observation, step.observation, "{id} step {t}");
            if step.done() {
                assert!(by_step_into.step_into(&action, &mut observation).is_err());
                assert_eq!(observation, step.observation, "{id} after the end");
                break;
            }
        }
    }
}
