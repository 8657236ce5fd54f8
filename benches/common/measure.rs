//! Measuring helpers shared by the comparison examples.

#![allow(dead_code)]

use ppo_sandbox_engine::{Engine, LoadOptions, PolicySource};

pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// (resident, private) bytes of this process (Linux `smaps_rollup`).
pub fn memory_bytes() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let field = |name: &str| -> u64 {
        text.lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (
        field("Rss:"),
        field("Private_Clean:") + field("Private_Dirty:"),
    )
}

/// (resident, private) MiB that each of `live` loaded policies (each having acted once on
/// `obs`) adds to this process.
pub fn mib_per_live_policy(
    engine: &Engine,
    source: &PolicySource,
    options: &LoadOptions,
    obs: &[f64],
    live: usize,
) -> (f64, f64) {
    let before = memory_bytes();
    let held: Vec<_> = (0..live)
        .map(|_| {
            let mut policy = engine.load(source, options).unwrap();
            policy.reset().unwrap();
            policy.act(obs).unwrap();
            policy
        })
        .collect();
    let after = memory_bytes();
    drop(held);
    let per = |a: u64, b: u64| a.saturating_sub(b) as f64 / live as f64 / (1024.0 * 1024.0);
    (per(after.0, before.0), per(after.1, before.1))
}
