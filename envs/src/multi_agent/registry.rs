//! Multi-agent environments by id, and a way for users to add their own.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::maps;
use super::social_dilemma::{MAX_AGENTS, MIN_AGENTS};
use crate::{Dilemma, DilemmaConfig, EnvError, MultiAgentDescription, ParallelEnv, SocialDilemma};

type Factory = Arc<dyn Fn(usize) -> Result<Box<dyn ParallelEnv>, EnvError> + Send + Sync>;

/// A set of multi-agent environments by id, each made for a number of agents.
/// [`ParallelRegistry::default`] holds the sequential social dilemmas of the published code:
///
/// - `Gathering-v0` (21x29, 2 agents by default), `GatheringSmall-v0` (10x18, 2 agents),
///   `GatheringLarge-v0` (16x38, 4 agents);
/// - `Cleanup-v0` (25x18, 5 agents), `CleanupSmall-v0` (11x13, 5 agents).
///
/// Each takes 2 to 10 agents.
#[derive(Clone)]
pub struct ParallelRegistry {
    entries: BTreeMap<String, Entry>,
}

#[derive(Clone)]
struct Entry {
    default_agents: usize,
    factory: Factory,
}

impl fmt::Debug for ParallelRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParallelRegistry")
            .field("ids", &self.entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for ParallelRegistry {
    fn default() -> Self {
        let mut registry = ParallelRegistry::empty();
        let worlds: [(&str, Dilemma, &'static [&'static str], usize); 5] = [
            ("Gathering-v0", Dilemma::Gathering, maps::GATHERING, 2),
            (
                "GatheringSmall-v0",
                Dilemma::Gathering,
                maps::GATHERING_SMALL,
                2,
            ),
            (
                "GatheringLarge-v0",
                Dilemma::Gathering,
                maps::GATHERING_LARGE,
                4,
            ),
            ("Cleanup-v0", Dilemma::Cleanup, maps::CLEANUP, 5),
            ("CleanupSmall-v0", Dilemma::Cleanup, maps::CLEANUP_SMALL, 5),
        ];
        for (id, dilemma, map, default_agents) in worlds {
            registry.register(id, default_agents, move |num_agents| {
                SocialDilemma::new(&DilemmaConfig {
                    id: id.to_owned(),
                    dilemma,
                    map: map.iter().map(|row| (*row).to_owned()).collect(),
                    num_agents,
                })
            });
        }
        registry
    }
}

impl ParallelRegistry {
    /// A registry with no environments.
    pub fn empty() -> ParallelRegistry {
        ParallelRegistry {
            entries: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) an environment: `make(num_agents)` builds it (and refuses a count
    /// it cannot take with an error).
    pub fn register<E, F>(&mut self, id: &str, default_agents: usize, make: F)
    where
        E: ParallelEnv + 'static,
        F: Fn(usize) -> Result<E, EnvError> + Send + Sync + 'static,
    {
        let factory: Factory =
            Arc::new(move |n| make(n).map(|env| Box::new(env) as Box<dyn ParallelEnv>));
        self.entries.insert(
            id.to_owned(),
            Entry {
                default_agents,
                factory,
            },
        );
    }

    /// A new instance of `id` with `num_agents` agents (`None`: its default count).
    pub fn make(
        &self,
        id: &str,
        num_agents: Option<usize>,
    ) -> Result<Box<dyn ParallelEnv>, EnvError> {
        let entry = self.entries.get(id).ok_or_else(|| self.unknown(id))?;
        (entry.factory)(num_agents.unwrap_or(entry.default_agents))
    }

    /// The description of `id` with `num_agents` agents.
    pub fn describe(
        &self,
        id: &str,
        num_agents: Option<usize>,
    ) -> Result<MultiAgentDescription, EnvError> {
        self.make(id, num_agents)
            .map(|env| env.description().clone())
    }

    /// The agent count `id` is made with when none is given.
    pub fn default_agents(&self, id: &str) -> Option<usize> {
        self.entries.get(id).map(|entry| entry.default_agents)
    }

    /// Whether `id` is registered.
    pub fn contains(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }

    /// Every registered id, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    fn unknown(&self, id: &str) -> EnvError {
        EnvError::UnknownEnv {
            id: id.to_owned(),
            known: self.ids().collect::<Vec<_>>().join(", "),
        }
    }
}

/// `ParallelRegistry::default().make(id, num_agents)`.
pub fn make_parallel(
    id: &str,
    num_agents: Option<usize>,
) -> Result<Box<dyn ParallelEnv>, EnvError> {
    ParallelRegistry::default().make(id, num_agents)
}

/// The agent counts the built-in worlds take.
pub const AGENT_COUNTS: std::ops::RangeInclusive<usize> = MIN_AGENTS..=MAX_AGENTS;
