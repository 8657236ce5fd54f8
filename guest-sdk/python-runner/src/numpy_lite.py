"""A small pure-Python stand-in for numpy, inside the sandbox only.

Model-written policies often `import numpy as np` out of habit, for a few vectors and a dot
product. Real numpy cannot run here, so this module gives the part of its API such policies
use: arrays of any shape built from nested lists, elementwise arithmetic and comparisons with
broadcasting, indexing and slicing (ints, slices, tuples, boolean masks, index lists), the
common math functions, reductions with `axis` (up to 2-D), `dot`/`@`, `clip`, `argmax`,
`where`, `linalg.norm` and `random` (drawn from the sandbox's seeded `random`).

It is not numpy: every value is a Python float, int or bool (float32 arrays round their values
once, then compute in float64), and anything missing raises an AttributeError that says so.
An `ndarray` is a `list` subclass, so an action returned as an array is read as a list.
"""

import math as _math
import random as _random
import struct as _struct

pi = _math.pi
e = _math.e
inf = _math.inf
Inf = inf
nan = _math.nan
NaN = nan
newaxis = None

_LITE = "the sandbox's numpy is a small pure-Python subset"

# numpy's `sum`, `max`, `min`, `any`, `all`, `round` and `abs` shadow the builtins below:
# the module's own code calls these.
_bsum, _bmax, _bmin, _bany, _ball, _bround = sum, max, min, any, all, round


def __getattr__(name):
    raise AttributeError(f"module 'numpy' has no attribute {name!r} ({_LITE})")


# Scalar types: Python numbers underneath, so `float(x)`, `int(x)` and a returned action read
# as the plain value.
def _f32(value):
    try:
        return _struct.unpack("f", _struct.pack("f", value))[0]
    except OverflowError:
        return _math.copysign(inf, value)


class generic:
    pass


class number(generic):
    pass


class floating(float, number):
    pass


class float64(floating):
    def __new__(cls, value=0.0):
        return float.__new__(cls, float(value))


class float32(floating):
    def __new__(cls, value=0.0):
        return float.__new__(cls, _f32(float(value)))


class integer(int, number):
    pass


class signedinteger(integer):
    pass


class int64(signedinteger):
    def __new__(cls, value=0):
        return int.__new__(cls, int(value))


class int32(int64):
    """Holds any Python int, as `int64` does (no 32-bit wrap-around)."""


float_ = double = float64
single = float32
int_ = intp = int64
bool_ = bool

_DTYPES = {
    float: "float64", "float": "float64", "float64": "float64", "f8": "float64", "d": "float64",
    "float32": "float32", "f4": "float32", "f": "float32",
    int: "int64", "int": "int64", "int64": "int64", "int32": "int64", "i8": "int64", "i4": "int64",
    bool: "bool", "bool": "bool", "?": "bool",
}


def _dtype_name(dtype):
    if dtype is None:
        return None
    if isinstance(dtype, type) and issubclass(dtype, floating):
        return "float32" if issubclass(dtype, float32) else "float64"
    if isinstance(dtype, type) and issubclass(dtype, integer):
        return "int64"
    if isinstance(dtype, _DType):
        return dtype.name
    try:
        return _DTYPES[dtype]
    except (KeyError, TypeError):
        raise TypeError(f"data type {dtype!r} not understood ({_LITE})") from None


class _DType:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __eq__(self, other):
        try:
            return self.name == _dtype_name(other)
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"dtype('{self.name}')"

    __str__ = lambda self: self.name  # noqa: E731


def dtype(value):
    return _DType(_dtype_name(value))


def _convert(value, name):
    if name == "float64":
        return float(value)
    if name == "float32":
        return _f32(float(value))
    if name == "int64":
        return int(value)
    if name == "bool":
        return bool(value)
    return value


def _is_scalar(value):
    return isinstance(value, (int, float)) and not isinstance(value, ndarray)


def _scalar(value):
    """A plain number from a policy's value (a float subclass stays what it is)."""
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, complex):
        raise TypeError(f"complex numbers are not supported ({_LITE})")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"expected a number, got {type(value).__name__}") from None


class ndarray(list):
    """An n-dimensional array: a list of numbers (1-D) or of equal-shaped rows (n-D)."""

    __slots__ = ()
    __hash__ = None

    # --- shape -----------------------------------------------------------------------------
    @property
    def shape(self):
        n = list.__len__(self)
        if n and isinstance(list.__getitem__(self, 0), ndarray):
            return (n,) + list.__getitem__(self, 0).shape
        return (n,)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        size = 1
        for n in self.shape:
            size *= n
        return size

    @property
    def dtype(self):
        flat = self._flat()
        if flat and _ball(type(v) is bool for v in flat):
            return _DType("bool")
        if flat and _ball(isinstance(v, int) for v in flat):
            return _DType("int64")
        if flat and _ball(isinstance(v, float32) for v in flat):
            return _DType("float32")
        return _DType("float64")

    @property
    def T(self):
        return self.transpose()

    def __len__(self):
        return list.__len__(self)

    def _flat(self):
        if list.__len__(self) and isinstance(list.__getitem__(self, 0), ndarray):
            return [v for row in list.__iter__(self) for v in row._flat()]
        return list(list.__iter__(self))

    def flatten(self):
        return _nd(self._flat())

    ravel = flatten

    def tolist(self):
        return [row.tolist() if isinstance(row, ndarray) else row for row in list.__iter__(self)]

    def copy(self):
        return _nd([row.copy() if isinstance(row, ndarray) else row for row in list.__iter__(self)])

    def item(self, *index):
        if len(index) == 1 and isinstance(index[0], int):
            return self._flat()[index[0]]
        if index:
            return self[index if len(index) > 1 else index[0]]
        flat = self._flat()
        if len(flat) != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return flat[0]

    def astype(self, dtype):
        return array(self, dtype=dtype)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _reshape(self._flat(), shape)

    def transpose(self, *axes):
        if self.ndim == 1:
            return self.copy()
        if self.ndim != 2 or axes not in ((), (1, 0)):
            raise ValueError(f"transpose is supported for 1-D and 2-D arrays ({_LITE})")
        rows = [list(list.__iter__(row)) for row in list.__iter__(self)]
        return _nd([_nd(list(col)) for col in zip(*rows)])

    def fill(self, value):
        self[...] = value

    # --- indexing --------------------------------------------------------------------------
    def __getitem__(self, key):
        if isinstance(key, tuple):
            return _index_tuple(self, key)
        if key is Ellipsis:
            return self
        if isinstance(key, slice):
            return _nd(list.__getitem__(self, key))
        if isinstance(key, (list, ndarray)):
            if len(key) == len(self) and _ball(type(k) is bool for k in key):
                return _nd([v for v, keep in zip(list.__iter__(self), key) if keep])
            return _nd([list.__getitem__(self, int(k)) for k in key])
        if isinstance(key, float):
            raise IndexError("only integers, slices, ellipsis and integer or boolean arrays are valid indices")
        return list.__getitem__(self, key)

    def __setitem__(self, key, value):
        if isinstance(key, tuple) and len(key) == 1:
            key = key[0]
        if isinstance(key, tuple):
            first, rest = key[0], key[1:] if len(key) > 2 else key[1]
            indices = _indices(self, first)
            rows = [list.__getitem__(self, i) for i in indices]
            if not _ball(isinstance(row, ndarray) for row in rows):
                raise IndexError("too many indices for array")
            if isinstance(first, int):
                rows[0][rest] = value
                return
            v = value if _is_scalar(value) else asarray(value)
            target = rows[0][rest] if rows else None
            per_row = not _is_scalar(v) and v.ndim > (target.ndim if isinstance(target, ndarray) else 0)
            for k, row in enumerate(rows):
                row[rest] = list.__getitem__(v, k if len(v) > 1 else 0) if per_row else v
            return
        _assign(self, _indices(self, key), value)

    # --- arithmetic --------------------------------------------------------------------------
    def __add__(self, other):
        return _binary(self, other, _add)

    def __radd__(self, other):
        return _binary(other, self, _add)

    def __sub__(self, other):
        return _binary(self, other, _sub)

    def __rsub__(self, other):
        return _binary(other, self, _sub)

    def __mul__(self, other):
        return _binary(self, other, _mul)

    def __rmul__(self, other):
        return _binary(other, self, _mul)

    def __truediv__(self, other):
        return _binary(self, other, _truediv)

    def __rtruediv__(self, other):
        return _binary(other, self, _truediv)

    def __floordiv__(self, other):
        return _binary(self, other, _floordiv)

    def __rfloordiv__(self, other):
        return _binary(other, self, _floordiv)

    def __mod__(self, other):
        return _binary(self, other, _mod)

    def __rmod__(self, other):
        return _binary(other, self, _mod)

    def __pow__(self, other):
        return _binary(self, other, _pow)

    def __rpow__(self, other):
        return _binary(other, self, _pow)

    def __matmul__(self, other):
        return dot(self, other)

    def __rmatmul__(self, other):
        return dot(other, self)

    def __neg__(self):
        return _unary(self, lambda v: -v)

    def __pos__(self):
        return self.copy()

    def __abs__(self):
        return _unary(self, _abs)

    def __invert__(self):
        return _unary(self, lambda v: not v if type(v) is bool else ~v)

    def __and__(self, other):
        return _binary(self, other, lambda a, b: a & b)

    __rand__ = __and__

    def __or__(self, other):
        return _binary(self, other, lambda a, b: a | b)

    __ror__ = __or__

    def _inplace(self, result):
        list.__setitem__(self, slice(None), list(list.__iter__(result)))
        return self

    def __iadd__(self, other):
        return self._inplace(self + other)

    def __isub__(self, other):
        return self._inplace(self - other)

    def __imul__(self, other):
        return self._inplace(self * other)

    def __itruediv__(self, other):
        return self._inplace(self / other)

    # --- comparisons -------------------------------------------------------------------------
    def __lt__(self, other):
        return _binary(self, other, lambda a, b: a < b)

    def __le__(self, other):
        return _binary(self, other, lambda a, b: a <= b)

    def __gt__(self, other):
        return _binary(self, other, lambda a, b: a > b)

    def __ge__(self, other):
        return _binary(self, other, lambda a, b: a >= b)

    def __eq__(self, other):
        return _binary(self, other, lambda a, b: a == b)

    def __ne__(self, other):
        return _binary(self, other, lambda a, b: a != b)

    def __bool__(self):
        flat = self._flat()
        if len(flat) != 1:
            raise ValueError(
                "The truth value of an array with more than one element is ambiguous. "
                "Use a.any() or a.all()"
            )
        return bool(flat[0])

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __contains__(self, value):
        return value in self._flat()

    def __repr__(self):
        return f"array({_format(self)})"

    def __str__(self):
        return _format(self).replace(",", "")

    # --- methods that mirror module functions --------------------------------------------
    def sum(self, axis=None):
        return sum_(self, axis)

    def mean(self, axis=None):
        return mean(self, axis)

    def max(self, axis=None):
        return amax(self, axis)

    def min(self, axis=None):
        return amin(self, axis)

    def argmax(self, axis=None):
        return argmax(self, axis)

    def argmin(self, axis=None):
        return argmin(self, axis)

    def std(self, axis=None):
        return std(self, axis)

    def var(self, axis=None):
        return var(self, axis)

    def prod(self, axis=None):
        return prod(self, axis)

    def any(self, axis=None):
        return any_(self, axis)

    def all(self, axis=None):
        return all_(self, axis)

    def cumsum(self, axis=None):
        return cumsum(self, axis)

    def clip(self, a_min=None, a_max=None):
        return clip(self, a_min, a_max)

    def dot(self, other):
        return dot(self, other)

    def round(self, decimals=0):
        return round_(self, decimals)

    def argsort(self):
        return argsort(self)


def _nd(items):
    result = ndarray(items)
    if items and isinstance(items[0], ndarray):
        shape = items[0].shape
        if _bany(not isinstance(row, ndarray) or row.shape != shape for row in items):
            raise ValueError("setting an array element with a sequence: the rows differ in shape")
    return result


def _format(value):
    if isinstance(value, ndarray):
        return "[" + ", ".join(_format(v) for v in list.__iter__(value)) + "]"
    if isinstance(value, float):
        text = repr(float(value))
        return text[:-1] if text.endswith(".0") else text
    return repr(value)


def _indices(array_, key):
    """The positions `key` selects along the first axis."""
    n = list.__len__(array_)
    if key is Ellipsis:
        return range(n)
    if isinstance(key, slice):
        return range(*key.indices(n))
    if isinstance(key, (list, tuple, ndarray)):
        if len(key) == n and _ball(type(k) is bool for k in key):
            return [i for i, keep in enumerate(key) if keep]
        return [int(k) for k in key]
    if isinstance(key, float):
        raise IndexError("only integers, slices, ellipsis and integer or boolean arrays are valid indices")
    return [key]


def _like(current, value):
    """`value` as an element of the array `current` belongs to (its dtype)."""
    if type(current) is bool:
        return bool(value)
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float32):
        return _f32(float(value))
    return float(value)


def _assign(array_, indices, value):
    """`array_[indices] = value`, broadcasting `value` over the selected items."""
    v = value if _is_scalar(value) else asarray(value)
    indices = list(indices)
    if not indices:
        return
    first = list.__getitem__(array_, indices[0])
    item_ndim = first.ndim if isinstance(first, ndarray) else 0
    per_item = not _is_scalar(v) and v.ndim > item_ndim
    if per_item and len(v) not in (1, len(indices)):
        raise ValueError(f"could not broadcast input array of length {len(v)} into {len(indices)} elements")
    for k, i in enumerate(indices):
        item_value = list.__getitem__(v, k if len(v) > 1 else 0) if per_item else v
        current = list.__getitem__(array_, i)
        if isinstance(current, ndarray):
            current[...] = item_value
        else:
            list.__setitem__(array_, i, _like(current, item_value))


def _index_tuple(value, key):
    # Identity tests only: `==` against an array index would compare elementwise.
    if key and key[-1] is Ellipsis:
        key = key[:-1]
    if not key:
        return value
    first, rest = key[0], key[1:]
    if _bany(k is None or k is Ellipsis for k in key):
        raise IndexError(f"None and ... inside an index tuple are not supported ({_LITE})")
    if not isinstance(value, ndarray):
        raise IndexError("too many indices for array")
    if not rest:
        return value[first]
    picked = value[first]
    if isinstance(first, (slice, list, ndarray)):
        return _nd([_index_tuple(row, rest) for row in list.__iter__(picked)])
    return _index_tuple(picked, rest)


def _reshape(flat, shape):
    shape = [int(n) for n in shape]
    if shape.count(-1) > 1:
        raise ValueError("can only specify one unknown dimension")
    known = 1
    for n in shape:
        if n != -1:
            known *= n
    if -1 in shape:
        if known == 0 or len(flat) % known:
            raise ValueError(f"cannot reshape array of size {len(flat)} into shape {tuple(shape)}")
        shape[shape.index(-1)] = len(flat) // known
    elif known != len(flat):
        raise ValueError(f"cannot reshape array of size {len(flat)} into shape {tuple(shape)}")
    if not shape:
        return flat[0]

    def build(offset, dims):
        if len(dims) == 1:
            return _nd(flat[offset:offset + dims[0]])
        step = 1
        for n in dims[1:]:
            step *= n
        return _nd([build(offset + i * step, dims[1:]) for i in range(dims[0])])

    return build(0, shape)


# --- elementwise machinery -----------------------------------------------------------------
def _binary(a, b, op):
    if not isinstance(a, ndarray):
        a = a if _is_scalar(a) else asarray(a)
    if not isinstance(b, ndarray):
        b = b if _is_scalar(b) else asarray(b)
    a_is, b_is = isinstance(a, ndarray), isinstance(b, ndarray)
    if not a_is and not b_is:
        return op(a, b)
    if a_is and b_is:
        na, nb = a.ndim, b.ndim
        if na > nb:
            return _nd([_binary(x, b, op) for x in list.__iter__(a)])
        if nb > na:
            return _nd([_binary(a, y, op) for y in list.__iter__(b)])
        la, lb = len(a), len(b)
        if la == lb:
            return _nd([_binary(x, y, op) for x, y in zip(list.__iter__(a), list.__iter__(b))])
        if la == 1:
            x = list.__getitem__(a, 0)
            return _nd([_binary(x, y, op) for y in list.__iter__(b)])
        if lb == 1:
            y = list.__getitem__(b, 0)
            return _nd([_binary(x, y, op) for x in list.__iter__(a)])
        raise ValueError(
            f"operands could not be broadcast together with shapes {a.shape} {b.shape}"
        )
    if a_is:
        return _nd([_binary(x, b, op) for x in list.__iter__(a)])
    return _nd([_binary(a, y, op) for y in list.__iter__(b)])


def _unary(a, op):
    if isinstance(a, ndarray):
        return _nd([_unary(x, op) for x in list.__iter__(a)])
    if not _is_scalar(a):
        return _unary(asarray(a), op)
    return op(a)


def _add(a, b):
    return a + b


def _sub(a, b):
    return a - b


def _mul(a, b):
    return a * b


def _truediv(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return nan
        return _math.copysign(inf, a) * _math.copysign(1.0, b)


def _floordiv(a, b):
    try:
        return a // b
    except ZeroDivisionError:
        return 0 if isinstance(a, int) and isinstance(b, int) else _truediv(a, b)


def _mod(a, b):
    try:
        return a % b
    except ZeroDivisionError:
        return 0 if isinstance(a, int) and isinstance(b, int) else nan


def _pow(a, b):
    try:
        result = a ** b
    except ZeroDivisionError:
        return inf
    except OverflowError:
        return inf
    return nan if isinstance(result, complex) else result


def _float_function(function):
    def apply(value):
        try:
            return function(value)
        except OverflowError:
            return inf
        except ValueError:
            return nan

    def ufunc(x, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{function.__name__}() takes one array ({_LITE})")
        return _unary(x, apply)

    ufunc.__name__ = function.__name__
    return ufunc


def _log(value):
    if value == 0:
        return -inf
    return _math.log(value)


def _log2(value):
    return -inf if value == 0 else _math.log2(value)


def _log10(value):
    return -inf if value == 0 else _math.log10(value)


sin = _float_function(_math.sin)
cos = _float_function(_math.cos)
tan = _float_function(_math.tan)
arcsin = _float_function(_math.asin)
arccos = _float_function(_math.acos)
arctan = _float_function(_math.atan)
sinh = _float_function(_math.sinh)
cosh = _float_function(_math.cosh)
tanh = _float_function(_math.tanh)
exp = _float_function(_math.exp)
expm1 = _float_function(_math.expm1)
log = _float_function(_log)
log2 = _float_function(_log2)
log10 = _float_function(_log10)
log1p = _float_function(_math.log1p)
sqrt = _float_function(_math.sqrt)
deg2rad = radians = _float_function(_math.radians)
rad2deg = degrees = _float_function(_math.degrees)


def _floor(value):
    return float(_math.floor(value)) if _math.isfinite(value) else float(value)


def _ceil(value):
    return float(_math.ceil(value)) if _math.isfinite(value) else float(value)


def _trunc(value):
    return float(_math.trunc(value)) if _math.isfinite(value) else float(value)


floor = _float_function(_floor)
ceil = _float_function(_ceil)
trunc = fix = _float_function(_trunc)


def rint(x):
    return round_(x)


def _abs(v):
    if isinstance(v, float):
        return _math.fabs(v)
    return v if type(v) is bool or v >= 0 else -v


def abs(x):  # noqa: A001 - numpy's name
    return _unary(x, _abs)


absolute = fabs = abs


def _sign(v):
    if v != v:
        return v
    s = (v > 0) - (v < 0)
    return s if isinstance(v, int) else float(s)


def sign(x):
    return _unary(x, _sign)


def square(x):
    return _unary(x, lambda v: v * v)


def negative(x):
    return _unary(x, lambda v: -v)


def isnan(x):
    return _unary(x, lambda v: isinstance(v, float) and v != v)


def isinf(x):
    return _unary(x, lambda v: isinstance(v, float) and _math.isinf(v))


def isfinite(x):
    return _unary(x, lambda v: not isinstance(v, float) or _math.isfinite(v))


def round_(x, decimals=0):
    return _unary(x, lambda v: float(_bround(v, decimals)) if isinstance(v, float) else _bround(v, decimals))


around = round_
round = round_  # noqa: A001 - numpy's name


def _pick(pick_max):
    def choose(a, b):
        if a != a or b != b:
            return nan
        chosen = (a if a >= b else b) if pick_max else (a if a <= b else b)
        return float(chosen) if isinstance(a, float) or isinstance(b, float) else chosen

    return choose


def maximum(a, b):
    return _binary(a, b, _pick(True))


def minimum(a, b):
    return _binary(a, b, _pick(False))


fmax, fmin = maximum, minimum


def add(a, b):
    return _binary(a, b, _add)


def subtract(a, b):
    return _binary(a, b, _sub)


def multiply(a, b):
    return _binary(a, b, _mul)


def divide(a, b):
    return _binary(a, b, _truediv)


true_divide = divide


def floor_divide(a, b):
    return _binary(a, b, _floordiv)


def mod(a, b):
    return _binary(a, b, _mod)


remainder = mod


def fmod(a, b):
    return _binary(a, b, lambda x, y: _math.fmod(x, y) if y != 0 else nan)


def power(a, b):
    return _binary(a, b, _pow)


def arctan2(y, x):
    return _binary(y, x, _math.atan2)


def hypot(a, b):
    return _binary(a, b, _math.hypot)


def clip(a, a_min=None, a_max=None):
    def bound(v):
        floats = isinstance(v, float)
        if a_min is not None and v < a_min:
            v = a_min
        if a_max is not None and v > a_max:
            v = a_max
        return float(v) if floats or isinstance(v, float) else v

    if isinstance(a_min, (list, tuple, ndarray)) or isinstance(a_max, (list, tuple, ndarray)):
        low = a if a_min is None else maximum(a, a_min)
        return low if a_max is None else minimum(low, a_max)
    return _unary(a, bound)


def where(condition, x=None, y=None):
    if x is None and y is None:
        return nonzero(condition)
    def choose(c, a, b):
        chosen = a if c else b
        return float(chosen) if isinstance(a, float) or isinstance(b, float) else chosen

    return _nary([condition, x, y], choose)


def _nary(operands, op):
    """`op` over the elements of `operands`, broadcast together (as `_binary`, any count)."""
    operands = [v if isinstance(v, ndarray) or _is_scalar(v) else asarray(v) for v in operands]
    dims = [v.ndim if isinstance(v, ndarray) else 0 for v in operands]
    top = _bmax(dims)
    if top == 0:
        return op(*operands)
    lengths = {len(v) for v, d in zip(operands, dims) if d == top}
    n = _bmax(lengths)
    if _bany(length not in (1, n) for length in lengths):
        shapes = " ".join(str(v.shape if isinstance(v, ndarray) else ()) for v in operands)
        raise ValueError(f"operands could not be broadcast together with shapes {shapes}")
    return _nd([
        _nary([list.__getitem__(v, i if len(v) > 1 else 0) if d == top else v for v, d in zip(operands, dims)], op)
        for i in range(n)
    ])


def nonzero(a):
    a = asarray(a)
    if a.ndim != 1:
        raise ValueError(f"nonzero is supported for 1-D arrays ({_LITE})")
    return (_nd([i for i, v in enumerate(list.__iter__(a)) if v]),)


def argwhere(a):
    return _nd([_nd([i]) for i in nonzero(a)[0]])


def flatnonzero(a):
    return nonzero(asarray(a).flatten())[0]


# --- construction -------------------------------------------------------------------------
def _build(value, name):
    if isinstance(value, (list, tuple, ndarray, range)) or (
        hasattr(value, "__iter__") and not isinstance(value, (str, bytes, dict))
    ):
        items = [_build(v, name) for v in value]
        if items and isinstance(items[0], ndarray):
            return _nd(items)
        if _bany(isinstance(v, ndarray) for v in items):
            raise ValueError("setting an array element with a sequence: the rows differ in shape")
        if name is None and items:
            if _bany(isinstance(v, float) for v in items):
                items = [float(v) for v in items]
            elif _bany(type(v) is not bool for v in items):
                items = [int(v) for v in items]
        return ndarray(items)
    value = _scalar(value)
    return _convert(value, name) if name else value


def array(value, dtype=None, copy=True):
    name = _dtype_name(dtype)
    result = _build(value, name)
    if not isinstance(result, ndarray):
        return result
    if name is None:
        flat = result._flat()
        if _bany(isinstance(v, float) for v in flat) and not _ball(isinstance(v, float) for v in flat):
            result = _build(result, "float64")
    return result


def asarray(value, dtype=None):
    if isinstance(value, ndarray) and dtype is None:
        return value
    return array(value, dtype)


asanyarray = asarray


def _shape_tuple(shape):
    return tuple(shape) if isinstance(shape, (tuple, list)) else (int(shape),)


def full(shape, fill_value, dtype=None):
    name = _dtype_name(dtype)
    value = _convert(_scalar(fill_value), name) if name else _scalar(fill_value)
    shape = _shape_tuple(shape)
    size = 1
    for n in shape:
        size *= n
    return _reshape([value] * size, shape)


def zeros(shape, dtype=float):
    return full(shape, 0, dtype)


def ones(shape, dtype=float):
    return full(shape, 1, dtype)


empty = zeros


def zeros_like(a, dtype=None):
    a = asarray(a)
    return zeros(a.shape, dtype or a.dtype)


def ones_like(a, dtype=None):
    a = asarray(a)
    return ones(a.shape, dtype or a.dtype)


def full_like(a, fill_value, dtype=None):
    a = asarray(a)
    return full(a.shape, fill_value, dtype or a.dtype)


empty_like = zeros_like


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("Maximum allowed size exceeded")
    count = _bmax(0, _math.ceil((stop - start) / step))
    values = [start + i * step for i in range(count)]
    return array(values, dtype) if dtype else ndarray(values)


def linspace(start, stop, num=50, endpoint=True):
    num = int(num)
    if num == 1:
        return ndarray([float(start)])
    div = (num - 1) if endpoint else num
    step = (stop - start) / div
    values = [start + i * step for i in range(num)]
    if endpoint and num > 1:
        values[-1] = float(stop)
    return ndarray([float(v) for v in values])


def eye(n, m=None, dtype=float):
    m = n if m is None else m
    name = _dtype_name(dtype)
    return _nd([ndarray([_convert(1 if i == j else 0, name) for j in range(m)]) for i in range(n)])


def identity(n, dtype=float):
    return eye(n, dtype=dtype)


def copy(a):
    return asarray(a).copy()


# --- reductions ---------------------------------------------------------------------------
def _axis(a, axis):
    if axis is None:
        return None
    if a.ndim > 2:
        raise ValueError(f"axis is supported for arrays of up to 2 dimensions ({_LITE})")
    axis = int(axis)
    if axis < 0:
        axis += a.ndim
    if not 0 <= axis < a.ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {a.ndim}")
    return axis


def _reduce(a, axis, function):
    a = asarray(a) if not isinstance(a, ndarray) else a
    if not isinstance(a, ndarray):
        return function([a])
    axis = _axis(a, axis)
    if axis is None:
        return function(a._flat())
    if a.ndim == 1:
        return function(list(list.__iter__(a)))
    rows = [list(list.__iter__(row)) for row in list.__iter__(a)]
    if axis == 0:
        return ndarray([function(list(col)) for col in zip(*rows)])
    return ndarray([function(row) for row in rows])


def _sum(values):
    if not values:
        return 0.0
    if _ball(isinstance(v, int) for v in values):
        return _bsum(int(v) for v in values)
    return _math.fsum(values) if _ball(_math.isfinite(v) for v in values) else _bsum(values, 0.0)


def sum_(a, axis=None):
    return _reduce(a, axis, _sum)


sum = sum_  # noqa: A001 - numpy's name


def mean(a, axis=None):
    def average(values):
        if not values:
            return nan
        return _sum([float(v) for v in values]) / len(values)

    return _reduce(a, axis, average)


average = mean


def var(a, axis=None, ddof=0):
    def variance(values):
        if len(values) - ddof <= 0:
            return nan
        m = _sum([float(v) for v in values]) / len(values)
        return _sum([(v - m) ** 2 for v in values]) / (len(values) - ddof)

    return _reduce(a, axis, variance)


def std(a, axis=None, ddof=0):
    return sqrt(var(a, axis, ddof))


def median(a, axis=None):
    def middle(values):
        ordered = sorted(values)
        n = len(ordered)
        if not n:
            return nan
        return float(ordered[n // 2]) if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2

    return _reduce(a, axis, middle)


def _extreme(values, pick_max):
    if not values:
        raise ValueError("zero-size array to reduction operation which has no identity")
    if _bany(v != v for v in values):
        return nan
    return _bmax(values) if pick_max else _bmin(values)


def amax(a, axis=None):
    return _reduce(a, axis, lambda values: _extreme(values, True))


def amin(a, axis=None):
    return _reduce(a, axis, lambda values: _extreme(values, False))


max = amax  # noqa: A001 - numpy's name
min = amin  # noqa: A001 - numpy's name
nanmax, nanmin = amax, amin


def _arg(values, pick_max):
    if not values:
        raise ValueError("attempt to get argmax of an empty sequence")
    best = 0
    for i, v in enumerate(values):
        if v != v:
            return i
        if (v > values[best]) if pick_max else (v < values[best]):
            best = i
    return best


def argmax(a, axis=None):
    return _reduce(a, axis, lambda values: _arg(values, True))


def argmin(a, axis=None):
    return _reduce(a, axis, lambda values: _arg(values, False))


def prod(a, axis=None):
    def product(values):
        result = 1
        for v in values:
            result *= v
        return result

    return _reduce(a, axis, product)


def any_(a, axis=None):
    return _reduce(a, axis, lambda values: _bany(bool(v) for v in values))


def all_(a, axis=None):
    return _reduce(a, axis, lambda values: _ball(bool(v) for v in values))


any = any_  # noqa: A001 - numpy's name
all = all_  # noqa: A001 - numpy's name


def cumsum(a, axis=None):
    a = asarray(a)
    if axis is None or a.ndim == 1:
        total, out = 0, []
        for v in a._flat():
            total = total + v
            out.append(total)
        return ndarray(out)
    raise ValueError(f"cumsum supports 1-D arrays or axis=None ({_LITE})")


def count_nonzero(a):
    return len([v for v in asarray(a)._flat() if v])


# --- linear algebra -----------------------------------------------------------------------
def dot(a, b):
    a = a if _is_scalar(a) else asarray(a)
    b = b if _is_scalar(b) else asarray(b)
    if _is_scalar(a) or _is_scalar(b):
        return _binary(a, b, _mul)
    if a.ndim == 1 and b.ndim == 1:
        if len(a) != len(b):
            raise ValueError(f"shapes {a.shape} and {b.shape} not aligned")
        return _sum([x * y for x, y in zip(list.__iter__(a), list.__iter__(b))])
    if a.ndim == 2 and b.ndim == 1:
        return ndarray([dot(row, b) for row in list.__iter__(a)])
    if a.ndim == 1 and b.ndim == 2:
        return dot(b.T, a)
    if a.ndim == 2 and b.ndim == 2:
        columns = b.T
        return _nd([ndarray([dot(row, col) for col in list.__iter__(columns)]) for row in list.__iter__(a)])
    raise ValueError(f"dot supports arrays of up to 2 dimensions ({_LITE})")


matmul = dot
inner = vdot = lambda a, b: dot(asarray(a).flatten(), asarray(b).flatten())  # noqa: E731


def outer(a, b):
    a, b = asarray(a).flatten(), asarray(b).flatten()
    return _nd([ndarray([x * y for y in list.__iter__(b)]) for x in list.__iter__(a)])


def cross(a, b):
    a, b = asarray(a), asarray(b)
    if len(a) != 3 or len(b) != 3:
        raise ValueError(f"cross supports 3-vectors ({_LITE})")
    return ndarray([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


class _Linalg:
    """`numpy.linalg`: `norm` only."""

    @staticmethod
    def norm(x, ord=None, axis=None):
        x = asarray(x)
        if axis is not None:
            return _reduce(x, axis, lambda values: _math.sqrt(_sum([v * v for v in values])))
        flat = x._flat()
        if ord is None or ord == 2 or ord == "fro":
            return _math.sqrt(_sum([float(v) * v for v in flat]))
        if ord == 1:
            return _sum([v if v >= 0 else -v for v in flat])
        if ord == inf:
            return _extreme([v if v >= 0 else -v for v in flat], True)
        raise ValueError(f"norm order {ord!r} is not supported ({_LITE})")

    def __getattr__(self, name):
        raise AttributeError(f"module 'numpy.linalg' has no attribute {name!r} ({_LITE})")


linalg = _Linalg()


def interp(x, xp, fp):
    xp, fp = list(asarray(xp)._flat()), list(asarray(fp)._flat())

    def at(v):
        if v <= xp[0]:
            return float(fp[0])
        if v >= xp[-1]:
            return float(fp[-1])
        for i in range(1, len(xp)):
            if v <= xp[i]:
                t = (v - xp[i - 1]) / (xp[i] - xp[i - 1])
                return fp[i - 1] + t * (fp[i] - fp[i - 1])
        return float(fp[-1])

    return _unary(x, at)


# --- joining and ordering -----------------------------------------------------------------
def concatenate(arrays, axis=0):
    arrays = [asarray(a) for a in arrays]
    if axis not in (0, None):
        if _ball(a.ndim == 2 for a in arrays) and axis in (1, -1):
            return _nd([ndarray([v for row in rows for v in list.__iter__(row)]) for rows in zip(*arrays)])
        raise ValueError(f"concatenate supports axis 0, or 1 for 2-D arrays ({_LITE})")
    if axis is None:
        return ndarray([v for a in arrays for v in a._flat()])
    return _nd([item for a in arrays for item in list.__iter__(a.copy())])


def stack(arrays, axis=0):
    arrays = [asarray(a).copy() for a in arrays]
    if axis != 0:
        if axis in (1, -1) and _ball(a.ndim == 1 for a in arrays):
            return _nd([ndarray(list(col)) for col in zip(*arrays)])
        raise ValueError(f"stack supports axis 0, or 1 for 1-D arrays ({_LITE})")
    return _nd(arrays)


def vstack(arrays):
    arrays = [asarray(a) for a in arrays]
    return concatenate([a if a.ndim > 1 else _nd([a]) for a in arrays])


def hstack(arrays):
    arrays = [asarray(a) for a in arrays]
    if _ball(a.ndim == 1 for a in arrays):
        return concatenate(arrays)
    return concatenate(arrays, axis=1)


def append(a, values):
    return concatenate([asarray(a).flatten(), asarray(values).flatten()])


def sort(a):
    a = asarray(a)
    if a.ndim != 1:
        raise ValueError(f"sort supports 1-D arrays ({_LITE})")
    return ndarray(sorted(list.__iter__(a)))


def argsort(a):
    a = asarray(a)
    if a.ndim != 1:
        raise ValueError(f"argsort supports 1-D arrays ({_LITE})")
    return ndarray(sorted(range(len(a)), key=lambda i: list.__getitem__(a, i)))


def unique(a):
    return ndarray(sorted(set(asarray(a)._flat())))


def shape(a):
    return asarray(a).shape if not _is_scalar(a) else ()


def ndim(a):
    return len(shape(a))


def size(a):
    return asarray(a).size if not _is_scalar(a) else 1


def allclose(a, b, rtol=1e-05, atol=1e-08):
    return bool(all_(isclose(a, b, rtol, atol)))


def isclose(a, b, rtol=1e-05, atol=1e-08):
    return _binary(a, b, lambda x, y: x == y or (x - y if x >= y else y - x) <= atol + rtol * (y if y >= 0 else -y))


def array_equal(a, b):
    a, b = asarray(a), asarray(b)
    return a.shape == b.shape and a._flat() == b._flat()


def nan_to_num(x, nan=0.0, posinf=1.7976931348623157e308, neginf=-1.7976931348623157e308):
    def fix(v):
        if isinstance(v, float):
            if v != v:
                return nan
            if v == inf:
                return posinf
            if v == -inf:
                return neginf
        return v

    return _unary(x, fix)


# --- random: drawn from the sandbox's seeded `random` -------------------------------------
def _draw(size, draw):
    if size is None:
        return draw()
    shape = _shape_tuple(size)
    count = 1
    for n in shape:
        count *= n
    return _reshape([draw() for _ in range(count)], shape)


class Generator:
    """A random generator (`np.random.default_rng(seed)`): Python's Mersenne Twister, not
    numpy's PCG64, so the same seed gives other numbers than numpy, but the same ones on
    every run."""

    def __init__(self, source):
        self._random = source

    def random(self, size=None):
        return _draw(size, self._random.random)

    def uniform(self, low=0.0, high=1.0, size=None):
        return _draw(size, lambda: self._random.uniform(low, high))

    def normal(self, loc=0.0, scale=1.0, size=None):
        return _draw(size, lambda: self._random.gauss(loc, scale))

    def standard_normal(self, size=None):
        return _draw(size, lambda: self._random.gauss(0.0, 1.0))

    def integers(self, low, high=None, size=None):
        if high is None:
            low, high = 0, low
        return _draw(size, lambda: self._random.randrange(int(low), int(high)))

    def choice(self, a, size=None, replace=True, p=None):
        population = list(range(a)) if isinstance(a, int) else list(asarray(a))
        if p is not None:
            weights = list(asarray(p)._flat())
            return _draw(size, lambda: self._random.choices(population, weights)[0])
        if size is not None and not replace:
            return ndarray(self._random.sample(population, int(size)))
        return _draw(size, lambda: self._random.choice(population))

    def shuffle(self, x):
        self._random.shuffle(x)

    def permutation(self, x):
        items = list(range(x)) if isinstance(x, int) else list(asarray(x))
        self._random.shuffle(items)
        return ndarray(items)


class _RandomModule(Generator):
    """`numpy.random`: the legacy functions, drawn from the interpreter's `random` (which
    the sandbox seeds per policy) until `seed` gives them their own generator."""

    def __init__(self):
        Generator.__init__(self, _random._inst)

    def seed(self, seed=None):
        self._random = _random.Random(seed)

    def default_rng(self, seed=None):
        return Generator(_random.Random(seed) if seed is not None else _random.Random(self._random.random()))

    def rand(self, *shape):
        return self.random(shape or None)

    def randn(self, *shape):
        return self.standard_normal(shape or None)

    def randint(self, low, high=None, size=None):
        return self.integers(low, high, size)

    random_sample = sample = ranf = Generator.random
    Generator = Generator

    def __getattr__(self, name):
        raise AttributeError(f"module 'numpy.random' has no attribute {name!r} ({_LITE})")


random = _RandomModule()
