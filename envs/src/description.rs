//! What an environment tells a language model about itself, as PromptPO's prompts give it.

use std::fmt::Write as _;

use serde::Serialize;

use crate::Space;

/// One named element of the observation: the name a Python policy reads as `obs.<name>`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObservationField {
    pub name: String,
    pub meaning: String,
    pub unit: String,
    pub low: f64,
    pub high: f64,
}

impl ObservationField {
    /// A field with its meaning, unit and bounds.
    pub fn new(name: &str, meaning: &str, unit: &str, low: f64, high: f64) -> ObservationField {
        ObservationField { name: name.into(), meaning: meaning.into(), unit: unit.into(), low, high }
    }
}

/// Everything known about an environment before it runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnvDescription {
    /// Gymnasium id, e.g. `CartPole-v1`.
    pub id: String,
    /// One paragraph on the task.
    pub summary: String,
    pub observation_space: Space,
    /// Named observation fields, in order (empty for a Discrete observation, which is
    /// described by `observation_note`).
    pub observation_fields: Vec<ObservationField>,
    /// How to read the observation when it is not a list of named fields.
    pub observation_note: String,
    pub action_space: Space,
    /// What each action (Discrete) or each action element (Box) means.
    pub action_meanings: Vec<String>,
    /// The reward function as short Python source.
    pub reward_source: String,
    /// When an episode terminates (the MDP's own end).
    pub termination: String,
    /// When an episode is truncated (time limit).
    pub truncation: String,
    /// Steps after which the registry's time limit truncates, if any.
    pub max_episode_steps: Option<u32>,
    /// Gymnasium's reward threshold for "solved", if it has one.
    pub reward_threshold: Option<f64>,
    /// A simple, legal starting policy as Python source.
    pub starter_policy: String,
}

impl EnvDescription {
    /// The observation field names, in order: what the Python guest exposes as `obs.<name>`.
    pub fn field_names(&self) -> Vec<String> {
        self.observation_fields.iter().map(|f| f.name.clone()).collect()
    }

    /// The description as text for a prompt (and for `ppo-sandbox describe`).
    pub fn to_prompt_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}\n\n{}\n", self.id, self.summary);
        let _ = writeln!(out, "## Observation: {}\n", self.observation_space.describe());
        if !self.observation_note.is_empty() {
            let _ = writeln!(out, "{}\n", self.observation_note);
        }
        for (i, f) in self.observation_fields.iter().enumerate() {
            let unit = if f.unit.is_empty() { String::new() } else { format!(" [{}]", f.unit) };
            let _ = writeln!(out, "- obs[{i}] / obs.{}: {}{unit}, in [{}, {}]", f.name, f.meaning, f.low, f.high);
        }
        let _ = writeln!(out, "\n## Action: {}\n", self.action_space.describe());
        for meaning in &self.action_meanings {
            let _ = writeln!(out, "- {meaning}");
        }
        let _ = writeln!(out, "\n## Reward\n\n```python\n{}\n```\n", self.reward_source.trim_end());
        let _ = writeln!(out, "## Termination\n\n{}\n", self.termination);
        let _ = writeln!(out, "## Truncation\n\n{}", self.truncation);
        if let Some(threshold) = self.reward_threshold {
            let _ = writeln!(out, "\nSolved at a mean return of {threshold}.");
        }
        out
    }
}
