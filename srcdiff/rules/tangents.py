"""Tangent (forward-mode) rules of the operators, ``math``, builtins and NumPy.

Next to each adjoint ``d[x] = d[y] * f'(x)`` the tangent reads
``d[y] = d[x] * f'(x)``, where ``d[v]`` is now the tangent of ``v``.  Every
assignment to ``d[result]`` is one term; forward mode sums the terms of the
active operands (an inactive operand's term is dropped, so e.g. ``np.log(x)``
of a constant exponent is never evaluated).  A term that names several
tangents gets ``0.0`` for the inactive ones.

Tangents have their primal's shape: forward mode broadcasts a term up where
an operand can be smaller than the result, so no ``unbroadcast`` is needed.
"""

import builtins
import math

import numpy as np

from ..template import Template
from .math_rules import extreme_bindings
from .registry import tangent, tangent_custom

# --- operators --------------------------------------------------------------


@tangent("operator.add")
def add(z, x, y):
    d[z] = d[x]
    d[z] = d[y]


@tangent("operator.sub")
def sub(z, x, y):
    d[z] = d[x]
    d[z] = -d[y]


@tangent("operator.mul")
def mul(z, x, y):
    d[z] = d[x] * y
    d[z] = x * d[y]


@tangent("operator.truediv")
def truediv(z, x, y):
    d[z] = d[x] / y
    d[z] = -d[y] * z / y


@tangent("operator.pow")
def pow_(z, x, y):
    d[z] = d[x] * y * x ** (y - 1)
    d[z] = d[y] * z * np.log(x)


@tangent("operator.matmul")
def matmul_op(z, x, y):
    d[z] = d[x] @ y
    d[z] = x @ d[y]


@tangent("operator.mod")
def mod(z, x, y):
    d[z] = d[x]
    d[z] = -d[y] * np.floor(x / y)


@tangent("operator.neg")
def neg(y, x):
    d[y] = -d[x]


@tangent("operator.pos")
def pos(y, x):
    d[y] = d[x]


# --- math --------------------------------------------------------------------


@tangent(math.sin)
def m_sin(y, x):
    d[y] = d[x] * math.cos(x)


@tangent(math.cos)
def m_cos(y, x):
    d[y] = -d[x] * math.sin(x)


@tangent(math.tan)
def m_tan(y, x):
    d[y] = d[x] * (1 + y * y)


@tangent(math.asin)
def m_asin(y, x):
    d[y] = d[x] / math.sqrt(1 - x * x)


@tangent(math.acos)
def m_acos(y, x):
    d[y] = -d[x] / math.sqrt(1 - x * x)


@tangent(math.atan)
def m_atan(y, x):
    d[y] = d[x] / (1 + x * x)


@tangent(math.atan2)
def m_atan2(z, y, x):
    d[z] = d[y] * x / (x * x + y * y)
    d[z] = -d[x] * y / (x * x + y * y)


@tangent(math.sinh)
def m_sinh(y, x):
    d[y] = d[x] * math.cosh(x)


@tangent(math.cosh)
def m_cosh(y, x):
    d[y] = d[x] * math.sinh(x)


@tangent(math.tanh)
def m_tanh(y, x):
    d[y] = d[x] * (1 - y * y)


@tangent(math.exp)
def m_exp(y, x):
    d[y] = d[x] * y


@tangent(math.expm1)
def m_expm1(y, x):
    d[y] = d[x] * (y + 1)


@tangent(math.log1p)
def m_log1p(y, x):
    d[y] = d[x] / (1 + x)


@tangent(math.log2)
def m_log2(y, x):
    d[y] = d[x] / (x * 0.6931471805599453)


@tangent(math.log10)
def m_log10(y, x):
    d[y] = d[x] / (x * 2.302585092994046)


@tangent(math.sqrt)
def m_sqrt(y, x):
    d[y] = d[x] * 0.5 / y


@tangent(math.pow)
def m_pow(z, x, y):
    d[z] = d[x] * y * x ** (y - 1)
    d[z] = d[y] * z * math.log(x)


@tangent(math.hypot)
def m_hypot(z, x, y):
    d[z] = d[x] * x / z
    d[z] = d[y] * y / z


@tangent(math.fabs)
def m_fabs(y, x):
    d[y] = d[x] * ((x > 0) - (x < 0))


def _m_log(y, x):
    d[y] = d[x] / x


def _m_log_base(z, x, base):
    d[z] = d[x] / (x * math.log(base))
    d[z] = -d[base] * z / (base * math.log(base))


@tangent_custom(math.log)
def m_log(args, keywords):
    if len(args) == 1 and not keywords:
        return _templates["log"], {"x": args[0]}
    if len(args) == 2 and not keywords:
        return _templates["log_base"], {"x": args[0], "base": args[1]}
    return None


@tangent(builtins.abs)
def b_abs(y, x):
    d[y] = d[x] * np.sign(x)


@tangent(builtins.float)
def b_float(y, x):
    d[y] = d[x]


@tangent_custom(builtins.max)
def b_max(args, keywords):
    return extreme_bindings("max", args, keywords, "tangent")


@tangent_custom(builtins.min)
def b_min(args, keywords):
    return extreme_bindings("min", args, keywords, "tangent")


def _b_sum(y, xs):
    d[y] = rt.tangent_sum(d[xs])


@tangent_custom(builtins.sum)
def b_sum(args, keywords):
    if len(args) == 1 and not keywords:
        return _templates["sum"], {"xs": args[0]}
    return None


# --- numpy, elementwise --------------------------------------------------------


@tangent(np.sin)
def sin(y, x):
    d[y] = d[x] * np.cos(x)


@tangent(np.cos)
def cos(y, x):
    d[y] = -d[x] * np.sin(x)


@tangent(np.tan)
def tan(y, x):
    d[y] = d[x] * (1 + y * y)


@tangent(np.arcsin)
def arcsin(y, x):
    d[y] = d[x] / np.sqrt(1 - x * x)


@tangent(np.arccos)
def arccos(y, x):
    d[y] = -d[x] / np.sqrt(1 - x * x)


@tangent(np.arctan)
def arctan(y, x):
    d[y] = d[x] / (1 + x * x)


@tangent(np.sinh)
def sinh(y, x):
    d[y] = d[x] * np.cosh(x)


@tangent(np.cosh)
def cosh(y, x):
    d[y] = d[x] * np.sinh(x)


@tangent(np.tanh)
def tanh(y, x):
    d[y] = d[x] * (1 - y * y)


@tangent(np.exp)
def exp(y, x):
    d[y] = d[x] * y


@tangent(np.expm1)
def expm1(y, x):
    d[y] = d[x] * (y + 1)


@tangent(np.log)
def log(y, x):
    d[y] = d[x] / x


@tangent(np.log1p)
def log1p(y, x):
    d[y] = d[x] / (1 + x)


@tangent(np.log2)
def log2(y, x):
    d[y] = d[x] / (x * 0.6931471805599453)


@tangent(np.log10)
def log10(y, x):
    d[y] = d[x] / (x * 2.302585092994046)


@tangent(np.sqrt)
def sqrt(y, x):
    d[y] = d[x] * 0.5 / y


@tangent(np.square)
def square(y, x):
    d[y] = d[x] * 2 * x


@tangent(np.reciprocal)
def reciprocal(y, x):
    d[y] = -d[x] * y * y


@tangent(np.negative)
def negative(y, x):
    d[y] = -d[x]


@tangent(np.absolute)
def absolute(y, x):
    d[y] = d[x] * np.sign(x)


# --- numpy, broadcasting ---------------------------------------------------------


@tangent(np.power)
def power(z, x, y):
    d[z] = d[x] * y * x ** (y - 1)
    d[z] = d[y] * z * np.log(x)


@tangent(np.arctan2)
def arctan2(z, y, x):
    d[z] = d[y] * x / (x * x + y * y)
    d[z] = -d[x] * y / (x * x + y * y)


@tangent(np.hypot)
def hypot(z, x, y):
    d[z] = d[x] * x / z
    d[z] = d[y] * y / z


@tangent(np.maximum)
def maximum(z, x, y):
    d[z] = d[x] * rt.extreme_weight(x, y)
    d[z] = d[y] * rt.extreme_weight(y, x)


@tangent(np.minimum)
def minimum(z, x, y):
    d[z] = d[x] * rt.extreme_weight(y, x)
    d[z] = d[y] * rt.extreme_weight(x, y)


@tangent(np.mod, np.remainder)
def remainder(z, x1, x2):
    d[z] = d[x1]
    d[z] = -d[x2] * np.floor(x1 / x2)


@tangent(np.where)
def where(z, condition, x, y):
    d[z] = np.where(condition, d[x], d[y])


@tangent(np.clip)
def clip(y, a, a_min=None, a_max=None):
    d[y] = d[a] * rt.clip_mask(a, a_min, a_max)


# --- reductions --------------------------------------------------------------------


@tangent(np.sum, "ndarray.sum")
def sum_(y, a, axis=None, keepdims=False):
    d[y] = np.sum(d[a], axis=axis, keepdims=keepdims)


@tangent(np.mean, "ndarray.mean")
def mean(y, a, axis=None, keepdims=False):
    d[y] = np.mean(d[a], axis=axis, keepdims=keepdims)


@tangent(np.prod, "ndarray.prod")
def prod(y, a, axis=None, keepdims=False):
    d[y] = np.sum(d[a] * rt.unreduce(y, a, axis, keepdims) / a, axis=axis,
                  keepdims=keepdims)


@tangent(np.max, np.amax, "ndarray.max", np.min, np.amin, "ndarray.min")
def extreme(y, a, axis=None, keepdims=False):
    d[y] = np.sum(d[a] * rt.unreduce_extreme(1.0, y, a, axis, keepdims), axis=axis,
                  keepdims=keepdims)


# --- linear algebra -------------------------------------------------------------------


@tangent(np.matmul)
def matmul(z, x1, x2):
    d[z] = np.matmul(d[x1], x2)
    d[z] = np.matmul(x1, d[x2])


@tangent(np.dot, "ndarray.dot")
def dot(z, a, b):
    d[z] = np.dot(d[a], b)
    d[z] = np.dot(a, d[b])


@tangent(np.inner)
def inner(z, a, b):
    d[z] = np.inner(d[a], b)
    d[z] = np.inner(a, d[b])


@tangent(np.outer)
def outer(z, a, b):
    d[z] = np.outer(d[a], b)
    d[z] = np.outer(a, d[b])


@tangent(np.trace, "ndarray.trace")
def trace(y, a):
    d[y] = np.trace(d[a])


# --- shape ------------------------------------------------------------------------------


@tangent(np.transpose, "ndarray.transpose")
def transpose(y, a, axes=None):
    d[y] = np.transpose(d[a], axes)


@tangent("ndarray.T")
def T(y, a):
    d[y] = np.transpose(d[a])


@tangent(np.reshape)
def reshape(y, a, shape):
    d[y] = np.reshape(d[a], np.shape(y))


def _reshape_tangent(y, a):
    d[y] = np.reshape(d[a], np.shape(y))


@tangent_custom("ndarray.reshape")
def reshape_method(args, keywords):
    if keywords or len(args) < 2:
        return None
    return _templates["reshape"], {"a": args[0]}


@tangent(np.squeeze, "ndarray.squeeze")
def squeeze(y, a, axis=None):
    d[y] = np.reshape(d[a], np.shape(y))


@tangent(np.expand_dims)
def expand_dims(y, a, axis):
    d[y] = np.reshape(d[a], np.shape(y))


@tangent(np.ravel, "ndarray.ravel", "ndarray.flatten")
def ravel(y, a):
    d[y] = np.reshape(d[a], np.shape(y))


@tangent(np.stack)
def stack(y, arrays, axis=0):
    d[y] = np.stack(d[arrays], axis)


@tangent(np.concatenate)
def concatenate(y, arrays, axis=0):
    d[y] = np.concatenate(d[arrays], axis)


@tangent(np.copy, "ndarray.copy")
def copy(y, a):
    d[y] = np.copy(d[a])


@tangent(np.float64)
def float64(y, a):
    d[y] = d[a]


@tangent(np.array, np.asarray)
def array(y, object):
    d[y] = np.array(d[object], dtype=float)


_templates = {
    "log": Template(_m_log, "math.log (tangent)"),
    "log_base": Template(_m_log_base, "math.log (tangent)"),
    "sum": Template(_b_sum, "builtins.sum (tangent)"),
    "reshape": Template(_reshape_tangent, "ndarray.reshape (tangent)"),
}
