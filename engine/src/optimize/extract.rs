//! Finding the policy in a model's answer: fenced or not, with prose around it, possibly cut
//! off mid-block. An answer with no usable code is `None` (recorded as a failed candidate).

use ruff_python_parser::parse_module;

/// The policy source in `answer`: the last fenced block that parses and defines `act`, else
/// the largest fenced block that parses, else the answer itself (or its tail from the first
/// line that starts code) when that parses and defines `act`.
pub fn extract_code(answer: &str) -> Option<String> {
    let answer = without_reasoning(answer);
    // Every test below runs on the text as it will be returned (normalized), never on a
    // near copy: a block ending in a line continuation parses alone but not once a newline
    // is appended.
    let blocks: Vec<String> = fenced_blocks(answer).iter().map(|b| normalize(b)).collect();
    if let Some(block) = blocks.iter().rev().find(|b| parses(b) && defines_act(b)) {
        return Some(block.clone());
    }
    if let Some(block) = blocks
        .iter()
        .filter(|b| parses(b) && !b.trim().is_empty())
        .max_by_key(|b| b.len())
    {
        return Some(block.clone());
    }
    if !blocks.is_empty() {
        return None;
    }
    let lines: Vec<&str> = answer.lines().collect();
    (0..lines.len())
        .filter(|&i| starts_code(lines[i]))
        .map(|i| normalize(&lines[i..].join("\n")))
        .find(|tail| parses(tail) && defines_act(tail))
}

/// The answer without the reasoning that some models write before it, between `<think>`
/// tags (DeepSeek-R1, Qwen3 and QwQ through Ollama, llama.cpp or vLLM): the drafts in there
/// are not the answer. Some chat templates leave out the opening tag, so the answer is what
/// follows the last closing tag; an answer that starts thinking and never stops holds none.
fn without_reasoning(answer: &str) -> &str {
    for close in ["</think>", "</thinking>"] {
        if let Some(end) = answer.rfind(close) {
            return &answer[end + close.len()..];
        }
    }
    let start = answer.trim_start();
    if start.starts_with("<think>") || start.starts_with("<thinking>") {
        return "";
    }
    answer
}

/// The contents of ``` fences (any language tag); an unclosed last fence runs to the end.
fn fenced_blocks(answer: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in answer.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            match current.take() {
                Some(lines) => blocks.push(lines.join("\n")),
                None => current = Some(Vec::new()),
            }
        } else if let Some(lines) = current.as_mut() {
            lines.push(line);
        }
    }
    if let Some(lines) = current {
        blocks.push(lines.join("\n"));
    }
    blocks
}

fn parses(source: &str) -> bool {
    parse_module(source).is_ok()
}

/// Whether `source` defines `act` as a function, method or name.
fn defines_act(source: &str) -> bool {
    source.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("def act(")
            || line.starts_with("async def act(")
            || line.starts_with("act =")
            || line.starts_with("act=")
    })
}

fn starts_code(line: &str) -> bool {
    ["import ", "from ", "def ", "class ", "@", "#"]
        .iter()
        .any(|start| line.starts_with(start))
        || line.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.trim().chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

fn normalize(source: &str) -> String {
    let mut text = source.trim_matches('\n').to_owned();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "def act(obs):\n    return 1 if obs.pole_angle > 0 else 0\n";

    #[test]
    fn fenced_answers_with_prose_around_them() {
        let answer =
            format!("Here is a policy:\n\n```python\n{POLICY}```\n\nIt pushes towards the lean.");
        assert_eq!(extract_code(&answer).as_deref(), Some(POLICY));
        let untagged = format!("```\n{POLICY}```");
        assert_eq!(extract_code(&untagged).as_deref(), Some(POLICY));
    }

    #[test]
    fn the_last_block_defining_act_wins_over_examples() {
        let answer = format!(
            "The observation looks like:\n```python\nobs = [0.0, 0.1, 0.2, 0.3]\n```\nFirst try:\n```python\ndef act(obs):\n    return 0\n```\nBetter:\n```python\n{POLICY}```\n"
        );
        assert_eq!(extract_code(&answer).as_deref(), Some(POLICY));
    }

    #[test]
    fn an_answer_cut_off_inside_its_fence_still_counts_if_it_parses() {
        let answer = format!("```python\n{POLICY}");
        assert_eq!(extract_code(&answer).as_deref(), Some(POLICY));
        // Cut in the middle of a statement: nothing usable.
        assert_eq!(
            extract_code("```python\ndef act(obs):\n    return (1 if"),
            None
        );
    }

    #[test]
    fn unfenced_code_after_prose() {
        let answer = format!("Sure! The policy below balances the pole.\n{POLICY}");
        assert_eq!(extract_code(&answer).as_deref(), Some(POLICY));
        let class = "class Policy:\n    def act(self, obs):\n        return 0\n";
        assert_eq!(extract_code(class).as_deref(), Some(class));
    }

    #[test]
    fn code_ending_in_a_line_continuation_is_not_extracted() {
        // Found by the model_answer fuzz target: the code parsed without the newline that
        // extraction appends, and not with it, so a non-parsing policy was returned.
        let code = "import math\nclass Policy:\n    def act(self, obs):\n        return 0\n\\";
        assert_eq!(extract_code(code), None);
        assert_eq!(extract_code(&format!("```python\n{code}\n```")), None);
    }

    #[test]
    fn drafts_in_a_reasoning_block_are_not_the_answer() {
        let draft = "def act(obs):\n    return 0\n";
        let answer = format!(
            "<think>\nFirst idea:\n```python\n{draft}```\nNo, lean the other way.\n</think>\n\nHere:\n```python\n{POLICY}```\n"
        );
        assert_eq!(extract_code(&answer).as_deref(), Some(POLICY));
        // The opening tag left out by the chat template; an answer cut off mid-statement
        // does not fall back to the draft.
        let cut =
            format!("```python\n{draft}```\n</think>\n```python\ndef act(obs):\n    return (1 if");
        assert_eq!(extract_code(&cut), None);
        // Still thinking when the token limit came: no answer.
        let unfinished = format!("<think>\nMaybe:\n```python\n{draft}```\nor perhaps");
        assert_eq!(extract_code(&unfinished), None);
    }

    #[test]
    fn no_code_is_none() {
        assert_eq!(extract_code("I cannot help with that."), None);
        assert_eq!(extract_code(""), None);
        assert_eq!(extract_code("```\nnot python at all ((\n```"), None);
    }
}
