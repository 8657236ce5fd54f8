//! Model answers: finding the policy code in arbitrary text, and the tuner's view of that code
//! (its float constants, rewritten with arbitrary values).

use arbitrary::{Arbitrary, Result, Unstructured};
use ppo_sandbox_engine::optimize::{TunableSource, extract_code};

/// A model's answer, often shaped like one (prose, fences, a policy), and values for the
/// tuner to write into the extracted code.
#[derive(Clone, Debug)]
pub struct ModelAnswer {
    pub text: String,
    pub values: Vec<f64>,
}

const PIECES: &[&str] = &[
    "Here is an improved policy:\n",
    "```python\n",
    "```py\n",
    "```\n",
    "~~~\n",
    "def act(obs):\n",
    "    return 1 if obs[2] > 0.0 else 0\n",
    "    return [max(-2.0, min(2.0, -1.5 * obs[2]))]\n",
    "class Policy:\n    def act(self, obs):\n        return 0\n",
    "KP = 1.5\nKD = -0.25e-3\n",
    "x = 1_000.5 + 2.0j + .5 + 5. + 1e400\n",
    "import math\n",
    "The key change is the gain.\n",
    "    ",
    "\t",
    "\r\n",
    "\u{feff}",
    "# comment with 1.5 and ```\n",
    "s = '''1.5 ``` '''\n",
    "f'{1.5:.2f}'\n",
    "def act(obs):\n    return (\n",
    "<think>\n",
    "</think>\n",
    "</thinking>",
];

impl<'a> Arbitrary<'a> for ModelAnswer {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut text = String::new();
        for _ in 0..u.int_in_range(0..=12)? {
            if u.ratio(1, 4)? {
                text.push_str(&String::arbitrary(u)?);
            } else {
                text.push_str(u.choose(PIECES)?);
            }
        }
        let values = Vec::<f64>::arbitrary(u)?;
        Ok(ModelAnswer { text, values })
    }
}

impl ModelAnswer {
    /// Extracts and retunes; panics if an oracle fails.
    pub fn run(&self) {
        let Some(code) = extract_code(&self.text) else {
            return;
        };
        assert!(
            !code.trim().is_empty(),
            "extracted empty code from {:?}",
            self.text
        );
        let tunable = TunableSource::parse(&code)
            .unwrap_or_else(|error| panic!("extracted code does not parse ({error}): {code:?}"));
        let count = tunable.values().len();
        let rendered = tunable.render(&self.values);
        let reparsed = TunableSource::parse(&rendered).unwrap_or_else(|error| {
            panic!("retuned code does not parse ({error}): {rendered:?} from {code:?}")
        });
        // Finite values are written as float literals (negative ones parenthesized), so the
        // rewritten code has the same constants, with the new magnitudes.
        if self.values.iter().take(count).all(|v| v.is_finite()) {
            let expected: Vec<f64> = (0..count)
                .map(|i| self.values.get(i).map_or(tunable.values()[i], |v| v.abs()))
                .collect();
            let found: Vec<f64> = reparsed.values().iter().map(|v| v.abs()).collect();
            assert_eq!(found, expected, "retuned constants differ: {rendered:?}");
        }
    }
}
