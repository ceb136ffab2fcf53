"""Refusals: each unsupported construct raises the right SrcdiffError
subclass, located at the right line (computed from inspect.getsourcelines,
the offending line is marked with ``# <-``), with a caret in the message."""

import inspect
import math
import os
import re

import numpy as np
import pytest

import srcdiff

from oracle import check_grad

MARK = "# <-"


def _marked_line(fn):
    lines, start = inspect.getsourcelines(fn)
    hits = [start + i for i, line in enumerate(lines) if MARK in line]
    assert len(hits) == 1, f"{fn.__name__}: exactly one {MARK!r} expected"
    return hits[0], lines[hits[0] - start]


def _raise(fn, args, wrt=0):
    """Build and call the gradient; the error may come from either step."""
    g = srcdiff.grad(fn, wrt=wrt)
    return g(*args)


# ---------------------------------------------------------------------------
# functions using unsupported constructs
# ---------------------------------------------------------------------------

def uses_if(x):
    y = x * 2.0
    if x > 0:  # <-
        y = y * x
    return y


def uses_for(x):
    y = x
    for i in range(3):  # <-
        y = y * x
    return y


def uses_while(x):
    y = x
    while y < 10.0:  # <-
        y = y * 2.0
    return y


def uses_try(x):
    y = x * x
    try:  # <-
        y = y + 1.0
    except ValueError:
        pass
    return y


class _Ctx:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def uses_with(x):
    y = x * x
    with _Ctx():  # <-
        y = y * 2.0
    return y


G = 1.0


def uses_global(x):
    global G  # <-
    G = x * 2.0
    return G * x


def _make_uses_nonlocal():
    count = 0.0

    def uses_nonlocal(x):
        nonlocal count  # <-
        count = count + 1.0
        return x * x + count
    return uses_nonlocal


uses_nonlocal = _make_uses_nonlocal()


def uses_yield(x):
    y = x * x
    yield y  # <-


def _helper_with_for(t):
    s = t
    try:  # <-
        s = s * t
    finally:
        pass
    return s


def calls_helper_with_for(x):
    return _helper_with_for(x) + x


def uses_dict_write(x):
    d = {"a": x}
    d["b"] = x * 2.0  # <-
    return d["a"] + d["b"]


def uses_r_directive(x):
    return np.sum(np.r_["0,2", x, x])  # <-


UNSUPPORTED = [
    (uses_r_directive, (np.array([0.5, 1.5]),)),
    (uses_try, (1.5,)),
    (uses_with, (1.5,)),
    (uses_global, (1.5,)),
    (uses_nonlocal, (1.5,)),
    (uses_yield, (1.5,)),
]


def _check_located(err, fn, where=None):
    """Common checks of a located SrcdiffError."""
    line, text = _marked_line(where or fn)
    msg = str(err)
    assert isinstance(err, srcdiff.SrcdiffError)
    assert err.lineno == line, (
        f"expected line {line} ({text.strip()!r}), got {err.lineno}\n{msg}")
    assert err.filename is not None
    assert os.path.basename(err.filename) == os.path.basename(__file__)
    assert err.function in (fn.__name__, (where or fn).__name__)
    assert f":{line}:" in msg, msg
    assert text.strip() in msg, f"source line missing from message:\n{msg}"
    assert re.search(r"^\s*\^\s*$", msg, re.M), f"no caret line:\n{msg}"
    return msg


@pytest.mark.parametrize("fn,args", UNSUPPORTED,
                         ids=[f.__name__ for f, _ in UNSUPPORTED])
def test_unsupported_construct(fn, args):
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as ei:
        _raise(fn, args)
    _check_located(ei.value, fn)


@pytest.mark.parametrize("fn,point", [(uses_if, 1.5), (uses_if, -0.5), (uses_for, 1.5),
                                      (uses_while, 1.5), (uses_while, 0.3)])
def test_control_flow_is_supported_now(fn, point):
    check_grad(fn, point)


def test_unsupported_construct_in_helper():
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as ei:
        _raise(calls_helper_with_for, (1.5,))
    _check_located(ei.value, calls_helper_with_for, where=_helper_with_for)


# ---------------------------------------------------------------------------
# calls with no derivative rule on active values
# ---------------------------------------------------------------------------

def no_rule_fft(x):
    y = x * 2.0
    z = np.fft.fft(y)  # <-
    return np.sum(np.abs(z))


def no_rule_cond(M):
    A = M * M
    return np.linalg.cond(A)  # <-


def no_rule_math_gamma(x):
    return math.gamma(x) * x  # <-


def no_rule_method(x):
    y = x * 2.0
    return np.sum(y.compress([True, False, True]))  # <-


NO_RULE = [
    (no_rule_fft, (np.array([0.1, 0.2, 0.3, 0.4]),), "fft"),
    (no_rule_cond, (np.array([[1.0, 0.5], [0.2, 2.0]]),), "cond"),
    (no_rule_math_gamma, (1.5,), "gamma"),
    (no_rule_method, (np.array([0.5, 1.5, 2.0]),), "compress"),
]


@pytest.mark.parametrize("fn,args,callee", NO_RULE,
                         ids=[f.__name__ for f, _, _ in NO_RULE])
def test_no_rule(fn, args, callee):
    with pytest.raises(srcdiff.NoRuleError) as ei:
        _raise(fn, args)
    msg = _check_located(ei.value, fn)
    assert callee in msg, f"callee {callee!r} not named:\n{msg}"


_CONST_M = np.array([[1.0, 0.5], [0.2, 2.0]])


def no_rule_on_constant(x):
    d = np.linalg.det(_CONST_M)
    return x * d


def test_no_rule_needed_for_constant_values():
    g = srcdiff.grad(no_rule_on_constant)(1.5)
    assert g == pytest.approx(np.linalg.det(_CONST_M), rel=1e-12)


# ---------------------------------------------------------------------------
# no source
# ---------------------------------------------------------------------------

def _exec_defined():
    ns = {}
    exec("def h(x):\n    return x * x\n", ns)
    return ns["h"]


# (a primitive with a derivative rule, such as np.sin, is differentiated by its rule)
@pytest.mark.parametrize("fn,args", [
    (len, ([1.0, 2.0],)),
    (math.gamma, (0.5,)),
    (np.spacing, (0.5,)),
    (np.floor, (0.5,)),
    (_exec_defined(), (0.5,)),
], ids=["builtin-len", "math.gamma", "numpy-ufunc", "nondiff-ufunc", "exec-defined"])
def test_no_source(fn, args):
    with pytest.raises(srcdiff.SourceError) as ei:
        _raise(fn, args)
    assert isinstance(ei.value, srcdiff.SrcdiffError)


# ---------------------------------------------------------------------------
# correct or refused, never silently wrong
# ---------------------------------------------------------------------------

def nested_def_late_binding(x):
    a = x * 2.0

    def g(t):
        return t * a
    a = np.sin(x)  # <- g sees this value when it is called
    return np.sum(g(x))


@pytest.mark.parametrize("x", [0.7, np.array([0.3, -1.2, 2.0])],
                         ids=["scalar", "array"])
def test_late_binding_closure_refused(x):
    """A nested function that would see a later value of a variable it reads
    is refused, located at the reassignment (never a gradient through the
    value it had when the function was defined)."""
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="reassigned after the nested") as ei:
        srcdiff.grad(nested_def_late_binding)(x)
    _check_located(ei.value, nested_def_late_binding)
