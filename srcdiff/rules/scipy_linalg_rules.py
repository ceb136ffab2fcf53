"""SciPy's ``scipy.linalg`` solvers and matrix square root, and
``scipy.integrate.odeint``, declared when the program has imported them
(``rules/__init__.py`` defers this module, as ``scipy_rules.py``).  The
derivatives call SciPy again as ``rt.linalg.<name>``.

As in ``linalg_rules.py``, a right-hand side ``b`` that is a vector is a column
(``rt.column_shape``), and the rules work on stacks of matrices where SciPy does.
Real matrices only: a complex ``sqrtm`` is refused at run time.  ``odeint``'s
derivative (the adjoint method) is in ``runtime_odeint.py``.
"""

import gast
import numpy as np
from scipy import integrate, linalg

from .. import runtime as rt
from ..abstract import concrete
from ..primitives import FRESH, Primitive, adjoint, tangent, variants
from ..template import Template, d


def _constant(node, default):
    """The value of a constant argument, ``default`` when it is not given, or
    ``_UNKNOWN``."""
    if node is None:
        return default
    if isinstance(node, gast.Constant):
        return node.value
    return _UNKNOWN


_UNKNOWN = object()


def _rhs_shape(shapes, constants):
    """A solution has the shape of the right-hand side ``b`` (one matrix ``a``)."""
    a, b = shapes[:2]
    return b if concrete(a) and concrete(b) and len(a) == 2 else None


# --- solve_triangular: a x = b, or a^T x = b (trans) -------------------------------------
# a is read on one triangle (not on the diagonal with unit_diagonal): its adjoint is
# there only; with g = a^-T x_bar (a^-1 x_bar for trans), a_bar = -g x^T (-x g^T).


def _solve_triangular(y, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                      check_finite=True):
    s = rt.column_shape(y, b)
    g = rt.linalg.solve_triangular(a, np.reshape(d[y], s), trans=1, lower=lower,
                                   unit_diagonal=unit_diagonal)
    mask = rt.triangle(a, lower, unit_diagonal)
    d[a] = rt.unbroadcast(-(g @ rt.mT(np.reshape(y, s))) * mask, a)
    d[b] = rt.unbroadcast(np.reshape(g, np.shape(y)), b)


def _solve_triangular_tangent(y, a, b, trans=0, lower=False, unit_diagonal=False,
                              overwrite_b=False, check_finite=True):
    s = rt.column_shape(y, b)
    mask = rt.triangle(a, lower, unit_diagonal)
    d[y] = -np.reshape(rt.linalg.solve_triangular(a, (d[a] * mask) @ np.reshape(y, s),
                                                  lower=lower, unit_diagonal=unit_diagonal),
                       np.shape(y))
    d[y] = rt.linalg.solve_triangular(a, d[b], lower=lower, unit_diagonal=unit_diagonal)


def _solve_triangular_t(y, a, b, trans=0, lower=False, unit_diagonal=False,
                        overwrite_b=False, check_finite=True):
    s = rt.column_shape(y, b)
    g = rt.linalg.solve_triangular(a, np.reshape(d[y], s), lower=lower,
                                   unit_diagonal=unit_diagonal)
    mask = rt.triangle(a, lower, unit_diagonal)
    d[a] = rt.unbroadcast(-(np.reshape(y, s) @ rt.mT(g)) * mask, a)
    d[b] = rt.unbroadcast(np.reshape(g, np.shape(y)), b)


def _solve_triangular_t_tangent(y, a, b, trans=0, lower=False, unit_diagonal=False,
                                overwrite_b=False, check_finite=True):
    s = rt.column_shape(y, b)
    mask = rt.triangle(a, lower, unit_diagonal)
    d[y] = -np.reshape(rt.linalg.solve_triangular(a, rt.mT(d[a] * mask) @ np.reshape(y, s),
                                                  trans=1, lower=lower,
                                                  unit_diagonal=unit_diagonal), np.shape(y))
    d[y] = rt.linalg.solve_triangular(a, d[b], trans=1, lower=lower,
                                      unit_diagonal=unit_diagonal)


def _primitive(name, adjoint_rule, tangent_rule, **facts):
    """A rule chosen by a ``variants`` declaration (not registered itself)."""
    template = Template(adjoint_rule, name)
    return Primitive(name, name, signature=tuple(template.params[1:]), adjoint=template,
                     tangent=Template(tangent_rule, f"{name} (tangent)"), aliases=(),
                     float_valued=True, **facts)


_TRIANGULAR = {
    transposed: _primitive("scipy.linalg.solve_triangular", *rules, shape=_rhs_shape,
                           passive=("trans", "lower", "unit_diagonal", "overwrite_b",
                                    "check_finite"))
    for transposed, rules in ((False, (_solve_triangular, _solve_triangular_tangent)),
                              (True, (_solve_triangular_t, _solve_triangular_t_tangent)))}


@variants(linalg.solve_triangular, name="scipy.linalg.solve_triangular", result=FRESH,
          float_valued=True, why="trans must be a constant (0, 1, 2, 'N', 'T' or 'C'), and "
                                 "overwrite_b=True (which may write into b) is not differentiated")
def solve_triangular(args, keywords):
    """``solve_triangular(a, b, trans, lower, unit_diagonal)``; ``lower`` and
    ``unit_diagonal`` may be variables."""
    bound = _TRIANGULAR[False].bind(args, keywords)
    if bound is None or _constant(bound[1].get("overwrite_b"), False) is not False:
        return None
    trans = _constant(bound[1].get("trans"), 0)
    if trans in (0, "N", "n"):
        return _TRIANGULAR[False], bound[1]
    if trans in (1, 2, "T", "t", "C", "c"):   # (the conjugate transpose of a real matrix)
        return _TRIANGULAR[True], bound[1]
    return None


# --- sqrtm: y y = a, so dy y + y dy = da: a Sylvester equation ------------------------------


def _same_shape(shapes, constants):
    return shapes[0] if concrete(shapes[0]) else None


@adjoint(linalg.sqrtm, name="scipy.linalg.sqrtm", result=FRESH, float_valued=True,
         shape=_same_shape)
def sqrtm(y, A):
    rt.require_real(y, "scipy.linalg.sqrtm")
    d[A] = rt.linalg.solve_sylvester(rt.mT(y), rt.mT(y), d[y])


@tangent(linalg.sqrtm)
def sqrtm_tangent(y, A):
    rt.require_real(y, "scipy.linalg.sqrtm")
    d[y] = rt.linalg.solve_sylvester(y, y, d[A])


# --- solve_sylvester: a y + y b = q ------------------------------------------------------------


def _q_shape(shapes, constants):
    return shapes[2] if all(concrete(s) and len(s) == 2 for s in shapes[:3]) else None


@adjoint(linalg.solve_sylvester, name="scipy.linalg.solve_sylvester", result=FRESH,
         float_valued=True, shape=_q_shape)
def solve_sylvester(y, a, b, q):
    g = rt.linalg.solve_sylvester(rt.mT(a), rt.mT(b), d[y])
    d[a] = -(g @ rt.mT(y))
    d[b] = -(rt.mT(y) @ g)
    d[q] = g


@tangent(linalg.solve_sylvester)
def solve_sylvester_tangent(y, a, b, q):
    d[y] = rt.linalg.solve_sylvester(a, b, -(d[a] @ y))
    d[y] = rt.linalg.solve_sylvester(a, b, -(y @ d[b]))
    d[y] = rt.linalg.solve_sylvester(a, b, d[q])


# --- solve_banded: a y = b, a stored by its diagonals (rt.banded_*) ----------------------------


def _solve_banded(y, l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    g = rt.linalg.solve_banded(l_and_u[::-1], rt.banded_transpose(l_and_u, ab), d[y])
    d[ab] = -rt.banded_outer(l_and_u, g, y)
    d[b] = g


def _solve_banded_tangent(y, l_and_u, ab, b, overwrite_ab=False, overwrite_b=False,
                          check_finite=True):
    d[y] = -rt.linalg.solve_banded(l_and_u, ab, rt.banded_matmul(l_and_u, d[ab], y))
    d[y] = rt.linalg.solve_banded(l_and_u, ab, d[b])


def _b_shape(shapes, constants):
    return shapes[2] if concrete(shapes[2]) else None


_BANDED = _primitive("scipy.linalg.solve_banded", _solve_banded, _solve_banded_tangent,
                     shape=_b_shape,
                     passive=("l_and_u", "overwrite_ab", "overwrite_b", "check_finite"))


@variants(linalg.solve_banded, name="scipy.linalg.solve_banded", result=FRESH,
          float_valued=True, why="overwrite_ab=True and overwrite_b=True (which may write "
                                 "into ab and b) are not differentiated")
def solve_banded(args, keywords):
    """``solve_banded(l_and_u, ab, b)`` for one banded matrix (a stack is refused
    at run time)."""
    bound = _BANDED.bind(args, keywords)
    if bound is None or any(_constant(bound[1].get(p), False) is not False
                            for p in ("overwrite_ab", "overwrite_b")):
        return None
    return bound


# --- odeint: y' = func(y, t, *args) (the adjoint method; runtime_odeint.py) ----------------
# func is an operand without a derivative: a func that closes over values the
# derivative flows through is refused (pass them in args)


def _odeint(y, func, y0, t, args=(), rtol=None, atol=None, mxstep=0, tfirst=False):
    a = rt.odeint_adjoint(d[y], y, func, y0, t, args, rtol, atol, mxstep, tfirst)
    d[y0] = a[0]
    d[t] = a[1]
    d[args] = a[2]


def _odeint_tangent(y, func, y0, t, args=(), rtol=None, atol=None, mxstep=0, tfirst=False):
    d[y] = rt.odeint_tangent(y, func, y0, t, args, d[y0], None, None, rtol, atol, mxstep,
                             tfirst)
    d[y] = rt.odeint_tangent(y, func, y0, t, args, None, d[t], None, rtol, atol, mxstep,
                             tfirst)
    d[y] = rt.odeint_tangent(y, func, y0, t, args, None, None, d[args], rtol, atol, mxstep,
                             tfirst)


def _odeint_shape(shapes, constants):
    y0, t = shapes[1:3]
    if concrete(y0) and concrete(t) and len(t) == 1 and len(y0) <= 1:
        return (t[0], y0[0] if y0 else 1)
    return None


_ODEINT = _primitive("scipy.integrate.odeint", _odeint, _odeint_tangent, shape=_odeint_shape,
                     containers=("args",), passive=("rtol", "atol", "mxstep", "tfirst"))


@variants(integrate.odeint, name="scipy.integrate.odeint", result=FRESH, float_valued=True,
          why="srcdiff differentiates odeint(func, y0, t, args, rtol=, atol=, mxstep=, "
              "tfirst=); full_output, Dfun and the other solver options are not")
def odeint(args, keywords):
    """``odeint(func, y0, t, args, rtol, atol, mxstep, tfirst)``: positional
    arguments up to ``args``, the options by keyword."""
    if len(args) > 4:
        return None
    return _ODEINT.bind(args, keywords)
