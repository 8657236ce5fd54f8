//! Replays Gymnasium's own episodes (recorded by `scripts/gym-reference.sh` into
//! `tests/reference/`) on the native environments: the same seed and the same actions must
//! give the same observations, rewards, `terminated` and `truncated` flags, exactly for the
//! tabular envs and within 1e-9 per value for the classic-control ones, within 1e-6 for MuJoCo (200-step
//! episodes).

use std::path::PathBuf;

use ppo_sandbox_envs::{Action, Env, Registry};
use serde_json::Value;

/// Every Gymnasium environment the crate ports, and whether its values must match exactly.
const REFERENCE_ENVS: [(&str, Match); 12] = [
    ("CartPole-v1", Match::Within(1e-9)),
    ("MountainCar-v0", Match::Within(1e-9)),
    ("MountainCarContinuous-v0", Match::Within(1e-9)),
    ("Pendulum-v1", Match::Within(1e-9)),
    ("Acrobot-v1", Match::Within(1e-9)),
    ("FrozenLake-v1", Match::Exact),
    ("FrozenLake8x8-v1", Match::Exact),
    ("FrozenLakeNotSlippery-v1", Match::Exact),
    ("FrozenLake8x8NotSlippery-v1", Match::Exact),
    ("CliffWalking-v1", Match::Exact),
    ("CliffWalkingSlippery-v1", Match::Exact),
    ("Taxi-v4", Match::Exact),
];

/// The MuJoCo envs (episodes capped at 200 steps): within 1e-6, Gymnasium's tolerance for
/// its own MuJoCo regression tests. HalfCheetah, Ant and InvertedDoublePendulum draw their
/// initial velocities from numpy's normal ziggurat, which `NpRandom` reproduces bit for bit.
#[cfg(feature = "mujoco")]
const MUJOCO_REFERENCE_ENVS: [(&str, Match); 8] = [
    ("InvertedPendulum-v5", Match::Within(1e-6)),
    ("InvertedDoublePendulum-v5", Match::Within(1e-6)),
    ("Reacher-v5", Match::Within(1e-6)),
    ("Swimmer-v5", Match::Within(1e-6)),
    ("Hopper-v5", Match::Within(1e-6)),
    ("HalfCheetah-v5", Match::Within(1e-6)),
    ("Walker2d-v5", Match::Within(1e-6)),
    ("Ant-v5", Match::Within(1e-6)),
];
#[cfg(not(feature = "mujoco"))]
const MUJOCO_REFERENCE_ENVS: [(&str, Match); 0] = [];

fn reference_envs() -> impl Iterator<Item = (&'static str, Match)> {
    REFERENCE_ENVS.into_iter().chain(MUJOCO_REFERENCE_ENVS)
}

#[derive(Clone, Copy, Debug)]
enum Match {
    Exact,
    Within(f64),
}

/// Counts the values that passed within tolerance without being bit-identical.
#[derive(Default)]
struct Inexact(usize);

impl Match {
    fn check(
        self,
        inexact: &mut Inexact,
        what: &str,
        native: f64,
        gymnasium: f64,
    ) -> Result<(), String> {
        if native.to_bits() != gymnasium.to_bits() {
            inexact.0 += 1;
        }
        let ok = match self {
            Match::Exact => native == gymnasium,
            Match::Within(tolerance) => (native - gymnasium).abs() <= tolerance,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "{what}: native {native:?}, Gymnasium {gymnasium:?}"
            ))
        }
    }

    fn check_all(
        self,
        inexact: &mut Inexact,
        what: &str,
        native: &[f64],
        gymnasium: &[f64],
    ) -> Result<(), String> {
        if native.len() != gymnasium.len() {
            return Err(format!(
                "{what}: native has {} values, Gymnasium {}",
                native.len(),
                gymnasium.len()
            ));
        }
        for (i, (&a, &b)) in native.iter().zip(gymnasium).enumerate() {
            self.check(inexact, &format!("{what}[{i}]"), a, b)?;
        }
        Ok(())
    }
}

fn reference_path(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("reference")
        .join(format!("{id}.json"))
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("a list of numbers")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

fn action(value: &Value) -> Action {
    match value {
        Value::Array(values) => Action::FloatList(
            values
                .iter()
                .map(|v| v.as_f64().expect("a float action"))
                .collect(),
        ),
        other => Action::Int(other.as_i64().expect("an int action")),
    }
}

/// Replays one environment's file; returns how many steps it compared and how many values
/// matched only within tolerance.
fn replay(id: &str, how: Match) -> Result<(usize, usize), String> {
    let path = reference_path(id);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e}; regenerate the reference files with scripts/gym-reference.sh",
            path.display()
        )
    })?;
    let data: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if data["env_id"] != id {
        return Err(format!("{} is for {}", path.display(), data["env_id"]));
    }
    let registry = Registry::default();
    let runs = data["runs"].as_array().ok_or("no runs")?;
    let mut steps = 0;
    let mut episodes = 0;
    let mut inexact = Inexact::default();
    for (r, run) in runs.iter().enumerate() {
        let mut env = registry.make(id).map_err(|e| e.to_string())?;
        for (e, episode) in run["episodes"]
            .as_array()
            .ok_or("no episodes")?
            .iter()
            .enumerate()
        {
            let at = format!("{id} run {r} episode {e} (seed {})", episode["seed"]);
            let seed = episode["seed"].as_u64();
            let observation = env.reset(seed);
            how.check_all(
                &mut inexact,
                &format!("{at}: reset observation"),
                &observation,
                &numbers(&episode["reset_observation"]),
            )?;
            let actions = episode["actions"].as_array().ok_or("no actions")?;
            if actions.is_empty() {
                return Err(format!("{at}: no steps"));
            }
            for (t, a) in actions.iter().enumerate() {
                let step = env
                    .step(&action(a))
                    .map_err(|err| format!("{at} step {t}: {err}"))?;
                let here = format!("{at} step {t}");
                how.check_all(
                    &mut inexact,
                    &format!("{here}: observation"),
                    &step.observation,
                    &numbers(&episode["observations"][t]),
                )?;
                how.check(
                    &mut inexact,
                    &format!("{here}: reward"),
                    step.reward,
                    episode["rewards"][t].as_f64().unwrap_or(f64::NAN),
                )?;
                let flags = (step.terminated, step.truncated);
                let expected = (
                    episode["terminated"][t] == true,
                    episode["truncated"][t] == true,
                );
                if flags != expected {
                    return Err(format!(
                        "{here}: (terminated, truncated) native {flags:?}, Gymnasium {expected:?}"
                    ));
                }
                steps += 1;
            }
            episodes += 1;
        }
    }
    if episodes == 0 {
        return Err(format!("{}: no episodes", path.display()));
    }
    Ok((steps, inexact.0))
}

#[test]
fn native_envs_replay_gymnasium_episodes() {
    let mut failures = Vec::new();
    for (id, how) in reference_envs() {
        match replay(id, how) {
            Ok((steps, inexact)) => {
                eprintln!("{id}: {steps} steps match, {inexact} values not bit for bit")
            }
            Err(err) => failures.push(err),
        }
    }
    assert!(
        failures.is_empty(),
        "parity failures:\n{}",
        failures.join("\n")
    );
}

/// Every Gymnasium id in the registry has a reference file (NoiseWorld is PromptPO's, not
/// Gymnasium's; its boards are checked against PromptPO's in unit tests). The MuJoCo files
/// exist in every build; they are replayed only with the `mujoco` feature.
#[test]
fn every_gymnasium_env_has_reference_episodes() {
    let registry = Registry::default();
    for id in registry.ids().filter(|id| !id.starts_with("NoiseWorld")) {
        let mujoco = ppo_sandbox_envs::MujocoTask::from_id(id).is_some();
        assert!(
            mujoco || REFERENCE_ENVS.iter().any(|(known, _)| *known == id),
            "{id} has no reference episodes"
        );
        assert!(
            reference_path(id).is_file(),
            "missing {}",
            reference_path(id).display()
        );
    }
}
