# The runner's Python half: builds the observation type and finds a policy's entry points.
# It runs inside the sandbox like the policy itself; nothing here is trusted by the host.
import sys
import types
from operator import itemgetter


class MissingAct(Exception):
    """The policy module defines no `act` function and no class with an `act` method."""


# Names a field may not take: they would hide list behaviour a policy relies on.
_RESERVED = frozenset(dir(list)) | {"tolist"}


def make_observation_type(names):
    """A list subclass whose elements can also be read by field name (`obs.pole_angle`)."""
    namespace = {
        "__slots__": (),
        "__module__": "builtins",
        "__doc__": "One observation: a list of floats, also readable by field name.",
        "_fields": tuple(names),
        "tolist": lambda self: list(self),
    }
    for index, name in enumerate(names):
        if name.isidentifier() and name not in _RESERVED and not name.startswith("__"):
            namespace[name] = property(itemgetter(index))
    return type("Observation", (list,), namespace)


def new_module(name):
    """A fresh module registered in `sys.modules` before its code runs, as importlib does."""
    module = types.ModuleType(name)
    module.__file__ = "policy.py"
    sys.modules[name] = module
    return module


_PREFERRED_CLASS_NAMES = ("Policy", "Agent", "Controller")


def find_policy(module):
    """Returns `(act, reset_or_None)` for a policy module.

    A module-level `act` function wins; otherwise the class defined in the module that has
    an `act` method (one named Policy/Agent/Controller first, else the last one defined) is
    instantiated with no arguments.
    """
    namespace = module.__dict__
    act = namespace.get("act")
    if callable(act) and not isinstance(act, type):
        reset = namespace.get("reset")
        return act, (reset if callable(reset) and not isinstance(reset, type) else None)
    classes = [
        value
        for value in list(namespace.values())
        if isinstance(value, type)
        and getattr(value, "__module__", None) == module.__name__
        and callable(getattr(value, "act", None))
    ]
    if not classes:
        raise MissingAct(
            "the policy defines no `act(obs)` function and no class with an `act(self, obs)` method"
        )
    preferred = [cls for cls in classes if cls.__name__ in _PREFERRED_CLASS_NAMES]
    cls = (preferred or classes)[-1]
    instance = cls()
    reset = getattr(instance, "reset", None)
    return instance.act, (reset if callable(reset) else None)


_NOT_EXACT = 0x04 | 0x08  # CO_VARARGS | CO_VARKEYWORDS


def exact_call(act):
    """`(function, self_or_None)` when `act` is a plain function or bound method that takes
    exactly the observation (plus self), so the runner may call it on the fast path that skips
    argument binding; `None` otherwise (the ordinary call is used)."""
    if type(act) is types.MethodType:
        function, bound, nargs = act.__func__, act.__self__, 2
    else:
        function, bound, nargs = act, None, 1
    if type(function) is not types.FunctionType:
        return None
    code = function.__code__
    if code.co_flags & _NOT_EXACT or code.co_kwonlyargcount or code.co_argcount != nargs:
        return None
    return function, bound


# Standard-library modules that model-written policies commonly import. The interpreter
# imports them once before it is snapshotted, so a policy's own `import` finds them ready.
PREIMPORTED = (
    "abc", "bisect", "collections", "copy", "dataclasses", "enum", "functools", "heapq",
    "itertools", "math", "numbers", "operator", "random", "re", "statistics", "string",
    "time", "typing",
)


def preimport():
    """Imports `PREIMPORTED`; returns the names that failed (they stay importable lazily)."""
    failed = []
    for name in PREIMPORTED:
        try:
            __import__(name)
        except Exception:
            failed.append(name)
    return failed


def install_numpy(source):
    """Registers the numpy stand-in (numpy_lite.py) as `numpy`, with `numpy.random` and
    `numpy.linalg` importable, before the interpreter is snapshotted."""
    module = types.ModuleType("numpy")
    module.__file__ = "<numpy_lite>"
    exec(compile(source, "<numpy_lite>", "exec"), module.__dict__)
    sys.modules["numpy"] = module
    sys.modules["numpy.random"] = module.random
    sys.modules["numpy.linalg"] = module.linalg


def reseed():
    """Reseeds the interpreter-wide `random` instance from the sandbox's random source, which
    the host has just restarted from the policy's seed (a snapshot holds no shared state)."""
    import random

    random.seed()


def make_struct_type(type_name, names):
    """A read-only record: a tuple whose elements are also read by field name
    (`obs.apples`, `agent.x`). `__slots__ = ()` leaves no attribute a policy could set."""
    namespace = {
        "__slots__": (),
        "__module__": "builtins",
        "__doc__": "A read-only record of an observation; its fields are in `_fields`.",
        "_fields": tuple(names),
        "_asdict": lambda self: dict(zip(self._fields, self)),
        "__repr__": lambda self: type_name + "(" + ", ".join(
            f"{name}={value!r}" for name, value in zip(self._fields, self)
        ) + ")",
    }
    for index, name in enumerate(names):
        if name.isidentifier() and not name.startswith("_") and name not in _TUPLE_NAMES:
            namespace[name] = property(itemgetter(index))
    return type(type_name, (tuple,), namespace)


_TUPLE_NAMES = frozenset(dir(tuple))
