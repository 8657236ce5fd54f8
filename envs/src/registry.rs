//! Environments by Gymnasium id, and a way for users to add their own.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::{CartPole, Env, EnvDescription, EnvError, TimeLimit};

type Factory = Arc<dyn Fn() -> Box<dyn Env> + Send + Sync>;

/// A set of environments by id. [`Registry::default`] holds the built-in ones.
#[derive(Clone)]
pub struct Registry {
    entries: BTreeMap<String, Entry>,
}

#[derive(Clone)]
struct Entry {
    description: EnvDescription,
    factory: Factory,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry").field("ids", &self.entries.keys().collect::<Vec<_>>()).finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        let mut registry = Registry::empty();
        registry.register(CartPole::describe().clone(), CartPole::new);
        registry
    }
}

impl Registry {
    /// A registry with no environments.
    pub fn empty() -> Registry {
        Registry { entries: BTreeMap::new() }
    }

    /// Adds (or replaces) an environment. `make` builds the raw environment; the registry
    /// wraps it with the time limit of `description.max_episode_steps`, and with the checks
    /// that refuse `step` before `reset` and after the episode ended.
    pub fn register<E, F>(&mut self, description: EnvDescription, make: F)
    where
        E: Env + 'static,
        F: Fn() -> E + Send + Sync + 'static,
    {
        let factory: Factory = Arc::new(move || Box::new(TimeLimit::new(make())) as Box<dyn Env>);
        self.entries.insert(description.id.clone(), Entry { description, factory });
    }

    /// A new instance of the environment `id`.
    pub fn make(&self, id: &str) -> Result<Box<dyn Env>, EnvError> {
        self.entries.get(id).map(|entry| (entry.factory)()).ok_or_else(|| self.unknown(id))
    }

    /// The description of `id`, without building it.
    pub fn describe(&self, id: &str) -> Result<&EnvDescription, EnvError> {
        self.entries.get(id).map(|entry| &entry.description).ok_or_else(|| self.unknown(id))
    }

    /// Every registered id, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    fn unknown(&self, id: &str) -> EnvError {
        EnvError::UnknownEnv { id: id.to_owned(), known: self.ids().collect::<Vec<_>>().join(", ") }
    }
}

/// `Registry::default().make(id)`.
pub fn make(id: &str) -> Result<Box<dyn Env>, EnvError> {
    Registry::default().make(id)
}
