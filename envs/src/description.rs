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
        ObservationField {
            name: name.into(),
            meaning: meaning.into(),
            unit: unit.into(),
            low,
            high,
        }
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
        self.observation_fields
            .iter()
            .map(|f| f.name.clone())
            .collect()
    }

    /// The description as text for a prompt (and for `ppo-sandbox describe`).
    pub fn to_prompt_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}\n\n{}\n", self.id, self.summary.trim_end());
        let _ = writeln!(out, "## Observation: {}", self.observation_space.describe());
        if !self.observation_note.is_empty() {
            let _ = writeln!(out, "\n{}", self.observation_note);
        }
        if !self.observation_fields.is_empty() {
            let _ = writeln!(out);
        }
        let fields = &self.observation_fields;
        let mut i = 0;
        while i < fields.len() {
            let f = &fields[i];
            let unit = if f.unit.is_empty() {
                String::new()
            } else {
                format!(" [{}]", f.unit)
            };
            // A long run of fields of one kind (NoiseWorld's board cells) takes one line.
            let run = fields[i..].iter().take_while(|g| same_kind(f, g)).count();
            if run >= MIN_COLLAPSED_RUN {
                let last = &fields[i + run - 1];
                let _ = writeln!(
                    out,
                    "- obs[{i}] .. obs[{}] / obs.{} .. obs.{}: {}{unit}, in [{}, {}]; likewise for each of these {run} fields",
                    i + run - 1,
                    f.name,
                    last.name,
                    f.meaning,
                    f.low,
                    f.high
                );
                i += run;
                continue;
            }
            let _ = writeln!(
                out,
                "- obs[{i}] / obs.{}: {}{unit}, in [{}, {}]",
                f.name, f.meaning, f.low, f.high
            );
            i += 1;
        }
        let _ = writeln!(out, "\n## Action: {}\n", self.action_space.describe());
        for meaning in &self.action_meanings {
            let _ = writeln!(out, "- {meaning}");
        }
        let _ = writeln!(
            out,
            "\n## Reward\n\n```python\n{}\n```\n",
            self.reward_source.trim_end()
        );
        let _ = writeln!(out, "## Termination\n\n{}\n", self.termination);
        let _ = writeln!(out, "## Truncation\n\n{}", self.truncation);
        if let Some(threshold) = self.reward_threshold {
            let _ = writeln!(out, "\nSolved at a mean return of {threshold}.");
        }
        out
    }
}

/// Runs of at least this many fields of one kind are described in one line.
const MIN_COLLAPSED_RUN: usize = 8;

/// Whether two fields differ only in the numbers in their names and meanings.
fn same_kind(a: &ObservationField, b: &ObservationField) -> bool {
    let letters = |text: &str| {
        text.chars()
            .filter(|c| !c.is_ascii_digit())
            .collect::<String>()
    };
    a.unit == b.unit
        && a.low == b.low
        && a.high == b.high
        && letters(&a.name) == letters(&b.name)
        && letters(&a.meaning) == letters(&b.meaning)
}
