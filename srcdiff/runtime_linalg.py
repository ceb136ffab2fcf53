"""Runtime helpers for the rules of products, ``np.linalg`` and ``np.fft``
(``rules/products.py``, ``linalg_rules.py``, ``fft_rules.py``).

Re-exported by ``runtime`` (generated code calls them as ``rt.<name>``).  The
linear ones come in transposed pairs (``tensordot_da`` / ``tensordot_db``,
``kron_da`` / ``kron_db``, ``irfftn`` / ``irfftn_adjoint``) whose rules are in
``rules/runtime_rules.py``; the others compute masks, axes and shapes, or
check a condition, and carry no derivative.
"""

import numpy as np

from .errors import NoRuleError

# --- checks ---------------------------------------------------------------------------


def check(ok, message, hint=None):
    """Refuse at run time what a rule cannot differentiate (a condition on
    values or shapes not known when transforming); returns True."""
    if not ok:
        raise NoRuleError(message, hint=hint)
    return True


# --- tensordot, dot, inner --------------------------------------------------------------


def _contraction(a_ndim, b_ndim, axes):
    """The contracted axes of ``np.tensordot(a, b, axes)`` and the free ones."""
    if isinstance(axes, (int, np.integer)):
        ca, cb = list(range(a_ndim - axes, a_ndim)), list(range(axes))
    else:
        ca, cb = axes
        ca = [ca] if isinstance(ca, (int, np.integer)) else list(ca)
        cb = [cb] if isinstance(cb, (int, np.integer)) else list(cb)
        ca = [int(i) % a_ndim for i in ca]
        cb = [int(i) % b_ndim for i in cb]
    fa = [i for i in range(a_ndim) if i not in ca]
    fb = [i for i in range(b_ndim) if i not in cb]
    return ca, cb, fa, fb


def tensordot_da(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``a``."""
    ca, cb, fa, fb = _contraction(np.ndim(a), np.ndim(b), axes)
    out = np.tensordot(g, b, (list(range(len(fa), len(fa) + len(fb))), fb))
    # out's axes: a's free ones, then b's contracted ones in b's order
    source = fa + [ca[cb.index(j)] for j in sorted(cb)]
    return np.transpose(out, tuple(np.argsort(source).tolist())) if source else out


def tensordot_db(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``b``."""
    ca, cb, fa, fb = _contraction(np.ndim(a), np.ndim(b), axes)
    out = np.tensordot(a, g, (fa, list(range(len(fa)))))
    source = [cb[ca.index(i)] for i in sorted(ca)] + fb
    return np.transpose(out, tuple(np.argsort(source).tolist())) if source else out


def dot_axes(a, b):
    """``np.dot(a, b)`` as ``np.tensordot(a, b, axes)``: these axes."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return 0
    return ([-1], [-2 if np.ndim(b) > 1 else 0])


def inner_axes(a, b):
    """``np.inner(a, b)`` as ``np.tensordot(a, b, axes)``: these axes."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return 0
    return ([-1], [-1])


# --- kron -----------------------------------------------------------------------------------


def _kron_shapes(a, b):
    n = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (n - np.ndim(a)) + np.shape(a)
    sb = (1,) * (n - np.ndim(b)) + np.shape(b)
    return n, sa, sb, [d for pair in zip(sa, sb) for d in pair]


def kron_da(g, a, b):
    """Adjoint of ``np.kron(a, b)`` with respect to ``a``."""
    n, sa, sb, both = _kron_shapes(a, b)
    out = np.tensordot(np.reshape(g, both), np.reshape(b, sb),
                       (list(range(1, 2 * n, 2)), list(range(n))))
    return np.reshape(out, np.shape(a))


def kron_db(g, a, b):
    """Adjoint of ``np.kron(a, b)`` with respect to ``b``."""
    n, sa, sb, both = _kron_shapes(a, b)
    out = np.tensordot(np.reshape(a, sa), np.reshape(g, both),
                       (list(range(n)), list(range(0, 2 * n, 2))))
    return np.reshape(out, np.shape(b))


# --- trace ----------------------------------------------------------------------------------


def diagonal_mask(a, offset=0, axis1=0, axis2=1):
    """1 on the diagonal ``np.trace(a, offset, axis1, axis2)`` sums, else 0,
    with size 1 along ``a``'s other axes."""
    shape = np.shape(a)
    i, j = axis1 % len(shape), axis2 % len(shape)
    eye = np.eye(shape[i], shape[j], k=offset)
    full = [1] * len(shape)
    full[i], full[j] = shape[i], shape[j]
    return np.reshape(eye.T if i > j else eye, full)


# --- np.linalg -------------------------------------------------------------------------------


def mT(x):
    """The transpose of a stack of matrices (``x.mT`` in NumPy 2): the last two
    axes swapped."""
    return np.swapaxes(x, -1, -2)


def strict_triangle(n, uplo="L"):
    """1 strictly below the diagonal of an n x n matrix (``uplo='L'``) or
    strictly above it (``'U'``), else 0: the half ``np.linalg.eigh`` reads."""
    lower = np.tril(np.ones((n, n)), -1)
    return lower if uplo in ("L", "l") else lower.T


def solved_vector(a_ndim, b_ndim):
    """Does ``np.linalg.solve(a, b)`` take ``b`` as a vector (or stack of them)?
    NumPy 2: when ``b`` is 1-D; before: when it has one axis fewer than ``a``."""
    if np.lib.NumpyVersion(np.__version__) >= "2.0.0":
        return b_ndim == 1
    return b_ndim == a_ndim - 1


def solve_columns(a, b, y):
    """The shape of ``y = np.linalg.solve(a, b)`` as a stack of matrices: a
    column of 1 added where ``b`` is a vector."""
    return np.shape(y) + (1,) if solved_vector(np.ndim(a), np.ndim(b)) else np.shape(y)


def triangle(a, lower, unit_diagonal):
    """1 on the triangle of the square matrix ``a`` that
    ``scipy.linalg.solve_triangular`` reads (the lower one or the upper one,
    without the diagonal when it is taken as 1), else 0."""
    n = np.shape(a)[-1]
    ones = np.ones((n, n))
    return (np.tril(ones) if lower else np.triu(ones)) - (np.eye(n) if unit_diagonal else 0.0)


def column_shape(y, b):
    """The shape of ``y``, the solution of a system whose right-hand side is
    ``b`` (``scipy.linalg``), as a stack of matrices: a column of 1 added where
    ``b`` is a vector."""
    return np.shape(y) + (1,) if np.ndim(b) == 1 else np.shape(y)


def require_real(y, function):
    """The derivative of ``function`` here is for a real result only."""
    return check(np.isrealobj(y),
                 f"{function} returned a complex matrix: srcdiff's derivatives are "
                 "real-valued", "differentiate only where the result is real (for sqrtm: "
                 "a matrix without negative real eigenvalues)")


# --- banded matrices (scipy.linalg.solve_banded): a[i, j] = ab[u + i - j, j] ---------------
# (one matrix; the entries of ab outside the matrix are not read and get 0)


def _banded(ab, function):
    check(np.ndim(ab) == 2, f"{function} of a stack of banded matrices (ab of shape "
                            f"{np.shape(ab)}) has no derivative here",
          "solve one system at a time")
    return np.shape(ab)[1]


def _diagonals(l_and_u):
    """``(row of ab, offset k)`` of each diagonal: a[j + k, j] is in that row."""
    lower, upper = l_and_u
    return [(r, r - upper) for r in range(lower + upper + 1)]


def banded_transpose(l_and_u, ab):
    """The banded storage of the transpose of the matrix ``ab`` stores with
    ``(l, u) = l_and_u`` (its own is ``(u, l)``)."""
    n = _banded(ab, "scipy.linalg.solve_banded")
    out = np.zeros(np.shape(ab))
    lower = l_and_u[0]
    for r, k in _diagonals(l_and_u[::-1]):   # row r = l + k of the transpose
        src = lower + l_and_u[1] - r
        if k >= 0:
            out[r, :n - k] = ab[src, k:]
        else:
            out[r, -k:] = ab[src, :n + k]
    return out


def banded_matmul(l_and_u, ab, x):
    """``a @ x`` for the matrix ``a`` that ``ab`` stores (``x``: a vector or a
    matrix)."""
    n = _banded(ab, "scipy.linalg.solve_banded")
    x2 = np.reshape(x, (n, -1))
    out = np.zeros(np.shape(x2))
    for r, k in _diagonals(l_and_u):
        if k >= 0:
            out[k:] += np.reshape(ab[r, :n - k], (-1, 1)) * x2[:n - k]
        else:
            out[:n + k] += np.reshape(ab[r, -k:], (-1, 1)) * x2[-k:]
    return np.reshape(out, np.shape(x))


def banded_outer(l_and_u, g, x):
    """``g @ x.T`` on the band of ``l_and_u``, in banded storage (0 outside
    the matrix)."""
    n = np.shape(x)[0]
    g2 = np.reshape(g, (n, -1))
    x2 = np.reshape(x, (n, -1))
    out = np.zeros((l_and_u[0] + l_and_u[1] + 1, n))
    for r, k in _diagonals(l_and_u):
        if k >= 0:
            out[r, :n - k] = np.sum(g2[k:] * x2[:n - k], axis=1)
        else:
            out[r, -k:] = np.sum(g2[:n + k] * x2[-k:], axis=1)
    return out


def require_real_eig(w):
    """``np.linalg.eig``'s derivative here is for real eigenvalues only."""
    return check(np.isrealobj(w),
                 "np.linalg.eig returned complex eigenvalues: srcdiff's derivatives are "
                 "real-valued", "differentiate only where the eigenvalues are real (for a "
                 "symmetric matrix use np.linalg.eigh)")


def require_reduced(a, full, function):
    """The derivative of ``np.linalg.svd(a, full_matrices=True)`` and
    ``np.linalg.qr(a, mode='complete')`` needs a square ``a`` (the extra columns
    are not unique); that of the reduced ``np.linalg.qr`` needs rows >= columns."""
    m, n = np.shape(a)[-2:]
    if function == "qr":
        return check(m == n if full else m >= n,
                     f"np.linalg.qr of a {m} x {n} matrix in mode "
                     f"{'complete' if full else 'reduced'}: srcdiff differentiates the QR "
                     "of a matrix with at least as many rows as columns, in mode 'reduced' "
                     "(or 'complete' when it is square)",
                     "use mode='reduced'" if full and m > n else
                     "differentiate the QR of the transpose (a = r.T @ q.T)")
    return check(m == n or not full,
                 f"np.linalg.svd of a {m} x {n} matrix with full_matrices=True: the extra "
                 "singular vectors have no derivative", "pass full_matrices=False")


def norm_weight(x, ord, axis=None):
    """d np.linalg.norm(x, ord, axis) / dx for ord 1 and ±inf (and -1 of a
    matrix): the sign of x where the sum or the extreme it takes is attained,
    ties sharing equally.  Piecewise constant, so it carries no derivative."""
    x = np.asarray(x)
    axes = tuple(range(x.ndim)) if axis is None else axis if isinstance(axis, tuple) \
        else (axis,)
    a = np.abs(x)
    if len(axes) == 1 and ord == 1:
        return np.sign(x)
    if len(axes) == 1 and ord in (np.inf, -np.inf):
        sums, over = a, axes
    elif len(axes) == 2 and ord in (1, -1, np.inf, -np.inf):
        row, col = axes
        # 1: the largest column sum; inf: the largest row sum
        sums = np.sum(a, axis=row if abs(ord) == 1 else col, keepdims=True)
        over = (col if abs(ord) == 1 else row,)
    else:
        raise NoRuleError(
            f"np.linalg.norm with ord={ord!r} given as a variable",
            hint="write ord as a constant in the call (ord=2, ord='nuc'); a variable ord "
                 "may be ±1 or ±inf")
    extreme = np.max(sums, axis=over, keepdims=True) if ord > 0 else \
        np.min(sums, axis=over, keepdims=True)
    mask = sums == extreme
    return np.sign(x) * mask / np.sum(mask, axis=over, keepdims=True)


# --- np.fft ------------------------------------------------------------------------------------


def _irfft_plan(a, s, axes):
    """The axes and output lengths of ``np.fft.irfftn(a, s, axes)`` (``s`` may be
    one int: ``np.fft.irfft``'s ``n``)."""
    if isinstance(s, (int, np.integer)):
        s = (int(s),)
    if axes is None:
        axes = tuple(range(-len(s), 0)) if s is not None else tuple(range(np.ndim(a)))
    axes = tuple(int(i) % np.ndim(a) for i in axes)
    if s is None:
        s = tuple(np.shape(a)[i] for i in axes[:-1]) + (2 * (np.shape(a)[axes[-1]] - 1),)
    return axes, tuple(s)


def irfftn(a, s=None, axes=None, norm=None):
    """``np.fft.irfftn`` of a real array (``s`` may be one int)."""
    check(np.isrealobj(a), "np.fft.irfft of a complex array: srcdiff's derivatives are "
          "real-valued")
    axes, s = _irfft_plan(a, s, axes)
    return np.fft.irfftn(a, s, axes, norm)


def irfftn_adjoint(g, a, s=None, axes=None, norm=None):
    """Adjoint of ``np.fft.irfftn(a, s, axes, norm)`` for a real ``a``: the real
    part of the transform back, the bins that stand for two (a frequency and
    its mirror image) counted twice, cut or padded to ``a``'s shape."""
    check(np.isrealobj(a), "np.fft.irfft of a complex array: srcdiff's derivatives are "
          "real-valued")
    axes, s = _irfft_plan(a, s, axes)
    n, last = s[-1], axes[-1]
    scale = {None: 1.0 / np.prod(s), "backward": 1.0 / np.prod(s),
             "ortho": 1.0 / np.sqrt(np.prod(s)), "forward": 1.0}[norm]
    out = np.real(np.fft.rfftn(g, axes=axes)) * scale
    twice = np.full(n // 2 + 1, 2.0)
    twice[0] = 1.0
    if n % 2 == 0:
        twice[-1] = 1.0
    shape = [1] * np.ndim(out)
    shape[last] = n // 2 + 1
    out = out * np.reshape(twice, shape)
    # a was cut or padded with zeros to these lengths: the adjoint is padded or cut back
    index = tuple(slice(0, min(np.shape(a)[i], np.shape(out)[i])) for i in range(np.ndim(out)))
    pad = [(0, max(0, np.shape(a)[i] - np.shape(out)[i])) for i in range(np.ndim(out))]
    return np.pad(out[index], pad)
