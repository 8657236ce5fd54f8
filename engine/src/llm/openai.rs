//! OpenAI-compatible chat completions.
//!
//! Servers differ in the parameters they take: OpenAI's reasoning models refuse `max_tokens`
//! (they want `max_completion_tokens`) and any `temperature` but the default. A 400 that
//! names such a parameter is answered once by asking again without it, and the provider
//! remembers, so later calls ask the way the server wants.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use super::{ChatRequest, Failure, HttpProvider, LlmError, Usage, post_json};

/// Bits of `HttpProvider::compat`.
pub(super) const USE_MAX_COMPLETION_TOKENS: u8 = 1;
pub(super) const OMIT_TEMPERATURE: u8 = 2;

pub(super) async fn complete(
    provider: &HttpProvider,
    request: &ChatRequest,
) -> Result<(Result<String, String>, Usage), Failure> {
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
) -> Result<(Result<String, String>, Usage), Failure> {
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
    let text = answer_text(&answer);
    let usage = Usage {
        input_tokens: answer["usage"]["prompt_tokens"].as_u64().unwrap_or(0),
        output_tokens: answer["usage"]["completion_tokens"].as_u64().unwrap_or(0),
    };
    Ok((text, usage))
}

/// The text of the first choice: `message.content` as a string, or as a list of parts (as
/// some servers answer) whose text parts are joined. A reasoning server's separate
/// `reasoning_content` is not the answer and is left out. With no text, why, as far as the
/// answer tells: a refusal, the token limit, or what is missing.
fn answer_text(answer: &Value) -> Result<String, String> {
    if let Some(error) = answer.get("error").filter(|error| !error.is_null()) {
        let message = error["message"].as_str().or(error.as_str());
        return Err(format!(
            "the server answered with an error: {}",
            message.map_or_else(|| error.to_string(), str::to_owned)
        ));
    }
    let Some(choice) = answer["choices"].get(0) else {
        return Err("it has no choices[0]".into());
    };
    let message = &choice["message"];
    let text = match &message["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter(|part| part["type"].as_str().is_none_or(|kind| kind == "text"))
            .filter_map(|part| part["text"].as_str().or(part.as_str()))
            .collect(),
        _ => String::new(),
    };
    if !text.trim().is_empty() {
        return Ok(text);
    }
    if let Some(refusal) = message["refusal"].as_str() {
        return Err(format!("the model refused: {refusal}"));
    }
    Err(match choice["finish_reason"].as_str() {
        Some("length") => "the model stopped at the token limit (finish_reason \"length\"); \
            a reasoning model may need a larger --max-tokens"
            .into(),
        Some(reason) => format!("finish_reason {reason:?}"),
        None => "choices[0].message.content is empty or missing".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_as_a_string_or_as_a_list_of_parts() {
        let plain = json!({"choices": [{"message": {"content": "def act(obs): ..."}}]});
        assert_eq!(answer_text(&plain).unwrap(), "def act(obs): ...");
        let parts = json!({"choices": [{"message": {"content": [
            {"type": "text", "text": "```python\n"},
            {"type": "image_url", "image_url": {"url": "x"}},
            {"type": "text", "text": "def act(obs): ...\n```"},
        ]}}]});
        assert_eq!(
            answer_text(&parts).unwrap(),
            "```python\ndef act(obs): ...\n```"
        );
    }

    #[test]
    fn reasoning_content_is_not_the_answer() {
        let answer = json!({"choices": [{
            "message": {"content": "final", "reasoning_content": "draft"},
            "finish_reason": "stop",
        }]});
        assert_eq!(answer_text(&answer).unwrap(), "final");
    }

    #[test]
    fn no_text_says_why() {
        let cut = json!({"choices": [{
            "message": {"content": null, "reasoning_content": "long thoughts"},
            "finish_reason": "length",
        }]});
        let error = answer_text(&cut).unwrap_err();
        assert!(
            error.contains("token limit") && error.contains("--max-tokens"),
            "{error}"
        );
        let refused = json!({"choices": [{"message": {"content": null, "refusal": "I can't."}}]});
        assert_eq!(
            answer_text(&refused).unwrap_err(),
            "the model refused: I can't."
        );
        let empty = json!({"choices": [{"message": {"content": ""}, "finish_reason": "stop"}]});
        assert!(answer_text(&empty).unwrap_err().contains("\"stop\""));
        assert_eq!(
            answer_text(&json!({"choices": []})).unwrap_err(),
            "it has no choices[0]"
        );
        let error = json!({"error": {"message": "model not found"}});
        assert_eq!(
            answer_text(&error).unwrap_err(),
            "the server answered with an error: model not found"
        );
    }
}
