//! Structured observations (multi-agent worlds) sent to the Python guest as changes.
//!
//! A Gathering observation is about 1,300 values, nearly all of them the same as the step
//! before (walls never change, a few apples do). The guest reuses the Python objects of every
//! part that did not change, a grid row or a record, and used to find those parts by comparing
//! each value with the last step's copy: a couple of microseconds of interpreted-speed work
//! per call, twice the world's own step. The host now compares, natively, and writes into the
//! guest's buffer only the parts that changed, followed by one flag per part (the layout in
//! `ppo_sandbox_contract::OBS_KIND_STRUCT`).

use ppo_sandbox_envs::{StructuredField, StructuredShape};

/// What the guest's observation buffer holds, and the parts it is cut into.
#[derive(Debug)]
pub(crate) struct ObservationDelta {
    /// Each part's first value index, then the number of values (`parts + 1` entries).
    part_bounds: Vec<usize>,
    /// The values the guest's buffer holds; empty when they are unknown, in which case the
    /// next write sends every part.
    sent: Vec<f64>,
}

impl ObservationDelta {
    pub(crate) fn new(fields: &[StructuredField]) -> ObservationDelta {
        let mut part_bounds = vec![0];
        let mut start = 0;
        for field in fields {
            let part_len = match &field.shape {
                StructuredShape::Int | StructuredShape::Float => 1,
                StructuredShape::Grid { cols, .. } => *cols,
                StructuredShape::Records { fields, .. } => fields.len(),
            };
            // A part of no values (an empty row or record) carries nothing: the guest counts
            // no parts for such a field either.
            let parts = field.len().checked_div(part_len).unwrap_or(0);
            for _ in 0..parts {
                start += part_len;
                part_bounds.push(start);
            }
        }
        ObservationDelta {
            part_bounds,
            sent: Vec::new(),
        }
    }

    fn value_count(&self) -> usize {
        self.part_bounds.last().copied().unwrap_or(0)
    }

    fn part_count(&self) -> usize {
        self.part_bounds.len() - 1
    }

    /// How many `f64` slots the guest's buffer needs: the values, then one flag per part.
    pub(crate) fn wire_len(&self) -> usize {
        self.value_count() + self.part_count()
    }

    /// Writes into `buffer` (the guest's, [`Self::wire_len`] little-endian `f64`s) every part
    /// of `observation` that differs from what the buffer holds, bit for bit, and the flags
    /// (1.0 for a part written, 0.0 for one left as it was).
    pub(crate) fn write(&mut self, observation: &[f64], buffer: &mut [u8]) -> Result<(), String> {
        let values = self.value_count();
        if observation.len() != values {
            return Err(format!(
                "structured observation of {} values; the layout has {values}",
                observation.len()
            ));
        }
        if buffer.len() < self.wire_len() * 8 {
            return Err("the observation buffer is smaller than the observation".into());
        }
        let fresh = self.sent.len() != values;
        if fresh {
            self.sent.clear();
            self.sent.extend_from_slice(observation);
        }
        let (value_bytes, flag_bytes) = buffer.split_at_mut(values * 8);
        for (part, flag) in self
            .part_bounds
            .windows(2)
            .zip(flag_bytes.chunks_exact_mut(8))
        {
            let range = part[0]..part[1];
            let now = &observation[range.clone()];
            let changed = fresh || !same_bits(&self.sent[range.clone()], now);
            if changed {
                write_le_f64s(&mut value_bytes[range.start * 8..range.end * 8], now);
                self.sent[range].copy_from_slice(now);
            }
            flag.copy_from_slice(&f64::from(u8::from(changed)).to_le_bytes());
        }
        Ok(())
    }

    /// The guest's copy is no longer known (a call failed part-way): send everything next.
    pub(crate) fn forget(&mut self) {
        self.sent.clear();
    }
}

/// Writes `values` into `bytes` as consecutive little-endian `f64`s (the guest's layout).
pub(crate) fn write_le_f64s(bytes: &mut [u8], values: &[f64]) {
    for (slot, value) in bytes.chunks_exact_mut(8).zip(values) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

/// Bit-for-bit equality (NaN equals itself, -0.0 differs from 0.0), without an early exit, so
/// that the loop vectorizes.
fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.iter()
        .zip(b)
        .fold(0u64, |acc, (x, y)| acc | (x.to_bits() ^ y.to_bits()))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Vec<StructuredField> {
        vec![
            StructuredField::new("step", StructuredShape::Int, ""),
            StructuredField::new("grid", StructuredShape::Grid { rows: 2, cols: 3 }, ""),
            StructuredField::new(
                "agents",
                StructuredShape::Records {
                    count: 2,
                    fields: vec!["x".into(), "y".into()],
                },
                "",
            ),
        ]
    }

    fn decode(buffer: &[u8]) -> Vec<f64> {
        buffer
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect()
    }

    #[test]
    fn the_first_write_sends_every_part_and_later_ones_only_the_changed() {
        let mut delta = ObservationDelta::new(&layout());
        // 1 + 6 + 4 values; 1 + 2 + 2 parts.
        assert_eq!(delta.wire_len(), 11 + 5);
        let mut buffer = vec![0u8; delta.wire_len() * 8];
        let first: Vec<f64> = (0..11).map(f64::from).collect();
        delta.write(&first, &mut buffer).unwrap();
        let wire = decode(&buffer);
        assert_eq!(&wire[..11], &first[..]);
        assert_eq!(&wire[11..], &[1.0; 5]);

        let mut second = first.clone();
        second[0] = 100.0; // the step
        second[5] = 50.0; // the grid's second row
        delta.write(&second, &mut buffer).unwrap();
        let wire = decode(&buffer);
        assert_eq!(&wire[..11], &second[..]);
        assert_eq!(&wire[11..], &[1.0, 0.0, 1.0, 0.0, 0.0]);

        // Unchanged parts are not written again: scribble on one, it stays scribbled.
        buffer[8..16].copy_from_slice(&(-1.0f64).to_le_bytes());
        delta.write(&second, &mut buffer).unwrap();
        let wire = decode(&buffer);
        assert_eq!(wire[1], -1.0);
        assert_eq!(&wire[11..], &[0.0; 5]);
    }

    #[test]
    fn a_forgotten_copy_is_sent_whole_and_signed_zero_and_nan_compare_by_bits() {
        let mut delta = ObservationDelta::new(&layout());
        let mut buffer = vec![0u8; delta.wire_len() * 8];
        let mut values = vec![f64::NAN; 11];
        values[0] = 0.0;
        delta.write(&values, &mut buffer).unwrap();
        delta.write(&values, &mut buffer).unwrap();
        assert_eq!(
            &decode(&buffer)[11..],
            &[0.0; 5],
            "NaN equals itself bit for bit"
        );
        values[0] = -0.0;
        delta.write(&values, &mut buffer).unwrap();
        assert_eq!(&decode(&buffer)[11..], &[1.0, 0.0, 0.0, 0.0, 0.0]);
        delta.forget();
        delta.write(&values, &mut buffer).unwrap();
        assert_eq!(&decode(&buffer)[11..], &[1.0; 5]);
    }

    #[test]
    fn an_observation_of_the_wrong_length_is_refused() {
        let mut delta = ObservationDelta::new(&layout());
        let mut buffer = vec![0u8; delta.wire_len() * 8];
        let error = delta.write(&[0.0; 10], &mut buffer).unwrap_err();
        assert!(error.contains("10 values; the layout has 11"), "{error}");
    }
}
