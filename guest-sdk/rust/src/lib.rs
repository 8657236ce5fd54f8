//! Write a ppo-sandbox policy in Rust: implement [`Policy`], export it with
//! [`export_policy!`], and build the crate as a `cdylib` for `wasm32-wasip1`.
//!
//! ```
//! use ppo_sandbox_guest::{Action, Policy, export_policy};
//!
//! #[derive(Default)]
//! struct Balance;
//!
//! impl Policy for Balance {
//!     fn act(&mut self, obs: &[f64]) -> Action {
//!         Action::Int(if obs[2] + 0.5 * obs[3] > 0.0 { 1 } else { 0 })
//!     }
//! }
//!
//! export_policy!(Balance);
//! ```
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib"]
//! ```
//!
//! `cargo build --release --target wasm32-wasip1` then gives a `.wasm` file that
//! `ppo-sandbox eval` and `Engine::load` accept. The module speaks guest contract version
//! [`CONTRACT_VERSION`]; the engine refuses modules of another version.

use ppo_sandbox_contract as contract;

pub use contract::CONTRACT_VERSION;

/// What a policy returns for one step.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A Discrete action.
    Int(i64),
    /// A one-element Box action.
    Float(f64),
    /// A Box action.
    Floats(Vec<f64>),
    /// A MultiDiscrete action.
    Ints(Vec<i64>),
}

/// A policy: built with `Default` when the module starts, `reset` at each episode start,
/// `act` once per step with the flat observation.
pub trait Policy: Default + 'static {
    fn act(&mut self, obs: &[f64]) -> Action;

    fn reset(&mut self) {}
}

/// The exports' state for one policy type; used by [`export_policy!`].
#[doc(hidden)]
#[derive(Debug)]
pub struct Runtime<P> {
    policy: P,
    observation: Vec<f64>,
    reply: Box<contract::Reply>,
    data: Vec<u8>,
}

impl<P: Policy> Default for Runtime<P> {
    fn default() -> Self {
        Runtime {
            policy: P::default(),
            observation: Vec::new(),
            reply: Box::new(contract::Reply {
                status: contract::STATUS_OK,
                kind: 0,
                len: 0,
                data: 0,
            }),
            data: Vec::new(),
        }
    }
}

impl<P: Policy> Runtime<P> {
    pub fn obs_buffer(&mut self, len: i32) -> i32 {
        let len = usize::try_from(len).unwrap_or(0);
        if self.observation.len() < len {
            self.observation.resize(len, 0.0);
        }
        self.observation.as_mut_ptr() as usize as i32
    }

    pub fn act(&mut self, len: i32) -> i32 {
        let len = usize::try_from(len)
            .unwrap_or(0)
            .min(self.observation.len());
        let action = self.policy.act(&self.observation[..len]);
        self.data.clear();
        let (kind, count) = match &action {
            Action::Int(v) => {
                self.data.extend_from_slice(&v.to_le_bytes());
                (contract::ACTION_INT, 1)
            }
            Action::Float(v) => {
                self.data.extend_from_slice(&v.to_le_bytes());
                (contract::ACTION_FLOAT, 1)
            }
            Action::Floats(values) => {
                values
                    .iter()
                    .for_each(|v| self.data.extend_from_slice(&v.to_le_bytes()));
                (contract::ACTION_FLOAT_LIST, values.len())
            }
            Action::Ints(values) => {
                values
                    .iter()
                    .for_each(|v| self.data.extend_from_slice(&v.to_le_bytes()));
                (contract::ACTION_INT_LIST, values.len())
            }
        };
        self.answer(kind, count as u32)
    }

    pub fn reset(&mut self) -> i32 {
        self.policy.reset();
        self.data.clear();
        self.answer(contract::ACTION_NONE, 0)
    }

    fn answer(&mut self, kind: u32, len: u32) -> i32 {
        *self.reply = contract::Reply {
            status: contract::STATUS_OK,
            kind,
            len,
            data: self.data.as_ptr() as usize as u32,
        };
        &*self.reply as *const contract::Reply as usize as i32
    }
}

/// Exports a [`Policy`] type as a ppo-sandbox guest module.
#[macro_export]
macro_rules! export_policy {
    ($policy:ty) => {
        const _: () = {
            ::std::thread_local! {
                static RUNTIME: ::core::cell::RefCell<$crate::Runtime<$policy>> =
                    ::core::cell::RefCell::new(<$crate::Runtime<$policy> as ::core::default::Default>::default());
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn ppo_contract_version() -> i32 {
                $crate::CONTRACT_VERSION
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn ppo_obs_buffer(len: i32) -> i32 {
                RUNTIME.with(|runtime| runtime.borrow_mut().obs_buffer(len))
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn ppo_act(len: i32) -> i32 {
                RUNTIME.with(|runtime| runtime.borrow_mut().act(len))
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn ppo_reset() -> i32 {
                RUNTIME.with(|runtime| runtime.borrow_mut().reset())
            }

            #[cfg(target_arch = "wasm32")]
            #[unsafe(no_mangle)]
            pub extern "C" fn _initialize() {
                unsafe extern "C" {
                    fn __wasm_call_ctors();
                }
                // SAFETY: the host calls `_initialize` once, right after instantiation and
                // before any other export: the contract of `__wasm_call_ctors`. Defining it
                // stops the linker from re-running constructors around every export.
                unsafe { __wasm_call_ctors() }
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Sign {
        resets: u32,
    }

    impl Policy for Sign {
        fn act(&mut self, obs: &[f64]) -> Action {
            Action::Floats(
                obs.iter()
                    .map(|v| v.signum() * f64::from(self.resets))
                    .collect(),
            )
        }
        fn reset(&mut self) {
            self.resets += 1;
        }
    }

    #[test]
    fn runtime_encodes_actions_as_the_contract_says() {
        let mut runtime = Runtime::<Sign>::default();
        runtime.reset();
        runtime.obs_buffer(2);
        runtime.observation[0] = -3.0;
        runtime.act(2);
        assert_eq!(
            (runtime.reply.kind, runtime.reply.len),
            (contract::ACTION_FLOAT_LIST, 2)
        );
        assert_eq!(runtime.data[..8], (-1.0f64).to_le_bytes());
    }
}
