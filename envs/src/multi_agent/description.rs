//! What a multi-agent environment tells a language model about itself, and the structured
//! observation layout a policy reads (`obs.apples[y][x]`, `obs.agents[i].x`).

use std::fmt::Write as _;

use serde::Serialize;

use crate::Space;

/// The shape of one named part of a structured observation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StructuredShape {
    /// One value, read as a Python `int`.
    Int,
    /// One value, read as a Python `float`.
    Float,
    /// `rows * cols` values, row-major, read as a tuple of row tuples of `int`s.
    Grid { rows: usize, cols: usize },
    /// `count` records of one `int` per field, read as a tuple of read-only records.
    Records { count: usize, fields: Vec<String> },
}

/// One named part of a structured observation, in the order its values are laid out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StructuredField {
    pub name: String,
    pub shape: StructuredShape,
    /// What it means, for the model.
    pub meaning: String,
}

impl StructuredField {
    /// A field of the given shape and meaning.
    pub fn new(name: &str, shape: StructuredShape, meaning: &str) -> StructuredField {
        StructuredField {
            name: name.into(),
            shape,
            meaning: meaning.into(),
        }
    }

    /// How many flat values it spans.
    pub fn len(&self) -> usize {
        match &self.shape {
            StructuredShape::Int | StructuredShape::Float => 1,
            StructuredShape::Grid { rows, cols } => rows * cols,
            StructuredShape::Records { count, fields } => count * fields.len(),
        }
    }

    /// Whether it spans no values (an empty grid or no records).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Its line in the guest contract's structured layout (`grid apples 21 29`).
    pub fn layout_line(&self) -> String {
        match &self.shape {
            StructuredShape::Int => format!("int {}", self.name),
            StructuredShape::Float => format!("float {}", self.name),
            StructuredShape::Grid { rows, cols } => format!("grid {} {rows} {cols}", self.name),
            StructuredShape::Records { count, fields } => {
                format!("records {} {count} {}", self.name, fields.join(" "))
            }
        }
    }

    fn python_type(&self) -> String {
        match &self.shape {
            StructuredShape::Int => "int".into(),
            StructuredShape::Float => "float".into(),
            StructuredShape::Grid { rows, cols } => {
                format!("tuple of {rows} rows, each a tuple of {cols} ints; read `[y][x]`")
            }
            StructuredShape::Records { count, fields } => format!(
                "tuple of {count} records with fields {}",
                fields
                    .iter()
                    .map(|f| format!("`.{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Everything known about a multi-agent environment before it runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MultiAgentDescription {
    /// Registry id, e.g. `Gathering-v0`.
    pub id: String,
    /// One paragraph on the task.
    pub summary: String,
    /// Agents in this instance.
    pub num_agents: usize,
    /// The flat observation every agent gets (a Box over the structured layout's values).
    pub observation_space: Space,
    /// The structured observation, in layout order: what a Python policy reads as `obs.<name>`.
    pub observation_fields: Vec<StructuredField>,
    /// How to read the observation as a whole (coordinates, orientations, cell codes).
    pub observation_note: String,
    pub action_space: Space,
    /// What each action means.
    pub action_meanings: Vec<String>,
    /// The action that does nothing: what an agent whose policy failed takes for the rest
    /// of its episode.
    pub idle_action: i64,
    /// The rules that decide rewards, as text.
    pub reward_rules: String,
    pub termination: String,
    pub truncation: String,
    pub max_episode_steps: Option<u32>,
    /// A simple, legal starting policy as Python source.
    pub starter_policy: String,
}

impl MultiAgentDescription {
    /// The guest contract's structured layout lines, one per field.
    pub fn layout_lines(&self) -> Vec<String> {
        self.observation_fields
            .iter()
            .map(StructuredField::layout_line)
            .collect()
    }

    /// How many flat values an observation has.
    pub fn observation_len(&self) -> usize {
        self.observation_fields
            .iter()
            .map(StructuredField::len)
            .sum()
    }

    /// The description as text for a prompt (and for `ppo-sandbox describe`).
    pub fn to_prompt_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}\n\n{}\n", self.id, self.summary.trim_end());
        let _ = writeln!(
            out,
            "{} agents act at once, each running its own copy of your policy in its own sandbox.\n",
            self.num_agents
        );
        let _ = writeln!(
            out,
            "## Observation\n\n`obs` is a read-only record (assigning to it raises). Its fields:\n"
        );
        for field in &self.observation_fields {
            let _ = writeln!(
                out,
                "- `obs.{}` ({}): {}",
                field.name,
                field.python_type(),
                field.meaning
            );
        }
        if !self.observation_note.is_empty() {
            let _ = writeln!(out, "\n{}", self.observation_note.trim_end());
        }
        let _ = writeln!(out, "\n## Action: {}\n", self.action_space.describe());
        for meaning in &self.action_meanings {
            let _ = writeln!(out, "- {meaning}");
        }
        let _ = writeln!(out, "\n## Reward\n\n{}\n", self.reward_rules.trim_end());
        let _ = writeln!(out, "## Termination\n\n{}\n", self.termination);
        let _ = writeln!(out, "## Truncation\n\n{}", self.truncation);
        out
    }
}
