"""Higher-order derivatives: ``grad(grad(f))``, ``derivative``, ``hessian``,
``hvp``, and the derivative rules of the runtime helpers generated code calls.

References: closed forms, autograd (nested ``autograd.grad`` and
``autograd.hessian`` on the twin of ``tests/oracle.py``), central finite
differences of srcdiff's own first derivative, and for every runtime-helper
rule the dot-product identity between its tangent and adjoint rules.
"""

import math
import warnings

import autograd
import numpy as np
import pytest

import srcdiff
from srcdiff import higher
from srcdiff import runtime as rt
from srcdiff import primitives

import corpus
from oracle import as_float_args, normalize_wrt, twin

# ---------------------------------------------------------------------------
# small functions (control flow, helpers) used below
# ---------------------------------------------------------------------------


def square(x):
    return x ** 2


def sine(x):
    return np.sin(x)


def expo(x):
    return math.exp(x)


def loop_poly(x):
    s = 0.0
    for i in range(1, 4):
        s = s + x ** i / i
    return s


def newton_sqrt(a):
    x = max(a, 1.0)
    n = 0
    while abs(x * x - a) > 1e-15 * a:
        x = 0.5 * (x + a / x)
        n += 1
        if n >= 100:
            break
    return x


def piecewise(x):
    if x > 1.0:
        y = x ** 3
    elif x > 0.0:
        y = np.sin(x) * x
    else:
        y = np.exp(x)
    return y


def _helper(u, k):
    return np.tanh(u * k) + u * u


def calls_helper(x):
    total = 0.0
    for k in range(3):
        total = total + _helper(x, k + 1.0)
    return total


def early_exit(x):
    y = x
    for i in range(10):
        y = y * 0.9 + np.sin(y)
        if y > 5.0:
            return y * 2.0
    return y


def vector_loop(x):
    acc = x * 1.0
    for i in range(3):
        acc = np.tanh(acc) * x + np.sum(acc) * 0.1
    return np.sum(acc * acc)


def list_stack(x):
    parts = []
    h = x * 0.5
    for i in range(3):
        h = np.sin(h) * x
        parts.append(h)
    return np.sum(np.stack(parts) ** 2)


def nested_def(x):
    def inner(t):
        return t * np.cos(t)
    return np.sum(inner(x) * x)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


CONTROL = [
    (piecewise, [1.5, 0.4, -0.7]),
    (calls_helper, [0.3, -0.8]),
    (early_exit, [0.2, 2.5]),
    (newton_sqrt, [2.0, 0.5]),
    (loop_poly, [0.7]),
]

ARRAY_FUNCTIONS = [
    (vector_loop, np.array([0.3, -0.5, 0.8])),
    (list_stack, np.array([0.4, -1.1])),
    (nested_def, np.array([0.2, 0.9, -0.4])),
    (rosenbrock, np.array([1.2, 0.8, -0.5])),
]


def _ag_nested(f, order):
    d = twin(f)
    for _ in range(order):
        d = autograd.grad(d)
    return d


def _ag_hessian(f, args, i):
    tw = twin(f)
    fargs = as_float_args(args, [i])

    def g(x):
        a = list(fargs)
        a[i] = x
        return tw(*a)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        return autograd.hessian(g)(fargs[i])


# ---------------------------------------------------------------------------
# derivatives of order 1 to 4
# ---------------------------------------------------------------------------

CLOSED = {
    square: lambda x: [2 * x, 2.0, 0.0, 0.0],
    sine: lambda x: [math.cos(x), -math.sin(x), -math.cos(x), math.sin(x)],
    expo: lambda x: [math.exp(x)] * 4,
    loop_poly: lambda x: [1 + x + x * x, 1 + 2 * x, 2.0, 0.0],
    newton_sqrt: lambda a: [0.5 * a ** -0.5, -0.25 * a ** -1.5, 0.375 * a ** -2.5,
                            -0.9375 * a ** -3.5],
}


@pytest.mark.parametrize("fn", list(CLOSED), ids=lambda f: f.__name__)
def test_orders_one_to_four(fn):
    x = 3.0 if fn is square else 0.7 if fn is not newton_sqrt else 2.0
    expected = CLOSED[fn](x)
    d = fn
    for order in range(1, 5):
        d = srcdiff.grad(d)
        np.testing.assert_allclose(d(x), expected[order - 1], rtol=1e-9, atol=1e-12,
                                   err_msg=f"order {order}")
        np.testing.assert_allclose(srcdiff.derivative(fn, order=order)(x),
                                   expected[order - 1], rtol=1e-9, atol=1e-12)


def test_square_derivatives_are_6_2_0():
    assert [srcdiff.derivative(square, order=n)(3.0) for n in (1, 2, 3)] == [6.0, 2.0, 0.0]


@pytest.mark.parametrize("fn,points", CONTROL, ids=lambda v: getattr(v, "__name__", ""))
def test_grad_grad_control_flow(fn, points):
    """Loops, branches, early return and helper calls, against nested autograd."""
    for x in points:
        for order in (2, 3):
            got = srcdiff.derivative(fn, order=order)(x)
            ref = _ag_nested(fn, order)(x)
            np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-9,
                                       err_msg=f"{fn.__name__} order {order} at {x}")


@pytest.mark.parametrize("fn,x", ARRAY_FUNCTIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_and_hvp_of_array_functions(fn, x):
    H = srcdiff.hessian(fn)(x)
    np.testing.assert_allclose(H, _ag_hessian(fn, (x,), 0), rtol=1e-7, atol=1e-9)
    v = np.linspace(-1.0, 1.0, x.size)
    np.testing.assert_allclose(srcdiff.hvp(fn)(x, v), H @ v, rtol=1e-9, atol=1e-10)
    # reverse over reverse: the gradient of <grad f, v>
    g = srcdiff.grad(fn)

    def directional(y):
        return np.sum(g(y) * v)
    np.testing.assert_allclose(srcdiff.grad(directional)(x), H @ v, rtol=1e-7, atol=1e-9)


def _scalar_cases():
    out = []
    for c in corpus.CASES:
        args = c.args(0, 0)
        idx, _ = normalize_wrt(c.fn, c.wrts[0])
        i = idx[0]
        if isinstance(args[i], (float, np.ndarray)) and np.size(args[i]) <= 6:
            out.append(pytest.param(c, i, id=c.name))
    return out


@pytest.mark.parametrize("case,i", _scalar_cases())
def test_corpus_hessian(case, i):
    """Forward over reverse on every corpus function, against autograd (or, where
    autograd cannot trace the twin, finite differences of srcdiff's gradient)."""
    args = case.args(0, 0)
    H = srcdiff.hessian(case.fn, wrt=i)(*args)
    x = np.asarray(args[i], dtype=float)
    assert np.shape(H) == x.shape + x.shape
    try:
        ref = np.reshape(_ag_hessian(case.fn, args, i), np.shape(H))
    except (TypeError, AttributeError, ValueError):
        ref = _fd_hessian(case.fn, args, i)
        np.testing.assert_allclose(H, ref, rtol=1e-4, atol=1e-5)
        return
    np.testing.assert_allclose(H, ref, rtol=1e-6, atol=1e-8)


def _fd_hessian(f, args, i, eps=1e-6):
    g = srcdiff.grad(f, wrt=i)
    x = np.asarray(args[i], dtype=float)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        plus, minus = list(args), list(args)
        plus[i] = x + e if x.ndim else float(x + e)
        minus[i] = x - e if x.ndim else float(x - e)
        cols.append((np.asarray(g(*plus)) - np.asarray(g(*minus))) / (2 * eps))
    return np.moveaxis(np.array(cols).reshape((x.size,) + x.shape), 0, -1).reshape(
        x.shape + x.shape)


@pytest.mark.parametrize("case", [c for c in corpus.CASES
                                  if isinstance(c.args(0, 0)[0], float)][::4],
                         ids=lambda c: c.name)
def test_corpus_grad_grad_against_finite_differences(case):
    """grad(grad(f)) (reverse over reverse) against finite differences of grad(f)."""
    args = case.args(0, 0)
    d2 = srcdiff.grad(srcdiff.grad(case.fn, wrt=0), wrt=0)(*args)
    np.testing.assert_allclose(d2, _fd_hessian(case.fn, args, 0), rtol=1e-4, atol=1e-5)


def test_hessian_of_several_arguments():
    def f(x, y):
        return np.sum(np.sin(x) * y) + np.sum(x * x) * y[0]
    x, y = np.array([0.3, -0.2]), np.array([1.5, 0.5])
    blocks = srcdiff.hessian(f, wrt=(0, 1))(x, y)
    tw = twin(f)
    joint = lambda v: tw(v[:2], v[2:])  # noqa: E731
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        full = autograd.hessian(joint)(np.concatenate([x, y]))
    np.testing.assert_allclose(blocks[0][0], full[:2, :2], rtol=1e-9)
    np.testing.assert_allclose(blocks[0][1], full[:2, 2:], rtol=1e-9)
    np.testing.assert_allclose(blocks[1][0], full[2:, :2], rtol=1e-9)
    np.testing.assert_allclose(blocks[1][1], full[2:, 2:], rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------
# generated code as input: source, closures, names
# ---------------------------------------------------------------------------

def test_grad_grad_source_resolves():
    d1 = srcdiff.grad(sine)
    text = srcdiff.source(d1)
    assert text.startswith("def ddsine(x):")
    assert "_stack" not in text
    # the second derivative is a function of f's arguments, cached and printable
    assert srcdiff.grad(d1) is srcdiff.grad(d1)
    assert "rt" in srcdiff.source(srcdiff.grad(loop_poly))


def test_order_source_includes_helpers():
    text = srcdiff.source(srcdiff.derivative(calls_helper, order=1))
    assert "def _helper_vjp" in text and "def _helper_vjp_vjp" in text


def test_cli_order(tmp_path):
    import io

    from srcdiff import cli
    path = tmp_path / "sq.py"
    path.write_text("def f(x):\n    return x ** 3\n")
    out = io.StringIO()
    assert cli.main([f"{path}:f", "--order", "2"], stdout=out) == 0
    assert out.getvalue() == (      # Taylor mode: x ** 3 as x * x times x
        "def f_taylor(x):\n"
        "    y = x ** 3\n"
        "    y_power = x * x\n"
        "    y_power_c1 = 2 * x\n"
        "    y_c1 = y_power + y_power_c1 * x\n"
        "    y_c2 = y_power_c1 + x\n"
        "    return (y, y_c1, 2 * y_c2)\n")
    out = io.StringIO()
    assert cli.main([f"{path}:f", "--order", "2", "--value"], stdout=out) == 0
    assert out.getvalue().startswith("def value_and_ddf(x):")
    assert cli.main([f"{path}:f", "--order", "0"], stdout=io.StringIO()) == 2


def test_cli_order_without_taylor_rule(tmp_path, capsys):
    """No Taylor rule: the nested gradient's code, and why on stderr."""
    import io

    from srcdiff import cli
    path = tmp_path / "lae.py"
    path.write_text("import numpy as np\n\ndef f(x):\n    return np.logaddexp(x, 2 * x)\n")
    out = io.StringIO()
    assert cli.main([f"{path}:f", "--order", "2"], stdout=out) == 0
    assert out.getvalue().startswith("def ddf(x):")
    assert "no Taylor mode" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------

def test_errors():
    with pytest.raises(srcdiff.OrderError):
        srcdiff.derivative(square, order=0)
    with pytest.raises(srcdiff.WrtError):
        srcdiff.derivative(square, order=2, wrt=(0,))
    with pytest.raises(srcdiff.NonScalarOutputError):
        srcdiff.hessian(vector_valued)(np.ones(3))
    with pytest.raises(srcdiff.OutputError):
        srcdiff.jacobian(tuple_valued)(np.ones(2))
    with pytest.raises(srcdiff.OrderError):
        srcdiff.jacobian(vector_valued, mode="sideways")


def vector_valued(x):
    return np.sin(x)


def tuple_valued(x):
    return x, x


def test_extend_at_higher_order():
    """x * x**2 through list.extend: the list is not read after its restore, so
    the generated code does not undo the extend and differentiates again."""
    def f(x):
        lst = []
        lst.extend([x, x * x])
        return lst[0] * lst[1]
    assert srcdiff.grad(f)(2.0) == pytest.approx(12.0)
    assert srcdiff.derivative(f, order=2)(2.0) == pytest.approx(12.0)
    assert srcdiff.derivative(f, order=3)(2.0) == pytest.approx(6.0)


def test_extend_undone_is_refused_at_second_order():
    """Undoing list.extend (the list read after its restore) has no derivative
    yet: refused, never wrong."""
    def f(x):
        lst = [x]
        for i in range(2):
            lst.extend([x * i, lst[-1] * x])
        return lst[-1] * lst[-2]
    assert srcdiff.grad(f)(1.5) == pytest.approx(
        (f(1.5 + 1e-6) - f(1.5 - 1e-6)) / 2e-6, rel=1e-6)
    with pytest.raises(srcdiff.SrcdiffError):
        srcdiff.derivative(f, order=2)(1.5)


# ---------------------------------------------------------------------------
# the runtime helpers: every rule, tangent against adjoint
# ---------------------------------------------------------------------------

def h_unbroadcast(g, x):
    return rt.unbroadcast(g, x)


def h_unbroadcast_result(g, x, r):
    return rt.unbroadcast(g, x, r)


def h_like(g, y):
    return rt.like(g, y)


def h_owned(g, y):
    return rt.owned(g, y)


def h_unadd(h, a):
    return rt.unadd(h, a)


def h_unreduce(g, x):
    return rt.unreduce(g, x, 1, False)


def h_unreduce_all(g, x):
    return rt.unreduce(g, x)


def h_unreduce_mean(g, x):
    return rt.unreduce_mean(g, x, 0, False)


def h_unreduce_extreme(g, x):
    return rt.unreduce_extreme(g, np.max(x, axis=1), x, 1, False)


def h_cast_grad(g, x):
    return rt.cast_grad(g, x)


def h_as_gradient(g):
    return rt.as_gradient(g, (2, 3))


def h_fresh(g):
    return rt.fresh(g) * 2.0


def h_uncast(h, g):
    return rt.uncast(h, g)


def h_matmul_dx(g, x, y):
    return rt.matmul_dx(g, x, y)


def h_matmul_dy(g, x, y):
    return rt.matmul_dy(g, x, y)


def h_matmul_dx_dot(g, x, y):
    return rt.matmul_dx(g, x, y, "dot")


def h_matprod(a, b):
    return rt.matprod(a, b)


def h_part(adjoint):
    return rt.part(adjoint, 1)


def h_unpart(h, adjoint):
    return rt.unpart(h, adjoint, 1)


def h_scatter(x, g):
    return rt.scatter(x, slice(1, 3), g)


def h_scatter_advanced(x, g):
    return rt.scatter(x, np.array([0, 2, 0]), g)


def h_scatter_list(x, g):
    return rt.scatter(x, 1, g)


def h_gather(h, g):
    return rt.gather(h, slice(1, 3), g)


def h_scatter_add(x_bar, g, x):
    return rt.scatter_add(x_bar, slice(1, 3), g, x)


def h_scatter_add_pure(x_bar, g, x):
    return rt.scatter_add_pure(x_bar, np.array([0, 2, 0]), g, x)


def h_scatter_add_tangent(dx, dg, x, xb):
    return rt.scatter_add_tangent(dx, slice(1, 3), dg, x, xb)


def h_unwrite(y_bar, y):
    return rt.unwrite(y_bar, 1, y)


def h_unwrite_rest(y_bar, y):
    return rt.unwrite(y_bar, slice(0, 2), y, False)


def h_unwrite_tangent(y_bar, y):
    return rt.unwrite_tangent(y_bar, 2, y)


def h_unwrite_adjoint(h, y_bar, y):
    return rt.unwrite_adjoint(h, y_bar, 1, y)


def h_add(a, b):
    return rt.add(a, b)


def h_pack(x, parts):
    return rt.pack(x, parts)


def h_unpack_parts(h, x, parts):
    return rt.unpack_parts(h, x, parts)


def h_unappend(lst_bar):
    return rt.unappend(lst_bar)


def h_unappend_adjoint(h, lst_bar):
    return rt.unappend_adjoint(h, lst_bar)


def h_unextend(lst_bar, values):
    return rt.unextend(lst_bar, values)


def h_unextend_adjoint(h, lst_bar, values):
    return rt.unextend_adjoint(h, lst_bar, values)


def h_unpop(lst_bar, v_bar, lst):
    return rt.unpop(lst_bar, v_bar, lst)


def h_unstack(g, xs):
    return rt.unstack(g, xs, 1)


def h_unstack_adjoint(h, g, xs):
    return rt.unstack_adjoint(h, g, xs, 1)


def h_unconcatenate(g, xs):
    return rt.unconcatenate(g, xs, 0)


def h_unconcatenate_adjoint(h, g, xs):
    return rt.unconcatenate_adjoint(h, g, xs, 0)


def h_sum_adjoint(g, xs):
    return rt.sum_adjoint(g, xs)


def h_unsum_adjoint(h, g, xs):
    return rt.unsum_adjoint(h, g, xs)


def h_tangent_sum(xs):
    return rt.tangent_sum(xs)


def h_unarray(g, obj):
    return rt.unarray(g, obj)


def h_rearray(h, g, obj):
    return rt.rearray(h, g, obj)


def h_tensordot_da(g, a, b):
    return rt.tensordot_da(g, a, b, ([0, 2], [1, 0]))


def h_tensordot_db(g, a, b):
    return rt.tensordot_db(g, a, b, ([0, 2], [1, 0]))


def h_kron_da(g, a, b):
    return rt.kron_da(g, a, b)


def h_kron_db(g, a, b):
    return rt.kron_db(g, a, b)


def h_mT(x):
    return rt.mT(x)


def h_irfftn(a):
    return rt.irfftn(a, 7, (-1,), None)


def h_irfftn_2(a):
    return rt.irfftn(a, (3, 4), (0, 1), "ortho")


def h_irfftn_adjoint(g, a):
    return rt.irfftn_adjoint(g, a, 7, (-1,), None)


def h_irfftn_adjoint_2(g, a):
    return rt.irfftn_adjoint(g, a, (3, 4), (0, 1), "forward")
def h_banded_transpose(ab):
    return rt.banded_transpose((1, 2), ab)


def h_banded_matmul(ab, x):
    return rt.banded_matmul((2, 1), ab, x)


def h_banded_outer(g, x):
    return rt.banded_outer((0, 2), g, x)


def h_unjoin(g, xs):
    return rt.unjoin(g, xs, "hstack")


def h_unjoin_c(g, xs):
    return rt.unjoin(g, xs, "c_")


def h_join(h, xs):
    return rt.join(h, xs, "vstack")


def h_join_dstack(h, xs):
    return rt.join(h, xs, "dstack")


def h_scan(g, a):
    return rt.scan(g, a, 1)


def h_revscan(g, a):
    return rt.revscan(g, a, 0)


def h_unselect(g, x):
    return rt.unselect(g, [x > 0.0, x < -0.5], [x, 1.0])


def h_reselect(h, g, x):
    return rt.reselect(h, g, [x > 0.0, x < -0.5])


def h_average_weights(w, a):
    return rt.average_weights(w, a, 1)


def h_unaverage_weights(g, w, a):
    return rt.unaverage_weights(g, w, a, (2, 0))


def h_untile(g, A):
    return rt.untile(g, A, (2, 1))


def h_unrepeat(g, a):
    return rt.unrepeat(g, a, [1, 0, 2], 0)


def h_unrepeat_flat(g, a):
    return rt.unrepeat(g, a, 2)


def h_unpad(g, a):
    return rt.unpad(g, a, ((1, 0), (2, 1)))


def h_undiagonal(g, a):
    return rt.undiagonal(g, a, 1, 0, 1)


def h_undiag(g, v):
    return rt.undiag(g, v, -1)


def h_undiag_matrix(g, v):
    return rt.undiag(g, v, 1)


def h_undiff(g, a):
    return rt.undiff(g, a, 2, -1)


def h_ungradient(g, f):
    return rt.ungradient(g, f, None, 1)


def h_ungradient_edge2(g, f):
    return rt.ungradient(g, f, None, 2)


def h_untake(g, a):
    return rt.untake(g, a, np.array([0, 2, 2]), 1, "raise")


def h_untake_wrap(g, a):
    return rt.untake(g, a, np.array([4, -1]), None, "wrap")


def h_untake_along_axis(g, arr):
    return rt.untake_along_axis(g, np.array([[0, 2, 2]]), arr, 1)


_r = np.random.default_rng(5)


_KEYS = ["a", "b", "a"]
_Pair = __import__("collections").namedtuple("_Pair", "w b")
_P0 = _Pair(np.zeros(2), 0.0)


def h_dict_from(values):
    d = rt.dict_from(_KEYS, values)
    return [d["a"], d["b"]]


def h_dict_parts(values):
    return rt.dict_parts(rt.dict_from(_KEYS, values), _KEYS)


def h_sequence(xs):
    return rt.sequence(xs)


def h_unsequence(g):
    return rt.unsequence(g, _L3)


def h_unfield(g):
    p = rt.unfield(g, _P0, "w")
    return (p[0], p[1])


def h_field(w):
    return rt.field(rt.unfield(w, _P0, "w"), "w") * 2.0


def _a(*shape):
    return _r.uniform(-1.0, 1.0, shape) if shape else float(_r.uniform(-1.0, 1.0))


_L3 = [_a(2), _a(2), _a(2)]

RUNTIME_CASES = {
    "srcdiff.runtime.unbroadcast": [(h_unbroadcast, (_a(2, 3), _a(3)), 0),
                                    (h_unbroadcast_result, (_a(), _a(3), _a(2, 3)), 0)],
    "srcdiff.runtime.like": [(h_like, (_a(3), _a(2, 3)), 0)],
    "srcdiff.runtime_higher.owned": [(h_owned, (_a(3), _a(2, 3)), 0)],
    "srcdiff.runtime_higher.unadd": [(h_unadd, (_a(2, 3), _a(3)), 0)],
    "srcdiff.runtime.unreduce": [(h_unreduce, (_a(2), _a(2, 3)), 0),
                                 (h_unreduce_all, (_a(), _a(2, 3)), 0)],
    "srcdiff.runtime.unreduce_mean": [(h_unreduce_mean, (_a(3), _a(2, 3)), 0)],
    "srcdiff.runtime.unreduce_extreme": [(h_unreduce_extreme, (_a(2), _a(2, 3)), 0)],
    "srcdiff.runtime.cast_grad": [(h_cast_grad, (_a(3), _a(2, 3)), 0)],
    "srcdiff.runtime.as_gradient": [(h_as_gradient, (_a(3),), 0),
                                    (h_as_gradient, (_a(2, 3),), 0)],
    "srcdiff.runtime.fresh": [(h_fresh, (_a(2, 3),), 0)],
    "srcdiff.runtime_higher.uncast": [(h_uncast, (_a(2, 3), _a(3)), 0)],
    "srcdiff.runtime.matmul_dx": [(h_matmul_dx, (_a(2, 4), _a(2, 3), _a(3, 4)), (0, 2)),
                                  (h_matmul_dx_dot, (_a(2), _a(2, 3), _a(3)), (0, 2))],
    "srcdiff.runtime.matmul_dy": [(h_matmul_dy, (_a(2, 4), _a(2, 3), _a(3, 4)), (0, 1))],
    "srcdiff.runtime_higher.matprod": [(h_matprod, (_a(2, 3), _a(3, 4)), (0, 1)),
                                       (h_matprod, (_a(), _a(3)), (0, 1))],
    "srcdiff.runtime.part": [(h_part, ([_a(2), _a(3)],), 0)],
    "srcdiff.runtime_higher.unpart": [(h_unpart, (_a(3), [_a(2), _a(3)]), 0)],
    "srcdiff.runtime.scatter": [(h_scatter, (_a(4), _a(2)), 1),
                                (h_scatter_advanced, (_a(4), _a(3)), 1),
                                (h_scatter_list, ([_a(2), _a(2)], _a(2)), 1)],
    "srcdiff.runtime_higher.gather": [(h_gather, (_a(4), _a(2)), 0)],
    "srcdiff.runtime.scatter_add": [(h_scatter_add, (_a(4), _a(2), _a(4)), (0, 1))],
    "srcdiff.runtime_higher.scatter_add_pure": [
        (h_scatter_add_pure, (_a(4), _a(3), _a(4)), (0, 1))],
    "srcdiff.runtime_higher.scatter_add_tangent": [
        (h_scatter_add_tangent, (_a(4), _a(2), _a(4), _a(4)), (0, 1))],
    "srcdiff.runtime.unwrite": [(h_unwrite, (_a(4), _a(4)), 0),
                                (h_unwrite_rest, (_a(4), _a(4)), 0)],
    "srcdiff.runtime_higher.unwrite_tangent": [(h_unwrite_tangent, (_a(4), _a(4)), 0)],
    "srcdiff.runtime_higher.unwrite_adjoint": [
        (h_unwrite_adjoint, ((_a(), _a(4)), _a(4), _a(4)), 0)],
    "srcdiff.runtime.add": [(h_add, (_a(3), _a(3)), (0, 1)),
                            (h_add, ([_a(2), _a(3)], [_a(2), _a(3)]), (0, 1))],
    "srcdiff.runtime.pack": [(h_pack, ((_a(2), _a(3)), (_a(2), _a(3))), 1),
                             (h_pack, (_a(2, 3), (_a(3), _a(3))), 1)],
    "srcdiff.runtime_higher.unpack_parts": [
        (h_unpack_parts, ((_a(2), _a(3)), (_a(2), _a(3)), (_a(2), _a(3))), 0),
        (h_unpack_parts, (_a(2, 3), _a(2, 3), (_a(3), _a(3))), 0)],
    "srcdiff.runtime.unappend": [(h_unappend, (list(_L3),), 0)],
    "srcdiff.runtime_higher.unappend_adjoint": [
        (h_unappend_adjoint, ((_a(2), [_a(2), _a(2)]), list(_L3)), 0)],
    "srcdiff.runtime.unextend": [(h_unextend, (list(_L3), [_a(2), _a(2)]), 0)],
    "srcdiff.runtime_higher.unextend_adjoint": [
        (h_unextend_adjoint, (([_a(2), _a(2)], [_a(2)]), list(_L3), [_a(2), _a(2)]), 0)],
    "srcdiff.runtime_higher.unpop": [(h_unpop, ([_a(2), _a(2)], _a(2), [_a(2), _a(2)]),
                                      (0, 1))],
    "srcdiff.runtime.unstack": [(h_unstack, (_a(2, 3), [_a(2), _a(2), _a(2)]), 0)],
    "srcdiff.runtime_higher.unstack_adjoint": [
        (h_unstack_adjoint, ([_a(2), _a(2), _a(2)], _a(2, 3), [_a(2)] * 3), 0)],
    "srcdiff.runtime.unconcatenate": [(h_unconcatenate, (_a(5), [_a(2), _a(3)]), 0)],
    "srcdiff.runtime_higher.unconcatenate_adjoint": [
        (h_unconcatenate_adjoint, ([_a(2), _a(3)], _a(5), [_a(2), _a(3)]), 0)],
    "srcdiff.runtime.sum_adjoint": [(h_sum_adjoint, (_a(2), [_a(2), _a(3, 2)]), 0),
                                    (h_sum_adjoint, (_a(2), _a(3, 2)), 0)],
    "srcdiff.runtime_higher.unsum_adjoint": [
        (h_unsum_adjoint, ([_a(2), _a(3, 2)], _a(2), [_a(2), _a(3, 2)]), 0)],
    "srcdiff.runtime_higher.tangent_sum": [(h_tangent_sum, ([_a(2), _a(2), _a(2)],), 0)],
    "srcdiff.runtime.unarray": [(h_unarray, (_a(2, 3), [_a(3), _a(3)]), 0)],
    "srcdiff.runtime_numpy.unjoin": [(h_unjoin, (_a(7), [_a(3), _a(4)]), 0),
                                     (h_unjoin_c, (_a(3, 3), [_a(3), _a(3, 2)]), 0)],
    "srcdiff.runtime_numpy.join": [(h_join, ([_a(3), _a(2, 3)], [_a(3), _a(2, 3)]), 0),
                                   (h_join_dstack, ([_a(2, 3), _a(2, 3)],
                                                    [_a(2, 3), _a(2, 3)]), 0)],
    # (bilinear in g and a along an axis of length 2, so finite differences are exact)
    "srcdiff.runtime_numpy.scan": [(h_scan, (_a(3, 2), _a(3, 2)), (0, 1)),
                                   (h_scan, (_a(2, 4), _a(2, 4)), 0)],
    "srcdiff.runtime_numpy.revscan": [(h_revscan, (_a(2, 3), _a(2, 3)), (0, 1)),
                                      (h_revscan, (_a(5, 2), _a(5, 2)), 0)],
    "srcdiff.runtime_numpy.unselect": [(h_unselect, (_a(4), _a(4)), 0)],
    "srcdiff.runtime_numpy.reselect": [(h_reselect, ([_a(4), _a()], _a(4), _a(4)), 0)],
    "srcdiff.runtime_numpy.average_weights": [(h_average_weights, (_a(4), _a(3, 4)), 0)],
    "srcdiff.runtime_numpy.unaverage_weights": [(h_unaverage_weights,
                                                 (_a(2, 3, 4), _a(4, 2), _a(2, 3, 4)), 0)],
    "srcdiff.runtime_numpy.untile": [(h_untile, (_a(6, 4), _a(3, 4)), 0)],
    "srcdiff.runtime_numpy.unrepeat": [(h_unrepeat, (_a(3, 2), _a(3, 2)), 0),
                                       (h_unrepeat_flat, (_a(8), _a(2, 2)), 0)],
    "srcdiff.runtime_numpy.unpad": [(h_unpad, (_a(3, 6), _a(2, 3)), 0)],
    "srcdiff.runtime_numpy.undiagonal": [(h_undiagonal, (_a(3), _a(3, 4)), 0)],
    "srcdiff.runtime_numpy.undiag": [(h_undiag, (_a(4, 4), _a(3)), 0),
                                     (h_undiag_matrix, (_a(3), _a(3, 4)), 0)],
    "srcdiff.runtime_numpy.undiff": [(h_undiff, (_a(2, 3), _a(2, 5)), 0)],
    "srcdiff.runtime_numpy.ungradient": [(h_ungradient, ((_a(3, 4), _a(3, 4)), _a(3, 4)), 0),
                                         (h_ungradient_edge2, (_a(5), _a(5)), 0)],
    "srcdiff.runtime_numpy.untake": [(h_untake, (_a(2, 3), _a(2, 3)), 0),
                                     (h_untake_wrap, (_a(2), _a(2, 2)), 0)],
    "srcdiff.runtime_numpy.untake_along_axis": [(h_untake_along_axis, (_a(2, 3), _a(2, 3)), 0)],
    "srcdiff.runtime_higher.rearray": [(h_rearray, ([_a(3), _a(3)], _a(2, 3),
                                                    [_a(3), _a(3)]), 0)],
    "srcdiff.runtime_linalg.tensordot_da": [(h_tensordot_da, (_a(3, 5), _a(2, 3, 4),
                                                              _a(4, 2, 5)), (0, 2))],
    "srcdiff.runtime_linalg.tensordot_db": [(h_tensordot_db, (_a(3, 5), _a(2, 3, 4),
                                                              _a(4, 2, 5)), (0, 1))],
    "srcdiff.runtime_linalg.kron_da": [(h_kron_da, (_a(4, 6), _a(2, 3), _a(2, 2)), (0, 2)),
                                       (h_kron_da, (_a(2, 6), _a(3), _a(2, 2)), (0, 2))],
    "srcdiff.runtime_linalg.kron_db": [(h_kron_db, (_a(4, 6), _a(2, 3), _a(2, 2)), (0, 1))],
    "srcdiff.runtime_linalg.mT": [(h_mT, (_a(2, 3, 4),), 0)],
    "srcdiff.runtime_linalg.irfftn": [(h_irfftn, (_a(2, 5),), 0), (h_irfftn_2, (_a(2, 2),), 0)],
    "srcdiff.runtime_linalg.irfftn_adjoint": [(h_irfftn_adjoint, (_a(2, 7), _a(2, 3)), 0),
                                              (h_irfftn_adjoint_2, (_a(3, 4), _a(4, 2)), 0)],
    "srcdiff.runtime_linalg.banded_transpose": [(h_banded_transpose, (_a(4, 5),), 0)],
    "srcdiff.runtime_linalg.banded_matmul": [(h_banded_matmul, (_a(4, 5), _a(5, 2)), (0, 1)),
                                             (h_banded_matmul, (_a(4, 5), _a(5)), (0, 1))],
    "srcdiff.runtime_linalg.banded_outer": [(h_banded_outer, (_a(5, 2), _a(5, 2)), (0, 1)),
                                            (h_banded_outer, (_a(5), _a(5)), (0, 1))],
    "srcdiff.runtime.dict_from": [(h_dict_from, ([_a(2), _a(3), _a(2)],), 0)],
    "srcdiff.runtime.dict_parts": [(h_dict_parts, ([_a(2), _a(3), _a(2)],), 0)],
    "srcdiff.runtime.unfield": [(h_unfield, (_a(2),), 0)],
    "srcdiff.runtime.sequence": [(h_sequence, ([_a(2), _a(3)],), 0)],
    "srcdiff.runtime.unsequence": [(h_unsequence, ([_a(2), _a(2), _a(2)],), 0)],
    "srcdiff.runtime.field": [(h_field, (_a(2),), 0)],
}


def _runtime_rules():
    return [r for r in primitives.all_primitives()
            if r.name.startswith("srcdiff.runtime") and r.adjoint is not None]


def test_every_runtime_rule_has_a_case():
    missing = sorted(r.name for r in _runtime_rules() if r.name not in RUNTIME_CASES)
    assert not missing, "runtime rules without a case in RUNTIME_CASES: " + ", ".join(missing)


def _like(x, rng):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return type(x)(_like(v, rng) for v in x)
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


def _inner(a, b):
    if a is None or b is None:
        return 0.0
    if isinstance(a, (list, tuple)):
        return sum(_inner(u, v) for u, v in zip(a, b))
    return float(np.sum(np.asarray(a) * np.asarray(b)))


def _combine(x, v, eps):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return type(x)(_combine(a, b, eps) for a, b in zip(x, v))
    return x + eps * v


def _copy(x):
    if isinstance(x, (list, tuple)):
        return type(x)(_copy(v) for v in x)
    return x.copy() if isinstance(x, np.ndarray) else x


def _runtime_params():
    out = []
    for name in sorted(RUNTIME_CASES):
        for k, (fn, args, wrt) in enumerate(RUNTIME_CASES[name]):
            out.append(pytest.param(fn, args, wrt, id=f"{name}-{k}"))
    return out


@pytest.mark.parametrize("fn,args,wrt", _runtime_params())
def test_runtime_rule(fn, args, wrt):
    """The tangent rule against finite differences (the helpers are linear in
    the differentiated arguments), and <u, J v> (tangent rule) == <J^T u, v>
    (adjoint rule) for random u, v."""
    rng = np.random.default_rng(11)
    idx = list(wrt) if isinstance(wrt, tuple) else [wrt]
    v = [_like(args[i], rng) for i in idx]
    value, tangent = srcdiff.jvp(fn, wrt=wrt)(*_copy(args), tuple(v) if isinstance(
        wrt, tuple) else v[0])
    plus, minus = list(_copy(args)), list(_copy(args))
    for i, vi in zip(idx, v):
        plus[i] = _combine(args[i], vi, 1e-3)
        minus[i] = _combine(args[i], vi, -1e-3)
    u = _like(value, rng)
    fd = (_inner(u, fn(*plus)) - _inner(u, fn(*minus))) / 2e-3
    assert _inner(u, tangent) == pytest.approx(fd, rel=1e-7, abs=1e-9)
    back = higher._vjp_function(fn, wrt)(u, *_copy(args))
    back = list(back) if isinstance(wrt, tuple) else [back]
    assert sum(_inner(b, vi) for b, vi in zip(back, v)) == pytest.approx(
        _inner(u, tangent), rel=1e-9, abs=1e-10)


# ---------------------------------------------------------------------------
# second order through the NumPy rules of tests/cases/numpy_more.py
# ---------------------------------------------------------------------------


def _numpy_rule_cases():
    from cases.numpy_more import CASES
    out = []
    for name, entries in sorted(CASES.items()):
        for k, r in enumerate(e for e in entries if not isinstance(e, str)):
            i = r.wrt if isinstance(r.wrt, int) else r.wrt[0]
            # (not at ties, where finite differences are no derivative)
            if r.fd and name not in ("numpy.fmax", "numpy.fmin", "numpy.ptp"):
                out.append(pytest.param(r.fn, r.args, i, id=f"{name}-{k}"))
                break  # one per rule
    return out


@pytest.mark.parametrize("fn,args,i", _numpy_rule_cases())
def test_numpy_rule_hessian(fn, args, i):
    """Forward over reverse through each NumPy rule (the generated code, with its
    runtime helpers, differentiated again) against finite differences of the
    gradient."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        H = srcdiff.hessian(fn, wrt=i)(*args)
        ref = _fd_hessian(fn, args, i)
    np.testing.assert_allclose(H, ref, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------
# Hessians in one pass: the basis as a batch of tangents (forward.BatchedForward)
# ---------------------------------------------------------------------------


def mixed_ranks(x):
    s = np.sum(x ** 2)
    return np.sum(np.exp(0.1 * x) * s) + s * s


def axis_sums(x):
    return np.sum(np.sum(x, axis=0) ** 2) + np.sum(np.tanh(x) * x[..., :1])


def written(x):
    y = np.zeros(x.shape)
    y[0] = x[0] * x[-1]
    y[1:] = np.sin(x[1:]) * x[0]
    return np.sum(y * y)


def written_reference(x):   # (autograd does not write into arrays)
    return (x[0] * x[-1]) ** 2 + np.sum((np.sin(x[1:]) * x[0]) ** 2)


def through_helper(x):
    return np.sum(_helper(x, 2.0) * x)


@pytest.mark.parametrize("fn", [mixed_ranks, axis_sums, written, rosenbrock, through_helper],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(1,), (3,), (2, 3), (4, 1)], ids=str)
def test_hessian_in_one_pass_against_autograd(fn, shape):
    if fn in (written, rosenbrock) and len(shape) > 1:
        shape = (np.prod(shape),)
    x = np.linspace(-0.7, 0.9, int(np.prod(shape))).reshape(shape)
    H = srcdiff.hessian(fn)(x)
    reference = written_reference if fn is written else fn
    np.testing.assert_allclose(H, _ag_hessian(reference, (x,), 0).reshape(H.shape),
                               rtol=1e-9, atol=1e-10)


def test_hessian_batch_goes_through_gradient_code():
    """The gradient code of these functions (indices, writes, sums,
    broadcasting) takes the whole basis at once; a call of the user's function
    or the stack of a value overwritten does not (the Hessian then comes one
    direction at a time, as tested above)."""
    x = np.linspace(-0.7, 0.9, 6)
    for fn in (mixed_ranks, axis_sums, rosenbrock):
        gradient = higher._grad(fn, 0)
        key = (x.shape,)
        special = higher._specialized(gradient, (x,), key)
        assert special is not gradient
        assert higher._batched_jvp(special, 0) is not None, fn.__name__
    for fn in (through_helper, written):
        gradient = higher._grad(fn, 0)
        special = higher._specialized(gradient, (x,), (x.shape,))
        assert higher._batched_jvp(special, 0) is None, fn.__name__


def test_batched_jvp_source_indexes_behind_the_batch_axis():
    x = np.linspace(-0.7, 0.9, 6)
    gradient = higher._grad(rosenbrock, 0)
    special = higher._specialized(gradient, (x,), (x.shape,))
    text = higher.derivatives.source(special, 0, "jvp:batched")
    assert "x_dot[:, 1:]" in text and "x_bar_dot[:, :-1] = " in text


def index_in_a_variable(x):
    where = (Ellipsis, slice(1, None))
    return np.sum(x[where] ** 3) + np.sum(x[0] * x)


def test_hessian_of_an_index_held_in_a_variable():
    for shape in ((4,), (2, 3)):
        x = np.linspace(-0.7, 0.9, int(np.prod(shape))).reshape(shape)
        H = srcdiff.hessian(index_in_a_variable)(x)
        np.testing.assert_allclose(H, _ag_hessian(index_in_a_variable, (x,), 0).reshape(H.shape),
                                   rtol=1e-9, atol=1e-10)
