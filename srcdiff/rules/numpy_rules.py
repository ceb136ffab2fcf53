"""NumPy functions and ``ndarray`` methods and attributes."""

import numpy as np

from ..template import Template
from .registry import adjoint, custom, nondiff

# --- elementwise, one operand ---------------------------------------------


@adjoint(np.sin, shape="elementwise")
def sin(y, x):
    d[x] = d[y] * np.cos(x)


@adjoint(np.cos, shape="elementwise")
def cos(y, x):
    d[x] = -d[y] * np.sin(x)


@adjoint(np.tan, shape="elementwise")
def tan(y, x):
    d[x] = d[y] * (1 + y * y)


@adjoint(np.arcsin, shape="elementwise")
def arcsin(y, x):
    d[x] = d[y] / np.sqrt(1 - x * x)


@adjoint(np.arccos, shape="elementwise")
def arccos(y, x):
    d[x] = -d[y] / np.sqrt(1 - x * x)


@adjoint(np.arctan, shape="elementwise")
def arctan(y, x):
    d[x] = d[y] / (1 + x * x)


@adjoint(np.sinh, shape="elementwise")
def sinh(y, x):
    d[x] = d[y] * np.cosh(x)


@adjoint(np.cosh, shape="elementwise")
def cosh(y, x):
    d[x] = d[y] * np.sinh(x)


@adjoint(np.tanh, shape="elementwise")
def tanh(y, x):
    d[x] = d[y] * (1 - y * y)


@adjoint(np.exp, shape="elementwise")
def exp(y, x):
    d[x] = d[y] * y


@adjoint(np.expm1, shape="elementwise")
def expm1(y, x):
    d[x] = d[y] * (y + 1)


@adjoint(np.log, shape="elementwise")
def log(y, x):
    d[x] = d[y] / x


@adjoint(np.log1p, shape="elementwise")
def log1p(y, x):
    d[x] = d[y] / (1 + x)


@adjoint(np.log2, shape="elementwise")
def log2(y, x):
    d[x] = d[y] / (x * 0.6931471805599453)


@adjoint(np.log10, shape="elementwise")
def log10(y, x):
    d[x] = d[y] / (x * 2.302585092994046)


@adjoint(np.sqrt, shape="elementwise")
def sqrt(y, x):
    d[x] = d[y] * 0.5 / y


@adjoint(np.square, shape="elementwise")
def square(y, x):
    d[x] = d[y] * 2 * x


@adjoint(np.reciprocal, shape="elementwise")
def reciprocal(y, x):
    d[x] = -d[y] * y * y


@adjoint(np.negative, shape="elementwise")
def negative(y, x):
    d[x] = -d[y]


@adjoint(np.absolute, shape="elementwise")
def absolute(y, x):
    d[x] = d[y] * np.sign(x)


# --- elementwise, several operands (broadcasting) -------------------------


@adjoint(np.power, shape="broadcast")
def power(z, x, y):
    d[x] = d[z] * y * x ** (y - 1)
    d[y] = d[z] * z * np.log(x)


@adjoint(np.arctan2, shape="broadcast")
def arctan2(z, y, x):
    d[y] = d[z] * x / (x * x + y * y)
    d[x] = -d[z] * y / (x * x + y * y)


@adjoint(np.hypot, shape="broadcast")
def hypot(z, x, y):
    d[x] = d[z] * x / z
    d[y] = d[z] * y / z


@adjoint(np.maximum, shape="broadcast")
def maximum(z, x, y):
    d[x] = d[z] * rt.extreme_weight(x, y)
    d[y] = d[z] * rt.extreme_weight(y, x)


@adjoint(np.minimum, shape="broadcast")
def minimum(z, x, y):
    d[x] = d[z] * rt.extreme_weight(y, x)
    d[y] = d[z] * rt.extreme_weight(x, y)


@adjoint(np.where, shape="broadcast")
def where(z, condition, x, y):
    d[x] = np.where(condition, d[z], 0.0)
    d[y] = np.where(condition, 0.0, d[z])


@adjoint(np.clip, shape="elementwise")
def clip(y, a, a_min=None, a_max=None):
    d[a] = d[y] * rt.clip_mask(a, a_min, a_max)


# --- reductions -------------------------------------------------------------


@adjoint(np.sum, "ndarray.sum", shape="reduce")
def sum(y, a, axis=None, keepdims=False):
    d[a] = rt.unreduce(d[y], a, axis, keepdims)


@adjoint(np.mean, "ndarray.mean", shape="reduce")
def mean(y, a, axis=None, keepdims=False):
    d[a] = rt.unreduce_mean(d[y], a, axis, keepdims)


@adjoint(np.prod, "ndarray.prod", shape="reduce")
def prod(y, a, axis=None, keepdims=False):
    d[a] = rt.unreduce(d[y] * y, a, axis, keepdims) / a


@adjoint(np.max, np.amax, "ndarray.max", shape="reduce")
def max(y, a, axis=None, keepdims=False):
    d[a] = rt.unreduce_extreme(d[y], y, a, axis, keepdims)


@adjoint(np.min, np.amin, "ndarray.min", shape="reduce")
def min(y, a, axis=None, keepdims=False):
    d[a] = rt.unreduce_extreme(d[y], y, a, axis, keepdims)


# --- linear algebra -----------------------------------------------------------


@adjoint(np.matmul)
def matmul(z, x1, x2):
    d[x1] = rt.matmul_dx(d[z], x1, x2)
    d[x2] = rt.matmul_dy(d[z], x1, x2)


@adjoint(np.dot, "ndarray.dot")
def dot(z, a, b):
    d[a] = rt.matmul_dx(d[z], a, b, "dot")
    d[b] = rt.matmul_dy(d[z], a, b, "dot")


@adjoint(np.inner)
def inner(z, a, b):
    d[a] = rt.matmul_dx(d[z], a, np.transpose(b), "dot")
    d[b] = np.transpose(rt.matmul_dy(d[z], a, np.transpose(b), "dot"))


@adjoint(np.outer)
def outer(z, a, b):
    d[a] = np.reshape(d[z] @ np.ravel(b), np.shape(a))
    d[b] = np.reshape(np.ravel(a) @ d[z], np.shape(b))


@adjoint(np.trace, "ndarray.trace")
def trace(y, a):
    d[a] = d[y] * np.eye(*np.shape(a))


# --- shape ------------------------------------------------------------------


@adjoint(np.transpose, "ndarray.transpose")
def transpose(y, a, axes=None):
    d[a] = np.transpose(d[y], rt.inverse_axes(axes))


@adjoint("ndarray.T")
def T(y, a):
    d[a] = np.transpose(d[y])


@adjoint(np.reshape)
def reshape(y, a, shape):
    d[a] = np.reshape(d[y], np.shape(a))


def _reshape_adjoint(y, a):
    d[a] = np.reshape(d[y], np.shape(a))


@custom("ndarray.reshape")
def reshape_method(args, keywords):
    """``a.reshape(3, 4)`` or ``a.reshape((3, 4))``: the shape does not matter."""
    if keywords or len(args) < 2:
        return None
    return _templates["reshape"], {"a": args[0]}


@adjoint(np.squeeze, "ndarray.squeeze")
def squeeze(y, a, axis=None):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(np.expand_dims)
def expand_dims(y, a, axis):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(np.ravel, "ndarray.ravel", "ndarray.flatten")
def ravel(y, a):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(np.stack)
def stack(y, arrays, axis=0):
    d[arrays] = rt.unstack(d[y], arrays, axis)


@adjoint(np.concatenate)
def concatenate(y, arrays, axis=0):
    d[arrays] = rt.unconcatenate(d[y], arrays, axis)


@adjoint(np.mod, np.remainder, shape="broadcast")
def remainder(z, x1, x2):
    d[x1] = d[z]
    d[x2] = -d[z] * np.floor(x1 / x2)


@adjoint(np.copy, "ndarray.copy", np.float64, shape="elementwise")
def copy(y, a):
    d[a] = d[y]


@adjoint(np.array, np.asarray)
def array(y, object):
    d[object] = rt.unarray(d[y], object)


_templates = {"reshape": Template(_reshape_adjoint, "ndarray.reshape")}

# --- no derivative: the result carries none -----------------------------------

nondiff(np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc,
        np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort,
        np.isnan, np.isinf, np.isfinite, np.equal, np.not_equal, np.less,
        np.less_equal, np.greater, np.greater_equal, np.logical_and,
        np.logical_or, np.logical_not, np.zeros_like, np.ones_like, np.empty_like,
        np.zeros, np.ones, np.empty, np.eye, np.identity, np.arange,
        np.linspace, np.allclose, np.isclose, np.count_nonzero, np.nonzero,
        np.heaviside, "ndarray.shape", "ndarray.ndim", "ndarray.size",
        "ndarray.dtype", "ndarray.argmax", "ndarray.argmin")
