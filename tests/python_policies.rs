//! The other side of the sandbox: policies written the way models write them load and run,
//! the observation behaves as documented, and runs are deterministic.

mod common;

use common::*;
use ppo_sandbox_engine::envs::{self, Action, Env};
use ppo_sandbox_engine::{CrashKind, Limits, LoadOptions, PolicySource, RolloutConfig, rollout};

fn run_episodes(
    env_id: &str,
    source: &str,
    episodes: u32,
    seed: u64,
) -> ppo_sandbox_engine::RolloutReport {
    let mut env = envs::make(env_id).unwrap();
    let config = RolloutConfig {
        episodes,
        seed,
        ..Default::default()
    };
    rollout(engine(), &PolicySource::python(source), &mut env, &config)
}

fn assert_runs(env_id: &str, source: &str) -> ppo_sandbox_engine::RolloutReport {
    let report = run_episodes(env_id, source, 2, 11);
    assert_no_crash(&report, "");
    assert_eq!(report.episodes.len(), 2);
    report
}

#[test]
fn observation_is_a_list_with_named_fields() {
    let source = r#"
def act(obs):
    assert isinstance(obs, list) and len(obs) == 4
    x, x_dot, theta, theta_dot = obs
    assert obs[2] == theta == obs.pole_angle and obs[-1] == obs.pole_angular_velocity
    assert obs[1:3] == [x_dot, theta] and list(obs) == [x, x_dot, theta, theta_dot]
    assert obs.cart_position == x and obs.cart_velocity == x_dot
    assert obs.tolist() == [x, x_dot, theta, theta_dot]
    assert sum(v for v in obs) == x + x_dot + theta + theta_dot
    obs[0] = 99.0  # mutating it is allowed and harms nothing
    return 1 if theta + 0.5 * theta_dot > 0 else 0
"#;
    let report = assert_runs("CartPole-v1", source);
    assert!(report.mean_return().unwrap() > 100.0);
}

#[test]
fn a_named_field_follows_its_element_and_the_observation_type_is_read_only() {
    // Named fields are read through a fast path keyed on the observation type; the type
    // itself can no longer be patched, and a field whose element is gone raises as before.
    let source = r#"
def act(obs):
    angle = obs.pole_angle
    obs[2] = 0.5
    assert obs.pole_angle == 0.5 and getattr(obs, "pole_" + "angle") == 0.5
    try:
        type(obs).pole_angle = property(lambda self: 0.0)
    except TypeError:
        pass
    else:
        raise AssertionError("the observation type was patched")
    del obs[1:]
    try:
        obs.pole_angle
    except IndexError:
        pass
    else:
        raise AssertionError("a field past the end was read")
    return 1 if angle > 0 else 0
"#;
    assert_runs("CartPole-v1", source);
}

#[test]
fn discrete_observations_are_plain_ints() {
    let source = r#"
def act(obs):
    assert type(obs) is int
    row, col = divmod(obs, 4)
    return 2 if col < 3 else 1
"#;
    assert_runs("FrozenLake-v1", source);
}

#[test]
fn box_actions_as_float_list_and_tuple() {
    assert_runs(
        "Pendulum-v1",
        "def act(obs):\n    return -2.0 * obs[2] / 8.0\n",
    );
    assert_runs(
        "Pendulum-v1",
        "def act(obs):\n    return [max(-2.0, min(2.0, -obs.theta_dot))] if hasattr(obs, 'theta_dot') else [0.0]\n",
    );
    assert_runs(
        "MountainCarContinuous-v0",
        "def act(obs):\n    return (1.0 if obs[1] >= 0 else -1.0,)\n",
    );
    assert_runs("MountainCarContinuous-v0", "def act(obs):\n    return 1\n");
}

#[test]
fn int_enum_members_and_bools_count_as_ints() {
    let source = r#"
from enum import IntEnum

class Push(IntEnum):
    LEFT = 0
    RIGHT = 1

def act(obs):
    return Push.RIGHT if obs.pole_angle > 0 else Push.LEFT
"#;
    assert!(assert_runs("CartPole-v1", source).mean_return().unwrap() > 30.0);
    assert_runs(
        "CartPole-v1",
        "def act(obs):\n    return obs.pole_angle > 0\n",
    );
}

#[test]
fn an_action_that_lies_through_dunder_methods_is_read_as_what_it_is() {
    // An int subclass whose __int__/__index__/__eq__ claim another value: the runner reads
    // the payload (1), never the methods.
    let source = r#"
class Liar(int):
    def __int__(self): return 0
    def __index__(self): return 0
    def __eq__(self, other): return True
    def __hash__(self): return 0

def act(obs):
    return Liar(1)
"#;
    let mut policy = load(source).unwrap();
    policy.reset().unwrap();
    assert_eq!(policy.act(&OBS).unwrap(), Action::Int(1));
    // An object that only pretends to be a number is refused.
    let source = "class Fake:\n    def __int__(self): return 1\n    def __index__(self): return 1\n    def __float__(self): return 1.0\ndef act(obs):\n    return Fake()\n";
    assert_eq!(
        crash_of(source, Default::default(), 1).kind,
        CrashKind::InvalidAction
    );
}

const MODEL_STYLE_CARTPOLE: &str = r#"
from __future__ import annotations

import heapq
import itertools
import math
import random
import statistics
from collections import defaultdict, deque, namedtuple, Counter
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from functools import lru_cache, reduce
from typing import Dict, List, Optional, Tuple


class Action(IntEnum):
    LEFT = 0
    RIGHT = 1


class Mode(Enum):
    BALANCE = "balance"
    RECOVER = "recover"


State = namedtuple("State", "x x_dot theta theta_dot")


@dataclass
class Gains:
    angle: float = 1.0
    rate: float = 0.5
    position: float = 0.01
    velocity: float = 0.1
    history: List[float] = field(default_factory=list)


@lru_cache(maxsize=None)
def threshold(level: int) -> float:
    return 0.0 if level == 0 else threshold(level - 1) * 0.5


# "Planning at import time": a small lookup table built when the module loads.
TABLE: Dict[Tuple[int, int], int] = {
    (a, b): int(a + b > 0) for a, b in itertools.product(range(-3, 4), repeat=2)
}
PRIORITIES = [(abs(v), k) for k, v in TABLE.items()]
heapq.heapify(PRIORITIES)


class Policy:
    def __init__(self) -> None:
        self.gains = Gains()
        self.window: deque[float] = deque(maxlen=10)
        self.counts: Counter = Counter()
        self.visits: defaultdict = defaultdict(int)
        self.mode = Mode.BALANCE
        self.rng = random.Random(0)

    def reset(self) -> None:
        self.window.clear()
        self.mode = Mode.BALANCE

    def score(self, s: State) -> float:
        g = self.gains
        return g.angle * s.theta + g.rate * s.theta_dot + g.position * s.x + g.velocity * s.x_dot

    def act(self, obs) -> int:
        s = State(*obs)
        value = self.score(s)
        self.window.append(value)
        trend = statistics.fmean(self.window) if self.window else 0.0
        match self.mode:
            case Mode.BALANCE if abs(s.theta) > 0.15:
                self.mode = Mode.RECOVER
            case Mode.RECOVER if abs(s.theta) < 0.05:
                self.mode = Mode.BALANCE
            case _:
                pass
        self.counts[self.mode.value] += 1
        self.visits[round(s.theta, 1)] += 1
        total = reduce(lambda a, b: a + b, [value, 0.0 * trend], 0.0)
        if (choice := Action.RIGHT if total > threshold(3) else Action.LEFT) is Action.RIGHT:
            label = f"{choice.name}:{total:.3f}"
            assert label.startswith("RIGHT")
        _ = math.copysign(1.0, total) * self.rng.random()
        return choice
"#;

#[test]
fn model_style_policies_load_and_run() {
    let report = assert_runs("CartPole-v1", MODEL_STYLE_CARTPOLE);
    assert!(
        report.mean_return().unwrap() > 100.0,
        "{:?}",
        report.returns()
    );
}

#[test]
fn dataclass_frozen_lake_planner_runs() {
    // Value iteration at import time over the known FrozenLake map, the way models plan.
    let source = r#"
from dataclasses import dataclass
from typing import List

MAP = ["SFFF", "FHFH", "FFFH", "HFFG"]
N = 4

@dataclass(frozen=True)
class Cell:
    row: int
    col: int

    def moves(self) -> List["Cell"]:
        steps = [(0, -1), (1, 0), (0, 1), (-1, 0)]
        return [Cell(min(max(self.row + dr, 0), N - 1), min(max(self.col + dc, 0), N - 1)) for dr, dc in steps]

def plan() -> List[int]:
    values = [0.0] * (N * N)
    for _ in range(100):
        for s in range(N * N):
            r, c = divmod(s, N)
            if MAP[r][c] in "HG":
                values[s] = 1.0 if MAP[r][c] == "G" else 0.0
                continue
            cell = Cell(r, c)
            best = 0.0
            for a in range(4):
                outcomes = [cell.moves()[(a + d) % 4] for d in (-1, 0, 1)]
                best = max(best, sum(values[o.row * N + o.col] for o in outcomes) / 3)
            values[s] = 0.99 * best
    policy = []
    for s in range(N * N):
        r, c = divmod(s, N)
        cell = Cell(r, c)
        scores = [sum(values[o.row * N + o.col] for o in [cell.moves()[(a + d) % 4] for d in (-1, 0, 1)]) for a in range(4)]
        policy.append(max(range(4), key=lambda a: scores[a]))
    return policy

POLICY = plan()

def act(obs):
    return POLICY[obs]
"#;
    let report = run_episodes("FrozenLake-v1", source, 20, 0);
    assert!(!report.crashed());
    assert!(
        report.mean_return().unwrap() > 0.3,
        "planner should reach the goal often: {:?}",
        report.returns()
    );
}

#[test]
fn same_seed_same_trajectory_and_random_is_seeded() {
    let source = "import random, time\ndef act(obs):\n    t = time.time()\n    return 1 if random.random() + 0.0 * t < 0.5 else 0\n";
    let a = run_episodes("CartPole-v1", source, 3, 5);
    let b = run_episodes("CartPole-v1", source, 3, 5);
    assert!(!a.crashed());
    assert_eq!(a, b);
    let c = run_episodes("CartPole-v1", source, 3, 6);
    assert_ne!(a.returns(), c.returns());
}

#[test]
fn os_urandom_and_uuid_are_seeded_per_policy() {
    let source =
        "import os\nTOKEN = os.urandom(8).hex()\nprint(TOKEN)\ndef act(obs):\n    return 0\n";
    let options = |seed| cartpole_options().seed(seed);
    let token = |seed| {
        let mut policy = engine()
            .load(&PolicySource::python(source), &options(seed))
            .unwrap();
        policy.take_output().stdout
    };
    assert_eq!(token(1), token(1));
    assert_ne!(token(1), token(2));
}

#[test]
fn reset_is_called_at_each_episode_start() {
    let source = "class Policy:\n    def __init__(self):\n        self.episodes = 0\n    def reset(self):\n        self.episodes += 1\n    def act(self, obs):\n        print(self.episodes)\n        return 0\n";
    let report = run_episodes("CartPole-v1", source, 3, 0);
    let first_lines: Vec<_> = report
        .episodes
        .iter()
        .map(|e| e.output.stdout.lines().next().unwrap().to_owned())
        .collect();
    assert_eq!(first_lines, ["1", "2", "3"]);
}

#[test]
fn a_crash_ends_only_its_episode() {
    let source = "import random\ndef act(obs):\n    if random.random() < 0.02:\n        raise ValueError('unlucky')\n    return 1 if obs.pole_angle > 0 else 0\n";
    let report = run_episodes("CartPole-v1", source, 4, 1);
    assert_eq!(report.episodes.len(), 4);
    assert!(report.episodes.iter().any(|e| {
        e.crash
            .as_ref()
            .is_some_and(|c| c.kind == CrashKind::PythonException)
    }));
}

#[test]
fn max_steps_truncates() {
    let report = {
        let mut env = envs::make("CartPole-v1").unwrap();
        let config = RolloutConfig {
            episodes: 1,
            seed: 0,
            max_steps: Some(7),
            ..Default::default()
        };
        rollout(
            engine(),
            &PolicySource::python(GOOD_POLICY),
            &mut env,
            &config,
        )
    };
    assert_eq!(
        (report.episodes[0].length, report.episodes[0].truncated),
        (7, true)
    );
}

#[test]
fn a_policy_object_instance_may_be_defined_at_module_level() {
    let source =
        "class Controller:\n    def act(self, obs):\n        return 0\ncontroller = Controller()\n";
    let mut policy = engine()
        .load(
            &PolicySource::python(source),
            &LoadOptions::for_env(envs::make("CartPole-v1").unwrap().description()),
        )
        .unwrap();
    policy.reset().unwrap();
    assert_eq!(policy.act(&OBS).unwrap(), Action::Int(0));
    let env = envs::make("CartPole-v1").unwrap();
    assert_eq!(env.description().id, "CartPole-v1");
}

#[test]
fn every_env_starter_policy_loads_and_acts() {
    let registry = envs::Registry::default();
    for id in registry.ids() {
        let description = registry.describe(id).unwrap();
        let mut env = registry.make(id).unwrap();
        let config = RolloutConfig {
            episodes: 1,
            seed: 0,
            max_steps: Some(50),
            ..Default::default()
        };
        let report = rollout(
            engine(),
            &PolicySource::python(description.starter_policy.clone()),
            &mut env,
            &config,
        );
        assert_no_crash(&report, &format!("{id}: "));
    }
}

#[test]
fn a_policy_that_keeps_last_steps_observation_never_sees_it_change() {
    let source = r#"
kept = []
def act(obs):
    if kept:
        first, snapshot = kept[0]
        assert first == snapshot, (first, snapshot)
    else:
        kept.append((obs, list(obs)))
    return 1 if obs.pole_angle > 0 else 0
"#;
    let report = run_episodes("CartPole-v1", source, 1, 2);
    assert_no_crash(&report, "");
    assert!(report.episodes[0].length > 5);
}

#[test]
fn observations_refilled_in_place_still_carry_each_steps_values() {
    let source = "def act(obs):\n    print(obs[0], obs.cart_velocity)\n    return 1 if obs.pole_angle > 0 else 0\n";
    let mut env = envs::make("CartPole-v1").unwrap();
    let mut policy = engine()
        .load(&PolicySource::python(source), &cartpole_options())
        .unwrap();
    policy.reset().unwrap();
    let mut obs = env.reset(Some(9));
    let mut expected = Vec::new();
    for _ in 0..20 {
        expected.push([obs[0], obs[1]]);
        let step = env.step(&policy.act(&obs).unwrap()).unwrap();
        obs = step.observation;
    }
    let printed: Vec<[f64; 2]> = policy
        .take_output()
        .stdout
        .lines()
        .map(|line| {
            let mut values = line.split(' ').map(|v| v.parse::<f64>().unwrap());
            [values.next().unwrap(), values.next().unwrap()]
        })
        .collect();
    assert_eq!(printed, expected);
}

#[test]
fn a_policy_that_names_no_field_gets_a_plain_list_and_one_that_does_gets_fields() {
    assert_runs(
        "CartPole-v1",
        "def act(obs):\n    assert type(obs) is list\n    return 1 if obs[2] > 0 else 0\n",
    );
    // Named access in any spelling that mentions the name works.
    assert_runs(
        "CartPole-v1",
        "def act(obs):\n    return 1 if getattr(obs, 'pole_angle') > 0 else 0\n",
    );
    assert_runs(
        "CartPole-v1",
        "def act(obs):\n    v = obs.tolist()\n    return 1 if v[2] > 0 else 0\n",
    );
}

#[test]
fn one_engine_runs_policies_on_several_threads_with_the_same_results() {
    let source = "import random\ndef act(obs):\n    return 1 if obs[2] + 0.1 * random.random() > 0.05 else 0\n";
    let sequential: Vec<_> = (0..4)
        .map(|seed| run_episodes("CartPole-v1", source, 2, seed))
        .collect();
    let threads: Vec<_> = (0..4)
        .map(|seed| std::thread::spawn(move || run_episodes("CartPole-v1", source, 2, seed)))
        .collect();
    let parallel: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(sequential, parallel);
}

#[test]
fn engine_and_policies_cross_threads() {
    fn shareable<T: Send + Sync + Clone>() {}
    fn movable<T: Send>() {}
    shareable::<ppo_sandbox_engine::Engine>();
    movable::<ppo_sandbox_engine::Policy>();
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark_are_accepted() {
    let options = cartpole_options();
    for source in [
        &b"import math\r\n\r\ndef act(obs):\r\n    return 0\r\n"[..],
        b"\xef\xbb\xbfdef act(obs):\n    return 0\n",
    ] {
        let mut policy = engine()
            .load(&PolicySource::python_bytes(source.to_vec()), &options)
            .unwrap();
        policy.reset().unwrap();
        assert_eq!(policy.act(&OBS).unwrap(), Action::Int(0));
    }
}

/// Policies that `import numpy as np` by habit get the sandbox's pure-Python stand-in.
#[test]
fn numpy_style_policies_run_on_the_numpy_stand_in() {
    let cartpole = r#"
import numpy as np

class Policy:
    def __init__(self):
        self.w = np.array([0.1, 0.5, 1.0, 0.5], dtype=np.float64)

    def act(self, obs):
        x = np.asarray(obs, dtype=float)
        score = float(np.dot(self.w, x)) + 0.0 * np.linalg.norm(x)
        return int(score > 0)
"#;
    let report = assert_runs("CartPole-v1", cartpole);
    assert!(
        report.mean_return().unwrap() > 400.0,
        "{:?}",
        report.returns()
    );

    // A Pendulum controller returning a numpy array (read as a list of floats) or a numpy
    // float: both are actions, and the same controller gives the same returns either way.
    let pendulum = |ret: &str| {
        format!(
            r#"
import numpy as np
from numpy.linalg import norm
K = np.array([[-12.0, -2.5]])

def act(obs):
    cos_th, sin_th, thdot = obs
    theta = np.arctan2(sin_th, cos_th)
    state = np.array([theta, thdot])
    u = np.clip((K @ state)[0], -2.0, 2.0)
    assert norm(state) >= 0 and state.shape == (2,)
    {ret}
"#
        )
    };
    let as_array = assert_runs("Pendulum-v1", &pendulum("return np.array([u])"));
    let as_float = assert_runs("Pendulum-v1", &pendulum("return np.float32(u)"));
    assert_eq!(as_array.returns(), as_float.returns());

    // numpy.random draws from the sandbox's seeded `random`: same seed, same returns.
    let noisy = "import numpy as np\nrng = np.random.default_rng(3)\ndef act(obs):\n    return int(obs[2] + 0.05 * np.random.randn() + 0.01 * rng.normal() > 0)\n";
    let first = run_episodes("CartPole-v1", noisy, 2, 5);
    let again = run_episodes("CartPole-v1", noisy, 2, 5);
    assert!(!first.crashed());
    assert_eq!(first.returns(), again.returns());

    // What the stand-in lacks is a clear Python error, not a hang or a host failure.
    let report = run_episodes(
        "CartPole-v1",
        "import numpy as np\ndef act(obs):\n    return int(np.fft.fft(obs)[0] > 0)\n",
        1,
        0,
    );
    let crash = report.crashes().next().expect("np.fft is missing");
    assert_eq!(crash.kind, CrashKind::PythonException);
    assert_eq!(crash.exception_type.as_deref(), Some("AttributeError"));
    assert!(crash.message.contains("subset"), "{}", crash.message);
}

/// The guest's allocator caches freed small blocks per size class while a policy acts; each
/// class's cache is bounded, so memory freed as one kind of object serves the next kind.
/// Measured here: the floats alone need about 100 MiB and the byte strings about 120 MiB; a
/// cache that kept every freed float would need about 167 MiB for the sequence.
#[test]
fn memory_freed_as_small_objects_of_one_size_serves_objects_of_another() {
    let source = "\
def churn(make, n):
    held = [make(i) for i in range(n)]
    del held
def act(obs):
    churn(float, 1_000_000)
    churn(lambda i: bytes(200), 300_000)
    churn(float, 1_000_000)
    return 0
";
    let limits = Limits::default()
        .with_memory_bytes(144 * 1024 * 1024)
        .with_act_fuel(50_000_000_000)
        .with_episode_fuel(50_000_000_000)
        .with_act_timeout_ms(60_000);
    let mut policy = load_with(source, limits).unwrap_or_else(|crash| panic!("{crash:#?}"));
    policy.reset().unwrap();
    for _ in 0..2 {
        let action = policy
            .act(&OBS)
            .unwrap_or_else(|crash| panic!("{crash:#?}"));
        assert_eq!(action, Action::Int(0));
    }
}

/// Parallel assignments that the guest compiles without their tuple (four or more distinct
/// locals) and ones it leaves alone, checked against the bindings CPython gives.
const PARALLEL_ASSIGNMENTS: &str = r#"
def swap(a, b, c, d):
    a, b, c, d = d, c, b, a  # every value a borrowed load of a target
    return a, b, c, d

def rotate(a, b, c, d, e):
    for _ in range(3):
        a, b, c, d, e = b, c, d, e, a
    return [a, b, c, d, e]

def walrus(a, b, c, d):
    a, b, c, d = (d := a + 10), d, c, b
    return a, b, c, d

def repeated(x):
    a, b, a, c = x, x + 1, x + 2, x + 3  # the last binding of `a` wins
    return a, b, c

def mixed(obj, items):
    obj.a, items[0], x, y = 1, 2, 3, 4
    first, *rest, last = 1, 2, 3, 4, 5
    return obj.a, items[0], x, y, first, rest, last

def many(x):
    v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18, v19 = (
        x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7, x + 8, x + 9,
        x + 10, x + 11, x + 12, x + 13, x + 14, x + 15, x + 16, x + 17, x + 18, x + 19)
    return [v0, v5, v15, v16, v19]

def in_handler(a, b, c, d):
    try:
        raise ValueError
    except ValueError:
        a, b, c, d = b, a, d, c
    return a, b, c, d

def closure(a, b, c, d):
    def inner():
        return a + b + c + d
    a, b, c, d = d, c, b, a  # cells: stored with STORE_DEREF, left alone
    return inner(), a

def raising(zero):
    a, b, c, d = 1, 2, 3, 1 / zero

class Point:
    def __init__(self, x, y, z, w):
        self.x, self.y = x, y
        p, q, r, s = w, z, y, x
        self.total = (p, q, r, s)

class Holder:
    pass

m1, m2, m3, m4 = 4, 3, 2, 1  # module level: STORE_NAME, left alone
assert (m1, m2, m3, m4) == (4, 3, 2, 1)
# Fresh lists: each held by one local only, so a store that freed one early would show.
assert swap([1], [2], [3], [4]) == ([4], [3], [2], [1])
assert rotate(1, 2, 3, 4, 5) == [4, 5, 1, 2, 3]
assert walrus(1, 2, 3, 4) == (11, 11, 3, 2), walrus(1, 2, 3, 4)
assert repeated(10) == (12, 11, 13)
assert mixed(Holder(), [0]) == (1, 2, 3, 4, 1, [2, 3, 4], 5)
assert many(100) == [100, 105, 115, 116, 119]
assert in_handler(1, 2, 3, 4) == (2, 1, 4, 3)
assert closure(1, 2, 3, 4) == (10, 4)
assert Point(1, 2, 3, 4).total == (4, 3, 2, 1)
assert [(d, c, b, a) for a, b, c, d in [(1, 2, 3, 4)]] == [(4, 3, 2, 1)]
line = None
try:
    raising(0)
except ZeroDivisionError as error:
    line = error.__traceback__.tb_next.tb_lineno
assert line == raising.__code__.co_firstlineno + 1, line

def act(obs):
    x, x_dot, theta, theta_dot = obs[0], obs[1], obs[2], obs[3]
    assert [x, x_dot, theta, theta_dot] == list(obs)
    return 1 if theta + 0.5 * theta_dot > 0 else 0
"#;

#[test]
fn parallel_assignments_bind_as_in_cpython() {
    let report = assert_runs("CartPole-v1", PARALLEL_ASSIGNMENTS);
    assert!(report.mean_return().unwrap() > 100.0);
}

#[test]
fn a_parallel_assignment_with_hundreds_of_names_runs() {
    // Past 255 values the tuple's size needs an extended argument: left as compiled.
    let names: Vec<String> = (0..300).map(|i| format!("v{i}")).collect();
    let values: Vec<String> = (0..300).map(|i| format!("x + {i}")).collect();
    let source = format!(
        "def f(x):\n    {} = {}\n    return v0 + v299\nassert f(1) == 301\ndef act(obs):\n    return 0\n",
        names.join(", "),
        values.join(", ")
    );
    assert_runs("CartPole-v1", &source);
}

#[test]
fn a_parallel_assignment_of_distinct_locals_builds_no_tuple() {
    // The same instructions but for one repeated name, which keeps the tuple: the fuel of
    // one `act` tells whether a tuple was built and unpacked (about 1,700 units here).
    let fuel_of_one_act = |targets: &str| {
        let source = format!(
            "def act(obs):\n    {targets} = obs[0], obs[1], obs[2], obs[3]\n    return 0\n"
        );
        let mut policy = engine()
            .load(&PolicySource::python(source), &cartpole_options())
            .unwrap();
        policy.reset().unwrap();
        policy.act(&[0.1, 0.2, 0.3, 0.4]).unwrap();
        let before = policy.episode_fuel_used();
        policy.act(&[0.1, 0.2, 0.3, 0.4]).unwrap();
        policy.episode_fuel_used() - before
    };
    let distinct = fuel_of_one_act("a, b, c, d");
    let repeated = fuel_of_one_act("a, b, c, a");
    assert!(
        distinct + 1_000 < repeated,
        "distinct names {distinct} fuel, a repeated name {repeated}"
    );
}

#[test]
fn a_crlf_source_with_a_parallel_assignment_reads_its_strings_as_before() {
    // Such a source is compiled a second time to drop the tuple: through the same entry
    // point as the first, which reads "\r\n" inside a string as "\n".
    let source = b"DOC = \"\"\"a\r\nb\"\"\"\r\ndef act(obs):\r\n    a, b, c, d = obs[0], obs[1], obs[2], obs[3]\r\n    return 1 if DOC == \"a\\nb\" else 0\r\n";
    let mut policy = engine()
        .load(
            &PolicySource::python_bytes(source.to_vec()),
            &cartpole_options(),
        )
        .unwrap();
    policy.reset().unwrap();
    assert_eq!(policy.act(&OBS).unwrap(), Action::Int(1));
}
