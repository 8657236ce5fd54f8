//! Fast start: a policy started from the pre-initialized snapshot behaves exactly like one
//! whose interpreter was built from scratch (same actions, output, fuel and determinism, and
//! the same outcome kind under every limit), no random state is shared through the snapshot,
//! and the instance pool holds its limits.

mod common;

use std::sync::OnceLock;

use common::*;
use ppo_sandbox_engine::envs::{self, Action, Env};
use ppo_sandbox_engine::{
    CrashKind, Engine, EngineConfig, Limits, LoadOptions, Policy, PolicySource, PythonStart,
};

/// An engine whose Python policies start cold (the shared one starts from the snapshot).
fn cold_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::new(EngineConfig::default().python_start(PythonStart::Cold)).expect("engine")
    })
}

/// Everything observable about a policy's run: actions, captured output, fuel, or its crash.
#[derive(Debug, PartialEq)]
struct Run {
    actions: Vec<Action>,
    stdout: String,
    stderr: String,
    fuel: Vec<u64>,
    crash: Option<(CrashKind, String)>,
}

fn run(engine: &Engine, source: &str, options: &LoadOptions, steps: usize) -> Run {
    let mut out = Run {
        actions: Vec::new(),
        stdout: String::new(),
        stderr: String::new(),
        fuel: Vec::new(),
        crash: None,
    };
    let mut policy: Policy = match engine.load(&PolicySource::python(source), options) {
        Ok(policy) => policy,
        Err(crash) => {
            out.stdout = crash.output.stdout.clone();
            out.crash = Some((crash.kind, crash.message));
            return out;
        }
    };
    let mut env = envs::make("CartPole-v1").unwrap();
    let mut obs = env.reset(Some(11));
    let mut outcome = policy.reset().map(|_| ());
    for _ in 0..steps {
        if outcome.is_err() {
            break;
        }
        match policy.act(&obs) {
            Ok(action) => {
                out.fuel.push(policy.episode_fuel_used());
                let step = env.step(&action).unwrap();
                out.actions.push(action);
                obs = if step.done() {
                    env.reset(Some(12))
                } else {
                    step.observation
                };
            }
            Err(crash) => outcome = Err(crash),
        }
    }
    let output = policy.take_output();
    out.stdout = output.stdout;
    out.stderr = output.stderr;
    if let Err(crash) = outcome {
        out.stdout.insert_str(0, &crash.output.stdout);
        out.crash = Some((crash.kind, crash.message));
    }
    out
}

fn both(source: &str, options: &LoadOptions, steps: usize) -> (Run, Run) {
    (
        run(engine(), source, options, steps),
        run(cold_engine(), source, options, steps),
    )
}

const RANDOM_CLOCK_POLICY: &str = r#"
import random, time, os, uuid
from dataclasses import dataclass, field
from collections import deque

RNG = random.Random()
print("import", random.random(), RNG.random(), os.urandom(4).hex(), uuid.uuid4(), time.time())

@dataclass
class Policy:
    history: deque = field(default_factory=lambda: deque(maxlen=8))

    def act(self, obs):
        self.history.append(obs.pole_angle)
        t0 = time.perf_counter()
        noise = random.gauss(0.0, 0.01) + RNG.uniform(-0.01, 0.01)
        print(round(time.perf_counter() - t0, 9), random.randint(0, 9), hash("key") & 7)
        return 1 if sum(self.history) + noise > 0 else 0
"#;

#[test]
fn snapshot_and_cold_starts_give_identical_runs() {
    for seed in [0, 7] {
        let options = cartpole_options().seed(seed);
        let (snapshot, cold) = both(RANDOM_CLOCK_POLICY, &options, 120);
        assert!(snapshot.crash.is_none(), "{snapshot:#?}");
        assert_eq!(snapshot, cold, "seed {seed}");
    }
}

#[test]
fn snapshot_starts_share_no_random_state_between_seeds() {
    let source = "import random\nVALUES = (random.random(), random.Random().random(), random.SystemRandom().random())\nprint(VALUES)\ndef act(obs):\n    return 0\n";
    let printed = |seed: u64| run(engine(), source, &cartpole_options().seed(seed), 0).stdout;
    assert_eq!(printed(1), printed(1));
    let (one, two) = (printed(1), printed(2));
    // Every generator differs, not just one: nothing baked into the snapshot leaks through.
    let fields = |text: &str| {
        text.trim()
            .trim_matches(['(', ')'])
            .split(", ")
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    for (a, b) in fields(&one).iter().zip(fields(&two).iter()) {
        assert_ne!(a, b, "{one} vs {two}");
    }
}

#[test]
fn snapshot_and_cold_starts_meet_every_limit_the_same_way() {
    let tight = Limits::default()
        .with_load_fuel(300_000_000)
        .with_act_fuel(20_000_000);
    let cases: &[(&str, Limits, CrashKind)] = &[
        (
            "while True:\n    pass\n",
            tight.clone(),
            CrashKind::LoadFuelExhausted,
        ),
        (
            "def act(obs):\n    while True:\n        pass\n",
            tight.clone(),
            CrashKind::ActFuelExhausted,
        ),
        (
            "def act(obs):\n    s = 0\n    for i in range(20000):\n        s += i\n    return 0\n",
            Limits::default().with_episode_fuel(100_000_000),
            CrashKind::EpisodeFuelExhausted,
        ),
        (
            "def act(obs):\n    while True:\n        pass\n",
            Limits::default()
                .with_act_fuel(u64::MAX / 4)
                .with_episode_fuel(u64::MAX / 2)
                .with_act_timeout_ms(50),
            CrashKind::Deadline,
        ),
        (
            "KEEP = []\ndef act(obs):\n    KEEP.append(bytearray(8 << 20))\n    return 0\n",
            Limits::default().with_memory_bytes(64 << 20),
            CrashKind::MemoryLimit,
        ),
        (
            "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return f(n + 1) + 1\ndef act(obs):\n    return f(0)\n",
            Limits::default(),
            CrashKind::StackOverflow,
        ),
        ("import sys\nsys.exit(2)\n", tight.clone(), CrashKind::Exit),
        (
            "def act(obs)\n    return 0\n",
            tight.clone(),
            CrashKind::SyntaxError,
        ),
        ("x = 1\n", tight.clone(), CrashKind::MissingAct),
        ("import nosuchmodule\n", tight.clone(), CrashKind::LoadError),
        (
            "def act(obs):\n    raise ValueError('step')\n",
            tight.clone(),
            CrashKind::PythonException,
        ),
        (
            "def act(obs):\n    return 'left'\n",
            tight,
            CrashKind::InvalidAction,
        ),
    ];
    for (source, limits, kind) in cases {
        let options = cartpole_options().limits(limits.clone());
        let (snapshot, cold) = both(source, &options, 200);
        let kinds = (
            snapshot.crash.as_ref().map(|c| c.0),
            cold.crash.as_ref().map(|c| c.0),
        );
        assert_eq!(kinds, (Some(*kind), Some(*kind)), "{source}");
        if *kind != CrashKind::Deadline {
            // Deadlines depend on the wall clock; everything else is exact.
            assert_eq!(snapshot, cold, "{source}");
        }
    }
    assert_engine_still_works();
}

#[test]
fn output_is_capped_the_same_way_after_either_start() {
    let source = "print('x' * 100000)\ndef act(obs):\n    return 0\n";
    let options = cartpole_options().limits(Limits::default().with_output_bytes(1000));
    let (snapshot, cold) = both(source, &options, 1);
    assert_eq!(snapshot.stdout.len(), 1000);
    assert_eq!(snapshot, cold);
}

#[test]
fn a_full_instance_pool_is_a_resource_limit_and_frees_as_policies_drop() {
    let engine = Engine::new(EngineConfig::default().pooled_instances(3)).expect("engine");
    let source = PolicySource::python(GOOD_POLICY);
    let options = cartpole_options();
    let live: Vec<Policy> = (0..3)
        .map(|_| engine.load(&source, &options).expect("a slot is free"))
        .collect();
    let crash = engine.load(&source, &options).unwrap_err();
    assert_eq!(crash.kind, CrashKind::ResourceLimit, "{crash:#?}");
    assert!(crash.message.contains("pool"), "{}", crash.message);
    drop(live);
    let mut policy = engine
        .load(&source, &options)
        .expect("slots are free again");
    policy.reset().unwrap();
    assert!(matches!(policy.act(&OBS), Ok(Action::Int(_))));
}

#[test]
fn many_snapshot_policies_live_at_once_stay_isolated() {
    // Each writes its own index into module state the snapshot shares copy-on-write.
    let source = |i: usize| {
        format!("import math\nmath.MY_INDEX = {i}\ndef act(obs):\n    return math.MY_INDEX % 2\n")
    };
    let mut policies: Vec<Policy> = (0..40)
        .map(|i| {
            engine()
                .load(&PolicySource::python(source(i)), &cartpole_options())
                .unwrap()
        })
        .collect();
    for (i, policy) in policies.iter_mut().enumerate() {
        policy.reset().unwrap();
        assert_eq!(policy.act(&OBS).unwrap(), Action::Int((i % 2) as i64));
    }
    // A fresh policy does not see what the others wrote into the shared-looking module.
    let probe = "import math\nprint(hasattr(math, 'MY_INDEX'))\ndef act(obs):\n    return 0\n";
    assert_eq!(
        run(engine(), probe, &cartpole_options(), 0).stdout,
        "False\n"
    );
}
