"""Products: ``@`` / ``np.matmul``, ``np.dot``, ``np.inner``, ``np.vdot``,
``np.outer``, ``np.tensordot``, ``np.einsum``, ``np.kron``, ``np.cross`` and
``np.trace``.  All are linear in each operand, so their tangents are derived
(the call with one operand replaced by its tangent)."""

import gast
import numpy as np

from .. import runtime as rt
from ..abstract import concrete
from ..primitives import ANY, FRESH, Primitive, adjoint, variants
from ..template import Template, d

# --- matmul and dot -----------------------------------------------------------------------


def _matmul_shape(shapes, constants):
    """``x @ y`` of at most 2-D operands, from their shapes (no product of dummies)."""
    a, b = shapes[:2]
    if a and b and len(a) <= 2 and len(b) <= 2 and a[-1] == b[0]:
        return a[:-1] + b[1:]
    return None


def _mm_matrix_matrix(z, x, y):
    d[x] = d[z] @ y.T
    d[y] = x.T @ d[z]


def _mm_matrix_vector(z, x, y):
    d[x] = np.outer(d[z], y)
    d[y] = x.T @ d[z]


def _mm_vector_matrix(z, x, y):
    d[x] = y @ d[z]
    d[y] = np.outer(x, d[z])


def _mm_vector_vector(z, x, y):
    d[x] = d[z] * y
    d[y] = d[z] * x


_MM_EXACT = {(2, 2): Template(_mm_matrix_matrix, "matmul (2-D, 2-D)"),
             (2, 1): Template(_mm_matrix_vector, "matmul (2-D, 1-D)"),
             (1, 2): Template(_mm_vector_matrix, "matmul (1-D, 2-D)"),
             (1, 1): Template(_mm_vector_vector, "matmul (1-D, 1-D)")}


def _matmul_exact(shapes):
    """The adjoint of ``x @ y`` (or ``np.dot``) as plain NumPy, for operands of
    known shapes with 1 or 2 dimensions."""
    return _MM_EXACT.get(tuple(len(s) for s in shapes[:2]))


@adjoint(np.matmul, "operator.matmul", linear=True, result=FRESH, shape=_matmul_shape,
         exact=_matmul_exact)
def matmul(z, x1, x2):
    d[x1] = rt.matmul_dx(d[z], x1, x2)
    d[x2] = rt.matmul_dy(d[z], x1, x2)


def _both_concrete(shapes):
    a, b = shapes[:2]
    return concrete(a) and concrete(b)


def _dot_shape(shapes, constants):
    """``np.dot(a, b)``: a's axes but the last, then b's but the second to last."""
    if not _both_concrete(shapes):
        return None
    a, b = shapes[:2]
    if not a or not b:
        return a or b
    return a[:-1] + b[:-2] + b[-1:] if len(b) > 1 else a[:-1]


@adjoint(np.dot, "ndarray.dot", linear=True, result=FRESH, shape=_dot_shape,
         exact=_matmul_exact)
def dot(z, a, b):
    axes = rt.dot_axes(a, b)
    d[a] = rt.tensordot_da(d[z], a, b, axes)
    d[b] = rt.tensordot_db(d[z], a, b, axes)


def _inner_shape(shapes, constants):
    if not _both_concrete(shapes):
        return None
    a, b = shapes[:2]
    return a[:-1] + b[:-1] if a and b else a or b


@adjoint(np.inner, linear=True, result=FRESH, shape=_inner_shape)
def inner(z, a, b):
    axes = rt.inner_axes(a, b)
    d[a] = rt.tensordot_da(d[z], a, b, axes)
    d[b] = rt.tensordot_db(d[z], a, b, axes)


@adjoint(np.vdot, linear=True, result=FRESH, shape="scalar")
def vdot(z, a, b):
    d[a] = np.reshape(d[z] * np.ravel(b), np.shape(a))
    d[b] = np.reshape(d[z] * np.ravel(a), np.shape(b))


def _outer_shape(shapes, constants):
    if not _both_concrete(shapes):
        return None
    return (int(np.prod(shapes[0])), int(np.prod(shapes[1])))


@adjoint(np.outer, linear=True, result=FRESH, shape=_outer_shape)
def outer(z, a, b):
    d[a] = np.reshape(d[z] @ np.ravel(b), np.shape(a))
    d[b] = np.reshape(np.ravel(a) @ d[z], np.shape(b))


def _tensordot_shape(shapes, constants):
    axes = constants.get("axes", 2)
    if not _both_concrete(shapes) or not _is_axes(axes):
        return None
    a, b = shapes[:2]
    try:
        _, _, fa, fb = rt.runtime_linalg._contraction(len(a), len(b), axes)
    except (TypeError, ValueError):
        return None
    return tuple(a[i] for i in fa) + tuple(b[i] for i in fb)


def _is_axes(axes):
    if type(axes) is int:
        return True
    return type(axes) is tuple and len(axes) == 2 and all(
        type(x) is int or (type(x) is tuple and all(type(i) is int for i in x)) for x in axes)


@adjoint(np.tensordot, linear=True, result=FRESH, shape=_tensordot_shape)
def tensordot(y, a, b, axes=2):
    d[a] = rt.tensordot_da(d[y], a, b, axes)
    d[b] = rt.tensordot_db(d[y], a, b, axes)


def _kron_shape(shapes, constants):
    if not _both_concrete(shapes):
        return None
    a, b = shapes[:2]
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    return tuple(i * j for i, j in zip(a, b))


@adjoint(np.kron, linear=True, result=FRESH, shape=_kron_shape)
def kron(y, a, b):
    d[a] = rt.kron_da(d[y], a, b)
    d[b] = rt.kron_db(d[y], a, b)


# --- cross ----------------------------------------------------------------------------------


def _cross(y, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    # <g, a x b> = <a, b x g> = <b, g x a>, each on its own vector axis
    d[a] = rt.unbroadcast(np.cross(b, d[y], axisb, axisc, axisa, axis), a)
    d[b] = rt.unbroadcast(np.cross(d[y], a, axisc, axisa, axisb, axis), b)


def _cross_shape(shapes, constants):
    """3-vectors along the last axis: the operands' shapes broadcast."""
    a, b = shapes[:2]
    if not _both_concrete(shapes) or any(constants.get(p, -1) not in (-1, None) for p in
                                         ("axisa", "axisb", "axisc", "axis")):
        return None
    return tuple(np.broadcast_shapes(a, b)) if a[-1:] == b[-1:] == (3,) else None


_CROSS = Primitive("numpy.cross", np.cross, signature=("a", "b", "axisa", "axisb", "axisc",
                                                      "axis"),
                   adjoint=Template(_cross, "numpy.cross"), linear=True, aliases=(),
                   shape=_cross_shape)


def _negative_axis(node):
    """Is the atom a negative int constant (``-1``), or ``None``?"""
    if isinstance(node, gast.Constant) and node.value is None:
        return True
    return isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) \
        and isinstance(node.operand, gast.Constant) and type(node.operand.value) is int \
        and node.operand.value > 0


@variants(np.cross, result=FRESH, why="srcdiff differentiates the cross product of "
          "3-vectors along an axis given as a negative constant (the default is -1)")
def cross(args, keywords):
    """``np.cross(a, b)`` of 3-vectors along an axis counted from the end
    (``axis=-1`` by default): the adjoint's ``rt.unbroadcast`` sums broadcast
    batch axes, which line up from the end only."""
    bound = _CROSS.bind(args, keywords)
    if bound is None or len(args) < 2:
        return None
    if not all(_negative_axis(v) for p, v in bound[1].items() if p.startswith("axis")):
        return None
    return bound


# --- trace ----------------------------------------------------------------------------------


def _trace_shape(shapes, constants):
    a = shapes[0]
    axis1, axis2 = constants.get("axis1", 0), constants.get("axis2", 1)
    if not concrete(a) or type(axis1) is not int or type(axis2) is not int or len(a) < 2:
        return None
    gone = {axis1 % len(a), axis2 % len(a)}
    return tuple(n for i, n in enumerate(a) if i not in gone)


@adjoint(np.trace, "ndarray.trace", linear=True, result=FRESH, shape=_trace_shape)
def trace(y, a, offset=0, axis1=0, axis2=1):
    d[a] = np.expand_dims(d[y], (axis1, axis2)) * rt.diagonal_mask(a, offset, axis1, axis2)


# --- einsum ---------------------------------------------------------------------------------


class _Subscripts:
    """An ``np.einsum`` subscripts string, parsed: one term per operand and the
    output term, each a list of labels (``'...'`` one label)."""

    def __init__(self, text, count):
        text = text.replace(" ", "")
        lhs, arrow, rhs = text.partition("->")
        self.inputs = [_labels(t) for t in lhs.split(",")]
        if len(self.inputs) != count:
            raise ValueError("operand count")
        if arrow:
            self.output = _labels(rhs)
        else:  # implicit: the labels seen once, in order of their codes
            seen = [c for t in self.inputs for c in t if c != "..."]
            self.output = (["..."] if any("..." in t for t in self.inputs) else []) + sorted(
                c for c in set(seen) if seen.count(c) == 1)

    def term(self, labels):
        return "".join(labels)

    def shape(self, shapes):
        """The result's shape from the operands' exact shapes."""
        sizes, ellipses = {}, []
        for labels, shape in zip(self.inputs, shapes):
            n = len(shape) - (len(labels) - 1) if "..." in labels else len(shape)
            if "..." not in labels and len(labels) != len(shape):
                return None
            position = 0
            for label in labels:
                if label == "...":
                    ellipses.append(tuple(shape[position:position + n]))
                    position += n
                    continue
                size = shape[position]
                if sizes.get(label, 1) != 1 and size not in (1, sizes[label]):
                    return None
                sizes[label] = max(sizes.get(label, 1), size)
                position += 1
        out = []
        for label in self.output:
            if label == "...":
                out.extend(np.broadcast_shapes(*ellipses) if ellipses else ())
            else:
                out.append(sizes[label])
        return tuple(out)


def _labels(term):
    labels, i = [], 0
    while i < len(term):
        if term.startswith("...", i):
            labels.append("...")
            i += 3
        elif term[i].isalpha():
            labels.append(term[i])
            i += 1
        else:
            raise ValueError(term)
    return labels


_FREE = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [chr(c) for c in range(ord("A"),
                                                                                   ord("Z") + 1)]


def _einsum_adjoint_line(sub, k, names):
    """``d[x_k] = ...`` of ``np.einsum``: the einsum of the result's adjoint with
    the other operands, into operand k's labels.  A label repeated in operand k
    (a diagonal) is written once more through ``np.eye``; a label no other term
    has (summed over operand k alone) comes from ``np.ones``."""
    own = sub.inputs[k]
    terms = [sub.output] + [t for j, t in enumerate(sub.inputs) if j != k]
    operands = ["d[y]"] + [n for j, n in enumerate(names) if j != k]
    used = {c for t in sub.inputs + [sub.output] for c in t}
    fresh = iter(c for c in _FREE if c not in used)
    # (a label operand k repeats comes with np.eye)
    present = {c for t in terms for c in t} | {c for c in own if own.count(c) > 1}
    target, seen = [], set()
    ellipsis_at = own.index("...") if "..." in own else None
    for position, label in enumerate(own):
        if label == "...":
            target.append(label)
            continue
        # the axis of operand k this label names (counted from the end after '...')
        axis = position if ellipsis_at is None or position < ellipsis_at \
            else position - len(own)
        size = f"np.shape({names[k]})[{axis}]"
        if label in seen:
            new = next(fresh)
            terms.append([label, new])
            operands.append(f"np.eye({size})")
            target.append(new)
            continue
        seen.add(label)
        if label not in present:
            terms.append([label])
            operands.append(f"np.ones({size})")
            present.add(label)
        target.append(label)
    spec = ",".join(sub.term(t) for t in terms) + "->" + sub.term(target)
    expr = f"np.einsum({spec!r}, {', '.join(operands)})"
    if len(sub.inputs) > 1:  # sizes of 1 and '...' may broadcast against other operands
        expr = f"rt.unbroadcast({expr}, {names[k]})"
    return f"    d[{names[k]}] = {expr}\n"


_einsums = {}


def _einsum(text, count):
    """The primitive of ``np.einsum(text, x0, ..., x{count-1})``."""
    if (text, count) not in _einsums:
        sub = _Subscripts(text, count)
        names = [f"x{i}" for i in range(count)]
        for own in sub.inputs:
            if "..." in own and own[0] != "..." and count > 1:
                raise ValueError("'...' not leading")  # broadcasting could not be undone
        source = f"def einsum(y, subscripts, {', '.join(names)}, optimize=False):\n" + "".join(
            _einsum_adjoint_line(sub, k, names) for k in range(count))
        name = "numpy.einsum"
        _einsums[text, count] = Primitive(
            name, np.einsum, signature=("subscripts", *names, "optimize"),
            adjoint=Template.from_source(source, name), linear=True, passive=("optimize",),
            aliases=ANY if count == 1 else (),
            shape=lambda shapes, constants: sub.shape(shapes[1:1 + count])
            if all(concrete(s) for s in shapes[1:1 + count]) else None)
    return _einsums[text, count]


@variants(np.einsum, why="the subscripts must be a constant string, '...' must lead "
          "the terms of two or more operands, and the only keyword taken is optimize")
def einsum(args, keywords):
    """``np.einsum('ij,jk->ik', a, b)``: the subscripts a constant string (explicit
    or implicit output), any number of operands; a ``'...'`` leads the terms of
    two or more operands."""
    if not args or not isinstance(args[0], gast.Constant) or not isinstance(args[0].value, str) \
            or set(keywords) - {"optimize"}:
        return None
    try:
        primitive = _einsum(args[0].value, len(args) - 1)
    except (ValueError, IndexError):
        return None
    bindings = dict(zip(primitive.signature, args))
    bindings.update(keywords)
    return primitive, bindings
