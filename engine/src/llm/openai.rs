//! OpenAI-compatible chat completions.
//!
//! Servers differ in the parameters they take: OpenAI's reasoning models refuse `max_tokens`
//! (they want `max_completion_tokens`) and any `temperature` but the default. A 400 that
//! names such a parameter is answered once by asking again without it, and the provider
//! remembers, so later calls ask the way the server wants.

use std::sync::atomic::Ordering;

use serde_json::json;

use super::{ChatRequest, Failure, HttpProvider, LlmError, Usage, post_json};

/// Bits of `HttpProvider::compat`.
pub(super) const USE_MAX_COMPLETION_TOKENS: u8 = 1;
pub(super) const OMIT_TEMPERATURE: u8 = 2;

pub(super) async fn complete(
    provider: &HttpProvider,
    request: &ChatRequest,
) -> Result<(String, Usage), Failure> {
    loop {
        let compat = provider.compat.load(Ordering::Relaxed);
        match complete_once(provider, request, compat).await {
            Err(Failure {
                error: LlmError::Http {
                    status: 400, body, ..
                },
                ..
            }) if adapt(compat, &body) != compat => {
                provider
                    .compat
                    .fetch_or(adapt(compat, &body), Ordering::Relaxed);
            }
            other => return other,
        }
    }
}

/// The compatibility bits a 400 answer with `body` asks for.
fn adapt(compat: u8, body: &str) -> u8 {
    let mut adapted = compat;
    if body.contains("max_completion_tokens") {
        adapted |= USE_MAX_COMPLETION_TOKENS;
    }
    if body.contains("temperature") {
        adapted |= OMIT_TEMPERATURE;
    }
    adapted
}

async fn complete_once(
    provider: &HttpProvider,
    request: &ChatRequest,
    compat: u8,
) -> Result<(String, Usage), Failure> {
    let url = provider.url("chat/completions");
    let mut messages = vec![json!({"role": "system", "content": request.system})];
    messages.extend(
        request
            .messages
            .iter()
            .map(|m| json!({"role": m.role, "content": m.content})),
    );
    let mut body = json!({
        "model": provider.config.model,
        "messages": messages,
    });
    let tokens_key = if compat & USE_MAX_COMPLETION_TOKENS != 0 {
        "max_completion_tokens"
    } else {
        "max_tokens"
    };
    body[tokens_key] = json!(request.max_tokens);
    if compat & OMIT_TEMPERATURE == 0 {
        body["temperature"] = json!(request.temperature);
    }
    let mut builder = provider.client.post(&url);
    if let Some(key) = &provider.key {
        builder = builder.bearer_auth(key);
    }
    let answer = post_json(builder, &url, provider.config.timeout_ms, &body).await?;
    let text = answer["choices"][0]["message"]["content"]
        .as_str()
        .ok_or_else(|| Failure {
            error: LlmError::BadResponse {
                url: url.clone(),
                message: "no choices[0].message.content".into(),
            },
            retry_after: None,
        })?
        .to_owned();
    let usage = Usage {
        input_tokens: answer["usage"]["prompt_tokens"].as_u64().unwrap_or(0),
        output_tokens: answer["usage"]["completion_tokens"].as_u64().unwrap_or(0),
    };
    Ok((text, usage))
}
