"""Rule cases for the NumPy functions of issue 11 (elementwise functions,
reductions and scans, shape, joining, splitting and indexing functions, the
index objects ``np.r_``/``np.c_``, ``astype``) and for every axis form of
``np.sum``/``mean``/``prod``/``max``/``min``.

Each case is checked against autograd and central finite differences, and in
forward mode (``tests/test_rules.py``).  Where autograd has no rule (``cumprod``,
``nansum``, ``take`` ...), or a narrower one (``sort`` of a matrix, ``diag`` of a
non-square matrix), the expected gradient is autograd's on an equivalent
function written with what autograd does differentiate (``via``); where
autograd's convention differs from srcdiff's, the case says so."""

import numpy as np

from oracle import fd_grad, oracle_grad
from rules_support import R


def via(equivalent, wrt=0):
    """The expected gradient: autograd's, of ``equivalent`` (the same function
    written with operations autograd differentiates)."""
    return lambda *args: oracle_grad(equivalent, args, wrt)


def by_fd(fn, wrt=0):
    """The expected gradient from finite differences (points where autograd gives
    NaN, such as d sinc/dx at 0)."""
    return lambda *args: fd_grad(fn, args, wrt)


_rng = np.random.default_rng(11)
V = np.array([0.7, -1.3, 2.2, 0.4, -0.6])
P = np.array([0.7, 1.3, 2.2, 0.4, 1.6])
M = _rng.uniform(-1.0, 1.0, (3, 4))
M2 = _rng.uniform(-1.0, 1.0, (3, 4))
Q = _rng.uniform(-1.0, 1.0, (4, 4))
T = _rng.uniform(-1.0, 1.0, (2, 3, 4))
G = _rng.uniform(-1.0, 1.0, (5, 6))
W = _rng.uniform(0.5, 1.5, (3, 4))
TIES = np.array([0.5, -1.0, 0.5, 2.0, -1.0, 0.3])


# --- elementwise -------------------------------------------------------------------------

def e_arcsinh(x):
    return np.sum(np.arcsinh(x) * x)


def e_arccosh(x):
    return np.sum(np.arccosh(1.0 + x * x) * x)


def e_arctanh(x):
    return np.sum(np.arctanh(0.3 * x) * x)


def e_deg2rad(x):
    return np.sum(np.sin(np.deg2rad(x * 40.0)))


def e_radians(x):
    return np.sum(np.cos(np.radians(x * 40.0)) * x)


def e_rad2deg(x):
    return np.sum(np.rad2deg(x) ** 2)


def e_degrees(x):
    return np.sum(np.sin(np.degrees(x) / 40.0))


def e_exp2(x):
    return np.sum(np.exp2(x) * x)


def e_cbrt(x):
    return np.sum(np.cbrt(x) * x + np.cbrt(x))


def e_cbrt_equivalent(x):
    c = np.sign(x) * np.abs(x) ** (1.0 / 3.0)
    return np.sum(c * x + c)


def e_fabs(x):
    return np.sum(np.fabs(x) * x + np.fabs(x))


def e_fmax(x, y):
    return np.sum(np.sin(np.fmax(x, y)))


def e_fmin(x, y):
    return np.sum(np.sin(np.fmin(x, y)) * 2.0)


def e_fmax_nan(x, y):
    # a NaN loses to a number: the number gets the derivative
    return np.sum(np.fmax(np.where(x > 1.0, np.nan, x), y) ** 2)


def e_fmax_nan_equivalent(x, y):
    return np.sum(np.where(x > 1.0, y, np.maximum(x, y)) ** 2)


def e_fmin_nan(x, y):
    return np.sum(np.fmin(x, np.where(y < -0.5, np.nan, y)) ** 2)


def e_fmin_nan_equivalent(x, y):
    return np.sum(np.where(y < -0.5, x, np.minimum(x, y)) ** 2)


def e_logaddexp(x, y):
    return np.sum(np.logaddexp(x, y) * x)


def e_logaddexp_large(x, y):
    return np.sum(np.logaddexp(x + 800.0, y + 800.0))


def e_logaddexp2(x, y):
    return np.sum(np.logaddexp2(x, y) ** 2)


def e_sinc(x):
    return np.sum(np.sinc(x) * x + np.sinc(x))


def e_nan_to_num(x):
    z = np.where(x > 2.0, np.inf, np.where(x < -1.0, np.nan, x))
    return np.sum(np.nan_to_num(z, posinf=4.0) * x + np.nan_to_num(z, nan=0.5, posinf=3.0) ** 2)


def e_nan_to_num_equivalent(x):
    z = np.where(x > 2.0, np.inf, np.where(x < -1.0, np.nan, x))
    finite = np.where(np.isfinite(z), z, 0.0)
    first = np.where(x > 2.0, 4.0, finite)
    other = np.where(x > 2.0, 3.0, np.where(x < -1.0, 0.5, finite))
    return np.sum(first * x + other ** 2)


def e_nan_to_num_copy(x):
    return np.sum(np.nan_to_num(x * 2.0, copy=True) ** 2)


def e_nan_to_num_copy_equivalent(x):
    return np.sum((x * 2.0) ** 2)


def e_heaviside_x1(x):
    return np.sum(np.heaviside(x, 0.5) * x * x)


def e_heaviside_x2(h):
    return np.sum(np.heaviside(np.array([0.0, 1.0, -1.0, 0.0]), h) * np.array([1.0, 2.0, 3.0, 4.0]))


def e_heaviside_x2_equivalent(h):
    x1 = np.array([0.0, 1.0, -1.0, 0.0])
    return np.sum(np.where(x1 == 0, h * np.ones(4), np.heaviside(x1, 0.0))
                  * np.array([1.0, 2.0, 3.0, 4.0]))


def e_heaviside_both(x, h):
    return np.sum(np.heaviside(x, h) * h * h)


def e_heaviside_both_equivalent(x, h):
    return np.sum(np.where(x == 0, h * np.ones(3), np.heaviside(x, 0.0)) * h * h)


def e_real(x):
    return np.sum(np.real(x) * x)


def e_real_if_close(x):
    return np.sum(np.real_if_close(x) * x)


def e_real_if_close_tol(x):
    y = np.real_if_close(x, tol=1000)
    return np.sum(np.sin(y))


def e_real_if_close_tol_equivalent(x):
    return np.sum(np.sin(x))


def e_real_attr(x):
    return np.sum(x.real ** 2)


def e_conjugate(x):
    return np.sum(np.conjugate(x) * x + np.conj(x))


def e_conj_methods(x):
    return np.sum(x.conjugate() * x.conj())


def e_conj_methods_equivalent(x):
    return np.sum(x * x)


def e_real_attr_equivalent(x):
    return np.sum(x ** 2)


def e_imag_attr_equivalent(x):
    return np.sum(x)


def e_imag(x):
    return np.sum(np.imag(x) * x + x * x)


def e_imag_attr(x):
    return np.sum((x.imag + 1.0) * x)


def e_angle(x):
    return np.sum(np.angle(x) * x)


# --- reductions and scans ------------------------------------------------------------------

def r_cumsum(x):
    return np.sum(np.sin(np.cumsum(x)))


def r_cumsum_scalar_equivalent(x):
    return np.sum(np.sin(x))


def r_cumsum_axis0(x):
    return np.sum(np.sin(np.cumsum(x, axis=0)))


def r_cumsum_axis1(x):
    return np.sum(np.cumsum(x, 1) ** 2)


def r_cumsum_neg(x):
    return np.sum(np.sin(np.cumsum(x, axis=-1)))


def r_cumsum_method(x):
    return np.sum(np.sin(x.cumsum(1))) + np.sum(x.cumsum() ** 2)


def r_cumsum_out(x):
    buf = np.zeros(x.shape)
    np.cumsum(x * 2.0, axis=0, out=buf)
    return np.sum(np.sin(buf))


def r_cumsum_out_equivalent(x):
    return np.sum(np.sin(np.cumsum(x * 2.0, axis=0)))


def r_cumsum_placeholder(x):
    return np.sum(np.cumsum(x, axis=1))


def r_cumprod(x):
    return np.sum(np.sin(np.cumprod(x)))


def r_cumprod_axis0(x):
    return np.sum(np.cumprod(x, axis=0) ** 2)


def r_cumprod_axis1(x):
    return np.sum(np.sin(np.cumprod(x, -1)))


def r_cumprod_method(x):
    return np.sum(np.sin(x.cumprod(0)))


def _products(x):
    """cumprod along the first axis, as a chain of products."""
    out = [x[0]]
    for i in range(1, x.shape[0]):
        out.append(out[-1] * x[i])
    return np.stack(out)


def r_cumprod_equivalent(x):
    return np.sum(np.sin(_products(np.ravel(x))))


def r_cumprod_axis0_equivalent(x):
    return np.sum(_products(x) ** 2)


def r_cumprod_axis1_equivalent(x):
    return np.sum(np.sin(np.transpose(_products(np.transpose(x)))))


def r_cumprod_method_equivalent(x):
    return np.sum(np.sin(_products(x)))


def r_var(x):
    return np.var(x) * np.sum(x)


def r_var_axis(x):
    return np.sum(np.sin(np.var(x, axis=0)))


def r_var_ddof(x):
    return np.sum(np.var(x, axis=-1, ddof=1, keepdims=True) * x)


def r_var_tuple(x):
    return np.sum(np.var(x, axis=(0, 2)) ** 2)


def r_var_method(x):
    return np.sum(x.var(1) * x.var())


def r_std(x):
    return np.std(x) * np.sum(x)


def r_std_axis(x):
    return np.sum(np.sin(np.std(x, axis=1)))


def r_std_ddof_keepdims(x):
    return np.sum(np.std(x, axis=0, ddof=1, keepdims=True) * x)


def r_std_tuple(x):
    return np.sum(np.std(x, axis=(-1, 0)) ** 2)


def r_std_single(x):
    # over one element: 0, and (as autograd) a derivative of 0
    return np.sum(np.std(x, axis=0) + x)


def r_std_method(x):
    return x.std() + np.sum(x.std(axis=0, ddof=1))


def r_nansum(x):
    return np.nansum(np.where(x > 1.0, np.nan, x) ** 2)


def r_nansum_equivalent(x):
    return np.sum(np.where(x > 1.0, 0.0, x) ** 2)


def r_nansum_axis(x):
    return np.sum(np.sin(np.nansum(np.where(x > 0.5, np.nan, x), axis=1, keepdims=True)) * x)


def r_nansum_axis_equivalent(x):
    return np.sum(np.sin(np.sum(np.where(x > 0.5, 0.0, x), axis=1, keepdims=True)) * x)


def r_nanmean(x):
    return np.nanmean(np.where(x > 1.0, np.nan, x) ** 2)


def r_nanmean_equivalent(x):
    return np.sum(np.where(x > 1.0, 0.0, x) ** 2) / np.sum(x <= 1.0)


def r_nanmean_axis(x):
    return np.sum(np.sin(np.nanmean(np.where(x > 0.5, np.nan, x), axis=0)))


def r_nanmean_axis_equivalent(x):
    keep = x <= 0.5
    return np.sum(np.sin(np.sum(np.where(keep, x, 0.0), axis=0) / np.sum(keep, axis=0)))


def r_nanmean_all_nan(x):
    # the first row is all NaN: its mean is NaN, dropped by nan_to_num
    z = np.where(np.array([[True], [False], [False]]), np.nan, x)
    return np.sum(np.nan_to_num(np.nanmean(z, axis=1)) ** 2)


def r_nanmean_all_nan_equivalent(x):
    return np.sum(np.mean(x[1:], axis=1) ** 2)


def r_ptp(x):
    return np.ptp(x) * np.sum(x)


def r_ptp_equivalent(x):
    return (np.max(x) - np.min(x)) * np.sum(x)


def r_ptp_axis(x):
    return np.sum(np.sin(np.ptp(x, axis=0)))


def r_ptp_axis_equivalent(x):
    return np.sum(np.sin(np.max(x, axis=0) - np.min(x, axis=0)))


def r_ptp_keepdims(x):
    return np.sum(np.ptp(x, axis=-1, keepdims=True) * x)


def r_ptp_keepdims_equivalent(x):
    return np.sum((np.max(x, axis=-1, keepdims=True) - np.min(x, axis=-1, keepdims=True)) * x)


def r_average(x):
    return np.average(x) * np.sum(x)


def r_average_axis(x):
    return np.sum(np.sin(np.average(x, axis=0)))


def r_average_keepdims(x):
    return np.sum(np.average(x, axis=1, keepdims=True) * x)


def r_average_equivalent(x):
    return np.mean(x) * np.sum(x)


def r_average_axis_equivalent(x):
    return np.sum(np.sin(np.mean(x, axis=0)))


def r_average_keepdims_equivalent(x):
    return np.sum(np.mean(x, axis=1, keepdims=True) * x)


def r_average_weights(x, w):
    return np.average(x, weights=w) ** 2


def r_average_weights_equivalent(x, w):
    return (np.sum(x * w) / np.sum(w)) ** 2


def r_average_weights_axis(x, w):
    return np.sum(np.sin(np.average(x, 1, w)))


def r_average_weights_axis_equivalent(x, w):
    return np.sum(np.sin(np.sum(x * w, axis=1) / np.sum(w, axis=1)))


def r_average_weights_1d(x, w):
    return np.sum(np.sin(np.average(x, axis=0, weights=w)))


def r_average_weights_1d_equivalent(x, w):
    c = np.reshape(w, (3, 1))
    return np.sum(np.sin(np.sum(x * c, axis=0) / np.sum(w)))


def r_average_weights_tuple(x, w):
    return np.sum(np.average(x, axis=(2, 0), weights=w, keepdims=True) ** 2)


def r_average_weights_tuple_equivalent(x, w):
    c = np.reshape(np.transpose(w), (2, 1, 4))
    return np.sum((np.sum(x * c, axis=(0, 2), keepdims=True) / np.sum(w)) ** 2)


def r_sum_axes(x):
    return np.sum(np.sin(np.sum(x, axis=1))) + np.sum(np.sum(x, axis=-3) ** 2) \
        + np.sum(np.sum(x, axis=(0, -1), keepdims=True) * x)


def r_mean_axes(x):
    return np.sum(np.sin(np.mean(x, axis=-1))) + np.sum(np.mean(x, axis=(0, 1)) ** 2) \
        + np.sum(np.mean(x, axis=2, keepdims=True) * x) + np.mean(x, keepdims=True)[0, 0, 0]


def r_prod_axes(x):
    return np.sum(np.prod(x, axis=-1)) + np.sum(np.sin(np.prod(x, axis=(0, 2)))) \
        + np.sum(np.prod(x, axis=(1,), keepdims=True) * x)


def r_max_axes(x):
    return np.sum(np.max(x, axis=-1) ** 2) + np.sum(np.sin(np.max(x, axis=(0, 2)))) \
        + np.sum(np.max(x, axis=1, keepdims=True) * x) + np.sum(np.max(x, axis=(0, 1, 2)))


def r_min_axes(x):
    return np.sum(np.min(x, axis=-2) ** 2) + np.sum(np.sin(np.min(x, axis=(1, 2)))) \
        + np.sum(np.min(x, axis=(0, -1), keepdims=True) * x)


def r_extreme_ties(x):
    # ties share the derivative equally (as autograd)
    return np.sum(np.max(x, axis=0) * np.array([1.0, 2.0, 3.0])) \
        + np.sum(np.min(x, axis=(0, 1), keepdims=True))


# --- axes ----------------------------------------------------------------------------------

def s_swapaxes(x):
    return np.sum(np.sin(np.swapaxes(x, 0, 2)) * np.arange(24.0).reshape(4, 3, 2))


def s_swapaxes_neg(x):
    return np.sum(np.swapaxes(x, -1, 0)[0] ** 2)


def s_swapaxes_method(x):
    return np.sum(np.sin(x.swapaxes(0, 1)[1]))


def s_moveaxis(x):
    return np.sum(np.moveaxis(x, 0, -1)[1] ** 2)


def s_moveaxis_tuple(x):
    return np.sum(np.sin(np.moveaxis(x, (0, 1), (2, 0))) * np.arange(24.0).reshape(3, 4, 2))


def s_rollaxis(x):
    return np.sum(np.rollaxis(x, 2)[1] ** 2)


def s_rollaxis_start(x):
    return np.sum(np.sin(np.rollaxis(x, 0, 3)) * np.arange(24.0).reshape(3, 4, 2))


def s_rollaxis_neg(x):
    # (autograd refuses a negative axis; the equivalent uses moveaxis)
    return np.sum(np.rollaxis(x, -1, 1)[:, 2] ** 2)


def s_rollaxis_neg_equivalent(x):
    return np.sum(np.moveaxis(x, -1, 1)[:, 2] ** 2)


def s_broadcast_to(x):
    return np.sum(np.sin(np.broadcast_to(x, (3, 4))) * np.arange(12.0).reshape(3, 4))


def s_broadcast_to_equivalent(x):
    return np.sum(np.sin(x * np.ones((3, 4))) * np.arange(12.0).reshape(3, 4))


def s_broadcast_to_column(x):
    return np.sum(np.broadcast_to(x, (3, 5)) ** 2)


def s_broadcast_to_scalar(s):
    return np.sum(np.broadcast_to(s, (2, 2)) * np.array([[1.0, 2.0], [3.0, 4.0]]))


def s_broadcast_to_scalar_equivalent(s):
    return np.sum(s * np.ones((2, 2)) * np.array([[1.0, 2.0], [3.0, 4.0]]))


def s_atleast_1d(x):
    return np.sum(np.atleast_1d(x) ** 2) * np.atleast_1d(x)[0]


def s_atleast_2d(x):
    return np.sum(np.sin(np.atleast_2d(x))[0])


def s_atleast_3d(x):
    return np.sum(np.atleast_3d(x)[0] ** 2)


# --- joining ---------------------------------------------------------------------------------

def j_hstack(x):
    return np.sum(np.sin(np.hstack((x, 2.0 * x, np.ones(2)))) * np.arange(12.0))


def j_hstack_matrix(x, y):
    return np.sum(np.hstack([x, y, x]) ** 2 * np.arange(36.0).reshape(3, 12))


def j_hstack_scalars(s):
    return np.sum(np.hstack((s, s * s, 1.0)) * np.array([1.0, 2.0, 3.0]))


def j_vstack(x):
    return np.sum(np.sin(np.vstack((x, x * x))) * np.arange(10.0).reshape(2, 5))


def j_vstack_matrix(x, y):
    return np.sum(np.vstack([x, y[0], np.ones(4)]) ** 2)


def j_row_stack(x):
    return np.sum(np.row_stack((x, np.ones(5), x)) ** 2)


def j_dstack(x, y):
    return np.sum(np.sin(np.dstack((x, y))) * np.arange(24.0).reshape(3, 4, 2))


def j_dstack_equivalent(x, y):
    joined = np.concatenate([np.reshape(x, (3, 4, 1)), np.reshape(y, (3, 4, 1))], axis=2)
    return np.sum(np.sin(joined) * np.arange(24.0).reshape(3, 4, 2))


def j_dstack_vectors(x):
    return np.sum(np.dstack([x, x ** 2])[0] ** 2)


def j_dstack_vectors_equivalent(x):
    return np.sum(np.stack([x, x ** 2], axis=1) ** 2)


def j_column_stack(x):
    return np.sum(np.sin(np.column_stack((x, x * x))) * np.arange(10.0).reshape(5, 2))


def j_column_stack_matrix(x, y):
    return np.sum(np.column_stack([x[:, 0], y, x[:, 1]]) ** 2)


def j_r(x):
    return np.sum(np.sin(np.r_[x, 2.0 * x, np.ones(2)]) * np.arange(12.0))


def j_r_scalars(s):
    return np.sum(np.r_[s, 2.0 * s, 1.0] ** 2)


def j_r_slice(x):
    return np.sum(np.r_[x, 0:3] ** 2 * np.r_[1:4, x])


def j_r_matrix(x, y):
    return np.sum(np.r_[x, y, x] ** 2 * np.arange(36.0).reshape(9, 4))


def j_r_single(x):
    return np.sum(np.r_[x] ** 3)


def j_c(x):
    return np.sum(np.sin(np.c_[x, x * x, np.ones(5)]) * np.arange(15.0).reshape(5, 3))


def j_c_matrix(x, y):
    return np.sum(np.c_[x, y[:, 0], x] ** 2)


def j_r_loop(x):
    acc = 0.0
    for i in range(2):
        acc = acc + np.sum(np.r_[x * (i + 1.0), 0.5] ** 2)
    return acc


def j_append(x, y):
    return np.sum(np.sin(np.append(x, y)) * np.arange(17.0))


def j_append_axis(x, y):
    return np.sum(np.append(x, y, axis=0) ** 2 * np.arange(24.0).reshape(6, 4))


def j_append_axis1(x, y):
    return np.sum(np.sin(np.append(x, y, 1)))


# --- splitting -------------------------------------------------------------------------------

def p_split(x):
    a, b = np.split(x, 2)
    return np.sum(a * b) + np.sum(np.sin(b))


def p_split_one_part(x):
    parts = np.split(x, [1, 3])
    return np.sum(parts[1] ** 2)


def p_split_axis(x):
    a, b = np.split(x, 2, axis=1)
    return np.sum(np.sin(a) * b)


def p_array_split(x):
    a, b, c = np.array_split(x, 3)
    return np.sum(a * a) + np.sum(np.sin(c)) * b[0]


def p_hsplit(x):
    a, b = np.hsplit(x, 2)
    return np.sum(a ** 2 * b)


def p_hsplit_vector(x):
    a, b = np.hsplit(x, [2])
    return np.sum(np.sin(a)) * np.sum(b)


def p_hsplit_vector_equivalent(x):
    return np.sum(np.sin(x[:2])) * np.sum(x[2:])


def p_vsplit(x):
    a, b = np.vsplit(x, 2)
    return np.sum(np.sin(a) * b)


def p_dsplit(x):
    parts = np.dsplit(x, [1, 3])
    return np.sum(parts[0] ** 2) + np.sum(np.sin(parts[2]))


# --- copies ------------------------------------------------------------------------------------

def c_tile(x):
    return np.sum(np.sin(np.tile(x, 2)) * np.arange(10.0))


def c_tile_matrix(x):
    return np.sum(np.tile(x, (2, 1)) ** 2 * np.arange(24.0).reshape(6, 4))


def c_tile_up(x):
    return np.sum(np.sin(np.tile(x, (2, 1, 2))))


def c_tile_vector_2d(x):
    return np.sum(np.tile(x, (2, 2)) ** 2 * np.arange(20.0).reshape(2, 10))


def c_tile_scalar(s):
    return np.sum(np.tile(s, 3) * np.array([1.0, 2.0, 3.0]))


def c_repeat(x):
    return np.sum(np.sin(np.repeat(x, 2)) * np.arange(10.0))


def c_repeat_axis(x):
    return np.sum(np.repeat(x, 2, axis=0) ** 2 * np.arange(24.0).reshape(6, 4))


def c_repeat_counts(x):
    return np.sum(np.sin(np.repeat(x, [1, 0, 2], axis=0)))


def c_repeat_counts_equivalent(x):
    return np.sum(np.sin(x[np.array([0, 2, 2])]))


def c_repeat_method(x):
    return np.sum(x.repeat(3, 1) ** 2) + np.sum(np.sin(x.repeat(2)))


def c_pad(x):
    return np.sum(np.sin(np.pad(x, 2)) * np.arange(9.0))


def c_pad_equivalent(x):
    return np.sum(np.sin(np.concatenate([np.zeros(2), x, np.zeros(2)])) * np.arange(9.0))


def c_pad_widths(x):
    return np.sum(np.pad(x, ((1, 0), (2, 1))) ** 2 * np.arange(28.0).reshape(4, 7))


def c_pad_widths_equivalent(x):
    padded = np.concatenate([np.zeros((3, 2)), x, np.zeros((3, 1))], axis=1)
    padded = np.concatenate([np.zeros((1, 7)), padded], axis=0)
    return np.sum(padded ** 2 * np.arange(28.0).reshape(4, 7))


def c_pad_value(x):
    return np.sum(np.sin(np.pad(x, (1, 2), mode="constant", constant_values=0.5)))


# --- rearranging --------------------------------------------------------------------------------

def c_pad_value_equivalent(x):
    return np.sum(np.sin(np.concatenate([np.array([0.5]), x, np.array([0.5, 0.5])])))


def a_roll(x):
    return np.sum(np.sin(np.roll(x, 2)) * np.arange(5.0))


def a_roll_axis(x):
    return np.sum(np.roll(x, 1, axis=0) ** 2 * np.arange(12.0).reshape(3, 4))


def a_roll_tuple(x):
    return np.sum(np.sin(np.roll(x, (1, -2), axis=(0, 1))) * np.arange(12.0).reshape(3, 4))


def a_roll_tuple_equivalent(x):
    return np.sum(np.sin(np.roll(np.roll(x, 1, axis=0), -2, axis=1))
                  * np.arange(12.0).reshape(3, 4))


def a_roll_flat(x):
    return np.sum(np.roll(x, 5) ** 2 * np.arange(12.0).reshape(3, 4))


def a_rot90(x):
    return np.sum(np.sin(np.rot90(x)) * np.arange(12.0).reshape(4, 3))


def a_rot90_k(x):
    return np.sum(np.rot90(x, 2) ** 2 * np.arange(12.0).reshape(3, 4)) \
        + np.sum(np.rot90(x, -1)[0])


def a_rot90_axes(x):
    return np.sum(np.sin(np.rot90(x, 1, (1, 2))) * np.arange(24.0).reshape(2, 4, 3))


def a_rot90_axes_equivalent(x):
    return np.sum(np.sin(np.swapaxes(x[:, :, ::-1], 1, 2)) * np.arange(24.0).reshape(2, 4, 3))


def a_flip(x):
    return np.sum(np.sin(np.flip(x)) * np.arange(5.0))


def a_flip_equivalent(x):
    return np.sum(np.sin(x[::-1]) * np.arange(5.0))


def a_flip_axis(x):
    return np.sum(np.flip(x, 0) ** 2 * np.arange(12.0).reshape(3, 4)) + np.sum(np.flip(x)[0])


def a_flip_axis_equivalent(x):
    return np.sum(x[::-1] ** 2 * np.arange(12.0).reshape(3, 4)) + np.sum(x[::-1, ::-1][0])


def a_flip_tuple(x):
    return np.sum(np.sin(np.flip(x, (0, 2))) * np.arange(24.0).reshape(2, 3, 4))


def a_flip_tuple_equivalent(x):
    return np.sum(np.sin(x[::-1, :, ::-1]) * np.arange(24.0).reshape(2, 3, 4))


def a_fliplr(x):
    return np.sum(np.sin(np.fliplr(x)) * np.arange(12.0).reshape(3, 4))


def a_flipud(x):
    return np.sum(np.flipud(x) ** 2 * np.arange(12.0).reshape(3, 4))


def a_sort(x):
    return np.sum(np.sort(x) * np.arange(6.0))


def a_sort_matrix(x):
    return np.sum(np.sin(np.sort(x)) * np.arange(12.0).reshape(3, 4))


def a_sort_matrix_equivalent(x):
    rows = np.arange(3)[:, None]
    return np.sum(np.sin(x[rows, np.argsort(x, axis=1, kind="stable")])
                  * np.arange(12.0).reshape(3, 4))


def a_sort_axis0(x):
    return np.sum(np.sort(x, axis=0) ** 2 * np.arange(12.0).reshape(3, 4))


def a_sort_axis0_equivalent(x):
    return np.sum(x[np.argsort(x, axis=0, kind="stable"), np.arange(4)] ** 2
                  * np.arange(12.0).reshape(3, 4))


def a_sort_flat(x):
    return np.sum(np.sort(x, axis=None) * np.arange(12.0))


def a_sort_flat_equivalent(x):
    return np.sum(np.ravel(x)[np.argsort(np.ravel(x), kind="stable")] * np.arange(12.0))


def a_partition(x):
    # (only what np.partition guarantees: the kth element, the group below it)
    p = np.partition(x, 2)
    return np.sum(p[:2] ** 2) + 3.0 * p[2] + np.sum(np.sin(p[3:]))


def a_partition_axis(x):
    p = np.partition(x, 1, axis=0)
    return np.sum(p[1] * np.arange(4.0)) + np.sum(p[0] ** 2)


def a_partition_axis_equivalent(x):
    s = x[np.argsort(x, axis=0, kind="stable"), np.arange(4)]
    return np.sum(s[1] * np.arange(4.0)) + np.sum(s[0] ** 2)


def a_partition_weighted(x):
    # the arrangement NumPy chose, whatever it is (checked by finite differences)
    return np.sum(np.partition(x, 3, axis=-1) * np.arange(12.0).reshape(3, 4))


# --- parts of matrices ----------------------------------------------------------------------------

def m_diag_vector(x):
    return np.sum(np.sin(np.diag(x)) * np.arange(25.0).reshape(5, 5))


def m_diag_vector_k(x):
    return np.sum(np.diag(x, 1) ** 2 * np.arange(25.0).reshape(5, 5)) + np.sum(np.diag(x, -2))


def m_diag_square(x):
    return np.sum(np.sin(np.diag(x)) * np.arange(4.0)) + np.sum(np.diag(x, 1) ** 2)


def m_diag_rect(x):
    return np.sum(np.sin(np.diag(x)) * np.arange(3.0)) + np.sum(np.diag(x, -1) ** 2)


def m_diag_rect_equivalent(x):
    return np.sum(np.sin(x[np.arange(3), np.arange(3)]) * np.arange(3.0)) \
        + np.sum(x[np.arange(1, 3), np.arange(2)] ** 2)


def m_diagonal(x):
    return np.sum(np.sin(np.diagonal(x)) * np.arange(3.0)) + np.sum(np.diagonal(x, 1) ** 2) \
        + np.sum(np.diagonal(x, -1))


def m_diagonal_equivalent(x):
    return np.sum(np.sin(x[np.arange(3), np.arange(3)]) * np.arange(3.0)) \
        + np.sum(x[np.arange(3), np.arange(1, 4)] ** 2) + np.sum(x[np.arange(1, 3), np.arange(2)])


def m_diagonal_axes(x):
    return np.sum(np.sin(np.diagonal(x, 0, 1, 2)) * np.arange(6.0).reshape(2, 3))


def m_diagonal_axes_equivalent(x):
    return np.sum(np.sin(x[:, np.arange(3), np.arange(3)]) * np.arange(6.0).reshape(2, 3))


def m_diagonal_method(x):
    return np.sum(x.diagonal(1) ** 2)


def m_diagonal_method_equivalent(x):
    return np.sum(x[np.arange(3), np.arange(1, 4)] ** 2)


def m_tril(x):
    return np.sum(np.sin(np.tril(x)) * np.arange(12.0).reshape(3, 4))


def m_tril_k(x):
    return np.sum(np.tril(x, 1) ** 2) + np.sum(np.sin(np.tril(x, -1)))


def m_triu(x):
    return np.sum(np.sin(np.triu(x)) * np.arange(12.0).reshape(3, 4))


def m_triu_batched(x):
    return np.sum(np.triu(x, 1) ** 2 * np.arange(24.0).reshape(2, 3, 4))


# --- differences --------------------------------------------------------------------------------

def d_diff(x):
    return np.sum(np.sin(np.diff(x)) * np.arange(4.0))


def d_diff_twice(x):
    return np.sum(np.diff(x, 2) ** 2)


def d_diff_axis(x):
    return np.sum(np.sin(np.diff(x, axis=0)) * np.arange(8.0).reshape(2, 4))


def d_diff_axis_twice(x):
    return np.sum(np.diff(x, n=2, axis=-1) ** 2)


def d_gradient(x):
    return np.sum(np.sin(np.gradient(x)) * np.arange(5.0))


def d_gradient_matrix(x):
    gy, gx = np.gradient(x)
    return np.sum(gy * gx) + np.sum(np.sin(gx))


def d_gradient_axis(x):
    return np.sum(np.gradient(x, axis=1) ** 2 * np.arange(30.0).reshape(5, 6))


def d_gradient_edge2(x):
    return np.sum(np.sin(np.gradient(x, axis=-1, edge_order=2))
                  * np.reshape(np.arange(np.size(x)), np.shape(x)))


def d_gradient_one_part(x):
    parts = np.gradient(x)
    return np.sum(parts[0] ** 2)


# --- choosing and taking ------------------------------------------------------------------------

def t_select(x):
    return np.sum(np.select([x < -0.5, x > 1.0], [x * x, np.sin(x)], 0.5) * np.arange(5.0))


def t_select_default(x, d):
    return np.sum(np.select([x < 0.0, x < 1.0], [x, 2.0 * x], d) ** 2)


def t_select_overlap(x):
    # the first true condition wins
    return np.sum(np.select([x > 0.0, x > 1.0], [x * 3.0, x * x]) ** 2)


def t_take(x):
    return np.sum(np.sin(np.take(x, [0, 2, 2, 4])) * np.arange(4.0))


def t_take_equivalent(x):
    return np.sum(np.sin(x[np.array([0, 2, 2, 4])]) * np.arange(4.0))


def t_take_axis(x):
    return np.sum(np.take(x, np.array([[0, 1], [3, 3]]), axis=1) ** 2
                  * np.arange(12.0).reshape(3, 2, 2))


def t_take_axis_equivalent(x):
    return np.sum(x[:, np.array([[0, 1], [3, 3]])] ** 2 * np.arange(12.0).reshape(3, 2, 2))


def t_take_modes(x):
    return np.sum(np.sin(np.take(x, [1, 7, -8], mode="wrap"))) \
        + np.sum(np.take(x, [-3, 2, 9], mode="clip") ** 2)


def t_take_modes_equivalent(x):
    return np.sum(np.sin(x[np.array([1, 2, 2])])) + np.sum(x[np.array([0, 2, 4])] ** 2)


def t_take_flat(x):
    return np.sum(np.take(x, [[0, 5], [11, 5]]) ** 2)


def t_take_flat_equivalent(x):
    return np.sum(np.ravel(x)[np.array([[0, 5], [11, 5]])] ** 2)


def t_take_method(x):
    return np.sum(np.sin(x.take([2, 0], axis=0)))


def t_take_method_equivalent(x):
    return np.sum(np.sin(x[np.array([2, 0])]))


def t_take_along_axis(x):
    i = np.argsort(x, axis=1)
    return np.sum(np.take_along_axis(x, i, axis=1) * np.arange(12.0).reshape(3, 4))


def t_take_along_axis_equivalent(x):
    i = np.argsort(x, axis=1)
    return np.sum(x[np.arange(3)[:, None], i] * np.arange(12.0).reshape(3, 4))


def t_take_along_axis0(x):
    return np.sum(np.sin(np.take_along_axis(x, np.array([[0, 2, 2, 1]]), axis=0)))


def t_take_along_axis0_equivalent(x):
    return np.sum(np.sin(x[np.array([[0, 2, 2, 1]]), np.arange(4)]))


def t_take_along_flat(x):
    return np.sum(np.take_along_axis(x, np.array([4, 0, 4]), axis=None) ** 2)


def t_take_along_flat_equivalent(x):
    return np.sum(np.ravel(x)[np.array([4, 0, 4])] ** 2)


# --- filled arrays, astype ------------------------------------------------------------------------

def f_full(s):
    return np.sum(np.full((2, 3), s) * np.arange(6.0).reshape(2, 3))


def f_full_row(x):
    return np.sum(np.sin(np.full((2, 3), x)) * np.arange(6.0).reshape(2, 3))


def f_full_row_equivalent(x):
    return np.sum(np.sin(x * np.ones((2, 3))) * np.arange(6.0).reshape(2, 3))


def f_full_like(x, s):
    return np.sum(np.full_like(x, s) * x)


def f_full_like_equivalent(x, s):
    return np.sum(np.ones(x.shape) * s * x)


def f_full_like_row(x, r):
    return np.sum(np.sin(np.full_like(x, r)))


def f_full_like_row_equivalent(x, r):
    return np.sum(np.sin(np.ones(x.shape) * r))


def f_astype(x):
    return np.sum(np.sin(x.astype(float)) * x)


def f_astype_equivalent(x):
    return np.sum(np.sin(x) * x)


def f_astype_int(x):
    # an integer result carries no derivative
    return np.sum(x.astype(int) * x)


def f_astype_int_equivalent(x):
    return np.sum(np.floor(np.abs(x)) * np.sign(x) * x)


def f_astype_function(x):
    return np.sum(np.astype(x * 2.0, np.float64) ** 2)


def f_astype_function_equivalent(x):
    return np.sum((x * 2.0) ** 2)


def f_astype_no_copy(x):
    y = x * 2.0
    return np.sum(y.astype(np.float64, copy=False) ** 2)


def f_astype_write(x):
    y = x.astype(float)
    y[0] = 3.0
    return np.sum(y * x)


def f_astype_write_equivalent(x):
    return np.sum(np.concatenate([np.array([3.0]), x[1:]]) * x)


# --- the table ------------------------------------------------------------------------------------

_S = 0.7
_NEAR = np.array([0.7, -0.7, 0.0, 0.3, 1.4])     # with a tie for fmax/fmin against _NEAR2
_NEAR2 = np.array([0.2, -0.7, 0.5, 0.3, -1.4])

CASES = {
    # elementwise
    "numpy.arcsinh": [R(e_arcsinh, V), R(e_arcsinh, M), R(e_arcsinh, _S), R(e_arcsinh, 0.0)],
    "numpy.arccosh": [R(e_arccosh, V), R(e_arccosh, M), R(e_arccosh, 1.3)],
    "numpy.arctanh": [R(e_arctanh, V), R(e_arctanh, M), R(e_arctanh, 0.0)],
    "numpy.deg2rad": [R(e_deg2rad, V), R(e_deg2rad, _S)],
    "numpy.radians": [R(e_radians, M), R(e_radians, _S)],
    "numpy.rad2deg": [R(e_rad2deg, V), R(e_rad2deg, _S)],
    "numpy.degrees": [R(e_degrees, M), R(e_degrees, -_S)],
    "numpy.exp2": [R(e_exp2, V), R(e_exp2, M), R(e_exp2, 0.0)],
    # (autograd has no cbrt; its derivative is infinite at 0)
    "numpy.cbrt": [R(e_cbrt, V, expected=via(e_cbrt_equivalent)),
                   R(e_cbrt, M, expected=via(e_cbrt_equivalent)),
                   R(e_cbrt, -2.5, expected=via(e_cbrt_equivalent))],
    "numpy.fabs": [R(e_fabs, V), R(e_fabs, M), R(e_fabs, -_S)],
    "numpy.fmax": [R(e_fmax, _NEAR, _NEAR2, wrt=(0, 1)), R(e_fmax, M, V[:4], wrt=(0, 1)),
                   R(e_fmax, M, 0.1, wrt=(0, 1)),
                   R(e_fmax_nan, V, np.array([0.1, 0.2, 0.3, 0.4, 0.5]), wrt=(0, 1),
                     expected=via(e_fmax_nan_equivalent, (0, 1)))],
    "numpy.fmin": [R(e_fmin, _NEAR, _NEAR2, wrt=(0, 1)), R(e_fmin, M, M2, wrt=(0, 1)),
                   R(e_fmin_nan, V, np.array([0.1, -0.9, 0.3, -0.7, 0.5]), wrt=(0, 1),
                     expected=via(e_fmin_nan_equivalent, (0, 1)))],
    "numpy.logaddexp": [R(e_logaddexp, V, P, wrt=(0, 1)), R(e_logaddexp, M, V[:4], wrt=(0, 1)),
                        R(e_logaddexp_large, V, P, wrt=(0, 1)),
                        R(e_logaddexp, _S, M, wrt=(0, 1))],
    "numpy.logaddexp2": [R(e_logaddexp2, V, P, wrt=(0, 1)),
                         R(e_logaddexp2, M, 0.3, wrt=(0, 1))],
    # (at 0 autograd's formula gives 0/0; the derivative is 0)
    "numpy.sinc": [R(e_sinc, V), R(e_sinc, M), R(e_sinc, np.array([0.0, 1.0, -2.0]),
                                                  expected=by_fd(e_sinc)),
                   R(e_sinc, 0.0, expected=by_fd(e_sinc))],
    "numpy.nan_to_num": [R(e_nan_to_num, np.array([0.7, 2.5, -1.3, 0.4, 3.0]),
                           expected=via(e_nan_to_num_equivalent)),
                         R(e_nan_to_num, M, expected=via(e_nan_to_num_equivalent)),
                         R(e_nan_to_num_copy, V, expected=via(e_nan_to_num_copy_equivalent))],
    # (d/dx1 is 0 everywhere but the jump; autograd has no rule: the oracle's
    # shim gives 0 for both operands)
    "numpy.heaviside": [R(e_heaviside_x1, V), R(e_heaviside_x1, np.array([0.0, -1.0, 2.0]), eps=1e-7),  # (0 is a kink)
                        R(e_heaviside_x2, 0.3, expected=via(e_heaviside_x2_equivalent)),
                        R(e_heaviside_x2, np.array([0.3, 0.1, 0.2, -0.4]),
                          expected=via(e_heaviside_x2_equivalent)),
                        R(e_heaviside_both, np.array([0.0, 1.0, -1.0]), 0.4, wrt=1,
                          expected=via(e_heaviside_both_equivalent, 1)),
                        R(e_heaviside_both, np.array([0.5, 1.0, -1.0]), 0.4, wrt=(0, 1),
                          expected=via(e_heaviside_both_equivalent, (0, 1)))],
    "numpy.real": [R(e_real, V), R(e_real, M), R(e_real, _S)],
    # (autograd's arrays have no .real / .imag)
    "ndarray.real": [R(e_real_attr, V, expected=via(e_real_attr_equivalent)),
                     R(e_real_attr, M, expected=via(e_real_attr_equivalent))],
    "numpy.real_if_close": [R(e_real_if_close, V), R(e_real_if_close, M),
                            R(e_real_if_close, _S), # (autograd's rule takes no tol)
                            R(e_real_if_close_tol, T,
                              expected=via(e_real_if_close_tol_equivalent))],
    "numpy.conjugate": [R(e_conjugate, V), R(e_conjugate, _S)],
    # (autograd's arrays have no .conjugate() / .conj())
    "ndarray.conjugate": [R(e_conj_methods, M, expected=via(e_conj_methods_equivalent))],
    "ndarray.conj": [R(e_conj_methods, V, expected=via(e_conj_methods_equivalent))],
    "numpy.imag": [R(e_imag, V), R(e_imag, _S)],
    "ndarray.imag": [R(e_imag_attr, M, expected=via(e_imag_attr_equivalent))],
    "numpy.angle": [R(e_angle, V), R(e_angle, -_S)],
    # reductions and scans
    "numpy.cumsum": [R(r_cumsum, V), R(r_cumsum, M),
                     R(r_cumsum, _S, expected=via(r_cumsum_scalar_equivalent)),
                     R(r_cumsum_axis0, M), R(r_cumsum_axis0, T), R(r_cumsum_axis1, M),
                     R(r_cumsum_neg, T), R(r_cumsum_out, M, expected=via(r_cumsum_out_equivalent)),
                     R(r_cumsum_placeholder, M)],
    "ndarray.cumsum": [R(r_cumsum_method, M)],
    "numpy.cumprod": [R(r_cumprod, V, expected=via(r_cumprod_equivalent)),
                      R(r_cumprod, M, expected=via(r_cumprod_equivalent)),
                      # zeros: one, two, the first element, the last
                      R(r_cumprod, np.array([0.7, 0.0, 1.3, 2.0, -0.5]),
                        expected=via(r_cumprod_equivalent)),
                      R(r_cumprod, np.array([0.7, 0.0, 1.3, 0.0, -0.5]),
                        expected=via(r_cumprod_equivalent)),
                      R(r_cumprod, np.array([0.0, 1.5, 1.3]), expected=via(r_cumprod_equivalent)),
                      R(r_cumprod, np.array([1.5, 1.3, 0.0]), expected=via(r_cumprod_equivalent)),
                      R(r_cumprod_axis0, M, expected=via(r_cumprod_axis0_equivalent)),
                      R(r_cumprod_axis0, np.array([[1.0, 0.0, 2.0], [0.0, 0.5, 1.5],
                                                   [0.7, 2.0, 0.0]]),
                        expected=via(r_cumprod_axis0_equivalent)),
                      R(r_cumprod_axis1, M, expected=via(r_cumprod_axis1_equivalent)),
                      R(r_cumprod_axis1, np.array([[1.0, 0.0, 2.0, 0.3], [0.0, 0.5, 0.0, 1.5]]),
                        expected=via(r_cumprod_axis1_equivalent))],
    "ndarray.cumprod": [R(r_cumprod_method, M, expected=via(r_cumprod_method_equivalent)),
                        R(r_cumprod_method, np.array([[0.5, 0.0], [0.0, 2.0], [1.5, 3.0]]),
                          expected=via(r_cumprod_method_equivalent))],
    "numpy.var": [R(r_var, V), R(r_var, M), R(r_var_axis, M), R(r_var_ddof, M), R(r_var_tuple, T),
                  R(r_var_axis, np.array([[1.0, 2.0], [1.0, 2.0]]))],
    "ndarray.var": [R(r_var_method, M)],
    "numpy.std": [R(r_std, V), R(r_std, M), R(r_std_axis, M), R(r_std_ddof_keepdims, M),
                  R(r_std_tuple, T), R(r_std_single, np.array([[0.3, -1.2, 2.0]]))],
    "ndarray.std": [R(r_std_method, M)],
    "numpy.nansum": [R(r_nansum, V, expected=via(r_nansum_equivalent)),
                     R(r_nansum, M, expected=via(r_nansum_equivalent)),
                     R(r_nansum_axis, M, expected=via(r_nansum_axis_equivalent))],
    "numpy.nanmean": [R(r_nanmean, V, expected=via(r_nanmean_equivalent)),
                      R(r_nanmean, M, expected=via(r_nanmean_equivalent)),
                      R(r_nanmean_axis, M, expected=via(r_nanmean_axis_equivalent)),
                      R(r_nanmean_all_nan, M, expected=via(r_nanmean_all_nan_equivalent))],
    "numpy.ptp": [R(r_ptp, V, expected=via(r_ptp_equivalent)),
                  R(r_ptp, TIES, expected=via(r_ptp_equivalent)),
                  R(r_ptp_axis, M, expected=via(r_ptp_axis_equivalent)),
                  R(r_ptp_keepdims, T, expected=via(r_ptp_keepdims_equivalent))],
    "numpy.average": [R(r_average, V, expected=via(r_average_equivalent)),
                      R(r_average_axis, M, expected=via(r_average_axis_equivalent)),
                      R(r_average_keepdims, M, expected=via(r_average_keepdims_equivalent)),
                      R(r_average_weights, V, P, wrt=(0, 1),
                        expected=via(r_average_weights_equivalent, (0, 1))),
                      R(r_average_weights_axis, M, W, wrt=(0, 1),
                        expected=via(r_average_weights_axis_equivalent, (0, 1))),
                      R(r_average_weights_1d, M, P[:3], wrt=(0, 1),
                        expected=via(r_average_weights_1d_equivalent, (0, 1))),
                      R(r_average_weights_tuple, T, W[:2].T.copy(), wrt=(0, 1),
                        expected=via(r_average_weights_tuple_equivalent, (0, 1)))],
    # the reductions' axis forms (int, negative, tuple, keepdims), with the corpus' cases
    "numpy.sum": ["red_sum", "red_sum_axis0", "red_sum_axis1_keepdims", "red_sum_axis_neg",
                  "red_sum_axis_tuple", R(r_sum_axes, T)],
    "numpy.mean": ["red_mean", "red_mean_axis", "red_mean_axis0", R(r_mean_axes, T)],
    "numpy.prod": ["red_prod", "red_prod_axis", "red_prod_axis_keepdims", R(r_prod_axes, T)],
    "numpy.max": ["red_max", "red_max_axis", "red_max_axis_keepdims", R(r_max_axes, T),
                  # (at a tie of three finite differences are no derivative)
                  R(r_extreme_ties, np.array([[1.0, 2.0, 0.5], [1.0, 0.3, 0.5], [0.2, 2.0, 0.5]]),
                    fd=False)],
    "numpy.min": ["red_min", "red_min_axis", "red_min_axis_keepdims", R(r_min_axes, T)],
    # axes
    "numpy.swapaxes": [R(s_swapaxes, T), R(s_swapaxes_neg, T)],
    "ndarray.swapaxes": [R(s_swapaxes_method, M)],
    "numpy.moveaxis": [R(s_moveaxis, T), R(s_moveaxis_tuple, T)],
    "numpy.rollaxis": [R(s_rollaxis, T), R(s_rollaxis_start, T),
                       R(s_rollaxis_neg, T, expected=via(s_rollaxis_neg_equivalent))],
    # (autograd's rule handles no new leading axes)
    "numpy.broadcast_to": [R(s_broadcast_to, V[:4], expected=via(s_broadcast_to_equivalent)),
                           R(s_broadcast_to_column, V[:3].reshape(3, 1)),
                           R(s_broadcast_to_scalar, _S,
                             expected=via(s_broadcast_to_scalar_equivalent))],
    "numpy.atleast_1d": [R(s_atleast_1d, _S), R(s_atleast_1d, V)],
    "numpy.atleast_2d": [R(s_atleast_2d, V), R(s_atleast_2d, M), R(s_atleast_2d, _S)],
    "numpy.atleast_3d": [R(s_atleast_3d, M), R(s_atleast_3d, V), R(s_atleast_3d, T)],
    # joining
    "numpy.hstack": [R(j_hstack, V), R(j_hstack_matrix, M, M2, wrt=(0, 1)),
                     R(j_hstack_scalars, _S)],
    "numpy.vstack": [R(j_vstack, V), R(j_vstack_matrix, M, M2, wrt=(0, 1))],
    "numpy.row_stack": [R(j_row_stack, V)],
    "numpy.dstack": [R(j_dstack, M, M2, wrt=(0, 1), expected=via(j_dstack_equivalent, (0, 1))),
                     R(j_dstack_vectors, V, expected=via(j_dstack_vectors_equivalent))],
    "numpy.column_stack": [R(j_column_stack, V),
                           R(j_column_stack_matrix, M[:, :2].copy(), V[:3], wrt=(0, 1))],
    "numpy.r_": [R(j_r, V), R(j_r_scalars, _S), R(j_r_slice, V[:3]),
                 R(j_r_matrix, M, M2, wrt=(0, 1)), R(j_r_single, V), R(j_r_loop, V)],
    "numpy.c_": [R(j_c, V), R(j_c_matrix, M, M2, wrt=(0, 1))],
    "numpy.append": [R(j_append, M, V, wrt=(0, 1)), R(j_append_axis, M, M2, wrt=(0, 1)),
                     R(j_append_axis1, M, M2[:, :2], wrt=(0, 1))],
    # splitting
    "numpy.split": [R(p_split, V[:4]), R(p_split, Q), R(p_split_one_part, V),
                    R(p_split_axis, M)],
    "numpy.array_split": [R(p_array_split, V), R(p_array_split, np.concatenate([P, V]))],
    # (autograd's rule splits a vector along axis 1)
    "numpy.hsplit": [R(p_hsplit, M), R(p_hsplit_vector, V, expected=via(p_hsplit_vector_equivalent))],
    "numpy.vsplit": [R(p_vsplit, T), R(p_vsplit, Q)],
    "numpy.dsplit": [R(p_dsplit, T)],
    # copies
    "numpy.tile": [R(c_tile, V), R(c_tile_matrix, M), R(c_tile_up, M), R(c_tile_vector_2d, V),
                   R(c_tile_scalar, _S)],
    "numpy.repeat": [R(c_repeat, V), R(c_repeat_axis, M),
                     R(c_repeat_counts, M, expected=via(c_repeat_counts_equivalent))],
    "ndarray.repeat": [R(c_repeat_method, M)],
    # (autograd's rule needs mode= given)
    "numpy.pad": [R(c_pad, V, expected=via(c_pad_equivalent)),
                  R(c_pad_widths, M, expected=via(c_pad_widths_equivalent)),
                  R(c_pad_value, V, expected=via(c_pad_value_equivalent))],
    # rearranging
    # (autograd's rules take no tuple of shifts, no axes for rot90)
    "numpy.roll": [R(a_roll, V), R(a_roll_axis, M),
                   R(a_roll_tuple, M, expected=via(a_roll_tuple_equivalent)), R(a_roll_flat, M)],
    "numpy.rot90": [R(a_rot90, M), R(a_rot90_k, M),
                    R(a_rot90_axes, T, expected=via(a_rot90_axes_equivalent))],
    "numpy.flip": [R(a_flip, V, expected=via(a_flip_equivalent)),
                   R(a_flip_axis, M, expected=via(a_flip_axis_equivalent)),
                   R(a_flip_tuple, T, expected=via(a_flip_tuple_equivalent))],
    "numpy.fliplr": [R(a_fliplr, M)],
    "numpy.flipud": [R(a_flipud, M)],
    # (ties: each tied element gets the derivative of the place a stable sort gives it)
    # (at a tie the sorted values are not differentiable: no finite differences)
    "numpy.sort": [R(a_sort, TIES, fd=False), R(a_sort, np.array([0.3, -1.2, 2.0, 0.1, 0.5, -0.4])),
                   R(a_sort_matrix, M, expected=via(a_sort_matrix_equivalent)),
                   R(a_sort_axis0, M, expected=via(a_sort_axis0_equivalent)),
                   R(a_sort_flat, M, expected=via(a_sort_flat_equivalent))],
    "numpy.partition": [R(a_partition, TIES), R(a_partition, V),
                        R(a_partition_axis, M, expected=via(a_partition_axis_equivalent)),
                        R(a_partition_weighted, M, expected=by_fd(a_partition_weighted))],
    # parts of matrices (autograd's diag rule needs a square matrix)
    "numpy.diag": [R(m_diag_vector, V), R(m_diag_vector_k, V[:4]), R(m_diag_square, Q),
                   R(m_diag_rect, M, expected=via(m_diag_rect_equivalent))],
    "numpy.diagonal": [R(m_diagonal, M, expected=via(m_diagonal_equivalent)),
                       R(m_diagonal_axes, T, expected=via(m_diagonal_axes_equivalent))],
    "ndarray.diagonal": [R(m_diagonal_method, M, expected=via(m_diagonal_method_equivalent))],
    "numpy.tril": [R(m_tril, M), R(m_tril_k, Q)],
    "numpy.triu": [R(m_triu, M), R(m_triu_batched, T)],
    # differences
    "numpy.diff": [R(d_diff, V), R(d_diff_twice, V), R(d_diff_axis, M), R(d_diff_axis_twice, T)],
    # (autograd has no edge_order)
    # (autograd's rule is wrong along an axis of length 3, and has no edge_order)
    "numpy.gradient": [R(d_gradient, V), R(d_gradient_matrix, G), R(d_gradient_axis, G),
                       R(d_gradient_matrix, M, expected=by_fd(d_gradient_matrix)),
                       R(d_gradient_edge2, M, expected=by_fd(d_gradient_edge2)),
                       R(d_gradient_edge2, G, expected=by_fd(d_gradient_edge2)),
                       R(d_gradient_one_part, G)],
    # choosing and taking
    "numpy.select": [R(t_select, V), R(t_select_default, V, 0.3, wrt=(0, 1)),
                     R(t_select_default, V, P, wrt=(0, 1)), R(t_select_overlap, V)],
    "numpy.take": [R(t_take, V, expected=via(t_take_equivalent)),
                   R(t_take_axis, M, expected=via(t_take_axis_equivalent)),
                   R(t_take_modes, V, expected=via(t_take_modes_equivalent)),
                   R(t_take_flat, M, expected=via(t_take_flat_equivalent))],
    "ndarray.take": [R(t_take_method, M, expected=via(t_take_method_equivalent))],
    "numpy.take_along_axis": [R(t_take_along_axis, M, expected=via(t_take_along_axis_equivalent)),
                              R(t_take_along_axis0, M,
                                expected=via(t_take_along_axis0_equivalent)),
                              R(t_take_along_flat, V, expected=via(t_take_along_flat_equivalent))],
    # filled arrays, astype
    # (autograd sums the adjoint to a scalar also for an array fill value)
    "numpy.full": [R(f_full, _S), R(f_full_row, V[:3], expected=via(f_full_row_equivalent))],
    # (autograd treats full_like as having no derivative at all)
    "numpy.full_like": [R(f_full_like, M, _S, wrt=1, expected=via(f_full_like_equivalent, 1)),
                        R(f_full_like_row, M, V[:4], wrt=1,
                          expected=via(f_full_like_row_equivalent, 1))],
    "ndarray.astype": [R(f_astype, V, expected=via(f_astype_equivalent)),
                       R(f_astype, M, expected=via(f_astype_equivalent)),
                       R(f_astype_int, V, expected=via(f_astype_int_equivalent)),
                       R(f_astype_no_copy, V, expected=via(f_astype_function_equivalent)),
                       R(f_astype_write, V, expected=via(f_astype_write_equivalent))],
    "numpy.astype": [R(f_astype_function, V, expected=via(f_astype_function_equivalent)),
                     R(f_astype_function, M, expected=via(f_astype_function_equivalent))],
}

# functions this NumPy does not have (np.astype is new in 2.1, np.row_stack gone in 2.5)
for _name in [n for n in CASES if n.count(".") == 1 and n.startswith("numpy.")
              and not hasattr(np, n[6:])]:
    del CASES[_name]
