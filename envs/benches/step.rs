//! Criterion benchmark of one `step` of each classic-control env (through the registry's
//! wrappers, as users step them). `scripts/bench-envs.sh` compares with Gymnasium.

use criterion::{Criterion, criterion_group, criterion_main};
use ppo_sandbox_envs::{Action, Registry};

fn step(c: &mut Criterion) {
    let registry = Registry::default();
    let mut group = c.benchmark_group("step");
    for (id, action) in [
        ("CartPole-v1", Action::Int(1)),
        ("MountainCar-v0", Action::Int(2)),
        ("MountainCarContinuous-v0", Action::Float(0.5)),
        ("Pendulum-v1", Action::Float(0.5)),
        ("Acrobot-v1", Action::Int(0)),
    ] {
        let mut env = registry.make(id).unwrap();
        env.reset(Some(0));
        let mut seed = 0;
        group.bench_function(id, |b| {
            b.iter(|| {
                let step = env.step(std::hint::black_box(&action)).unwrap();
                if step.done() {
                    seed += 1;
                    env.reset(Some(seed));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
