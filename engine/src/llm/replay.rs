//! Recorded answers, served in order: for tests, demos and offline re-runs.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;

use super::{ChatResponse, LlmError, Usage};

/// Serves the answers of a replay file (JSON Lines, one `{"text": ..., "usage": {...}}` per
/// line; `usage` optional) in order, each once.
#[derive(Debug)]
pub struct ReplayProvider {
    answers: Vec<RecordedAnswer>,
    next: AtomicUsize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedAnswer {
    text: String,
    #[serde(default)]
    usage: Usage,
}

impl ReplayProvider {
    /// Reads a replay file.
    pub fn from_file(path: &std::path::Path) -> Result<ReplayProvider, LlmError> {
        let failed = |message: String| LlmError::ReplayFile {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
        let answers = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(number, line)| {
                serde_json::from_str(line).map_err(|e| failed(format!("line {}: {e}", number + 1)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ReplayProvider::new(
            answers.into_iter().map(|a: RecordedAnswer| a.text),
        ))
    }

    /// Serves these answers in order.
    pub fn new(answers: impl IntoIterator<Item = String>) -> ReplayProvider {
        ReplayProvider {
            answers: answers
                .into_iter()
                .map(|text| RecordedAnswer {
                    text,
                    usage: Usage::default(),
                })
                .collect(),
            next: AtomicUsize::new(0),
        }
    }

    pub(super) fn next_answer(&self) -> Result<ChatResponse, LlmError> {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        let answer = self.answers.get(index).ok_or(LlmError::ReplayExhausted {
            recorded: self.answers.len(),
        })?;
        Ok(ChatResponse {
            text: answer.text.clone(),
            no_text: None,
            usage: answer.usage,
            cost_usd: None,
            latency_ms: 0,
            attempts: 1,
        })
    }
}
