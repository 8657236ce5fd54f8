//! The pre-initialized Python guest.
//!
//! Building RustPython's interpreter and importing the standard library that policies commonly
//! use takes tens of milliseconds and about a hundred million instructions, identical for every
//! policy. `wasmtime-wizer` runs that work once (the guest's `ppo_preinit` export) and writes the
//! resulting memory and globals into a new module; each policy then starts by instantiating the
//! snapshot, whose memory image is mapped copy-on-write.
//!
//! The snapshot is taken with the very module that cold-started policies run (the guest as
//! instrumented for the snapshot, which only exports its globals besides), under the same WASI
//! as every policy, so a snapshot start and a cold start are the same program state. Nothing
//! random survives into a policy: the host restarts its random source from the policy's seed
//! before `ppo_load`, and the guest reseeds its generators from it.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ppo_sandbox_contract as contract;
use wasmtime::{Instance, Linker, Module, Store, Val};
use wasmtime_wizer::{InstanceState, ModuleContext, SnapshotVal, ValType, Wizer};

use crate::host::HostState;
use crate::{EngineError, Limits};

/// Fuel for `ppo_preinit` (it needs about 0.1 G): not a policy's budget, since no policy code
/// runs yet.
pub(crate) const PREINIT_FUEL: u64 = 20_000_000_000;
/// Wall-clock budget for `ppo_preinit`.
pub(crate) const PREINIT_TIMEOUT_MS: u64 = 120_000;

/// The seed of the random source while the interpreter is pre-initialized, in the snapshot
/// and in cold starts alike: state derived from it before a policy's own seed takes over (the
/// keys of the runner's hash maps, say) is then the same for both.
pub(crate) const PREINIT_SEED: u64 = 0;

fn wizer() -> Wizer {
    let mut wizer = Wizer::new();
    wizer.init_func(contract::EXPORT_PREINIT);
    wizer
}

/// The guest instrumented for snapshotting: what cold starts run and what the snapshot is
/// taken from.
pub(crate) fn instrument(wasm: &[u8]) -> Result<(ModuleContext<'_>, Vec<u8>), EngineError> {
    wizer()
        .instrument(wasm)
        .map_err(|error| EngineError::Snapshot(format!("instrumenting the guest: {error:#}")))
}

/// Runs `_initialize` and `ppo_preinit` in a throwaway store and returns the snapshot module.
pub(crate) fn take(
    engine: &wasmtime::Engine,
    linker: &Linker<HostState>,
    instrumented: &Module,
    context: &ModuleContext<'_>,
    deadline_ticks: u64,
    wasm_stack_bytes: usize,
) -> Result<Vec<u8>, EngineError> {
    let failed =
        |what: &str, error: wasmtime::Error| EngineError::Snapshot(format!("{what}: {error:#}"));
    let mut store = Store::new(engine, HostState::new(&Limits::default(), PREINIT_SEED));
    store.limiter(|state| &mut state.limiter);
    store.epoch_deadline_trap();
    store
        .set_fuel(PREINIT_FUEL)
        .map_err(|e| failed("setting fuel", e))?;
    store.set_epoch_deadline(deadline_ticks);
    let instance = crate::policy::with_stack(wasm_stack_bytes, || {
        let instance = linker.instantiate(&mut store, instrumented)?;
        preinit(&mut store, &instance)?;
        Ok::<_, wasmtime::Error>(instance)
    })
    .map_err(|e| failed("pre-initializing the guest", e))?;
    let mut state = WizerState {
        store: &mut store,
        instance,
        problem: None,
    };
    let snapshot = run_ready(wizer().snapshot(context, &mut state))
        .ok_or_else(|| EngineError::Snapshot("the snapshot did not complete".into()))?
        .map_err(|e| failed("writing the snapshot", e))?;
    match state.problem {
        Some(problem) => Err(EngineError::Snapshot(problem)),
        None => Ok(snapshot),
    }
}

/// Reactor start-up and the runner's pre-initialization: what the snapshot holds, and what a
/// cold start runs before the policy's own code.
pub(crate) fn preinit(store: &mut Store<HostState>, instance: &Instance) -> wasmtime::Result<()> {
    start_reactor(store, instance)?;
    instance
        .get_typed_func::<(), ()>(&mut *store, contract::EXPORT_PREINIT)?
        .call(&mut *store, ())
}

/// Calls a reactor module's `_initialize`, if it exports one (a snapshot no longer does).
pub(crate) fn start_reactor(
    store: &mut Store<HostState>,
    instance: &Instance,
) -> wasmtime::Result<()> {
    match instance.get_typed_func::<(), ()>(&mut *store, "_initialize") {
        Ok(initialize) => initialize.call(&mut *store, ()),
        Err(_) => Ok(()),
    }
}

/// Polls a future that never waits (the snapshot only reads this thread's store) to its end;
/// `None` if it asks to wait after all.
fn run_ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// What Wizer reads from the initialized instance: its globals and its memory.
struct WizerState<'a> {
    store: &'a mut Store<HostState>,
    instance: Instance,
    /// The first thing Wizer asked for that the instance lacks (the snapshot is then void).
    problem: Option<String>,
}

impl InstanceState for WizerState<'_> {
    async fn global_get(&mut self, name: &str, _type_hint: ValType) -> SnapshotVal {
        let value = self
            .instance
            .get_global(&mut *self.store, name)
            .map(|global| global.get(&mut *self.store));
        match value {
            Some(Val::I32(x)) => SnapshotVal::I32(x),
            Some(Val::I64(x)) => SnapshotVal::I64(x),
            Some(Val::F32(x)) => SnapshotVal::F32(x),
            Some(Val::F64(x)) => SnapshotVal::F64(x),
            Some(Val::V128(x)) => SnapshotVal::V128(x.as_u128()),
            _ => {
                self.problem
                    .get_or_insert_with(|| format!("no numeric global `{name}` to snapshot"));
                SnapshotVal::I32(0)
            }
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        match self.instance.get_memory(&mut *self.store, name) {
            Some(memory) => contents(memory.data(&*self.store)),
            None => {
                self.problem
                    .get_or_insert_with(|| format!("no memory `{name}` to snapshot"));
                contents(&[])
            }
        }
    }
}
