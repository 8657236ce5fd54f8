//! The soak test: 10,000 policies, hostile and good mixed, loaded and played one after another
//! through one engine, while the host's resident memory is sampled. Not part of the default
//! run (it takes minutes); run it with
//!
//! ```text
//! cargo test --release --test soak -- --ignored --nocapture
//! ```
//!
//! `PPO_SANDBOX_SOAK_POLICIES` changes the count. It fails if resident memory after the
//! warm-up grows by more than 64 MiB, or if any policy ends in a way its kind does not allow.

mod common;

use common::*;
use ppo_sandbox_engine::envs::{self, Env};
use ppo_sandbox_engine::{CrashKind, Limits, LoadOptions, PolicySource};

/// One kind of policy in the mix, and the outcomes it may have.
struct Kind {
    name: &'static str,
    source: PolicySource,
    allowed: &'static [CrashKind],
}

fn python(name: &'static str, source: &str, allowed: &'static [CrashKind]) -> Kind {
    Kind {
        name,
        source: PolicySource::python(source),
        allowed,
    }
}

/// A native module (text format) speaking the contract version 1, with `act` as `ppo_act`'s
/// body.
fn native(name: &'static str, act: &str, allowed: &'static [CrashKind]) -> Kind {
    let wat = format!(
        r#"(module (memory (export "memory") 1)
  (func (export "ppo_contract_version") (result i32) i32.const 1)
  (func (export "ppo_obs_buffer") (param i32) (result i32) i32.const 1024)
  (func (export "ppo_act") (param i32) (result i32) {act}))"#
    );
    Kind {
        name,
        source: PolicySource::wasm(wat.into_bytes()),
        allowed,
    }
}

fn mix() -> Vec<Kind> {
    let rust_policy = std::fs::read(env!("PPO_SANDBOX_EXAMPLE_LINEAR_WASM")).unwrap();
    vec![
        python("good", GOOD_POLICY, &[]),
        Kind {
            name: "good rust",
            source: PolicySource::wasm(rust_policy),
            allowed: &[],
        },
        python(
            "good class",
            "import random\nclass Policy:\n    def reset(self):\n        self.t = 0\n    def act(self, obs):\n        self.t += 1\n        return 1 if obs.pole_angle + 0.5 * obs.pole_angular_velocity + random.random() * 1e-9 > 0 else 0\n",
            &[],
        ),
        python(
            "endless act",
            "def act(obs):\n    while True:\n        pass\n",
            &[CrashKind::ActFuelExhausted],
        ),
        python(
            "endless load",
            "while True:\n    pass\n",
            &[CrashKind::LoadFuelExhausted],
        ),
        python(
            "memory bomb",
            "hoard = []\ndef act(obs):\n    hoard.append(bytearray(16 << 20))\n    return 0\n",
            &[CrashKind::MemoryLimit],
        ),
        python(
            "output flood",
            "def act(obs):\n    print('x' * 100000)\n    return 0\n",
            &[],
        ),
        python(
            "recursion",
            "def f(n):\n    return f(n + 1)\ndef act(obs):\n    return f(0)\n",
            &[CrashKind::StackOverflow, CrashKind::ActFuelExhausted],
        ),
        python(
            "syntax error",
            "def act(obs)\n    return 0\n",
            &[CrashKind::SyntaxError],
        ),
        python(
            "exception at step 3",
            "n = 0\ndef act(obs):\n    global n\n    n += 1\n    if n == 3:\n        raise ValueError('step 3')\n    return 0\n",
            &[CrashKind::PythonException],
        ),
        python(
            "exit",
            "import sys\ndef act(obs):\n    sys.exit(2)\n",
            &[CrashKind::Exit],
        ),
        python(
            "wrong action",
            "def act(obs):\n    return 'left'\n",
            &[CrashKind::InvalidAction],
        ),
        python(
            "introspection",
            "import gc, sys\nx = [c.__name__ for c in object.__subclasses__()]\nf = sys._getframe()\ndef act(obs):\n    return len(gc.get_objects() if hasattr(gc, 'get_objects') else []) % 2\n",
            &[],
        ),
        native("native trap", "unreachable", &[CrashKind::Trap]),
        native(
            "native memory grow",
            "(loop (br_if 0 (i32.ne (memory.grow (i32.const 64)) (i32.const -1)))) unreachable",
            &[CrashKind::MemoryLimit],
        ),
    ]
}

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line");
    kib * 1024
}

#[test]
#[ignore = "minutes long: cargo test --release --test soak -- --ignored --nocapture"]
fn ten_thousand_policies_through_one_engine_keep_memory_flat() {
    let total: usize = std::env::var("PPO_SANDBOX_SOAK_POLICIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let limits = Limits::default()
        .with_load_fuel(200_000_000)
        .with_act_fuel(100_000_000)
        .with_memory_bytes(64 << 20)
        .with_output_bytes(16 * 1024);
    let kinds = mix();
    let mut env = envs::make("CartPole-v1").unwrap();
    let options = LoadOptions::for_env(env.description()).limits(limits);
    let started = std::time::Instant::now();
    let warm_up = total / 10;
    let mut baseline = 0;
    let mut peak_after_warm_up = 0;
    let mut crashes = 0;
    for i in 0..total {
        let kind = &kinds[i % kinds.len()];
        let outcome = play(&kind.source, &options, &mut *env, i as u64);
        if let Err(kind_seen) = outcome {
            crashes += 1;
            assert!(
                kind.allowed.contains(&kind_seen),
                "policy {i} ({}) ended with {kind_seen}",
                kind.name
            );
        }
        if i + 1 == warm_up {
            baseline = resident_bytes();
        } else if i + 1 > warm_up {
            peak_after_warm_up = peak_after_warm_up.max(resident_bytes());
        }
        if (i + 1) % (total / 10).max(1) == 0 {
            eprintln!(
                "{:>6} policies  {:>7.1} MiB resident  {:>6.1} s",
                i + 1,
                resident_bytes() as f64 / (1 << 20) as f64,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let growth = peak_after_warm_up.saturating_sub(baseline);
    eprintln!(
        "{total} policies ({crashes} crashed as expected) in {:.1} s; resident {:.1} MiB after warm-up, peak {:.1} MiB after (+{:.1} MiB)",
        started.elapsed().as_secs_f64(),
        baseline as f64 / (1 << 20) as f64,
        peak_after_warm_up as f64 / (1 << 20) as f64,
        growth as f64 / (1 << 20) as f64
    );
    assert!(growth < 64 << 20, "resident memory grew by {growth} bytes");
    assert_engine_still_works();
}

/// Loads and plays one CartPole episode of at most 50 steps; the crash kind if it crashed.
fn play(
    source: &PolicySource,
    options: &LoadOptions,
    env: &mut dyn Env,
    seed: u64,
) -> Result<(), CrashKind> {
    let mut policy = engine().load(source, options).map_err(|c| c.kind)?;
    policy.reset().map_err(|c| c.kind)?;
    let mut observation = env.reset(Some(seed));
    for _ in 0..50 {
        let action = policy.act(&observation).map_err(|c| c.kind)?;
        let step = env.step(&action).expect("checked action");
        if step.done() {
            break;
        }
        observation = step.observation;
    }
    policy.take_output();
    Ok(())
}
