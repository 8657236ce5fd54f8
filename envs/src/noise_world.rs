//! NoiseWorld: PromptPO's hard-exploration gridworld.
//!
//! An n x n grid; the agent starts in the top-left cell and the goal is the bottom-right one.
//! Every step costs -1, reaching the goal pays +n^3, stepping onto a bad cell costs -n^5 and
//! ends the episode, and the horizon is n^2 steps. The grid is split into Voronoi regions,
//! each with one kind of dynamics: deterministic moves, moves that fail (stay put) with some
//! probability, or moves that with some probability send the agent back to the start. A few
//! cells are walls. Milestone boards add two cells that must be visited, in order, before
//! the goal pays its bonus. The policy sees every cell's code but is not told what the codes
//! mean: finding out is the exploration problem.
//!
//! Boards are generated from `(size, layout_seed)` by the same procedure and the same numpy
//! draws as PromptPO's `noise_world_board_layout.py`, so `NoiseWorldBoard0-v0` ..
//! `NoiseWorldBoard6-v0` are PromptPO's `noise_world_board_0` .. `_6` cell for cell, and the
//! stochastic transitions draw the same numbers from the same generator (the layout
//! generator continues into the episode; `reset(Some(seed))` replaces it, as PromptPO's
//! `reset(seed=seed)` does).
//!
//! The observation differs from PromptPO's on purpose: positions are integer cell
//! coordinates instead of coordinates divided by n - 1, because a policy indexes the board
//! with them (`obs[4 + row * n + col]`).

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use crate::{Action, Env, EnvDescription, EnvError, NpRandom, ObservationField, Space, Transition};

/// Board code of a cell where moves always succeed.
pub const CODE_DETERMINISTIC: u8 = 0;
/// Board code of a cell where a move fails (the agent stays) with some probability.
pub const CODE_STOCHASTIC_STAY: u8 = 1;
/// Board code of a cell where a move sends the agent back to the start with some probability.
pub const CODE_STOCHASTIC_RESET: u8 = 2;
/// Board code of a wall: moves into it are blocked.
pub const CODE_WALL: u8 = 3;
/// Board code of the goal.
pub const CODE_GOAL: u8 = 4;
/// Board code of a bad terminal cell.
pub const CODE_BAD: u8 = 5;
/// Board code of the first milestone (milestone boards only).
pub const CODE_MILESTONE_1: u8 = 6;
/// Board code of the second milestone (milestone boards only).
pub const CODE_MILESTONE_2: u8 = 7;

/// Smallest and largest board side we build.
const MIN_SIZE: usize = 2;
const MAX_SIZE: usize = 256;

/// Actions as (row, col) deltas: up, down, left, right.
const ACTION_DELTAS: [(isize, isize); 4] = [(-1, 0), (1, 0), (0, -1), (0, 1)];

/// PromptPO's evaluation boards: (size, layout seed, milestones, all standard codes).
const PROMPTPO_BOARDS: [(usize, u64, bool, bool); 7] = [
    (5, 710_000, false, false),
    (10, 710_001, false, false),
    (10, 710_002, false, false),
    (10, 717_003, false, true),
    (10, 710_004, true, false),
    (10, 710_005, true, false),
    (10, 713_006, true, false),
];

/// How to build a NoiseWorld board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoiseWorldConfig {
    /// The id the description carries.
    pub id: String,
    /// Side length n of the square grid (2 to 256).
    pub size: usize,
    /// Seed of the board's layout (and of the transitions until a seeded reset).
    pub layout_seed: u64,
    /// Add two milestone cells that must be visited, in order, before the goal pays.
    pub milestones: bool,
    /// Make sure every standard code (0-5) appears on the board, as PromptPO's board 3 does.
    pub all_standard_codes: bool,
}

impl NoiseWorldConfig {
    /// A board of side `size` from `layout_seed`, without milestones.
    pub fn new(size: usize, layout_seed: u64) -> NoiseWorldConfig {
        NoiseWorldConfig {
            id: format!("NoiseWorld-{size}x{size}-{layout_seed}"),
            size,
            layout_seed,
            milestones: false,
            all_standard_codes: false,
        }
    }

    /// PromptPO's `noise_world_board_<index>` (0 to 6) under the id `NoiseWorldBoard<index>-v0`.
    pub fn promptpo_board(index: usize) -> Option<NoiseWorldConfig> {
        let &(size, layout_seed, milestones, all_standard_codes) = PROMPTPO_BOARDS.get(index)?;
        Some(NoiseWorldConfig {
            id: format!("NoiseWorldBoard{index}-v0"),
            size,
            layout_seed,
            milestones,
            all_standard_codes,
        })
    }

    /// How many PromptPO boards [`NoiseWorldConfig::promptpo_board`] knows.
    pub fn promptpo_board_count() -> usize {
        PROMPTPO_BOARDS.len()
    }

    /// The same board under another id.
    pub fn with_id(mut self, id: &str) -> NoiseWorldConfig {
        self.id = id.into();
        self
    }

    fn check(&self) -> Result<(), EnvError> {
        if !(MIN_SIZE..=MAX_SIZE).contains(&self.size) {
            return Err(EnvError::InvalidConfig {
                env: self.id.clone(),
                reason: format!("size {} is outside {MIN_SIZE}..={MAX_SIZE}", self.size),
            });
        }
        Ok(())
    }
}

/// Dynamics of a Voronoi region.
#[derive(Clone, Copy, Debug, PartialEq)]
enum CellKind {
    Deterministic,
    StochasticStay,
    StochasticReset,
}

impl CellKind {
    /// PromptPO's `CELL_TYPE_*` values are 1, 2, 3.
    fn from_draw(value: i64) -> CellKind {
        match value {
            2 => CellKind::StochasticStay,
            3 => CellKind::StochasticReset,
            _ => CellKind::Deterministic,
        }
    }

    fn code(self) -> u8 {
        match self {
            CellKind::Deterministic => CODE_DETERMINISTIC,
            CellKind::StochasticStay => CODE_STOCHASTIC_STAY,
            CellKind::StochasticReset => CODE_STOCHASTIC_RESET,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Region {
    kind: CellKind,
    /// Probability that a move succeeds (stay cells), or its weight (reset cells).
    p_success: f64,
    /// For reset cells, the weight of a reset is `1 - p_alt`.
    p_alt: f64,
}

type Cell = (usize, usize);

/// A generated board.
#[derive(Clone, Debug, PartialEq)]
struct Board {
    n: usize,
    region_of: Vec<usize>,
    regions: Vec<Region>,
    walls: BTreeSet<Cell>,
    bad: BTreeSet<Cell>,
    /// Row-major cell codes.
    codes: Vec<u8>,
}

impl Board {
    fn start(&self) -> Cell {
        (0, 0)
    }

    fn goal(&self) -> Cell {
        (self.n - 1, self.n - 1)
    }

    fn code(&self, (row, col): Cell) -> u8 {
        self.codes
            .get(row * self.n + col)
            .copied()
            .unwrap_or(CODE_WALL)
    }
}

/// Whether the goal can be reached from the start through non-wall cells.
fn path_exists(n: usize, start: Cell, goal: Cell, walls: &BTreeSet<Cell>) -> bool {
    reachable(n, start, walls).contains(&goal)
}

/// Every cell reachable from `start` by 4-neighbour moves through non-wall cells.
fn reachable(n: usize, start: Cell, walls: &BTreeSet<Cell>) -> BTreeSet<Cell> {
    let mut seen = BTreeSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some((row, col)) = queue.pop_front() {
        for (dr, dc) in ACTION_DELTAS {
            let (Some(r), Some(c)) = (row.checked_add_signed(dr), col.checked_add_signed(dc))
            else {
                continue;
            };
            if r >= n || c >= n || walls.contains(&(r, c)) {
                continue;
            }
            if seen.insert((r, c)) {
                queue.push_back((r, c));
            }
        }
    }
    seen
}

fn all_cells(n: usize) -> impl Iterator<Item = Cell> {
    (0..n).flat_map(move |r| (0..n).map(move |c| (r, c)))
}

/// PromptPO's `build_board_flat`: wall, then goal, then bad, then the region's dynamics.
fn board_codes(
    n: usize,
    region_of: &[usize],
    regions: &[Region],
    walls: &BTreeSet<Cell>,
    bad: &BTreeSet<Cell>,
) -> Vec<u8> {
    all_cells(n)
        .map(|cell| {
            if walls.contains(&cell) {
                CODE_WALL
            } else if cell == (n - 1, n - 1) {
                CODE_GOAL
            } else if bad.contains(&cell) {
                CODE_BAD
            } else {
                regions[region_of[cell.0 * n + cell.1]].kind.code()
            }
        })
        .collect()
}

/// PromptPO's `build_initial_layout`, then `ensure_minimum_standard_board_codes` and
/// `inject_prerequisite_pair` when asked, all drawing from `rng` in PromptPO's order.
fn generate(config: &NoiseWorldConfig, rng: &mut NpRandom) -> Result<Board, EnvError> {
    let n = config.size;
    let start = (0, 0);
    let goal = (n - 1, n - 1);
    let invalid = |reason: &str| EnvError::InvalidConfig {
        env: config.id.clone(),
        reason: reason.into(),
    };

    // Voronoi regions around random seed cells (Manhattan distance, first seed wins ties).
    let seeds: Vec<(i64, i64)> = (0..4.max(n / 2))
        .map(|_| (rng.integers(0, n as i64), rng.integers(0, n as i64)))
        .collect();
    let region_of: Vec<usize> = all_cells(n)
        .map(|(r, c)| {
            let mut best = 0;
            let mut best_distance = (n + n) as i64;
            for (k, &(sr, sc)) in seeds.iter().enumerate() {
                let distance = (r as i64 - sr).abs() + (c as i64 - sc).abs();
                if distance < best_distance {
                    best_distance = distance;
                    best = k;
                }
            }
            best
        })
        .collect();
    let region_count = region_of.iter().max().map_or(1, |&m| m + 1);
    let mut regions: Vec<Region> = (0..region_count)
        .map(|_| {
            let kind = CellKind::from_draw(rng.integers(1, 4));
            let p_success = rng.uniform(0.25, 0.95);
            let p_alt = rng.uniform(0.25, 0.95);
            Region {
                kind,
                p_success,
                p_alt,
            }
        })
        .collect();

    // Sparse walls that keep a path from start to goal.
    let max_walls = 1.max((0.005 * n as f64 * n as f64) as usize);
    let mut candidates: Vec<Cell> = all_cells(n)
        .filter(|&cell| cell != start && cell != goal)
        .collect();
    rng.shuffle(&mut candidates);
    let mut walls = BTreeSet::new();
    for cell in candidates {
        if walls.len() >= max_walls {
            break;
        }
        walls.insert(cell);
        if !path_exists(n, start, goal, &walls) {
            walls.remove(&cell);
        }
    }

    // Bad terminal cells.
    let bad_count = 1.max((0.002 * n as f64 * n as f64) as usize);
    let mut free: Vec<Cell> = all_cells(n)
        .filter(|&cell| !walls.contains(&cell) && cell != start && cell != goal)
        .collect();
    if free.len() < bad_count {
        return Err(invalid("not enough free cells for the bad cells"));
    }
    rng.shuffle(&mut free);
    let mut bad: BTreeSet<Cell> = free[..bad_count].iter().copied().collect();

    if config.all_standard_codes {
        ensure_standard_codes(n, &region_of, &mut regions, &mut walls, &mut bad, rng)
            .map_err(invalid)?;
    }
    let mut codes = board_codes(n, &region_of, &regions, &walls, &bad);

    if config.milestones {
        let reachable = reachable(n, start, &walls);
        let mut candidates: Vec<Cell> = all_cells(n)
            .filter(|cell| reachable.contains(cell))
            .filter(|&cell| {
                cell != start && cell != goal && !bad.contains(&cell) && !walls.contains(&cell)
            })
            .collect();
        if candidates.len() < 2 {
            return Err(invalid("not enough free cells for the milestones"));
        }
        rng.shuffle(&mut candidates);
        codes[candidates[0].0 * n + candidates[0].1] = CODE_MILESTONE_1;
        codes[candidates[1].0 * n + candidates[1].1] = CODE_MILESTONE_2;
    }
    Ok(Board {
        n,
        region_of,
        regions,
        walls,
        bad,
        codes,
    })
}

/// PromptPO's `ensure_minimum_standard_board_codes`: add a wall, a bad cell, or reassign
/// regions' dynamics until codes 0 to 5 all appear.
fn ensure_standard_codes(
    n: usize,
    region_of: &[usize],
    regions: &mut [Region],
    walls: &mut BTreeSet<Cell>,
    bad: &mut BTreeSet<Cell>,
    rng: &mut NpRandom,
) -> Result<(), &'static str> {
    let start = (0, 0);
    let goal = (n - 1, n - 1);
    for _ in 0..500 {
        let codes = board_codes(n, region_of, regions, walls, bad);
        let missing: Vec<u8> = (CODE_DETERMINISTIC..=CODE_BAD)
            .filter(|code| !codes.contains(code))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if missing.contains(&CODE_WALL) {
            let mut candidates: Vec<Cell> = all_cells(n)
                .filter(|&cell| !walls.contains(&cell) && cell != start && cell != goal)
                .collect();
            rng.shuffle(&mut candidates);
            let mut placed = false;
            for cell in candidates {
                walls.insert(cell);
                if path_exists(n, start, goal, walls) {
                    placed = true;
                    break;
                }
                walls.remove(&cell);
            }
            if !placed {
                return Err("could not add a wall while keeping a path from start to goal");
            }
            continue;
        }
        if missing.contains(&CODE_BAD) {
            let candidates: Vec<Cell> = all_cells(n)
                .filter(|&cell| {
                    !walls.contains(&cell) && !bad.contains(&cell) && cell != start && cell != goal
                })
                .collect();
            if candidates.is_empty() {
                return Err("no free cell for a bad cell");
            }
            let index = rng.integers(0, candidates.len() as i64) as usize;
            bad.insert(candidates[index]);
            continue;
        }
        let mut used = BTreeSet::new();
        for (code, kind) in [
            (CODE_DETERMINISTIC, CellKind::Deterministic),
            (CODE_STOCHASTIC_STAY, CellKind::StochasticStay),
            (CODE_STOCHASTIC_RESET, CellKind::StochasticReset),
        ] {
            if !missing.contains(&code) {
                continue;
            }
            let mut ids: Vec<usize> = (0..regions.len()).filter(|id| !used.contains(id)).collect();
            rng.shuffle(&mut ids);
            let usable = |id: usize| {
                all_cells(n).any(|cell| {
                    region_of[cell.0 * n + cell.1] == id
                        && !walls.contains(&cell)
                        && cell != goal
                        && !bad.contains(&cell)
                })
            };
            let Some(id) = ids.into_iter().find(|&id| usable(id)) else {
                return Err("could not assign a region for a missing code");
            };
            regions[id].kind = kind;
            used.insert(id);
        }
    }
    Err("could not place every standard code")
}

/// PromptPO's NoiseWorld on one board.
#[derive(Clone, Debug)]
pub struct NoiseWorld {
    description: Arc<EnvDescription>,
    board: Board,
    rng: NpRandom,
    milestones: bool,
    position: Cell,
    /// 0: no milestone yet, 1: the first one, 2: both, in order.
    milestone_phase: u8,
}

impl NoiseWorld {
    /// Generates the board of `config`. Call `reset` before `step`.
    pub fn new(config: &NoiseWorldConfig) -> Result<NoiseWorld, EnvError> {
        config.check()?;
        NoiseWorld::with_description(config, Arc::new(NoiseWorld::describe(config)))
    }

    /// [`NoiseWorld::new`] with the description already built (the registry shares one).
    pub(crate) fn with_description(
        config: &NoiseWorldConfig,
        description: Arc<EnvDescription>,
    ) -> Result<NoiseWorld, EnvError> {
        config.check()?;
        let mut rng = NpRandom::from_seed(config.layout_seed);
        let board = generate(config, &mut rng)?;
        Ok(NoiseWorld {
            description,
            position: board.start(),
            board,
            rng,
            milestones: config.milestones,
            milestone_phase: 0,
        })
    }

    /// The board's cell codes, row-major (what the observation carries after the positions).
    pub fn board_codes(&self) -> &[u8] {
        &self.board.codes
    }

    /// The description of a board built from `config`, without building it.
    pub fn describe(config: &NoiseWorldConfig) -> EnvDescription {
        let n = config.size;
        let cells = n * n;
        let top_code = if config.milestones {
            CODE_MILESTONE_2
        } else {
            CODE_BAD
        };
        let last = (n - 1) as f64;
        let mut fields = vec![
            ObservationField::new(
                "agent_row",
                "the agent's row (0 is the top row)",
                "cell",
                0.0,
                last,
            ),
            ObservationField::new(
                "agent_col",
                "the agent's column (0 is the left column)",
                "cell",
                0.0,
                last,
            ),
            ObservationField::new(
                "goal_row",
                "the goal's row (always the bottom row)",
                "cell",
                0.0,
                last,
            ),
            ObservationField::new(
                "goal_col",
                "the goal's column (always the right column)",
                "cell",
                0.0,
                last,
            ),
        ];
        for row in 0..n {
            for col in 0..n {
                fields.push(ObservationField::new(
                    &format!("cell_{row}_{col}"),
                    &format!("code of the cell at row {row}, column {col} (fixed for the board)"),
                    "code",
                    0.0,
                    f64::from(top_code),
                ));
            }
        }
        let mut note = format!(
            "Integer values stored as floats. obs[0:4] are agent_row, agent_col, goal_row, goal_col; obs[4:{end}] \
             is the board, row-major: the code of cell (row, col) is obs[4 + row * {n} + col], also readable as \
             obs.cell_<row>_<col>. The board is the same at every step of every episode.",
            end = 4 + cells
        );
        if config.milestones {
            fields.push(ObservationField::new(
                "milestone_1_done",
                "1 once the agent has completed the first of two hidden milestones this episode, else 0",
                "flag",
                0.0,
                1.0,
            ));
            fields.push(ObservationField::new(
                "milestone_2_done",
                "1 once the agent has completed the second milestone, after the first, this episode, else 0",
                "flag",
                0.0,
                1.0,
            ));
            note.push_str(&format!(
                " obs[{}] and obs[{}] are the two milestone flags.",
                4 + cells,
                5 + cells
            ));
        }
        let milestone_text = if config.milestones {
            " The goal pays its bonus only once two hidden milestones have been completed, in order (the two flags \
             at the end of the observation show progress); reaching the goal earlier ends the episode without it."
        } else {
            ""
        };
        let bonus = if config.milestones {
            "if next_obs.milestone_2_done:  # both milestones done\n            r += N ** 3"
        } else {
            "r += N ** 3"
        };
        let mut low = vec![0.0; 4 + cells];
        let mut high = vec![last; 4];
        high.extend(std::iter::repeat_n(f64::from(top_code), cells));
        if config.milestones {
            low.extend([0.0, 0.0]);
            high.extend([1.0, 1.0]);
        }
        EnvDescription {
            id: config.id.clone(),
            summary: format!(
                "A {n}x{n} grid world. The agent starts in the top-left cell (row 0, col 0); the goal is the \
                 bottom-right cell (row {last}, col {last}). Every cell carries an integer code from 0 to {top_code}; \
                 what each code means is not told: find out from experience. Moves may not always do what they are \
                 meant to, some cells may block moves, and some cells may end the episode with a large penalty.{milestone_text}"
            ),
            observation_space: Space::box_f32(low, high),
            observation_fields: fields,
            observation_note: note,
            action_space: Space::discrete(4),
            action_meanings: vec![
                "0: move up (row - 1)".into(),
                "1: move down (row + 1)".into(),
                "2: move left (col - 1)".into(),
                "3: move right (col + 1)".into(),
            ],
            reward_source: format!(
                "N = {n}\n\ndef reward(obs, action, next_obs, terminated):\n    r = -1.0  # every step costs 1\n    \
                 at_goal = (next_obs.agent_row, next_obs.agent_col) == (next_obs.goal_row, next_obs.goal_col)\n    \
                 if at_goal:\n        {bonus}\n    \
                 elif terminated:\n        r -= N ** 5  # the episode ended on a bad cell\n    return r\n"
            ),
            termination: "The agent reaches the goal, or steps onto a bad cell.".into(),
            truncation: format!("After {} steps (n^2).", cells),
            max_episode_steps: u32::try_from(cells).ok(),
            reward_threshold: None,
            starter_policy:
                "def act(obs):\n    # head for the goal: down until its row, then right\n    \
                             if obs.agent_row < obs.goal_row:\n        return 1\n    return 3\n"
                    .into(),
        }
    }

    fn observation(&self) -> Vec<f64> {
        let mut obs = Vec::with_capacity(6 + self.board.codes.len());
        self.write_observation(&mut obs);
        obs
    }

    fn write_observation(&self, obs: &mut Vec<f64>) {
        let (goal_row, goal_col) = self.board.goal();
        obs.clear();
        obs.extend([self.position.0, self.position.1, goal_row, goal_col].map(|v| v as f64));
        obs.extend(self.board.codes.iter().map(|&code| f64::from(code)));
        if self.milestones {
            obs.extend([
                f64::from(u8::from(self.milestone_phase >= 1)),
                f64::from(u8::from(self.milestone_phase >= 2)),
            ]);
        }
    }

    /// The dynamics of the cell being left; milestone cells move deterministically.
    fn leaving(&self, cell: Cell) -> Region {
        if matches!(self.board.code(cell), CODE_MILESTONE_1 | CODE_MILESTONE_2) {
            return Region {
                kind: CellKind::Deterministic,
                p_success: 1.0,
                p_alt: 1.0,
            };
        }
        let region = self
            .board
            .region_of
            .get(cell.0 * self.board.n + cell.1)
            .copied()
            .unwrap_or(0);
        self.board.regions.get(region).copied().unwrap_or(Region {
            kind: CellKind::Deterministic,
            p_success: 1.0,
            p_alt: 1.0,
        })
    }
}

impl Env for NoiseWorld {
    fn description(&self) -> &EnvDescription {
        &self.description
    }

    fn reset(&mut self, seed: Option<u64>) -> Vec<f64> {
        if let Some(seed) = seed {
            self.rng = NpRandom::from_seed(seed);
        }
        self.position = self.board.start();
        self.milestone_phase = 0;
        self.observation()
    }

    fn step_into(
        &mut self,
        action: &Action,
        observation: &mut Vec<f64>,
    ) -> Result<Transition, EnvError> {
        let action = self.action_space().check(action)?.discrete();
        let n = self.board.n;
        let (row, col) = self.position;
        let (dr, dc) = ACTION_DELTAS
            .get(action as usize)
            .copied()
            .unwrap_or((0, 0));
        let target = match (row.checked_add_signed(dr), col.checked_add_signed(dc)) {
            (Some(r), Some(c)) if r < n && c < n && !self.board.walls.contains(&(r, c)) => {
                Some((r, c))
            }
            _ => None,
        };
        // A blocked move draws nothing; otherwise the cell being left decides.
        let next = match target {
            None => self.position,
            Some(target) => {
                let region = self.leaving(self.position);
                match region.kind {
                    CellKind::Deterministic => target,
                    CellKind::StochasticStay => {
                        if self.rng.random() < region.p_success {
                            target
                        } else {
                            self.position
                        }
                    }
                    CellKind::StochasticReset => {
                        let move_weight = region.p_success;
                        let total = move_weight + (1.0 - region.p_alt);
                        if self.rng.random() < move_weight / total {
                            target
                        } else {
                            self.board.start()
                        }
                    }
                }
            }
        };
        self.position = next;
        if self.milestones {
            match self.board.code(next) {
                CODE_MILESTONE_1 if self.milestone_phase == 0 => self.milestone_phase = 1,
                CODE_MILESTONE_2 if self.milestone_phase == 1 => self.milestone_phase = 2,
                _ => {}
            }
        }
        let cube = (n * n * n) as f64;
        let fifth = cube * (n * n) as f64;
        let at_goal = next == self.board.goal();
        let on_bad = !at_goal && self.board.bad.contains(&next);
        let mut reward = -1.0;
        if at_goal && (!self.milestones || self.milestone_phase >= 2) {
            reward += cube;
        } else if on_bad {
            reward -= fifth;
        }
        self.write_observation(observation);
        Ok(Transition {
            reward,
            terminated: at_goal || on_bad,
            truncated: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board_rows(config: &NoiseWorldConfig) -> Vec<String> {
        let world = NoiseWorld::new(config).unwrap();
        world
            .board_codes()
            .chunks(config.size)
            .map(|row| row.iter().map(|c| char::from(b'0' + c)).collect())
            .collect()
    }

    // Boards printed by PromptPO's `board_matrix_2d(n, seed, ...)` (its public
    // `env_utils/noise_world_board_layout.py`, run under numpy 2.4).
    #[test]
    fn promptpo_boards_match_cell_for_cell() {
        let board0 = ["22522", "22222", "22220", "22220", "30004"];
        assert_eq!(
            board_rows(&NoiseWorldConfig::promptpo_board(0).unwrap()),
            board0
        );
        let board4 = [
            "0000000000",
            "0000000000",
            "0011100000",
            "0011100057",
            "0013100000",
            "0011100000",
            "0011100000",
            "0011110000",
            "0001110000",
            "0006110004",
        ];
        assert_eq!(
            board_rows(&NoiseWorldConfig::promptpo_board(4).unwrap()),
            board4
        );
        let board3 = [
            "0000000022",
            "0000000052",
            "0000000022",
            "0000000022",
            "0000000222",
            "1100000222",
            "1111100222",
            "1111300122",
            "1111000112",
            "1111111114",
        ];
        assert_eq!(
            board_rows(&NoiseWorldConfig::promptpo_board(3).unwrap()),
            board3
        );
    }

    #[test]
    fn rejects_sizes_out_of_range() {
        for size in [0, 1, MAX_SIZE + 1] {
            let err = NoiseWorld::new(&NoiseWorldConfig::new(size, 1)).unwrap_err();
            assert!(matches!(err, EnvError::InvalidConfig { .. }), "{err}");
        }
    }

    #[test]
    fn boards_are_deterministic_and_the_observation_has_the_described_layout() {
        let config = NoiseWorldConfig {
            milestones: true,
            ..NoiseWorldConfig::new(7, 99)
        };
        let mut a = NoiseWorld::new(&config).unwrap();
        let b = NoiseWorld::new(&config).unwrap();
        assert_eq!(a.board_codes(), b.board_codes());
        let obs = a.reset(Some(3));
        assert_eq!(obs.len(), a.description().observation_fields.len());
        assert_eq!(obs.len(), a.observation_space().flat_len());
        assert_eq!(&obs[..4], &[0.0, 0.0, 6.0, 6.0]);
        assert_eq!(
            a.board_codes()
                .iter()
                .filter(|&&c| c == CODE_MILESTONE_1)
                .count(),
            1
        );
        assert_eq!(
            a.board_codes()
                .iter()
                .filter(|&&c| c == CODE_MILESTONE_2)
                .count(),
            1
        );
    }

    #[test]
    fn rewards_follow_the_rules() {
        // Walk the 5x5 board 0 along its bottom row to the goal: deterministic cells there.
        let mut world = NoiseWorld::new(&NoiseWorldConfig::promptpo_board(0).unwrap()).unwrap();
        world.reset(Some(0));
        world.position = (4, 1);
        for _ in 0..2 {
            let step = world.step(&Action::Int(3)).unwrap();
            assert_eq!((step.reward, step.terminated), (-1.0, false));
        }
        let step = world.step(&Action::Int(3)).unwrap();
        assert_eq!((step.reward, step.terminated), (-1.0 + 125.0, true));
        // A move into the wall at (4, 0) is blocked.
        world.position = (4, 1);
        let step = world.step(&Action::Int(2)).unwrap();
        assert_eq!(
            (&step.observation[..2], step.reward),
            (&[4.0, 1.0][..], -1.0)
        );
        // The bad cell at (0, 2) costs n^5 and ends the episode.
        world.position = (0, 1);
        world
            .board
            .regions
            .iter_mut()
            .for_each(|r| r.kind = CellKind::Deterministic);
        let step = world.step(&Action::Int(3)).unwrap();
        assert_eq!((step.reward, step.terminated), (-1.0 - 3125.0, true));
    }

    #[test]
    fn the_goal_pays_only_after_both_milestones() {
        let mut world = NoiseWorld::new(&NoiseWorldConfig::promptpo_board(4).unwrap()).unwrap();
        world
            .board
            .regions
            .iter_mut()
            .for_each(|r| r.kind = CellKind::Deterministic);
        world.reset(Some(0));
        world.position = (9, 8);
        let step = world.step(&Action::Int(3)).unwrap();
        assert_eq!((step.reward, step.terminated), (-1.0, true));

        world.reset(Some(0));
        world.position = (9, 2);
        world.step(&Action::Int(3)).unwrap(); // onto the first milestone at (9, 3)
        world.position = (3, 8);
        let step = world.step(&Action::Int(3)).unwrap(); // onto the second at (3, 9)
        assert_eq!(&step.observation[104..], &[1.0, 1.0]);
        world.position = (9, 8);
        let step = world.step(&Action::Int(3)).unwrap();
        assert_eq!((step.reward, step.terminated), (-1.0 + 1000.0, true));
    }
}
