//! Steps per second of each native environment, for `scripts/bench-envs.sh` (which sets them
//! beside Gymnasium's). Actions are drawn from a fixed-seed generator, resetting on episode
//! end, as the Python side does. Prints JSON: `<id>` is `Env::step_into` with one reused
//! observation buffer, the step the engine's rollout loop makes; `new:<id>` is `Env::step`,
//! which returns a freshly allocated observation as Gymnasium's `step` does.
//!
//! With the `mujoco` feature it also times the MuJoCo envs, and each one's bare physics
//! (`frame_skip` calls of `mj_step` on the same model, the same actions) as `raw:<id>`.
//!
//! `cargo run --release --example bench_envs [--features mujoco] [-- ID...]` (only the given
//! ids when some are named).

use std::time::Instant;

use ppo_sandbox_envs::{Action, Env, NpRandom, Registry, Space};

const ENVS: [&str; 8] = [
    "CartPole-v1",
    "MountainCar-v0",
    "MountainCarContinuous-v0",
    "Pendulum-v1",
    "Acrobot-v1",
    "FrozenLake-v1",
    "CliffWalking-v1",
    "Taxi-v4",
];

fn random_action(space: &Space, rng: &mut NpRandom) -> Action {
    match space {
        Space::Discrete { n, start } => Action::Int(start + (rng.next_u64() % n) as i64),
        Space::Box(b) => Action::FloatList(
            b.low
                .iter()
                .zip(&b.high)
                .map(|(&lo, &hi)| rng.uniform(lo, hi))
                .collect(),
        ),
        Space::MultiDiscrete { nvec } => {
            Action::IntList(nvec.iter().map(|n| (rng.next_u64() % n) as i64).collect())
        }
    }
}

/// Each figure is the best of this many timed rounds.
const ROUNDS: usize = 3;

/// The MuJoCo ids, timed when the `mujoco` feature is on.
fn mujoco_envs() -> Vec<&'static str> {
    if cfg!(feature = "mujoco") {
        ppo_sandbox_envs::MujocoTask::ALL
            .map(|task| task.id())
            .to_vec()
    } else {
        Vec::new()
    }
}

/// Steps per second of bare MuJoCo on the env's own model: the controls, `frame_skip`
/// `mj_step`s and nothing else, resetting the state every 1000 steps.
#[cfg(feature = "mujoco")]
fn raw_mujoco(id: &str, actions: &[Action]) -> f64 {
    use mujoco_rs::prelude::{MjData, MjModel};
    let task = ppo_sandbox_envs::MujocoTask::from_id(id).unwrap();
    let model = MjModel::from_xml(task.default_model_path().unwrap()).unwrap();
    let mut data = MjData::new(&model);
    let controls: Vec<Vec<f64>> = actions
        .iter()
        .map(|a| match a {
            Action::FloatList(values) => values.iter().map(|&v| f64::from(v as f32)).collect(),
            _ => unreachable!("MuJoCo actions are float lists"),
        })
        .collect();
    let start = Instant::now();
    for (i, control) in controls.iter().enumerate() {
        if i % 1000 == 0 {
            data.reset();
            data.forward();
        }
        data.ctrl_mut().copy_from_slice(control);
        for _ in 0..task.frame_skip() {
            data.step();
        }
    }
    controls.len() as f64 / start.elapsed().as_secs_f64()
}

/// Steps per second of `step` (which says whether the episode ended) over `actions`,
/// resetting with the next seed on each episode end.
/// Without the `mujoco` feature no MuJoCo id is timed.
#[cfg(not(feature = "mujoco"))]
fn raw_mujoco(_id: &str, _actions: &[Action]) -> f64 {
    unreachable!("no MuJoCo ids without the mujoco feature")
}

fn time_steps(
    env: &mut dyn Env,
    actions: &[Action],
    mut step: impl FnMut(&mut dyn Env, &Action, &mut Vec<f64>) -> bool,
) -> f64 {
    let mut observation = env.reset(Some(0));
    let mut episode = 0;
    let start = Instant::now();
    for action in actions {
        if step(env, action, &mut observation) {
            episode += 1;
            observation = env.reset(Some(episode));
        }
    }
    actions.len() as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let registry = Registry::default();
    let mut rows = Vec::new();
    let mujoco_envs = mujoco_envs();
    let only: Vec<String> = std::env::args().skip(1).collect();
    for id in ENVS.into_iter().chain(mujoco_envs.iter().copied()) {
        if !only.is_empty() && !only.iter().any(|wanted| wanted == id) {
            continue;
        }
        let mujoco = mujoco_envs.contains(&id);
        let steps = if mujoco {
            20_000
        } else {
            std::env::var("BENCH_STEPS").map_or(200_000, |v| v.parse().unwrap())
        };
        let mut env = registry.make(id).unwrap();
        let space = env.action_space().clone();
        let mut rng = NpRandom::from_seed(0);
        let actions: Vec<Action> = (0..steps)
            .map(|_| random_action(&space, &mut rng))
            .collect();
        // Best of ROUNDS, the three timings interleaved: the machine is shared and noisy, and
        // the fastest round is the one least disturbed.
        let (mut into, mut fresh, mut raw) = (0.0f64, 0.0f64, 0.0f64);
        for _ in 0..ROUNDS {
            into = into.max(time_steps(
                env.as_mut(),
                &actions,
                |env, action, observation| env.step_into(action, observation).unwrap().done(),
            ));
            fresh = fresh.max(time_steps(env.as_mut(), &actions, |env, action, _| {
                env.step(action).unwrap().done()
            }));
            if mujoco {
                raw = raw.max(raw_mujoco(id, &actions));
            }
        }
        rows.push(format!("\"{id}\": {into:.0}"));
        rows.push(format!("\"new:{id}\": {fresh:.0}"));
        if mujoco {
            rows.push(format!("\"raw:{id}\": {raw:.0}"));
        }
    }
    println!("{{{}}}", rows.join(", "));
}
