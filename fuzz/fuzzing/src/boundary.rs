//! Values crossing the guest boundary both ways: observations the host writes (NaN,
//! infinities, huge, any length) and actions a policy returns (every Python type a model might
//! return, lying number types, and raw replies from a native module pointing anywhere).

use arbitrary::{Arbitrary, Result, Unstructured};
use ppo_sandbox_engine::envs::{self, Action};
use ppo_sandbox_engine::{CrashKind, LoadOptions, PolicySource};

use crate::oracles::{check_crash, check_output};
use crate::sandbox::{FUZZ_ENVS, engine, fuzz_limits};

/// An observation value: finite, or one of the values that break naive code.
#[derive(Clone, Copy, Debug)]
pub struct ObservationValue(pub f64);

impl<'a> Arbitrary<'a> for ObservationValue {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(ObservationValue(match u.int_in_range(0..=7)? {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => f64::MAX,
            4 => -0.0,
            5 => f64::MIN_POSITIVE / 2.0,
            _ => f64::arbitrary(u)?,
        }))
    }
}

/// What a Python policy's `act` returns.
#[derive(Clone, Debug, Arbitrary)]
pub enum ActionValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    FloatList(Vec<f64>),
    IntList(Vec<i64>),
    /// `10 ** n`, past any machine integer.
    Power(u16),
    IntEnum(u8),
    /// An `int` subclass whose `__int__`, `__index__`, `__eq__` and `__hash__` lie.
    LyingInt {
        real: i8,
        claimed: i64,
    },
    /// A `float` subclass whose `__float__` lies.
    LyingFloat {
        real: f32,
        claimed: f64,
    },
    /// An object that is not a number but says it converts to one.
    Impostor(i8),
    Str(String),
    Nothing,
    Tuple(Vec<i8>),
    Nested(Vec<Vec<i8>>),
    Dict,
    Complex,
    /// The observation itself, or a slice of it.
    Echo {
        start: i8,
        stop: i8,
    },
}

impl ActionValue {
    /// The expression `act` returns.
    pub fn python(&self) -> String {
        let float = |v: f64| {
            if v.is_finite() {
                format!("{v:?}")
            } else {
                format!("float('{v}')")
            }
        };
        match self {
            ActionValue::Int(v) => format!("({v})"),
            ActionValue::Float(v) => float(*v),
            ActionValue::Bool(v) => if *v { "True" } else { "False" }.into(),
            ActionValue::FloatList(vs) => {
                format!(
                    "[{}]",
                    vs.iter().map(|v| float(*v)).collect::<Vec<_>>().join(", ")
                )
            }
            ActionValue::IntList(vs) => format!("{vs:?}"),
            ActionValue::Power(n) => format!("10 ** {}", n % 400),
            ActionValue::IntEnum(v) => format!("Move({})", v % 3),
            ActionValue::LyingInt { real, claimed } => format!("LyingInt({real}, {claimed})"),
            ActionValue::LyingFloat { real, claimed } => {
                format!(
                    "LyingFloat({}, {})",
                    float(f64::from(*real)),
                    float(*claimed)
                )
            }
            ActionValue::Impostor(v) => format!("Impostor({v})"),
            ActionValue::Str(s) => python_string(s),
            ActionValue::Nothing => "None".into(),
            ActionValue::Tuple(vs) => format!("tuple({vs:?})"),
            ActionValue::Nested(vs) => format!("{vs:?}"),
            ActionValue::Dict => "{'action': 1}".into(),
            ActionValue::Complex => "complex(1, 2)".into(),
            ActionValue::Echo { start, stop } => format!("obs[{start}:{stop}]"),
        }
    }

    /// The action a correct engine reads from this value, where that is clear-cut.
    pub fn expected(&self) -> Option<Action> {
        Some(match self {
            ActionValue::Int(v) => Action::Int(*v),
            ActionValue::Float(v) => Action::Float(*v),
            ActionValue::Bool(v) => Action::Int(i64::from(*v)),
            ActionValue::IntEnum(v) => Action::Int(i64::from(v % 3)),
            ActionValue::FloatList(vs) if !vs.is_empty() => Action::FloatList(vs.clone()),
            ActionValue::IntList(vs) if !vs.is_empty() => Action::IntList(vs.clone()),
            _ => return None,
        })
    }
}

/// `text` as a Python string literal (Rust's `{:?}` escapes, such as `\u{1e}`, are not
/// Python: found by fuzzing, a generated policy that did not parse).
pub fn python_string(text: &str) -> String {
    let mut literal = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => literal.push_str("\\\\"),
            '"' => literal.push_str("\\\""),
            c if c.is_ascii_graphic() || c == ' ' => literal.push(c),
            c => literal.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    literal.push('"');
    literal
}

const PRELUDE: &str = r#"import enum
class Move(enum.IntEnum):
    A = 0
    B = 1
    C = 2
class LyingInt(int):
    def __new__(cls, real, claimed):
        self = super().__new__(cls, real)
        self.claimed = claimed
        return self
    def __int__(self): return self.claimed
    def __index__(self): return self.claimed
    def __eq__(self, other): return True
    def __hash__(self): return self.claimed
class LyingFloat(float):
    def __new__(cls, real, claimed):
        self = super().__new__(cls, real)
        self.claimed = claimed
        return self
    def __float__(self): return self.claimed
class Impostor:
    def __init__(self, v): self.v = v
    def __int__(self): return self.v
    def __index__(self): return self.v
    def __float__(self): return float(self.v)
    def __eq__(self, other): return True
"#;

/// One boundary case: an environment, an observation to hand the policy (any length, any
/// value), and what the policy returns; or a native module's raw reply.
#[derive(Clone, Debug, Arbitrary)]
pub struct BoundaryCase {
    pub env: u8,
    pub observation: Vec<ObservationValue>,
    pub action: ActionValue,
    pub native_reply: Option<NativeReply>,
}

/// What a native module answers from `ppo_act`: a reply record and its payload, placed at
/// guest-chosen addresses (possibly out of bounds).
#[derive(Clone, Debug, Arbitrary)]
pub struct NativeReply {
    pub reply_address: u32,
    pub status: u32,
    pub kind: u32,
    pub len: u32,
    pub data: u32,
    pub payload: Vec<u8>,
    pub obs_buffer_address: u32,
}

impl NativeReply {
    fn module(&self) -> String {
        let bytes = |values: &[u8]| {
            values
                .iter()
                .map(|b| format!("\\{b:02x}"))
                .collect::<String>()
        };
        let mut record = Vec::new();
        for word in [self.status, self.kind, self.len, self.data] {
            record.extend_from_slice(&word.to_le_bytes());
        }
        // Reply record and payload in bounds of the one page when the addresses are.
        let reply_address = self.reply_address % 70_000;
        let data_address = self.data % 70_000;
        let mut wat = format!(
            "(module (memory (export \"memory\") 1)\n\
             (func (export \"ppo_contract_version\") (result i32) i32.const 1)\n\
             (func (export \"ppo_obs_buffer\") (param i32) (result i32) i32.const {})\n\
             (func (export \"ppo_act\") (param i32) (result i32) i32.const {reply_address})\n",
            self.obs_buffer_address as i32
        );
        if reply_address as usize + 16 <= 65_536 {
            wat.push_str(&format!(
                "(data (i32.const {reply_address}) \"{}\")\n",
                bytes(&record)
            ));
        }
        if data_address as usize + self.payload.len() <= 65_536 && !self.payload.is_empty() {
            wat.push_str(&format!(
                "(data (i32.const {data_address}) \"{}\")\n",
                bytes(&self.payload)
            ));
        }
        wat.push(')');
        wat
    }
}

impl BoundaryCase {
    /// Runs the case: one `act` on the arbitrary observation, checked against the oracles.
    pub fn run(&self) {
        let env_id = FUZZ_ENVS[usize::from(self.env) % FUZZ_ENVS.len()];
        let env = envs::make(env_id).expect("fuzz environments are registered");
        let limits = fuzz_limits();
        let options = LoadOptions::for_env(env.description()).limits(limits.clone());
        let source = match &self.native_reply {
            Some(reply) => PolicySource::wasm(reply.module().into_bytes()),
            None => PolicySource::python(format!(
                "{PRELUDE}def act(obs):\n    return {}\n",
                self.action.python()
            )),
        };
        let observation: Vec<f64> = self.observation.iter().map(|v| v.0).collect();
        let started = std::time::Instant::now();
        let mut policy = match engine().load(&source, &options) {
            Ok(policy) => policy,
            Err(crash) => {
                let timed = self.native_reply.is_none();
                check_crash(&crash, &limits, timed.then(|| started.elapsed()));
                // Only the Python prelude and a return: a Python case must load.
                assert!(
                    self.native_reply.is_some(),
                    "a boundary policy failed to load: {crash:?}"
                );
                return;
            }
        };
        let started = std::time::Instant::now();
        let result = policy.act(&observation);
        check_output(&policy.take_output(), &limits);
        let space = env.action_space();
        match &result {
            Ok(action) => {
                space
                    .check(action)
                    .unwrap_or_else(|error| panic!("the engine accepted {action:?}: {error}"));
            }
            Err(crash) => check_crash(crash, &limits, Some(started.elapsed())),
        }
        if self.native_reply.is_none()
            && !matches!(self.action, ActionValue::Echo { .. })
            && let Some(expected) = self.action.expected()
        {
            match (&result, space.check(&expected)) {
                (Ok(action), Ok(_)) => {
                    assert_eq!(action, &expected, "the engine read the wrong action")
                }
                (Ok(action), Err(error)) => {
                    panic!("{action:?} accepted, but {expected:?} is invalid: {error}")
                }
                (Err(crash), Ok(_)) => panic!("a valid {expected:?} was refused: {crash:?}"),
                (Err(crash), Err(_)) => {
                    assert_eq!(crash.kind, CrashKind::InvalidAction, "{crash:?}")
                }
            }
        }
    }
}
