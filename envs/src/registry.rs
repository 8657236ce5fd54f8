//! Environments by Gymnasium id, and a way for users to add their own.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::{
    Acrobot, CartPole, CliffWalking, ContinuousMountainCar, Env, EnvDescription, EnvError,
    FrozenLake, FrozenLakeMap, MountainCar, NoiseWorld, NoiseWorldConfig, Pendulum, Taxi,
    TimeLimit,
};

type Factory = Arc<dyn Fn() -> Result<Box<dyn Env>, EnvError> + Send + Sync>;

/// A set of environments by id. [`Registry::default`] holds the built-in ones:
///
/// - classic control: `CartPole-v1`, `MountainCar-v0`, `MountainCarContinuous-v0`,
///   `Pendulum-v1`, `Acrobot-v1`;
/// - toy text: `FrozenLake-v1`, `FrozenLake8x8-v1`, `FrozenLakeNotSlippery-v1`,
///   `FrozenLake8x8NotSlippery-v1`, `CliffWalking-v1`, `CliffWalkingSlippery-v1`, `Taxi-v4`;
/// - NoiseWorld: `NoiseWorld-v0` (PromptPO's 10x10 board 1) and PromptPO's evaluation boards
///   `NoiseWorldBoard0-v0` .. `NoiseWorldBoard6-v0` (boards 4-6 have milestones);
/// - MuJoCo (v5 rules, the `mujoco` feature): `InvertedPendulum-v5`,
///   `InvertedDoublePendulum-v5`, `Reacher-v5`, `Swimmer-v5`, `Hopper-v5`, `HalfCheetah-v5`,
///   `Walker2d-v5`, `Ant-v5`.
#[derive(Clone)]
pub struct Registry {
    entries: BTreeMap<String, Entry>,
}

#[derive(Clone)]
struct Entry {
    description: Arc<EnvDescription>,
    factory: Factory,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("ids", &self.entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        // Built once: descriptions are shared, so a copy costs a few small allocations.
        static BUILT_IN: OnceLock<Registry> = OnceLock::new();
        BUILT_IN.get_or_init(Registry::built_in).clone()
    }
}

impl Registry {
    /// A registry with no environments.
    pub fn empty() -> Registry {
        Registry {
            entries: BTreeMap::new(),
        }
    }

    fn built_in() -> Registry {
        let mut registry = Registry::empty();
        registry.register(CartPole::describe().clone(), CartPole::new);
        registry.register(MountainCar::describe().clone(), MountainCar::new);
        registry.register(
            ContinuousMountainCar::describe().clone(),
            ContinuousMountainCar::new,
        );
        registry.register(Pendulum::describe().clone(), Pendulum::new);
        registry.register(Acrobot::describe().clone(), Acrobot::new);
        for map in [FrozenLakeMap::Map4x4, FrozenLakeMap::Map8x8] {
            for is_slippery in [true, false] {
                registry.register(FrozenLake::describe(map, is_slippery).clone(), move || {
                    FrozenLake::new(map, is_slippery)
                });
            }
        }
        for is_slippery in [false, true] {
            registry.register(CliffWalking::describe(is_slippery).clone(), move || {
                CliffWalking::new(is_slippery)
            });
        }
        registry.register(Taxi::describe().clone(), Taxi::new);
        crate::mujoco::register(&mut registry);
        let boards = (0..NoiseWorldConfig::promptpo_board_count())
            .filter_map(NoiseWorldConfig::promptpo_board);
        let default_board =
            NoiseWorldConfig::promptpo_board(1).map(|config| config.with_id("NoiseWorld-v0"));
        for config in boards.chain(default_board) {
            let description = Arc::new(NoiseWorld::describe(&config));
            let shared = Arc::clone(&description);
            registry.insert(description, move || {
                NoiseWorld::with_description(&config, Arc::clone(&shared))
            });
        }
        registry
    }

    /// Adds (or replaces) an environment. `make` builds the raw environment; the registry
    /// wraps it with the time limit of `description.max_episode_steps`, and with the checks
    /// that refuse `step` before `reset` and after the episode ended.
    pub fn register<E, F>(&mut self, description: EnvDescription, make: F)
    where
        E: Env + 'static,
        F: Fn() -> E + Send + Sync + 'static,
    {
        self.insert(Arc::new(description), move || Ok(make()));
    }

    /// [`Registry::register`] for an environment whose construction can fail (a bad
    /// configuration); `make` reports the error.
    pub fn register_fallible<E, F>(&mut self, description: EnvDescription, make: F)
    where
        E: Env + 'static,
        F: Fn() -> Result<E, EnvError> + Send + Sync + 'static,
    {
        self.insert(Arc::new(description), make);
    }

    fn insert<E, F>(&mut self, description: Arc<EnvDescription>, make: F)
    where
        E: Env + 'static,
        F: Fn() -> Result<E, EnvError> + Send + Sync + 'static,
    {
        let factory: Factory =
            Arc::new(move || Ok(Box::new(TimeLimit::new(make()?)) as Box<dyn Env>));
        self.entries.insert(
            description.id.clone(),
            Entry {
                description,
                factory,
            },
        );
    }

    /// A new instance of the environment `id`.
    pub fn make(&self, id: &str) -> Result<Box<dyn Env>, EnvError> {
        self.entries
            .get(id)
            .ok_or_else(|| self.unknown(id))
            .and_then(|entry| (entry.factory)())
    }

    /// The description of `id`, without building it.
    pub fn describe(&self, id: &str) -> Result<&EnvDescription, EnvError> {
        self.entries
            .get(id)
            .map(|entry| &*entry.description)
            .ok_or_else(|| self.unknown(id))
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

/// `Registry::default().make(id)`.
pub fn make(id: &str) -> Result<Box<dyn Env>, EnvError> {
    Registry::default().make(id)
}
