//! Anthropic's messages API.

use serde_json::{Value, json};

use super::{ChatRequest, Failure, HttpProvider, Usage, post_json};

const API_VERSION: &str = "2023-06-01";

pub(super) async fn complete(
    provider: &HttpProvider,
    request: &ChatRequest,
) -> Result<(Result<String, String>, Usage), Failure> {
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
    let text = answer_text(&answer);
    let usage = Usage {
        input_tokens: answer["usage"]["input_tokens"].as_u64().unwrap_or(0),
        output_tokens: answer["usage"]["output_tokens"].as_u64().unwrap_or(0),
    };
    Ok((text, usage))
}

/// The answer's text blocks, joined (thinking and tool blocks are not the answer). With no
/// text, why, as far as the answer tells.
fn answer_text(answer: &Value) -> Result<String, String> {
    if answer["type"] == "error" {
        let message = answer["error"]["message"].as_str().unwrap_or("no message");
        return Err(format!("the server answered with an error: {message}"));
    }
    let Some(blocks) = answer["content"].as_array() else {
        return Err("it has no content array".into());
    };
    let text: String = blocks
        .iter()
        .filter(|block| block["type"] == "text")
        .filter_map(|block| block["text"].as_str())
        .collect();
    if !text.trim().is_empty() {
        return Ok(text);
    }
    Err(match answer["stop_reason"].as_str() {
        Some("max_tokens") => {
            "the model stopped at the token limit (stop_reason \"max_tokens\"); raise --max-tokens"
                .into()
        }
        Some("refusal") => "the model refused (stop_reason \"refusal\")".into(),
        Some(reason) => format!("stop_reason {reason:?}"),
        None => "it has no text block".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_blocks_are_the_answer_and_thinking_is_not() {
        let answer = json!({"content": [
            {"type": "thinking", "thinking": "draft", "signature": "x"},
            {"type": "text", "text": "```python\n"},
            {"type": "text", "text": "def act(obs): ...\n```"},
        ], "stop_reason": "end_turn"});
        assert_eq!(
            answer_text(&answer).unwrap(),
            "```python\ndef act(obs): ...\n```"
        );
    }

    #[test]
    fn no_text_says_why() {
        let cut = json!({"content": [{"type": "thinking", "thinking": "..."}], "stop_reason": "max_tokens"});
        assert!(answer_text(&cut).unwrap_err().contains("token limit"));
        let refused = json!({"content": [], "stop_reason": "refusal"});
        assert!(answer_text(&refused).unwrap_err().contains("refused"));
        let error = json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}});
        assert_eq!(
            answer_text(&error).unwrap_err(),
            "the server answered with an error: Overloaded"
        );
        assert_eq!(
            answer_text(&json!({})).unwrap_err(),
            "it has no content array"
        );
    }
}
