//! Anthropic's messages API.

use serde_json::json;

use super::{ChatRequest, Failure, HttpProvider, LlmError, Usage, post_json};

const API_VERSION: &str = "2023-06-01";

pub(super) async fn complete(
    provider: &HttpProvider,
    request: &ChatRequest,
) -> Result<(String, Usage), Failure> {
    let url = provider.url("v1/messages");
    let messages: Vec<_> = request
        .messages
        .iter()
        .map(|m| json!({"role": m.role, "content": m.content}))
        .collect();
    let body = json!({
        "model": provider.config.model,
        "system": request.system,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    });
    let mut builder = provider
        .client
        .post(&url)
        .header("anthropic-version", API_VERSION);
    if let Some(key) = &provider.key {
        builder = builder.header("x-api-key", key);
    }
    let answer = post_json(builder, &url, provider.config.timeout_ms, &body).await?;
    let blocks = answer["content"].as_array().ok_or_else(|| Failure {
        error: LlmError::BadResponse {
            url: url.clone(),
            message: "no content array".into(),
        },
        retry_after: None,
    })?;
    let text: String = blocks
        .iter()
        .filter(|block| block["type"] == "text")
        .filter_map(|block| block["text"].as_str())
        .collect::<Vec<_>>()
        .join("");
    let usage = Usage {
        input_tokens: answer["usage"]["input_tokens"].as_u64().unwrap_or(0),
        output_tokens: answer["usage"]["output_tokens"].as_u64().unwrap_or(0),
    };
    Ok((text, usage))
}
