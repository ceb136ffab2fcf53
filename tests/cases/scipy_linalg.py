"""Rule cases of ``srcdiff/rules/scipy_linalg_rules.py``: the solvers and the
matrix square root of ``scipy.linalg`` (none without SciPy).  The oracle's twins
call ``autograd.scipy.linalg`` (``tests/oracle.py``); where autograd has no rule
(a stack of matrices, ``unit_diagonal``) the expected gradient is from central
differences."""

import numpy as np

from oracle import fd_grad
from rules_support import R

try:
    from scipy import linalg
except ImportError:
    linalg = None

_rng = np.random.default_rng(3)
_U = np.triu(_rng.uniform(-1.0, 1.0, (4, 4))) + 2.0 * np.eye(4)   # upper triangular
_L = _U.T.copy()
_FULL = _rng.uniform(-1.0, 1.0, (4, 4)) + 2.0 * np.eye(4)      # read on one triangle
_B = _rng.uniform(-1.0, 1.0, (4, 3))
_V = _rng.uniform(-1.0, 1.0, 4)
_W3 = _rng.uniform(-1.0, 1.0, (4, 3))
_STACK = np.triu(_rng.uniform(-1.0, 1.0, (2, 4, 4))) + 2.0 * np.eye(4)
_BSTACK = _rng.uniform(-1.0, 1.0, (2, 4, 3))


def _batches():
    """Does this SciPy take stacks of matrices in solve_triangular and sqrtm?"""
    try:
        linalg.solve_triangular(np.eye(2)[None], np.ones((1, 2)))
        linalg.sqrtm(np.eye(2)[None])
    except ValueError:
        return False
    return True


_batched = linalg is not None and _batches()


def by_fd(fn, wrt):
    return lambda *args: fd_grad(fn, args, wrt)


def sl_triangular(a, b):
    return np.sum(linalg.solve_triangular(a, b) * _W3)


def sl_triangular_vector(a, b):
    return np.sum(linalg.solve_triangular(a, b, lower=False) ** 2)


def sl_triangular_lower(a, b):
    return np.sum(linalg.solve_triangular(a, b, lower=True) * _W3)


def sl_triangular_trans(a, b):
    return np.sum(linalg.solve_triangular(a, b, trans="T") * _W3)


def sl_triangular_trans_lower(a, b):
    return np.sum(np.sin(linalg.solve_triangular(a, b, 1, True)))


def sl_triangular_conj(a, b):
    return np.sum(linalg.solve_triangular(a, b, trans=2, lower=True) ** 2)


def sl_triangular_unit(a, b):
    return np.sum(linalg.solve_triangular(a, b, unit_diagonal=True) * _W3)


def sl_triangular_unit_trans(a, b):
    return np.sum(linalg.solve_triangular(a, b, trans="T", lower=True, unit_diagonal=True)
                  ** 2)


def sl_triangular_flag(a, b, lower):
    return np.sum(linalg.solve_triangular(a, b, lower=lower) * _W3)


def sl_triangular_stack(a, b):
    return np.sum(linalg.solve_triangular(a, b) ** 2)


def sl_triangular_stack_trans(a, b):
    return np.sum(linalg.solve_triangular(a, b, trans=1) ** 2)


_SPD = _FULL @ _FULL.T + np.eye(4)
_POSITIVE = np.array([[2.0, 0.7, -0.3], [0.2, 1.5, 0.4], [-0.1, 0.3, 3.0]])   # not symmetric
_SPD_STACK = _STACK @ np.swapaxes(_STACK, -1, -2)
_W4 = _rng.uniform(-1.0, 1.0, (4, 4))


def sl_sqrtm(a):
    return np.sum(linalg.sqrtm(a) * _W4[:np.shape(a)[0], :np.shape(a)[0]])


def sl_sqrtm_factor(f):
    return np.sum(linalg.sqrtm(f @ f.T + np.eye(4)) ** 2)


def sl_sqrtm_stack(a):
    return np.sum(np.sin(linalg.sqrtm(a)))


def sl_sylvester(a, b, q):
    return np.sum(linalg.solve_sylvester(a, b, q) * _W3)


def sl_sylvester_square(a, b, q):
    return np.sum(linalg.solve_sylvester(a, b, q) ** 2)


_SA = _FULL + 2.0 * np.eye(4)
_SB = _rng.uniform(-1.0, 1.0, (3, 3)) + 2.0 * np.eye(3)


def banded(l_and_u, n, rng):
    """Banded storage of a diagonally dominant matrix, with values also in the
    corners that are not read."""
    ab = rng.uniform(-1.0, 1.0, (l_and_u[0] + l_and_u[1] + 1, n))
    ab[l_and_u[1]] += 3.0
    return ab


_TRI = banded((1, 1), 5, _rng)
_UPPER2 = banded((0, 2), 5, _rng)
_LOWER2 = banded((2, 0), 5, _rng)
_WIDE = banded((1, 2), 5, _rng)
_V5 = _rng.uniform(-1.0, 1.0, 5)
_B5 = _rng.uniform(-1.0, 1.0, (5, 2))


def sl_banded_tri(ab, b):
    return np.sum(linalg.solve_banded((1, 1), ab, b) * np.arange(1.0, 6.0))


def sl_banded_upper(ab, b):
    return np.sum(linalg.solve_banded((0, 2), ab, b) ** 2)


def sl_banded_lower(ab, b):
    return np.sum(np.sin(linalg.solve_banded([2, 0], ab, b)))


def sl_banded_wide(ab, b):
    return np.sum(linalg.solve_banded((1, 2), ab, b) ** 2)


def sl_banded_unchecked(ab, b):
    return np.sum(linalg.solve_banded((1, 2), ab, b, check_finite=False) * _B5)


def sl_banded_lu(ab, b, l_and_u):
    return np.sum(linalg.solve_banded(l_and_u, ab, b) ** 2)


CASES = {} if linalg is None else {
    "scipy.linalg.solve_triangular": [
        R(sl_triangular, _U, _B, wrt=(0, 1)),
        R(sl_triangular_vector, _U, _V, wrt=(0, 1)),
        R(sl_triangular_lower, _L, _B, wrt=(0, 1)),
        # a full matrix: the other triangle is not read, its gradient is 0
        R(sl_triangular_lower, _FULL, _B, wrt=(0, 1)),
        R(sl_triangular, _FULL, _B, wrt=(0, 1)),
        R(sl_triangular_trans, _FULL, _B, wrt=(0, 1)),
        R(sl_triangular_trans_lower, _FULL, _V, wrt=(0, 1)),
        R(sl_triangular_conj, _L, _B, wrt=(0, 1)),
        # unit_diagonal: the diagonal is not read (autograd's rule ignores it)
        R(sl_triangular_unit, _FULL, _B, wrt=(0, 1),
          expected=by_fd(sl_triangular_unit, (0, 1))),
        R(sl_triangular_unit_trans, _FULL, _B, wrt=(0, 1),
          expected=by_fd(sl_triangular_unit_trans, (0, 1))),
        R(sl_triangular_flag, _FULL, _B, True, wrt=(0, 1))]
    + ([R(sl_triangular_stack, _STACK, _BSTACK, wrt=(0, 1),
          expected=by_fd(sl_triangular_stack, (0, 1))),
        R(sl_triangular_stack, _STACK, _V, wrt=(0, 1),
          expected=by_fd(sl_triangular_stack, (0, 1))),
        R(sl_triangular_stack_trans, _U, _BSTACK, wrt=(0, 1),
          expected=by_fd(sl_triangular_stack_trans, (0, 1)))] if _batched else []),
    "scipy.linalg.sqrtm": [R(sl_sqrtm, _SPD), R(sl_sqrtm, _POSITIVE), R(sl_sqrtm, np.eye(4)),
                           R(sl_sqrtm_factor, _FULL)]
    + ([R(sl_sqrtm_stack, _SPD_STACK, expected=by_fd(sl_sqrtm_stack, 0))] if _batched
       else []),
    # (autograd's rule: for a vector b only)
    "scipy.linalg.solve_banded": [R(sl_banded_tri, _TRI, _V5, wrt=(0, 1)),
                                  R(sl_banded_upper, _UPPER2, _V5, wrt=(0, 1)),
                                  R(sl_banded_lower, _LOWER2, _V5, wrt=(0, 1)),
                                  R(sl_banded_wide, _WIDE, _V5, wrt=(0, 1)),
                                  R(sl_banded_lu, _WIDE, _V5, (1, 2), wrt=(0, 1)),
                                  R(sl_banded_tri, _TRI, _B5.T[0], wrt=1),
                                  R(sl_banded_unchecked, _WIDE, _B5, wrt=(0, 1),
                                    expected=by_fd(sl_banded_unchecked, (0, 1))),
                                  R(sl_banded_lower, _LOWER2, _B5, wrt=(0, 1),
                                    expected=by_fd(sl_banded_lower, (0, 1)))],
    "scipy.linalg.solve_sylvester": [R(sl_sylvester, _SA, _SB, _B, wrt=(0, 1, 2)),
                                     R(sl_sylvester_square, _SA, _SA.T, _FULL,
                                       wrt=(0, 1, 2)),
                                     R(sl_sylvester, _SA, np.array([[1.5]]), _W3[:, :1],
                                       wrt=(0, 1, 2))],
}
