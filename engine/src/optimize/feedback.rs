//! Trajectory feedback for refinement prompts: built-in statistics of an episode, and the
//! summary a model-written `Feedback.summarize_trajectory(traj)` gives, run in the sandbox
//! like any policy (its code is untrusted too).

use std::fmt::Write as _;

use super::constants::python_float;
use crate::envs::{Action, EnvDescription};
use crate::{Engine, Limits, LoadOptions, ObservationLayout, PolicySource, Trajectory};

/// Steps of a trajectory handed to a model-written summarizer (its source carries them).
const MAX_SUMMARIZED_STEPS: usize = 300;
/// Longest summary kept, in characters.
const MAX_SUMMARY_CHARS: usize = 2_000;

/// A short statistical account of one episode: outcome, and each observation field's and the
/// action's range and mean.
pub fn builtin_summary(trajectory: &Trajectory, description: &EnvDescription) -> String {
    let report = &trajectory.report;
    let mut text = format!(
        "one episode (seed {}): return {:.2} over {} steps, ",
        report.seed, report.episode_return, report.length
    );
    text.push_str(match (&report.crash, report.terminated, report.truncated) {
        (Some(_), _, _) => "ended by a crash",
        (None, true, _) => "terminated",
        (None, false, true) => "truncated (time limit)",
        _ => "stopped",
    });
    let steps = &trajectory.steps;
    if steps.is_empty() {
        return text;
    }
    let names = description.field_names();
    let width = steps[0].observation.len();
    text.push_str("; observations min/mean/max:");
    for i in 0..width {
        let values = steps.iter().filter_map(|s| s.observation.get(i).copied());
        let (min, mean, max) = min_mean_max(values);
        let name = names
            .get(i)
            .map_or_else(|| format!("obs[{i}]"), Clone::clone);
        let _ = write!(text, " {name} {min:.3}/{mean:.3}/{max:.3};");
    }
    let scalar_actions: Vec<f64> = steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Int(v) => Some(*v as f64),
            Action::Float(v) => Some(*v),
            Action::IntList(v) if v.len() == 1 => Some(v[0] as f64),
            Action::FloatList(v) if v.len() == 1 => Some(v[0]),
            _ => None,
        })
        .collect();
    if description.action_space.is_discrete() {
        let mut counts = std::collections::BTreeMap::<i64, usize>::new();
        for value in &scalar_actions {
            *counts.entry(*value as i64).or_default() += 1;
        }
        let counts: Vec<String> = counts.iter().map(|(a, n)| format!("{a}: {n}")).collect();
        let _ = write!(text, " actions taken {{{}}}", counts.join(", "));
    } else if !scalar_actions.is_empty() {
        let (min, mean, max) = min_mean_max(scalar_actions.iter().copied());
        let _ = write!(text, " action min/mean/max {min:.3}/{mean:.3}/{max:.3}");
    }
    text
}

fn min_mean_max(values: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let (mut min, mut max, mut sum, mut count) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
    for value in values {
        min = min.min(value);
        max = max.max(value);
        sum += value;
        count += 1;
    }
    (min, sum / count.max(1) as f64, max)
}

/// Runs `feedback_source` (defining `class Feedback` with `summarize_trajectory(self, traj)`)
/// on `trajectory` in a fresh sandbox. `traj` is a list of steps, each a dict with `obs` (a
/// list), `fields` (a dict by field name), `action`, `reward`, `terminated`, `truncated`.
/// Returns the summary, or what went wrong.
pub fn model_summary(
    engine: &Engine,
    feedback_source: &str,
    trajectory: &Trajectory,
    description: &EnvDescription,
    limits: &Limits,
) -> Result<String, String> {
    let mut source = String::with_capacity(feedback_source.len() + 64 * trajectory.steps.len());
    source.push_str(feedback_source);
    source.push_str("\n\n_PPO_TRAJECTORY = [\n");
    let names = description.field_names();
    for step in trajectory.steps.iter().take(MAX_SUMMARIZED_STEPS) {
        let obs: Vec<String> = step.observation.iter().map(|v| python_float(*v)).collect();
        let fields: Vec<String> = names
            .iter()
            .zip(&step.observation)
            .map(|(name, v)| format!("{name:?}: {}", python_float(*v)))
            .collect();
        let _ = writeln!(
            source,
            "    {{\"obs\": [{}], \"fields\": {{{}}}, \"action\": {}, \"reward\": {}, \"terminated\": {}, \"truncated\": {}}},",
            obs.join(", "),
            fields.join(", "),
            python_action(&step.action),
            python_float(step.reward),
            if step.terminated { "True" } else { "False" },
            if step.truncated { "True" } else { "False" },
        );
    }
    source.push_str("]\n\nprint(str(Feedback().summarize_trajectory(_PPO_TRAJECTORY)))\n\n\ndef act(obs):\n    return 0\n");
    let options = LoadOptions::new(ObservationLayout::of(description)).limits(limits.clone());
    match engine.load(&PolicySource::python(source), &options) {
        Ok(mut policy) => {
            let output = policy.take_output();
            Ok(output
                .stdout
                .trim()
                .chars()
                .take(MAX_SUMMARY_CHARS)
                .collect())
        }
        Err(crash) => Err(format!("{}: {}", crash.kind, crash.message)),
    }
}

fn python_action(action: &Action) -> String {
    match action {
        Action::Int(v) => v.to_string(),
        Action::Float(v) => python_float(*v),
        Action::IntList(v) => format!(
            "[{}]",
            v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ),
        Action::FloatList(v) => format!(
            "[{}]",
            v.iter()
                .map(|x| python_float(*x))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
