//! `FrozenLake-v1` and `FrozenLake8x8-v1`: Gymnasium's `toy_text/frozen_lake.py`, with the
//! slippery ice of the registered ids or, as `is_slippery=False` gives, without it.

use std::sync::OnceLock;

use super::tabular::{Outcome, Tabular};
use crate::{Action, Env, EnvDescription, EnvError, Space, Transition};

const LEFT: usize = 0;
const DOWN: usize = 1;
const RIGHT: usize = 2;
const UP: usize = 3;

const MAP_4X4: [&str; 4] = ["SFFF", "FHFH", "FFFH", "HFFG"];
const MAP_8X8: [&str; 8] = [
    "SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF", "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG",
];

/// Which of Gymnasium's two built-in maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrozenLakeMap {
    /// `map_name="4x4"`.
    Map4x4,
    /// `map_name="8x8"`.
    Map8x8,
}

impl FrozenLakeMap {
    fn rows(self) -> &'static [&'static str] {
        match self {
            FrozenLakeMap::Map4x4 => &MAP_4X4,
            FrozenLakeMap::Map8x8 => &MAP_8X8,
        }
    }
}

/// Cross a frozen lake from the start to the goal without falling into a hole.
#[derive(Clone, Debug)]
pub struct FrozenLake {
    description: &'static EnvDescription,
    model: Tabular,
}

impl FrozenLake {
    /// A lake with one of Gymnasium's maps; `is_slippery` is Gymnasium's argument (the
    /// registered ids use `true`). Call `reset` before `step`.
    pub fn new(map: FrozenLakeMap, is_slippery: bool) -> FrozenLake {
        FrozenLake {
            description: FrozenLake::describe(map, is_slippery),
            model: build_model(map.rows(), is_slippery),
        }
    }

    /// The registry id of a variant: `FrozenLake-v1`, `FrozenLake8x8-v1`, and for
    /// `is_slippery=False` (no Gymnasium id of its own) `FrozenLakeNotSlippery-v1` and
    /// `FrozenLake8x8NotSlippery-v1`.
    pub fn id(map: FrozenLakeMap, is_slippery: bool) -> &'static str {
        match (map, is_slippery) {
            (FrozenLakeMap::Map4x4, true) => "FrozenLake-v1",
            (FrozenLakeMap::Map8x8, true) => "FrozenLake8x8-v1",
            (FrozenLakeMap::Map4x4, false) => "FrozenLakeNotSlippery-v1",
            (FrozenLakeMap::Map8x8, false) => "FrozenLake8x8NotSlippery-v1",
        }
    }

    /// The description of a variant.
    pub fn describe(map: FrozenLakeMap, is_slippery: bool) -> &'static EnvDescription {
        static DESCRIPTIONS: [OnceLock<EnvDescription>; 4] = [const { OnceLock::new() }; 4];
        let index = match map {
            FrozenLakeMap::Map4x4 => 0,
            FrozenLakeMap::Map8x8 => 2,
        } + usize::from(!is_slippery);
        DESCRIPTIONS[index].get_or_init(|| description(map, is_slippery))
    }
}

/// Gymnasium's `P` table and initial distribution for a map.
fn build_model(rows: &[&str], is_slippery: bool) -> Tabular {
    let desc: Vec<&[u8]> = rows.iter().map(|row| row.as_bytes()).collect();
    let (nrow, ncol) = (desc.len(), desc.first().map_or(0, |row| row.len()));
    let letter = |row: usize, col: usize| desc[row][col];
    let success_rate = 1.0 / 3.0;
    let fail_rate = (1.0 - success_rate) / 2.0;
    let inc = |row: usize, col: usize, a: usize| match a {
        LEFT => (row, col.saturating_sub(1)),
        DOWN => ((row + 1).min(nrow - 1), col),
        RIGHT => (row, (col + 1).min(ncol - 1)),
        UP => (row.saturating_sub(1), col),
        _ => (row, col),
    };
    let outcome = |probability: f64, row: usize, col: usize, a: usize| {
        let (new_row, new_col) = inc(row, col, a);
        let new_letter = letter(new_row, new_col);
        Outcome {
            probability,
            next_state: new_row * ncol + new_col,
            reward: if new_letter == b'G' { 1.0 } else { 0.0 },
            terminated: new_letter == b'G' || new_letter == b'H',
        }
    };
    let mut table = Vec::with_capacity(nrow * ncol * 4);
    for row in 0..nrow {
        for col in 0..ncol {
            let s = row * ncol + col;
            for a in 0..4 {
                let outcomes = if matches!(letter(row, col), b'G' | b'H') {
                    vec![Outcome {
                        probability: 1.0,
                        next_state: s,
                        reward: 0.0,
                        terminated: true,
                    }]
                } else if is_slippery {
                    [(a + 3) % 4, a, (a + 1) % 4]
                        .iter()
                        .map(|&b| {
                            outcome(if b == a { success_rate } else { fail_rate }, row, col, b)
                        })
                        .collect()
                } else {
                    vec![outcome(1.0, row, col, a)]
                };
                table.push(outcomes);
            }
        }
    }
    let starts = desc
        .iter()
        .flat_map(|row| row.iter())
        .filter(|&&c| c == b'S')
        .count()
        .max(1) as f64;
    let initial = desc
        .iter()
        .flat_map(|row| row.iter())
        .map(|&c| if c == b'S' { 1.0 / starts } else { 0.0 })
        .collect();
    Tabular::new(4, table, initial)
}

fn description(map: FrozenLakeMap, is_slippery: bool) -> EnvDescription {
    let rows = map.rows();
    let n = rows.len();
    let goal = n * n - 1;
    let (max_steps, threshold) = match map {
        FrozenLakeMap::Map4x4 => (100, 0.70),
        FrozenLakeMap::Map8x8 => (200, 0.85),
    };
    let ice = if is_slippery {
        "The ice is slippery: the agent moves in the intended direction with probability 1/3 and in each of \
         the two perpendicular directions with probability 1/3."
    } else {
        "The ice is not slippery: every move goes where it is meant to."
    };
    let map_text: String = rows.iter().map(|row| format!("    {row}\n")).collect();
    let python_map = rows
        .iter()
        .map(|row| format!("\"{row}\""))
        .collect::<Vec<_>>()
        .join(", ");
    EnvDescription {
        id: FrozenLake::id(map, is_slippery).into(),
        summary: format!(
            "Cross a frozen lake on a {n}x{n} grid from the start S (top left) to the goal G (bottom right) \
             without falling into a hole H; F is frozen, walkable ice. The map (row 0 at the top):\n\n{map_text}\n\
             {ice} Moving into the edge of the grid leaves the agent where it is."
        ),
        observation_space: Space::discrete((n * n) as u64),
        observation_fields: Vec::new(),
        observation_note: format!(
            "obs is a plain int, the agent's cell: obs = row * {n} + col, so `row, col = divmod(obs, {n})` \
             (row 0 is the top row, col 0 the left column). The start is 0 and the goal {goal}."
        ),
        action_space: Space::discrete(4),
        action_meanings: vec![
            "0: move left".into(),
            "1: move down".into(),
            "2: move right".into(),
            "3: move up".into(),
        ],
        reward_source: format!(
            "def reward(obs, action, next_obs, terminated):\n    # 1 for reaching the goal G, 0 otherwise (a hole ends the episode with 0)\n    return 1.0 if next_obs == {goal} else 0.0\n"
        ),
        termination: "The agent reaches the goal G or falls into a hole H.".into(),
        truncation: format!("After {max_steps} steps."),
        max_episode_steps: Some(max_steps),
        reward_threshold: Some(threshold),
        starter_policy: format!(
            "MAP = [{python_map}]\nN = len(MAP)\nMOVES = {{0: (0, -1), 1: (1, 0), 2: (0, 1), 3: (-1, 0)}}\n\n\
             def _distances():\n    # steps to the goal from every cell, walking around the holes\n    \
             goal = (N - 1, N - 1)\n    dist = {{goal: 0}}\n    frontier = [goal]\n    while frontier:\n        \
             nxt = []\n        for r, c in frontier:\n            for dr, dc in MOVES.values():\n                \
             rr, cc = r + dr, c + dc\n                \
             if 0 <= rr < N and 0 <= cc < N and MAP[rr][cc] != \"H\" and (rr, cc) not in dist:\n                    \
             dist[(rr, cc)] = dist[(r, c)] + 1\n                    nxt.append((rr, cc))\n        \
             frontier = nxt\n    return dist\n\nDIST = _distances()\n\n\
             def act(obs):\n    # step to the neighbour closest to the goal\n    row, col = divmod(obs, N)\n    \
             best, best_d = 0, None\n    for a, (dr, dc) in MOVES.items():\n        d = DIST.get((row + dr, col + dc))\n        \
             if d is not None and (best_d is None or d < best_d):\n            best, best_d = a, d\n    return best\n"
        ),
    }
}

impl Env for FrozenLake {
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
