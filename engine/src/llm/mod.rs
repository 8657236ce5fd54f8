//! Model providers: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama,
//! llama.cpp's server), Anthropic's messages API, and a replay provider that serves recorded
//! answers (tests, demos, offline runs).
//!
//! Calls are async (`reqwest` on `tokio`); each has a timeout, and 429, 5xx and connection
//! failures are retried with exponential backoff (honouring `Retry-After`). Every answer
//! carries its token usage, latency and, where prices are known, its cost.

mod anthropic;
mod openai;
mod replay;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use replay::ReplayProvider;

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: "user".into(),
            content: content.into(),
        }
    }
}

/// A chat request, provider-neutral.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub temperature: f64,
}

/// Tokens a call used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// A model's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The answer's text (empty when `no_text` says why there is none).
    pub text: String,
    /// Why the answer holds no text, when it holds none: a refusal, the token limit, an
    /// error in the body of a successful reply. The call still counts its tokens and cost.
    pub no_text: Option<String>,
    pub usage: Usage,
    /// US dollars, when the provider's prices are configured.
    pub cost_usd: Option<f64>,
    pub latency_ms: u64,
    /// Attempts made (1 when the first succeeded).
    pub attempts: u32,
}

/// Why a call failed, after its retries.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("no API key: pass --api-key or set ${env_var}")]
    MissingKey { env_var: String },
    #[error("the endpoint {url} refused the API key (HTTP {status}): {body}")]
    Unauthorized {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the endpoint {url} cannot be reached: {message}")]
    Unreachable { url: String, message: String },
    #[error("the endpoint {url} did not answer within {timeout_ms} ms")]
    Timeout { url: String, timeout_ms: u64 },
    #[error("the endpoint {url} answered HTTP {status}: {body}")]
    Http {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the endpoint {url} answered something that is not a chat response: {message}")]
    BadResponse { url: String, message: String },
    #[error("the replay file has no answer left (it held {recorded})")]
    ReplayExhausted { recorded: usize },
    #[error("cannot read the replay file {path}: {message}")]
    ReplayFile { path: String, message: String },
}

impl LlmError {
    /// Whether trying again may help (rate limits, server errors, network trouble).
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Http { status, .. } => *status == 429 || *status >= 500,
            LlmError::Unreachable { .. } | LlmError::Timeout { .. } => true,
            _ => false,
        }
    }
}

/// Which API a provider speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKind {
    /// `POST {base_url}/chat/completions`, bearer key.
    OpenAi,
    /// `POST {base_url}/v1/messages`, `x-api-key`.
    Anthropic,
}

/// Settings of an HTTP provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpProviderConfig {
    pub api: ApiKind,
    pub base_url: String,
    pub model: String,
    /// The key itself; `None` reads `key_env_var`. Local servers (Ollama, llama.cpp, vLLM)
    /// take any key: set `key_required` to false.
    #[serde(skip_serializing)]
    pub api_key: Option<String>,
    pub key_env_var: String,
    pub key_required: bool,
    pub timeout_ms: u64,
    pub max_retries: u32,
    pub backoff_initial_ms: u64,
    /// US dollars per million input and output tokens, for cost accounting.
    pub usd_per_million_input_tokens: Option<f64>,
    pub usd_per_million_output_tokens: Option<f64>,
}

impl HttpProviderConfig {
    /// OpenAI's endpoint and key variable (`OPENAI_API_KEY`); any OpenAI-compatible server by
    /// changing `base_url`.
    pub fn openai(model: &str) -> HttpProviderConfig {
        HttpProviderConfig {
            api: ApiKind::OpenAi,
            base_url: "https://api.openai.com/v1".into(),
            model: model.into(),
            api_key: None,
            key_env_var: "OPENAI_API_KEY".into(),
            key_required: true,
            timeout_ms: 120_000,
            max_retries: 4,
            backoff_initial_ms: 500,
            usd_per_million_input_tokens: None,
            usd_per_million_output_tokens: None,
        }
    }

    /// Anthropic's endpoint and key variable (`ANTHROPIC_API_KEY`).
    pub fn anthropic(model: &str) -> HttpProviderConfig {
        HttpProviderConfig {
            api: ApiKind::Anthropic,
            base_url: "https://api.anthropic.com".into(),
            key_env_var: "ANTHROPIC_API_KEY".into(),
            ..HttpProviderConfig::openai(model)
        }
    }
}

/// A model to ask.
#[derive(Debug)]
pub enum Provider {
    Http(HttpProvider),
    Replay(ReplayProvider),
}

impl Provider {
    /// One answer to `request` (with the HTTP provider's retries).
    pub async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        match self {
            Provider::Http(provider) => provider.complete(request).await,
            Provider::Replay(provider) => provider.next_answer(),
        }
    }

    /// A short name for records: `openai:MODEL`, `anthropic:MODEL`, `replay`.
    pub fn name(&self) -> String {
        match self {
            Provider::Http(provider) => {
                let api = match provider.config.api {
                    ApiKind::OpenAi => "openai",
                    ApiKind::Anthropic => "anthropic",
                };
                format!("{api}:{}", provider.config.model)
            }
            Provider::Replay(_) => "replay".into(),
        }
    }
}

/// An HTTP provider: a configured client.
#[derive(Debug)]
pub struct HttpProvider {
    config: HttpProviderConfig,
    key: Option<String>,
    client: reqwest::Client,
    /// Parameters this server refused, learned from its answers (see `openai`).
    compat: std::sync::atomic::AtomicU8,
}

impl HttpProvider {
    /// Checks the key (from the config or its environment variable) and builds the client.
    pub fn new(config: HttpProviderConfig) -> Result<HttpProvider, LlmError> {
        let key = config
            .api_key
            .clone()
            .or_else(|| std::env::var(&config.key_env_var).ok())
            .filter(|key| !key.trim().is_empty());
        if key.is_none() && config.key_required {
            return Err(LlmError::MissingKey {
                env_var: config.key_env_var.clone(),
            });
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .connect_timeout(Duration::from_millis(config.timeout_ms.min(10_000)))
            .build()
            .map_err(|error| LlmError::Unreachable {
                url: config.base_url.clone(),
                message: error.to_string(),
            })?;
        Ok(HttpProvider {
            config,
            key,
            client,
            compat: std::sync::atomic::AtomicU8::new(0),
        })
    }

    pub fn config(&self) -> &HttpProviderConfig {
        &self.config
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = match self.config.api {
                ApiKind::OpenAi => openai::complete(self, request).await,
                ApiKind::Anthropic => anthropic::complete(self, request).await,
            };
            match result {
                Ok((text, usage)) => {
                    let (text, no_text) = match text {
                        Ok(text) => (text, None),
                        Err(why) => (String::new(), Some(why)),
                    };
                    return Ok(ChatResponse {
                        text,
                        no_text,
                        usage,
                        cost_usd: self.cost(usage),
                        latency_ms: started.elapsed().as_millis() as u64,
                        attempts: attempt,
                    });
                }
                Err(Failure { error, retry_after }) => {
                    if !error.is_retryable() || attempt > self.config.max_retries {
                        return Err(error);
                    }
                    let backoff = Duration::from_millis(
                        self.config
                            .backoff_initial_ms
                            .saturating_mul(1 << (attempt - 1).min(10)),
                    );
                    let wait =
                        retry_after.map_or(backoff, |hint| hint.min(Duration::from_secs(60)));
                    tracing::warn!(%error, attempt, ?wait, "model call failed; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn cost(&self, usage: Usage) -> Option<f64> {
        let input = self.config.usd_per_million_input_tokens?;
        let output = self.config.usd_per_million_output_tokens?;
        Some((usage.input_tokens as f64 * input + usage.output_tokens as f64 * output) / 1e6)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.config.base_url.trim_end_matches('/'))
    }
}

/// One attempt's failure, with the server's `Retry-After` hint.
struct Failure {
    error: LlmError,
    retry_after: Option<Duration>,
}

/// A failure to send or to read: a timeout, or an endpoint that cannot be reached.
fn transport_error(url: &str, timeout_ms: u64, error: &reqwest::Error) -> LlmError {
    if error.is_timeout() {
        LlmError::Timeout {
            url: url.into(),
            timeout_ms,
        }
    } else {
        LlmError::Unreachable {
            url: url.into(),
            message: error.to_string(),
        }
    }
}

/// Sends `body` to `url` and returns the JSON answer, or a classified failure.
async fn post_json(
    request: reqwest::RequestBuilder,
    url: &str,
    timeout_ms: u64,
    body: &serde_json::Value,
) -> Result<serde_json::Value, Failure> {
    let fail = |error| Failure {
        error,
        retry_after: None,
    };
    let transport = |error: reqwest::Error| fail(transport_error(url, timeout_ms, &error));
    let response = request.json(body).send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let text = response.text().await.map_err(transport)?;
    let snippet = || text.chars().take(500).collect::<String>();
    if status == 401 || status == 403 {
        return Err(fail(LlmError::Unauthorized {
            url: url.into(),
            status,
            body: snippet(),
        }));
    }
    if !(200..300).contains(&status) {
        return Err(Failure {
            error: LlmError::Http {
                url: url.into(),
                status,
                body: snippet(),
            },
            retry_after,
        });
    }
    serde_json::from_str(&text).map_err(|error| {
        fail(LlmError::BadResponse {
            url: url.into(),
            message: error.to_string(),
        })
    })
}
