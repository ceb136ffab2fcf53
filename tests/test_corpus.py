"""Every corpus function at several fixed-seed points (reverse mode against
autograd and finite differences, forward mode against that gradient), plus property tests of
broadcasting binary operations and the tie rule of max/min reductions."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import srcdiff

import corpus
from oracle import check_grad, check_tangent


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
    g = check_grad(case.fn, *args, wrt=wrt, rtol=case.rtol, atol=case.atol,
                   fd=case.fd, fd_rtol=case.fd_rtol, fd_atol=case.fd_atol, eps=case.eps)
    # forward mode at the same point: every tangent rule at several points
    check_tangent(case.fn, args, wrt, g)


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


def bc_hypot(x, y):
    return np.sum(np.hypot(x, y))


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
    "np.hypot": (bc_hypot, (_NZ, _NZ), (0, 1)),
}


def _make_arg(maker, rng, shape):
    if shape == ():
        return float(maker(rng, ()))
    return np.asarray(maker(rng, shape), dtype=float)


@pytest.mark.parametrize("op", sorted(BROADCAST_OPS))
@settings(deadline=None, max_examples=25, derandomize=True)
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


# ---------------------------------------------------------------------------
# reductions: random shapes, axes (None, int, negative, tuple), keepdims
# ---------------------------------------------------------------------------

def red_sum_h(x, axis, keepdims):
    return np.sum(np.sin(np.sum(x, axis=axis, keepdims=keepdims)))


def red_mean_h(x, axis, keepdims):
    return np.sum(np.sin(np.mean(x, axis=axis, keepdims=keepdims)))


def red_prod_h(x, axis, keepdims):
    return np.sum(np.prod(x, axis=axis, keepdims=keepdims))


def red_max_h(x, axis, keepdims):
    return np.sum(np.sin(np.max(x, axis=axis, keepdims=keepdims)))


def red_min_h(x, axis, keepdims):
    return np.sum(np.sin(np.min(x, axis=axis, keepdims=keepdims)))


def red_meth_sum_h(x, axis, keepdims):
    return np.sum(np.sin(x.sum(axis=axis, keepdims=keepdims)))


REDUCTIONS = {
    "sum": (red_sum_h, _ANY),
    "mean": (red_mean_h, _ANY),
    "prod": (red_prod_h, _nonzero(0.5, 1.5)),
    "max": (red_max_h, _ANY),
    "min": (red_min_h, _ANY),
    "ndarray.sum": (red_meth_sum_h, _ANY),
}


@st.composite
def _shape_and_axis(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    nd = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-nd, nd - 1))
    else:
        axes = draw(st.lists(st.integers(0, nd - 1), min_size=1,
                             max_size=nd, unique=True))
        axis = tuple(a - nd if draw(st.booleans()) else a for a in axes)
    return shape, axis


@pytest.mark.parametrize("op", sorted(REDUCTIONS))
@settings(deadline=None, max_examples=20, derandomize=True)
@given(sa=_shape_and_axis(), keepdims=st.booleans(),
       seed=st.integers(0, 2 ** 32 - 1))
def test_reduction_axes(op, sa, keepdims, seed):
    fn, maker = REDUCTIONS[op]
    shape, axis = sa
    x = np.asarray(maker(np.random.default_rng(seed), shape), dtype=float)
    check_grad(fn, x, axis, keepdims, wrt=0)


# ---------------------------------------------------------------------------
# slicing: random start/stop/step (ints, negatives, None) on random shapes
# ---------------------------------------------------------------------------

def slice_1d_h(x, a, b, c):
    return np.sum(np.sin(x[a:b:c]) * 2.0) + 0.5 * np.sum(x)


def slice_2d_h(M, a, b, c):
    return np.sum(np.sin(M[a:b:c, 1:])) + np.sum(np.cos(M[:, a:b]) * M[:, a:b])


def index_2d_h(M, i, j):
    return M[i, j] * M[i][j] + np.sum(M[i] * 2.0) + np.sum(M[:, j] ** 2)


_bound = st.one_of(st.none(), st.integers(-5, 5))
_step = st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0))


@settings(deadline=None, max_examples=40, derandomize=True)
@given(n=st.integers(1, 6), a=_bound, b=_bound, c=_step,
       seed=st.integers(0, 2 ** 32 - 1))
def test_slicing_1d(n, a, b, c, seed):
    x = np.random.default_rng(seed).uniform(-2, 2, size=n)
    check_grad(slice_1d_h, x, a, b, c, wrt=0)


@settings(deadline=None, max_examples=30, derandomize=True)
@given(r=st.integers(1, 4), k=st.integers(2, 4), a=_bound, b=_bound,
       c=_step, seed=st.integers(0, 2 ** 32 - 1))
def test_slicing_2d(r, k, a, b, c, seed):
    M = np.random.default_rng(seed).uniform(-2, 2, size=(r, k))
    check_grad(slice_2d_h, M, a, b, c, wrt=0)


@settings(deadline=None, max_examples=30, derandomize=True)
@given(data=st.data(), r=st.integers(1, 4), k=st.integers(1, 4),
       seed=st.integers(0, 2 ** 32 - 1))
def test_integer_indexing_2d(data, r, k, seed):
    i = data.draw(st.integers(-r, r - 1), label="i")
    j = data.draw(st.integers(-k, k - 1), label="j")
    M = np.random.default_rng(seed).uniform(-2, 2, size=(r, k))
    check_grad(index_2d_h, M, i, j, wrt=0)


# ---------------------------------------------------------------------------
# matrix products over random compatible shapes (1-D, 2-D, batched 3-D)
# ---------------------------------------------------------------------------

def mm_op(A, B):
    return np.sum(np.sin(A @ B))


def mm_np_matmul(A, B):
    return np.sum(np.sin(np.matmul(A, B)))


def mm_np_dot(A, B):
    return np.sum(np.sin(np.dot(A, B)))


def mm_meth_dot(A, B):
    return np.sum(np.sin(A.dot(B)))


MATMULS = {"@": (mm_op, 3), "np.matmul": (mm_np_matmul, 3),
           "np.dot": (mm_np_dot, 3), "ndarray.dot": (mm_meth_dot, 3)}


@st.composite
def _matmul_shapes(draw, max_nd):
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    nda = draw(st.integers(1, max_nd))
    ndb = draw(st.integers(1, max_nd))
    batch = draw(st.sampled_from([(1, 2), (2, 1), (2, 2)]))
    a = {1: (k,), 2: (m, k), 3: (batch[0], m, k)}[nda]
    b = {1: (k,), 2: (k, n), 3: (batch[1], k, n)}[ndb]
    return a, b


@pytest.mark.parametrize("op", sorted(MATMULS))
@settings(deadline=None, max_examples=20, derandomize=True)
@given(data=st.data(), seed=st.integers(0, 2 ** 32 - 1))
def test_matmul_shapes(op, data, seed):
    fn, max_nd = MATMULS[op]
    sa, sb = data.draw(_matmul_shapes(max_nd), label="shapes")
    rng = np.random.default_rng(seed)
    A = rng.uniform(-2, 2, size=sa)
    B = rng.uniform(-2, 2, size=sb)
    check_grad(fn, A, B, wrt=(0, 1))


# ---------------------------------------------------------------------------
# shape functions with random shapes and axes
# ---------------------------------------------------------------------------

_WEIGHT_CACHE = {}


def _weights(shape):
    """Fixed non-uniform weights so every output element matters
    differently."""
    shape = tuple(shape)
    if shape not in _WEIGHT_CACHE:
        _WEIGHT_CACHE[shape] = np.arange(1.0, 1.0 + np.prod(shape,
                                         dtype=int)).reshape(shape) / 7.0
    return _WEIGHT_CACHE[shape]


def sf_transpose(x, axes):
    y = np.transpose(x, axes)
    return np.sum(np.sin(y) * w_like(y))


def sf_reshape(x, shape):
    y = np.reshape(x, shape)
    return np.sum(np.sin(y) * w_like(y))


def sf_expand_squeeze(x, axis):
    y = np.expand_dims(x, axis)
    z = np.squeeze(y, axis)
    return np.sum(np.sin(y) * w_like(y)) + np.sum(z * z)


def sf_stack(x, y, axis):
    s = np.stack([x, y * y, x * y], axis=axis)
    return np.sum(np.sin(s) * w_like(s))


def sf_concatenate(x, y, axis):
    s = np.concatenate([x, y * y], axis=axis)
    return np.sum(np.sin(s) * w_like(s))


def w_like(y):
    return _weights(np.shape(y))


@settings(deadline=None, max_examples=20, derandomize=True)
@given(data=st.data(), seed=st.integers(0, 2 ** 32 - 1))
def test_shape_functions(data, seed):
    rng = np.random.default_rng(seed)
    shape = tuple(data.draw(st.lists(st.integers(1, 3), min_size=1,
                                     max_size=3), label="shape"))
    nd = len(shape)
    x = rng.uniform(-2, 2, size=shape)
    y = rng.uniform(-2, 2, size=shape)
    axes = tuple(data.draw(st.permutations(range(nd)), label="axes"))
    check_grad(sf_transpose, x, axes, wrt=0)
    size = int(np.prod(shape))
    new_shape = data.draw(st.sampled_from(
        [(size,), (-1,), (1, size), (size, 1), (-1, 1)]), label="reshape")
    check_grad(sf_reshape, x, new_shape, wrt=0)
    ax = data.draw(st.integers(-nd - 1, nd), label="expand axis")
    check_grad(sf_expand_squeeze, x, ax, wrt=0)
    sax = data.draw(st.integers(-nd - 1, nd), label="stack axis")
    check_grad(sf_stack, x, y, sax, wrt=(0, 1))
    cax = data.draw(st.integers(-nd, nd - 1), label="concat axis")
    check_grad(sf_concatenate, x, y, cax, wrt=(0, 1))
