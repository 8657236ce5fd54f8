//! Native WebAssembly policies: the Rust SDK example, and modules that break the contract or
//! the limits.

mod common;

use common::*;
use ppo_sandbox_engine::envs::{self, Action};
use ppo_sandbox_engine::{CrashKind, Limits, PolicySource, RolloutConfig, rollout};

fn linear_rust_policy() -> PolicySource {
    PolicySource::wasm(
        std::fs::read(env!("PPO_SANDBOX_EXAMPLE_LINEAR_WASM"))
            .expect("example policy built by build.rs"),
    )
}

fn wat_crash(wat: &str, limits: Limits) -> ppo_sandbox_engine::CrashReport {
    let options = cartpole_options().limits(limits);
    match engine().load(&PolicySource::wasm(wat.as_bytes().to_vec()), &options) {
        Err(crash) => crash,
        Ok(mut policy) => {
            if let Err(crash) = policy.reset() {
                return crash;
            }
            policy.act(&OBS).expect_err("the module should fail")
        }
    }
}

/// A minimal contract-speaking module; `$body` is the body of `ppo_act`.
fn module(version: i32, act_body: &str) -> String {
    format!(
        r#"(module
  (memory (export "memory") 1)
  (func (export "ppo_contract_version") (result i32) i32.const {version})
  (func (export "ppo_obs_buffer") (param i32) (result i32) i32.const 1024)
  (func (export "ppo_act") (param i32) (result i32) {act_body})
  ;; reply at 0: status 0, kind 1 (int), len 1, data 64; the action (1) at 64
  (data (i32.const 0) "\00\00\00\00\01\00\00\00\01\00\00\00\40\00\00\00")
  (data (i32.const 64) "\01\00\00\00\00\00\00\00"))"#
    )
}

#[test]
fn the_rust_sdk_example_balances_the_pole() {
    let mut env = envs::make("CartPole-v1").unwrap();
    let report = rollout(
        engine(),
        &linear_rust_policy(),
        &mut env,
        &RolloutConfig {
            episodes: 3,
            seed: 0,
            ..Default::default()
        },
    );
    assert_no_crash(&report, "");
    assert_eq!(report.returns(), vec![500.0; 3]);
}

#[test]
fn a_hand_written_module_speaking_the_contract_runs() {
    let mut policy = engine()
        .load(
            &PolicySource::wasm(module(1, "i32.const 0").into_bytes()),
            &cartpole_options(),
        )
        .unwrap();
    policy.reset().unwrap();
    assert_eq!(policy.act(&OBS).unwrap(), Action::Int(1));
}

#[test]
fn a_module_without_or_with_an_unknown_contract_version_is_refused() {
    let crash = wat_crash(&module(2, "i32.const 0"), Limits::default());
    assert_eq!(crash.kind, CrashKind::ContractViolation);
    assert!(crash.message.contains("version 2"), "{crash}");
    let crash = wat_crash(
        r#"(module (memory (export "memory") 1))"#,
        Limits::default(),
    );
    assert_eq!(crash.kind, CrashKind::ContractViolation);
    assert!(crash.message.contains("contract version"), "{crash}");
    assert_eq!(
        wat_crash("not wasm at all", Limits::default()).kind,
        CrashKind::InvalidSource
    );
}

#[test]
fn replies_pointing_outside_memory_are_contract_violations() {
    let crash = wat_crash(&module(1, "i32.const -8"), Limits::default());
    assert_eq!(crash.kind, CrashKind::ContractViolation);
    assert_engine_still_works();
}

#[test]
fn an_error_reply_without_text_still_has_a_message() {
    // Found by the wasm_module and boundary_values fuzz targets: an error reply with no
    // text made a report with an empty message.
    let replying = |kind: u32| {
        format!(
            r#"(module
  (memory (export "memory") 1)
  (func (export "ppo_contract_version") (result i32) i32.const 1)
  (func (export "ppo_obs_buffer") (param i32) (result i32) i32.const 1024)
  (func (export "ppo_act") (param i32) (result i32) i32.const 0)
  ;; reply at 0: status 1 (error), the given kind, no text
  (data (i32.const 0) "\01\00\00\00\{kind:02x}\00\00\00\00\00\00\00\00\00\00\00"))"#
        )
    };
    let crash = wat_crash(&replying(4), Limits::default());
    assert_eq!(crash.kind, CrashKind::PythonException);
    assert_eq!(
        crash.message,
        "the guest reported a python_exception error without a message"
    );
    let crash = wat_crash(&replying(0x4d), Limits::default());
    assert_eq!(crash.kind, CrashKind::ContractViolation);
    assert_eq!(
        crash.message,
        "the guest answered with unknown error kind 77"
    );
}

#[test]
fn unknown_imports_are_refused_at_load() {
    let crash = wat_crash(
        r#"(module (import "env" "escape" (func)) (memory (export "memory") 1))"#,
        Limits::default(),
    );
    assert_eq!(crash.kind, CrashKind::ContractViolation);
}

#[test]
fn native_limits_hold() {
    let fast = Limits::default().with_act_fuel(10_000_000);
    assert_eq!(
        wat_crash(&module(1, "(loop (br 0)) i32.const 0"), fast).kind,
        CrashKind::ActFuelExhausted
    );
    let deadline = Limits::default()
        .with_act_fuel(u64::MAX / 4)
        .with_episode_fuel(u64::MAX / 2)
        .with_act_timeout_ms(50);
    assert_eq!(
        wat_crash(&module(1, "(loop (br 0)) i32.const 0"), deadline).kind,
        CrashKind::Deadline
    );
    let grow = module(1, "(drop (memory.grow (i32.const 10000))) i32.const 0");
    assert_eq!(
        wat_crash(&grow, Limits::default().with_memory_bytes(16 << 20)).kind,
        CrashKind::MemoryLimit
    );
    let recurse = r#"(module
  (memory (export "memory") 1)
  (func $f (result i32) call $f)
  (func (export "ppo_contract_version") (result i32) i32.const 1)
  (func (export "ppo_obs_buffer") (param i32) (result i32) i32.const 1024)
  (func (export "ppo_act") (param i32) (result i32) call $f))"#;
    assert_eq!(
        wat_crash(recurse, Limits::default()).kind,
        CrashKind::StackOverflow
    );
    let trap = module(1, "unreachable");
    assert_eq!(wat_crash(&trap, Limits::default()).kind, CrashKind::Trap);
    let big_memory = r#"(module (memory (export "memory") 20000))"#;
    assert_eq!(
        wat_crash(big_memory, Limits::default()).kind,
        CrashKind::MemoryLimit
    );
    let big_table = r#"(module (table 2000000 funcref) (memory (export "memory") 1))"#;
    assert_eq!(
        wat_crash(big_table, Limits::default()).kind,
        CrashKind::ResourceLimit
    );
    let two_memories = r#"(module (memory (export "memory") 1) (memory 1))"#;
    assert_eq!(
        wat_crash(two_memories, Limits::default()).kind,
        CrashKind::ResourceLimit
    );
    let exit = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "ppo_contract_version") (result i32) i32.const 1)
  (func (export "ppo_obs_buffer") (param i32) (result i32) i32.const 1024)
  (func (export "ppo_act") (param i32) (result i32) (call $exit (i32.const 7)) i32.const 0))"#;
    assert_eq!(wat_crash(exit, Limits::default()).kind, CrashKind::Exit);
    assert_engine_still_works();
}

/// Found by fuzzing (wasm_module): wasmtime's validator passed a module whose import section
/// uses the compact-imports encoding, then its compiler refused it; the engine reported that
/// as the module exceeding the per-instance limits.
#[test]
fn a_module_wasmtime_cannot_parse_is_invalid_source_not_resource_limit() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/compact_imports.wasm"
    ))
    .expect("regression module");
    let crash = engine()
        .load(&PolicySource::wasm(bytes), &cartpole_options())
        .expect_err("the module does not compile");
    assert_eq!(crash.kind, CrashKind::InvalidSource, "{crash:#?}");
    assert_engine_still_works();
}

/// Found by fuzzing (wasm_module): an out-of-bounds load in a native module was reported as a
/// stack overflow (true only of the Python guest, whose shadow stack sits at address zero).
#[test]
fn an_out_of_bounds_access_in_a_native_module_is_a_trap_not_a_stack_overflow() {
    let crash = wat_crash(
        &module(1, "i32.const -8 i64.load drop i32.const 0"),
        Limits::default(),
    );
    assert_eq!(crash.kind, CrashKind::Trap, "{crash:#?}");
    assert!(crash.message.contains("out of bounds"), "{}", crash.message);
    assert_engine_still_works();
}
