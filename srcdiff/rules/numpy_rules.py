"""NumPy functions and ``ndarray`` methods and attributes: each primitive's
adjoint and tangent side by side, with what it returns (``result=FRESH`` or a
``view`` of an operand) and its shape rule."""

import builtins
import math

import numpy as np

from .. import recurrences
from .. import runtime as rt
from . import math_rules, operators
from ..primitives import (EVALUATE, FRESH, Primitive, adjoint, constructed,
                          batched, elementwise, evaluated, known, nondiff, series, tangent,
                          variants)
from ..template import Template, d

# --- elementwise, one operand -----------------------------------------------------
# (the rule is the partial derivative; adjoint and tangent follow from it)


@elementwise(np.sin, scalar=math.sin, result=FRESH, float_valued=True)
def sin(y, x):
    return np.cos(x)


@elementwise(np.cos, scalar=math.cos, result=FRESH, float_valued=True)
def cos(y, x):
    return -np.sin(x)


@elementwise(np.tan, scalar=math.tan, result=FRESH, float_valued=True)
def tan(y, x):
    return 1 + y * y


@elementwise(np.arcsin, scalar=math.asin, result=FRESH, float_valued=True)
def arcsin(y, x):
    return 1 / np.sqrt(1 - x * x)


@elementwise(np.arccos, scalar=math.acos, result=FRESH, float_valued=True)
def arccos(y, x):
    return -1 / np.sqrt(1 - x * x)


@elementwise(np.arctan, scalar=math.atan, result=FRESH, float_valued=True)
def arctan(y, x):
    return 1 / (1 + x * x)


@elementwise(np.sinh, scalar=math.sinh, result=FRESH, float_valued=True)
def sinh(y, x):
    return np.cosh(x)


@elementwise(np.cosh, scalar=math.cosh, result=FRESH, float_valued=True)
def cosh(y, x):
    return np.sinh(x)


@elementwise(np.tanh, scalar=math.tanh, result=FRESH, float_valued=True)
def tanh(y, x):
    return 1 - y * y


@elementwise(np.exp, scalar=math.exp, result=FRESH, float_valued=True)
def exp(y, x):
    return y


@elementwise(np.expm1, scalar=math.expm1, result=FRESH, float_valued=True)
def expm1(y, x):
    return y + 1


@elementwise(np.log, scalar=math.log, result=FRESH, float_valued=True)
def log(y, x):
    return 1 / x


@elementwise(np.log1p, scalar=math.log1p, result=FRESH, float_valued=True)
def log1p(y, x):
    return 1 / (1 + x)


@elementwise(np.log2, scalar=math.log2, result=FRESH, float_valued=True)
def log2(y, x):
    return 1 / (x * 0.6931471805599453)


@elementwise(np.log10, scalar=math.log10, result=FRESH, float_valued=True)
def log10(y, x):
    return 1 / (x * 2.302585092994046)


@elementwise(np.sqrt, scalar=math.sqrt, result=FRESH, float_valued=True)
def sqrt(y, x):
    return 0.5 / y


@elementwise(np.square, result=FRESH)
def square(y, x):
    return 2 * x


@elementwise(np.reciprocal, result=FRESH)
def reciprocal(y, x):
    return -y * y


@elementwise(np.negative, result=FRESH)
def negative(y, x):
    return -1


@elementwise(np.absolute, result=FRESH)
def absolute(y, x):
    return np.sign(x)


@elementwise(np.copy, "ndarray.copy", np.float64, result=FRESH)
def copy(y, a):
    return 1


# --- elementwise, several operands (broadcasting) -----------------------------------


@elementwise(np.arctan2, scalar=math.atan2, result=FRESH, float_valued=True)
def arctan2(z, y, x):
    return x / (x * x + y * y), -y / (x * x + y * y)


@elementwise(np.hypot, scalar=math.hypot, result=FRESH, float_valued=True)
def hypot(z, x, y):
    return x / z, y / z


@elementwise(np.maximum, result=FRESH)
def maximum(z, x, y):
    return rt.extreme_weight(x, y), rt.extreme_weight(y, x)


@elementwise(np.minimum, result=FRESH)
def minimum(z, x, y):
    return rt.extreme_weight(y, x), rt.extreme_weight(x, y)


@elementwise(np.mod, np.remainder, result=FRESH)
def remainder(z, x1, x2):
    return 1, -np.floor(x1 / x2)


@elementwise(np.clip, result=FRESH)
def clip(y, a, a_min=None, a_max=None):
    return rt.clip_mask(a, a_min, a_max), None, None


@adjoint(np.where, shape="broadcast", passive=("condition",), result=FRESH)
def where(z, condition, x, y):
    d[x] = np.where(condition, d[z], 0.0)
    d[y] = np.where(condition, 0.0, d[z])


@tangent(np.where)
def where_tangent(z, condition, x, y):
    d[z] = np.where(condition, d[x], d[y])


# --- reductions ------------------------------------------------------------------------


def _sum_full(y, a, axis=None, keepdims=False):
    d[a] = d[y]


def _mean_full(y, a, axis=None, keepdims=False):
    d[a] = d[y] / np.size(a)


@adjoint(np.sum, "ndarray.sum", shape="reduce", linear=True, result=FRESH, lazy=_sum_full)
def sum_(y, a, axis=None, keepdims=False):
    d[a] = rt.unreduce(d[y], a, axis, keepdims)


@batched(np.sum, "ndarray.sum")
def sum_batched(y, a, axis=None, keepdims=False):
    d[y] = rt.batched_sum(d[a], axis, keepdims)


@adjoint(np.mean, "ndarray.mean", shape="reduce", linear=True, result=FRESH,
         float_valued=True, lazy=_mean_full)
def mean(y, a, axis=None, keepdims=False):
    d[a] = rt.unreduce_mean(d[y], a, axis, keepdims)


@adjoint(np.prod, "ndarray.prod", shape="reduce", result=FRESH)
def prod(y, a, axis=None, keepdims=False):
    d[a] = rt.unreduce(d[y] * y, a, axis, keepdims) / a


@tangent(np.prod, "ndarray.prod")
def prod_tangent(y, a, axis=None, keepdims=False):
    d[y] = np.sum(d[a] * rt.unreduce(y, a, axis, keepdims) / a, axis=axis,
                  keepdims=keepdims)


@adjoint(np.max, np.amax, "ndarray.max", np.min, np.amin, "ndarray.min", shape="reduce",
         result=FRESH)
def extreme(y, a, axis=None, keepdims=False):
    d[a] = rt.unreduce_extreme(d[y], y, a, axis, keepdims)


@tangent(np.max, np.amax, "ndarray.max", np.min, np.amin, "ndarray.min")
def extreme_tangent(y, a, axis=None, keepdims=False):
    d[y] = np.sum(d[a] * rt.unreduce_extreme(1.0, y, a, axis, keepdims), axis=axis,
                  keepdims=keepdims)


# --- shape -------------------------------------------------------------------------------


@adjoint(np.transpose, "ndarray.transpose", linear=True, view="a",
         shape=evaluated(np.transpose))
def transpose(y, a, axes=None):
    d[a] = np.transpose(d[y], rt.inverse_axes(axes))


@adjoint("ndarray.T", linear=True, view="a", shape=evaluated(np.transpose))
def T(y, a):
    d[a] = np.transpose(d[y])


@adjoint(np.reshape, linear=True, view="a", shape=EVALUATE)
def reshape(y, a, shape):
    d[a] = np.reshape(d[y], np.shape(a))


@batched(np.reshape)
def reshape_batched(y, a, shape):
    d[y] = rt.batched_reshape(d[a], shape)


def _reshape_method(y, a):
    d[a] = np.reshape(d[y], np.shape(a))


_RESHAPE_METHOD = Primitive("ndarray.reshape", "ndarray.reshape", signature=("a",),
                            adjoint=Template(_reshape_method, "ndarray.reshape"),
                            linear=True, aliases=("a",))


@variants("ndarray.reshape", view="a")
def reshape_method(args, keywords):
    """``a.reshape(3, 4)`` or ``a.reshape((3, 4))``: the shape does not matter."""
    if keywords or len(args) < 2:
        return None
    return _RESHAPE_METHOD, {"a": args[0]}


@adjoint(np.squeeze, "ndarray.squeeze", linear=True, view="a", shape=evaluated(np.squeeze))
def squeeze(y, a, axis=None):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(np.expand_dims, linear=True, view="a", shape=EVALUATE)
def expand_dims(y, a, axis):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(np.ravel, "ndarray.ravel", linear=True, view="a", shape=evaluated(np.ravel))
@adjoint("ndarray.flatten", linear=True, result=FRESH, shape=evaluated(np.ravel))
def ravel(y, a):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(np.stack, linear=True, result=FRESH)
def stack(y, arrays, axis=0):
    d[arrays] = rt.unstack(d[y], arrays, axis)


@adjoint(np.concatenate, linear=True, result=FRESH)
def concatenate(y, arrays, axis=0):
    d[arrays] = rt.unconcatenate(d[y], arrays, axis)


@adjoint(np.array, result=FRESH)
@adjoint(np.asarray, view="obj")
def array(y, obj):
    d[obj] = rt.unarray(d[y], obj)


@tangent(np.array, np.asarray)
def array_tangent(y, obj):
    d[y] = np.array(d[obj], dtype=float)


# --- no derivative: the result carries none ------------------------------------------------

nondiff(np.floor, np.ceil, np.round, np.rint, np.trunc, np.isnan, np.isinf, np.isfinite,
        np.logical_not, np.zeros_like, np.ones_like, np.empty_like, np.sign,
        result=FRESH, shape="elementwise")
nondiff(np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
        np.logical_and, np.logical_or, result=FRESH, shape="broadcast")
nondiff(np.ndim, np.size, np.count_nonzero, np.allclose, result=FRESH, shape="scalar")
nondiff(np.shape, np.argmax, np.argmin, np.argsort,
        np.isclose, np.nonzero,
        "ndarray.shape", "ndarray.ndim", "ndarray.size", "ndarray.dtype", "ndarray.argmax",
        "ndarray.argmin", result=FRESH)
nondiff(np.zeros, np.ones, np.empty, result=FRESH, shape=constructed)


def _eye(shapes, constants):
    n, m = constants.get("N"), constants.get("M", None)
    if type(n) is int and (m is None or type(m) is int):
        return (n, n if m is None else m)
    return None


def _identity(shapes, constants):
    n = constants.get("n")
    return (n, n) if type(n) is int else None


def _linspace_shape(shapes, constants):
    num = constants.get("num", 50)
    return (num,) if type(num) is int and shapes[0] == () and shapes[1] == () else None


@adjoint(np.linspace, result=FRESH, passive=("num",), shape=_linspace_shape)
def linspace(y, start, stop, num=50):
    w = np.linspace(0.0, 1.0, num)
    d[start] = np.sum(d[y] * (1.0 - w))
    d[stop] = np.sum(d[y] * w)


@tangent(np.linspace)
def linspace_tangent(y, start, stop, num=50):
    w = np.linspace(0.0, 1.0, num)
    d[y] = d[start] * (1.0 - w)
    d[y] = d[stop] * w


# np.arange(start, stop, step): the values move with start and step, the length
# jumps: no derivative rule (refused where one would be needed)
known(np.arange, result=FRESH)
nondiff(np.eye, result=FRESH, shape=_eye)
nondiff(np.identity, result=FRESH, shape=_identity)

# known effects, no derivative (refused where a derivative would flow)
known("ndarray.fill", "ndarray.sort", "ndarray.resize", "ndarray.put", "ndarray.itemset",
      "ndarray.setfield", "ndarray.partition", result=FRESH, writes=("self",), pure=False)


# --- Taylor rules (taylor.py) of elementwise functions, NumPy's and the math module's ---
# (y[k] is the k-th normalized coefficient of the result; recurrences.chain(x, w, k) is
# that of y where y' = w x')


@series(np.exp, math.exp)
def exp_series(t, y, x):
    for k in t.orders:
        y[k] = recurrences.chain(x, y, k)


@series(np.exp2)
def exp2_series(t, y, x):
    for k in t.orders:
        y[k] = 0.6931471805599453 * recurrences.chain(x, y, k)  # log(2)


@series(np.expm1, math.expm1)
def expm1_series(t, y, x):
    w = t.series(y[0] + 1, "exp")   # y' = (y + 1) x'
    for k in t.orders:
        y[k] = recurrences.chain(x, w, k)
        w[k] = y[k]


@series(np.log, math_rules.LOG[1])
def log_series(t, y, x):
    for k in t.orders:
        y[k] = recurrences.quotient(x, x, y, k)


@series(np.log2, math.log2, np.log10, math.log10)
def log_base_series(t, y, x):
    scale = 0.6931471805599453 if t.primitive.key in (np.log2, math.log2) \
        else 2.302585092994046
    log = t.series(y[0] * scale, "ln")
    for k in t.orders:
        log[k] = recurrences.quotient(x, x, log, k)
        y[k] = log[k] / scale


@series(np.log1p, math.log1p)
def log1p_series(t, y, x):
    w = t.series(1 + x[0], "base")  # (1 + x) y' = x'
    for k in t.orders:
        w[k] = x[k]
        y[k] = recurrences.quotient(x, w, y, k)


@series(np.sin, math.sin)
def sin_series(t, y, x):
    cos = t.series(t.call(np.cos, x[0]), "cos")
    for k in t.orders:
        y[k] = recurrences.chain(x, cos, k)
        if k < t.n:
            cos[k] = -recurrences.chain(x, y, k)


@series(np.cos, math.cos)
def cos_series(t, y, x):
    sin = t.series(t.call(np.sin, x[0]), "sin")
    for k in t.orders:
        y[k] = -recurrences.chain(x, sin, k)
        if k < t.n:
            sin[k] = recurrences.chain(x, y, k)


@series(np.sinh, math.sinh)
def sinh_series(t, y, x):
    cosh = t.series(t.call(np.cosh, x[0]), "cosh")
    for k in t.orders:
        y[k] = recurrences.chain(x, cosh, k)
        if k < t.n:
            cosh[k] = recurrences.chain(x, y, k)


@series(np.cosh, math.cosh)
def cosh_series(t, y, x):
    sinh = t.series(t.call(np.sinh, x[0]), "sinh")
    for k in t.orders:
        y[k] = recurrences.chain(x, sinh, k)
        if k < t.n:
            sinh[k] = recurrences.chain(x, y, k)


@series(np.tan, math.tan)
def tan_series(t, y, x):
    w = t.series(1 + y[0] * y[0], "sec2")   # y' = (1 + y^2) x'
    for k in t.orders:
        y[k] = recurrences.chain(x, w, k)
        if k < t.n:
            w[k] = recurrences.product(y, y, k)


@series(np.tanh, math.tanh)
def tanh_series(t, y, x):
    w = t.series(1 - y[0] * y[0], "sech2")   # y' = (1 - y^2) x'
    for k in t.orders:
        y[k] = recurrences.chain(x, w, k)
        if k < t.n:
            w[k] = -recurrences.product(y, y, k)


@series(np.sqrt, math.sqrt)
def sqrt_series(t, y, x):
    for k in t.orders:
        y[k] = recurrences.root(x, y, k)


@series(np.cbrt)
def cbrt_series(t, y, x):
    for k in t.orders:
        y[k] = recurrences.power(x, y, 1 / 3, k)


@series(np.square)
def square_series(t, y, x):
    for k in t.orders:
        y[k] = recurrences.product(x, x, k)


@series(np.reciprocal)
def reciprocal_series(t, y, x):
    for k in t.orders:   # y x = 1
        y[k] = -sum((x[j] * y[k - j] for j in range(1, k + 1)), 0) / x[0]


def _inverse(sign, one, square, root):
    """The rule of ``y`` with ``w y' = sign x'``, ``u = one + square x^2`` and
    ``w = sqrt(u)`` (``root``) or ``w = u``: the inverse trigonometric and
    hyperbolic functions."""
    def rule(t, y, x):
        u = t.series(one + square * x[0] * x[0], "u")
        w = t.series(t.call(np.sqrt, u[0]), "root") if root else u
        for k in t.orders:
            y[k] = recurrences.quotient(x, w, y, k, sign)
            if k < t.n:
                u[k] = square * recurrences.product(x, x, k)
                if root:
                    w[k] = recurrences.root(u, w, k)
    return rule


series(np.arctan, math.atan)(_inverse(1, 1, 1, root=False))
series(np.arcsin, math.asin)(_inverse(1, 1, -1, root=True))
series(np.arccos, math.acos)(_inverse(-1, 1, -1, root=True))
series(np.arcsinh)(_inverse(1, 1, 1, root=True))
series(np.arccosh)(_inverse(1, -1, 1, root=True))
series(np.arctanh)(_inverse(1, 1, -1, root=False))


series(np.negative)(operators.neg_series)


@series(np.absolute, np.fabs, math.fabs, builtins.abs)
def abs_series(t, y, x):
    sign = t.let(t.call(np.sign, x[0]), "sign")   # (0 at 0, as the gradient)
    for k in t.orders:
        y[k] = sign * x[k]


@series(np.deg2rad, np.radians, np.rad2deg, np.degrees, builtins.float)
def scaled_series(t, y, x):
    scale = {np.deg2rad: math.pi / 180, np.radians: math.pi / 180,
             np.rad2deg: 180 / math.pi, np.degrees: 180 / math.pi}.get(t.primitive.key, 1)
    for k in t.orders:
        y[k] = scale * x[k]


@series(np.copy, np.float64)
def copy_series(t, y, a):
    for k in t.orders:
        y[k] = a[k]
