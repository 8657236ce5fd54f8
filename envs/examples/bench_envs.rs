//! Steps per second of each native environment, for `scripts/bench-envs.sh` (which sets them
//! beside Gymnasium's). Actions are drawn from a fixed-seed generator, resetting on episode
//! end, as the Python side does. Prints JSON.
//!
//! `cargo run --release --example bench_envs`

use std::time::Instant;

use ppo_sandbox_envs::{Action, NpRandom, Registry, Space};

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

fn main() {
    let registry = Registry::default();
    let steps = 200_000;
    let mut rows = Vec::new();
    for id in ENVS {
        let mut env = registry.make(id).unwrap();
        let space = env.action_space().clone();
        let mut rng = NpRandom::from_seed(0);
        let actions: Vec<Action> = (0..steps)
            .map(|_| random_action(&space, &mut rng))
            .collect();
        env.reset(Some(0));
        let start = Instant::now();
        let mut episode = 0;
        for action in &actions {
            let step = env.step(action).unwrap();
            if step.done() {
                episode += 1;
                env.reset(Some(episode));
            }
        }
        let per_second = steps as f64 / start.elapsed().as_secs_f64();
        rows.push(format!("\"{id}\": {per_second:.0}"));
    }
    println!("{{{}}}", rows.join(", "));
}
