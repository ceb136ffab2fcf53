"""The public API: wrt forms, decorator use, value_and_grad, stop_gradient,
integer arguments, caching, generated source, tracebacks, API errors."""

import ast
import inspect
import math
import traceback

import numpy as np
import pytest

import srcdiff
from srcdiff import grad, value_and_grad, stop_gradient

from oracle import check_grad, check_type_and_shape, normalize_wrt, oracle_grad


def f3(x, y, z):
    return x * y * y + np.sin(z) * x


def loss(w, b, X):
    return np.sum(np.tanh(X @ w + b) ** 2)


_X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]])
_w = np.array([0.3, -0.7])


# ---------------------------------------------------------------------------
# wrt forms
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("wrt,indices", [
    (0, (0,)), (1, (1,)), (2, (2,)),
    ("x", (0,)), ("y", (1,)), ("z", (2,)),
])
def test_wrt_single(wrt, indices):
    args = (1.3, -0.4, 0.9)
    g = grad(f3, wrt=wrt)(*args)
    assert isinstance(g, float)
    assert g == pytest.approx(oracle_grad(f3, args, indices[0]), rel=1e-12)


@pytest.mark.parametrize("wrt", [
    (0, 1, 2), ("x", "y", "z"), (0, "y", 2), ("z", 0), (2, 1), ("y",), (1,),
])
def test_wrt_tuple(wrt):
    args = (1.3, -0.4, 0.9)
    g = grad(f3, wrt=wrt)(*args)
    assert isinstance(g, tuple) and len(g) == len(wrt)
    ref = oracle_grad(f3, args, wrt)
    for a, b in zip(g, ref):
        assert isinstance(a, float)
        assert a == pytest.approx(b, rel=1e-12)


def test_wrt_default_is_first_argument():
    args = (1.3, -0.4, 0.9)
    assert grad(f3)(*args) == pytest.approx(grad(f3, wrt=0)(*args),
                                            rel=1e-15)


def test_wrt_tuple_with_arrays():
    check_grad(loss, _w, 0.1, _X, wrt=("w", "b"))
    check_grad(loss, _w, 0.1, _X, wrt=(1, 0))
    check_grad(loss, _w, 0.1, _X, wrt=("X",))


def test_keyword_arguments_in_call():
    g = grad(f3, wrt="y")
    assert g(1.3, -0.4, z=0.9) == pytest.approx(g(1.3, -0.4, 0.9), rel=1e-15)


# ---------------------------------------------------------------------------
# decorator use
# ---------------------------------------------------------------------------

@grad
def d_square_sin(x):
    return x * x * np.sin(x)


@grad(wrt=("w", "b"))
def d_loss(w, b, X):
    return np.sum(np.tanh(X @ w + b) ** 2)


@grad(wrt=1)
def d_second(a, b):
    return a * b * b


def _square_sin(x):
    return x * x * np.sin(x)


def test_decorator_plain():
    for x in (0.3, -1.2, 2.0):
        assert d_square_sin(x) == pytest.approx(
            oracle_grad(_square_sin, (x,)), rel=1e-12)


def test_decorator_with_wrt():
    dw, db = d_loss(_w, 0.1, _X)
    rw, rb = oracle_grad(loss, (_w, 0.1, _X), ("w", "b"))
    assert isinstance(dw, np.ndarray) and dw.shape == _w.shape
    assert isinstance(db, float)
    np.testing.assert_allclose(dw, rw, rtol=1e-10)
    assert db == pytest.approx(rb, rel=1e-10)


def test_decorator_wrt_index():
    assert d_second(2.0, 3.0) == pytest.approx(2 * 2.0 * 3.0, rel=1e-15)


# ---------------------------------------------------------------------------
# value_and_grad
# ---------------------------------------------------------------------------

def test_value_and_grad_scalar():
    v, g = value_and_grad(f3)(1.3, -0.4, 0.9)
    assert v == pytest.approx(f3(1.3, -0.4, 0.9), rel=1e-15)
    assert g == pytest.approx(grad(f3)(1.3, -0.4, 0.9), rel=1e-15)


def test_value_and_grad_tuple():
    v, (gw, gb) = value_and_grad(loss, wrt=("w", "b"))(_w, 0.1, _X)
    assert v == pytest.approx(loss(_w, 0.1, _X), rel=1e-15)
    rw, rb = oracle_grad(loss, (_w, 0.1, _X), ("w", "b"))
    np.testing.assert_allclose(gw, rw, rtol=1e-10)
    assert gb == pytest.approx(rb, rel=1e-10)


def test_value_and_grad_decorator():
    @value_and_grad
    def vg(x):
        return np.exp(x) * x
    v, g = vg(0.5)
    assert v == pytest.approx(math.exp(0.5) * 0.5, rel=1e-15)
    assert g == pytest.approx(math.exp(0.5) * 1.5, rel=1e-12)


def vg_branch(x, y):
    if x > 0.0:
        z = x * y
    else:
        z = np.sin(x) + y
    return z * z


def vg_loop(x, n):
    s = 0.0
    for k in range(n):
        s = s + np.cos(s + x * k)
    return s


def vg_while(x):
    t = x
    count = 0
    while t < 10.0 and count < 20:
        t = t * 1.7 + 0.3
        count += 1
    return t * x


def vg_early_return(x, y):
    if np.sum(x) > 1.0:
        return np.sum(x * y)
    x = x * 3.0
    return np.sum(np.exp(x) * y)


def vg_reassigned(x, y):
    a = x * y
    a = np.tanh(a) + x
    x = x * a
    y = y - x
    a = np.sum(a * y) + np.sum(x)
    return a


def vg_loop_array(x):
    out = [x[0] * 0.0]
    acc = 1.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            acc = acc * x[i]
        else:
            continue
        if acc > 5.0:
            break
        out.append(out[-1] + acc)
    return np.sum(np.stack(out) ** 2)


_VG = [
    (vg_branch, (0.7, -1.1), ("x", "y")),
    (vg_branch, (-0.4, 2.0), ("x", "y")),
    (vg_loop, (0.3, 5), 0),
    (vg_while, (1.2,), 0),
    (vg_while, (0.2,), 0),
    (vg_early_return, (np.array([0.9, 0.4]), np.array([1.5, -2.0])), (0, 1)),
    (vg_early_return, (np.array([0.1, 0.4]), np.array([1.5, -2.0])), (0, 1)),
    (vg_reassigned, (np.array([0.3, -0.8, 1.2]), np.array([1.0, 0.5, -0.2])), (0, 1)),
    (vg_loop_array, (np.array([0.5, -1.0, 1.5, 2.0]),), 0),
    (vg_loop_array, (np.array([3.0, -1.0, 1.5, 2.0, 0.7]),), 0),
]


@pytest.mark.parametrize("fn,args,wrt", _VG,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(_VG)])
def test_value_and_grad_control_flow(fn, args, wrt):
    """Branches (both sides), loops, while, early return, continue and
    reassigned variables: the value is f's exactly and the gradient is
    autograd's (and finite differences')."""
    v, g = value_and_grad(fn, wrt=wrt)(*args)
    assert np.ndim(v) == 0
    assert float(v) == pytest.approx(float(fn(*args)), rel=1e-14, abs=1e-14)
    ref = check_grad(fn, *args, wrt=wrt, rtol=1e-10, atol=1e-12)
    indices, is_tuple = normalize_wrt(fn, wrt)
    for i, a, b in zip(indices, g if is_tuple else [g], ref if is_tuple else [ref]):
        assert check_type_and_shape(a, args[i]) is None
        np.testing.assert_array_equal(a, b)   # the same gradient as grad's


# ---------------------------------------------------------------------------
# stop_gradient
# ---------------------------------------------------------------------------

def sg_product(x):
    return stop_gradient(x) * x


def sg_all(x):
    return stop_gradient(x * x) + 1.0


def sg_array(x):
    return np.sum(stop_gradient(np.sin(x)) * x)


def test_stop_gradient_is_identity():
    a = np.array([1.0, 2.0])
    assert stop_gradient(3.5) == 3.5
    np.testing.assert_array_equal(stop_gradient(a), a)


def test_stop_gradient_product():
    # d/dx [c * x] with c = x held constant is c = x, not 2x
    for x in (0.5, -2.0, 3.0):
        assert grad(sg_product)(x) == pytest.approx(x, rel=1e-15)
    check_grad(sg_product, 1.7, fd=False)


def test_stop_gradient_everything():
    g = grad(sg_all)(1.5)
    assert isinstance(g, float) and g == 0.0


def test_stop_gradient_array():
    x = np.array([0.3, -1.1, 2.0])
    np.testing.assert_allclose(grad(sg_array)(x), np.sin(x), rtol=1e-15)


# ---------------------------------------------------------------------------
# integer arguments
# ---------------------------------------------------------------------------

def poly(x):
    return x * x * x + 2.0 * x


def poly_int_only(x):
    return x * x * 3 + x


def poly_array(x):
    return np.sum(x * x * x + x)


@pytest.mark.parametrize("fn", [poly, poly_int_only])
@pytest.mark.parametrize("n", [-2, 1, 3])
def test_int_argument_gives_float_gradient(fn, n):
    gi = grad(fn)(n)
    gf = grad(fn)(float(n))
    assert isinstance(gi, (float, np.floating)) and not isinstance(
        gi, (bool, np.bool_))
    assert gi != 0.0
    assert gi == pytest.approx(gf, rel=1e-15)
    assert gi == pytest.approx(oracle_grad(fn, (n,)), rel=1e-12)


def test_int_argument_zero_point():
    # at x=0 the true derivative 2.0 must not collapse to 0 for an int 0
    assert grad(poly)(0) == pytest.approx(2.0)


def test_int_array_argument():
    xi = np.array([1, -2, 3])
    gi = grad(poly_array)(xi)
    assert isinstance(gi, np.ndarray) and gi.shape == xi.shape
    assert np.issubdtype(gi.dtype, np.floating)
    np.testing.assert_allclose(gi, grad(poly_array)(xi.astype(float)),
                               rtol=1e-15)
    assert np.all(gi != 0.0)


def test_int_argument_in_tuple_wrt():
    g = grad(f3, wrt=(0, 1))(2, 3, 0.5)
    ref = grad(f3, wrt=(0, 1))(2.0, 3.0, 0.5)
    for a, b in zip(g, ref):
        assert isinstance(a, (float, np.floating))
        assert a == pytest.approx(b, rel=1e-15)
        assert a != 0.0


# ---------------------------------------------------------------------------
# caching, generated source, tracebacks
# ---------------------------------------------------------------------------

def cached_fn(x):
    return np.sin(x) * np.cos(x) + x


def test_grad_is_cached(monkeypatch):
    g1 = grad(cached_fn)
    g1(0.3)
    # parsing is the expensive step: a cached grad must not parse again
    calls = []
    real_parse = ast.parse

    def counting_parse(*a, **k):
        calls.append(a[:1])
        return real_parse(*a, **k)

    monkeypatch.setattr(ast, "parse", counting_parse)
    info = getattr(getattr(srcdiff, "api", None), "cache_info", None)
    before = info() if callable(info) else None
    g2 = grad(cached_fn)
    g2(0.4)
    after = info() if callable(info) else None
    monkeypatch.undo()
    assert not calls, f"grad(f) parsed source again: {len(calls)} parse(s)"
    same = (g1 is g2 or g1.__code__ is g2.__code__)
    assert same, "grad(f) twice should reuse the generated function"
    if before is not None:
        assert before != after, "cache_info() should record the reuse"
    assert g2(0.4) == g1(0.4)


def test_grad_cache_distinguishes_wrt():
    g0 = grad(f3, wrt=0)(1.3, -0.4, 0.9)
    g1 = grad(f3, wrt=1)(1.3, -0.4, 0.9)
    assert g0 == pytest.approx(oracle_grad(f3, (1.3, -0.4, 0.9), 0))
    assert g1 == pytest.approx(oracle_grad(f3, (1.3, -0.4, 0.9), 1))
    assert g0 != g1


def test_inspect_getsource_of_gradient():
    src = inspect.getsource(grad(cached_fn))
    assert "def " in src


def test_source_returns_generated_code():
    src = srcdiff.source(cached_fn)
    assert isinstance(src, str) and "def " in src
    ast.parse(src)  # it is valid Python
    src1 = srcdiff.source(f3, wrt=1)
    assert isinstance(src1, str) and "def " in src1


def log_of(x):
    return math.log(x) * 2.0


def test_traceback_points_into_generated_code():
    with pytest.raises(ValueError) as ei:
        grad(log_of)(-1.0)
    frames = traceback.extract_tb(ei.value.__traceback__)
    files = [fr.filename for fr in frames]
    assert any(fn.startswith("<srcdiff") for fn in files), files


# ---------------------------------------------------------------------------
# API errors
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("wrt", [3, -4, 10, "w", "nope", (0, 5), (0, "q"),
                                 ("x", "missing")])
def test_bad_wrt(wrt):
    with pytest.raises(srcdiff.WrtError) as ei:
        g = grad(f3, wrt=wrt)
        g(1.0, 2.0, 3.0)
    assert isinstance(ei.value, srcdiff.SrcdiffError)
    assert ei.value.function == "f3"


def vector_out(x):
    return np.sin(x) * 2.0


def tuple_out(x):
    return x, x * x


def test_non_scalar_output():
    g = grad(vector_out)  # building the gradient is fine ...
    with pytest.raises(srcdiff.NonScalarOutputError) as ei:
        g(np.array([0.1, 0.2, 0.3]))  # ... calling it is not
    assert isinstance(ei.value, srcdiff.SrcdiffError)
    assert ei.value.function == "vector_out"


def test_non_scalar_output_tuple():
    with pytest.raises(srcdiff.NonScalarOutputError):
        grad(tuple_out)(0.5)


def test_error_hierarchy():
    for cls in (srcdiff.UnsupportedSyntaxError, srcdiff.NoRuleError,
                srcdiff.WrtError, srcdiff.NonScalarOutputError,
                srcdiff.SourceError):
        assert issubclass(cls, srcdiff.SrcdiffError)
    assert issubclass(srcdiff.SrcdiffError, Exception)


# ---------------------------------------------------------------------------
# argument kinds and globals
# ---------------------------------------------------------------------------

def test_numpy_scalar_argument_gives_float():
    x = np.float64(0.7)
    g = grad(_square_sin)(x)
    assert isinstance(g, (float, np.floating)) and not isinstance(
        g, np.ndarray)
    assert g == pytest.approx(grad(_square_sin)(0.7), rel=1e-15)


_G_SCALE = 2.0


def uses_mutable_global(x):
    return _G_SCALE * x * x


def test_global_is_read_at_call_time():
    # Python semantics: a global is looked up when the function runs,
    # so a gradient built earlier must see the new value.
    global _G_SCALE
    g = grad(uses_mutable_global)
    try:
        _G_SCALE = 2.0
        assert g(1.5) == pytest.approx(2.0 * 2 * 1.5)
        _G_SCALE = 5.0
        assert g(1.5) == pytest.approx(5.0 * 2 * 1.5)
        assert grad(uses_mutable_global)(1.5) == pytest.approx(5.0 * 2 * 1.5)
    finally:
        _G_SCALE = 2.0


# --- the derivative of a primitive itself (as autograd's grad(np.sin), JAX's grad(jnp.sin))


def _sum_of(f, n):
    """``lambda x(, y): np.sum(f(x(, y)))``: the primitive inside a function."""
    if n == 1:
        return lambda x: np.sum(f(x))
    return lambda x, y: np.sum(f(x, y))


@pytest.mark.parametrize("f, args, wrt", [
    (np.sin, (0.5,), 0), (np.tanh, (np.array([0.3, -1.2]),), 0), (math.exp, (0.7,), 0),
    (np.arctan2, (0.3, 0.7), (0, 1)), (np.power, (1.5, 2.5), (0, 1)), (abs, (-2.0,), 0),
    (np.transpose, (np.array([[0.3, -1.2], [2.0, 0.5]]),), 0), (math.hypot, (0.3, 0.4), 1)])
def test_grad_of_a_primitive(f, args, wrt):
    """grad/value_and_grad/jvp/hessian of np.sin, math.exp, np.sum ... by their rules."""
    through = _sum_of(f, len(args))
    g = grad(through, wrt=wrt)(*args)
    if np.ndim(f(*args)) == 0:
        got = grad(f, wrt=wrt)(*args)
        for a, b in zip(got if isinstance(wrt, tuple) else (got,), g if isinstance(wrt, tuple)
                        else (g,)):
            np.testing.assert_allclose(a, b, rtol=1e-12)
        assert value_and_grad(f, wrt=wrt)(*args)[0] == f(*args)
    if not isinstance(wrt, tuple):
        v = np.ones(np.shape(args[wrt]))
        value, tangent = srcdiff.jvp(f, wrt=wrt)(*args, v if np.ndim(v) else 1.0)
        np.testing.assert_allclose(value, f(*args), rtol=1e-12)
        np.testing.assert_allclose(np.sum(tangent), np.sum(g * v), rtol=1e-10)


def test_grad_of_a_primitive_higher_order():
    assert grad(grad(np.sin))(0.5) == pytest.approx(-np.sin(0.5), rel=1e-12)
    assert srcdiff.hessian(math.exp)(0.3) == pytest.approx(math.exp(0.3), rel=1e-12)
    assert grad(np.sum)(np.ones(3)).tolist() == [1.0, 1.0, 1.0]
    assert grad(np.sin) is not None and "np.cos" in srcdiff.source(np.sin)


def test_grad_of_a_primitive_without_a_signature_is_refused():
    with pytest.raises(srcdiff.SourceError) as e:
        grad(math.log)(2.0)
    assert "lambda" in e.value.hint
