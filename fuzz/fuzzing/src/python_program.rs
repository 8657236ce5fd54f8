//! Grammar-based Python policies: programs that parse (mostly), so the fuzzer spends its time
//! deep in the interpreter and the runner rather than in the tokenizer. The grammar mixes what
//! models write (classes, comprehensions, `math`, `random`, dataclasses) with what attackers
//! write (introspection, patching builtins and shared modules, resource bombs, escapes).

use arbitrary::{Arbitrary, Result, Unstructured};

/// A generated policy source for one of the fuzz environments.
#[derive(Clone, Debug)]
pub struct PythonProgram {
    /// Index into [`FUZZ_ENVS`](crate::FUZZ_ENVS).
    pub env: usize,
    pub source: String,
}

impl<'a> Arbitrary<'a> for PythonProgram {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let env = u.choose_index(crate::FUZZ_ENVS.len())?;
        let mut generator = Generator {
            u,
            out: String::new(),
            indent: 0,
            depth: 0,
            statements: 0,
            in_function: false,
            in_method: false,
        };
        generator.program()?;
        Ok(PythonProgram {
            env,
            source: generator.out,
        })
    }
}

const MODULES: &[&str] = &[
    "math",
    "random",
    "time",
    "sys",
    "gc",
    "os",
    "io",
    "itertools",
    "collections",
    "functools",
    "dataclasses",
    "enum",
    "typing",
    "statistics",
    "heapq",
    "struct",
    "json",
    "re",
    "array",
    "weakref",
    "operator",
    "copy",
    "string",
    "builtins",
    "bisect",
    "abc",
    "types",
    "inspect",
    "traceback",
    "warnings",
    "contextlib",
    "decimal",
    "fractions",
    "socket",
    "subprocess",
    "ctypes",
    "threading",
    "signal",
    "select",
    "mmap",
    "marshal",
    "pickle",
    "_thread",
    "posix",
    "importlib",
    "atexit",
    "linecache",
    "zlib",
    "base64",
    "hashlib",
];

const NAMES: &[&str] = &["x", "y", "state", "w", "memo", "k", "acc", "items"];

const FIELDS: &[&str] = &[
    "pole_angle",
    "cart_position",
    "pole_angular_velocity",
    "cart_velocity",
    "cos_theta",
    "sin_theta",
    "angular_velocity",
    "nonexistent",
    "__class__",
    "__dict__",
    "append",
];

const BUILTINS: &[&str] = &[
    "len",
    "sum",
    "min",
    "max",
    "abs",
    "int",
    "float",
    "str",
    "list",
    "tuple",
    "dict",
    "set",
    "range",
    "sorted",
    "reversed",
    "round",
    "pow",
    "divmod",
    "zip",
    "map",
    "filter",
    "enumerate",
    "any",
    "all",
    "type",
    "isinstance",
    "hash",
    "id",
    "repr",
    "chr",
    "ord",
    "bool",
    "getattr",
    "hasattr",
    "setattr",
    "vars",
    "dir",
    "iter",
    "next",
    "bytes",
    "bytearray",
    "memoryview",
    "eval",
    "exec",
    "compile",
    "globals",
    "locals",
    "__import__",
    "open",
    "print",
    "input",
    "object",
    "super",
    "format",
    "hex",
    "bin",
    "complex",
    "frozenset",
    "slice",
    "callable",
];

const DUNDERS: &[&str] = &[
    "__class__",
    "__bases__",
    "__mro__",
    "__subclasses__()",
    "__dict__",
    "__globals__",
    "__code__",
    "__builtins__",
    "__closure__",
    "__self__",
    "__func__",
    "__module__",
    "__init__",
    "__getattribute__",
    "__reduce_ex__(2)",
    "__sizeof__()",
    "__traceback__",
    "f_back",
    "f_globals",
    "tb_frame",
    "gi_frame",
    "co_consts",
    "__wrapped__",
];

/// Whole statements an attacker or a careless model writes; each is valid Python.
const SNIPPETS: &[&str] = &[
    "sys.setrecursionlimit(10 ** 6)",
    "big = [0] * (10 ** 8)",
    "s = 'a' * (1 << 30)",
    "print('x' * 100000)",
    "print('y' * 100, file=sys.stderr)",
    "os.system('ls')",
    "open('/etc/passwd').read()",
    "open('escape.txt', 'w').write('x')",
    "os.listdir('/')",
    "os.listdir('.')",
    "os.stat('/')",
    "os.getcwd()",
    "os.chdir('/')",
    "os.environ['X'] = '1'",
    "os.getenv('HOME')",
    "os.urandom(16)",
    "os.fork()",
    "os.kill(os.getpid(), 9)",
    "os._exit(0)",
    "sys.exit(3)",
    "raise SystemExit(1)",
    "raise KeyboardInterrupt",
    "raise MemoryError",
    "raise RecursionError",
    "time.sleep(1e9)",
    "time.time()",
    "time.perf_counter()",
    "__import__('socket').socket()",
    "__import__('subprocess').run(['ls'])",
    "__import__('ctypes').CDLL(None)",
    "().__class__.__bases__[0].__subclasses__()",
    "[c for c in object.__subclasses__() if 'Loader' in c.__name__]",
    "gc.get_objects() if hasattr(gc, 'get_objects') else None",
    "gc.collect()",
    "sys._getframe(0).f_back",
    "sys.modules.clear()",
    "sys.modules['math'] = None",
    "sys.stdout = None",
    "sys.stdout = io.StringIO()",
    "sys.settrace(lambda *a: None)",
    "sys.setprofile(lambda *a: None)",
    "builtins.int = str",
    "builtins.len = lambda o: 0",
    "builtins.float = lambda *a: float('nan')",
    "builtins.isinstance = lambda *a: True",
    "builtins.__import__ = None",
    "globals().clear()",
    "del builtins.print",
    "math.floor = lambda v: 7",
    "random.random = lambda: 2.0",
    "exec('x = 1')",
    "eval('1 +')",
    "compile('\\x00', 'f', 'exec')",
    "x = 2 ** 10 ** 6",
    "x = 10 ** 10 ** 4",
    "x = int('9' * 5000)",
    "x = '%s' % (1,) * 1000",
    "x = bytearray(10 ** 9)",
    "x = list(range(10 ** 8))",
    "x = [[[]]] * 10 ** 7",
    "x = {i: i for i in range(10 ** 7)}",
    "x = memoryview(b'abcdefgh').cast('Q')",
    "x = struct.unpack('<Q', b'12345678')",
    "x = float('nan')",
    "x = float('inf') - float('inf')",
    "x = 1e308 * 10",
    "x = -0.0",
    "x = (1 << 63)",
    "x = -(1 << 63) - 1",
    "x = 0.1 + 0.2",
    "x = complex(1, 2)",
    "x = b'\\xff\\xfe'.decode('utf-8', 'replace')",
    "x = '\\udcff'",
    "x = 'é' * 3",
    "x = json.loads('[1, 2, {\"a\": null}]')",
    "x = json.dumps({'a': [1.5, None]})",
    "x = re.compile('(a+)+$').match('a' * 30 + '!')",
    "threading.Thread(target=lambda: None).start()",
    "signal.alarm(1)",
    "atexit.register(lambda: print('bye'))",
    "importlib.import_module('os')",
    "pickle.loads(pickle.dumps([1, 2]))",
    "marshal.loads(b'\\x00')",
    "random.seed(1234)",
    "x = random.random() + random.gauss(0, 1)",
    "x = statistics.mean([1, 2, 3])",
    "x = functools.reduce(operator.add, range(10))",
    "x = list(itertools.islice(itertools.count(), 5))",
    "x = collections.deque(maxlen=3)",
    "heapq.heappush(items, 3) if isinstance(items, list) else None",
    "weakref.ref(object)",
    "x = copy.deepcopy([[1], [2]])",
    "x = decimal.Decimal('1.5') + 1",
    "x = fractions.Fraction(1, 3)",
    "x = zlib.compress(b'x' * 1000)",
    "x = hashlib.sha256(b'x').hexdigest()",
    "x = base64.b64encode(b'x')",
    "x = inspect.stack()",
    "x = traceback.format_stack()",
    "warnings.warn('careful')",
    "x = types.SimpleNamespace(a=1)",
    "x = array.array('d', [1.0, 2.0])",
    "x = linecache.getline('policy.py', 1)",
    "x = string.ascii_letters",
    "x = enum.IntEnum('A', 'LEFT RIGHT')",
    "x = typing.NamedTuple('P', [('a', int)])",
    "x = [i * i for i in range(50) if i % 3]",
    "x = {k: v for k, v in zip('abc', range(3))}",
    "x = (lambda f: f(f))(lambda f: 1)",
    "x = sorted([3, 1, 2], key=lambda v: -v)",
    "x = f'{1.5:.3f} {\"a\"!r:>10}'",
    "x = '{0}{1}'.format(1, 2)",
    "x = max([], default=0)",
    "x = sum(w * o for w, o in zip([0.1, 0.2], [1.0, 2.0]))",
];

struct Generator<'u, 'a> {
    u: &'u mut Unstructured<'a>,
    out: String,
    indent: usize,
    depth: usize,
    statements: usize,
    in_function: bool,
    in_method: bool,
}

impl Generator<'_, '_> {
    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn program(&mut self) -> Result<()> {
        for _ in 0..self.u.int_in_range(0..=3)? {
            let module = self.u.choose(MODULES)?;
            self.line(&format!("import {module}"));
        }
        // Modules most policies use, so snippets that name them reach their point.
        self.line("import math, random, sys, os, io, gc, time, builtins, json, re, struct");
        self.line("import itertools, functools, operator, collections, statistics, heapq");
        self.line("items = []");
        self.line("x = 0");
        for _ in 0..self.u.int_in_range(0..=5)? {
            self.statement()?;
        }
        for _ in 0..self.u.int_in_range(0..=2)? {
            self.function("helper")?;
        }
        match self.u.int_in_range(0..=3)? {
            0 => self.class_policy(),
            1 => self.dataclass_policy(),
            _ => self.function("act"),
        }?;
        for _ in 0..self.u.int_in_range(0..=1)? {
            self.statement()?;
        }
        Ok(())
    }

    fn function(&mut self, name: &str) -> Result<()> {
        let name = if name == "helper" {
            format!("helper{}", self.u.int_in_range(0..=2)?)
        } else {
            name.to_owned()
        };
        if self.u.ratio(1, 6)? {
            self.line("@functools.lru_cache(maxsize=None)");
        }
        self.line(&format!("def {name}(obs):"));
        let saved = (self.in_function, self.in_method);
        self.in_function = true;
        self.in_method = false;
        if self.u.ratio(1, 3)? {
            // First in the body, where a global declaration is always valid.
            self.line("    global x, acc, items");
        }
        self.block(true)?;
        (self.in_function, self.in_method) = saved;
        Ok(())
    }

    fn class_policy(&mut self) -> Result<()> {
        let base = *self
            .u
            .choose(&["", "(object)", "(dict)", "(int)", "(Exception)"])?;
        self.line(&format!("class Policy{base}:"));
        self.indent += 1;
        let saved = (self.in_function, self.in_method);
        self.in_function = true;
        self.in_method = true;
        if self.u.ratio(2, 3)? {
            self.line("def __init__(self):");
            self.indent += 1;
            self.line("self.state = 0");
            self.indent -= 1;
            self.block(false)?;
        }
        if self.u.ratio(1, 2)? {
            self.line("def reset(self):");
            self.block(false)?;
        }
        if self.u.ratio(1, 5)? {
            let dunder = *self.u.choose(&[
                "__getattr__",
                "__getattribute__",
                "__del__",
                "__eq__",
                "__hash__",
            ])?;
            self.line(&format!("def {dunder}(self, *args):"));
            self.block(true)?;
        }
        self.line("def act(self, obs):");
        self.block(true)?;
        (self.in_function, self.in_method) = saved;
        self.indent -= 1;
        Ok(())
    }

    fn dataclass_policy(&mut self) -> Result<()> {
        self.line("import dataclasses, enum");
        self.line("class Move(enum.IntEnum):");
        self.line("    LEFT = 0");
        self.line("    RIGHT = 1");
        self.line("@dataclasses.dataclass");
        self.line("class Policy:");
        self.indent += 1;
        self.line("gain: float = 0.5");
        self.line("history: list = dataclasses.field(default_factory=list)");
        let saved = (self.in_function, self.in_method);
        self.in_function = true;
        self.in_method = true;
        self.line("def act(self, obs):");
        self.block(true)?;
        (self.in_function, self.in_method) = saved;
        self.indent -= 1;
        Ok(())
    }

    /// An indented block of 1..=4 statements; `returns` ends it with a `return`.
    fn block(&mut self, returns: bool) -> Result<()> {
        self.indent += 1;
        self.depth += 1;
        let count = if self.depth > 3 {
            1
        } else {
            self.u.int_in_range(1..=4)?
        };
        for _ in 0..count {
            self.statement()?;
        }
        if returns {
            let value = self.action_expression()?;
            self.line(&format!("return {value}"));
        }
        self.depth -= 1;
        self.indent -= 1;
        Ok(())
    }

    fn statement(&mut self) -> Result<()> {
        self.statements += 1;
        // Past a budget (or out of input) only simple statements: programs stay small.
        if self.statements > 40 || self.u.is_empty() {
            let name = self.target()?;
            self.line(&format!("{name} = 0"));
            return Ok(());
        }
        let nested = self.depth < 4;
        match self.u.int_in_range(0..=17)? {
            0 | 1 => {
                let (name, value) = (self.target()?, self.expression()?);
                self.line(&format!("{name} = {value}"));
            }
            2 => {
                let name = self.target()?;
                let op = *self
                    .u
                    .choose(&["+=", "-=", "*=", "/=", "//=", "%=", "**=", "|=", "<<="])?;
                let value = self.expression()?;
                self.line(&format!("{name} {op} {value}"));
            }
            3 if nested => {
                let condition = self.expression()?;
                self.line(&format!("if {condition}:"));
                self.block(false)?;
                if self.u.ratio(1, 2)? {
                    self.line("else:");
                    self.block(false)?;
                }
            }
            4 if nested => {
                let (name, iterable) = (*self.u.choose(NAMES)?, self.iterable()?);
                self.line(&format!("for {name} in {iterable}:"));
                self.block(false)?;
            }
            5 if nested => {
                let condition = if self.u.ratio(1, 4)? {
                    "True".to_owned()
                } else {
                    self.expression()?
                };
                self.line(&format!("while {condition}:"));
                self.block(false)?;
                if self.u.ratio(1, 2)? {
                    self.indent += 1;
                    self.line("break");
                    self.indent -= 1;
                }
            }
            6 if nested => {
                self.line("try:");
                self.block(false)?;
                let caught = *self.u.choose(&[
                    "Exception",
                    "BaseException",
                    "ZeroDivisionError",
                    "(TypeError, ValueError)",
                    "MemoryError",
                    "RecursionError",
                    "SystemExit",
                ])?;
                self.line(&format!("except {caught} as error:"));
                self.block(false)?;
                if self.u.ratio(1, 3)? {
                    self.line("finally:");
                    self.block(false)?;
                }
            }
            7 => {
                let value = self.expression()?;
                self.line(&format!("print({value})"));
            }
            8 => {
                let kind = *self.u.choose(&[
                    "ValueError",
                    "RuntimeError",
                    "Exception",
                    "StopIteration",
                    "GeneratorExit",
                    "SystemExit",
                    "KeyError",
                ])?;
                let value = self.expression()?;
                self.line(&format!("raise {kind}({value})"));
            }
            9 if self.in_function => {
                let value = self.action_expression()?;
                self.line(&format!("return {value}"));
            }
            11 if nested => {
                let subject = self.expression()?;
                self.line(&format!("match {subject}:"));
                self.indent += 1;
                let pattern = *self.u.choose(&[
                    "0",
                    "[a, b, *rest]",
                    "{'k': v}",
                    "float() | int()",
                    "str(s) if s",
                    "(1, _)",
                    "None",
                ])?;
                self.line(&format!("case {pattern}:"));
                self.block(false)?;
                self.line("case _:");
                self.block(false)?;
                self.indent -= 1;
            }
            12 if nested => {
                let generator = self.u.ratio(1, 2)?;
                self.line("def inner(n=0):");
                let saved = self.in_function;
                self.in_function = true;
                self.indent += 1;
                let step = if generator {
                    "yield n"
                } else {
                    "return inner(n + 1) if n < 10 ** 6 else n"
                };
                self.line(step);
                self.indent -= 1;
                self.block(false)?;
                self.in_function = saved;
                let call = if generator {
                    "x = list(inner())"
                } else {
                    "x = inner()"
                };
                self.line(call);
            }
            13 => {
                let (name, value) = (*self.u.choose(NAMES)?, self.expression()?);
                self.line(&format!("assert {name} != {value}, {value}"));
            }
            14 => {
                let module = *self.u.choose(MODULES)?;
                self.line(&format!("import {module}"));
            }
            15 if self.in_method => {
                let (field, value) = (*self.u.choose(NAMES)?, self.expression()?);
                self.line(&format!("self.{field} = {value}"));
            }
            16 => {
                let target = *self.u.choose(&[
                    "obs[0]",
                    "obs.pole_angle",
                    "obs.__class__.__getitem__",
                    "obs[:]",
                ])?;
                let value = self.expression()?;
                self.line(&format!("{target} = {value}"));
            }
            _ => {
                let snippet = *self.u.choose(SNIPPETS)?;
                self.line(snippet);
            }
        }
        Ok(())
    }

    fn target(&mut self) -> Result<String> {
        let name = *self.u.choose(NAMES)?;
        Ok(if self.in_method && self.u.ratio(1, 3)? {
            format!("self.{name}")
        } else {
            name.to_owned()
        })
    }

    fn iterable(&mut self) -> Result<String> {
        Ok(match self.u.int_in_range(0..=4)? {
            0 => format!("range({})", self.u.int_in_range(0..=200)?),
            1 => "obs".to_owned(),
            2 => "enumerate(obs)".to_owned(),
            3 => format!("range({})", self.expression()?),
            _ => self.expression()?,
        })
    }

    /// What `act` returns: usually something close to a valid action, sometimes not.
    fn action_expression(&mut self) -> Result<String> {
        Ok(match self.u.int_in_range(0..=9)? {
            0 => "0".into(),
            1 => "1 if obs[2] + obs[3] > 0 else 0".into(),
            2 => "[max(-2.0, min(2.0, -3.0 * obs[1]))]".into(),
            3 => "Move.RIGHT".into(),
            4 => "random.choice([0, 1])".into(),
            5 => "int(sum(obs) > 0) if isinstance(obs, list) else obs % 4".into(),
            _ => self.expression()?,
        })
    }

    fn expression(&mut self) -> Result<String> {
        if self.depth > 6 || self.u.is_empty() {
            return self.atom();
        }
        self.depth += 1;
        let expression = match self.u.int_in_range(0..=14)? {
            0..=3 => self.atom()?,
            4 => {
                let op = *self.u.choose(&[
                    "+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "@",
                ])?;
                format!("({} {op} {})", self.expression()?, self.expression()?)
            }
            5 => {
                let op = *self.u.choose(&[
                    "<", ">", "==", "!=", "<=", ">=", "in", "not in", "is", "is not",
                ])?;
                format!("({} {op} {})", self.expression()?, self.expression()?)
            }
            6 => {
                let op = *self.u.choose(&["and", "or"])?;
                format!("({} {op} {})", self.expression()?, self.expression()?)
            }
            7 => {
                let op = *self.u.choose(&["-", "+", "~", "not "])?;
                format!("({op}{})", self.expression()?)
            }
            8 => format!(
                "({} if {} else {})",
                self.expression()?,
                self.expression()?,
                self.expression()?
            ),
            9 => {
                let builtin = *self.u.choose(BUILTINS)?;
                let args = self.arguments()?;
                format!("{builtin}({args})")
            }
            10 => {
                let function = *self.u.choose(&[
                    "math.sqrt",
                    "math.atan2",
                    "math.exp",
                    "math.log",
                    "math.tanh",
                    "math.copysign",
                    "random.uniform",
                    "random.randint",
                    "statistics.fmean",
                    "helper0",
                    "helper1",
                    "act",
                ])?;
                let args = self.arguments()?;
                format!("{function}({args})")
            }
            11 => {
                let base = self.expression()?;
                let dunder = *self.u.choose(DUNDERS)?;
                format!("({base}).{dunder}")
            }
            12 => format!("{}[{}]", self.expression()?, self.expression()?),
            13 => {
                let kind = *self.u.choose(&[
                    "[{e} for v in {i}]",
                    "{{e} for v in {i}}",
                    "({e} for v in {i})",
                    "{v: {e} for v in {i}}",
                ])?;
                let (e, i) = (self.expression()?, self.iterable()?);
                kind.replace("{e}", &e).replace("{i}", &i)
            }
            _ => format!("[{}, {}]", self.expression()?, self.expression()?),
        };
        self.depth -= 1;
        Ok(expression)
    }

    fn arguments(&mut self) -> Result<String> {
        let mut args = Vec::new();
        for _ in 0..self.u.int_in_range(0..=3)? {
            args.push(self.expression()?);
        }
        Ok(args.join(", "))
    }

    fn atom(&mut self) -> Result<String> {
        Ok(match self.u.int_in_range(0..=11)? {
            0 => self.u.int_in_range(-3i64..=3)?.to_string(),
            1 => i64::arbitrary(self.u)?.to_string(),
            2 => {
                let value = f64::arbitrary(self.u)?;
                if value.is_finite() {
                    format!("{value:?}")
                } else {
                    format!("float('{value}')")
                }
            }
            3 => crate::boundary::python_string(
                self.u
                    .choose(&["", "a", "policy", "\u{0}", "é", "%s%n", "\\N"])?,
            ),
            4 => self
                .u
                .choose(&["True", "False", "None", "...", "obs", "self"])?
                .to_string(),
            5 => self.u.choose(NAMES)?.to_string(),
            6 => format!("obs[{}]", self.u.int_in_range(-5i64..=5)?),
            7 => format!("obs.{}", self.u.choose(FIELDS)?),
            8 => format!(
                "obs[{}:{}]",
                self.u.int_in_range(-3i64..=3)?,
                self.u.int_in_range(-3i64..=3)?
            ),
            9 => self
                .u
                .choose(&[
                    "math.pi",
                    "math.inf",
                    "math.nan",
                    "sys.maxsize",
                    "sys.float_info.max",
                    "len(obs)",
                    "state",
                ])?
                .to_string(),
            10 => "(lambda v: v * 2)".into(),
            _ => "f\"{obs!r:>8}\"".into(),
        })
    }
}
