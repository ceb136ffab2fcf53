"""Rule cases of products, ``np.linalg`` and ``np.fft`` (srcdiff/rules/products.py,
linalg_rules.py, fft_rules.py).

Where autograd has no rule (``np.vdot``, ``np.linalg.qr``, ``matrix_power``,
``trace`` over other axes, matrix norms of ord 1, 2, inf ...) or a narrower
one (``irfft`` of an odd length), the reference is autograd applied to the
same function written another way (``_via``): by definition (Gram-Schmidt
for QR, repeated products for powers, sums and maxima for norms) or through
the matrix of a linear map.  Finite differences check every case as well,
except where noted.
"""

import numpy as np

from oracle import oracle_grad
from rules_support import R

_rng = np.random.default_rng(2024)


def _r(*shape):
    return _rng.uniform(-1.0, 1.0, shape)


def _spd(*shape):
    """Symmetric positive definite (a stack of them)."""
    m = _r(*shape)
    return m @ np.swapaxes(m, -1, -2) + shape[-1] * np.eye(shape[-1])


def _sym(*shape):
    m = _r(*shape)
    return m + np.swapaxes(m, -1, -2)


_NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"
_VECTORS = _r(3) if _NUMPY2 else _r(2, 3)


def _via(alternative, wrt=0):
    """The gradient autograd gives for ``alternative`` (the same function written
    with what autograd differentiates), as an ``expected`` of ``R``."""
    return lambda *args: oracle_grad(alternative, args, wrt)


def _weights(shape):
    return np.cos(np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape))


# --- matmul, dot, inner, vdot, outer ---------------------------------------------------------


def matmul_batched(a, b):
    return np.sum(np.sin(a @ b))


def np_matmul_batched(a, b):
    return np.sum(np.sin(np.matmul(a, b)) * _weights(np.shape(np.matmul(a, b))))


def dot_nd(a, b):
    return np.sum(np.sin(np.dot(a, b)))


def dot_method_nd(a, b):
    return np.sum(np.sin(a.dot(b)))


def inner_nd(a, b):
    return np.sum(np.sin(np.inner(a, b)))


def vdot(a, b):
    return np.vdot(a, b) ** 2


def vdot_by_definition(a, b):
    return np.sum(np.ravel(a) * np.ravel(b)) ** 2


def outer_nd(a, b):
    return np.sum(np.sin(np.outer(a, b)))


def outer_flat(a, b):
    return np.sum(np.sin(np.outer(np.ravel(a), np.ravel(b))))


# --- tensordot, einsum, kron, cross, trace ------------------------------------------------------


def tensordot_default(a, b):
    return np.sum(np.sin(np.tensordot(a, b)))


def tensordot_one(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=1)))


def tensordot_pairs(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=([0, 2], [1, 0]))))


def tensordot_zero(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=0)))


def einsum_matmul(a, b):
    return np.sum(np.sin(np.einsum("ij,jk->ik", a, b)))


def einsum_implicit(a, b):
    return np.sum(np.sin(np.einsum("ij,jk", a, b)))


def einsum_implicit_transpose(a):
    return np.sum(np.einsum("ji", a) * _weights((3, 2)))


def einsum_three(a, b, c):
    return np.einsum("ij,jk,k->", a, b, c) ** 2


def einsum_batched(a, b):
    return np.sum(np.sin(np.einsum("...ij,...jk->...ik", a, b)))


def einsum_outer_sum(a, b):
    # 'j' is summed over operand a alone: its adjoint comes with np.ones
    return np.sum(np.sin(np.einsum("ij,k->ik", a, b)))


def einsum_same_operand(a):
    return np.einsum("ij,ij->", a, a)


def einsum_diagonal(a):
    return np.sum(np.einsum("ii->i", a) ** 2)


def diagonal_by_mask(a):
    return np.sum(np.sum(a * np.eye(a.shape[0]), axis=1) ** 2)


def einsum_trace(a):
    return np.einsum("ii", a) ** 2


def trace_squared(a):
    return np.trace(a) ** 2


def kron_matrices(a, b):
    return np.sum(np.sin(np.kron(a, b)) * _weights(np.shape(np.kron(a, b))))


def cross_vectors(a, b):
    return np.sum(np.cross(a, b) * np.array([1.0, -2.0, 0.5]))


def cross_batched(a, b):
    return np.sum(np.sin(np.cross(a, b)))


def cross_broadcast_by_hand(a, b):
    return np.sum(np.sin(np.cross(a, b * np.ones(a.shape))))


def cross_axis(a, b):
    return np.sum(np.sin(np.cross(a, b, axis=-2)))


def trace_offset(a):
    return np.trace(a, 1) ** 2


def trace_axes(a):
    return np.sum(np.sin(np.trace(a, -1, 0, 2)))


def trace_axes_by_mask(a):
    mask = np.reshape(np.eye(3, 4, k=-1), (3, 1, 4))
    return np.sum(np.sin(np.sum(a * mask, axis=(0, 2))))


def trace_method(a):
    return a.trace(axis1=1, axis2=2) @ np.array([1.0, 2.0])


def trace_method_by_mask(a):
    return np.sum(a * np.eye(3)[None, :, :], axis=(1, 2)) @ np.array([1.0, 2.0])


# --- np.linalg ----------------------------------------------------------------------------------


def det(a):
    return np.sum(np.linalg.det(a) ** 2)


def slogdet(a):
    sign, logdet = np.linalg.slogdet(a)
    return np.sum(logdet * sign)


def slogdet_indexed(a):
    result = np.linalg.slogdet(a)
    return result[1] * 2.0


def inv(a):
    return np.sum(np.sin(np.linalg.inv(a)))


def inv_weighted(a):
    return np.sum(np.linalg.inv(a) * np.array([[1.0, 2.0], [-1.0, 0.5]]))


def pinv(a):
    return np.sum(np.sin(np.linalg.pinv(a)))


def solve(a, b):
    return np.sum(np.sin(np.linalg.solve(a, b)))


def solve_broadcast_by_hand(a, b):
    return np.sum(np.sin(np.linalg.solve(a, b * np.ones((2, 3, 2)))))


def solve_vector_by_hand(a, b):
    # (a column, broadcast by hand: autograd's solve takes neither)
    return np.sum(np.sin(np.linalg.solve(a, b[..., None] * np.ones((2, 3, 1)))[..., 0]))


def cholesky(a):
    return np.sum(np.sin(np.linalg.cholesky((a + np.einsum("...ij->...ji", a)) / 2.0)))


def cholesky_raw(a):
    # autograd's convention: the derivative is symmetric
    return np.sum(np.sin(np.linalg.cholesky(a)))


def eigh(a):
    w, v = np.linalg.eigh(a)
    # (a function of the eigenvectors that does not depend on their signs)
    return np.sum(w * np.arange(1.0, 1.0 + w.shape[-1])) + np.sum(v ** 2 * _weights(v.shape))


def eigh_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(w ** 3) + np.sum(v ** 2 * _weights(v.shape))


def eigh_values(a):
    w, v = np.linalg.eigh(a)
    return np.sum(np.sin(w))


def eig(a):
    w, v = np.linalg.eig(a)
    return np.sum(w * w) + np.sum(v ** 2 * _weights(v.shape))


def svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(s * np.arange(1.0, 1.0 + s.shape[-1])) \
        + np.sum((u[..., :, :1] * vh[..., :1, :]) ** 3)


def svd_square(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(s ** 2) + np.sum((u @ vh) * _weights(a.shape))


def svd_square_reduced(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(s ** 2) + np.sum((u @ vh) * _weights(a.shape))


def svd_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) ** 3)


def qr(a):
    # (functions of Q and R that do not depend on the signs of Q's columns)
    q, r = np.linalg.qr(a)
    return np.sum(q ** 2 * _weights(q.shape)) + np.sum(r ** 2 * _weights(r.shape)) \
        + np.sum(np.sin(q[:, :1] * r[:1, :]))


def qr_r(a):
    return np.sum(np.linalg.qr(a, mode="r") ** 4 * _weights((2, 2)))


def _gram_schmidt(a):
    """(Q, R) of a matrix with at least as many rows as columns, by Gram-Schmidt."""
    qs, rs = [], []
    for j in range(a.shape[1]):
        v = a[:, j]
        coefficients = [np.sum(q * a[:, j]) for q in qs]
        for q, c in zip(qs, coefficients):
            v = v - c * q
        norm = np.sqrt(np.sum(v * v))
        qs.append(v / norm)
        rs.append(np.concatenate([np.array(coefficients), np.array([norm]),
                                  np.zeros(a.shape[1] - j - 1)]))
    return np.stack(qs, axis=1), np.stack(rs, axis=1)


def qr_by_gram_schmidt(a):
    q, r = _gram_schmidt(a)
    return np.sum(q ** 2 * _weights(q.shape)) + np.sum(r ** 2 * _weights(r.shape)) \
        + np.sum(np.sin(q[:, :1] * r[:1, :]))


def qr_r_by_gram_schmidt(a):
    return np.sum(_gram_schmidt(a)[1] ** 4 * _weights((2, 2)))


def matrix_power_3(a):
    return np.sum(np.sin(np.linalg.matrix_power(a, 3)))


def power_3_by_products(a):
    return np.sum(np.sin(a @ a @ a))


def matrix_power_0(a):
    return np.sum(np.linalg.matrix_power(a, 0) * a)


def identity_by_products(a):
    return np.sum(np.eye(a.shape[0]) * a)


def matrix_power_1(a):
    return np.sum(np.sin(np.linalg.matrix_power(a, 1)))


def power_1_by_products(a):
    return np.sum(np.sin(a))


def matrix_power_negative(a):
    return np.sum(np.sin(np.linalg.matrix_power(a, -2)))


def power_negative_by_products(a):
    b = np.linalg.inv(a)
    return np.sum(np.sin(b @ b))


def norm(x):
    return np.linalg.norm(x) ** 3


def norm_fro_axes(x):
    return np.sum(np.sin(np.linalg.norm(x, "fro", axis=(0, 2), keepdims=True) * x))


def norm_fro_axes_by_definition(x):
    return np.sum(np.sin(np.sqrt(np.sum(x * x, axis=(0, 2), keepdims=True)) * x))


def norm_axis(x):
    return np.sum(np.linalg.norm(x, axis=1) * np.array([1.0, -2.0, 0.5]))


def norm_axis_by_definition(x):
    return np.sum(np.sqrt(np.sum(x * x, axis=1)) * np.array([1.0, -2.0, 0.5]))


def _rows_over_norms(x):
    """x / |x| row by row, a zero row giving zeros (the subgradient of least norm)."""
    n = np.sqrt(np.sum(x * x, axis=1, keepdims=True))
    return x / np.where(n == 0.0, 1.0, n)


def norm_p(x):
    return np.linalg.norm(x, 3)


def norm_p_by_definition(x):
    return np.sum(np.abs(x) ** 3) ** (1.0 / 3.0)


def norm_half(x):
    return np.sum(np.linalg.norm(x, 0.5, axis=0))


def norm_half_by_definition(x):
    return np.sum(np.sum(np.abs(x) ** 0.5, axis=0) ** 2.0)


def norm_minus_one_vector(x):
    return np.linalg.norm(x, -1, axis=-1) ** 2


def norm_minus_one_by_definition(x):
    return (1.0 / np.sum(1.0 / np.abs(x))) ** 2


def norm_1_vector(x):
    return np.linalg.norm(x, 1) ** 2


def norm_1_vector_by_definition(x):
    return np.sum(np.abs(x)) ** 2


def norm_inf_vector(x):
    return np.linalg.norm(x, np.inf)


def norm_inf_vector_by_definition(x):
    return np.max(np.abs(x))


def norm_minus_inf_axis(x):
    return np.sum(np.linalg.norm(x, -np.inf, axis=0, keepdims=True) * x)


def norm_minus_inf_by_definition(x):
    return np.sum(np.min(np.abs(x), axis=0, keepdims=True) * x)


def norm_1_matrix(x):
    return np.linalg.norm(x, 1) ** 2


def norm_1_matrix_by_definition(x):
    return np.max(np.sum(np.abs(x), axis=0)) ** 2


def norm_minus_1_matrix(x):
    return np.sum(np.linalg.norm(x, -1, axis=(1, 2)))


def norm_minus_1_matrix_by_definition(x):
    return np.sum(np.min(np.sum(np.abs(x), axis=1), axis=1))


def norm_inf_matrix(x):
    return np.linalg.norm(x, np.inf) ** 2


def norm_inf_matrix_by_definition(x):
    return np.max(np.sum(np.abs(x), axis=1)) ** 2


def norm_nuc(x):
    return np.linalg.norm(x, "nuc")


def norm_nuc_batched(x):
    return np.sum(np.sin(np.linalg.norm(x, "nuc", axis=(-2, -1))))


def norm_nuc_by_svd(x):
    return np.sum(np.sin(np.sum(np.linalg.svd(x, compute_uv=False), axis=-1)))


def norm_2_matrix(x):
    return np.linalg.norm(x, 2) ** 2


def norm_2_matrix_by_svd(x):
    return np.linalg.svd(x, compute_uv=False)[0] ** 2


def norm_2_batched(x):
    return np.sum(np.linalg.norm(x, 2, axis=(-2, -1), keepdims=True) * x)


def norm_2_batched_by_svd(x):
    s = np.linalg.svd(x, compute_uv=False)[:, :1]
    return np.sum(s[:, :, None] * x)


def norm_minus_2_matrix(x):
    return np.sum(np.sin(np.linalg.norm(x, -2, axis=(-2, -1))))


def norm_minus_2_by_svd(x):
    return np.sum(np.sin(np.linalg.svd(x, compute_uv=False)[..., -1]))


def norm_2_vector(x):
    return np.linalg.norm(x, 2) ** 2


# --- np.fft -------------------------------------------------------------------------------------


def fftshift(x):
    return np.sum(np.fft.fftshift(x) * _weights(x.shape))


def fftshift_axes(x):
    return np.sum(np.sin(np.fft.fftshift(x, axes=1)) * _weights(x.shape))


def ifftshift(x):
    return np.sum(np.fft.ifftshift(x) * _weights(x.shape))


def ifftshift_axes(x):
    return np.sum(np.fft.ifftshift(x, axes=(0,)) ** 2 * _weights(x.shape))


def irfft(x):
    return np.sum(np.sin(np.fft.irfft(x)))


def irfft_length(x):
    return np.sum(np.sin(np.fft.irfft(x, 7)))


def irfft_length_by_matrix(x):
    return np.sum(np.sin(np.fft.irfft(np.eye(x.shape[0]), 7).T @ x))


def irfft_padded(x):
    return np.sum(np.sin(np.fft.irfft(x, 12, norm="ortho")))


def irfft_forward(x):
    return np.sum(np.sin(np.fft.irfft(x, 6, axis=0, norm="forward")) * _weights((6, 2)))


def irfft_forward_by_matrix(x):
    m = np.fft.irfft(np.eye(x.shape[0]), 6, norm="forward").T
    return np.sum(np.sin(m @ x) * _weights((6, 2)))


def irfft2(x):
    return np.sum(np.sin(np.fft.irfft2(x)) * _weights((3, 6)))


def irfft2_axes(x):
    return np.sum(np.sin(np.fft.irfft2(x, s=(4, 4), axes=(0, 1))))


def irfftn(x):
    return np.sum(np.sin(np.fft.irfftn(x, s=(2, 3, 5), axes=(0, 1, 2))))


def irfftn_by_matrix(x):
    n = x.size
    m = np.reshape(np.fft.irfftn(np.reshape(np.eye(n), (n,) + x.shape), s=(2, 3, 5),
                                 axes=(1, 2, 3)), (n, 30)).T
    return np.sum(np.sin(m @ np.ravel(x)))


def irfftn_default(x):
    return np.sum(np.sin(np.fft.irfftn(x)) * _weights((2, 2, 6)))


CASES = {
    # products
    "operator.matmul": ["op_matmul_mv", "op_matmul_mm", "op_matmul_quadratic", "op_matmul_vv",
                        "op_matmul_batched",
                        R(matmul_batched, _r(2, 3, 4), _r(4, 2), wrt=(0, 1)),
                        R(matmul_batched, _r(3, 1, 2, 4), _r(2, 4, 3), wrt=(0, 1)),
                        R(matmul_batched, _r(4), _r(2, 4, 3), wrt=(0, 1)),
                        R(matmul_batched, _r(2, 3, 4), _r(4), wrt=(0, 1))],
    "numpy.matmul": ["np_matmul",
                     R(np_matmul_batched, _r(2, 1, 3, 4), _r(3, 4, 2), wrt=(0, 1)),
                     R(np_matmul_batched, _r(3, 4), _r(2, 4, 2), wrt=(0, 1))],
    "numpy.dot": ["np_dot_mv", "np_dot_vv", "np_dot_mm", "np_dot_scalar",
                  R(dot_nd, _r(2, 3, 4), _r(5, 4, 2), wrt=(0, 1)),
                  R(dot_nd, _r(2, 3, 4), _r(4), wrt=(0, 1)),
                  R(dot_nd, _r(4), _r(2, 4, 3), wrt=(0, 1)),
                  R(dot_nd, 1.5, _r(2, 3, 2), wrt=(0, 1))],
    "ndarray.dot": ["meth_dot", R(dot_method_nd, _r(2, 3, 4), _r(4, 2), wrt=(0, 1))],
    "numpy.inner": ["np_inner",
                    R(inner_nd, _r(2, 3, 4), _r(5, 4), wrt=(0, 1)),
                    R(inner_nd, _r(3, 4), _r(4), wrt=(0, 1)),
                    R(inner_nd, _r(3), _r(2, 2, 3), wrt=(0, 1)),
                    R(inner_nd, -0.7, _r(2, 3), wrt=(0, 1))],
    "numpy.vdot": [R(vdot, _r(4), _r(4), wrt=(0, 1), expected=_via(vdot_by_definition, (0, 1))),
                   R(vdot, _r(2, 3), _r(3, 2), wrt=(0, 1),
                     expected=_via(vdot_by_definition, (0, 1)))],
    "numpy.outer": ["np_outer", R(outer_nd, _r(2, 2), _r(3), wrt=(0, 1),
                                  expected=_via(outer_flat, (0, 1)))],
    "numpy.tensordot": [R(tensordot_default, _r(2, 3, 4), _r(3, 4, 2), wrt=(0, 1)),
                        R(tensordot_one, _r(2, 3), _r(3, 4), wrt=(0, 1)),
                        R(tensordot_one, _r(3), _r(3), wrt=(0, 1)),
                        R(tensordot_pairs, _r(2, 3, 4), _r(4, 2, 5), wrt=(0, 1)),
                        R(tensordot_zero, _r(2), _r(3, 2), wrt=(0, 1))],
    "numpy.einsum": [R(einsum_matmul, _r(2, 3), _r(3, 4), wrt=(0, 1)),
                     R(einsum_implicit, _r(2, 3), _r(3, 4), wrt=(0, 1)),
                     R(einsum_implicit_transpose, _r(2, 3)),
                     R(einsum_three, _r(2, 3), _r(3, 4), _r(4), wrt=(0, 1, 2)),
                     R(einsum_batched, _r(2, 2, 3), _r(3, 4), wrt=(0, 1)),
                     R(einsum_batched, _r(2, 1, 2, 3), _r(3, 3, 4), wrt=(0, 1)),
                     R(einsum_outer_sum, _r(2, 3), _r(4), wrt=(0, 1)),
                     R(einsum_same_operand, _r(3, 2)),
                     R(einsum_diagonal, _r(3, 3), expected=_via(diagonal_by_mask)),
                     R(einsum_trace, _r(3, 3), expected=_via(trace_squared))],
    "numpy.kron": [R(kron_matrices, _r(2, 3), _r(3, 2), wrt=(0, 1)),
                   R(kron_matrices, _r(2), _r(3, 2), wrt=(0, 1)),
                   R(kron_matrices, _r(2, 2, 1), _r(2), wrt=(0, 1)),
                   R(kron_matrices, 0.8, _r(2, 2), wrt=(0, 1))],
    "numpy.cross": [R(cross_vectors, _r(3), _r(3), wrt=(0, 1)),
                    R(cross_batched, _r(4, 3), _r(4, 3), wrt=(0, 1)),
                    R(cross_batched, _r(2, 4, 3), _r(3), wrt=(0, 1),
                      expected=_via(cross_broadcast_by_hand, (0, 1))),
                    R(cross_axis, _r(3, 2), _r(3, 2), wrt=(0, 1))],
    "numpy.trace": ["np_trace", R(trace_offset, _r(3, 4)), R(trace_offset, _r(4, 2)),
                    R(trace_axes, _r(3, 2, 4), expected=_via(trace_axes_by_mask))],
    "ndarray.trace": ["meth_trace", R(trace_method, _r(2, 3, 3),
                                      expected=_via(trace_method_by_mask))],
    # np.linalg
    "numpy.linalg.det": [R(det, _r(3, 3)), R(det, _r(2, 3, 3)), R(det, _r(1, 1)),
                         # near-singular: the derivative exists (rows almost equal)
                         R(det, np.array([[1.0, 2.0], [1.0, 2.0 + 1e-7]]))],
    "numpy.linalg.slogdet": [R(slogdet, _r(3, 3)), R(slogdet, _r(2, 4, 4)),
                             R(slogdet_indexed, _r(3, 3))],
    "numpy.linalg.inv": [R(inv, _r(3, 3) + 2 * np.eye(3)), R(inv, _r(2, 3, 3) + 2 * np.eye(3)),
                         # near-singular
                         R(inv_weighted, np.array([[1.0, 2.0], [1.0, 2.01]]))],
    "numpy.linalg.pinv": [R(pinv, _r(3, 2)), R(pinv, _r(2, 4)), R(pinv, _r(3, 3)),
                          R(pinv, _r(2, 3, 2))],
    "numpy.linalg.solve": [R(solve, _r(3, 3) + 2 * np.eye(3), _r(3), wrt=(0, 1)),
                           R(solve, _r(3, 3) + 2 * np.eye(3), _r(3, 2), wrt=(0, 1)),
                           R(solve, _r(2, 3, 3) + 2 * np.eye(3), _r(2, 3, 2), wrt=(0, 1)),
                           # a stack of vectors (NumPy 2: b is 1-D; before: one axis less)
                           R(solve, _r(2, 3, 3) + 2 * np.eye(3), _VECTORS, wrt=(0, 1),
                             expected=_via(solve_vector_by_hand, (0, 1))),
                           # (before NumPy 2 this b would be a stack of vectors)
                           *[R(solve, _r(2, 3, 3) + 2 * np.eye(3), _r(3, 2), wrt=(0, 1),
                               expected=_via(solve_broadcast_by_hand, (0, 1)))] * _NUMPY2],
    "numpy.linalg.cholesky": [R(cholesky, _spd(3, 3)), R(cholesky, _spd(2, 4, 4)),
                              R(cholesky_raw, _spd(3, 3), fd=False)],
    "numpy.linalg.eigh": [R(eigh, _sym(3, 3)), R(eigh, _sym(2, 3, 3)), R(eigh, _r(4, 4)),
                          R(eigh_upper, _r(3, 3)),
                          # repeated eigenvalues, only the eigenvalues used
                          R(eigh_values, np.diag([2.0, 2.0, 5.0])),
                          R(eigh_values, np.eye(3))],
    "numpy.linalg.eig": [R(eig, _r(3, 3) + np.diag([1.0, 3.0, 5.0])),
                         R(eig, _r(2, 2, 2) + np.diag([0.0, 3.0]))],
    "numpy.linalg.svd": [R(svd, _r(4, 3)), R(svd, _r(2, 4)), R(svd, _r(3, 3)),
                         R(svd, _r(2, 3, 2)),
                         R(svd_square, _r(3, 3), expected=_via(svd_square_reduced)),
                         R(svd_values, _r(3, 2)), R(svd_values, _r(2, 2, 3))],
    "numpy.linalg.qr": [R(qr, _r(4, 3), expected=_via(qr_by_gram_schmidt)),
                        R(qr, _r(3, 3), expected=_via(qr_by_gram_schmidt)),
                        R(qr_r, _r(4, 2), expected=_via(qr_r_by_gram_schmidt))],
    "numpy.linalg.matrix_power": [
        R(matrix_power_3, _r(3, 3), expected=_via(power_3_by_products)),
        R(matrix_power_3, _r(2, 2, 2), expected=_via(power_3_by_products)),
        R(matrix_power_0, _r(2, 2), expected=_via(identity_by_products)),
        R(matrix_power_1, _r(2, 2), expected=_via(power_1_by_products)),
        R(matrix_power_negative, _r(3, 3) + 2 * np.eye(3),
          expected=_via(power_negative_by_products))],
    "numpy.linalg.norm": [
        R(norm, _r(4)), R(norm, _r(3, 2)), R(norm, _r(2, 3, 2)),
        # the zero vector: 0 (autograd gives nan there)
        R(norm, np.zeros(3), expected=lambda x: np.zeros(3)),
        R(norm_fro_axes, _r(2, 3, 2), expected=_via(norm_fro_axes_by_definition)),
        R(norm_axis, _r(3, 4), expected=_via(norm_axis_by_definition)),
        R(norm_axis, np.array([[0.0, 0.0], [1.0, -2.0], [0.5, 0.0]]),
          expected=lambda x: _rows_over_norms(x) * np.array([[1.0], [-2.0], [0.5]])),
        R(norm_p, _r(5)), R(norm_p, np.array([0.0, 1.0, -2.0])),
        R(norm_half, _r(3, 2), expected=_via(norm_half_by_definition)),
        R(norm_minus_one_vector, _r(4), expected=_via(norm_minus_one_by_definition)),
        R(norm_1_vector, _r(4), expected=_via(norm_1_vector_by_definition)),
        R(norm_inf_vector, _r(4), expected=_via(norm_inf_vector_by_definition)),
        # a tie: the derivative is shared (as np.max's)
        R(norm_inf_vector, np.array([3.0, -3.0, 1.0]),
          expected=_via(norm_inf_vector_by_definition)),
        R(norm_minus_inf_axis, _r(3, 2), expected=_via(norm_minus_inf_by_definition)),
        R(norm_1_matrix, _r(3, 2), expected=_via(norm_1_matrix_by_definition)),
        R(norm_minus_1_matrix, _r(2, 3, 2), expected=_via(norm_minus_1_matrix_by_definition)),
        R(norm_inf_matrix, _r(3, 2), expected=_via(norm_inf_matrix_by_definition)),
        R(norm_nuc, _r(3, 2)), R(norm_nuc, _r(2, 4)),
        R(norm_nuc_batched, _r(2, 3, 2), expected=_via(norm_nuc_by_svd)),
        R(norm_2_matrix, _r(3, 2), expected=_via(norm_2_matrix_by_svd)),
        R(norm_2_batched, _r(2, 2, 3), expected=_via(norm_2_batched_by_svd)),
        R(norm_minus_2_matrix, _r(2, 3, 2), expected=_via(norm_minus_2_by_svd)),
        R(norm_2_vector, _r(4))],
    # np.fft
    "numpy.fft.fftshift": [R(fftshift, _r(5)), R(fftshift, _r(3, 4)), R(fftshift_axes, _r(3, 4))],
    "numpy.fft.ifftshift": [R(ifftshift, _r(5)), R(ifftshift_axes, _r(3, 4))],
    "numpy.fft.irfft": [R(irfft, _r(5)), R(irfft, _r(2, 4)),
                        R(irfft_length, _r(5), expected=_via(irfft_length_by_matrix)),
                        R(irfft_length, _r(3), expected=_via(irfft_length_by_matrix)),
                        R(irfft_padded, _r(4)),
                        R(irfft_forward, _r(3, 2), expected=_via(irfft_forward_by_matrix))],
    "numpy.fft.irfft2": [R(irfft2, _r(3, 4)), R(irfft2_axes, _r(3, 2, 2))],
    "numpy.fft.irfftn": [R(irfftn, _r(2, 3, 4), expected=_via(irfftn_by_matrix)),
                         R(irfftn_default, _r(2, 2, 4))],
}
