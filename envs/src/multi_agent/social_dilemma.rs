//! Gathering and Cleanup, the sequential social dilemmas, on one grid-world engine.
//!
//! # Rules
//!
//! The rules, maps and constants are those of the published code of "Cooperation and
//! Exploitation in LLM Policy Synthesis for Sequential Social Dilemmas" (Gallego, 2026;
//! `vicgalle/llm-policies-social-dilemmas`), whose Gathering follows Leibo et al. (2017) and
//! whose Cleanup follows Hughes et al. (2018). Both worlds share movement and the beam:
//!
//! - An agent has a cell `(x, y)` (`x` the column, `y` the row, `(0, 0)` the top-left corner)
//!   and an orientation: 0 up (`y - 1`), 1 right (`x + 1`), 2 down (`y + 1`), 3 left (`x - 1`).
//! - Moves strafe without rotating: forward and backward along the orientation, step left and
//!   step right across it; a move into a wall or off the map does nothing. Agents do not
//!   block each other (several may share a cell). Rotations turn by 90 degrees in place.
//! - A step: every tag-out timer counts down by one; then each agent that is not tagged out
//!   acts, in index order (so a beam of agent 0 can tag agent 3 before agent 3 acts); then
//!   apples (and in Cleanup, waste) respawn; then each agent not tagged out eats the apple on
//!   its cell, in index order (+1).
//! - A beam covers the rectangle `1..=length` cells ahead of the firer and `(width - 1) / 2`
//!   cells to each side, minus wall cells (it is not stopped by walls or agents); it hits
//!   every agent in it that is not tagged out. A tagged-out agent stays where it is, its
//!   actions are ignored, and it cannot eat or be hit.
//!
//! Gathering: +1 per apple; an eaten apple's cell regrows it 25 steps later; a beam of length
//! 20 and width 1; the second hit tags an agent out for 25 steps. Firing costs nothing.
//!
//! Cleanup: +1 per apple; beam and clean each of length 5 and width 3, and firing either
//! costs the firer 1; a beam hit costs the target 50 and tags it out for 25 steps; cleaning
//! turns every waste cell in its rectangle back into clear river. The map's `H` cells start
//! wasted (density 0.47 on the default map). After the agents act, while the waste density
//! (waste cells / river cells) is below 0.4, with probability 0.5 one clear river cell without
//! an agent turns to waste; then each eaten apple's cell without an agent regrows with
//! probability `0.05 * (1 - density / 0.4)` (none at 0.4 or more).
//!
//! Every episode is truncated after 1,000 steps; nothing terminates it earlier.

use std::sync::Arc;

use crate::{
    Action, AgentInfo, EnvError, MultiAgentDescription, NpRandom, ParallelEnv, Space, StepOutcome,
    StructuredField, StructuredShape,
};

/// Move along the orientation.
pub const ACTION_FORWARD: i64 = 0;
/// Move against the orientation.
pub const ACTION_BACKWARD: i64 = 1;
/// Move to the agent's left, without turning.
pub const ACTION_STEP_LEFT: i64 = 2;
/// Move to the agent's right, without turning.
pub const ACTION_STEP_RIGHT: i64 = 3;
/// Turn 90 degrees counter-clockwise.
pub const ACTION_ROTATE_LEFT: i64 = 4;
/// Turn 90 degrees clockwise.
pub const ACTION_ROTATE_RIGHT: i64 = 5;
/// Fire the tagging beam.
pub const ACTION_BEAM: i64 = 6;
/// Do nothing.
pub const ACTION_STAND: i64 = 7;
/// Fire the cleaning beam (Cleanup only).
pub const ACTION_CLEAN: i64 = 8;

/// Which social dilemma a world plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dilemma {
    Gathering,
    Cleanup,
}

/// Episode length of both worlds.
const EPISODE_STEPS: u32 = 1_000;
const TAG_OUT_STEPS: u32 = 25;
const GATHERING_APPLE_RESPAWN_STEPS: u32 = 25;
const GATHERING_BEAM_LENGTH: i32 = 20;
const GATHERING_HITS_TO_TAG: u32 = 2;
const CLEANUP_BEAM_LENGTH: i32 = 5;
const CLEANUP_BEAM_WIDTH: i32 = 3;
const CLEANUP_FIRE_COST: f64 = 1.0;
const CLEANUP_HIT_PENALTY: f64 = 50.0;
const CLEANUP_DEPLETION_THRESHOLD: f64 = 0.4;
const CLEANUP_WASTE_SPAWN_PROBABILITY: f64 = 0.5;
const CLEANUP_APPLE_RESPAWN_PROBABILITY: f64 = 0.05;

/// Fewest and most agents a world takes.
pub(crate) const MIN_AGENTS: usize = 2;
pub(crate) const MAX_AGENTS: usize = 10;

/// A world: its id, rules, map and number of agents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DilemmaConfig {
    pub id: String,
    pub dilemma: Dilemma,
    /// Rows of the map: `@` wall, ` ` or `.` floor, `P` floor where agents start, `A` apple
    /// cell (an apple at the start), and for Cleanup `R` river, `H` river that starts wasted,
    /// `S` stream (floor that never holds waste). Short rows are padded with floor, as the
    /// published parser does.
    pub map: Vec<String>,
    pub num_agents: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cell {
    Wall,
    Floor,
    Apple,
    River,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Agent {
    x: i32,
    y: i32,
    orientation: i32,
    /// Steps left out of play; 0 while in play.
    tagged_out: u32,
    /// Beam hits taken since the last tag-out.
    hits: u32,
}

/// Gathering or Cleanup (see the module documentation for the rules).
#[derive(Debug)]
pub struct SocialDilemma {
    description: Arc<MultiAgentDescription>,
    agent_names: Vec<String>,
    dilemma: Dilemma,
    rows: usize,
    cols: usize,
    cells: Vec<Cell>,
    spawn_points: Vec<usize>,
    /// Where agents beyond the spawn points start: floor that is no apple, river or stream.
    open_cells: Vec<usize>,
    apple_cells: Vec<usize>,
    river_cells: Vec<usize>,
    initial_waste: Vec<usize>,
    apple: Vec<bool>,
    /// Gathering: steps until an eaten apple regrows.
    regrow_in: Vec<u32>,
    waste: Vec<bool>,
    waste_count: usize,
    agents: Vec<Agent>,
    step_index: u32,
    rng: NpRandom,
    started: bool,
    over: bool,
    /// The part of every agent's observation that is the same for all of them (agent records
    /// and grids), refreshed once per reset and step.
    shared: Vec<f64>,
}

impl SocialDilemma {
    /// A world from its configuration; an unusable map or agent count is an
    /// [`EnvError::InvalidConfig`].
    pub fn new(config: &DilemmaConfig) -> Result<SocialDilemma, EnvError> {
        let invalid = |reason: String| EnvError::InvalidConfig {
            env: config.id.clone(),
            reason,
        };
        if !(MIN_AGENTS..=MAX_AGENTS).contains(&config.num_agents) {
            return Err(invalid(format!(
                "{} agents; a world takes {MIN_AGENTS} to {MAX_AGENTS}",
                config.num_agents
            )));
        }
        let rows = config.map.len();
        let cols = config.map.iter().map(String::len).max().unwrap_or(0);
        if rows < 3 || cols < 3 {
            return Err(invalid("the map must be at least 3x3".into()));
        }
        let cleanup = config.dilemma == Dilemma::Cleanup;
        let mut cells = Vec::with_capacity(rows * cols);
        let mut spawn_points = Vec::new();
        let mut open_cells = Vec::new();
        let mut initial_waste = Vec::new();
        for row in &config.map {
            let padding = std::iter::repeat_n(b' ', cols - row.len());
            for byte in row.bytes().chain(padding) {
                let index = cells.len();
                let cell = match byte {
                    b'@' => Cell::Wall,
                    b' ' | b'.' => Cell::Floor,
                    b'P' => {
                        spawn_points.push(index);
                        Cell::Floor
                    }
                    b'A' => Cell::Apple,
                    b'R' if cleanup => Cell::River,
                    b'H' if cleanup => {
                        initial_waste.push(index);
                        Cell::River
                    }
                    b'S' if cleanup => Cell::Floor,
                    other => {
                        return Err(invalid(format!("unknown map cell {:?}", char::from(other))));
                    }
                };
                // Stream is floor too, but agents never start on it.
                if matches!(byte, b' ' | b'.' | b'P') {
                    open_cells.push(index);
                }
                cells.push(cell);
            }
        }
        if spawn_points.len() < config.num_agents && open_cells.is_empty() {
            return Err(invalid("the map has no floor to start agents on".into()));
        }
        let cells_of =
            |kind: Cell| -> Vec<usize> { (0..cells.len()).filter(|&i| cells[i] == kind).collect() };
        let apple_cells = cells_of(Cell::Apple);
        let river_cells = cells_of(Cell::River);
        let description = Arc::new(describe(config, rows, cols));
        let count = cells.len();
        Ok(SocialDilemma {
            description,
            agent_names: (0..config.num_agents)
                .map(|i| format!("agent_{i}"))
                .collect(),
            dilemma: config.dilemma,
            rows,
            cols,
            cells,
            spawn_points,
            open_cells,
            apple_cells,
            river_cells,
            initial_waste,
            apple: vec![false; count],
            regrow_in: vec![0; count],
            waste: vec![false; count],
            waste_count: 0,
            agents: Vec::new(),
            step_index: 0,
            rng: NpRandom::from_seed(crate::entropy_seed()),
            started: false,
            over: false,
            shared: Vec::new(),
        })
    }

    fn cell_at(&self, x: i32, y: i32) -> Option<usize> {
        (x >= 0 && y >= 0 && (x as usize) < self.cols && (y as usize) < self.rows)
            .then(|| y as usize * self.cols + x as usize)
    }

    fn agent_cell(&self, agent: usize) -> usize {
        let a = self.agents[agent];
        a.y as usize * self.cols + a.x as usize
    }

    /// Whether any agent (tagged out or not) stands on `cell`.
    fn occupied(&self, cell: usize) -> bool {
        (0..self.agents.len()).any(|agent| self.agent_cell(agent) == cell)
    }

    fn waste_density(&self) -> f64 {
        if self.river_cells.is_empty() {
            0.0
        } else {
            self.waste_count as f64 / self.river_cells.len() as f64
        }
    }

    /// The cells a beam of `agent` covers: the rectangle ahead, minus walls.
    fn beam_cells(&self, agent: usize, length: i32, width: i32) -> Vec<usize> {
        let a = self.agents[agent];
        let (fx, fy) = direction(a.orientation);
        let (rx, ry) = direction(a.orientation + 1);
        let half = width / 2;
        let mut covered = Vec::new();
        for distance in 1..=length {
            for lane in -half..=half {
                let x = a.x + fx * distance + rx * lane;
                let y = a.y + fy * distance + ry * lane;
                if let Some(cell) = self.cell_at(x, y)
                    && self.cells[cell] != Cell::Wall
                {
                    covered.push(cell);
                }
            }
        }
        covered
    }

    fn move_agent(&mut self, agent: usize, turn: i32) {
        let a = self.agents[agent];
        let (dx, dy) = direction(a.orientation + turn);
        if let Some(cell) = self.cell_at(a.x + dx, a.y + dy)
            && self.cells[cell] != Cell::Wall
        {
            self.agents[agent].x += dx;
            self.agents[agent].y += dy;
        }
    }

    fn fire_beam(&mut self, agent: usize, rewards: &mut [f64]) {
        let (length, width, hits_to_tag) = match self.dilemma {
            Dilemma::Gathering => (GATHERING_BEAM_LENGTH, 1, GATHERING_HITS_TO_TAG),
            Dilemma::Cleanup => (CLEANUP_BEAM_LENGTH, CLEANUP_BEAM_WIDTH, 1),
        };
        if self.dilemma == Dilemma::Cleanup {
            rewards[agent] -= CLEANUP_FIRE_COST;
        }
        let covered = self.beam_cells(agent, length, width);
        for (target, reward) in rewards.iter_mut().enumerate() {
            if target == agent
                || self.agents[target].tagged_out > 0
                || !covered.contains(&self.agent_cell(target))
            {
                continue;
            }
            if self.dilemma == Dilemma::Cleanup {
                *reward -= CLEANUP_HIT_PENALTY;
            }
            let t = &mut self.agents[target];
            t.hits += 1;
            if t.hits >= hits_to_tag {
                t.tagged_out = TAG_OUT_STEPS;
                t.hits = 0;
            }
        }
    }

    fn clean(&mut self, agent: usize, rewards: &mut [f64]) {
        rewards[agent] -= CLEANUP_FIRE_COST;
        for cell in self.beam_cells(agent, CLEANUP_BEAM_LENGTH, CLEANUP_BEAM_WIDTH) {
            if self.waste[cell] {
                self.waste[cell] = false;
                self.waste_count -= 1;
            }
        }
    }

    fn regrow_gathering(&mut self) {
        for &cell in &self.apple_cells {
            if !self.apple[cell] {
                self.regrow_in[cell] = self.regrow_in[cell].saturating_sub(1);
                if self.regrow_in[cell] == 0 {
                    self.apple[cell] = true;
                }
            }
        }
    }

    fn spawn_cleanup(&mut self) {
        let density = self.waste_density();
        if density < CLEANUP_DEPLETION_THRESHOLD
            && self.rng.random() < CLEANUP_WASTE_SPAWN_PROBABILITY
        {
            let candidates: Vec<usize> = self
                .river_cells
                .iter()
                .copied()
                .filter(|&cell| !self.waste[cell] && !self.occupied(cell))
                .collect();
            if !candidates.is_empty() {
                let cell = candidates[self.rng.integers(0, candidates.len() as i64) as usize];
                self.waste[cell] = true;
                self.waste_count += 1;
            }
        }
        let density = self.waste_density();
        if density >= CLEANUP_DEPLETION_THRESHOLD {
            return;
        }
        let probability = if density <= 0.0 {
            CLEANUP_APPLE_RESPAWN_PROBABILITY
        } else {
            (1.0 - density / CLEANUP_DEPLETION_THRESHOLD) * CLEANUP_APPLE_RESPAWN_PROBABILITY
        };
        for index in 0..self.apple_cells.len() {
            let cell = self.apple_cells[index];
            if !self.apple[cell] && !self.occupied(cell) && self.rng.random() < probability {
                self.apple[cell] = true;
            }
        }
    }

    fn refresh_shared(&mut self) {
        let mut shared = std::mem::take(&mut self.shared);
        shared.clear();
        for a in &self.agents {
            shared.extend([
                f64::from(a.x),
                f64::from(a.y),
                f64::from(a.orientation),
                f64::from(a.tagged_out),
                f64::from(a.hits),
            ]);
        }
        shared.extend(self.apple.iter().map(|&on| f64::from(u8::from(on))));
        shared.extend(
            self.cells
                .iter()
                .map(|&c| f64::from(u8::from(c == Cell::Wall))),
        );
        if self.dilemma == Dilemma::Cleanup {
            shared.extend(self.waste.iter().map(|&on| f64::from(u8::from(on))));
            shared.extend(
                self.cells
                    .iter()
                    .map(|&c| f64::from(u8::from(c == Cell::River))),
            );
        }
        self.shared = shared;
    }

    fn validate(&self, actions: &[Action]) -> Result<Vec<i64>, EnvError> {
        if !self.started {
            return Err(EnvError::NotReset);
        }
        if self.over {
            return Err(EnvError::EpisodeOver);
        }
        let space = &self.description.action_space;
        if actions.len() != self.agents.len() {
            return Err(EnvError::InvalidAction {
                space: space.describe(),
                reason: format!("{} actions for {} agents", actions.len(), self.agents.len()),
            });
        }
        actions
            .iter()
            .enumerate()
            .map(|(agent, action)| {
                space
                    .check(action)
                    .map(|checked| checked.discrete())
                    .map_err(|error| match error {
                        EnvError::InvalidAction { space, reason } => EnvError::InvalidAction {
                            space,
                            reason: format!("agent_{agent}: {reason}"),
                        },
                        other => other,
                    })
            })
            .collect()
    }
}

fn direction(orientation: i32) -> (i32, i32) {
    match orientation.rem_euclid(4) {
        0 => (0, -1),
        1 => (1, 0),
        2 => (0, 1),
        _ => (-1, 0),
    }
}

impl ParallelEnv for SocialDilemma {
    fn description(&self) -> &MultiAgentDescription {
        &self.description
    }

    fn agents(&self) -> &[String] {
        &self.agent_names
    }

    fn reset_state(&mut self, seed: Option<u64>) {
        if let Some(seed) = seed {
            self.rng = NpRandom::from_seed(seed);
        }
        // Agents take the spawn points in a shuffled order; the rest start on random floor.
        let mut points = self.spawn_points.clone();
        self.rng.shuffle(&mut points);
        self.agents.clear();
        for agent in 0..self.agent_names.len() {
            let cell = match points.get(agent) {
                Some(&cell) => cell,
                None => {
                    self.open_cells[self.rng.integers(0, self.open_cells.len() as i64) as usize]
                }
            };
            let orientation = self.rng.integers(0, 4) as i32;
            self.agents.push(Agent {
                x: (cell % self.cols) as i32,
                y: (cell / self.cols) as i32,
                orientation,
                tagged_out: 0,
                hits: 0,
            });
        }
        self.apple = self.cells.iter().map(|&c| c == Cell::Apple).collect();
        self.regrow_in.fill(0);
        self.waste.fill(false);
        for &cell in &self.initial_waste {
            self.waste[cell] = true;
        }
        self.waste_count = self.initial_waste.len();
        self.step_index = 0;
        self.started = true;
        self.over = false;
        self.refresh_shared();
    }

    fn advance(&mut self, actions: &[Action]) -> Result<StepOutcome, EnvError> {
        let actions = self.validate(actions)?;
        let n = self.agents.len();
        let mut rewards = vec![0.0; n];
        for agent in &mut self.agents {
            agent.tagged_out = agent.tagged_out.saturating_sub(1);
        }
        for (agent, &action) in actions.iter().enumerate() {
            if self.agents[agent].tagged_out > 0 {
                continue;
            }
            match action {
                ACTION_FORWARD => self.move_agent(agent, 0),
                ACTION_STEP_RIGHT => self.move_agent(agent, 1),
                ACTION_BACKWARD => self.move_agent(agent, 2),
                ACTION_STEP_LEFT => self.move_agent(agent, 3),
                ACTION_ROTATE_LEFT => {
                    let a = &mut self.agents[agent];
                    a.orientation = (a.orientation + 3) % 4;
                }
                ACTION_ROTATE_RIGHT => {
                    let a = &mut self.agents[agent];
                    a.orientation = (a.orientation + 1) % 4;
                }
                ACTION_BEAM => self.fire_beam(agent, &mut rewards),
                ACTION_CLEAN => self.clean(agent, &mut rewards),
                _ => {}
            }
        }
        match self.dilemma {
            Dilemma::Gathering => self.regrow_gathering(),
            Dilemma::Cleanup => self.spawn_cleanup(),
        }
        for (agent, reward) in rewards.iter_mut().enumerate() {
            let cell = self.agent_cell(agent);
            if self.agents[agent].tagged_out == 0 && self.apple[cell] {
                self.apple[cell] = false;
                self.regrow_in[cell] = GATHERING_APPLE_RESPAWN_STEPS;
                *reward += 1.0;
            }
        }
        self.step_index += 1;
        let truncated = self.step_index >= EPISODE_STEPS;
        self.over = truncated;
        self.refresh_shared();
        Ok(StepOutcome {
            rewards,
            terminations: vec![false; n],
            truncations: vec![truncated; n],
            infos: self
                .agents
                .iter()
                .map(|a| AgentInfo {
                    tagged_out: a.tagged_out > 0,
                })
                .collect(),
        })
    }

    fn observe(&self, agent: usize, out: &mut Vec<f64>) {
        out.clear();
        let Some(a) = self.agents.get(agent) else {
            return;
        };
        out.extend([
            agent as f64,
            f64::from(self.step_index),
            f64::from(a.x),
            f64::from(a.y),
            f64::from(a.orientation),
            f64::from(a.tagged_out),
        ]);
        out.extend_from_slice(&self.shared);
    }
}

/// The description of a world (its observation layout depends on the map and agent count).
fn describe(config: &DilemmaConfig, rows: usize, cols: usize) -> MultiAgentDescription {
    use StructuredShape::{Grid, Int, Records};
    let cleanup = config.dilemma == Dilemma::Cleanup;
    let grid = Grid { rows, cols };
    let mut fields = vec![
        StructuredField::new(
            "agent_id",
            Int,
            "your agent's index i: you are `obs.agents[i]`",
        ),
        StructuredField::new(
            "step",
            Int,
            "steps taken so far in this episode (0 at the start)",
        ),
        StructuredField::new("x", Int, "your column"),
        StructuredField::new("y", Int, "your row"),
        StructuredField::new(
            "orientation",
            Int,
            "your orientation: 0 up, 1 right, 2 down, 3 left",
        ),
        StructuredField::new(
            "tagged_out",
            Int,
            "steps you remain out of play (0: you are on the map)",
        ),
        StructuredField::new(
            "agents",
            Records {
                count: config.num_agents,
                fields: ["x", "y", "orientation", "tagged_out", "hits"]
                    .map(String::from)
                    .to_vec(),
            },
            "every agent, yours included, in index order; `hits` counts beam hits since its last tag-out",
        ),
        StructuredField::new("apples", grid.clone(), "1 where an apple is, else 0"),
        StructuredField::new("walls", grid.clone(), "1 where a wall is, else 0"),
    ];
    if cleanup {
        fields.push(StructuredField::new(
            "waste",
            grid.clone(),
            "1 where waste covers the river, else 0",
        ));
        fields.push(StructuredField::new(
            "river",
            grid,
            "1 on every river cell (clear or wasted), else 0",
        ));
    }
    let len: usize = fields.iter().map(StructuredField::len).sum();
    let bound = f64::from(EPISODE_STEPS).max(rows.max(cols) as f64);
    let observation_space = Space::box_f32(vec![-1.0; len], vec![bound; len]);
    let mut action_meanings = vec![
        "0: move forward (one cell along your orientation)".to_owned(),
        "1: move backward (one cell against your orientation, without turning)".to_owned(),
        "2: step left (one cell to your left, without turning)".to_owned(),
        "3: step right (one cell to your right, without turning)".to_owned(),
        "4: rotate left (turn 90 degrees counter-clockwise)".to_owned(),
        "5: rotate right (turn 90 degrees clockwise)".to_owned(),
        if cleanup {
            "6: fire the tagging beam (5 cells ahead, 3 wide; costs you 1; a hit agent loses 50 and is out for 25 steps)".to_owned()
        } else {
            "6: fire the tagging beam (20 cells ahead, 1 wide; an agent hit twice is out for 25 steps)".to_owned()
        },
        "7: stand still".to_owned(),
    ];
    if cleanup {
        action_meanings.push(
            "8: clean (5 cells ahead, 3 wide: waste in reach becomes clear river; costs you 1)"
                .to_owned(),
        );
    }
    let (summary, reward_rules, starter) = if cleanup {
        (
            "Cleanup, a public-goods dilemma: apples grow in the orchard only while the river is clean enough, and waste keeps accumulating in the river. Cleaning earns nothing directly; eating apples earns everything.",
            "+1 for each apple you step on (you eat it). -1 each time you fire the beam or clean. -50 when another agent's beam hits you. While the waste density (waste cells / river cells) is below 0.4, each step one waste cell appears in the river with probability 0.5, and each empty apple cell grows an apple with probability 0.05 * (1 - density / 0.4); at 0.4 or more no apple grows. The river starts 47% wasted.",
            CLEANUP_STARTER,
        )
    } else {
        (
            "Gathering, a common-pool dilemma: agents collect apples that regrow on a fixed timer, and may tag rivals out of play with a beam.",
            "+1 for each apple you step on (you eat it). An eaten apple regrows on its cell 25 steps later. Firing the beam costs nothing; an agent hit twice is out of play for 25 steps.",
            GATHERING_STARTER,
        )
    };
    MultiAgentDescription {
        id: config.id.clone(),
        summary: summary.into(),
        num_agents: config.num_agents,
        observation_space,
        observation_fields: fields,
        observation_note: format!(
            "The map is {rows} rows by {cols} columns: `x` is the column (0 at the left), `y` the row (0 at the top), so a grid is read `obs.apples[y][x]`. Orientation 0 faces up (y - 1), 1 right (x + 1), 2 down (y + 1), 3 left (x - 1). Walls block moves; agents do not block each other (several may share a cell). A beam covers a rectangle ahead of the firer (walls are skipped, not blocking) and hits every agent in it. A tagged-out agent stays where it is; its actions are ignored and it cannot eat or be hit. Each step: tag-out timers count down, then the agents act one at a time in index order, then apples (and waste) respawn, then each agent eats the apple on its cell, lowest index first."
        ),
        action_space: Space::discrete(if cleanup { 9 } else { 8 }),
        action_meanings,
        idle_action: ACTION_STAND,
        reward_rules: reward_rules.into(),
        termination: "Never: no state ends the episode early.".into(),
        truncation: format!("After {EPISODE_STEPS} steps."),
        max_episode_steps: Some(EPISODE_STEPS),
        starter_policy: starter.into(),
    }
}

const GATHERING_STARTER: &str = r#"# Walk toward the nearest apple (Manhattan distance); stand still if there is none.
def act(obs):
    if obs.tagged_out:
        return 7
    best = None
    for y, row in enumerate(obs.apples):
        for x, apple in enumerate(row):
            if apple:
                d = abs(x - obs.x) + abs(y - obs.y)
                if best is None or d < best[0]:
                    best = (d, x, y)
    if best is None:
        return 7
    _, tx, ty = best
    dx, dy = tx - obs.x, ty - obs.y
    # Absolute direction wanted: 0 up, 1 right, 2 down, 3 left.
    want = (1 if dx > 0 else 3) if abs(dx) >= abs(dy) else (2 if dy > 0 else 0)
    # Moves strafe: 0 forward, 3 right, 1 backward, 2 left, relative to the orientation.
    return (0, 3, 1, 2)[(want - obs.orientation) % 4]
"#;

const CLEANUP_STARTER: &str = r#"# Even agents clean the river, odd agents harvest the nearest apple.
def nearest(grid, x, y):
    best = None
    for gy, row in enumerate(grid):
        for gx, on in enumerate(row):
            if on:
                d = abs(gx - x) + abs(gy - y)
                if best is None or d < best[0]:
                    best = (d, gx, gy)
    return best

def act(obs):
    if obs.tagged_out:
        return 7
    target = nearest(obs.waste if obs.agent_id % 2 == 0 else obs.apples, obs.x, obs.y)
    if target is None:
        return 7
    d, tx, ty = target
    dx, dy = tx - obs.x, ty - obs.y
    want = (1 if dx > 0 else 3) if abs(dx) >= abs(dy) else (2 if dy > 0 else 0)
    if obs.agent_id % 2 == 0 and d <= 3:
        # Face the waste, then clean.
        return 8 if want == obs.orientation else 5
    return (0, 3, 1, 2)[(want - obs.orientation) % 4]
"#;
