//! `CliffWalking-v1` and `CliffWalkingSlippery-v1`: Gymnasium's `toy_text/cliffwalking.py`.
//!
//! Gymnasium registers these ids without a time limit, so an episode of a policy that never
//! reaches the goal would never end. We cap them at [`CLIFF_WALKING_MAX_STEPS`] steps
//! (truncation), which no sensible policy comes near: the shortest path takes 13 steps.

use std::sync::OnceLock;

use super::tabular::{Outcome, Tabular};
use crate::{Action, Env, EnvDescription, EnvError, Space, Transition};

/// Our step cap for the CliffWalking ids (Gymnasium has none).
pub const CLIFF_WALKING_MAX_STEPS: u32 = 200;

const ROWS: usize = 4;
const COLS: usize = 12;
const START: usize = 3 * COLS;
const GOAL: usize = 3 * COLS + COLS - 1;
/// UP, RIGHT, DOWN, LEFT as (row, col) deltas.
const MOVES: [(isize, isize); 4] = [(-1, 0), (0, 1), (1, 0), (0, -1)];

/// Walk along a cliff edge from the start to the goal without stepping off it.
#[derive(Clone, Debug)]
pub struct CliffWalking {
    description: &'static EnvDescription,
    model: Tabular,
}

impl CliffWalking {
    /// A new environment; `is_slippery` is Gymnasium's argument (`CliffWalkingSlippery-v1`
    /// sets it). Call `reset` before `step`.
    pub fn new(is_slippery: bool) -> CliffWalking {
        CliffWalking {
            description: CliffWalking::describe(is_slippery),
            model: build_model(is_slippery),
        }
    }

    /// The description of a variant.
    pub fn describe(is_slippery: bool) -> &'static EnvDescription {
        static DESCRIPTIONS: [OnceLock<EnvDescription>; 2] = [const { OnceLock::new() }; 2];
        DESCRIPTIONS[usize::from(is_slippery)].get_or_init(|| description(is_slippery))
    }
}

fn is_cliff(row: usize, col: usize) -> bool {
    row == ROWS - 1 && (1..COLS - 1).contains(&col)
}

/// Gymnasium's `P` table and initial distribution.
fn build_model(is_slippery: bool) -> Tabular {
    let mut table = Vec::with_capacity(ROWS * COLS * 4);
    for s in 0..ROWS * COLS {
        let (row, col) = (s / COLS, s % COLS);
        for action in 0..4 {
            let moves: Vec<usize> = if is_slippery {
                vec![(action + 3) % 4, action, (action + 1) % 4]
            } else {
                vec![action]
            };
            let probability = 1.0 / moves.len() as f64;
            let outcomes = moves
                .iter()
                .map(|&m| {
                    let (dr, dc) = MOVES[m];
                    let new_row = row.saturating_add_signed(dr).min(ROWS - 1);
                    let new_col = col.saturating_add_signed(dc).min(COLS - 1);
                    if is_cliff(new_row, new_col) {
                        Outcome {
                            probability,
                            next_state: START,
                            reward: -100.0,
                            terminated: false,
                        }
                    } else {
                        let next_state = new_row * COLS + new_col;
                        Outcome {
                            probability,
                            next_state,
                            reward: -1.0,
                            terminated: next_state == GOAL,
                        }
                    }
                })
                .collect();
            table.push(outcomes);
        }
    }
    let initial = (0..ROWS * COLS)
        .map(|s| if s == START { 1.0 } else { 0.0 })
        .collect();
    Tabular::new(4, table, initial)
}

fn description(is_slippery: bool) -> EnvDescription {
    let moves = if is_slippery {
        "The ground is slippery: the agent moves in the intended direction with probability 1/3 and in each of \
         the two perpendicular directions with probability 1/3."
    } else {
        "Every move goes where it is meant to."
    };
    EnvDescription {
        id: if is_slippery { "CliffWalkingSlippery-v1" } else { "CliffWalking-v1" }.into(),
        summary: format!(
            "A 4x12 grid: the agent starts at the bottom-left cell (row 3, col 0) and must reach the goal at the \
             bottom-right cell (row 3, col 11). The cells between them on the bottom row (row 3, cols 1-10) are a \
             cliff: stepping onto one costs -100 and sends the agent back to the start (the episode goes on). \
             {moves} Moving into the edge of the grid leaves the agent where it is. The map (row 0 at the top; \
             S start, C cliff, G goal):\n\n    ............\n    ............\n    ............\n    SCCCCCCCCCCG\n"
        ),
        observation_space: Space::discrete((ROWS * COLS) as u64),
        observation_fields: Vec::new(),
        observation_note: "obs is a plain int, the agent's cell: obs = row * 12 + col, so `row, col = divmod(obs, 12)` \
                           (row 0 is the top row, col 0 the left column). The start is 36 and the goal 47."
            .into(),
        action_space: Space::discrete(4),
        action_meanings: vec!["0: move up".into(), "1: move right".into(), "2: move down".into(), "3: move left".into()],
        reward_source: format!(
            "MOVES = {{0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}}\n\n\
             def reward(obs, action, next_obs, terminated):\n    row, col = divmod(obs, 12)\n    \
             dr, dc = MOVES[action]{taken}\n    \
             row, col = min(max(row + dr, 0), 3), min(max(col + dc, 0), 11)\n    \
             # stepping onto the cliff costs -100 (and sends the agent back to the start, 36)\n    \
             return -100.0 if row == 3 and 1 <= col <= 10 else -1.0\n",
            taken = if is_slippery { "  # the direction actually taken, after any slip" } else { "" }
        ),
        termination: "The agent reaches the goal (cell 47). Falling off the cliff does not end the episode.".into(),
        truncation: format!(
            "After {CLIFF_WALKING_MAX_STEPS} steps. (Gymnasium registers CliffWalking without a time limit; this cap is ours.)"
        ),
        max_episode_steps: Some(CLIFF_WALKING_MAX_STEPS),
        reward_threshold: None,
        starter_policy: "def act(obs):\n    # a safe route: up to the top row, along it, then down to the goal\n    row, col = divmod(obs, 12)\n    if col == 11:\n        return 2\n    if row > 0:\n        return 0\n    return 1\n"
            .into(),
    }
}

impl Env for CliffWalking {
    fn description(&self) -> &EnvDescription {
        self.description
    }

    fn reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        self.model.env_reset(seed)
    }

    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, EnvError> {
        self.model
            .env_step(&self.description.action_space, action, observation)
    }
}
