"""Products, ``np.linalg`` and ``np.fft`` beyond the rule cases
(``tests/cases/linalg.py``): second derivatives against autograd (forward over
reverse and reverse over reverse), what is refused and how, and the tuple
results of ``slogdet``, ``eigh``, ``svd`` and ``qr`` used in the ways code uses
them."""

import types
import warnings

import autograd
import gast
import numpy as np
import pytest

import srcdiff
from srcdiff import abstract, primitives
from srcdiff.errors import NoRuleError

from oracle import as_float_args, check_grad, oracle_grad, twin

_rng = np.random.default_rng(11)


def _r(*shape):
    return _rng.uniform(-1.0, 1.0, shape)


def _sym(n):
    m = _r(n, n)
    return m + m.T


# --- second derivatives -------------------------------------------------------------------------


def det(a):
    return np.linalg.det(a)


def det_batched(a):
    return np.sum(np.linalg.det(a) ** 2)


def logdet(a):
    sign, logdet = np.linalg.slogdet(a)
    return logdet


def inv(a):
    return np.sum(np.sin(np.linalg.inv(a)))


def solve_matrix(a):
    return np.sum(np.sin(np.linalg.solve(a, _B)))


def solve_rhs(b):
    return np.sum(np.sin(np.linalg.solve(_A, b)))


def norm(x):
    return np.linalg.norm(x) ** 3 + np.sum(np.linalg.norm(x, axis=1))


def norm_p(x):
    return np.linalg.norm(x, 3) * np.linalg.norm(x, 1.5)


def norm_nuc(x):
    return np.sin(np.linalg.norm(x, "nuc"))


def pinv(a):
    return np.sum(np.sin(np.linalg.pinv(a)))


def cholesky(a):
    return np.sum(np.sin(np.linalg.cholesky(a @ a.T + 3.0 * np.eye(3))))


def eigh_values(a):
    w, v = np.linalg.eigh(a)
    return np.sum(np.sin(w))


def svd_values(a):
    return np.sum(np.sin(np.linalg.svd(a, compute_uv=False)))


def einsum(a):
    return np.sum(np.sin(np.einsum("ij,jk,ki->i", a, a, a)))


def tensordot(a):
    return np.sum(np.sin(np.tensordot(a, a, axes=([1], [0]))))


def kron(a):
    return np.sum(np.sin(np.kron(a, a)))


def trace_and_dot(a):
    return np.trace(np.dot(a, a), 1) ** 2 + np.sum(np.sin(np.inner(a, a)))


def matrix_power(a):
    return np.sum(np.sin(np.linalg.matrix_power(a, 3)))


def irfft(x):
    return np.sum(np.sin(np.fft.irfft(x, 8, norm="ortho")))


_A = _r(3, 3) + 2.0 * np.eye(3)
_B = _r(3, 2)

SECOND = [(det, _r(3, 3)), (det_batched, _r(2, 2, 2)), (logdet, _r(3, 3) + 2.0 * np.eye(3)),
          (inv, _r(3, 3) + 2.0 * np.eye(3)), (solve_matrix, _r(3, 3) + 2.0 * np.eye(3)),
          (solve_rhs, _r(3, 2)), (norm, _r(2, 3)), (norm_p, _r(4)), (norm_nuc, _r(3, 2)),
          (pinv, _r(3, 2)), (cholesky, _r(3, 3)), (eigh_values, _sym(3)),
          (svd_values, _r(3, 2)), (einsum, _r(2, 2)), (tensordot, _r(2, 2)), (kron, _r(2, 2)),
          (trace_and_dot, _r(3, 3)), (matrix_power, _r(2, 2)), (irfft, _r(4))]


def _autograd_hessian(f, x):
    tw = twin(f)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        return autograd.hessian(tw)(as_float_args((x,), [0])[0])


@pytest.mark.parametrize("fn,x", SECOND, ids=[f.__name__ for f, _ in SECOND])
def test_second_derivatives(fn, x):
    # forward over reverse (srcdiff.hessian) against autograd
    H = srcdiff.hessian(fn)(x)
    if fn is matrix_power:   # (autograd has no rule: the same function by products)
        reference = _autograd_hessian(lambda a: np.sum(np.sin(a @ a @ a)), x)
    else:
        reference = _autograd_hessian(fn, x)
    np.testing.assert_allclose(H, reference, rtol=1e-7, atol=1e-9)
    # reverse over reverse: the gradient of <grad f, v>
    v = np.cos(np.arange(x.size)).reshape(x.shape)
    g = srcdiff.grad(fn)

    def directional(y):
        return np.sum(g(y) * v)
    np.testing.assert_allclose(srcdiff.grad(directional)(x),
                               np.reshape(np.reshape(H, (x.size, x.size)) @ np.ravel(v),
                                          x.shape), rtol=1e-7, atol=1e-9)


def det_along(t):
    return np.linalg.det(_A + t * _B @ _B.T)


def norm_along(t):
    return np.linalg.norm(_A * t + _B @ _B.T, "fro")


def solve_along(t):
    return np.sum(np.linalg.solve(_A + t * np.eye(3), _B))


@pytest.mark.parametrize("fn", [det_along, norm_along, solve_along])
@pytest.mark.parametrize("t", [-0.3, 0.4])
def test_derivative_order_2(fn, t):
    got = srcdiff.derivative(fn, order=2)(t)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        expected = autograd.grad(autograd.grad(twin(fn)))(t)
    assert got == pytest.approx(expected, rel=1e-8, abs=1e-10)


# --- tuple results, used as code uses them ------------------------------------------------------


def slogdet_whole(a):
    result = np.linalg.slogdet(a)
    return result[0] * result[1]


def eigh_indexed(a):
    w = np.linalg.eigh(a)[0]
    return np.sum(w ** 2)


def svd_loop(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    total = 0.0
    for i in range(s.shape[0]):
        total = total + s[i] * np.sum(u[:, i] * vh[i, :])
    return total


def qr_unused(a):
    q, r = np.linalg.qr(a)
    return np.sum(r ** 2)


def qr_r_by_definition(a):
    return np.sum(np.linalg.cholesky(a.T @ a) ** 2)


@pytest.mark.parametrize("fn,x", [(slogdet_whole, _r(3, 3)), (eigh_indexed, _sym(3)),
                                  (svd_loop, _r(3, 3))])
def test_tuple_results(fn, x):
    check_grad(fn, x)


def test_qr_part_unused():
    # R = cholesky(A^T A)^T up to the signs of its rows, which sum(r**2) does not see
    x = _r(4, 3)
    check_grad(qr_unused, x, expected=oracle_grad(qr_r_by_definition, (x,), 0))


# --- refusals ----------------------------------------------------------------------------------


def fft_roundtrip(x):
    return np.sum(np.real(np.fft.ifft(np.fft.fft(x))))


def rfft_power(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2)


def rfft2_sum(x):
    return np.sum(np.fft.rfft2(x))


@pytest.mark.parametrize("fn,name", [(fft_roundtrip, "np.fft.fft"),
                                     (rfft_power, "np.fft.rfft"),
                                     (rfft2_sum, "np.fft.rfft2")])
def test_complex_results_are_refused(fn, name):
    with pytest.raises(NoRuleError) as info:
        srcdiff.grad(fn)
    error = info.value
    assert name in error.message and "complex-valued" in error.message
    assert error.filename == __file__ and error.lineno is not None


def fft_of_constant(x):
    spectrum = np.fft.rfft(np.array([1.0, 2.0, 0.5, -1.0]))
    return np.sum(x * np.abs(spectrum))


def test_complex_values_that_carry_no_derivative():
    x = _r(3)
    np.testing.assert_allclose(srcdiff.grad(fft_of_constant)(x),
                               np.abs(np.fft.rfft(np.array([1.0, 2.0, 0.5, -1.0]))))


def eig_values(a):
    w, v = np.linalg.eig(a)
    return np.sum(w)


def svd_full(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(u)


def qr_wide(a):
    q, r = np.linalg.qr(a)
    return np.sum(r)


def norm_variable_order(x, p):
    return np.linalg.norm(x, p)


@pytest.mark.parametrize("fn,args,words", [
    (eig_values, (np.array([[0.0, 1.0], [-1.0, 0.0]]),), "complex eigenvalues"),
    (svd_full, (_r(3, 2),), "full_matrices=True"),
    (qr_wide, (_r(2, 3),), "at least as many rows"),
    (norm_variable_order, (_r(3), 2.0), "given as a variable")])
def test_refused_when_run(fn, args, words):
    with pytest.raises(NoRuleError, match=words):
        srcdiff.grad(fn)(*args)


def norm_order_0(x):
    return np.linalg.norm(x, 0)


def norm_minus_2(x):
    return np.linalg.norm(x, -2)


def einsum_variable(a, s):
    return np.sum(np.einsum(s, a))


def einsum_trailing_ellipsis(a, b):
    return np.sum(np.einsum("i...,i...->...", a, b))


def cross_positive_axis(a, b):
    return np.sum(np.cross(a, b, axis=0))


def power_too_high(a):
    return np.sum(np.linalg.matrix_power(a, 40))


def svd_hermitian(a):
    return np.sum(np.linalg.svd(a, hermitian=True, compute_uv=False))


@pytest.mark.parametrize("fn,args,words", [
    (norm_order_0, (_r(3),), "ord=0"), (norm_minus_2, (_r(2, 2),), "need an axis"),
    (einsum_variable, (_r(3), "i"), "constant string"),
    (einsum_trailing_ellipsis, (_r(2, 3), _r(2, 3)), "must lead"),
    (cross_positive_axis, (_r(3, 2), _r(3, 2)), "negative constant"),
    (power_too_high, (_r(2, 2),), "int constant"),
    (svd_hermitian, (_r(2, 2),), "hermitian")])
def test_refused_when_transforming(fn, args, words):
    with pytest.raises(NoRuleError, match=words) as info:
        srcdiff.grad(fn)(*args)
    assert info.value.filename == __file__ and info.value.lineno is not None


# --- generated code ------------------------------------------------------------------------


def test_generated_code_reads_like_the_maths():
    text = srcdiff.source(inv)
    assert "rt.mT(t1)" in text and "@" in text
    text = srcdiff.source(lambda a, b: np.sum(np.einsum("ij,jk->ik", a, b)), wrt=(0, 1))
    assert "np.einsum('ik,jk->ij'" in text and "np.einsum('ik,ij->jk'" in text


# --- shape rules ---------------------------------------------------------------------------

_ARRAYS = {"v3": _r(3), "v4": _r(4), "m23": _r(2, 3), "m34": _r(3, 4), "m33": _r(3, 3),
           "t234": _r(2, 3, 4), "t423": _r(4, 2, 3), "b233": _r(2, 3, 3), "m32": _r(3, 2),
           "t1234": _r(1, 2, 3, 4), "t542": _r(5, 4, 2), "t342": _r(3, 4, 2), "s": 1.5,
           "b232": _r(2, 3, 2), "spd": _r(3, 3) @ _r(3, 3).T + 3.0 * np.eye(3)}

SHAPED = ["m23 @ m34", "np.matmul(m23, m34)", "np.dot(t234, t542)", "np.dot(v4, t342)",
          "np.dot(s, m23)", "np.dot(m34, v4)", "np.inner(t234, m34)", "np.inner(v3, s)",
          "np.vdot(m23, m23)", "np.outer(m23, v4)", "np.tensordot(t234, m34)",
          "np.tensordot(t234, t423, axes=((0, 2), (1, 0)))", "np.tensordot(v3, v4, 0)",
          "np.kron(m23, v3)", "np.kron(s, m23)", "np.cross(m23, v3)",
          "np.cross(b233, v3, axis=-1)",
          "np.trace(t234, 1, 2, 0)", "np.trace(m34)",
          "np.einsum('ij,jk->ik', m23, m34)", "np.einsum('...ij,...jk', t1234, m34.T)",
          "np.einsum('ii->i', m33)", "np.einsum('ij,k', m23, v4)",
          "np.linalg.det(b233)", "np.linalg.inv(b233)", "np.linalg.pinv(m23)",
          "np.linalg.solve(m33, v3)", "np.linalg.solve(b233, b232)", "np.linalg.solve(m33, m32)",
          "np.linalg.cholesky(spd)", "np.linalg.matrix_power(m33, 2)",
          "np.linalg.norm(t234)", "np.linalg.norm(t234, axis=1)",
          "np.linalg.norm(t234, 'fro', (0, 2), True)", "np.linalg.norm(t234, 2, (-2, -1))",
          "np.linalg.norm(m23, 'nuc', keepdims=True)", "np.linalg.svd(m23, compute_uv=False)",
          "np.fft.fftshift(m23)", "np.fft.ifftshift(t234, axes=1)"]


def _rule_shape(text):
    """The result shape the rule of the call in ``text`` gives from the arrays'
    exact shapes (as the transformation computes it)."""
    call = gast.parse(text).body[0].value
    if isinstance(call, gast.BinOp):
        call = gast.Call(func=gast.parse("np.matmul").body[0].value,
                         args=[call.left, call.right], keywords=[])
    primitive = primitives.lookup(eval(compile(gast.gast_to_ast(gast.Expression(
        body=call.func)), "<rule>", "eval"), {"np": np}))
    args = list(call.args)
    shapes, values = {}, {}
    for i, a in enumerate(args):
        if isinstance(a, gast.Attribute):  # x.T
            name = f"{a.value.id}_T"
            shapes[name] = np.shape(_ARRAYS[a.value.id].T)
            args[i] = gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
    shapes.update({n: np.shape(v) for n, v in _ARRAYS.items()})
    rule, bindings = primitive.bind(args, {k.arg: k.value for k in call.keywords})
    op = types.SimpleNamespace(kind="rule", stmt=None, rule=rule, bindings=bindings)
    if rule.shape == "scalar":
        return ()
    return abstract._exact_shape(op, shapes, values, frozenset())


@pytest.mark.parametrize("text", SHAPED)
def test_shape_rules(text):
    expected = np.shape(eval(text, {"np": np, **_ARRAYS}))
    assert _rule_shape(text) == expected


def eig_sum(a):
    return np.sum(np.linalg.eig(a)[0])


def test_eig_of_complex_arrays_is_refused():
    """NumPy 2.5 and later give complex arrays from np.linalg.eig also where the
    eigenvalues are real: refused there (srcdiff's derivatives are real-valued)."""
    a = np.array([[2.0, 1.0], [0.5, 3.0]])
    if np.linalg.eig(a)[0].dtype.kind != "c":
        np.testing.assert_allclose(srcdiff.grad(eig_sum)(a), np.eye(2), atol=1e-12)
        return
    with pytest.raises(srcdiff.NoRuleError, match="complex"):
        srcdiff.grad(eig_sum)(a)
