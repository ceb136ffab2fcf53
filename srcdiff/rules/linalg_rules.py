"""``np.linalg``: determinants, inverses, solves, factorizations and norms.

The rules work on stacks of matrices (the last two axes), as NumPy does;
``rt.mT`` is the transpose of such a stack.  Functions that return a tuple
(``slogdet``, ``eigh``, ``eig``, ``svd``, ``qr``) are unpacked by the caller
(``sign, logdet = np.linalg.slogdet(a)``); the adjoint of their result is a
tuple of the parts' adjoints (``rt.part(d[y], 1)``; a part nobody used is
zero: ``rt.like`` gives it its shape), and their tangent is a tuple.

Conventions follow autograd: the derivatives of ``eigh`` and ``cholesky``
are for a symmetric input (``eigh``'s falls on the triangle it reads,
``cholesky``'s is symmetric); at repeated eigenvalues or singular values the
eigenvector part is infinite, unless it receives nothing there (then zero).
"""

import math

import gast
import numpy as np

from .. import runtime as rt
from ..abstract import concrete
from ..primitives import FRESH, Primitive, adjoint, tangent, variants
from ..template import Template, d


def _same_shape(shapes, constants):
    return shapes[0] if concrete(shapes[0]) else None


def _batch_shape(shapes, constants):
    a = shapes[0]
    return a[:-2] if concrete(a) and len(a) >= 2 else None


def _transposed_shape(shapes, constants):
    a = shapes[0]
    return a[:-2] + (a[-1], a[-2]) if concrete(a) and len(a) >= 2 else None


# --- determinants and inverses ---------------------------------------------------------------


@adjoint(np.linalg.det, result=FRESH, float_valued=True, shape=_batch_shape)
def det(y, a):
    d[a] = np.expand_dims(d[y] * y, (-2, -1)) * rt.mT(np.linalg.inv(a))


@tangent(np.linalg.det)
def det_tangent(y, a):
    d[y] = y * np.einsum("...ij,...ji->...", np.linalg.inv(a), d[a])


@adjoint(np.linalg.slogdet, result=FRESH)
def slogdet(y, a):
    # (the sign is piecewise constant: no derivative flows through it)
    d[a] = np.expand_dims(rt.part(d[y], 1), (-2, -1)) * rt.mT(np.linalg.inv(a))


@tangent(np.linalg.slogdet)
def slogdet_tangent(y, a):
    d[y] = (0.0 * y[0], np.einsum("...ij,...ji->...", np.linalg.inv(a), d[a]))


@adjoint(np.linalg.inv, result=FRESH, float_valued=True, shape=_same_shape)
def inv(y, a):
    yt = rt.mT(y)
    d[a] = -(yt @ d[y] @ yt)


@tangent(np.linalg.inv)
def inv_tangent(y, a):
    d[y] = -(y @ d[a] @ y)


@adjoint(np.linalg.pinv, result=FRESH, float_valued=True, passive=("rcond", "hermitian"),
         shape=_transposed_shape)
def pinv(y, a, rcond=None, hermitian=False):
    # for a matrix of constant rank (autograd's formula)
    yt = rt.mT(y)
    gt = rt.mT(d[y])
    rows = np.eye(np.shape(a)[-2]) - a @ y
    cols = np.eye(np.shape(a)[-1]) - y @ a
    d[a] = rt.mT(-(y @ gt @ y) + y @ yt @ d[y] @ rows + cols @ d[y] @ yt @ y)


@tangent(np.linalg.pinv)
def pinv_tangent(y, a, rcond=None, hermitian=False):
    yt = rt.mT(y)
    dat = rt.mT(d[a])
    rows = np.eye(np.shape(a)[-2]) - a @ y
    cols = np.eye(np.shape(a)[-1]) - y @ a
    d[y] = -(y @ d[a] @ y) + y @ yt @ dat @ rows + cols @ dat @ yt @ y


def _solve_shape(shapes, constants):
    a, b = shapes[:2]
    if not (concrete(a) and concrete(b)) or len(a) < 2 or not b:
        return None
    if rt.runtime_linalg.solved_vector(len(a), len(b)):
        return tuple(np.broadcast_shapes(a[:-2], b[:-1])) + b[-1:]
    return tuple(np.broadcast_shapes(a[:-2], b[:-2])) + b[-2:]


@adjoint(np.linalg.solve, result=FRESH, float_valued=True, shape=_solve_shape)
def solve(y, a, b):
    # y as a stack of matrices (a vector right-hand side as a column)
    s = rt.solve_columns(a, b, y)
    g = np.linalg.solve(rt.mT(a), np.reshape(d[y], s))
    d[a] = rt.unbroadcast(-(g @ rt.mT(np.reshape(y, s))), a)
    d[b] = rt.unbroadcast(np.reshape(g, np.shape(y)), b)


@tangent(np.linalg.solve)
def solve_tangent(y, a, b):
    s = rt.solve_columns(a, b, y)
    d[y] = -np.reshape(np.linalg.solve(a, d[a] @ np.reshape(y, s)), np.shape(y))
    d[y] = np.linalg.solve(a, d[b])


# --- factorizations -------------------------------------------------------------------------


@adjoint(np.linalg.cholesky, result=FRESH, float_valued=True, shape=_same_shape)
def cholesky(y, a):
    # (Murray, arXiv:1602.07527; symmetric, as autograd's)
    n = np.shape(y)[-1]
    phi = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
    p = (rt.mT(y) @ d[y]) * phi
    yt = rt.mT(y)
    s = np.linalg.solve(yt, rt.mT(np.linalg.solve(yt, rt.mT(p))))
    d[a] = 0.5 * (s + rt.mT(s))


@tangent(np.linalg.cholesky)
def cholesky_tangent(y, a):
    n = np.shape(y)[-1]
    phi = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
    m = np.linalg.solve(y, 0.5 * (d[a] + rt.mT(d[a])))
    d[y] = y @ (rt.mT(np.linalg.solve(y, rt.mT(m))) * phi)


@adjoint(np.linalg.eigh, result=FRESH, passive=("UPLO",))
def eigh(y, a, UPLO="L"):
    w = y[0]
    v = y[1]
    n = np.shape(w)[-1]
    eye = np.eye(n)
    vt = rt.mT(v)
    e = (vt @ rt.like(rt.part(d[y], 1), v)) * (1.0 - eye)
    gap = np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye
    # e / gap, zero where nothing flows into a repeated eigenvalue's vectors
    f = e / np.where(gap == 0.0, np.where(e == 0.0, 1.0, 0.0), gap)
    m = (v * np.expand_dims(rt.like(rt.part(d[y], 0), w), -2)) @ vt + v @ f @ vt
    # on the triangle eigh reads: the diagonal, and both halves folded onto one
    d[a] = m * eye + (m + rt.mT(m)) * rt.strict_triangle(n, UPLO)


@tangent(np.linalg.eigh)
def eigh_tangent(y, a, UPLO="L"):
    w = y[0]
    v = y[1]
    n = np.shape(w)[-1]
    eye = np.eye(n)
    half = d[a] * rt.strict_triangle(n, UPLO)
    p = rt.mT(v) @ (d[a] * eye + half + rt.mT(half)) @ v
    e = p * (1.0 - eye)
    gap = np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye
    f = e / np.where(gap == 0.0, np.where(e == 0.0, 1.0, 0.0), gap)
    d[y] = (np.einsum("...ii->...i", p), v @ f)


@adjoint(np.linalg.eig, result=FRESH)
def eig(y, a):
    # real eigenvalues only (autograd's formula, arXiv:1701.00392 eq. 4.77)
    rt.require_real_eig(y[0])
    w = y[0]
    u = y[1]
    n = np.shape(w)[-1]
    eye = np.eye(n)
    ut = rt.mT(u)
    utgu = ut @ rt.like(rt.part(d[y], 1), u)
    e = (utgu - (ut @ u) @ (utgu * eye)) * (1.0 - eye)
    gap = np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye
    f = e / np.where(gap == 0.0, np.where(e == 0.0, 1.0, 0.0), gap)
    inner = np.expand_dims(rt.like(rt.part(d[y], 0), w), -2) * eye + f
    d[a] = np.linalg.solve(ut, inner @ ut)


@tangent(np.linalg.eig)
def eig_tangent(y, a):
    rt.require_real_eig(y[0])
    w = y[0]
    u = y[1]
    n = np.shape(w)[-1]
    eye = np.eye(n)
    p = np.linalg.solve(u, d[a] @ u)
    e = p * (1.0 - eye)
    gap = np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye
    du = u @ (e / np.where(gap == 0.0, np.where(e == 0.0, 1.0, 0.0), gap))
    # (the eigenvectors keep unit length)
    d[y] = (np.einsum("...ii->...i", p),
            du - u * np.expand_dims(np.sum(u * du, axis=-2), -2))


def _svd(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    # (Townsend, "Differentiating the singular value decomposition"; autograd's)
    rt.require_reduced(a, full_matrices, "svd")
    u = y[0]
    s = y[1]
    vh = y[2]
    k = np.shape(s)[-1]
    eye = np.eye(k)
    gu = rt.like(rt.part(d[y], 0), u)
    gv = rt.mT(rt.like(rt.part(d[y], 2), vh))
    s2 = s * s
    gap = np.expand_dims(s2, -2) - np.expand_dims(s2, -1) + eye
    j = rt.mT(u) @ gu
    j = j - rt.mT(j)
    fj = j / np.where(gap == 0.0, np.where(j == 0.0, 1.0, 0.0), gap)
    q = vh @ gv
    q = q - rt.mT(q)
    fq = q / np.where(gap == 0.0, np.where(q == 0.0, 1.0, 0.0), gap)
    core = fj * np.expand_dims(s, -2) + eye * np.expand_dims(rt.like(rt.part(d[y], 1), s), -1) \
        + np.expand_dims(s, -1) * fq
    m = np.shape(a)[-2]
    n = np.shape(a)[-1]
    # the parts outside the span of u (a tall a) or of v (a wide a)
    wide = 1.0 * (m < n)
    tall = 1.0 * (m > n)
    sw = np.expand_dims(np.where(wide, s, 1.0), -2)
    st = np.expand_dims(np.where(tall, s, 1.0), -2)
    d[a] = u @ core @ vh \
        + wide * ((u / sw) @ rt.mT(gv) @ (np.eye(n) - rt.mT(vh) @ vh)) \
        + tall * rt.mT((rt.mT(vh) / st) @ rt.mT(gu) @ (np.eye(m) - u @ rt.mT(u)))


def _svd_tangent(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    rt.require_reduced(a, full_matrices, "svd")
    u = y[0]
    s = y[1]
    vh = y[2]
    k = np.shape(s)[-1]
    eye = np.eye(k)
    v = rt.mT(vh)
    p = rt.mT(u) @ d[a] @ v
    sp = np.expand_dims(s, -1) * p
    ps = p * np.expand_dims(s, -2)
    s2 = s * s
    gap = np.expand_dims(s2, -2) - np.expand_dims(s2, -1) + eye
    ju = (ps + rt.mT(ps)) * (1.0 - eye)
    jv = (sp + rt.mT(sp)) * (1.0 - eye)
    fu = ju / np.where(gap == 0.0, np.where(ju == 0.0, 1.0, 0.0), gap)
    fv = jv / np.where(gap == 0.0, np.where(jv == 0.0, 1.0, 0.0), gap)
    m = np.shape(a)[-2]
    n = np.shape(a)[-1]
    wide = 1.0 * (m < n)
    tall = 1.0 * (m > n)
    sw = np.expand_dims(np.where(wide, s, 1.0), -2)
    st = np.expand_dims(np.where(tall, s, 1.0), -2)
    du = u @ fu + tall * ((np.eye(m) - u @ rt.mT(u)) @ d[a] @ v / st)
    dv = v @ fv + wide * ((np.eye(n) - v @ vh) @ rt.mT(d[a]) @ u / sw)
    d[y] = (du, np.einsum("...ii->...i", p), rt.mT(dv))


def _svd_values(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    usv = np.linalg.svd(a, full_matrices=False)
    d[a] = (usv[0] * np.expand_dims(d[y], -2)) @ usv[2]


def _svd_values_tangent(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    usv = np.linalg.svd(a, full_matrices=False)
    d[y] = np.einsum("...ki,...kl,...il->...i", usv[0], d[a], usv[2])


def _primitive(name, key, adjoint_fn, tangent_fn, **facts):
    primitive = Primitive(name, key, adjoint=Template(adjoint_fn, name),
                          tangent=Template(tangent_fn, f"{name} (tangent)"), aliases=(),
                          **facts)
    primitive.signature = tuple(primitive.adjoint.params[1:])
    return primitive


_SVD = _primitive("numpy.linalg.svd", np.linalg.svd, _svd, _svd_tangent,
                  passive=("full_matrices", "compute_uv", "hermitian"))
def _singular_values_shape(shapes, constants):
    a = shapes[0]
    return a[:-2] + (min(a[-2:]),) if concrete(a) and len(a) >= 2 else None


_SVD_VALUES = _primitive("numpy.linalg.svd", np.linalg.svd, _svd_values, _svd_values_tangent,
                         passive=("full_matrices", "compute_uv", "hermitian"),
                         float_valued=True, shape=_singular_values_shape)


def _constant(node, default):
    """The value of a constant atom (``2``, ``-1``, ``'fro'``, ``(-2, -1)``), the
    default when the argument is not given, or ``_UNKNOWN``."""
    if node is None:
        return default
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) \
            and isinstance(node.operand, gast.Constant) \
            and type(node.operand.value) in (int, float):
        return -node.operand.value
    if isinstance(node, gast.Tuple):
        values = tuple(_constant(e, _UNKNOWN) for e in node.elts)
        return _UNKNOWN if _UNKNOWN in values else values
    return _UNKNOWN


_UNKNOWN = object()


def _bind(primitive, args, keywords):
    bound = primitive.bind(args, keywords)
    return bound if bound is not None and args else None


@variants(np.linalg.svd, result=FRESH,
          why="compute_uv must be a constant, and hermitian=True is not differentiated")
def svd(args, keywords):
    """``np.linalg.svd(a)``: the tuple ``(u, s, vh)``, or ``s`` alone with
    ``compute_uv=False`` (a constant); ``hermitian=True`` is refused (NumPy then
    reads one triangle)."""
    bound = _bind(_SVD, args, keywords)
    if bound is None or _constant(bound[1].get("hermitian"), False) is not False:
        return None
    compute_uv = _constant(bound[1].get("compute_uv"), True)
    if compute_uv is _UNKNOWN:
        return None
    return (_SVD if compute_uv else _SVD_VALUES), bound[1]


def _qr(y, a, mode="reduced"):
    # A = QR, rows >= columns: with M = gR R^T - Q^T gQ and N its upper
    # triangle copied to the lower one, gA = (gQ + Q N) R^-T
    rt.require_reduced(a, mode == "complete", "qr")
    q = y[0]
    r = y[1]
    gq = rt.like(rt.part(d[y], 0), q)
    n = np.shape(r)[-1]
    upper = np.triu(np.ones((n, n)))
    m = rt.like(rt.part(d[y], 1), r) @ rt.mT(r) - rt.mT(q) @ gq
    b = gq + q @ (m * upper + rt.mT(m * (upper - np.eye(n))))
    d[a] = rt.mT(np.linalg.solve(r, rt.mT(b)))


def _qr_tangent(y, a, mode="reduced"):
    rt.require_reduced(a, mode == "complete", "qr")
    q = y[0]
    r = y[1]
    n = np.shape(r)[-1]
    lower = np.tril(np.ones((n, n)), -1)
    # X = Q^T dA R^-1 = skew + upper; dR = upper R, dQ = dA R^-1 - Q upper
    dar = rt.mT(np.linalg.solve(rt.mT(r), rt.mT(d[a])))
    x = rt.mT(q) @ dar
    xl = x * lower
    upper = x - xl + rt.mT(xl)
    d[y] = (dar - q @ upper, upper @ r)


def _qr_r(y, a, mode="reduced"):
    rt.require_reduced(a, False, "qr")
    q = np.linalg.qr(a)[0]
    n = np.shape(y)[-1]
    upper = np.triu(np.ones((n, n)))
    m = d[y] @ rt.mT(y)
    d[a] = rt.mT(np.linalg.solve(y, rt.mT(q @ (m * upper + rt.mT(m * (upper - np.eye(n)))))))


def _qr_r_tangent(y, a, mode="reduced"):
    rt.require_reduced(a, False, "qr")
    q = np.linalg.qr(a)[0]
    n = np.shape(y)[-1]
    x = rt.mT(q) @ rt.mT(np.linalg.solve(rt.mT(y), rt.mT(d[a])))
    xl = x * np.tril(np.ones((n, n)), -1)
    d[y] = (x - xl + rt.mT(xl)) @ y


_QR = _primitive("numpy.linalg.qr", np.linalg.qr, _qr, _qr_tangent, passive=("mode",))
_QR_R = _primitive("numpy.linalg.qr", np.linalg.qr, _qr_r, _qr_r_tangent, passive=("mode",),
                   float_valued=True)


@variants(np.linalg.qr, result=FRESH,
          why="the mode must be the constant 'reduced', 'complete' or 'r'")
def qr(args, keywords):
    """``np.linalg.qr(a)`` (rows >= columns) in mode ``'reduced'`` or
    ``'complete'`` (the tuple ``(q, r)``; complete: square only) or ``'r'``."""
    bound = _bind(_QR, args, keywords)
    if bound is None:
        return None
    mode = _constant(bound[1].get("mode"), "reduced")
    if mode in ("reduced", "complete"):
        return _QR, bound[1]
    if mode == "r":
        return _QR_R, bound[1]
    return None


# --- matrix_power ----------------------------------------------------------------------------

_MAX_POWER = 16
_powers = {}


def _matrix_power(n):
    """The primitive of ``np.linalg.matrix_power(a, n)`` for a constant ``n``:
    d(a^n) = sum over k of a^k da a^(n-1-k), written out (a negative n: the
    same for inv(a), then through the inverse)."""
    if n not in _powers:
        m = abs(n)
        base = "b" if n < 0 else "a"
        head = ["b = np.linalg.inv(a)"] if n < 0 else []

        def powers(of):
            lines = [f"p1 = {of}"] if m > 1 else []
            lines += [f"p{k} = p{k - 1} @ p1" for k in range(2, m)]
            return lines

        def chain(left, seed, right):
            return " @ ".join(x for x in (left, seed, right) if x)

        def terms(seed):
            return " + ".join(chain(f"p{k}" if k else "", seed,
                                    f"p{m - 1 - k}" if m - 1 - k else "") for k in range(m))

        if n == 0:
            adjoint_lines = ["d[a] = 0.0 * d[y]"]
            tangent_lines = ["d[y] = 0.0 * d[a]"]
        else:
            adjoint_lines = head + powers(f"rt.mT({base})") + [f"g = {terms('d[y]')}"]
            adjoint_lines.append("d[a] = -(rt.mT(b) @ g @ rt.mT(b))" if n < 0 else "d[a] = g")
            seed = "(-(b @ d[a] @ b))" if n < 0 else "d[a]"
            tangent_lines = head + powers(base) + [f"d[y] = {terms(seed)}"]

        def source(lines):
            return "def matrix_power(y, a, n):\n" + "".join(f"    {line}\n" for line in lines)
        name = "numpy.linalg.matrix_power"
        _powers[n] = Primitive(name, np.linalg.matrix_power, signature=("a", "n"),
                               adjoint=Template.from_source(source(adjoint_lines), name),
                               tangent=Template.from_source(source(tangent_lines),
                                                            f"{name} (tangent)"),
                               passive=("n",), shape=_same_shape,
                               # (NumPy returns a itself for n = 1)
                               aliases=("a",) if n == 1 else ())
    return _powers[n]


@variants(np.linalg.matrix_power, view="a", shape=_same_shape,
          why=f"the power must be an int constant of at most {_MAX_POWER} in size")
def matrix_power(args, keywords):
    """``np.linalg.matrix_power(a, n)`` for a constant ``n`` with ``|n| <= 16``
    (the derivative is written out term by term)."""
    node = args[1] if len(args) == 2 and not keywords else keywords.get("n")
    n = _constant(node, _UNKNOWN)
    if type(n) is not int or abs(n) > _MAX_POWER or len(args) + len(keywords) != 2:
        return None
    return _matrix_power(n), {"a": args[0] if args else keywords["a"], "n": node}


# --- norm ------------------------------------------------------------------------------------
# Which derivative np.linalg.norm has depends on ord and on whether it is a
# vector or a matrix norm (axis, or the number of dimensions when axis is
# None): the template is chosen from the constant ord and axis.  At the zero
# vector the derivative of the 2-norm is 0 (the subgradient of least norm).


def _norm2(y, x, ord=None, axis=None, keepdims=False):
    d[x] = rt.unreduce(d[y] / np.where(y, y, 1.0), x, axis, keepdims) * x


def _norm2_tangent(y, x, ord=None, axis=None, keepdims=False):
    d[y] = np.sum(d[x] * x, axis=axis, keepdims=keepdims) / np.where(y, y, 1.0)


def _norm_p(y, x, ord=None, axis=None, keepdims=False):
    d[x] = rt.unreduce(d[y] / np.where(y, y, 1.0) ** (ord - 1), x, axis, keepdims) \
        * np.sign(x) * np.abs(x) ** (ord - 1)


def _norm_p_tangent(y, x, ord=None, axis=None, keepdims=False):
    d[y] = np.sum(d[x] * np.sign(x) * np.abs(x) ** (ord - 1), axis=axis, keepdims=keepdims) \
        / np.where(y, y, 1.0) ** (ord - 1)


def _norm_piecewise(y, x, ord=None, axis=None, keepdims=False):
    # (max / sum of |x|: the weights are piecewise constant)
    d[x] = rt.unreduce(d[y], x, axis, keepdims) * rt.norm_weight(x, ord, axis)


def _norm_piecewise_tangent(y, x, ord=None, axis=None, keepdims=False):
    d[y] = np.sum(d[x] * rt.norm_weight(x, ord, axis), axis=axis, keepdims=keepdims)


def _norm_nuc(y, x, ord=None, axis=None, keepdims=False):
    usv = np.linalg.svd(x, full_matrices=False)
    d[x] = rt.unreduce(d[y], x, axis, keepdims) * (usv[0] @ usv[2])


def _norm_nuc_tangent(y, x, ord=None, axis=None, keepdims=False):
    usv = np.linalg.svd(x, full_matrices=False)
    d[y] = np.sum(d[x] * (usv[0] @ usv[2]), axis=axis, keepdims=keepdims)


def _norm_largest(y, x, ord=None, axis=None, keepdims=False):
    usv = np.linalg.svd(x, full_matrices=False)
    w = usv[0][..., :, :1] @ usv[2][..., :1, :]
    d[x] = rt.unreduce(d[y], x, axis, keepdims) * w


def _norm_largest_tangent(y, x, ord=None, axis=None, keepdims=False):
    usv = np.linalg.svd(x, full_matrices=False)
    w = usv[0][..., :, :1] @ usv[2][..., :1, :]
    d[y] = np.sum(d[x] * w, axis=axis, keepdims=keepdims)


def _norm_smallest(y, x, ord=None, axis=None, keepdims=False):
    usv = np.linalg.svd(x, full_matrices=False)
    w = usv[0][..., :, -1:] @ usv[2][..., -1:, :]
    d[x] = rt.unreduce(d[y], x, axis, keepdims) * w


def _norm_smallest_tangent(y, x, ord=None, axis=None, keepdims=False):
    usv = np.linalg.svd(x, full_matrices=False)
    w = usv[0][..., :, -1:] @ usv[2][..., -1:, :]
    d[y] = np.sum(d[x] * w, axis=axis, keepdims=keepdims)


def _norm_spectral(y, x, ord=None, axis=None, keepdims=False):
    # ord=2, axis=None: a vector is the one-row matrix with the same 2-norm
    rows = np.reshape(x, (-1, np.shape(x)[-1]))
    usv = np.linalg.svd(rows, full_matrices=False)
    w = np.reshape(usv[0][:, :1] @ usv[2][:1, :], np.shape(x))
    d[x] = d[y] * w


def _norm_spectral_tangent(y, x, ord=None, axis=None, keepdims=False):
    rows = np.reshape(x, (-1, np.shape(x)[-1]))
    usv = np.linalg.svd(rows, full_matrices=False)
    w = np.reshape(usv[0][:, :1] @ usv[2][:1, :], np.shape(x))
    d[y] = np.sum(d[x] * w, keepdims=keepdims)


def _norm_shape(shapes, constants):
    x = shapes[0]
    axis = constants.get("axis", None)
    keepdims = constants.get("keepdims", False)
    if not concrete(x) or type(keepdims) is not bool:
        return None
    if axis is None:
        axes = tuple(range(len(x)))
    elif type(axis) is int:
        axes = (axis % len(x),)
    elif type(axis) is tuple and all(type(i) is int for i in axis):
        axes = tuple(i % len(x) for i in axis)
    else:
        return None
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(x))
    return tuple(n for i, n in enumerate(x) if i not in axes)


_NORMS = {kind: _primitive("numpy.linalg.norm", np.linalg.norm, adjoint_fn, tangent_fn,
                           passive=("ord", "axis", "keepdims"), float_valued=True,
                           shape=_norm_shape)
          for kind, (adjoint_fn, tangent_fn) in {
              "2": (_norm2, _norm2_tangent), "p": (_norm_p, _norm_p_tangent),
              "piecewise": (_norm_piecewise, _norm_piecewise_tangent),
              "nuc": (_norm_nuc, _norm_nuc_tangent),
              "largest": (_norm_largest, _norm_largest_tangent),
              "smallest": (_norm_smallest, _norm_smallest_tangent),
              "spectral": (_norm_spectral, _norm_spectral_tangent)}.items()}


def _norm_kind(order, axis):
    """Which derivative ``np.linalg.norm(x, ord, axis)`` has, or None."""
    vector = type(axis) is int
    last_two = axis == (-2, -1)
    if order is None or order == "fro":
        return "2"
    if order == "nuc":
        return "nuc" if axis is None or last_two else None
    if order is _UNKNOWN:
        return "piecewise"  # np.inf, -np.inf (rt.norm_weight refuses other values)
    if type(order) not in (int, float) or order == 0 or axis is _UNKNOWN:
        return None
    if order == 1 or math.isinf(order):
        return "piecewise"
    if order == 2:
        return "2" if vector else "spectral" if axis is None else "largest" if last_two \
            else None
    if order == -2 and not vector:
        return "smallest" if last_two else None
    if order == -1 and not vector:
        return "piecewise" if type(axis) is tuple else None
    return "p" if vector or axis is None else None


@variants(np.linalg.norm, result=FRESH, float_valued=True,
          why="ord and axis must be constants (a variable ord may be ±1 or ±inf); ord=0 "
              "has no derivative; ord=-1 and -2 need an axis; a matrix norm of ord 2, -2 "
              "or 'nuc' over given axes needs axis=(-2, -1)")
def norm(args, keywords):
    """``np.linalg.norm(x, ord, axis, keepdims)``: ord ``None``, ``'fro'``,
    ``'nuc'``, a number or ``np.inf`` / ``-np.inf``; ``ord`` and ``axis``
    constants (for ``ord=±1, ±inf`` they may be variables)."""
    bound = _bind(_NORMS["2"], args, keywords)
    if bound is None:
        return None
    kind = _norm_kind(_constant(bound[1].get("ord"), None), _constant(bound[1].get("axis"),
                                                                      None))
    return (_NORMS[kind], bound[1]) if kind is not None else None
