//! OpenAI-compatible chat completions.

use serde_json::json;

use super::{ChatRequest, Failure, HttpProvider, LlmError, Usage, post_json};

pub(super) async fn complete(
    provider: &HttpProvider,
    request: &ChatRequest,
) -> Result<(String, Usage), Failure> {
    let url = provider.url("chat/completions");
    let mut messages = vec![json!({"role": "system", "content": request.system})];
    messages.extend(
        request
            .messages
            .iter()
            .map(|m| json!({"role": m.role, "content": m.content})),
    );
    let body = json!({
        "model": provider.config.model,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    });
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
