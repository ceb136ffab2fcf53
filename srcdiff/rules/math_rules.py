"""The ``math`` module and the scalar builtins ``abs``, ``min``, ``max``, ``sum``."""

import builtins
import math

from ..template import Template
from .registry import adjoint, custom, nondiff


@adjoint(math.sin, shape="scalar")
def sin(y, x):
    d[x] = d[y] * math.cos(x)


@adjoint(math.cos, shape="scalar")
def cos(y, x):
    d[x] = -d[y] * math.sin(x)


@adjoint(math.tan, shape="scalar")
def tan(y, x):
    d[x] = d[y] * (1 + y * y)


@adjoint(math.asin, shape="scalar")
def asin(y, x):
    d[x] = d[y] / math.sqrt(1 - x * x)


@adjoint(math.acos, shape="scalar")
def acos(y, x):
    d[x] = -d[y] / math.sqrt(1 - x * x)


@adjoint(math.atan, shape="scalar")
def atan(y, x):
    d[x] = d[y] / (1 + x * x)


@adjoint(math.atan2, shape="scalar")
def atan2(z, y, x):
    d[y] = d[z] * x / (x * x + y * y)
    d[x] = -d[z] * y / (x * x + y * y)


@adjoint(math.sinh, shape="scalar")
def sinh(y, x):
    d[x] = d[y] * math.cosh(x)


@adjoint(math.cosh, shape="scalar")
def cosh(y, x):
    d[x] = d[y] * math.sinh(x)


@adjoint(math.tanh, shape="scalar")
def tanh(y, x):
    d[x] = d[y] * (1 - y * y)


@adjoint(math.exp, shape="scalar")
def exp(y, x):
    d[x] = d[y] * y


@adjoint(math.expm1, shape="scalar")
def expm1(y, x):
    d[x] = d[y] * (y + 1)


@adjoint(math.log1p, shape="scalar")
def log1p(y, x):
    d[x] = d[y] / (1 + x)


@adjoint(math.log2, shape="scalar")
def log2(y, x):
    d[x] = d[y] / (x * 0.6931471805599453)


@adjoint(math.log10, shape="scalar")
def log10(y, x):
    d[x] = d[y] / (x * 2.302585092994046)


@adjoint(math.sqrt, shape="scalar")
def sqrt(y, x):
    d[x] = d[y] * 0.5 / y


@adjoint(math.pow, shape="scalar")
def pow(z, x, y):
    d[x] = d[z] * y * x ** (y - 1)
    d[y] = d[z] * z * math.log(x)


@adjoint(math.hypot, shape="scalar")
def hypot(z, x, y):
    d[x] = d[z] * x / z
    d[y] = d[z] * y / z


@adjoint(math.fabs, shape="scalar")
def fabs(y, x):
    d[x] = d[y] * ((x > 0) - (x < 0))


def _log(y, x):
    d[x] = d[y] / x


def _log_base(z, x, base):
    d[x] = d[z] / (x * math.log(base))
    d[base] = -d[z] * z / (base * math.log(base))


@custom(math.log, shape="scalar")
def log(args, keywords):
    """``math.log(x)`` or ``math.log(x, base)``."""
    if len(args) == 1 and not keywords:
        return _templates["log"], {"x": args[0]}
    if len(args) == 2 and not keywords:
        return _templates["log_base"], {"x": args[0], "base": args[1]}
    return None


@adjoint(builtins.abs, shape="elementwise")
def abs(y, x):
    d[x] = d[y] * np.sign(x)


@adjoint(builtins.float, shape="scalar")
def float(y, x):
    d[x] = d[y]


_extreme_templates = {}


def _extreme(kind, n, mode="adjoint"):
    """``max(x0, x1, ...)``: ties share the derivative equally.  The adjoint
    template gives each operand its share; the tangent one sums the shares."""
    key = (kind, n, mode)
    if key not in _extreme_templates:
        xs = [f"x{i}" for i in range(n)]
        lines = [f"def {kind}(z, {', '.join(xs)}):",
                 f"    w = rt.extreme_weights(z, ({', '.join(xs)},))"]
        if mode == "adjoint":
            lines += [f"    d[{x}] = d[z] * w[{i}]" for i, x in enumerate(xs)]
            name = f"builtins.{kind}"
        else:
            lines += [f"    d[z] = d[{x}] * w[{i}]" for i, x in enumerate(xs)]
            name = f"builtins.{kind} (tangent)"
        _extreme_templates[key] = Template.from_source("\n".join(lines) + "\n", name)
    return _extreme_templates[key]


def extreme_bindings(kind, args, keywords, mode="adjoint"):
    """The template and operand bindings of ``max``/``min`` of two or more numbers."""
    if len(args) < 2 or keywords:
        return None
    return _extreme(kind, len(args), mode), {f"x{i}": a for i, a in enumerate(args)}


@custom(builtins.max)
def max(args, keywords):
    """The builtin ``max(a, b, ...)`` of two or more numbers."""
    return extreme_bindings("max", args, keywords)


@custom(builtins.min)
def min(args, keywords):
    """The builtin ``min(a, b, ...)`` of two or more numbers."""
    return extreme_bindings("min", args, keywords)


def _sum(y, xs):
    d[xs] = rt.sum_adjoint(d[y], xs)


@custom(builtins.sum)
def sum(args, keywords):
    """``sum(xs)`` over a sequence (a ``start`` value is refused)."""
    if len(args) == 1 and not keywords:
        return _templates["sum"], {"xs": args[0]}
    return None


nondiff(builtins.len, builtins.int, builtins.round, builtins.bool, builtins.range,
        builtins.isinstance, builtins.print, math.floor, math.ceil, math.trunc,
        math.isnan, math.isinf, math.isfinite, math.factorial)


_templates = {
    "log": Template(_log, "math.log"),
    "log_base": Template(_log_base, "math.log"),
    "sum": Template(_sum, "builtins.sum"),
}
