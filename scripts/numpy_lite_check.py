"""The sandbox's numpy stand-in (guest-sdk/python-runner/src/numpy_lite.py) against real numpy:
the same expressions, in CPython, must give the same values (within 1e-12), the same shapes
and the same kind of number. Run by scripts/test.sh in the .venv-gym venv (which has numpy).

usage: python scripts/numpy_lite_check.py
"""
import importlib.util
import math
import pathlib
import sys
import warnings

import numpy

root = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "numpy_lite", root / "guest-sdk/python-runner/src/numpy_lite.py"
)
lite = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lite)

# Each case is a function of the module (`np`), as a policy would write it.
CASES = {
    "array": lambda np: np.array([0.1, -0.2, 0.3, 0.4]),
    "array of ints": lambda np: np.array([1, 2, 3]),
    "mixed becomes float": lambda np: np.array([1, 2.5]),
    "2-D": lambda np: np.array([[1.0, 2.0], [3.0, 4.0]]),
    "from a tuple of rows": lambda np: np.array(((1, 2, 3), (4, 5, 6))),
    "dtype float32": lambda np: np.array([0.1, 0.2], dtype=np.float32).tolist(),
    "asarray keeps": lambda np: np.asarray([1.0, 2.0]) * 3,
    "add scalar": lambda np: np.array([1.0, 2.0]) + 1,
    "radd": lambda np: 1 - np.array([1.0, 2.0]),
    "mul arrays": lambda np: np.array([1.0, 2.0]) * np.array([3.0, -4.0]),
    "div": lambda np: np.array([1.0, 2.0]) / 4,
    "rdiv": lambda np: 1.0 / np.array([2.0, 4.0]),
    "int div is float": lambda np: np.array([1, 2]) / 2,
    "floordiv": lambda np: np.array([7, -7]) // 2,
    "mod": lambda np: np.array([7.5, -7.5]) % 2,
    "pow": lambda np: np.array([1.0, 2.0, 3.0]) ** 2,
    "neg abs": lambda np: abs(-np.array([1.0, -2.0])),
    "broadcast row": lambda np: np.array([[1.0, 2.0], [3.0, 4.0]]) + np.array([10.0, 20.0]),
    "broadcast column": lambda np: np.array([[1.0, 2.0], [3.0, 4.0]]) * np.array([[2.0], [3.0]]),
    "compare": lambda np: (np.array([1.0, 2.0, 3.0]) > 1.5).tolist(),
    "mask index": lambda np: np.array([1.0, -2.0, 3.0])[np.array([1.0, -2.0, 3.0]) > 0],
    "fancy index": lambda np: np.array([1.0, 2.0, 3.0])[[2, 0]],
    "slice": lambda np: np.array([1.0, 2.0, 3.0, 4.0])[1:3],
    "negative index": lambda np: np.array([1.0, 2.0, 3.0])[-1],
    "2-D element": lambda np: np.array([[1.0, 2.0], [3.0, 4.0]])[1, 0],
    "2-D column": lambda np: np.array([[1.0, 2.0], [3.0, 4.0]])[:, 1],
    "2-D row slice": lambda np: np.array([[1, 2, 3], [4, 5, 6]])[0, 1:],
    "2-D mask and column": lambda np: np.array([[1.0, 2.0], [3.0, 4.0]])[np.array([True, False]), 1],
    "2-D index list and column": lambda np: np.array([[1, 2], [3, 4], [5, 6]])[[2, 0], 0],
    "trailing ellipsis": lambda np: np.array([[1, 2], [3, 4]])[1, ...],
    "int32": lambda np: [int(np.int32(7)), isinstance(np.int32(7), np.integer)],
    "dot": lambda np: np.dot(np.array([1.0, 2.0, 3.0]), [4.0, 5.0, 6.0]),
    "matvec": lambda np: np.array([[1.0, 2.0], [3.0, 4.0]]) @ np.array([1.0, -1.0]),
    "matmul": lambda np: np.array([[1.0, 2.0], [3.0, 4.0]]).dot(np.array([[0.0, 1.0], [1.0, 0.0]])),
    "vecmat": lambda np: np.dot([1.0, 2.0], np.array([[1.0, 2.0], [3.0, 4.0]])),
    "clip": lambda np: np.clip(np.array([-3.0, 0.5, 3.0]), -1, 1),
    "clip scalar": lambda np: float(np.clip(5.0, -2.0, 2.0)),
    "clip method": lambda np: np.array([-3.0, 0.5]).clip(-2.0, 2.0),
    "sum": lambda np: float(np.sum(np.array([0.1, 0.2, 0.3]))),
    "sum axis 0": lambda np: np.sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0),
    "sum axis 1": lambda np: np.array([[1.0, 2.0], [3.0, 4.0]]).sum(axis=1),
    "sum axis -1": lambda np: np.array([[1, 2], [3, 4]]).sum(axis=-1),
    "mean": lambda np: float(np.mean([1.0, 2.0, 4.0])),
    "std var": lambda np: [float(np.std([1.0, 2.0, 4.0])), float(np.var([1.0, 2.0, 4.0]))],
    "median": lambda np: [float(np.median([3.0, 1.0, 2.0])), float(np.median([4.0, 1.0, 2.0, 3.0]))],
    "max min": lambda np: [float(np.max([1.0, 5.0, 3.0])), float(np.min([1.0, 5.0, 3.0]))],
    "max axis": lambda np: np.max(np.array([[1.0, 5.0], [7.0, 2.0]]), axis=1),
    "argmax": lambda np: int(np.argmax([1.0, 5.0, 5.0, 3.0])),
    "argmin": lambda np: int(np.argmin([4.0, 1.0, 1.0])),
    "argmax axis": lambda np: np.argmax(np.array([[1.0, 5.0], [7.0, 2.0]]), axis=0),
    "prod cumsum": lambda np: [float(np.prod([1.0, 2.0, 3.0])), np.cumsum([1.0, 2.0, 3.0]).tolist()],
    "any all": lambda np: [bool(np.any(np.array([0.0, 1.0]) > 0.5)), bool(np.all(np.array([1.0, 2.0]) > 0))],
    "math": lambda np: [np.sin(0.5), np.cos(0.5), np.tan(0.5), np.exp(1.0), np.log(2.0), np.sqrt(2.0),
                        np.arctan2(1.0, -1.0), np.tanh(0.3), np.arcsin(0.5), np.arccos(0.5),
                        np.arctan(2.0), np.hypot(3.0, 4.0), np.log10(50.0), np.log2(8.0)],
    "math on arrays": lambda np: np.sin(np.array([0.0, 1.0, 2.0])) + np.cos(np.array([0.0, 1.0, 2.0])),
    "floor ceil round": lambda np: [np.floor(np.array([1.5, -1.5])).tolist(), np.ceil(np.array([1.5, -1.5])).tolist(),
                                    np.round(np.array([0.5, 1.5, 2.5, -0.5])).tolist(), float(np.round(1.23456, 2))],
    "sign": lambda np: np.sign(np.array([-2.0, 0.0, 3.0])),
    "maximum": lambda np: np.maximum(np.array([1.0, 5.0]), 2),
    "minimum arrays": lambda np: np.minimum(np.array([1.0, 5.0]), np.array([3.0, 4.0])),
    "where": lambda np: np.where(np.array([1.0, -1.0, 2.0]) > 0, np.array([1.0, -1.0, 2.0]), 0.0),
    "where scalars": lambda np: np.where(np.array([True, False]), 1.0, -1.0),
    "zeros ones full": lambda np: [np.zeros(3).tolist(), np.ones((2, 2)).tolist(), np.full(2, 7.0).tolist()],
    "zeros like": lambda np: np.zeros_like(np.array([1.0, 2.0])),
    "arange": lambda np: [np.arange(4).tolist(), np.arange(1, 2, 0.25).tolist(), np.arange(5, 0, -2).tolist()],
    "linspace": lambda np: [np.linspace(0, 1, 5).tolist(), np.linspace(-1, 1, 4, endpoint=False).tolist()],
    "eye": lambda np: np.eye(3),
    "reshape": lambda np: np.arange(6).reshape(2, 3),
    "reshape -1": lambda np: np.arange(6).reshape((-1, 2)),
    "flatten T": lambda np: [np.array([[1, 2], [3, 4]]).flatten().tolist(), np.array([[1, 2], [3, 4]]).T.tolist()],
    "concatenate": lambda np: np.concatenate([np.array([1.0]), np.array([2.0, 3.0])]),
    "stack vstack hstack": lambda np: [np.stack([[1.0, 2.0], [3.0, 4.0]]).tolist(),
                                       np.vstack([[1.0, 2.0], [3.0, 4.0]]).tolist(),
                                       np.hstack([[1.0], [2.0, 3.0]]).tolist()],
    "norm": lambda np: [float(np.linalg.norm([3.0, 4.0])), float(np.linalg.norm(np.array([[1.0, 2.0], [3.0, 4.0]]))),
                        float(np.linalg.norm([3.0, -4.0], ord=1)), float(np.linalg.norm([3.0, -4.0], ord=np.inf))],
    "outer cross": lambda np: [np.outer([1.0, 2.0], [3.0, 4.0]).tolist(), np.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).tolist()],
    "interp": lambda np: [float(np.interp(0.5, [0.0, 1.0], [10.0, 20.0])), np.interp([-1.0, 2.0], [0.0, 1.0], [10.0, 20.0]).tolist()],
    "isnan isfinite": lambda np: [np.isnan(np.array([1.0, np.nan])).tolist(), np.isfinite(np.array([np.inf, 1.0])).tolist()],
    "divide by zero": lambda np: (np.array([1.0, -1.0, 0.0]) / 0.0).tolist(),
    "sort argsort": lambda np: [np.sort(np.array([3.0, 1.0, 2.0])).tolist(), np.argsort(np.array([3.0, 1.0, 2.0])).tolist()],
    "setitem scalar": lambda np: _set(np, lambda a: a.__setitem__(0, 9)),
    "setitem mask": lambda np: _set(np, lambda a: a.__setitem__(a < 2.5, 0)),
    "setitem slice": lambda np: _set(np, lambda a: a.__setitem__(slice(1, 3), [7, 8])),
    "setitem 2-D column": lambda np: _set2(np, lambda m: m.__setitem__((slice(None), 0), 5)),
    "setitem 2-D row": lambda np: _set2(np, lambda m: m.__setitem__(1, [7, 8, 9])),
    "setitem 2-D cells": lambda np: _set2(np, lambda m: m.__setitem__((slice(None), slice(0, 2)), [6, 7])),
    "iadd keeps identity": lambda np: _iadd(np),
    "len iter unpack": lambda np: [len(np.array([1.0, 2.0])), [float(v) for v in np.array([1.0, 2.0])]],
    "float of a 0-d array": lambda np: float(np.array(2.5)),
    "item": lambda np: np.array([[1.0, 2.0]]).item(1),
    "shape ndim size": lambda np: [np.array([[1.0, 2.0]]).shape, np.array([[1.0, 2.0]]).ndim, np.array([[1.0, 2.0]]).size],
    "dtype names": lambda np: [str(np.array([1.0]).dtype), str(np.array([1]).dtype), str(np.array([True]).dtype)],
    "dtype equals": lambda np: [np.array([1.0]).dtype == np.float64, np.array([1.0]).dtype == float],
    "astype": lambda np: np.array([1.7, -1.7]).astype(int),
    "scalar types": lambda np: [float(np.float32(0.1)), float(np.float64(0.1)), int(np.int64(3))],
    "pi e": lambda np: [np.pi, np.e],
    "unique": lambda np: np.unique([3, 1, 3, 2]),
    "allclose": lambda np: [bool(np.allclose([1.0, 2.0], [1.0, 2.0 + 1e-9])), bool(np.allclose([1.0], [1.1]))],
    "deg rad": lambda np: [np.deg2rad(180.0), np.rad2deg(np.pi / 2)],
    "mean axis": lambda np: np.mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=0),
}

# Cases whose numpy result is a warning-free NaN/inf path are compared as values too.
ERRORS = {
    "truth of a vector": lambda np: bool(np.array([1.0, 2.0])),
    "broadcast mismatch": lambda np: np.array([1.0, 2.0]) + np.array([1.0, 2.0, 3.0]),
    "reshape mismatch": lambda np: np.arange(5).reshape(2, 3),
}


def _set(np, change):
    a = np.array([1.0, 2.0, 3.0, 4.0])
    change(a)
    return a


def _set2(np, change):
    m = np.array([[1, 2, 3], [4, 5, 6]])
    change(m)
    return m


def _iadd(np):
    a = np.array([1.0, 2.0])
    b = a
    a += 1
    return [a.tolist(), b is a]


def plain(value):
    """A comparable form: nested lists of Python numbers, plus the kind of each number."""
    if isinstance(value, (numpy.ndarray, lite.ndarray)):
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, numpy.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, numpy.integer)):
        return ("int", int(value))
    if isinstance(value, (float, numpy.floating)):
        return ("float", float(value))
    return ("other", repr(value))


def same(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0]:
        if a[0] == "float":
            x, y = a[1], b[1]
            return (math.isnan(x) and math.isnan(y)) or x == y or abs(x - y) <= 1e-12 * max(1.0, abs(y))
        return a[1] == b[1]
    return False


failures = []
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for name, case in CASES.items():
        try:
            expected = plain(case(numpy))
        except Exception as error:  # noqa: BLE001 - a case numpy itself refuses is a bad case
            failures.append(f"{name}: numpy raised {error!r}")
            continue
        try:
            got = plain(case(lite))
        except Exception as error:  # noqa: BLE001
            failures.append(f"{name}: numpy_lite raised {error!r}")
            continue
        if not same(got, expected):
            failures.append(f"{name}: numpy_lite {got} != numpy {expected}")
    for name, case in ERRORS.items():
        for module, label in ((numpy, "numpy"), (lite, "numpy_lite")):
            try:
                case(module)
            except (ValueError, TypeError):
                continue
            failures.append(f"{name}: {label} did not raise")
    try:
        lite.fft
        failures.append("a missing attribute did not raise")
    except AttributeError as error:
        if "subset" not in str(error):
            failures.append(f"a missing attribute's error does not say why: {error}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"numpy_lite matches numpy on {len(CASES)} cases and {len(ERRORS)} errors")
