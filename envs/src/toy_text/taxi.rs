//! `Taxi-v4`: Gymnasium's `toy_text/taxi.py` as registered (no rain, no fickle passenger).

use std::sync::OnceLock;

use super::tabular::{Outcome, Tabular};
use crate::{Action, Env, EnvDescription, EnvError, Space, Transition};

const MAP: [&str; 7] = [
    "+---------+",
    "|R: | : :G|",
    "| : | : : |",
    "| : : : : |",
    "| | : | : |",
    "|Y| : |B: |",
    "+---------+",
];
/// The four stands R, G, Y, B as (row, col).
const LOCS: [(usize, usize); 4] = [(0, 0), (0, 4), (4, 0), (4, 3)];
const MAX_ROW: usize = 4;
const MAX_COL: usize = 4;
const STATES: usize = 500;

/// Pick a passenger up at one stand and drop them off at another, on a 5x5 grid with walls.
#[derive(Clone, Debug)]
pub struct Taxi {
    model: Tabular,
}

impl Default for Taxi {
    fn default() -> Self {
        Taxi {
            model: build_model(),
        }
    }
}

/// Gymnasium's `encode`.
fn encode(taxi_row: usize, taxi_col: usize, pass_loc: usize, dest_idx: usize) -> usize {
    ((taxi_row * 5 + taxi_col) * 5 + pass_loc) * 4 + dest_idx
}

/// Whether the map has no wall between column `col` and `col + 1` on `row`.
fn open_east(row: usize, col: usize) -> bool {
    MAP[1 + row].as_bytes().get(2 * col + 2) == Some(&b':')
}

/// Whether the map has no wall between column `col - 1` and `col` on `row`.
fn open_west(row: usize, col: usize) -> bool {
    MAP[1 + row].as_bytes().get(2 * col) == Some(&b':')
}

/// Gymnasium's `_build_dry_transitions` for one state and action.
fn dry_transition(
    row: usize,
    col: usize,
    pass_idx: usize,
    dest_idx: usize,
    action: usize,
) -> Outcome {
    let taxi_loc = (row, col);
    let (mut new_row, mut new_col, mut new_pass_idx) = (row, col, pass_idx);
    let mut reward = -1.0;
    let mut terminated = false;
    match action {
        0 => new_row = (row + 1).min(MAX_ROW),
        1 => new_row = row.saturating_sub(1),
        _ => {}
    }
    if action == 2 && open_east(row, col) {
        new_col = (col + 1).min(MAX_COL);
    } else if action == 3 && open_west(row, col) {
        new_col = col.saturating_sub(1);
    } else if action == 4 {
        if pass_idx < 4 && taxi_loc == LOCS[pass_idx] {
            new_pass_idx = 4;
        } else {
            reward = -10.0;
        }
    } else if action == 5 {
        if taxi_loc == LOCS[dest_idx] && pass_idx == 4 {
            new_pass_idx = dest_idx;
            terminated = true;
            reward = 20.0;
        } else if let Some(stand) = LOCS
            .iter()
            .position(|&loc| loc == taxi_loc)
            .filter(|_| pass_idx == 4)
        {
            new_pass_idx = stand;
        } else {
            reward = -10.0;
        }
    }
    Outcome {
        probability: 1.0,
        next_state: encode(new_row, new_col, new_pass_idx, dest_idx),
        reward,
        terminated,
    }
}

fn build_model() -> Tabular {
    let mut table = vec![Vec::new(); STATES * 6];
    let mut initial = vec![0.0; STATES];
    for row in 0..=MAX_ROW {
        for col in 0..=MAX_COL {
            for pass_idx in 0..5 {
                for dest_idx in 0..4 {
                    let state = encode(row, col, pass_idx, dest_idx);
                    if pass_idx < 4 && pass_idx != dest_idx {
                        initial[state] += 1.0;
                    }
                    for action in 0..6 {
                        table[state * 6 + action] =
                            vec![dry_transition(row, col, pass_idx, dest_idx, action)];
                    }
                }
            }
        }
    }
    let total: f64 = initial.iter().sum();
    for p in &mut initial {
        *p /= total;
    }
    Tabular::new(6, table, initial)
}

impl Taxi {
    /// A new environment; call `reset` before `step`.
    pub fn new() -> Taxi {
        Taxi::default()
    }

    /// The description shared by every instance.
    pub fn describe() -> &'static EnvDescription {
        static DESCRIPTION: OnceLock<EnvDescription> = OnceLock::new();
        DESCRIPTION.get_or_init(|| {
            let map: String = MAP.iter().map(|row| format!("    {row}\n")).collect();
            EnvDescription {
                id: "Taxi-v4".into(),
                summary: format!(
                    "A taxi drives on a 5x5 grid with walls. A passenger waits at one of four stands (R, G, Y, B) \
                     and wants to go to another one. Drive to the passenger, pick them up, drive to the \
                     destination and drop them off, in as few steps as possible. The map (row 0 at the top, \
                     `|` is a wall that blocks east-west moves, `:` is open):\n\n{map}\n\
                     Stands: 0 = R at (row 0, col 0), 1 = G at (0, 4), 2 = Y at (4, 0), 3 = B at (4, 3). \
                     A move into a wall or the edge leaves the taxi where it is."
                ),
                observation_space: Space::discrete(STATES as u64),
                observation_fields: Vec::new(),
                observation_note: "obs is a plain int encoding four values: obs = ((taxi_row * 5 + taxi_col) * 5 + passenger) * 4 + destination. \
                                   Decode it with `taxi_row, rest = divmod(obs, 100)`, `taxi_col, rest = divmod(rest, 20)`, \
                                   `passenger, destination = divmod(rest, 4)`. passenger is the stand the passenger waits at \
                                   (0 R, 1 G, 2 Y, 3 B) or 4 when in the taxi; destination is a stand (0-3)."
                    .into(),
                action_space: Space::discrete(6),
                action_meanings: vec![
                    "0: move south (down, row + 1)".into(),
                    "1: move north (up, row - 1)".into(),
                    "2: move east (right, col + 1)".into(),
                    "3: move west (left, col - 1)".into(),
                    "4: pick the passenger up".into(),
                    "5: drop the passenger off".into(),
                ],
                reward_source: "def reward(obs, action, next_obs, terminated):\n    # +20 for dropping the passenger at the destination (ends the episode);\n    # -10 for a pickup or drop-off that is not legal where the taxi is; -1 otherwise\n    if terminated:\n        return 20.0\n    if action in (4, 5) and next_obs == obs:\n        return -10.0\n    return -1.0\n".into(),
                termination: "The passenger is dropped off at the destination.".into(),
                truncation: "After 200 steps.".into(),
                max_episode_steps: Some(200),
                reward_threshold: Some(8.0),
                starter_policy: "LOCS = [(0, 0), (0, 4), (4, 0), (4, 3)]\n\n\
                                 def act(obs):\n    taxi_row, rest = divmod(obs, 100)\n    taxi_col, rest = divmod(rest, 20)\n    \
                                 passenger, destination = divmod(rest, 4)\n    \
                                 # head for the passenger, or for the destination once they are aboard (walls ignored)\n    \
                                 target = LOCS[passenger] if passenger < 4 else LOCS[destination]\n    \
                                 if (taxi_row, taxi_col) == target:\n        return 4 if passenger < 4 else 5\n    \
                                 if taxi_row != target[0]:\n        return 0 if taxi_row < target[0] else 1\n    \
                                 return 2 if taxi_col < target[1] else 3\n"
                    .into(),
            }
        })
    }
}

impl Env for Taxi {
    fn description(&self) -> &EnvDescription {
        Taxi::describe()
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
            .env_step(&Taxi::describe().action_space, action, observation)
    }
}
