"""Operators: ``+ - * / ** % @`` (``@`` is declared with ``np.matmul``), unary
``- +``, and those whose result carries no derivative (``//``, comparisons of
bits ...).  Keyed ``'operator.<name>'``; ``activity`` maps the syntax to them.
Their NumPy spellings (``np.add`` ...) share the rules."""

import gast
import numpy as np

from .. import recurrences
from ..primitives import FRESH, elementwise, from_partials, nondiff, series, variants


@elementwise("operator.add", np.add, result=FRESH)
def add(z, x, y):
    return 1, 1


@elementwise("operator.sub", np.subtract, result=FRESH)
def sub(z, x, y):
    return 1, -1


@elementwise("operator.mul", np.multiply, result=FRESH, linear=True)
def mul(z, x, y):
    return y, x


@elementwise("operator.truediv", np.divide, np.true_divide, result=FRESH,
             float_valued=True)
def truediv(z, x, y):
    return 1 / y, -z / y


def _power(z, x, y):
    # (at x = 0 the exponent's derivative is 0, and x ** 0 is constant)
    return y * x ** np.where(y, y - 1, 1), z * np.log(np.where(x, x, 1))


def _power_constant(z, x, y):
    return y * x ** (y - 1), None


def _power_zero(z, x, y):
    return 0.0 * x, None


_POWER = {"general": from_partials(_power, "operator.pow", result=FRESH),
          "constant": from_partials(_power_constant, "operator.pow", result=FRESH),
          "zero": from_partials(_power_zero, "operator.pow", result=FRESH)}


def exponent_kind(exponent):
    """'zero', 'constant' or 'general': which rule of a power fits the exponent."""
    if isinstance(exponent, gast.UnaryOp) and isinstance(exponent.operand, gast.Constant):
        exponent = exponent.operand
    if isinstance(exponent, gast.Constant) and isinstance(exponent.value, (int, float)):
        return "zero" if exponent.value == 0 else "constant"
    return "general"


def power_variant(args, keywords):
    """``x ** y``: plain ``y * x ** (y - 1)`` for a constant exponent (the usual
    ``x ** 2``), forms safe at ``x = 0`` and ``y = 0`` otherwise."""
    if keywords or len(args) != 2:
        return None
    return _POWER[exponent_kind(args[1])], dict(zip(("x", "y"), args))


variants("operator.pow", np.power, result=FRESH, writes=("out",))(power_variant)


@elementwise("operator.mod", result=FRESH)
def mod(z, x, y):
    return 1, -np.floor(x / y)


@elementwise("operator.neg", result=FRESH)
def neg(y, x):
    return -1


@elementwise("operator.pos", np.positive, result=FRESH)
def pos(y, x):
    return 1


nondiff(np.floor_divide, result=FRESH, shape="broadcast")
nondiff("operator.floordiv", "operator.and_", "operator.or_", "operator.xor",
        "operator.lshift", "operator.rshift", "operator.not_", "operator.invert",
        result=FRESH)


# --- Taylor rules (taylor.py): the k-th coefficient of the result from its operands' --


@series("operator.add", np.add)
def add_series(t, z, x, y):
    for k in t.orders:
        z[k] = x[k] + y[k]


@series("operator.sub", np.subtract)
def sub_series(t, z, x, y):
    for k in t.orders:
        z[k] = x[k] - y[k]


@series("operator.neg")
def neg_series(t, y, x):
    for k in t.orders:
        y[k] = -x[k]


@series("operator.pos", np.positive)
def pos_series(t, y, x):
    for k in t.orders:
        y[k] = x[k]


@series("operator.mul", np.multiply)
def mul_series(t, z, x, y):
    for k in t.orders:
        z[k] = recurrences.product(x, y, k)


@series("operator.truediv", np.divide, np.true_divide)
def truediv_series(t, z, x, y):
    # z y = x
    for k in t.orders:
        z[k] = (x[k] - sum((y[j] * z[k - j] for j in range(1, k + 1)), 0)) / y[0]


def power_series(t, z, x, y):
    """``x ** p`` for a whole number ``0 <= p <= 16`` as products (right at
    ``x = 0``); for another constant exponent by ``x z' = p z x'`` (which
    divides by ``x``); for a varying exponent as ``exp(y log x)``."""
    if not y.constant:
        log = t.series(t.call(np.log, x[0]), "log")
        exponent = t.series(y[0] * log[0], "exponent")
        for k in t.orders:
            log[k] = recurrences.quotient(x, x, log, k)
            exponent[k] = recurrences.product(y, log, k)
            z[k] = recurrences.chain(exponent, z, k)
        return
    p = y[0].value
    if p is not None and float(p).is_integer() and 0 <= p <= 16:
        power = x
        for _ in range(int(p) - 2):
            power = _times(t, power, x)
        for k in t.orders:
            z[k] = recurrences.product(power, x, k) if p >= 2 else x[k] if p == 1 else 0
        return
    for k in t.orders:
        z[k] = recurrences.power(x, z, y[0], k)


def _times(t, a, b):
    """The series of ``a * b`` (beside the result)."""
    s = t.series(a[0] * b[0], "power")
    for k in t.orders:
        s[k] = recurrences.product(a, b, k)
    return s


series(*_POWER.values())(power_series)
