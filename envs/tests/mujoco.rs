//! The MuJoCo environments beyond Gymnasium parity (`gym_parity.rs`): determinism, bad
//! actions, a blown-up simulation, user models, and the build without MuJoCo.

use ppo_sandbox_envs::{EnvError, MujocoTask, Registry};

#[cfg(feature = "mujoco")]
mod with_mujoco {
    use std::path::Path;

    use ppo_sandbox_envs::{Action, Env, EnvError, MujocoEnv, MujocoTask, Registry};

    fn zeros(task: MujocoTask) -> Action {
        Action::FloatList(vec![0.0; task.action_len()])
    }

    #[test]
    fn every_task_is_deterministic_per_seed_and_matches_its_description() {
        let registry = Registry::default();
        for task in MujocoTask::ALL {
            let mut first = registry.make(task.id()).unwrap();
            let mut second = registry.make(task.id()).unwrap();
            let obs = first.reset(Some(5));
            assert_eq!(obs, second.reset(Some(5)), "{}", task.id());
            assert_eq!(
                obs.len(),
                task.describe().observation_fields.len(),
                "{}",
                task.id()
            );
            assert_ne!(
                obs,
                first.reset(Some(6)),
                "{}: another seed, another start",
                task.id()
            );
            first.reset(Some(5));
            for _ in 0..20 {
                let a = first.step(&zeros(task)).unwrap();
                let b = second.step(&zeros(task)).unwrap();
                assert_eq!(a, b, "{}", task.id());
                assert!(a.observation.iter().all(|v| v.is_finite()), "{}", task.id());
                if a.done() {
                    break;
                }
            }
        }
    }

    #[test]
    fn nan_infinite_out_of_range_and_misshapen_actions_are_typed_errors() {
        let mut env = Registry::default().make("Hopper-v5").unwrap();
        env.reset(Some(0));
        for bad in [
            Action::FloatList(vec![f64::NAN, 0.0, 0.0]),
            Action::FloatList(vec![0.0, f64::INFINITY, 0.0]),
            Action::FloatList(vec![0.0, 0.0, 1.5]),
            Action::FloatList(vec![0.0, 0.0]),
            Action::Int(1),
        ] {
            let error = env.step(&bad).unwrap_err();
            assert!(
                matches!(error, EnvError::InvalidAction { .. }),
                "{bad:?}: {error}"
            );
        }
        // The refused actions changed nothing: the episode goes on.
        assert!(env.step(&Action::FloatList(vec![0.0; 3])).is_ok());
    }

    #[test]
    fn a_simulation_that_blows_up_is_a_typed_error_that_ends_the_episode() {
        // Gymnasium's inverted pendulum with a motor a billion times stronger.
        let xml =
            std::fs::read_to_string(MujocoTask::InvertedPendulum.default_model_path().unwrap())
                .unwrap()
                .replace("gear=\"100\"", "gear=\"1e30\"");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("unstable_pendulum.xml");
        std::fs::write(&path, xml).unwrap();
        let mut env = MujocoEnv::with_model(MujocoTask::InvertedPendulum, &path).unwrap();
        env.reset(Some(0));
        let error = env.step(&Action::FloatList(vec![3.0])).unwrap_err();
        assert!(matches!(error, EnvError::Simulation { .. }), "{error}");
        assert_eq!(
            env.step(&Action::FloatList(vec![0.0])).unwrap_err(),
            EnvError::EpisodeOver
        );
        // A reset starts a clean episode.
        let obs = env.reset(Some(0));
        assert!(
            obs.iter().all(|v| v.is_finite() && v.abs() < 0.1),
            "{obs:?}"
        );
    }

    #[test]
    fn a_missing_or_mismatched_model_is_unavailable_not_a_panic() {
        let missing =
            MujocoEnv::with_model(MujocoTask::Hopper, Path::new("/nonexistent/hopper.xml"));
        assert!(
            matches!(missing, Err(EnvError::Unavailable { .. })),
            "{missing:?}"
        );
        let nul = MujocoEnv::with_model(MujocoTask::Hopper, Path::new("hop\0per.xml"));
        assert!(matches!(nul, Err(EnvError::Unavailable { .. })), "{nul:?}");
        // Hopper's rules on the Ant's model: the layout does not fit.
        let ant = MujocoTask::Ant.default_model_path().unwrap();
        let error = MujocoEnv::with_model(MujocoTask::Hopper, &ant).unwrap_err();
        assert!(error.to_string().contains("observation values"), "{error}");
        // Reacher needs its named bodies.
        let error = MujocoEnv::with_model(MujocoTask::Reacher, &ant).unwrap_err();
        assert!(error.to_string().contains("fingertip"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let broken = dir.path().join("broken.xml");
        std::fs::write(&broken, "<mujoco><worldbody><body></mujoco>").unwrap();
        let error = MujocoEnv::with_model(MujocoTask::Hopper, &broken).unwrap_err();
        assert!(matches!(error, EnvError::Unavailable { .. }), "{error}");
    }

    #[test]
    fn envs_step_on_threads_of_their_own() {
        let handles: Vec<_> = (0..2)
            .map(|seed| {
                std::thread::spawn(move || {
                    let mut env = Registry::default().make("Ant-v5").unwrap();
                    env.reset(Some(seed));
                    let mut total = 0.0;
                    for _ in 0..50 {
                        let step = env.step(&Action::FloatList(vec![0.1; 8])).unwrap();
                        total += step.reward;
                        if step.done() {
                            break;
                        }
                    }
                    total
                })
            })
            .collect();
        for handle in handles {
            assert!(handle.join().unwrap().is_finite());
        }
    }
}

/// Without the `mujoco` feature the ids stay listed and described, and making one says why
/// it cannot be had. (`scripts/test.sh` runs this file without the feature too.)
#[test]
fn mujoco_ids_are_described_in_every_build() {
    let registry = Registry::default();
    for task in MujocoTask::ALL {
        let description = registry.describe(task.id()).unwrap();
        assert_eq!(description.action_space.flat_len(), task.action_len());
        assert!(!description.starter_policy.is_empty());
        assert!(description.to_prompt_text().contains(task.id()));
    }
    if cfg!(feature = "mujoco") {
        return;
    }
    let error = registry.make("Hopper-v5").map(|_| ()).unwrap_err();
    assert!(matches!(error, EnvError::Unavailable { .. }), "{error}");
    assert!(error.to_string().contains("setup-mujoco.sh"), "{error}");
}
