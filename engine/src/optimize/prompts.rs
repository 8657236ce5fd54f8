//! The prompt templates (`prompts/*.j2`), rendered with minijinja.

use std::path::Path;

use minijinja::{Environment, context};
use serde::Serialize;

const TEMPLATES: [(&str, &str); 6] = [
    ("system.j2", include_str!("../../../prompts/system.j2")),
    ("contract.j2", include_str!("../../../prompts/contract.j2")),
    ("first.j2", include_str!("../../../prompts/first.j2")),
    ("refine.j2", include_str!("../../../prompts/refine.j2")),
    ("repair.j2", include_str!("../../../prompts/repair.j2")),
    ("feedback.j2", include_str!("../../../prompts/feedback.j2")),
];

/// Longest crash text quoted into a prompt, in characters.
const MAX_QUOTED_CHARS: usize = 2_000;

/// A template failed to load or render.
#[derive(Debug, thiserror::Error)]
#[error("prompt template {name}: {message}")]
pub struct PromptError {
    pub name: String,
    pub message: String,
}

/// The loaded templates.
#[derive(Debug)]
pub struct Prompts {
    env: Environment<'static>,
}

/// One earlier candidate as the refinement prompt shows it.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryEntry {
    pub source: String,
    pub mean: Option<String>,
    pub returns: Vec<String>,
    /// The crash or failure, quoted and cut short.
    pub problem: Option<String>,
    pub stats: Option<String>,
    /// Multi-agent worlds with dense feedback: the social metrics.
    pub metrics: Option<String>,
}

impl Prompts {
    /// The templates shipped in `prompts/`.
    pub fn builtin() -> Prompts {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .expect("the shipped templates parse (a unit test checks them)");
        }
        Prompts { env }
    }

    /// The templates of `dir`, each file that is missing taken from the shipped ones.
    pub fn from_dir(dir: &Path) -> Result<Prompts, PromptError> {
        let mut env = Environment::new();
        for (name, builtin) in TEMPLATES {
            let source = match std::fs::read_to_string(dir.join(name)) {
                Ok(text) => text,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => builtin.to_owned(),
                Err(error) => {
                    return Err(PromptError {
                        name: name.into(),
                        message: error.to_string(),
                    });
                }
            };
            env.add_template_owned(name, source)
                .map_err(|e| PromptError {
                    name: name.into(),
                    message: e.to_string(),
                })?;
        }
        Ok(Prompts { env })
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, PromptError> {
        self.env
            .get_template(name)
            .and_then(|template| template.render(ctx))
            .map_err(|e| PromptError {
                name: name.into(),
                message: format!("{e:#}"),
            })
    }

    pub fn system(&self) -> Result<String, PromptError> {
        self.render("system.j2", context! {})
    }

    pub fn first(
        &self,
        env_description: &str,
        start: Option<(&str, Option<f64>)>,
    ) -> Result<String, PromptError> {
        self.render(
            "first.j2",
            context! {
                env_description,
                start_source => start.map(|(source, _)| source),
                start_score => start.and_then(|(_, score)| score).map(|s| format!("{s:.2}")).unwrap_or_else(|| "nothing: it crashed".into()),
            },
        )
    }

    pub fn refine(
        &self,
        env_description: &str,
        history: &[HistoryEntry],
        threshold: Option<f64>,
    ) -> Result<String, PromptError> {
        self.render(
            "refine.j2",
            context! { env_description, history, threshold },
        )
    }

    pub fn feedback(&self, env_description: &str) -> Result<String, PromptError> {
        self.render("feedback.j2", context! { env_description })
    }

    pub fn repair(
        &self,
        env_description: &str,
        source: &str,
        crash: &str,
    ) -> Result<String, PromptError> {
        self.render(
            "repair.j2",
            context! { env_description, source, crash => quote(crash) },
        )
    }
}

/// `text` cut to [`MAX_QUOTED_CHARS`] (a policy controls its own exception text).
pub fn quote(text: &str) -> String {
    let mut quoted: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    if quoted.len() < text.len() {
        quoted.push_str(" [...]");
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_templates_render_with_their_variables() {
        let prompts = Prompts::builtin();
        let system = prompts.system().unwrap();
        assert!(system.contains("act(obs)"), "{system}");
        let first = prompts
            .first(
                "# CartPole-v1",
                Some(("def act(obs):\n    return 0\n", Some(9.5))),
            )
            .unwrap();
        assert!(
            first.contains("# CartPole-v1") && first.contains("scores 9.50"),
            "{first}"
        );
        let history = vec![HistoryEntry {
            source: "def act(obs):\n    return 1\n".into(),
            mean: None,
            returns: vec![],
            problem: Some("ValueError: bad\nline 2".into()),
            stats: None,
            metrics: None,
        }];
        let refine = prompts.refine("# env", &history, Some(475.0)).unwrap();
        assert!(refine.contains("> ValueError: bad\n> line 2"), "{refine}");
        assert!(
            refine.contains("solved at a mean return of 475"),
            "{refine}"
        );
        let long = "x".repeat(10_000);
        let repair = prompts
            .repair("# env", "def act(obs): pass\n", &long)
            .unwrap();
        assert!(repair.len() < 4_000 && repair.contains("[...]"));
    }

    #[test]
    fn a_prompt_directory_overrides_some_templates() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("first.j2"), "Custom: {{ env_description }}").unwrap();
        let prompts = Prompts::from_dir(dir.path()).unwrap();
        assert_eq!(prompts.first("E", None).unwrap(), "Custom: E");
        assert!(prompts.system().unwrap().contains("act(obs)"));
        std::fs::write(dir.path().join("repair.j2"), "{% if %}").unwrap();
        assert!(Prompts::from_dir(dir.path()).is_err());
    }
}
