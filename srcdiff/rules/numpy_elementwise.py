"""More elementwise NumPy functions: inverse hyperbolic, angle conversions,
``exp2``/``cbrt``, ``fmax``/``fmin``, ``logaddexp``, ``sinc``, ``nan_to_num``,
``heaviside`` and the complex parts of real values.

The rules are for real arguments (as srcdiff's rules are throughout): ``np.imag``
and ``np.angle`` of real values are piecewise constant (0, or pi for a
negative number), so their result carries no derivative."""

import gast
import numpy as np

from ..primitives import FRESH, Primitive, adjoint, elementwise, nondiff, variants
from ..template import Template, d


@elementwise(np.arcsinh, result=FRESH, float_valued=True)
def arcsinh(y, x):
    return 1 / np.sqrt(x * x + 1)


@elementwise(np.arccosh, result=FRESH, float_valued=True)
def arccosh(y, x):
    return np.divide(1, np.sqrt(x * x - 1))


@elementwise(np.arctanh, result=FRESH, float_valued=True)
def arctanh(y, x):
    return np.divide(1, 1 - x * x)


@elementwise(np.deg2rad, np.radians, result=FRESH, float_valued=True)
def deg2rad(y, x):
    return 0.017453292519943295  # pi / 180


@elementwise(np.rad2deg, np.degrees, result=FRESH, float_valued=True)
def rad2deg(y, x):
    return 57.29577951308232  # 180 / pi


@elementwise(np.exp2, result=FRESH, float_valued=True)
def exp2(y, x):
    return y * 0.6931471805599453  # log(2)


@elementwise(np.cbrt, result=FRESH, float_valued=True)
def cbrt(y, x):
    return 1 / (3 * y * y)


@elementwise(np.fabs, result=FRESH, float_valued=True)
def fabs(y, x):
    return np.sign(x)


@elementwise(np.logaddexp, result=FRESH, float_valued=True)
def logaddexp(y, x1, x2):
    return np.exp(x1 - y), np.exp(x2 - y)


@elementwise(np.logaddexp2, result=FRESH, float_valued=True)
def logaddexp2(y, x1, x2):
    return np.exp2(x1 - y), np.exp2(x2 - y)


# fmax/fmin: the operand taken gets the derivative (a NaN is never taken unless
# both are); at a tie each gets half, as in autograd
@elementwise(np.fmax, np.fmin, result=FRESH)
def fmax(y, x1, x2):
    return (x1 == y) / (1.0 + (x1 == x2)), (x2 == y) / (1.0 + (x1 == x2))


# d/dx sin(pi x) / (pi x) = (cos(pi x) - sinc(x)) / x; near 0 its Taylor series
# (-pi^2 x / 3 + pi^4 x^3 / 30 - ...), whose own derivatives at 0 are right too
@elementwise(np.sinc, result=FRESH, float_valued=True)
def sinc(y, x):
    near = np.abs(x) < 0.01
    s = x * x
    return np.where(near, x * (-3.289868133696453 + s * (3.246969701133414 + s * (
        -1.144510944732505 + s * 0.20918278254123832))),
        (np.cos(np.pi * x) - y) / np.where(near, 1.0, x))


# np.heaviside(x1, x2) is x2 where x1 == 0 and constant elsewhere
@elementwise(np.heaviside, result=FRESH, float_valued=True, passive=("x1",))
def heaviside(y, x1, x2):
    return None, x1 == 0


# the real part of a real value is the value itself (the same array)
@elementwise(np.real, "ndarray.real", view="val")
def real(y, val):
    return 1


# (a real array is returned itself; a complex one is not made by srcdiff's rules)
@adjoint(np.real_if_close, linear=True, view="a", passive=("tol",), shape="elementwise")
def real_if_close(y, a, tol=100):
    d[a] = d[y]


@elementwise(np.conjugate, "ndarray.conjugate", "ndarray.conj", result=FRESH)
def conjugate(y, x):
    return 1


nondiff(np.imag, np.angle, "ndarray.imag", result=FRESH, shape="elementwise")


# (np.where, not a product with a mask: a derivative at a NaN may itself be NaN)
def _nan_to_num(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    d[x] = np.where(np.isfinite(x), d[y], 0.0)


def _nan_to_num_tangent(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    d[y] = np.where(np.isfinite(x), d[x], 0.0)


_NAN_TO_NUM = Primitive("numpy.nan_to_num", np.nan_to_num,
                        signature=("x", "copy", "nan", "posinf", "neginf"),
                        adjoint=Template(_nan_to_num, "numpy.nan_to_num"), aliases=(),
                        tangent=Template(_nan_to_num_tangent, "numpy.nan_to_num (tangent)"),
                        shape="elementwise")


@variants(np.nan_to_num, result=FRESH, shape="elementwise")
def nan_to_num(args, keywords):
    """``np.nan_to_num(x)``; ``copy=False`` (which writes into ``x``) has no rule."""
    bound = _NAN_TO_NUM.bind(args, keywords)
    if bound is None:
        return None
    copy = bound[1].get("copy")
    if copy is not None and not (isinstance(copy, gast.Constant) and copy.value is True):
        return None
    return bound
