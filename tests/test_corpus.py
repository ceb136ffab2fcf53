"""Every corpus function at several fixed-seed points, plus property tests of
broadcasting binary operations and the tie rule of max/min reductions."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import srcdiff

import corpus
from oracle import check_grad


def _params():
    out = []
    for c in corpus.CASES:
        for si in range(len(c.sigs)):
            for p in range(c.points):
                for w in c.wrts:
                    wid = (",".join(map(str, w)) if isinstance(w, tuple)
                           else str(w))
                    out.append(pytest.param(
                        c, si, p, w,
                        id=f"{c.name}[{c.sig_desc(si)}]-p{p}-wrt{wid}"))
    return out


@pytest.mark.parametrize("case,sig,point,wrt", _params())
def test_corpus_gradient(case, sig, point, wrt):
    args = case.args(sig, point)
    check_grad(case.fn, *args, wrt=wrt, rtol=case.rtol, atol=case.atol,
               fd=case.fd, fd_rtol=case.fd_rtol, fd_atol=case.fd_atol)


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.name)
def test_corpus_value_and_grad(case):
    """value_and_grad gives f's value and the same gradient as grad."""
    args = case.args(0, 0)
    wrt = case.wrts[0]
    value, g = srcdiff.value_and_grad(case.fn, wrt=wrt)(*args)
    expected_value = case.fn(*args)
    assert np.ndim(value) == 0
    np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-12)
    g2 = srcdiff.grad(case.fn, wrt=wrt)(*args)
    if isinstance(wrt, tuple):
        assert isinstance(g, tuple) and len(g) == len(wrt)
        for a, b in zip(g, g2):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_allclose(g, g2, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------
# ties in max/min: the gradient is split equally among tied extrema
# ---------------------------------------------------------------------------

def tie_max(x):
    return np.max(x)


def tie_min(x):
    return np.min(x)


def tie_max_axis(M):
    return np.sum(np.max(M, axis=1))


def tie_min_axis_keepdims(M):
    return np.sum(np.min(M, axis=0, keepdims=True) * 2.0)


@pytest.mark.parametrize("fn,x,expected", [
    (tie_max, np.array([1.0, 3.0, 3.0]), np.array([0.0, 0.5, 0.5])),
    (tie_max, np.array([2.0, 2.0, 2.0, 2.0]), np.full(4, 0.25)),
    (tie_min, np.array([2.0, 1.0, 1.0, 5.0]), np.array([0.0, 0.5, 0.5, 0.0])),
    (tie_max_axis, np.array([[1.0, 4.0, 4.0], [0.0, 7.0, 2.0]]),
     np.array([[0.0, 0.5, 0.5], [0.0, 1.0, 0.0]])),
    (tie_min_axis_keepdims, np.array([[1.0, 4.0], [1.0, 3.0], [5.0, 3.0]]),
     np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])),
], ids=["max", "max-all-equal", "min", "max-axis", "min-axis-keepdims"])
def test_reduction_ties(fn, x, expected):
    g = srcdiff.grad(fn)(x)
    assert isinstance(g, np.ndarray) and g.shape == x.shape
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-12,
                               err_msg=srcdiff.source(fn))


# ---------------------------------------------------------------------------
# broadcasting: property tests over mutually broadcastable shapes
# ---------------------------------------------------------------------------

def bc_add(x, y):
    return np.sum(np.sin(x + y))


def bc_sub(x, y):
    return np.sum(np.sin(x - y * 0.5))


def bc_mul(x, y):
    return np.sum(np.sin(x * y))


def bc_div(x, y):
    return np.sum(np.sin(x / y))


def bc_pow(x, y):
    return np.sum(x ** y)


def bc_power(x, y):
    return np.sum(np.power(x, y))


def bc_maximum(x, y):
    return np.sum(np.sin(np.maximum(x, y)))


def bc_minimum(x, y):
    return np.sum(np.sin(np.minimum(x, y)))


def bc_arctan2(y, x):
    return np.sum(np.arctan2(y, x))


def bc_where(x, y, c):
    return np.sum(np.sin(np.where(c > 0.0, x * y, x - y)))


def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, size=shape)


def _nonzero(lo, hi):
    def make(rng, shape):
        return rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0],
                                                          size=shape)
    return make


_ANY = _uniform(-2.0, 2.0)
_POS = _uniform(0.3, 2.0)
_NZ = _nonzero(0.3, 2.0)

# name -> (function, value makers for each argument, wrt)
BROADCAST_OPS = {
    "add": (bc_add, (_ANY, _ANY), (0, 1)),
    "sub": (bc_sub, (_ANY, _ANY), (0, 1)),
    "mul": (bc_mul, (_ANY, _ANY), (0, 1)),
    "truediv": (bc_div, (_ANY, _NZ), (0, 1)),
    "pow": (bc_pow, (_POS, _ANY), (0, 1)),
    "np.power": (bc_power, (_POS, _ANY), (0, 1)),
    "np.maximum": (bc_maximum, (_ANY, _ANY), (0, 1)),
    "np.minimum": (bc_minimum, (_ANY, _ANY), (0, 1)),
    "np.arctan2": (bc_arctan2, (_NZ, _NZ), (0, 1)),
    "np.where": (bc_where, (_ANY, _ANY, _NZ), (0, 1)),
}


def _make_arg(maker, rng, shape):
    if shape == ():
        return float(maker(rng, ()))
    return np.asarray(maker(rng, shape), dtype=float)


@pytest.mark.parametrize("op", sorted(BROADCAST_OPS))
@settings(deadline=None, max_examples=12, derandomize=True)
@given(data=st.data())
def test_broadcasting(op, data):
    fn, makers, wrt = BROADCAST_OPS[op]
    shapes = data.draw(mutually_broadcastable_shapes(
        num_shapes=len(makers), min_dims=0, max_dims=3, min_side=1,
        max_side=3), label="shapes")
    seed = data.draw(st.integers(0, 2 ** 32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    args = [_make_arg(m, rng, s) for m, s in zip(makers, shapes.input_shapes)]
    check_grad(fn, *args, wrt=wrt)
