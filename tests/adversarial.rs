//! The adversarial suite, beyond the hostile corpus of `hostile_policies.rs`: every WASI call a
//! guest can reach, called with hostile arguments; escape attempts from Python through each of
//! them; introspection tricks; every limit hit at once; many policies at once and a full
//! instance pool; each limit at its exact edge (the budget passes, one over fails).

mod common;

use common::*;
use ppo_sandbox_engine::envs::{self, Action};
use ppo_sandbox_engine::{
    CrashKind, Engine, EngineConfig, Limits, LoadOptions, ObservationLayout, Policy, PolicySource,
};
use ppo_sandbox_fuzzing::{WASI_FUNCTIONS, WASI_MODULE};

/// Options with no action checking: these modules answer with raw numbers (errnos).
fn raw_options(limits: Limits) -> LoadOptions {
    LoadOptions::new(ObservationLayout::named(&["a", "b", "c", "d"])).limits(limits)
}

/// A native module whose `ppo_act` calls one WASI import with `args` and answers the errno it
/// got as an int action.
fn wasi_caller(name: &str, wat_type: &str, args: &[String], returns: bool) -> String {
    let call = format!("(call $wasi {})", args.join(" "));
    let body = if returns {
        format!("(i64.store (i32.const 60064) (i64.extend_i32_s {call}))")
    } else {
        call
    };
    format!(
        r#"(module
  (import "{WASI_MODULE}" "{name}" (func $wasi {wat_type}))
  (memory (export "memory") 1)
  (func (export "ppo_contract_version") (result i32) i32.const 1)
  (func (export "ppo_obs_buffer") (param i32) (result i32) i32.const 1024)
  (func (export "ppo_act") (param i32) (result i32) {body} i32.const 60000)
  ;; The reply far from every address the hostile arguments name: status 0, kind 1 (int),
  ;; len 1, data 60064 (where the errno is stored).
  (data (i32.const 60000) "\00\00\00\00\01\00\00\00\01\00\00\00\a0\ea\00\00"))"#
    )
}

/// Argument patterns: zeros (null pointers, stdin), the standard streams, pointers at the very
/// end of memory, negative values, and lengths far past memory.
fn hostile_arguments(params: &str) -> Vec<Vec<String>> {
    let pattern = |i32_value: &str, i64_value: &str| {
        params
            .chars()
            .map(|c| {
                if c == 'I' {
                    format!("(i64.const {i64_value})")
                } else {
                    format!("(i32.const {i32_value})")
                }
            })
            .collect::<Vec<_>>()
    };
    vec![
        pattern("0", "0"),
        pattern("1", "1"),
        pattern("3", "3"),
        pattern("65534", "-1"),
        pattern("-1", "-9223372036854775808"),
        pattern("2147483647", "9223372036854775807"),
        // A plausible call: fd 1, a buffer in bounds, small lengths.
        params
            .chars()
            .enumerate()
            .map(|(i, c)| match (c, i) {
                ('I', _) => "(i64.const 0)".to_owned(),
                (_, 0) => "(i32.const 1)".to_owned(),
                _ => "(i32.const 2048)".to_owned(),
            })
            .collect(),
    ]
}

/// Calls that would reach the world outside (files, sockets, signals): none may succeed.
fn is_escape(name: &str) -> bool {
    name.starts_with("path_")
        || name.starts_with("sock_")
        || name.starts_with("fd_prestat")
        || matches!(
            name,
            "fd_readdir" | "fd_renumber" | "proc_raise" | "fd_pread" | "fd_pwrite"
        )
}

#[test]
fn every_wasi_call_with_hostile_arguments_answers_an_errno_or_a_typed_crash() {
    assert_eq!(WASI_FUNCTIONS.len(), 46, "WASI preview 1 has 46 functions");
    let limits = Limits::default().with_act_timeout_ms(2_000);
    let mut calls = 0;
    for function in WASI_FUNCTIONS {
        for args in hostile_arguments(function.params) {
            let wat = wasi_caller(
                function.name,
                &function.wat_type(),
                &args,
                function.returns_errno,
            );
            let mut policy = engine()
                .load(
                    &PolicySource::wasm(wat.into_bytes()),
                    &raw_options(limits.clone()),
                )
                .unwrap_or_else(|crash| panic!("{}: module refused: {crash:#?}", function.name));
            let outcome = policy.act(&OBS);
            calls += 1;
            match (function.name, outcome) {
                ("proc_exit", Err(crash)) => assert_eq!(crash.kind, CrashKind::Exit),
                (name, Err(crash)) => panic!("{name}{args:?} crashed: {crash:#?}"),
                (name, Ok(Action::Int(errno))) => {
                    assert!((0..=76).contains(&errno), "{name}{args:?} answered {errno}");
                    if is_escape(name) {
                        assert_ne!(errno, 0, "{name}{args:?} succeeded");
                    }
                }
                (name, Ok(other)) => panic!("{name}: unexpected action {other:?}"),
            }
        }
    }
    assert_eq!(calls, 46 * 7);
    assert_engine_still_works();
}

#[test]
fn the_world_behind_wasi_is_empty_from_python() {
    // Every way a Python policy could reach a file, a directory, a socket, a process or the
    // environment, through each WASI door: each attempt must fail or see nothing.
    let source = r#"
import os, sys, io, socket, errno
attempts = {
    "open /etc/passwd": lambda: open("/etc/passwd").read(),
    "open relative": lambda: open("policy.py").read(),
    "open dotdot": lambda: open("../../../../etc/hostname").read(),
    "open for write": lambda: open("/tmp/escape", "w").write("x"),
    "os.open": lambda: os.open("/", os.O_RDONLY),
    "listdir root": lambda: os.listdir("/"),
    "listdir cwd": lambda: os.listdir("."),
    "scandir": lambda: list(os.scandir("/")),
    "stat": lambda: os.stat("/etc"),
    "mkdir": lambda: os.mkdir("/tmp/escape-dir"),
    "remove": lambda: os.remove("/etc/passwd"),
    "rename": lambda: os.rename("/a", "/b"),
    "symlink": lambda: os.symlink("/etc/passwd", "link"),
    "readlink": lambda: os.readlink("/proc/self/exe"),
    "chdir": lambda: os.chdir("/"),
    "fd 3": lambda: os.read(3, 10),
    "fd 3 write": lambda: os.write(3, b"x"),
    "dup2": lambda: os.dup2(1, 5),
    "socket connect": lambda: socket.socket().connect(("127.0.0.1", 80)),
    "socket send": lambda: socket.socket().sendto(b"x", ("127.0.0.1", 9)),
    "socket listen": lambda: socket.socket().bind(("0.0.0.0", 8080)),
    "socket recv": lambda: socket.socket().recv(10),
    "create_connection": lambda: socket.create_connection(("127.0.0.1", 80)),
    "getaddrinfo": lambda: socket.getaddrinfo("localhost", 80),
    "system": lambda: os.system("id"),
    "popen": lambda: os.popen("id").read(),
    "fork": lambda: os.fork(),
    "kill": lambda: os.kill(1, 9),
    "execv": lambda: os.execv("/bin/sh", ["sh"]),
}
escaped = []
for name, attempt in attempts.items():
    try:
        result = attempt()
    except BaseException as error:
        if isinstance(error, (SystemExit, KeyboardInterrupt)):
            escaped.append(name + ": " + type(error).__name__)
        continue
    # A few calls may "succeed" on an empty world (none here should).
    escaped.append(name + " -> " + repr(result)[:40])
assert dict(os.environ) == {}, os.environ
print("escaped:", escaped)

def act(obs):
    return 0
"#;
    let mut policy = load(source).unwrap_or_else(|crash| panic!("{crash:#?}"));
    let output = policy.take_output();
    assert_eq!(output.stdout.trim(), "escaped: []", "{output:#?}");
    assert_engine_still_works();
}

#[test]
fn introspection_tricks_reach_nothing_outside_the_policy() {
    // The classic sandbox-escape recipes: walk subclasses for loaders and file objects, climb
    // frames into the runner, reach builtins through function globals, find objects with gc.
    let source = r#"
import gc, sys
found = []
for cls in ().__class__.__base__.__subclasses__():
    name = cls.__name__
    if name in ("FileIO", "BufferedReader", "_wrap_close", "BuiltinImporter", "catch_warnings", "Popen"):
        found.append(name)
        try:
            if name == "FileIO":
                cls("/etc/passwd").read()
                found.append("READ /etc/passwd")
            elif name == "catch_warnings":
                builtins = cls()._module.__builtins__
                imp = builtins["__import__"] if isinstance(builtins, dict) else builtins.__import__
                imp("os").system("id")
                found.append("RAN id")
        except BaseException:
            pass
frame = sys._getframe()
depth = 0
while frame is not None and depth < 100:
    frame.f_globals.get("__builtins__")
    frame = frame.f_back
    depth += 1
print("escaped:", [f for f in found if " " in f])

def act(obs):
    # Grab every list alive and scribble on it: nothing outside this interpreter changes.
    for o in (gc.get_objects() if hasattr(gc, "get_objects") else []):
        if isinstance(o, list) and o and isinstance(o[0], float):
            o[0] = 1e300
    return 1 if obs[2] + 0.5 * obs[3] > 0 else 0
"#;
    let mut policy = load(source).unwrap_or_else(|crash| panic!("{crash:#?}"));
    let output = policy.take_output();
    assert!(output.stdout.contains("escaped: []"), "{output:#?}");
    // The scribbling policy takes the same decisions as the good one on the same states, so
    // the environment must follow the same trajectory: writes into the observation (and into
    // anything else the guest can reach) do not reach the host.
    let clean = trajectory(&mut load(GOOD_POLICY).unwrap());
    let scribbled = trajectory(&mut policy);
    assert_eq!(clean, scribbled);
    assert_engine_still_works();
}

fn trajectory(policy: &mut Policy) -> Vec<Vec<f64>> {
    let mut env = envs::make("CartPole-v1").unwrap();
    let mut observations = vec![env.reset(Some(9))];
    policy.reset().unwrap();
    for _ in 0..200 {
        let action = policy.act(observations.last().unwrap()).unwrap();
        let step = env.step(&action).unwrap();
        observations.push(step.observation.clone());
        if step.done() {
            break;
        }
    }
    observations
}

#[test]
fn every_limit_at_once_gives_one_typed_crash() {
    // Output flood, memory growth, raised recursion limit and an endless loop, all at load and
    // all again in act: the first limit reached ends the call, typed; output stays capped.
    let source = r#"
import sys
sys.setrecursionlimit(10 ** 7)
hoard = [bytearray(8 << 20) for _ in range(4)]
print("x" * 500000)
def deep(n):
    hoard.append(bytearray(1 << 20))
    print("y" * 10000)
    return deep(n + 1) + 1
def act(obs):
    while True:
        deep(0)
"#;
    let limits = Limits::default()
        .with_memory_bytes(128 << 20)
        .with_act_fuel(2_000_000_000)
        .with_output_bytes(4096);
    let crash = crash_of(source, limits.clone(), 3);
    assert!(
        matches!(
            crash.kind,
            CrashKind::StackOverflow
                | CrashKind::MemoryLimit
                | CrashKind::ActFuelExhausted
                | CrashKind::Deadline
        ),
        "{crash:#?}"
    );
    assert!(crash.output.stdout.len() as u64 <= limits.stdout_bytes);
    assert!(crash.fuel_used <= limits.act_fuel);
    assert_engine_still_works();

    // The same for a native module: grow memory, recurse and loop.
    let wat = r#"(module
  (memory (export "memory") 1)
  (func $deep (param i32) (result i32)
    (drop (memory.grow (i32.const 16)))
    (call $deep (i32.add (local.get 0) (i32.const 1))))
  (func (export "ppo_contract_version") (result i32) i32.const 1)
  (func (export "ppo_obs_buffer") (param i32) (result i32) i32.const 1024)
  (func (export "ppo_act") (param i32) (result i32)
    (loop (drop (call $deep (i32.const 0))) (br 0)) i32.const 0))"#;
    let mut policy = engine()
        .load(
            &PolicySource::wasm(wat.as_bytes().to_vec()),
            &raw_options(limits),
        )
        .unwrap();
    let crash = policy.act(&OBS).unwrap_err();
    assert!(
        matches!(
            crash.kind,
            CrashKind::StackOverflow | CrashKind::MemoryLimit
        ),
        "{crash:#?}"
    );
    assert_eq!(policy.act(&OBS).unwrap_err().kind, CrashKind::Poisoned);
    assert_engine_still_works();
}

#[test]
fn many_python_policies_live_at_once_keep_their_own_state() {
    let mut policies: Vec<Policy> = (0..48)
        .map(|i| {
            load(&format!(
                "import random\nSTATE = [{i}]\ndef act(obs):\n    STATE.append(random.random())\n    return STATE[0] % 2\n"
            ))
            .unwrap_or_else(|crash| panic!("policy {i}: {crash:#?}"))
        })
        .collect();
    for _ in 0..5 {
        for (i, policy) in policies.iter_mut().enumerate() {
            assert_eq!(policy.act(&OBS).unwrap(), Action::Int((i % 2) as i64));
        }
    }
    assert_engine_still_works();
}

#[test]
fn a_full_instance_pool_is_a_typed_resource_limit_and_frees_on_drop() {
    let engine = Engine::new(EngineConfig::default().pooled_instances(3)).unwrap();
    let options = cartpole_options();
    let good = PolicySource::python(GOOD_POLICY);
    let mut live: Vec<Policy> = (0..3)
        .map(|_| engine.load(&good, &options).unwrap())
        .collect();
    let crash = engine.load(&good, &options).unwrap_err();
    assert_eq!(crash.kind, CrashKind::ResourceLimit, "{crash:#?}");
    live.pop();
    let mut again = engine.load(&good, &options).expect("a slot was freed");
    assert!(matches!(again.act(&OBS).unwrap(), Action::Int(0 | 1)));
    drop(live);
}

// --- Limits at their exact edges -----------------------------------------------------------

#[test]
fn source_size_limit_edge() {
    let body = "def act(obs):\n    return 0\n";
    let padded = |len: usize| format!("{body}{}", "#".repeat(len - body.len()));
    let limits = Limits::default().with_source_bytes(4096);
    assert!(load_with(&padded(4096), limits.clone()).is_ok());
    let crash = load_with(&padded(4097), limits).unwrap_err();
    assert_eq!(crash.kind, CrashKind::SourceTooLarge);
}

#[test]
fn output_cap_edge() {
    let source =
        |n: usize| format!("import os\nos.write(1, b'x' * {n})\ndef act(obs):\n    return 0\n");
    let limits = Limits::default().with_output_bytes(1000);
    let mut exact = load_with(&source(1000), limits.clone()).unwrap();
    let output = exact.take_output();
    assert_eq!(
        (output.stdout.len(), output.stdout_truncated),
        (1000, false)
    );
    let mut over = load_with(&source(1001), limits).unwrap();
    let output = over.take_output();
    assert_eq!((output.stdout.len(), output.stdout_truncated), (1000, true));
}

/// The least value in `low..=high` for which `passes` holds, `passes` being monotonic.
fn least_passing(mut low: u64, mut high: u64, passes: impl Fn(u64) -> bool) -> u64 {
    assert!(passes(high), "the upper bound {high} does not pass");
    while low < high {
        let mid = low + (high - low) / 2;
        if passes(mid) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    high
}

const COUNTING_POLICY: &str =
    "def act(obs):\n    s = 0\n    for i in range(500):\n        s += i\n    return s % 2\n";

/// Plays `calls` acts after a reset under `limits`; the first crash, if any.
fn acts(limits: Limits, calls: usize) -> Result<(), ppo_sandbox_engine::CrashReport> {
    let mut policy = load_with(COUNTING_POLICY, limits)?;
    policy.reset()?;
    for _ in 0..calls {
        policy.act(&OBS)?;
    }
    Ok(())
}

// Fuel is metered per basic block and checked at function entries and loop headers, so the
// budget a call needs is the least one it passes with, found by bisection; the same path
// every time makes that exact: one unit less must fail, with exactly that much fuel used.

#[test]
fn act_fuel_edge() {
    let least = least_passing(1, 100_000_000, |fuel| {
        acts(Limits::default().with_act_fuel(fuel), 1).is_ok()
    });
    assert!(least > 10_000, "{least}");
    let crash = acts(Limits::default().with_act_fuel(least - 1), 1).unwrap_err();
    assert_eq!(crash.kind, CrashKind::ActFuelExhausted, "{crash:#?}");
    assert_eq!(crash.fuel_used, least - 1);
    assert!(acts(Limits::default().with_act_fuel(least), 1).is_ok());
}

#[test]
fn episode_fuel_edge() {
    let least = least_passing(1, 200_000_000, |fuel| {
        acts(Limits::default().with_episode_fuel(fuel), 2).is_ok()
    });
    let crash = acts(Limits::default().with_episode_fuel(least - 1), 2).unwrap_err();
    assert_eq!(crash.kind, CrashKind::EpisodeFuelExhausted, "{crash:#?}");
    assert_eq!(crash.step, Some(1), "the second call runs out");
    assert!(crash.episode_fuel_used < least);
    // A reset renews the episode's budget: three episodes of two calls each fit in it.
    let mut renewed =
        load_with(COUNTING_POLICY, Limits::default().with_episode_fuel(least)).unwrap();
    for _ in 0..3 {
        renewed.reset().unwrap();
        renewed.act(&OBS).unwrap();
        renewed.act(&OBS).unwrap();
    }
}

#[test]
fn load_fuel_edge() {
    let source = "import math\nTABLE = [math.sin(i / 10) for i in range(300)]\ndef act(obs):\n    return 0\n";
    let loads = |fuel: u64| load_with(source, Limits::default().with_load_fuel(fuel));
    let least = least_passing(1, 2_000_000_000, |fuel| loads(fuel).is_ok());
    let crash = loads(least - 1).unwrap_err();
    assert_eq!(crash.kind, CrashKind::LoadFuelExhausted, "{crash:#?}");
    assert_eq!(crash.fuel_used, least - 1);
}

/// A native module with `pages` initial pages that grows by `grow` pages in `ppo_act` and
/// answers whether the growth succeeded (1) or was refused (0).
fn memory_module(pages: u32, grow: u32) -> Vec<u8> {
    format!(
        r#"(module
  (memory (export "memory") {pages})
  (func (export "ppo_contract_version") (result i32) i32.const 1)
  (func (export "ppo_obs_buffer") (param i32) (result i32) i32.const 1024)
  (func (export "ppo_act") (param i32) (result i32)
    (i64.store (i32.const 64) (i64.extend_i32_u (i32.ne (memory.grow (i32.const {grow})) (i32.const -1))))
    i32.const 0)
  (data (i32.const 0) "\00\00\00\00\01\00\00\00\01\00\00\00\40\00\00\00"))"#
    )
    .into_bytes()
}

#[test]
fn memory_limit_edge() {
    const PAGE: u64 = 65_536;
    let limits = |bytes: u64| raw_options(Limits::default().with_memory_bytes(bytes));
    // Initial memory: exactly the cap loads, one byte less does not.
    assert!(
        engine()
            .load(&PolicySource::wasm(memory_module(4, 0)), &limits(4 * PAGE))
            .is_ok()
    );
    let crash = engine()
        .load(
            &PolicySource::wasm(memory_module(4, 0)),
            &limits(4 * PAGE - 1),
        )
        .unwrap_err();
    assert_eq!(crash.kind, CrashKind::MemoryLimit, "{crash:#?}");
    // Growth: up to exactly the cap succeeds, one page past it is the memory limit.
    let mut exact = engine()
        .load(&PolicySource::wasm(memory_module(1, 3)), &limits(4 * PAGE))
        .unwrap();
    assert_eq!(exact.act(&OBS).unwrap(), Action::Int(1));
    let mut over = engine()
        .load(&PolicySource::wasm(memory_module(1, 4)), &limits(4 * PAGE))
        .unwrap();
    assert_eq!(over.act(&OBS).unwrap_err().kind, CrashKind::MemoryLimit);
}

#[test]
fn table_limit_edge() {
    let module = |elements: u32| {
        format!(
            r#"(module
  (table 1 funcref)
  (memory (export "memory") 1)
  (func (export "ppo_contract_version") (result i32) i32.const 1)
  (func (export "ppo_obs_buffer") (param i32) (result i32) i32.const 1024)
  (func (export "ppo_act") (param i32) (result i32)
    (drop (table.grow (ref.null func) (i32.const {})))
    i32.const 0)
  (data (i32.const 0) "\00\00\00\00\01\00\00\00\01\00\00\00\40\00\00\00"))"#,
            elements - 1
        )
        .into_bytes()
    };
    let options = raw_options(Limits {
        table_elements: 100,
        ..Limits::default()
    });
    let mut exact = engine()
        .load(&PolicySource::wasm(module(100)), &options)
        .unwrap();
    assert!(exact.act(&OBS).is_ok());
    let mut over = engine()
        .load(&PolicySource::wasm(module(101)), &options)
        .unwrap();
    assert_eq!(over.act(&OBS).unwrap_err().kind, CrashKind::ResourceLimit);
}

#[test]
fn act_deadline_holds_against_a_guest_that_sleeps_on_the_host() {
    // poll_oneoff is the one WASI call that could block the host thread: on the virtual clock
    // it returns at once, so a policy sleeping in a loop runs out of fuel (a blocked host
    // thread would show as the 10 s deadline instead). No wall-clock assertion: the first
    // load in a fresh cache compiles the guest, and CI machines are shared.
    let source = "import time\ndef act(obs):\n    while True:\n        time.sleep(3600)\n";
    let crash = crash_of(
        source,
        Limits::default()
            .with_act_fuel(50_000_000)
            .with_act_timeout_ms(10_000),
        1,
    );
    assert_eq!(crash.kind, CrashKind::ActFuelExhausted, "{crash:#?}");
}

#[test]
fn an_env_cannot_be_reached_through_the_observation() {
    // A policy decides like the good one, then keeps every observation list it was given and
    // zeroes all of them at each step; the environment follows exactly the good policy's
    // trajectory (the host writes fresh values every step and never reads them back).
    let source = "kept = []\ndef act(obs):\n    action = 1 if obs.pole_angle + 0.5 * obs.pole_angular_velocity > 0 else 0\n    kept.append(obs)\n    for o in kept:\n        for i in range(len(o)):\n            o[i] = 0.0\n    return action\n";
    let clean = trajectory(&mut load(GOOD_POLICY).unwrap());
    let hostile = trajectory(&mut load(source).unwrap());
    assert!(clean.len() > 100);
    assert_eq!(clean, hostile);
}
