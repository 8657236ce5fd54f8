//! Observation and action spaces in Gymnasium's shape, and the checks that turn a wrong action
//! into a typed error instead of a panic.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use crate::EnvError;

/// Box spaces with more elements than this are described by the range of their bounds.
const MAX_LISTED_BOUNDS: usize = 16;

/// An action, as a policy returns it once read into plain values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// One integer (a Discrete action, or a 1-D Box given as an int).
    Int(i64),
    /// One float (a 1-D Box given as a bare float).
    Float(f64),
    /// A list of integers (MultiDiscrete, or a Box given as ints).
    IntList(Vec<i64>),
    /// A list of floats (a Box action).
    FloatList(Vec<f64>),
}

impl Action {
    /// A short name of the action's shape, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Action::Int(_) => "int",
            Action::Float(_) => "float",
            Action::IntList(_) => "list of ints",
            Action::FloatList(_) => "list of floats",
        }
    }
}

/// Element type of a Box space. Gymnasium's classic-control and MuJoCo spaces are float32,
/// and agents pass actions in the space's dtype, so a float32 Box rounds actions to f32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dtype {
    Float32,
    Float64,
}

/// A Box space: a 1-D array of reals with per-element bounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoxSpace {
    pub low: Vec<f64>,
    pub high: Vec<f64>,
    pub dtype: Dtype,
}

/// A space, as in `gymnasium.spaces`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Space {
    /// Integers `start .. start + n`.
    Discrete { n: u64, start: i64 },
    /// A real vector with bounds.
    Box(BoxSpace),
    /// A vector of integers, element `i` in `0 .. nvec[i]`.
    MultiDiscrete { nvec: Vec<u64> },
}

impl Space {
    /// `Discrete(n)`.
    pub fn discrete(n: u64) -> Space {
        Space::Discrete { n, start: 0 }
    }

    /// A float32 Box with the given bounds.
    pub fn box_f32(low: Vec<f64>, high: Vec<f64>) -> Space {
        Space::Box(BoxSpace {
            low,
            high,
            dtype: Dtype::Float32,
        })
    }

    /// How many `f64` values an observation of this space takes (1 for Discrete).
    pub fn flat_len(&self) -> usize {
        match self {
            Space::Discrete { .. } => 1,
            Space::Box(space) => space.low.len(),
            Space::MultiDiscrete { nvec } => nvec.len(),
        }
    }

    /// Whether this is a Discrete space (its observations are plain integers).
    pub fn is_discrete(&self) -> bool {
        matches!(self, Space::Discrete { .. })
    }

    /// Gymnasium-style text for messages: `Discrete(2)`, `Box(-2.0, 2.0, (1,), float32)`.
    pub fn describe(&self) -> String {
        match self {
            Space::Discrete { n, start: 0 } => format!("Discrete({n})"),
            Space::Discrete { n, start } => format!("Discrete({n}, start={start})"),
            Space::Box(space) => {
                let dtype = match space.dtype {
                    Dtype::Float32 => "float32",
                    Dtype::Float64 => "float64",
                };
                let uniform = |values: &[f64]| values.windows(2).all(|w| w[0] == w[1]);
                if !space.low.is_empty() && uniform(&space.low) && uniform(&space.high) {
                    format!(
                        "Box({:?}, {:?}, ({},), {dtype})",
                        space.low[0],
                        space.high[0],
                        space.low.len()
                    )
                } else if space.low.len() <= MAX_LISTED_BOUNDS {
                    format!(
                        "Box({:?}, {:?}, ({},), {dtype})",
                        space.low,
                        space.high,
                        space.low.len()
                    )
                } else {
                    // A long vector of bounds (NoiseWorld's board) would swamp a prompt or a
                    // message: give their range; the named fields give each one.
                    let range = |values: &[f64]| {
                        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        format!("[{min:?}, {max:?}]")
                    };
                    format!(
                        "Box(low in {}, high in {}, ({},), {dtype})",
                        range(&space.low),
                        range(&space.high),
                        space.low.len()
                    )
                }
            }
            Space::MultiDiscrete { nvec } => format!("MultiDiscrete({nvec:?})"),
        }
    }

    /// Checks an action against this space and returns it in the form the env steps with:
    /// a Discrete index, or Box values (rounded to f32 for a float32 Box, as Gymnasium's
    /// agents pass them). A wrong type, shape, a value out of range, NaN or an infinity is
    /// an [`EnvError::InvalidAction`] naming the space.
    pub fn check(&self, action: &Action) -> Result<CheckedAction, EnvError> {
        let invalid = |reason: String| self.invalid(reason);
        match self {
            Space::Discrete { n, start } => {
                let Action::Int(value) = action else {
                    return Err(invalid(format!(
                        "expected an int, got a {}",
                        action.kind_name()
                    )));
                };
                let offset = value
                    .checked_sub(*start)
                    .filter(|o| *o >= 0 && (*o as u64) < *n);
                match offset {
                    Some(_) => Ok(CheckedAction::Discrete(*value)),
                    None => Err(invalid(format!("{value} is out of range"))),
                }
            }
            Space::MultiDiscrete { nvec } => {
                let values: Vec<i64> = match action {
                    Action::IntList(values) => values.clone(),
                    Action::Int(value) if nvec.len() == 1 => vec![*value],
                    _ => {
                        return Err(invalid(format!(
                            "expected a list of ints, got a {}",
                            action.kind_name()
                        )));
                    }
                };
                if values.len() != nvec.len() {
                    return Err(invalid(format!(
                        "expected {} values, got {}",
                        nvec.len(),
                        values.len()
                    )));
                }
                for (i, (&v, &n)) in values.iter().zip(nvec).enumerate() {
                    if v < 0 || v as u64 >= n {
                        return Err(invalid(format!("element {i} = {v} is out of range")));
                    }
                }
                Ok(CheckedAction::MultiDiscrete(values))
            }
            Space::Box(space) => {
                // Borrowed where possible: this runs on every step.
                let scalar: [f64; 1];
                let converted: Vec<f64>;
                let values: &[f64] = match action {
                    Action::Float(value) => {
                        scalar = [*value];
                        &scalar
                    }
                    Action::Int(value) => {
                        scalar = [*value as f64];
                        &scalar
                    }
                    Action::FloatList(values) => values,
                    Action::IntList(values) => {
                        converted = values.iter().map(|&v| v as f64).collect();
                        &converted
                    }
                };
                if values.len() != space.low.len() {
                    return Err(invalid(format!(
                        "expected {} values, got {}",
                        space.low.len(),
                        values.len()
                    )));
                }
                let mut checked = BoxValues(SmallVec::with_capacity(values.len()));
                for (i, &value) in values.iter().enumerate() {
                    checked
                        .0
                        .push(space.check_value(i, value).map_err(invalid)?);
                }
                Ok(CheckedAction::Box(checked))
            }
        }
    }

    /// [`Space::check`] for a one-value Box (MountainCarContinuous, Pendulum), giving the
    /// value itself: the same checks and errors, without a [`CheckedAction`] to pass back
    /// through memory on every step.
    pub fn check_scalar(&self, action: &Action) -> Result<f64, EnvError> {
        let (space, value) = match (self, action) {
            (Space::Box(space), Action::Float(value)) if space.low.len() == 1 => (space, *value),
            (Space::Box(space), Action::FloatList(values))
                if space.low.len() == 1 && values.len() == 1 =>
            {
                (space, values[0])
            }
            _ => {
                let checked = self.check(action)?;
                return match checked.values() {
                    &[value] => Ok(value),
                    _ => Err(self.invalid("expected a single value".into())),
                };
            }
        };
        space
            .check_value(0, value)
            .map_err(|reason| self.invalid(reason))
    }

    /// The error for an action this space refuses, naming the space.
    fn invalid(&self, reason: String) -> EnvError {
        EnvError::InvalidAction {
            space: self.describe(),
            reason,
        }
    }
}

impl BoxSpace {
    /// Element `i` of an action: finite, rounded to the dtype, inside the bounds.
    #[inline]
    fn check_value(&self, i: usize, value: f64) -> Result<f64, String> {
        if !value.is_finite() {
            return Err(format!("element {i} is {value}"));
        }
        let value = match self.dtype {
            Dtype::Float32 => f64::from(value as f32),
            Dtype::Float64 => value,
        };
        if value < self.low[i] || value > self.high[i] {
            return Err(format!(
                "element {i} = {value} is outside [{}, {}]",
                self.low[i], self.high[i]
            ));
        }
        Ok(value)
    }
}

/// An action that passed [`Space::check`].
#[derive(Clone, Debug, PartialEq)]
pub enum CheckedAction {
    Discrete(i64),
    MultiDiscrete(Vec<i64>),
    Box(BoxValues),
}

/// The values of a checked Box action. Up to two are held inline, so that checking a
/// classic-control action allocates nothing; a larger capacity would make every checked
/// action (and every `Result` carrying one) bigger to move, which cost MountainCarContinuous
/// a third of its step rate at eight. MuJoCo's wider actions allocate, next to a physics
/// step a thousand times dearer.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxValues(SmallVec<[f64; 2]>);

impl std::ops::Deref for BoxValues {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        &self.0
    }
}

impl From<&[f64]> for BoxValues {
    fn from(values: &[f64]) -> BoxValues {
        BoxValues(SmallVec::from_slice(values))
    }
}

impl CheckedAction {
    /// The Discrete index; 0 for other kinds (an env only asks for what its space checked).
    pub fn discrete(&self) -> i64 {
        match self {
            CheckedAction::Discrete(value) => *value,
            _ => 0,
        }
    }

    /// The Box values; empty for other kinds.
    pub fn values(&self) -> &[f64] {
        match self {
            CheckedAction::Box(values) => values,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discrete_rejects_floats_out_of_range_and_lists() {
        let space = Space::discrete(2);
        assert_eq!(
            space.check(&Action::Int(1)).unwrap(),
            CheckedAction::Discrete(1)
        );
        for action in [
            Action::Int(2),
            Action::Int(-1),
            Action::Float(1.0),
            Action::FloatList(vec![0.0]),
        ] {
            let err = space.check(&action).unwrap_err();
            assert!(
                matches!(&err, EnvError::InvalidAction { space, .. } if space == "Discrete(2)"),
                "{err}"
            );
        }
    }

    #[test]
    fn float32_box_rounds_and_rejects_non_finite_wrong_length_and_out_of_range() {
        let space = Space::box_f32(vec![-2.0], vec![2.0]);
        assert_eq!(
            space.check(&Action::Float(0.1)).unwrap(),
            CheckedAction::Box([f64::from(0.1f32)][..].into())
        );
        assert_eq!(
            space.check(&Action::Int(1)).unwrap(),
            CheckedAction::Box([1.0][..].into())
        );
        for action in [
            Action::Float(f64::NAN),
            Action::Float(f64::INFINITY),
            Action::Float(2.5),
            Action::FloatList(vec![0.0, 0.0]),
            Action::FloatList(vec![]),
        ] {
            assert!(
                matches!(space.check(&action), Err(EnvError::InvalidAction { .. })),
                "{action:?}"
            );
        }
    }

    #[test]
    fn long_boxes_are_described_by_their_bound_ranges() {
        let space = Space::box_f32(vec![0.0; 20], [vec![9.0; 4], vec![5.0; 16]].concat());
        assert_eq!(
            space.describe(),
            "Box(low in [0.0, 0.0], high in [5.0, 9.0], (20,), float32)"
        );
        let space = Space::box_f32(vec![-1.0, -2.0], vec![1.0, 2.0]);
        assert_eq!(
            space.describe(),
            "Box([-1.0, -2.0], [1.0, 2.0], (2,), float32)"
        );
    }

    #[test]
    fn check_scalar_gives_what_check_gives_for_every_kind_of_action() {
        let spaces = [
            Space::box_f32(vec![-2.0], vec![2.0]),
            Space::Box(BoxSpace {
                low: vec![-1.0],
                high: vec![1.0],
                dtype: Dtype::Float64,
            }),
            Space::box_f32(vec![-1.0, -1.0], vec![1.0, 1.0]),
            Space::discrete(3),
        ];
        let values = [
            0.0,
            -0.0,
            0.1,
            1.0,
            -1.0,
            2.0,
            -2.0,
            2.000_000_000_1,
            2.5,
            1.000_000_000_1,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        let mut actions: Vec<Action> = Vec::new();
        for &v in &values {
            actions.push(Action::Float(v));
            actions.push(Action::FloatList(vec![v]));
            actions.push(Action::FloatList(vec![v, 0.0]));
        }
        for i in [-3, -1, 0, 1, 2, 3] {
            actions.push(Action::Int(i));
            actions.push(Action::IntList(vec![i]));
        }
        actions.push(Action::FloatList(vec![]));
        for space in &spaces {
            for action in &actions {
                let scalar = space.check_scalar(action);
                match space.check(action) {
                    Ok(CheckedAction::Box(values)) if values.len() == 1 => {
                        assert_eq!(
                            scalar.unwrap().to_bits(),
                            values[0].to_bits(),
                            "{space:?} {action:?}"
                        );
                    }
                    Ok(_) => assert!(
                        matches!(&scalar, Err(EnvError::InvalidAction { reason, .. }) if reason == "expected a single value"),
                        "{space:?} {action:?}: {scalar:?}"
                    ),
                    Err(error) => assert_eq!(
                        scalar.unwrap_err().to_string(),
                        error.to_string(),
                        "{space:?} {action:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn multi_discrete_checks_each_element() {
        let space = Space::MultiDiscrete { nvec: vec![3, 2] };
        assert!(space.check(&Action::IntList(vec![2, 1])).is_ok());
        assert!(space.check(&Action::IntList(vec![3, 1])).is_err());
        assert!(space.check(&Action::FloatList(vec![1.0, 1.0])).is_err());
    }
}
