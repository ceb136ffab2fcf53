"""Operators: ``+ - * / ** % @`` (``@`` is declared with ``np.matmul``), unary
``- +``, and those whose result carries no derivative (``//``, comparisons of
bits ...).  Keyed ``'operator.<name>'``; ``activity`` maps the syntax to them.
Their NumPy spellings (``np.add`` ...) share the rules."""

import gast
import numpy as np

from ..primitives import FRESH, elementwise, from_partials, nondiff, variants


@elementwise("operator.add", np.add, result=FRESH)
def add(z, x, y):
    return 1, 1


@elementwise("operator.sub", np.subtract, result=FRESH)
def sub(z, x, y):
    return 1, -1


@elementwise("operator.mul", np.multiply, result=FRESH, linear=True)
def mul(z, x, y):
    return y, x


@elementwise("operator.truediv", result=FRESH, float_valued=True)
def truediv(z, x, y):
    return 1 / y, -z / y


# (np.divide gives inf or nan on numbers where ``/`` raises: so do its partials)
@elementwise(np.divide, np.true_divide, result=FRESH, float_valued=True)
def divide(z, x, y):
    return np.divide(1, y), np.divide(-z, y)


def _power(z, x, y):
    # (at x = 0 the exponent's derivative is 0, and x ** 0 is constant)
    return y * x ** np.where(y, y - 1, 1), z * np.log(np.where(x, x, 1))


def _power_constant(z, x, y):
    return y * x ** (y - 1), None


def _power_fractional(z, x, y):
    # (a constant exponent below 1: the slope is infinite at x = 0, where Python's
    # 0.0 ** -0.5 would raise; np.power gives inf as NumPy and autograd do)
    return y * np.power(x, y - 1), None


def _power_zero(z, x, y):
    return 0.0 * x, None


_POWER = {"general": from_partials(_power, "operator.pow", result=FRESH),
          "constant": from_partials(_power_constant, "operator.pow", result=FRESH),
          "fractional": from_partials(_power_fractional, "operator.pow", result=FRESH),
          "zero": from_partials(_power_zero, "operator.pow", result=FRESH)}


def exponent_kind(exponent):
    """'zero', 'constant', 'fractional' (a constant between 0 and 1) or 'general':
    which rule of a power fits the exponent."""
    negative = False
    if isinstance(exponent, gast.UnaryOp) and isinstance(exponent.operand, gast.Constant):
        negative = isinstance(exponent.op, gast.USub)
        exponent = exponent.operand
    if isinstance(exponent, gast.Constant) and isinstance(exponent.value, (int, float)):
        if exponent.value == 0:
            return "zero"
        return "fractional" if not negative and 0 < exponent.value < 1 else "constant"
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
