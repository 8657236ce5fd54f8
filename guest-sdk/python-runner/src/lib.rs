//! The Python guest: RustPython compiled to `wasm32-wasip1`, speaking the ppo-sandbox guest
//! contract (see `ppo-sandbox-contract`).
//!
//! The host writes a policy's source into memory from [`ppo_alloc`], describes the observation
//! with [`ppo_configure`], loads the policy with [`ppo_load`], then calls [`ppo_reset`] at each
//! episode start and [`ppo_act`] once per step. Actions are read here, in the guest, as plain
//! values (the payload of an `int`, a `float`, or a list of them): the host never calls back
//! into an object the policy made, and no dunder method of the policy's is consulted.

use std::borrow::Borrow;
use std::cell::RefCell;

use ppo_sandbox_contract as contract;
use rustpython_vm::{
    AsObject, Interpreter, Py, PyObject, PyObjectRef, PyPayload, PyRef, PyResult, Settings,
    VirtualMachine,
    builtins::{PyBaseExceptionRef, PyCode, PyFloat, PyFunction, PyInt, PyList, PyTuple, PyType},
    bytecode::CodeUnit,
    compiler::Mode,
};

mod fields;
mod parallel_assign;
mod small_alloc;
mod structured;

use structured::{StructItem, Structured};

const PRELUDE: &str = include_str!("prelude.py");
/// A small pure-Python stand-in for numpy, importable as `numpy` (policies import it by habit).
const NUMPY_LITE: &str = include_str!("numpy_lite.py");
const POLICY_MODULE: &str = "policy";
const POLICY_FILE: &str = "policy.py";

/// Everything the runner keeps between calls. The guest is single-threaded, so one
/// thread-local instance is the whole state.
struct Runner {
    interpreter: Interpreter,
    prelude: PyObjectRef,
    observation_type: Option<PyRef<PyType>>,
    field_names: Vec<String>,
    /// Whether observations are built as the named `Observation` type (the policy's source
    /// mentions a field name) or as plain lists, which the interpreter indexes far faster.
    named_observation: bool,
    discrete_observation: bool,
    /// A structured observation (multi-agent worlds): named scalars, grids and records.
    structured: Option<Structured>,
    act: Option<PyObjectRef>,
    /// `act` as a function (and the object it is bound to) that takes exactly the
    /// observation: called without argument binding.
    exact_act: Option<(PyRef<PyFunction>, Option<PyObjectRef>)>,
    reset: Option<PyObjectRef>,
    /// Last step's observation list, refilled in place when nothing else holds it.
    obs_list: Option<PyRef<PyList>>,
    obs_buffer: Vec<f64>,
    reply: Box<contract::Reply>,
    reply_data: Vec<u8>,
}

#[global_allocator]
static ALLOCATOR: small_alloc::SmallBlockCache = small_alloc::SmallBlockCache::new();

thread_local! {
    static RUNNER: RefCell<Option<Runner>> = const { RefCell::new(None) };
}

/// A failure to report to the host.
pub(crate) struct Failure {
    kind: u32,
    text: String,
}

impl Failure {
    pub(crate) fn protocol(message: &str) -> Failure {
        Failure {
            kind: contract::ERROR_PROTOCOL,
            text: join_text("ProtocolError", message, ""),
        }
    }
}

fn join_text(type_name: &str, message: &str, traceback: &str) -> String {
    let sep = contract::FIELD_SEPARATOR;
    format!("{type_name}{sep}{message}{sep}{traceback}")
}

/// Describes a Python exception as a [`Failure`], choosing the kind from its class.
fn exception_failure(vm: &VirtualMachine, exc: &PyBaseExceptionRef, default_kind: u32) -> Failure {
    let kinds = &vm.ctx.exceptions;
    let kind = if exc.fast_isinstance(kinds.system_exit) {
        contract::ERROR_EXIT
    } else if exc.fast_isinstance(kinds.memory_error) {
        contract::ERROR_MEMORY
    } else if exc.fast_isinstance(kinds.recursion_error) {
        contract::ERROR_RECURSION
    } else {
        default_kind
    };
    let type_name = exc.class().name().to_string();
    let message = match exc.as_object().str(vm) {
        Ok(text) => text.to_string_lossy().into_owned(),
        Err(_) => "<exception text could not be rendered>".to_owned(),
    };
    let mut traceback = String::new();
    if vm.write_exception(&mut traceback, exc).is_err() {
        traceback.clear();
    }
    Failure {
        kind,
        text: join_text(&type_name, &message, &traceback),
    }
}

impl Runner {
    fn new() -> Result<Runner, Failure> {
        let mut settings = Settings::default();
        // Determinism: a fixed string hash seed (set and dict order never vary between runs)
        // and no site import, no environment, no signal handlers.
        settings.hash_seed = Some(0);
        settings.import_site = false;
        settings.isolated = true;
        settings.ignore_environment = true;
        settings.allow_external_library = false;
        settings.install_signal_handlers = false;
        settings.user_site_directory = false;
        settings.write_bytecode = false;
        let builder = Interpreter::builder(settings);
        let defs = rustpython_stdlib::stdlib_module_defs(&builder.ctx);
        let interpreter = builder
            .add_native_modules(&defs)
            .add_frozen_modules(rustpython_pylib::FROZEN_STDLIB)
            .build();
        let prelude = interpreter.enter(|vm| -> Result<PyObjectRef, Failure> {
            let code = vm
                .compile(PRELUDE, Mode::Exec, "<ppo-runner>")
                .map_err(|err| Failure::protocol(&format!("runner prelude: {err:?}")))?;
            let scope = vm.new_scope_with_builtins();
            let module = vm.new_module("_ppo_runner", scope.globals.clone(), None);
            vm.run_code_obj(code, scope)
                .map_err(|exc| exception_failure(vm, &exc, contract::ERROR_PROTOCOL))?;
            let module: PyObjectRef = module.into();
            module
                .get_attr("preimport", vm)
                .and_then(|preimport| preimport.call((), vm))
                .map_err(|exc| exception_failure(vm, &exc, contract::ERROR_PROTOCOL))?;
            module
                .get_attr("install_numpy", vm)
                .and_then(|install| install.call((NUMPY_LITE,), vm))
                .map_err(|exc| exception_failure(vm, &exc, contract::ERROR_PROTOCOL))?;
            Ok(module)
        })?;
        Ok(Runner {
            interpreter,
            prelude,
            observation_type: None,
            field_names: Vec::new(),
            named_observation: true,
            discrete_observation: false,
            structured: None,
            act: None,
            exact_act: None,
            reset: None,
            obs_list: None,
            obs_buffer: Vec::new(),
            reply: Box::new(contract::Reply {
                status: 0,
                kind: 0,
                len: 0,
                data: 0,
            }),
            reply_data: Vec::new(),
        })
    }

    fn configure(&mut self, spec: &str) -> Result<(), Failure> {
        let mut lines = spec.lines();
        let kind = lines.next().unwrap_or_default();
        self.discrete_observation = match kind {
            contract::OBS_KIND_DISCRETE => true,
            contract::OBS_KIND_BOX => false,
            contract::OBS_KIND_STRUCT => {
                let items = lines
                    .map(StructItem::parse)
                    .collect::<Result<Vec<_>, _>>()?;
                let prelude = self.prelude.clone();
                let structured = self.interpreter.enter(|vm| {
                    Structured::new(vm, &prelude, items)
                        .map_err(|exc| exception_failure(vm, &exc, contract::ERROR_PROTOCOL))
                })?;
                self.structured = Some(structured);
                return Ok(());
            }
            other => {
                return Err(Failure::protocol(&format!(
                    "unknown observation kind {other:?}"
                )));
            }
        };
        let names: Vec<String> = lines.map(str::to_owned).collect();
        self.field_names = names.clone();
        let prelude = self.prelude.clone();
        let observation_type = self.interpreter.enter(|vm| -> PyResult<PyRef<PyType>> {
            let make = prelude.get_attr("make_observation_type", vm)?;
            let names: Vec<PyObjectRef> = names
                .into_iter()
                .map(|n| vm.ctx.new_str(n).into())
                .collect();
            let class = make
                .call((vm.ctx.new_list(names),), vm)?
                .downcast::<PyType>()
                .map_err(|_| vm.new_type_error("observation type"))?;
            fields::read_fields_directly(vm, &class, &self.field_names);
            Ok(class)
        });
        let observation_type = self.interpreter.enter(|vm| {
            observation_type.map_err(|exc| exception_failure(vm, &exc, contract::ERROR_PROTOCOL))
        })?;
        self.observation_type = Some(observation_type);
        Ok(())
    }

    fn load(&mut self, source: &str) -> Result<(), Failure> {
        if self.observation_type.is_none()
            && !self.discrete_observation
            && self.structured.is_none()
        {
            return Err(Failure::protocol("ppo_load before ppo_configure"));
        }
        if self.act.is_some() {
            return Err(Failure::protocol(
                "a policy is already loaded in this instance",
            ));
        }
        self.named_observation = self
            .field_names
            .iter()
            .map(String::as_str)
            .chain(["tolist", "_fields"])
            .any(|word| mentions_word(source, word));
        let prelude = self.prelude.clone();
        // The host restarted its random source from the policy's seed just before this call:
        // draw every generator the interpreter holds afresh from it, so that state made before
        // a snapshot is never shared between policies. Failing to reseed is not fatal: the
        // generators then keep their (still deterministic) state.
        let _ = rand::rng().reseed();
        let (act, exact, reset) = self.interpreter.enter(|vm| {
            prelude
                .get_attr("reseed", vm)
                .and_then(|reseed| reseed.call((), vm))
                .map_err(|exc| exception_failure(vm, &exc, contract::ERROR_PROTOCOL))?;
            let code = compile_policy(vm, source)?;
            // Source lines in tracebacks; a failure here only costs those lines.
            let _ = vm.register_code_in_linecache(&code, source);
            let module = prelude
                .get_attr("new_module", vm)
                .and_then(|new_module| new_module.call((POLICY_MODULE,), vm))
                .map_err(|exc| exception_failure(vm, &exc, contract::ERROR_PROTOCOL))?;
            let globals = module
                .dict()
                .ok_or_else(|| Failure::protocol("policy module has no namespace"))?;
            let scope = rustpython_vm::scope::Scope::with_builtins(None, globals, vm);
            vm.run_code_obj(code, scope)
                .map_err(|exc| exception_failure(vm, &exc, contract::ERROR_LOAD))?;
            let found = prelude
                .get_attr("find_policy", vm)
                .and_then(|find| find.call((module,), vm))
                .map_err(|exc| {
                    let missing = prelude
                        .get_attr("MissingAct", vm)
                        .ok()
                        .is_some_and(|class| exc.class().is(&class));
                    let kind = if missing {
                        contract::ERROR_MISSING_ACT
                    } else {
                        contract::ERROR_LOAD
                    };
                    exception_failure(vm, &exc, kind)
                })?;
            let pair = found
                .downcast::<PyTuple>()
                .map_err(|_| Failure::protocol("find_policy returned a non-tuple"))?;
            let act = pair.as_slice()[0].clone();
            let reset = pair.as_slice()[1].clone();
            let reset = if vm.is_none(&reset) {
                None
            } else {
                Some(reset)
            };
            let exact = prelude
                .get_attr("exact_call", vm)
                .and_then(|exact_call| exact_call.call((act.clone(),), vm))
                .ok()
                .and_then(|found| found.downcast::<PyTuple>().ok())
                .and_then(|pair| {
                    let function = pair.as_slice()[0].clone().downcast::<PyFunction>().ok()?;
                    let bound = pair.as_slice()[1].clone();
                    Some((
                        function,
                        if vm.is_none(&bound) {
                            None
                        } else {
                            Some(bound)
                        },
                    ))
                });
            Ok::<_, Failure>((act, exact, reset))
        })?;
        self.act = Some(act);
        self.exact_act = exact;
        self.reset = reset;
        Ok(())
    }

    fn reset(&mut self) -> Result<(), Failure> {
        if self.act.is_none() {
            return Err(Failure::protocol("ppo_reset before a policy was loaded"));
        }
        let Some(reset) = self.reset.clone() else {
            return Ok(());
        };
        self.interpreter.enter(|vm| {
            reset
                .call((), vm)
                .map(drop)
                .map_err(|exc| exception_failure(vm, &exc, contract::ERROR_EXCEPTION))
        })
    }

    /// Calls `act` on the first `len` values of the observation buffer and encodes the
    /// action into `reply_data`, returning its action kind and value count.
    fn act(&mut self, len: usize) -> Result<(u32, u32), Failure> {
        let Some(act) = self.act.clone() else {
            return Err(Failure::protocol("ppo_act before a policy was loaded"));
        };
        let exact_act = self.exact_act.clone();
        let values = self
            .obs_buffer
            .get(..len)
            .ok_or_else(|| Failure::protocol("observation longer than its buffer"))?;
        let discrete = self.discrete_observation;
        let observation_type = if self.named_observation {
            self.observation_type.clone()
        } else {
            None
        };
        let reply_data = &mut self.reply_data;
        let obs_list = &mut self.obs_list;
        let structured = &mut self.structured;
        self.interpreter.enter(|vm| {
            let obs: PyObjectRef = if let Some(structured) = structured {
                structured
                    .build(vm, values)
                    .map_err(|exc| exception_failure(vm, &exc, contract::ERROR_PROTOCOL))?
            } else if discrete {
                let value = values.first().copied().unwrap_or_default();
                // Discrete observations arrive as exact small integers.
                vm.ctx.new_int(value as i64).into()
            } else {
                match obs_list {
                    // Only this runner holds last step's list (a policy that kept it would
                    // see it change otherwise), and it still has the right length.
                    Some(list)
                        if list.as_object().strong_count() == 1
                            && list.borrow_vec().len() == values.len() =>
                    {
                        let mut items = list.borrow_vec_mut();
                        for (slot, &value) in items.iter_mut().zip(values) {
                            *slot = vm.ctx.new_float(value).into();
                        }
                        drop(items);
                        list.clone().into()
                    }
                    _ => {
                        let items: Vec<PyObjectRef> =
                            values.iter().map(|&v| vm.ctx.new_float(v).into()).collect();
                        let list = match observation_type {
                            Some(class) => {
                                PyList::from(items).into_ref_with_type(vm, class).map_err(
                                    |exc| exception_failure(vm, &exc, contract::ERROR_PROTOCOL),
                                )?
                            }
                            None => vm.ctx.new_list(items),
                        };
                        *obs_list = Some(list.clone());
                        list.into()
                    }
                }
            };
            let result = match exact_act {
                Some((function, Some(bound))) => function.invoke_exact_args(vec![bound, obs], vm),
                Some((function, None)) => function.invoke_exact_args(vec![obs], vm),
                None => act.call((obs,), vm),
            };
            let action =
                result.map_err(|exc| exception_failure(vm, &exc, contract::ERROR_EXCEPTION))?;
            encode_action(vm, &action, reply_data)
        })
    }
}

/// Compiles a policy's source as `vm.compile` does (syntax errors and warnings included);
/// where it assigns many locals in parallel, compiles it once more and drops the tuples
/// (see [`parallel_assign`]).
fn compile_policy(vm: &VirtualMachine, source: &str) -> Result<PyRef<PyCode>, Failure> {
    let code = vm.compile(source, Mode::Exec, POLICY_FILE).map_err(|err| {
        let exc = err.into_pyexception(vm, Some(source));
        exception_failure(vm, &exc, contract::ERROR_SYNTAX)
    })?;
    if !any_code_object(&code, &parallel_assign::has_tuple_unpack) {
        return Ok(code);
    }
    // The same entry point `vm.compile` uses (it also reads CRLF line endings as `vm.compile`
    // does); the warnings were given by the first compile.
    let mut no_warnings = |_, _| Ok(());
    match rustpython_vm::compiler::compile_with_syntax_warning_handler(
        source,
        Mode::Exec,
        POLICY_FILE,
        vm.compile_opts(),
        &mut no_warnings,
    ) {
        Ok(mut bytecode) => {
            parallel_assign::drop_tuples(&mut bytecode);
            Ok(PyCode::new_ref_from_bytecode(vm, bytecode))
        }
        // The same source and options compiled a moment ago; keep that code if not.
        Err(_) => Ok(code),
    }
}

/// Whether `test` holds for the instructions of `code` or of a code object nested in it.
fn any_code_object(code: &Py<PyCode>, test: &impl Fn(&[CodeUnit]) -> bool) -> bool {
    test(&code.code.instructions)
        || code.code.constants.iter().any(|constant| {
            let object: &PyObject = constant.borrow();
            object
                .downcast_ref::<PyCode>()
                .is_some_and(|nested| any_code_object(nested, test))
        })
}

/// Whether `word` occurs in `source` as a whole identifier. A policy can only read a named
/// field it mentions (computed attribute names aside), so a source that mentions none gets
/// plain lists.
fn mentions_word(source: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    source.match_indices(word).any(|(start, _)| {
        let before = source[..start].chars().next_back();
        let after = source[start + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// Reads an action as plain values: the payload of an `int` (subclasses such as `IntEnum`
/// and `bool` included) or `float`, or a list/tuple of those. No method of the object is
/// called, so an action cannot lie about its value through `__int__`, `__index__`,
/// `__float__` or `__eq__`.
fn encode_action(
    vm: &VirtualMachine,
    action: &PyObjectRef,
    out: &mut Vec<u8>,
) -> Result<(u32, u32), Failure> {
    out.clear();
    match scalar(action) {
        Some(Scalar::Int(value)) => {
            let value = int_to_i64(value, vm)?;
            out.extend_from_slice(&value.to_le_bytes());
            return Ok((contract::ACTION_INT, 1));
        }
        Some(Scalar::Float(value)) => {
            out.extend_from_slice(&value.to_le_bytes());
            return Ok((contract::ACTION_FLOAT, 1));
        }
        None => {}
    }
    let items: Vec<PyObjectRef> = if let Some(list) = action.downcast_ref::<PyList>() {
        list.borrow_vec().to_vec()
    } else if let Some(tuple) = action.downcast_ref::<PyTuple>() {
        tuple.as_slice().to_vec()
    } else {
        return Err(action_type_failure(
            action,
            "an int, a float or a list of numbers",
        ));
    };
    let mut scalars = Vec::with_capacity(items.len());
    for item in &items {
        scalars.push(
            scalar(item).ok_or_else(|| action_type_failure(item, "numbers as list elements"))?,
        );
    }
    let count = u32::try_from(scalars.len()).map_err(|_| Failure::protocol("action too long"))?;
    if scalars.iter().all(|s| matches!(s, Scalar::Int(_))) && !scalars.is_empty() {
        for s in &scalars {
            if let Scalar::Int(value) = s {
                out.extend_from_slice(&int_to_i64(value, vm)?.to_le_bytes());
            }
        }
        Ok((contract::ACTION_INT_LIST, count))
    } else {
        for s in &scalars {
            let value = match s {
                Scalar::Float(value) => *value,
                Scalar::Int(value) => int_to_f64_exact(value, vm)?,
            };
            out.extend_from_slice(&value.to_le_bytes());
        }
        Ok((contract::ACTION_FLOAT_LIST, count))
    }
}

enum Scalar<'a> {
    Int(&'a PyInt),
    Float(f64),
}

fn scalar(object: &PyObjectRef) -> Option<Scalar<'_>> {
    if let Some(int) = object.downcast_ref::<PyInt>() {
        Some(Scalar::Int(int))
    } else {
        object
            .downcast_ref::<PyFloat>()
            .map(|float| Scalar::Float(float.to_f64()))
    }
}

fn int_to_i64(value: &PyInt, _vm: &VirtualMachine) -> Result<i64, Failure> {
    use num_traits::ToPrimitive;
    value.as_bigint().to_i64().ok_or_else(|| Failure {
        kind: contract::ERROR_ACTION_TYPE,
        text: join_text(
            "OverflowError",
            "the action is an int too large for 64 bits",
            "",
        ),
    })
}

fn int_to_f64_exact(value: &PyInt, vm: &VirtualMachine) -> Result<f64, Failure> {
    let wide = int_to_i64(value, vm)?;
    let float = wide as f64;
    if float as i64 == wide && float.abs() <= 9_007_199_254_740_992.0 {
        Ok(float)
    } else {
        Err(Failure {
            kind: contract::ERROR_ACTION_TYPE,
            text: join_text(
                "OverflowError",
                "an int in the action has no exact float value",
                "",
            ),
        })
    }
}

fn action_type_failure(object: &PyObjectRef, expected: &str) -> Failure {
    let type_name = object.class().name().to_string();
    Failure {
        kind: contract::ERROR_ACTION_TYPE,
        text: join_text(
            "TypeError",
            &format!("act() returned {type_name}; expected {expected}"),
            "",
        ),
    }
}

/// Runs `body` against the runner (creating it on first use) and publishes its outcome as a
/// contract reply, returning the reply's address.
fn with_runner(body: impl FnOnce(&mut Runner) -> Result<(u32, u32), Failure>) -> i32 {
    RUNNER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            if let Some(failure) = PREINIT_FAILURE.with(|stored| stored.borrow_mut().take()) {
                return static_failure_reply(failure);
            }
            match Runner::new() {
                Ok(runner) => *slot = Some(runner),
                Err(failure) => return static_failure_reply(failure),
            }
        }
        let runner = slot.as_mut().expect("runner was just created");
        let outcome = body(runner);
        let reply = match outcome {
            Ok((kind, len)) => contract::Reply {
                status: contract::STATUS_OK,
                kind,
                len,
                data: runner.reply_data.as_ptr() as u32,
            },
            Err(failure) => {
                runner.reply_data.clear();
                runner.reply_data.extend_from_slice(failure.text.as_bytes());
                contract::Reply {
                    status: contract::STATUS_ERROR,
                    kind: failure.kind,
                    len: runner.reply_data.len() as u32,
                    data: runner.reply_data.as_ptr() as u32,
                }
            }
        };
        *runner.reply = reply;
        &*runner.reply as *const contract::Reply as i32
    })
}

/// A reply for a failure that happened before the runner existed; kept alive for the
/// lifetime of the instance (there is at most one such failure: the instance is unusable).
fn static_failure_reply(failure: Failure) -> i32 {
    let text: &'static [u8] = Box::leak(failure.text.into_bytes().into_boxed_slice());
    let reply = Box::leak(Box::new(contract::Reply {
        status: contract::STATUS_ERROR,
        kind: failure.kind,
        len: text.len() as u32,
        data: text.as_ptr() as u32,
    }));
    reply as *const contract::Reply as i32
}

unsafe extern "C" {
    fn __wasm_call_ctors();
}

/// Reactor start-up: runs static constructors once. Defining it (rather than letting the
/// linker wrap every export with the constructors) keeps each `ppo_act` call lean.
#[unsafe(no_mangle)]
pub extern "C" fn _initialize() {
    // SAFETY: the host calls `_initialize` exactly once, right after instantiation and before
    // any other export, which is the contract of `__wasm_call_ctors`.
    unsafe { __wasm_call_ctors() }
}

/// Builds the interpreter and imports the commonly used standard library, so that a snapshot
/// taken after this call (or a cold instance that calls it first) starts every policy from
/// the same state. Calling it again does nothing; a failure is reported by the next export.
#[unsafe(no_mangle)]
pub extern "C" fn ppo_preinit() {
    RUNNER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            match Runner::new() {
                Ok(runner) => *slot = Some(runner),
                Err(failure) => PREINIT_FAILURE.with(|stored| *stored.borrow_mut() = Some(failure)),
            }
        }
    });
}

thread_local! {
    static PREINIT_FAILURE: RefCell<Option<Failure>> = const { RefCell::new(None) };
}

#[unsafe(no_mangle)]
pub extern "C" fn ppo_contract_version() -> i32 {
    contract::CONTRACT_VERSION
}

/// Room for `len` bytes (source text or configuration) the host writes before
/// [`ppo_configure`] or [`ppo_load`].
#[unsafe(no_mangle)]
pub extern "C" fn ppo_alloc(len: i32) -> i32 {
    HOST_BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        buffer.clear();
        buffer.resize(len.max(0) as usize, 0);
        buffer.as_ptr() as i32
    })
}

thread_local! {
    static HOST_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn host_text(len: i32) -> Result<String, Failure> {
    HOST_BUFFER.with(|buffer| {
        let buffer = buffer.borrow();
        let bytes = buffer
            .get(..len.max(0) as usize)
            .ok_or_else(|| Failure::protocol("length beyond ppo_alloc"))?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Failure {
            kind: contract::ERROR_SYNTAX,
            text: join_text("SyntaxError", "the source is not valid UTF-8", ""),
        })
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn ppo_configure(_ptr: i32, len: i32) -> i32 {
    with_runner(|runner| {
        let spec = host_text(len)?;
        runner.configure(&spec)?;
        Ok((contract::ACTION_NONE, 0))
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn ppo_load(_ptr: i32, len: i32, _seed_lo: i32, _seed_hi: i32) -> i32 {
    with_runner(|runner| {
        let source = host_text(len)?;
        HOST_BUFFER.with(|buffer| *buffer.borrow_mut() = Vec::new());
        runner.load(&source)?;
        Ok((contract::ACTION_NONE, 0))
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn ppo_reset() -> i32 {
    with_runner(|runner| {
        runner.reset()?;
        Ok((contract::ACTION_NONE, 0))
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn ppo_obs_buffer(len: i32) -> i32 {
    RUNNER.with(|cell| match cell.borrow_mut().as_mut() {
        Some(runner) => {
            let len = len.max(0) as usize;
            if runner.obs_buffer.len() < len {
                runner.obs_buffer.resize(len, 0.0);
            }
            runner.obs_buffer.as_ptr() as i32
        }
        None => 0,
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn ppo_act(len: i32) -> i32 {
    ALLOCATOR.start_caching();
    with_runner(|runner| runner.act(len.max(0) as usize))
}
