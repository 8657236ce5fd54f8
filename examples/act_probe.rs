//! Where an `act` call's time goes: the same call with policies of growing work, timed in one
//! run. `cargo run --release --example act_probe [NAME] [ROUNDS]`: only the policies whose
//! name contains NAME, each timed for ROUNDS rounds of 20,000 calls (default 20), as a target
//! for `perf record`.

use std::time::Instant;

use ppo_sandbox_engine::envs;
use ppo_sandbox_engine::{Engine, EngineConfig, LoadOptions, PolicySource};

fn main() {
    let engine = Engine::new(EngineConfig::default()).expect("engine");
    let options = LoadOptions::for_env(envs::make("CartPole-v1").unwrap().description());
    let obs = [0.012, -0.18, 0.031, 0.27];
    let mut args = std::env::args().skip(1);
    let only = args.next().unwrap_or_default();
    let rounds: usize = args
        .next()
        .map_or(20, |r| r.parse().expect("ROUNDS: a count"));
    for (name, source) in [
        ("return 0", "def act(obs):\n    return 0\n"),
        (
            "one index",
            "def act(obs):\n    return 1 if obs[2] > 0 else 0\n",
        ),
        (
            "one field",
            "def act(obs):\n    return 1 if obs.pole_angle > 0 else 0\n",
        ),
        (
            "unpack",
            "def act(obs):\n    x, v, th, w = obs\n    return 1 if th + 0.5 * w + 0.01 * x + 0.1 * v > 0 else 0\n",
        ),
        (
            "global list index",
            "L = [0.1, 0.2, 0.3, 0.4]\ndef act(obs):\n    return 1 if L[2] > 0 else 0\n",
        ),
        (
            "LIN (bench)",
            "def act(obs):\n    th, th_dot, x, x_dot = obs[2], obs[3], obs[0], obs[1]\n    return 1 if th + 0.5 * th_dot + 0.01 * x + 0.1 * x_dot > 0 else 0\n",
        ),
        (
            "ZIP (bench)",
            "W = (0.01, 0.1, 1.0, 0.5)\ndef act(obs):\n    return 1 if sum(w * o for w, o in zip(W, obs)) > 0 else 0\n",
        ),
        (
            "for loop",
            "W = (0.01, 0.1, 1.0, 0.5)\ndef act(obs):\n    s = 0.0\n    for i in range(4):\n        s += W[i] * obs[i]\n    return 1 if s > 0 else 0\n",
        ),
        (
            "class method",
            "class P:\n    def act(self, obs):\n        return 0\n",
        ),
    ]
    .into_iter()
    .filter(|(name, _)| name.contains(&only))
    {
        let mut policy = engine
            .load(&PolicySource::python(source), &options)
            .unwrap();
        policy.reset().unwrap();
        let fuel_before = policy.episode_fuel_used();
        policy.act(&obs).unwrap();
        let fuel = policy.episode_fuel_used() - fuel_before;
        let mut best = f64::MAX;
        for _ in 0..rounds {
            let start = Instant::now();
            for _ in 0..20_000 {
                policy.act(std::hint::black_box(&obs)).unwrap();
            }
            best = best.min(start.elapsed().as_nanos() as f64 / 20_000.0);
        }
        println!("{name:<18} {best:>8.0} ns {fuel:>8} fuel");
    }
}
