"""User names that a code generator might also use (x_bar, t1, tmp, np, ...)
must not change the gradient.  numpy is imported as ``numpy`` here so a
local ``np`` can be an ordinary float."""

import math

import numpy
import pytest

from oracle import check_grad


def names_bar(x, y):
    x_bar = x * y
    y_bar = numpy.sin(x_bar) + y
    return x_bar * y_bar + x


def names_param_bar(x_bar, y_bar):
    x = x_bar * 2.0
    return x * y_bar + x_bar * x_bar


def names_temporaries(x):
    t1 = x * x
    t2 = numpy.exp(t1)
    t3 = t1 + t2
    tmp = t3 * x
    tmp0 = tmp + 1.0
    _t1 = tmp0 * t1
    return _t1 + t2


def names_stack(x):
    stack = x * 3.0
    stack_ = stack * x
    tape = numpy.cos(stack_)
    return numpy.sum(stack * tape)


def names_local_np(x):
    np = 3.0
    y = np * x + numpy.sin(x) * np
    np = np * 2.0
    return numpy.sum(y * np + x ** np)


def names_rt(x):
    rt = numpy.sqrt(x)
    ret = rt * x
    result = ret + rt
    return numpy.sum(result * rt)


def names_grad_like(x):
    grad = x * 2.0
    g = grad * x
    dx = numpy.tanh(g)
    d_x = dx * grad
    adj = d_x + dx
    return numpy.sum(adj * x)


def names_builtins_like(x):
    out = x * x
    value = out + 1.0
    ans = value * out
    res = ans - x
    return numpy.sum(res)


def names_shadow_math_fn(x):
    sin = x * 0.5
    exp = math.exp(sin)
    return exp * sin + math.sin(x)


def names_srcdiff(x):
    srcdiff = x * x
    numpy_ = srcdiff + 1.0
    return numpy_ * srcdiff


def names_underscore(x, _):
    __ = x * _
    _x = __ + x
    return _x * __


def names_unpack_reuse(x):
    x_bar, t1 = x * x, numpy.sin(x)
    t1, x_bar = x_bar, t1
    return t1 * x_bar + x_bar


_A = numpy.array([0.5, -1.2, 2.0])
_P = numpy.array([0.4, 1.3, 2.2])

CASES = [
    (names_bar, (0.7, -1.3), (0, 1)),
    (names_param_bar, (0.7, -1.3), (0, 1)),
    (names_param_bar, (0.7, -1.3), ("x_bar", "y_bar")),
    (names_temporaries, (0.6,), 0),
    (names_stack, (_A,), 0),
    (names_local_np, (_P,), 0),
    (names_local_np, (1.3,), 0),
    (names_rt, (_P,), 0),
    (names_grad_like, (_A,), 0),
    (names_builtins_like, (_A,), 0),
    (names_shadow_math_fn, (0.8,), 0),
    (names_srcdiff, (0.8,), 0),
    (names_underscore, (0.8, -0.4), (0, 1)),
    (names_unpack_reuse, (0.8,), 0),
]


@pytest.mark.parametrize(
    "fn,args,wrt", CASES,
    ids=[f"{f.__name__}-wrt{w}" for f, _, w in CASES])
def test_hygiene(fn, args, wrt):
    check_grad(fn, *args, wrt=wrt)


# --- module globals whose names a generator might use itself --------------
# (numpy is imported as ``numpy``; these are ordinary values)

np = 4.0
rt = 2.5
tmp = 0.5
stack = [1.0, 2.0]


def uses_global_np_rt(x):
    return numpy.sum(x * np + rt * numpy.sin(x) + tmp) * len(stack)


def names_param_np(np, x):
    return numpy.sum(numpy.sin(np) * x + np * np)


def names_param_rt(rt, tmp):
    return numpy.sum(rt * tmp + numpy.exp(rt))


def names_y_and_friends(x):
    y = x * 2.0
    y_1 = y * x
    y_bar_1 = numpy.tanh(y_1)
    t1_bar = y_bar_1 + y
    x_bar_1 = t1_bar * y_1
    return numpy.sum(x_bar_1)


def dhyg_d(t):
    return t * 3.0


def hyg_d(x):
    # the derivative of hyg_d might be called dhyg_d: it must not replace
    # this global helper
    return numpy.sum(dhyg_d(x) * x)


GLOBAL_CASES = [
    (uses_global_np_rt, (_A,), 0),
    (names_param_np, (_A, _P), (0, 1)),
    (names_param_rt, (_A, _P), (0, 1)),
    (names_y_and_friends, (_A,), 0),
    (hyg_d, (_A,), 0),
]


@pytest.mark.parametrize(
    "fn,args,wrt", GLOBAL_CASES,
    ids=[f"{f.__name__}-wrt{w}" for f, _, w in GLOBAL_CASES])
def test_hygiene_globals_and_params(fn, args, wrt):
    check_grad(fn, *args, wrt=wrt)
    # and the user's own helper is unchanged afterwards
    assert dhyg_d(2.0) == 6.0
