//! The hostile corpus: every limit and every isolation property, hit by a policy, with an
//! assertion on the exact outcome kind; and after each, a good policy still runs in the same
//! engine.

mod common;

use common::*;
use ppo_sandbox_engine::envs::Action;
use ppo_sandbox_engine::{CrashKind, Limits, Phase, PolicySource};

fn fast() -> Limits {
    // Small budgets keep the corpus quick; each test names the limit it is about.
    Limits::default()
        .with_load_fuel(2_000_000_000)
        .with_act_fuel(50_000_000)
}

#[test]
fn endless_loop_at_load_runs_out_of_load_fuel() {
    let crash = assert_kind(
        "while True:\n    pass\n",
        fast(),
        0,
        CrashKind::LoadFuelExhausted,
    );
    assert_eq!(crash.phase, Phase::Load);
    assert_eq!(crash.fuel_used, 2_000_000_000);
    assert_engine_still_works();
}

#[test]
fn endless_loop_in_act_runs_out_of_act_fuel() {
    let crash = assert_kind(
        "def act(obs):\n    while True:\n        pass\n",
        fast(),
        1,
        CrashKind::ActFuelExhausted,
    );
    assert_eq!(
        (crash.phase, crash.step, crash.fuel_used),
        (Phase::Act, Some(0), 50_000_000)
    );
    assert_engine_still_works();
}

#[test]
fn endless_loop_is_preempted_by_the_deadline_when_fuel_would_last() {
    let limits = Limits::default()
        .with_act_fuel(u64::MAX / 4)
        .with_episode_fuel(u64::MAX / 2)
        .with_act_timeout_ms(100);
    let started = std::time::Instant::now();
    let crash = assert_kind(
        "def act(obs):\n    while True:\n        pass\n",
        limits,
        1,
        CrashKind::Deadline,
    );
    assert_eq!(crash.phase, Phase::Act);
    // Preemption, not a hang: generous bound for a shared machine.
    assert!(started.elapsed().as_secs() < 30);
    assert_engine_still_works();
}

#[test]
fn load_deadline_preempts_a_slow_import() {
    let limits = Limits::default()
        .with_load_fuel(u64::MAX / 4)
        .with_load_timeout_ms(200);
    assert_kind("while True:\n    pass\n", limits, 0, CrashKind::Deadline);
    assert_engine_still_works();
}

#[test]
fn a_policy_that_spends_a_little_each_step_runs_out_of_episode_fuel() {
    let source =
        "def act(obs):\n    s = 0\n    for i in range(20000):\n        s += i\n    return 0\n";
    let limits = Limits::default()
        .with_act_fuel(100_000_000)
        .with_episode_fuel(300_000_000);
    let crash = assert_kind(source, limits, 10_000, CrashKind::EpisodeFuelExhausted);
    assert!(crash.step.unwrap() > 2, "{crash:?}");
    assert!(crash.episode_fuel_used <= 300_000_000);
    assert_engine_still_works();
}

#[test]
fn episode_fuel_is_renewed_by_reset() {
    let source =
        "def act(obs):\n    s = 0\n    for i in range(20000):\n        s += i\n    return 0\n";
    let limits = Limits::default().with_episode_fuel(300_000_000);
    let mut policy = load_with(source, limits).unwrap();
    for _ in 0..3 {
        policy.reset().unwrap();
        policy.act(&OBS).unwrap();
        policy.act(&OBS).unwrap();
    }
}

#[test]
fn unbounded_recursion_is_a_stack_overflow() {
    let crash = assert_kind(
        "def f(n):\n    return f(n + 1)\ndef act(obs):\n    return f(0)\n",
        fast(),
        1,
        CrashKind::StackOverflow,
    );
    assert_eq!(crash.exception_type.as_deref(), Some("RecursionError"));
    assert!(crash.traceback.unwrap().contains("line 2, in f"));
    assert_engine_still_works();
}

#[test]
fn recursion_past_a_raised_recursion_limit_is_a_stack_overflow() {
    let source = "import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return f(n + 1)\ndef act(obs):\n    return f(0)\n";
    let crash = assert_kind(source, Limits::default(), 1, CrashKind::StackOverflow);
    assert_eq!(crash.phase, Phase::Act);
    assert_engine_still_works();
}

#[test]
fn memory_bomb_at_load_hits_the_memory_limit() {
    let limits = Limits::default().with_memory_bytes(128 * 1024 * 1024);
    assert_kind(
        "blocks = []\nwhile True:\n    blocks.append(bytearray(1 << 20))\n",
        limits,
        0,
        CrashKind::MemoryLimit,
    );
    assert_kind(
        "x = [0] * (10 ** 8)\n",
        Limits::default(),
        0,
        CrashKind::MemoryLimit,
    );
    assert_engine_still_works();
}

#[test]
fn a_policy_that_grows_memory_each_step_hits_the_memory_limit() {
    let source = "hoard = []\ndef act(obs):\n    hoard.append(bytearray(4 << 20))\n    return 0\n";
    let limits = Limits::default().with_memory_bytes(96 * 1024 * 1024);
    let crash = assert_kind(source, limits, 1000, CrashKind::MemoryLimit);
    assert!(crash.step.unwrap() > 3, "{crash:?}");
    assert_engine_still_works();
}

#[test]
fn output_floods_are_truncated_and_do_not_crash() {
    let source = "def act(obs):\n    print('x' * 100000)\n    import sys\n    sys.stderr.write('y' * 100000)\n    return 0\n";
    let mut policy = load_with(source, Limits::default().with_output_bytes(1000)).unwrap();
    policy.reset().unwrap();
    for _ in 0..5 {
        assert_eq!(policy.act(&OBS).unwrap(), Action::Int(0));
    }
    let output = policy.take_output();
    assert_eq!((output.stdout.len(), output.stdout_truncated), (1000, true));
    assert_eq!((output.stderr.len(), output.stderr_truncated), (1000, true));
    assert!(output.stdout.bytes().all(|b| b == b'x'));
}

#[test]
fn files_are_not_reachable() {
    for source in [
        "open('/etc/passwd').read()\n",
        "open('policy.py', 'w').write('x')\n",
        "import os\nos.listdir('/')\n",
        "import os\nos.stat('/')\n",
        "import os\nos.mkdir('/tmp/escape')\n",
    ] {
        let crash = crash_of(source, fast(), 1);
        assert_eq!(crash.kind, CrashKind::LoadError, "{source}: {crash:?}");
        assert!(
            crash
                .exception_type
                .as_deref()
                .is_some_and(|t| t.ends_with("Error")),
            "{crash:?}"
        );
    }
    assert_engine_still_works();
}

#[test]
fn the_environment_and_arguments_are_empty() {
    let source = "import os, sys\nassert dict(os.environ) == {}, os.environ\nassert sys.argv in ([], ['']), sys.argv\n\
                  def act(obs):\n    return 0\n";
    load(source).expect("sees an empty environment");
}

#[test]
fn sockets_and_processes_are_unavailable() {
    for source in [
        "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 80))\n",
        "import subprocess\nsubprocess.run(['ls'])\n",
        "import os\nos.system('ls')\n",
        "import os\nos.fork()\n",
        "import ctypes\nctypes.CDLL(None)\n",
    ] {
        let crash = crash_of(source, fast(), 1);
        assert_eq!(crash.kind, CrashKind::LoadError, "{source}: {crash:?}");
    }
    assert_engine_still_works();
}

#[test]
fn sys_exit_is_an_exit() {
    assert_kind("import sys\nsys.exit(3)\n", fast(), 0, CrashKind::Exit);
    assert_kind(
        "def act(obs):\n    raise SystemExit(1)\n",
        fast(),
        1,
        CrashKind::Exit,
    );
    assert_kind("import os\nos._exit(0)\n", fast(), 0, CrashKind::Exit);
    assert_engine_still_works();
}

#[test]
fn a_long_sleep_returns_at_once_on_the_virtual_clock() {
    let source = "import time\ndef act(obs):\n    t = time.time()\n    time.sleep(3600)\n    assert time.time() - t >= 3600\n    return 1\n";
    let limits = Limits::default().with_act_timeout_ms(2_000);
    let mut policy = load_with(source, limits).unwrap();
    policy.reset().unwrap();
    assert_eq!(policy.act(&OBS).unwrap(), Action::Int(1));
}

#[test]
fn huge_literals_and_deeply_nested_expressions_fail_cleanly() {
    let crash = crash_of("x = 10 ** 10 ** 10\n", fast(), 0);
    assert!(
        matches!(
            crash.kind,
            CrashKind::LoadFuelExhausted | CrashKind::MemoryLimit
        ),
        "{crash:?}"
    );
    let nested = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    let crash = crash_of(&nested, fast(), 0);
    assert!(
        matches!(
            crash.kind,
            CrashKind::SyntaxError | CrashKind::StackOverflow
        ),
        "{crash:?}"
    );
    let long_list = format!(
        "x = [{}]\ndef act(obs):\n    return 0\n",
        "1,".repeat(200_000)
    );
    load(&long_list).expect("a long flat literal is fine");
    assert_engine_still_works();
}

#[test]
fn non_utf8_and_oversized_sources_are_refused() {
    let crash = engine()
        .load(
            &PolicySource::python_bytes(b"def act(obs):\n    return '\xff'\n".to_vec()),
            &cartpole_options(),
        )
        .unwrap_err();
    assert_eq!(crash.kind, CrashKind::InvalidSource);
    let big = format!("# {}\ndef act(obs):\n    return 0\n", "x".repeat(2000));
    let crash = load_with(&big, Limits::default().with_source_bytes(1000)).unwrap_err();
    assert_eq!(crash.kind, CrashKind::SourceTooLarge);
    assert_engine_still_works();
}

#[test]
fn syntax_errors_and_missing_act_are_reported_at_load() {
    let crash = assert_kind(
        "def act(obs)\n    return 0\n",
        fast(),
        0,
        CrashKind::SyntaxError,
    );
    assert_eq!(crash.exception_type.as_deref(), Some("SyntaxError"));
    assert_kind(
        "def policy(obs):\n    return 0\n",
        fast(),
        0,
        CrashKind::MissingAct,
    );
    assert_kind(
        "class P:\n    def __init__(self, needed):\n        pass\n    def act(self, obs):\n        return 0\n",
        fast(),
        0,
        CrashKind::LoadError,
    );
    assert_kind(
        "raise ValueError('at import')\n",
        fast(),
        0,
        CrashKind::LoadError,
    );
}

#[test]
fn wrong_action_types_nan_and_out_of_range_actions_are_invalid_actions() {
    for (returned, why) in [
        ("'left'", "a string"),
        ("None", "None"),
        ("{'a': 1}", "a dict"),
        ("0.5", "a float for a Discrete space"),
        ("[0, 1]", "a list for a Discrete space"),
        ("2", "out of range"),
        ("-1", "out of range"),
        ("float('nan')", "NaN"),
        ("2 ** 70", "an int wider than 64 bits"),
    ] {
        let source = format!("def act(obs):\n    return {returned}\n");
        let crash = crash_of(&source, fast(), 1);
        assert_eq!(crash.kind, CrashKind::InvalidAction, "{why}: {crash:?}");
        assert_eq!(crash.step, Some(0));
    }
    assert_engine_still_works();
}

#[test]
fn an_exception_on_step_50_is_reported_with_its_step_and_traceback() {
    let source = "class Policy:\n    def reset(self):\n        self.t = 0\n    def act(self, obs):\n        self.t += 1\n        if self.t == 51:\n            raise RuntimeError('boom at ' + str(self.t))\n        return 0\n";
    let crash = assert_kind(source, Limits::default(), 100, CrashKind::PythonException);
    assert_eq!(crash.step, Some(50));
    assert_eq!(crash.exception_type.as_deref(), Some("RuntimeError"));
    assert!(crash.message.contains("boom at 51"));
    assert!(
        crash
            .traceback
            .as_deref()
            .unwrap()
            .contains("line 7, in act"),
        "{crash:?}"
    );
}

#[test]
fn a_class_whose_reset_raises() {
    let source = "class Policy:\n    def reset(self):\n        raise KeyError('no reset')\n    def act(self, obs):\n        return 0\n";
    let crash = assert_kind(source, Limits::default(), 1, CrashKind::PythonException);
    assert_eq!(crash.phase, Phase::Reset);
}

#[test]
fn after_a_trap_the_instance_reports_poisoned_not_garbage() {
    let mut policy = load_with("def act(obs):\n    while True:\n        pass\n", fast()).unwrap();
    policy.reset().unwrap();
    assert_eq!(
        policy.act(&OBS).unwrap_err().kind,
        CrashKind::ActFuelExhausted
    );
    assert_eq!(policy.act(&OBS).unwrap_err().kind, CrashKind::Poisoned);
    assert_eq!(policy.reset().unwrap_err().kind, CrashKind::Poisoned);
}

#[test]
fn behaving_first_then_exhausting_fuel_is_still_caught() {
    let source = "n = 0\ndef act(obs):\n    global n\n    n += 1\n    while n > 20:\n        pass\n    return 0\n";
    let crash = assert_kind(source, fast(), 100, CrashKind::ActFuelExhausted);
    assert_eq!(crash.step, Some(20));
}

#[test]
fn introspection_finds_no_host_object() {
    // Whatever a policy digs up, it lives inside its own interpreter in its own instance.
    let source = "import gc, sys\nfound = [type(o).__name__ for o in object.__subclasses__()]\n\
                  frames = sys._getframe()\nobjs = len(gc.get_objects()) if hasattr(gc, 'get_objects') else 0\n\
                  def act(obs):\n    return 0\n";
    load(source).expect("introspection is harmless");
    assert_engine_still_works();
}

#[test]
fn many_policies_loaded_at_once_are_independent() {
    let mut policies: Vec<_> = (0..8)
        .map(|i| load(&format!("K = {i}\ncount = 0\ndef act(obs):\n    global count\n    count += 1\n    return (K + count) % 2\n")).unwrap())
        .collect();
    for round in 1..=3 {
        for (i, policy) in policies.iter_mut().enumerate() {
            assert_eq!(
                policy.act(&OBS).unwrap(),
                Action::Int(((i + round) % 2) as i64)
            );
        }
    }
}
