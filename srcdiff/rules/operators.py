"""Operators: ``+ - * / ** % @`` (``@`` is declared with ``np.matmul``), unary
``- +``, and those whose result carries no derivative (``//``, comparisons of
bits ...).  Keyed ``'operator.<name>'``; ``activity`` maps the syntax to them.
Their NumPy spellings (``np.add`` ...) share the rules."""

import numpy as np

from ..primitives import FRESH, elementwise, nondiff


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


@elementwise("operator.pow", result=FRESH)
def pow_(z, x, y):
    return y * x ** (y - 1), z * np.log(x)


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
