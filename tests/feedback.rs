//! Trajectory feedback: recorded episodes, built-in statistics, and model-written summaries
//! that run in the sandbox under its limits.

mod common;

use common::*;
use ppo_sandbox_engine::envs;
use ppo_sandbox_engine::optimize::{builtin_summary, model_summary};
use ppo_sandbox_engine::{Limits, PolicySource, record_episode};

#[test]
fn a_recorded_episode_has_every_step_and_its_summaries() {
    let mut env = envs::make("CartPole-v1").unwrap();
    let trajectory = record_episode(
        engine(),
        &PolicySource::python(GOOD_POLICY),
        env.as_mut(),
        3,
        Some(40),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(trajectory.steps.len() as u64, trajectory.report.length);
    assert_eq!(trajectory.report.length, 40);
    let total: f64 = trajectory.steps.iter().map(|s| s.reward).sum();
    assert_eq!(total, trajectory.report.episode_return);

    let description = env.description();
    let stats = builtin_summary(&trajectory, description);
    assert!(stats.contains("return 40.00 over 40 steps"), "{stats}");
    assert!(stats.contains("pole_angle"), "{stats}");
    assert!(stats.contains("actions taken {0: "), "{stats}");

    let feedback = "class Feedback:\n    def summarize_trajectory(self, traj):\n        return f\"{len(traj)} steps; first action {traj[0]['action']}; {sum(s['reward'] for s in traj)}\"\n";
    let summary = model_summary(
        engine(),
        feedback,
        &trajectory,
        description,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(
        summary,
        format!(
            "40 steps; first action {:?}; 40.0",
            trajectory.steps[0].action
        )
        .replace("Int(", "")
        .replace(')', "")
    );
}

#[test]
fn a_hostile_feedback_class_is_a_contained_failure() {
    let mut env = envs::make("CartPole-v1").unwrap();
    let trajectory = record_episode(
        engine(),
        &PolicySource::python(GOOD_POLICY),
        env.as_mut(),
        0,
        Some(5),
        &Limits::default(),
    )
    .unwrap();
    let limits = Limits::default().with_load_fuel(200_000_000);
    let looping = "class Feedback:\n    def summarize_trajectory(self, traj):\n        while True:\n            pass\n";
    let problem =
        model_summary(engine(), looping, &trajectory, env.description(), &limits).unwrap_err();
    assert!(problem.contains("load_fuel_exhausted"), "{problem}");
    let missing = "x = 1\n";
    let problem =
        model_summary(engine(), missing, &trajectory, env.description(), &limits).unwrap_err();
    assert!(problem.contains("Feedback"), "{problem}");
    assert_engine_still_works();
}
