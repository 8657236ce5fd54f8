//! A policy's tunable constants: the float literals of its Python source, found with the
//! Python parser (so literals in strings, comments and names are never touched) and written
//! back with new values.

use ruff_python_ast::token::{Token, TokenKind};
use ruff_python_parser::parse_module;
use ruff_text_size::Ranged;

/// A policy source with its float literals located. Integer literals are left alone: they are
/// usually structure (indices, actions, loop counts); a constant meant to be tuned is written
/// as a float (`1.0`).
#[derive(Clone, Debug, PartialEq)]
pub struct TunableSource {
    source: String,
    constants: Vec<Constant>,
}

#[derive(Clone, Debug, PartialEq)]
struct Constant {
    start: usize,
    end: usize,
    value: f64,
}

/// The source is not valid Python.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("the policy source does not parse: {message}")]
pub struct SourceSyntaxError {
    /// The parser's message, with its byte offset.
    pub message: String,
}

impl TunableSource {
    /// Parses `source` and finds its float literals.
    pub fn parse(source: &str) -> Result<TunableSource, SourceSyntaxError> {
        let parsed = parse_module(source).map_err(|error| SourceSyntaxError {
            message: format!(
                "{} at byte {}",
                error.error,
                usize::from(error.location.start())
            ),
        })?;
        let constants = parsed
            .tokens()
            .iter()
            .filter(|token: &&Token| token.kind() == TokenKind::Float)
            .filter_map(|token| {
                let (start, end) = (
                    usize::from(token.range().start()),
                    usize::from(token.range().end()),
                );
                let text = source.get(start..end)?;
                // Imaginary literals (`2.0j`) lex as complex, never as Float; `_` separators
                // are Python syntax that Rust's parser does not take.
                let value = text.replace('_', "").parse::<f64>().ok()?;
                value.is_finite().then_some(Constant { start, end, value })
            })
            .collect();
        Ok(TunableSource {
            source: source.to_owned(),
            constants,
        })
    }

    /// The source as parsed.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The constants' current values, in source order.
    pub fn values(&self) -> Vec<f64> {
        self.constants.iter().map(|c| c.value).collect()
    }

    /// The source with the constants replaced by `values` (in source order; missing values
    /// keep the original). Negative values are parenthesized, so `x - 0.5` becomes
    /// `x - (-0.3)`, never `x --0.3`.
    pub fn render(&self, values: &[f64]) -> String {
        let mut out = String::with_capacity(self.source.len() + 8 * self.constants.len());
        let mut at = 0;
        for (constant, value) in self.constants.iter().zip(values) {
            out.push_str(&self.source[at..constant.start]);
            out.push_str(&constant_literal(*value));
            at = constant.end;
        }
        out.push_str(&self.source[at..]);
        out
    }
}

/// `value` as a Python float expression (shortest round-trip form; `float('inf')` and the
/// like for non-finite values).
pub(super) fn python_float(value: f64) -> String {
    if value.is_nan() {
        "float('nan')".into()
    } else if value.is_infinite() {
        if value > 0.0 {
            "float('inf')"
        } else {
            "float('-inf')"
        }
        .into()
    } else {
        let text = format!("{value:?}");
        if text.contains(['.', 'e']) {
            text
        } else {
            format!("{text}.0")
        }
    }
}

/// `value` as a constant substituted into a policy: finite (a non-finite sample becomes
/// 0.0), and parenthesized when negative so it fits any expression position.
fn constant_literal(value: f64) -> String {
    let value = if value.is_finite() { value } else { 0.0 };
    let text = python_float(value);
    if value.is_sign_negative() {
        format!("({text})")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_float_literals_only_outside_strings_and_comments() {
        let source = "W = [0.5, -1.25, 3]\n# 9.5 in a comment\nNAME = 'x 2.5'\nk_1 = 1e-3\ndef act(obs):\n    return 1 if obs[0] * 2.0 > 0 else 0\n";
        let tunable = TunableSource::parse(source).unwrap();
        assert_eq!(tunable.values(), vec![0.5, 1.25, 1e-3, 2.0]);
    }

    #[test]
    fn render_replaces_in_place_and_keeps_the_rest_byte_for_byte() {
        let source = "a = 0.5\nb = x - 1.0  # keep 1.0 here\n";
        let tunable = TunableSource::parse(source).unwrap();
        assert_eq!(
            tunable.render(&tunable.values()),
            "a = 0.5\nb = x - 1.0  # keep 1.0 here\n"
        );
        let rendered = tunable.render(&[2.0, -0.25]);
        assert_eq!(rendered, "a = 2.0\nb = x - (-0.25)  # keep 1.0 here\n");
        assert_eq!(
            TunableSource::parse(&rendered).unwrap().values(),
            vec![2.0, 0.25]
        );
    }

    #[test]
    fn a_syntax_error_is_reported_not_tuned() {
        assert!(TunableSource::parse("def act(obs)\n    return 0.5\n").is_err());
    }

    #[test]
    fn rendered_values_round_trip_exactly() {
        let tunable = TunableSource::parse("x = 0.1\n").unwrap();
        for value in [0.1 + 0.2, 1e300, 5e-324, 123456789.0] {
            let text = tunable.render(&[value]);
            assert_eq!(TunableSource::parse(&text).unwrap().values(), vec![value]);
        }
    }
}
