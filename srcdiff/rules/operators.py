"""Operators: ``+ - * / ** % @`` (``@`` is declared with ``np.matmul``), unary
``- +``, and those whose result carries no derivative (``//``, comparisons of
bits ...).  Keyed ``'operator.<name>'``; ``activity`` maps the syntax to them."""

import numpy as np

from ..primitives import FRESH, elementwise, nondiff


@elementwise("operator.add", result=FRESH)
def add(z, x, y):
    return 1, 1


@elementwise("operator.sub", result=FRESH)
def sub(z, x, y):
    return 1, -1


@elementwise("operator.mul", result=FRESH, linear=True)
def mul(z, x, y):
    return y, x


@elementwise("operator.truediv", result=FRESH, float_valued=True)
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


@elementwise("operator.pos", result=FRESH)
def pos(y, x):
    return 1


nondiff("operator.floordiv", "operator.and_", "operator.or_", "operator.xor",
        "operator.lshift", "operator.rshift", "operator.not_", "operator.invert",
        result=FRESH)
