"""The ``math`` module, the scalar builtins (``abs``, ``float``, ``min``, ``max``,
``sum`` ...) and the methods of lists and dicts.

``math`` functions raise on domain errors (``math.log(-1.0)``), so they are
declared impure: the generated code keeps their calls as the original has them."""

import builtins
import math

import numpy as np

from .. import runtime as rt
from ..abstract import element_shape
from ..primitives import (FRESH, Primitive, elementwise, from_partials, known, nondiff,
                          series, variants)
from ..template import Template, d
from .operators import exponent_kind, power_series

_MATH = dict(shape="scalar", result=FRESH, pure=False, float_valued=True)


@elementwise(math.sin, **_MATH)
def sin(y, x):
    return math.cos(x)


@elementwise(math.cos, **_MATH)
def cos(y, x):
    return -math.sin(x)


@elementwise(math.tan, **_MATH)
def tan(y, x):
    return 1 + y * y


@elementwise(math.asin, **_MATH)
def asin(y, x):
    return 1 / math.sqrt(1 - x * x)


@elementwise(math.acos, **_MATH)
def acos(y, x):
    return -1 / math.sqrt(1 - x * x)


@elementwise(math.atan, **_MATH)
def atan(y, x):
    return 1 / (1 + x * x)


@elementwise(math.atan2, **_MATH)
def atan2(z, y, x):
    return x / (x * x + y * y), -y / (x * x + y * y)


@elementwise(math.sinh, **_MATH)
def sinh(y, x):
    return math.cosh(x)


@elementwise(math.cosh, **_MATH)
def cosh(y, x):
    return math.sinh(x)


@elementwise(math.tanh, **_MATH)
def tanh(y, x):
    return 1 - y * y


@elementwise(math.exp, **_MATH)
def exp(y, x):
    return y


@elementwise(math.expm1, **_MATH)
def expm1(y, x):
    return y + 1


@elementwise(math.log1p, **_MATH)
def log1p(y, x):
    return 1 / (1 + x)


@elementwise(math.log2, **_MATH)
def log2(y, x):
    return 1 / (x * 0.6931471805599453)


@elementwise(math.log10, **_MATH)
def log10(y, x):
    return 1 / (x * 2.302585092994046)


@elementwise(math.sqrt, **_MATH)
def sqrt(y, x):
    return 0.5 / y


def _pow(z, x, y):
    # (at x = 0 the exponent's derivative is 0, and x ** 0 is constant)
    return y * x ** (y - 1) if y else 0.0, z * math.log(x) if x else 0.0


def _pow_constant(z, x, y):
    return y * x ** (y - 1), None


def _pow_zero(z, x, y):
    return 0.0 * x, None


POW = {kind: from_partials(rule, "math.pow", **_MATH)
        for kind, rule in (("general", _pow), ("constant", _pow_constant), ("zero", _pow_zero))}


series(*POW.values())(power_series)


@variants(math.pow, **_MATH)
def pow_(args, keywords):
    """``math.pow(x, y)``: as ``x ** y`` (operators.power_variant)."""
    if keywords or len(args) != 2:
        return None
    return POW[exponent_kind(args[1])], dict(zip(("x", "y"), args))


@elementwise(math.hypot, **_MATH)
def hypot(z, x, y):
    return x / z, y / z


@elementwise(math.fabs, **_MATH)
def fabs(y, x):
    return (x > 0) - (x < 0)


def _log(y, x):
    return 1 / x


def _log_base(z, x, base):
    return 1 / (x * math.log(base)), -z / (base * math.log(base))


LOG = {1: from_partials(_log, "math.log", **_MATH),
        2: from_partials(_log_base, "math.log", **_MATH)}


@variants(math.log, **_MATH)
def log(args, keywords):
    """``math.log(x)`` or ``math.log(x, base)``."""
    if keywords or len(args) not in LOG:
        return None
    primitive = LOG[len(args)]
    return primitive, dict(zip(primitive.signature, args))


# --- builtins -----------------------------------------------------------------------------


@elementwise(builtins.abs, result=FRESH)
def abs_(y, x):
    return np.sign(x)


@elementwise(builtins.float, shape="scalar", result=FRESH, float_valued=True)
def float_(y, x):
    return 1


_extremes = {}


def _extreme(kind, n):
    """``max(x0, x1, ...)`` of ``n`` numbers: ties share the derivative equally."""
    if (kind, n) not in _extremes:
        xs = [f"x{i}" for i in range(n)]
        head = [f"def {kind}(z, {', '.join(xs)}):",
                f"    w = rt.extreme_weights(z, ({', '.join(xs)},))"]
        adjoint = head + [f"    d[{x}] = d[z] * w[{i}]" for i, x in enumerate(xs)]
        tangent = head + [f"    d[z] = d[{x}] * w[{i}]" for i, x in enumerate(xs)]
        name = f"builtins.{kind}"
        _extremes[kind, n] = Primitive(
            name, name, signature=tuple(xs), shape="scalar", aliases=(),
            adjoint=Template.from_source("\n".join(adjoint) + "\n", name),
            tangent=Template.from_source("\n".join(tangent) + "\n", f"{name} (tangent)"))
    return _extremes[kind, n]


def extreme_bindings(kind, args, keywords):
    """The primitive and operand bindings of ``max``/``min`` of two or more numbers."""
    if len(args) < 2 or keywords:
        return None
    return _extreme(kind, len(args)), {f"x{i}": a for i, a in enumerate(args)}


@variants(builtins.max, result=FRESH)
def max_(args, keywords):
    """The builtin ``max(a, b, ...)`` of two or more numbers."""
    return extreme_bindings("max", args, keywords)


@variants(builtins.min, result=FRESH)
def min_(args, keywords):
    """The builtin ``min(a, b, ...)`` of two or more numbers."""
    return extreme_bindings("min", args, keywords)


def _sum(y, xs):
    d[xs] = rt.sum_adjoint(d[y], xs)


def _sum_tangent(y, xs):
    d[y] = rt.tangent_sum(d[xs])


def _sum_shape(shapes, constants):
    """``sum(xs)`` of numbers or of arrays of one shape: that shape."""
    return element_shape(shapes[0], 0, varying=True)


_SUM = Primitive("builtins.sum", "builtins.sum", signature=("xs",), aliases=(),
                 shape=_sum_shape,
                 adjoint=Template(_sum, "builtins.sum"),
                 tangent=Template(_sum_tangent, "builtins.sum (tangent)"))


@variants(builtins.sum, result=FRESH)
def sum_(args, keywords):
    """``sum(xs)`` over a sequence (a ``start`` value is refused)."""
    if len(args) == 1 and not keywords:
        return _SUM, {"xs": args[0]}
    return None


nondiff(builtins.len, builtins.int, builtins.round, builtins.bool, builtins.isinstance,
        result=FRESH, shape="scalar")
nondiff(builtins.range, builtins.slice, builtins.type, result=FRESH)
nondiff(builtins.print, result=FRESH, pure=False)
nondiff(math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite,
        math.factorial, result=FRESH, pure=False)

# --- lists and dicts -----------------------------------------------------------------------
# (``lst.append(v)``, ``lst.pop()`` on lists that carry derivatives are statements of
# their own in activity; these declarations say what the methods change)

known(builtins.list, builtins.dict, builtins.tuple, result=FRESH)
known("list.append", "list.extend", "list.pop", "list.insert", "list.remove", "list.clear",
      "list.sort", "list.reverse", "dict.update", "dict.setdefault", "dict.pop",
      "dict.popitem", "dict.clear", writes=("self",), pure=False)
