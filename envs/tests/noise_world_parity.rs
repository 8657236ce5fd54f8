//! Replays episodes of PromptPO's own NoiseWorld (`tests/reference/promptpo-noise-world.json`)
//! on `NoiseWorldBoard0-v0` .. `NoiseWorldBoard6-v0`: the same boards, and with the same
//! actions the same cells, rewards, flags and milestone progress, including the stochastic
//! moves and PromptPO's seeding (episodes with seed null continue the generator).
//!
//! NoiseWorld is not part of Gymnasium, so `scripts/gym-reference.sh` does not make this
//! file. It was recorded from PromptPO's public implementation (commit 3490003, numpy 2.4):
//! for each of its seven named boards, five episodes with reset seeds None, 5, None, 17, None
//! and actions drawn by `np.random.default_rng(100 * board + episode).choice(4, p=[0.15,
//! 0.35, 0.15, 0.35])`, storing per step the action, position, reward, terminated, truncated
//! and (on prerequisite boards) the two milestone flags, plus each board's cell codes.

use std::path::PathBuf;

use ppo_sandbox_envs::{Action, Env, Registry};
use serde_json::Value;

fn number(value: &Value) -> f64 {
    value.as_f64().expect("a number")
}

#[test]
fn noise_world_replays_promptpo_episodes() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/promptpo-noise-world.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let data: Value = serde_json::from_str(&text).expect("valid JSON");
    let boards = data["boards"].as_array().expect("boards");
    assert_eq!(boards.len(), 7);
    let registry = Registry::default();
    let mut steps = 0;
    for board in boards {
        let id = board["id"].as_str().expect("an id");
        let mut env = registry.make(id).unwrap_or_else(|err| panic!("{err}"));
        let codes: Vec<f64> = board["board"]
            .as_array()
            .expect("codes")
            .iter()
            .map(number)
            .collect();
        let episodes = board["episodes"].as_array().expect("episodes");
        assert!(!episodes.is_empty(), "{id}");
        for episode in episodes {
            let observation = env.reset(episode["seed"].as_u64());
            assert_eq!(&observation[4..4 + codes.len()], &codes[..], "{id}: board");
            for (t, step) in episode["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .enumerate()
            {
                let expected = step.as_array().expect("a step");
                let at = format!("{id} seed {} step {t}", episode["seed"]);
                let action = Action::Int(expected[0].as_i64().expect("an action"));
                let got = env
                    .step(&action)
                    .unwrap_or_else(|err| panic!("{at}: {err}"));
                assert_eq!(
                    &got.observation[..2],
                    &[number(&expected[1]), number(&expected[2])],
                    "{at}: position"
                );
                assert_eq!(got.reward, number(&expected[3]), "{at}: reward");
                assert_eq!(
                    got.terminated,
                    number(&expected[4]) == 1.0,
                    "{at}: terminated"
                );
                // PromptPO leaves `truncated` false on a terminating last step; our time limit,
                // like Gymnasium's, sets it there too.
                if !got.terminated {
                    assert_eq!(
                        got.truncated,
                        number(&expected[5]) == 1.0,
                        "{at}: truncated"
                    );
                }
                if expected.len() > 6 {
                    let flags = &got.observation[got.observation.len() - 2..];
                    assert_eq!(
                        flags,
                        &[number(&expected[6]), number(&expected[7])],
                        "{at}: milestones"
                    );
                }
                steps += 1;
            }
        }
    }
    assert!(steps > 1000, "only {steps} steps");
}
