//! The guest contract of ppo-sandbox: the one definition of how the host engine and a policy
//! compiled to WebAssembly talk, shared by the host (`ppo-sandbox-engine`), the Python runner
//! and the Rust guest SDK.
//!
//! # Version 1
//!
//! A policy module exports:
//!
//! | export | signature | meaning |
//! | --- | --- | --- |
//! | `memory` | memory | the guest's linear memory |
//! | [`EXPORT_CONTRACT_VERSION`] | `() -> i32` | must return [`CONTRACT_VERSION`] |
//! | [`EXPORT_OBS_BUFFER`] | `(len: i32) -> i32` | address of room for `len` little-endian `f64` observation values |
//! | [`EXPORT_ACT`] | `(len: i32) -> i32` | calls the policy on the `len` values just written; returns the address of a [`Reply`] |
//! | [`EXPORT_RESET`] (optional) | `() -> i32` | start of an episode; returns the address of a [`Reply`] |
//! | `_initialize` (optional) | `() -> ()` | called once after instantiation (reactor start-up) |
//!
//! The Python runner also exports [`EXPORT_ALLOC`], [`EXPORT_CONFIGURE`], [`EXPORT_LOAD`] and
//! [`EXPORT_PREINIT`].
//!
//! Observations travel as flat `f64` values, actions come back the same way (no JSON on the
//! per-step path). Every address and length the guest returns is untrusted: the host
//! bounds-checks all of them.

#![no_std]

/// The contract version this crate describes.
pub const CONTRACT_VERSION: i32 = 1;

/// `() -> i32`: the contract version the module speaks.
pub const EXPORT_CONTRACT_VERSION: &str = "ppo_contract_version";
/// `(len: i32) -> i32`: address of a buffer for `len` `f64` observation values.
pub const EXPORT_OBS_BUFFER: &str = "ppo_obs_buffer";
/// `(len: i32) -> i32`: run the policy on the observation; address of a [`Reply`].
pub const EXPORT_ACT: &str = "ppo_act";
/// `() -> i32`: start of an episode; address of a [`Reply`].
pub const EXPORT_RESET: &str = "ppo_reset";
/// `(len: i32) -> i32`: address of `len` bytes the host may fill (Python runner only).
pub const EXPORT_ALLOC: &str = "ppo_alloc";
/// `(ptr: i32, len: i32) -> i32`: observation layout (Python runner only); address of a [`Reply`].
///
/// The bytes are UTF-8: the first line is the observation kind ([`OBS_KIND_BOX`] or
/// [`OBS_KIND_DISCRETE`]), each following line one field name.
pub const EXPORT_CONFIGURE: &str = "ppo_configure";
/// `(ptr: i32, len: i32, seed_lo: i32, seed_hi: i32) -> i32`: load Python source (Python
/// runner only); address of a [`Reply`].
pub const EXPORT_LOAD: &str = "ppo_load";
/// Python runner, `() -> ()`: builds the interpreter and imports the commonly used standard
/// library. The engine snapshots the guest after this call (it is gone from the snapshot), or
/// calls it first in a cold-started instance; either way a policy starts from the same state.
pub const EXPORT_PREINIT: &str = "ppo_preinit";

/// Observation kind line for a Box observation: a sequence of floats with named fields.
pub const OBS_KIND_BOX: &str = "box";
/// Observation kind line for a Discrete observation: a plain integer.
pub const OBS_KIND_DISCRETE: &str = "discrete";
/// Observation kind line for a structured observation (multi-agent worlds): a read-only
/// record built from the flat values in order. Each following line is one item:
///
/// - `int NAME` / `float NAME`: one value, as a Python `int` or `float`;
/// - `grid NAME ROWS COLS`: `ROWS * COLS` values, row-major, as a tuple of row tuples of
///   `int`s (`obs.apples[y][x]`);
/// - `records NAME COUNT FIELD...`: `COUNT` records of one `int` per field, as a tuple of
///   read-only records (`obs.agents[i].x`).
///
/// The items are cut into parts: a scalar is one part, a grid one part per row, records one
/// part per record (an item whose rows or records hold no values has no parts). `ppo_act`'s
/// buffer holds the values, then one flag per part: `1.0` where the host wrote the part's
/// values for this call, `0.0` where it left the values of the last call in place, unchanged
/// bit for bit. The first call after `ppo_load` flags every part.
pub const OBS_KIND_STRUCT: &str = "struct";

/// Size in bytes of a [`Reply`] in guest memory.
pub const REPLY_SIZE: usize = 16;

/// What a guest export answers, laid out in guest memory as four little-endian `u32`s:
/// `status`, `kind`, `len`, `data`.
///
/// * `status == STATUS_OK`: `kind` is an `ACTION_*` value (or [`ACTION_NONE`] for `reset`,
///   `configure` and `load`), `data` the address of `len` values: `i64` for [`ACTION_INT`]
///   and [`ACTION_INT_LIST`], `f64` for [`ACTION_FLOAT`] and [`ACTION_FLOAT_LIST`].
/// * `status == STATUS_ERROR`: `kind` is an `ERROR_*` value, `data` the address of `len`
///   bytes of UTF-8: exception type name, [`FIELD_SEPARATOR`], message, [`FIELD_SEPARATOR`],
///   traceback (each part may be empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Reply {
    pub status: u32,
    pub kind: u32,
    pub len: u32,
    pub data: u32,
}

impl Reply {
    /// Decodes a reply from its 16 little-endian bytes.
    pub fn from_le_bytes(bytes: [u8; REPLY_SIZE]) -> Reply {
        let word =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        Reply {
            status: word(0),
            kind: word(4),
            len: word(8),
            data: word(12),
        }
    }

    /// Encodes a reply as its 16 little-endian bytes.
    pub fn to_le_bytes(self) -> [u8; REPLY_SIZE] {
        let mut out = [0u8; REPLY_SIZE];
        out[0..4].copy_from_slice(&self.status.to_le_bytes());
        out[4..8].copy_from_slice(&self.kind.to_le_bytes());
        out[8..12].copy_from_slice(&self.len.to_le_bytes());
        out[12..16].copy_from_slice(&self.data.to_le_bytes());
        out
    }
}

/// Reply status: success.
pub const STATUS_OK: u32 = 0;
/// Reply status: failure, described by an `ERROR_*` kind and a text.
pub const STATUS_ERROR: u32 = 1;

/// No action (answer of `reset`, `configure`, `load`).
pub const ACTION_NONE: u32 = 0;
/// One integer (`len == 1`, an `i64`).
pub const ACTION_INT: u32 = 1;
/// One float (`len == 1`, an `f64`).
pub const ACTION_FLOAT: u32 = 2;
/// A list of floats (`f64`s); a list mixing ints and floats is sent as floats.
pub const ACTION_FLOAT_LIST: u32 = 3;
/// A list of integers (`i64`s).
pub const ACTION_INT_LIST: u32 = 4;

/// Separates the parts of an error text.
pub const FIELD_SEPARATOR: char = '\u{1f}';

/// The policy source does not parse.
pub const ERROR_SYNTAX: u32 = 1;
/// Running the policy's module (or building its policy object) raised.
pub const ERROR_LOAD: u32 = 2;
/// The module defines no `act` function and no class with an `act` method.
pub const ERROR_MISSING_ACT: u32 = 3;
/// `act` or `reset` raised a Python exception.
pub const ERROR_EXCEPTION: u32 = 4;
/// `act` returned something that is not an int, a float or a list of them.
pub const ERROR_ACTION_TYPE: u32 = 5;
/// The policy raised `SystemExit` (e.g. `sys.exit()`).
pub const ERROR_EXIT: u32 = 6;
/// The host broke the contract (wrong call order, bad configuration): a host bug, not a
/// policy failure.
pub const ERROR_PROTOCOL: u32 = 7;
/// A Python `MemoryError` was raised inside the guest.
pub const ERROR_MEMORY: u32 = 8;
/// A Python `RecursionError` was raised inside the guest.
pub const ERROR_RECURSION: u32 = 9;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_round_trips_through_bytes() {
        let reply = Reply {
            status: STATUS_ERROR,
            kind: ERROR_LOAD,
            len: 12,
            data: 0xdead_beef,
        };
        assert_eq!(Reply::from_le_bytes(reply.to_le_bytes()), reply);
    }
}
