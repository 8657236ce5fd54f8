//! Asking a model for candidates: the first request, refinement with the history of earlier
//! candidates, and repair of crashed ones; several requests of a round in flight at once.

use std::sync::Arc;

use crate::llm::{
    ChatRequest, ChatResponse, HttpProvider, LlmError, Message, Provider, ReplayProvider,
};

use super::prompts::{HistoryEntry, Prompts, quote};
use super::run_dir::{CandidateRecord, ModelCall, ModelSettings, ProviderSpec};
use super::{OptimizeError, extract_code};

/// Longest answer kept in a record, in characters.
const MAX_RECORDED_ANSWER_CHARS: usize = 20_000;

/// A model, its prompts, and a runtime to call it from the (synchronous) optimize loop.
#[derive(Debug)]
pub struct ModelProposer {
    provider: Arc<Provider>,
    runtime: tokio::runtime::Runtime,
    prompts: Prompts,
    system: String,
    settings: ModelSettings,
}

/// What one answer gave: code to run, or why there is none.
pub(super) struct Proposal {
    pub source: Option<String>,
    pub failure: Option<String>,
    pub call: Option<ModelCall>,
}

impl ModelProposer {
    /// Builds the provider the settings name (an HTTP provider checks its key here).
    pub fn new(settings: &ModelSettings) -> Result<ModelProposer, OptimizeError> {
        let provider = match &settings.provider {
            ProviderSpec::Http(config) => Provider::Http(HttpProvider::new(config.clone())?),
            ProviderSpec::Replay { path } => Provider::Replay(ReplayProvider::from_file(path)?),
        };
        ModelProposer::with_provider(provider, settings)
    }

    /// Uses `provider` (say, a [`ReplayProvider`] built in memory).
    pub fn with_provider(
        provider: Provider,
        settings: &ModelSettings,
    ) -> Result<ModelProposer, OptimizeError> {
        let prompts = match &settings.prompts_dir {
            Some(dir) => Prompts::from_dir(dir)?,
            None => Prompts::builtin(),
        };
        let system = prompts.system()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| OptimizeError::Settings(format!("starting the HTTP runtime: {e}")))?;
        Ok(ModelProposer {
            provider: Arc::new(provider),
            runtime,
            prompts,
            system,
            settings: settings.clone(),
        })
    }

    pub fn settings(&self) -> &ModelSettings {
        &self.settings
    }

    pub(super) fn first_prompt(
        &self,
        env_description: &str,
        start: Option<&CandidateRecord>,
    ) -> Result<String, OptimizeError> {
        Ok(self.prompts.first(
            env_description,
            start.map(|record| (record.source.as_str(), record.score())),
        )?)
    }

    /// The refinement prompt; `stats` describes a candidate's trajectory.
    pub(super) fn refine_prompt(
        &self,
        env_description: &str,
        records: &[CandidateRecord],
        threshold: Option<f64>,
        stats: &dyn Fn(&CandidateRecord) -> Option<String>,
        social_metrics: bool,
    ) -> Result<String, OptimizeError> {
        let history = history(
            records,
            self.settings.history_size as usize,
            stats,
            social_metrics,
        );
        Ok(self.prompts.refine(env_description, &history, threshold)?)
    }

    pub(super) fn feedback_prompt(&self, env_description: &str) -> Result<String, OptimizeError> {
        Ok(self.prompts.feedback(env_description)?)
    }

    pub(super) fn repair_prompt(
        &self,
        env_description: &str,
        record: &CandidateRecord,
    ) -> Result<String, OptimizeError> {
        Ok(self
            .prompts
            .repair(env_description, &record.source, &problem_text(record))?)
    }

    /// Sends every prompt at once and turns each answer into a proposal. An error that will
    /// fail every call alike (a refused key) ends the run; others are failed candidates.
    pub(super) fn propose(&self, prompts: Vec<String>) -> Result<Vec<Proposal>, OptimizeError> {
        let requests: Vec<ChatRequest> = prompts
            .into_iter()
            .map(|prompt| ChatRequest {
                system: self.system.clone(),
                messages: vec![Message::user(prompt)],
                max_tokens: self.settings.max_tokens,
                temperature: self.settings.temperature,
            })
            .collect();
        let answers = self.ask_all(requests);
        // An endpoint nobody answers at fails every call alike: say so instead of recording
        // a round of failures.
        if answers
            .iter()
            .all(|a| matches!(a, Err(LlmError::Unreachable { .. })))
        {
            if let Some(Err(error)) = answers.into_iter().next() {
                return Err(error.into());
            }
            return Ok(Vec::new());
        }
        let name = self.provider.name();
        let mut proposals = Vec::with_capacity(answers.len());
        for answer in answers {
            match answer {
                Ok(response) => proposals.push(proposal(&name, response)),
                Err(error @ (LlmError::Unauthorized { .. } | LlmError::MissingKey { .. })) => {
                    return Err(error.into());
                }
                Err(error) => proposals.push(Proposal {
                    source: None,
                    failure: Some(format!("the model call failed: {error}")),
                    call: None,
                }),
            }
        }
        Ok(proposals)
    }

    fn ask_all(&self, requests: Vec<ChatRequest>) -> Vec<Result<ChatResponse, LlmError>> {
        self.runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for (index, request) in requests.into_iter().enumerate() {
                let provider = Arc::clone(&self.provider);
                tasks.spawn(async move { (index, provider.complete(&request).await) });
            }
            let mut answers: Vec<Option<Result<ChatResponse, LlmError>>> =
                (0..tasks.len()).map(|_| None).collect();
            while let Some(joined) = tasks.join_next().await {
                if let Ok((index, answer)) = joined {
                    answers[index] = Some(answer);
                }
            }
            answers
                .into_iter()
                .map(|answer| {
                    answer.unwrap_or_else(|| {
                        Err(LlmError::BadResponse {
                            url: String::new(),
                            message: "the request task ended without an answer".into(),
                        })
                    })
                })
                .collect()
        })
    }
}

fn proposal(provider: &str, response: ChatResponse) -> Proposal {
    let source = extract_code(&response.text);
    let failure = source.is_none().then(|| match &response.no_text {
        Some(why) => format!("the answer holds no text: {why}"),
        None => "the answer holds no usable Python code".to_owned(),
    });
    Proposal {
        source,
        failure,
        call: Some(ModelCall {
            provider: provider.to_owned(),
            input_tokens: response.usage.input_tokens,
            output_tokens: response.usage.output_tokens,
            cost_usd: response.cost_usd,
            latency_ms: response.latency_ms,
            attempts: response.attempts,
            answer: response
                .text
                .chars()
                .take(MAX_RECORDED_ANSWER_CHARS)
                .collect(),
        }),
    }
}

/// What went wrong with a candidate, as a prompt may quote it.
fn problem_text(record: &CandidateRecord) -> String {
    if let Some(failure) = &record.failure {
        return failure.clone();
    }
    match &record.crash {
        Some(crash) => {
            let mut text = format!("{}: {}", crash.kind, crash.message);
            if let Some(step) = crash.step {
                text.push_str(&format!(" (at step {step})"));
            }
            if let Some(traceback) = &crash.traceback {
                text.push('\n');
                text.push_str(traceback.trim_end());
            }
            text
        }
        None => String::new(),
    }
}

/// The refinement history: the best `size` candidates that ran, then up to two recent
/// failures, so the model sees both what works and what breaks.
fn history(
    records: &[CandidateRecord],
    size: usize,
    stats: &dyn Fn(&CandidateRecord) -> Option<String>,
    social_metrics: bool,
) -> Vec<HistoryEntry> {
    let mut ran: Vec<&CandidateRecord> = records.iter().filter(|r| r.score().is_some()).collect();
    ran.sort_by(|a, b| {
        b.score()
            .unwrap_or(f64::MIN)
            .total_cmp(&a.score().unwrap_or(f64::MIN))
    });
    ran.dedup_by(|a, b| a.source == b.source);
    let failed = records
        .iter()
        .rev()
        .filter(|r| r.score().is_none() && !r.source.is_empty())
        .take(2);
    ran.into_iter()
        .take(size.max(1))
        .chain(failed)
        .map(|record| {
            let episodes = record.returns.len().max(1);
            HistoryEntry {
                source: record.source.clone(),
                mean: record.score().map(|m| format!("{m:.2}")),
                returns: record.returns.iter().map(|r| format!("{r:.1}")).collect(),
                problem: (record.score().is_none()).then(|| quote(&problem_text(record))),
                metrics: record.metrics.filter(|_| social_metrics).map(|m| {
                    format!(
                        "efficiency {:.3}, equality {:.3}, sustainability {:.1}, peace {:.2}",
                        m.efficiency, m.equality, m.sustainability, m.peace
                    )
                }),
                stats: Some(match stats(record) {
                    Some(text) => text,
                    None => format!(
                        "{} episodes, {:.1} steps per episode on average",
                        record.returns.len(),
                        record.env_steps as f64 / episodes as f64
                    ),
                }),
            }
        })
        .collect()
}
