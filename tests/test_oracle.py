"""Tests of the test harness itself: the autograd oracle agrees with finite
differences on the whole corpus, twins handle the awkward kinds of function,
and check_grad really fails on wrong gradients (with the generated source in
its message)."""

import functools
import math

import numpy as np
import pytest

import srcdiff

import corpus
from oracle import check_grad, fd_grad, oracle_grad, twin


def _as_list(v, wrt):
    return list(v) if isinstance(wrt, (tuple, list)) else [v]


@pytest.mark.parametrize("case", [c for c in corpus.CASES if c.fd],
                         ids=lambda c: c.name)
def test_oracle_agrees_with_finite_differences(case):
    for si in range(len(case.sigs)):
        args = case.args(si, 0)
        for wrt in case.wrts:
            o = _as_list(oracle_grad(case.fn, args, wrt), wrt)
            f = _as_list(fd_grad(case.fn, args, wrt), wrt)
            for a, b in zip(o, f):
                np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_oracle_respects_stop_gradient():
    def f(x):
        return srcdiff.stop_gradient(x) * x
    assert oracle_grad(f, (1.5,)) == pytest.approx(1.5)


# --- twins of awkward functions ------------------------------------------

def _deco(fn):
    @functools.wraps(fn)
    def wrapper(*a, **k):
        return fn(*a, **k)
    return wrapper


def _even(n, x):
    return x if n == 0 else _odd(n - 1, np.sin(x))


def _odd(n, x):
    return np.cos(x) if n == 0 else _even(n - 1, x * x)


class _Obj:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(np.tanh(self.w * x))


def test_twin_of_closure_decorated_and_inner_helpers():
    k = 3.0

    def h(t):
        return np.exp(t) * k

    @_deco
    def f(x):
        z = np.zeros(3)
        z += x          # in-place on a plain array: rewrite mode
        return np.sum(h(z) * +x) + math.sin(np.sum(x)) + x.dot(x)

    x = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(oracle_grad(f, (x,)), fd_grad(f, (x,)),
                               rtol=1e-6)


def test_twin_of_mutual_recursion():
    assert oracle_grad(_even, (4, 0.7), 1) == pytest.approx(
        fd_grad(_even, (4, 0.7), 1), rel=1e-6)


def test_twin_of_partial_and_bound_method():
    p = functools.partial(lambda a, x: a * np.sin(x), 2.0)
    assert oracle_grad(p, (0.3,)) == pytest.approx(2 * math.cos(0.3))
    o = _Obj(np.array([0.5, -1.0]))
    x = np.array([0.2, 0.4])
    np.testing.assert_allclose(oracle_grad(o.f, (x,)), fd_grad(o.f, (x,)),
                               rtol=1e-6)


def test_twin_keeps_builtin_semantics():
    def f(x):
        n = int(x.size)
        ok = isinstance(n, int) and isinstance(1.5, float)
        return np.sum(x) * n * ok + float(np.sum(x * x)) + round(1.26, 1)
    x = np.array([0.1, 0.2])
    tw = twin(f)
    assert tw(x) == pytest.approx(f(x))
    np.testing.assert_allclose(oracle_grad(f, (x,)), fd_grad(f, (x,)))


def test_twin_of_function_importing_names_from_numpy_and_math():
    from numpy import tanh
    from math import cos

    def f(x):
        return tanh(x) * cos(x)
    assert oracle_grad(f, (0.4,)) == pytest.approx(fd_grad(f, (0.4,)),
                                                   rel=1e-6)


# --- check_grad must fail on wrong results ---------------------------------

def _target(x):
    return np.sum(np.sin(x) * x)


def _fake_grad(result):
    def fake(f, wrt=0):
        return lambda *a: result(*a)
    return fake


@pytest.mark.parametrize("bad,what", [
    (lambda x: oracle_grad(_target, (x,)) * 1.01, "\n      != oracle array("),
    (lambda x: oracle_grad(_target, (x,))[:2], "gradient shape (2,) != argument shape (3,)"),
    (lambda x: list(oracle_grad(_target, (x,))), "should be an ndarray, got list("),
    (lambda x: np.zeros(3, dtype=int), "gradient dtype int64 is not floating"),
], ids=["value", "shape", "type", "dtype"])
def test_check_grad_fails_on_wrong_array_gradient(monkeypatch, bad, what):
    monkeypatch.setattr(srcdiff, "grad", _fake_grad(bad))
    with pytest.raises(AssertionError) as ei:
        check_grad(_target, np.array([0.3, -0.2, 1.1]))
    msg = str(ei.value)
    # the one problem named, on the line of the argument (each message quotes
    # the arguments, so a bare word such as "shape" would always be found)
    problems = [line for line in msg.splitlines() if line.startswith("  d/d arg0: ")]
    assert problems, msg
    assert what in msg[msg.index(problems[0]):msg.index("generated derivative source")], msg
    assert "generated derivative source" in msg


def _scalar_target(x):
    return x * x


@pytest.mark.parametrize("bad", [
    lambda x: np.array(2 * x),          # 0-d array
    lambda x: np.array([2 * x]),        # shape (1,)
    lambda x: 2 * x + 1e-3,             # wrong value
    lambda x: (2 * x,),                 # tuple for a single wrt
], ids=["0d-array", "1-element", "value", "tuple"])
def test_check_grad_fails_on_wrong_scalar_gradient(monkeypatch, bad):
    monkeypatch.setattr(srcdiff, "grad", _fake_grad(bad))
    with pytest.raises(AssertionError):
        check_grad(_scalar_target, 0.7)


def test_check_grad_fails_on_wrong_tuple(monkeypatch):
    def f(x, y):
        return x * y
    monkeypatch.setattr(srcdiff, "grad", _fake_grad(lambda x, y: y))
    with pytest.raises(AssertionError):
        check_grad(f, 0.7, 0.2, wrt=(0, 1))


def test_check_grad_passes_on_the_oracle(monkeypatch):
    monkeypatch.setattr(srcdiff, "grad", _fake_grad(
        lambda x: oracle_grad(_target, (x,))))
    check_grad(_target, np.array([0.3, -0.2, 1.1]))
