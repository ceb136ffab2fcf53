"""Forward mode: ``jvp`` and ``jacobian``.

Every rule with an adjoint has a tangent; every corpus function satisfies the
dot-product identity between forward and reverse mode (<u, J v> from
``jvp`` == <J^T u, v> from ``grad``); control flow, in-place writes, lists,
helper calls and broadcasting against autograd and finite differences;
Jacobians of array-valued functions in both modes (and batched) against
``autograd.jacobian``.
"""

import io
import warnings

import autograd
import numpy as np
import pytest

import srcdiff
from srcdiff import cli, higher
from srcdiff import primitives

import corpus
from oracle import fd_grad, normalize_wrt, oracle_grad, twin

# ---------------------------------------------------------------------------
# the rule table
# ---------------------------------------------------------------------------


def test_every_adjoint_rule_has_a_tangent():
    missing = sorted(p.name for p in primitives.all_primitives()
                     if (p.adjoint is not None or p.variants is not None) and not p.has_tangent())
    assert not missing, "rules with an adjoint but no tangent: " + ", ".join(missing)


def test_tangent_rules_name_the_adjoints_operands():
    for p in primitives.all_primitives():
        if p.adjoint is not None and p.tangent is not None:
            assert tuple(p.tangent.params[1:]) == p.signature, p.name


# ---------------------------------------------------------------------------
# the corpus: forward == reverse
# ---------------------------------------------------------------------------

def _like(x, rng):
    if isinstance(x, (list, tuple)):
        return type(x)(_like(v, rng) for v in x)
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


def _inner(a, b):
    if isinstance(a, (list, tuple)):
        return sum(_inner(u, v) for u, v in zip(a, b))
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


def _corpus_params():
    out = []
    for c in corpus.CASES:
        for si in range(len(c.sigs)):
            out.append(pytest.param(c, si, id=f"{c.name}[{c.sig_desc(si)}]"))
    return out


@pytest.mark.parametrize("case,sig", _corpus_params())
def test_corpus_jvp_matches_grad(case, sig):
    args = case.args(sig, 0)
    wrt = case.wrts[0]
    idx, is_tuple = normalize_wrt(case.fn, wrt)
    rng = np.random.default_rng(sig)
    v = tuple(_like(args[i], rng) for i in idx)
    value, tangent = srcdiff.jvp(case.fn, wrt=wrt)(*args, v if is_tuple else v[0])
    np.testing.assert_allclose(value, case.fn(*args), rtol=1e-12, atol=1e-12)
    g = srcdiff.grad(case.fn, wrt=wrt)(*args)
    g = g if is_tuple else (g,)
    expected = sum(_inner(gi, vi) for gi, vi in zip(g, v))
    assert np.ndim(tangent) == 0
    assert float(tangent) == pytest.approx(expected, rel=1e-7, abs=1e-9), \
        srcdiff.source(case.fn, wrt=wrt, mode="jvp")


# ---------------------------------------------------------------------------
# constructs: control flow, writes, lists, helpers, broadcasting
# ---------------------------------------------------------------------------


def fwd_loop(x):
    s = 0.0
    for i in range(4):
        s = s + np.sin(x) * i
        x = x * 1.1
    return s


def fwd_while(a):
    x = max(a, 1.0)
    while abs(x * x - a) > 1e-14 * a:
        x = 0.5 * (x + a / x)
    return x


def fwd_branches(x, y):
    if x > y:
        z = x * y
    elif x > 0.0:
        z = np.exp(x) - y
    else:
        z = y * y
    return z * x


def fwd_break_continue(x):
    acc = 0.0
    for i in range(10):
        if i % 2 == 1:
            continue
        acc = acc + x ** i
        if acc > 50.0:
            break
    return acc


def fwd_early_return(x):
    for i in range(5):
        x = x * 1.5
        if x > 3.0:
            return x * x
    return -x


def fwd_writes(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = x[i] * x[(i + 1) % 3]
    out[0] = out[0] + 1.0
    return np.sum(out * out)


def fwd_write_shares(x):
    y = x + 1.0
    y[0] = 0.0
    return np.sum(y * x)


def fwd_lists(x):
    parts = []
    h = x
    for i in range(3):
        h = np.tanh(h) * 1.5
        parts.append(h)
    last = parts.pop()
    return np.sum(np.stack(parts)) + np.sum(last * last)


def _fwd_helper(u, k):
    return u * np.cos(u) * k


def fwd_helper_calls(x):
    t = 0.0
    for k in range(3):
        t = t + _fwd_helper(x, k + 1.0)
    return np.sum(t)


def fwd_nested(x):
    def inner(t):
        return t * t + x
    return inner(x) * inner(2.0)


def fwd_recursive(x, n):
    if n == 0:
        return x
    return np.sin(fwd_recursive(x, n - 1)) + x


def fwd_broadcast_scalar(x):
    v = x * np.arange(3.0)
    s = 0.0
    for i in range(2):
        s = s + np.sum(v * v) + x
    return s


def fwd_zero_tangent_branch(x, c):
    if c > 0.0:
        y = np.ones(3) * 2.0
    else:
        y = x * 3.0
    return np.sum(y * x)


def fwd_tuple_unpack(x, y):
    a, b = x * y, np.sin(x)
    a, b = b, a
    return a * b + b


CONSTRUCTS = [
    (fwd_loop, (0.7,), 0),
    (fwd_while, (2.0,), 0),
    (fwd_branches, (1.2, 0.5), (0, 1)),
    (fwd_branches, (0.3, 0.5), (0, 1)),
    (fwd_branches, (-0.3, 0.5), (0, 1)),
    (fwd_break_continue, (1.7,), 0),
    (fwd_early_return, (0.9,), 0),
    (fwd_early_return, (-0.9,), 0),
    (fwd_writes, (np.array([0.5, -1.0, 2.0]),), 0),
    (fwd_write_shares, (np.array([0.5, -1.0, 2.0]),), 0),
    (fwd_lists, (np.array([0.3, -0.6]),), 0),
    (fwd_helper_calls, (np.array([0.3, -0.6]),), 0),
    (fwd_nested, (0.4,), 0),
    (fwd_recursive, (0.4, 3), 0),
    (fwd_broadcast_scalar, (0.8,), 0),
    (fwd_zero_tangent_branch, (np.array([0.1, 0.2, 0.3]), 1.0), 0),
    (fwd_zero_tangent_branch, (np.array([0.1, 0.2, 0.3]), -1.0), 0),
    (fwd_tuple_unpack, (0.4, -1.3), (0, 1)),
]

_WRITES = {fwd_writes, fwd_write_shares}


@pytest.mark.parametrize("fn,args,wrt", CONSTRUCTS,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CONSTRUCTS)])
def test_jvp_constructs(fn, args, wrt):
    idx, is_tuple = normalize_wrt(fn, wrt)
    rng = np.random.default_rng(3)
    v = tuple(_like(args[i], rng) for i in idx)
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    value, tangent = srcdiff.jvp(fn, wrt=wrt)(*copies, v if is_tuple else v[0])
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)  # arguments are not changed
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    fd = fd_grad(fn, args, wrt)
    fd = fd if is_tuple else (fd,)
    assert float(tangent) == pytest.approx(sum(_inner(g, vi) for g, vi in zip(fd, v)),
                                           rel=1e-5, abs=1e-6)
    if fn not in _WRITES:  # autograd cannot trace element writes
        ref = oracle_grad(fn, args, wrt)
        ref = ref if is_tuple else (ref,)
        assert float(tangent) == pytest.approx(
            sum(_inner(g, vi) for g, vi in zip(ref, v)), rel=1e-9, abs=1e-12)


def test_jvp_source_reads_like_forward_mode():
    text = srcdiff.source(fwd_loop, mode="jvp")
    assert text.startswith("def fwd_loop_jvp(x_dot, x):")
    assert "for i in" in text and "x_dot = " in text and "_stack" not in text
    assert text.rstrip().endswith("return (s, s_dot)")
    text = srcdiff.source(fwd_while, mode="jvp")
    assert "while True:" in text and "_stack" not in text


def test_jvp_tuple_wrt_and_names():
    value, tangent = srcdiff.jvp(fwd_branches, wrt=("x", "y"))(1.2, 0.5, (1.0, 0.0))
    assert value == pytest.approx(fwd_branches(1.2, 0.5))
    assert tangent == pytest.approx(oracle_grad(fwd_branches, (1.2, 0.5), 0))
    with pytest.raises(srcdiff.WrtError):
        srcdiff.jvp(fwd_branches, wrt="z")


def test_jvp_output_independent_of_wrt():
    def f(x, y):
        return y * 2.0
    assert srcdiff.jvp(f)(1.0, 3.0, 1.0) == (6.0, 0.0)


def test_cli_mode_forward(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("import numpy as np\n\ndef f(x):\n    return np.sin(x) * x\n")
    out = io.StringIO()
    assert cli.main([f"{path}:f", "--mode", "forward"], stdout=out) == 0
    assert out.getvalue() == (
        "def f_jvp(x_dot, x):\n"
        "    t1 = np.sin(x)\n"
        "    t1_dot = x_dot * np.cos(x)\n"
        "    y = t1 * x\n"
        "    y_dot = t1_dot * x + t1 * x_dot\n"
        "    return (y, y_dot)\n")
    assert cli.main([f"{path}:f", "--mode", "forward", "--order", "2"],
                    stdout=io.StringIO()) == 2


# ---------------------------------------------------------------------------
# Jacobians, and <u, J v> == <J^T u, v> for array-valued functions
# ---------------------------------------------------------------------------

def jac_elementwise(x):
    return np.sin(x) * x + np.exp(-x) * 2.0


def jac_matrix(x):
    return _A @ np.tanh(x) + x[0]


def jac_reduce(x):
    return np.sum(x * x, axis=1) + np.max(x, axis=0)[0]


def jac_loop_writes(x):
    out = np.zeros(x.shape[0] + 1)
    for i in range(x.shape[0]):
        out[i + 1] = out[i] * 0.5 + x[i] ** 2
    return out


def jac_loop_writes_functional(x):
    """jac_loop_writes without item assignment (autograd cannot trace that)."""
    out = [0.0 * x[0]]
    for i in range(x.shape[0]):
        out.append(out[i] * 0.5 + x[i] ** 2)
    return np.array(out)


def jac_wide(x):
    return np.array([np.sum(x * x), np.prod(x)])


_A = np.array([[1.0, 2.0, -1.0], [0.5, -0.3, 0.8]])

JACOBIANS = [
    (jac_elementwise, np.array([0.1, -0.7, 1.3]), True),
    (jac_elementwise, np.array([[0.1, -0.7], [1.3, 0.2]]), True),
    (jac_matrix, np.array([0.2, 0.4, -0.6]), False),
    (jac_reduce, np.array([[0.2, 0.4], [-0.6, 0.9]]), False),
    (jac_loop_writes, np.array([0.2, 0.4, -0.6]), False),
    (jac_wide, np.array([0.2, 0.4, -0.6, 1.1]), False),
]


@pytest.mark.parametrize("fn,x,batchable", JACOBIANS,
                         ids=[f"{j[0].__name__}-{k}" for k, j in enumerate(JACOBIANS)])
def test_jacobian(fn, x, batchable):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        oracle = jac_loop_writes_functional if fn is jac_loop_writes else fn
        ref = autograd.jacobian(twin(oracle))(x)
    for mode in (None, "forward", "reverse"):
        J = srcdiff.jacobian(fn, mode=mode)(x)
        np.testing.assert_allclose(J, ref, rtol=1e-9, atol=1e-12, err_msg=str(mode))
    assert srcdiff.jvp(fn).__srcdiff_unit__.batchable is batchable
    # <u, J v> (forward) == <J^T u, v> (reverse) for random u, v
    rng = np.random.default_rng(0)
    y = fn(x)
    u, v = rng.standard_normal(np.shape(y)), rng.standard_normal(x.shape)
    _, jv = srcdiff.jvp(fn)(x, v)
    jtu = higher._vjp_function(fn, 0)(u.copy(), x)
    assert _inner(u, jv) == pytest.approx(_inner(jtu, v), rel=1e-10, abs=1e-12)


def test_jacobian_batched_is_one_call(monkeypatch):
    calls = []
    raw = higher._jvp_raw(jac_elementwise, 0)[0]

    def counting(*a, **k):
        calls.append(np.shape(a[0]))
        return raw(*a, **k)
    counting.__srcdiff_unit__ = raw.__srcdiff_unit__
    monkeypatch.setitem(higher._functions, jac_elementwise, {(0, "jvp"): (counting, False)})
    J = srcdiff.jacobian(jac_elementwise, mode="forward")(np.array([0.1, 0.2, 0.3, 0.4]))
    assert calls == [(4, 4)]
    np.testing.assert_allclose(J, np.diag(np.cos([0.1, 0.2, 0.3, 0.4]) * [0.1, 0.2, 0.3, 0.4]
                                          + np.sin([0.1, 0.2, 0.3, 0.4])
                                          - 2 * np.exp(-np.array([0.1, 0.2, 0.3, 0.4]))))


def test_jacobian_of_several_arguments():
    def f(x, y):
        return x * y[0] + np.sin(x) * y[1]
    x, y = np.array([0.3, 0.5]), np.array([2.0, -1.0])
    Jx, Jy = srcdiff.jacobian(f, wrt=(0, 1))(x, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        np.testing.assert_allclose(Jx, autograd.jacobian(twin(f), 0)(x, y), rtol=1e-12)
        np.testing.assert_allclose(Jy, autograd.jacobian(twin(f), 1)(x, y), rtol=1e-12)


def test_jacobian_of_scalar_function_is_the_gradient():
    x = np.array([0.2, 0.4, -0.6])
    f = corpus.get("red_sum").fn
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(srcdiff.jacobian(f, mode=mode)(x), srcdiff.grad(f)(x),
                                   rtol=1e-12)
