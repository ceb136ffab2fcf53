"""Runtime helpers for higher-order and forward-mode derivatives.

Generated reverse code calls the helpers of ``runtime.py``; differentiating
that code again (``grad(grad(f))``, ``hessian``) needs the derivatives of
those helpers, and some of these derivatives are helpers of their own.  They
live here and are re-exported by ``runtime`` (generated code calls them as
``rt.<name>``).  They build on the helpers of ``runtime.py``, which hands
itself over (``_rt``) as it takes these in: this module imports nothing of
srcdiff (but ``arrays.py``), so the two form no import cycle.  Almost all are linear in their
first argument and come in transposed pairs (``scatter`` / ``gather``,
``pack`` / ``unpack_parts``, ``unstack`` / ``unstack_adjoint`` ...); the rules are in
``rules/runtime_rules.py``.  Zero placeholders (a bare ``0.0`` standing for a
zero of any shape or structure) are accepted wherever an adjoint or tangent
goes in, as in ``runtime.py``.
"""

import numpy as np

from .arrays import broadcast_to, copy, foreign, is_array, spread

_rt = None  # srcdiff.runtime (set by it)

_CONTAINERS = (tuple, list, dict)


def _is_zero(value):
    return not isinstance(value, _CONTAINERS) and not is_array(value) and value is not None \
        and np.ndim(value) == 0 and value == 0


def matprod(a, b):
    """``a @ b``, or ``np.dot`` when one side is a scalar (``np.dot(2.0, v)``)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.dot(a, b)
    return np.matmul(a, b)


def gather(h, index, g):
    """Adjoint of ``scatter(x, index, g)`` with respect to ``g``: ``h[index]``
    summed back to ``g``'s shape (``h`` a zero placeholder: zeros like ``g``)."""
    if isinstance(h, _CONTAINERS):
        v = h[index]
        if isinstance(g, _CONTAINERS) or isinstance(v, _CONTAINERS):
            return v
        return _rt.unbroadcast(v, g)
    if np.ndim(h) == 0:
        return _rt.unbroadcast(h, g) if is_array(g) else h
    return _rt.unbroadcast((h if is_array(h) else np.asarray(h))[index], g)


def unpart(h, adjoint, key):
    """Adjoint of ``part(adjoint, key)`` with respect to ``adjoint`` (an array
    or a scalar standing for every element passes through whole)."""
    if isinstance(adjoint, _CONTAINERS):
        return _rt.scatter(adjoint, key, h)
    return unadd(h, adjoint)


def unadd(h, a):
    """Adjoint of one operand ``a`` of ``add(a, b)`` / ``like(a, y)``: ``h``
    summed to ``a``'s shape, as it is for containers."""
    if isinstance(a, _CONTAINERS) or isinstance(h, _CONTAINERS):
        return h
    if a is None:
        return 0.0
    return _rt.unbroadcast(h, a)


def owned(g, y):
    """A fresh tangent shaped like ``y`` that in-place writes may change."""
    if isinstance(y, dict):
        return dict(g) if isinstance(g, dict) else _rt.zeros_like(y)
    if isinstance(y, (list, tuple)):
        return list(g) if isinstance(g, (list, tuple)) else list(_rt.zeros_like(y))
    if foreign(g) or foreign(y):
        return spread(g, np.shape(y), y if foreign(y) else g)  # (zeros + g: fresh floats)
    g = np.broadcast_to(g, np.shape(y))
    return np.array(g, dtype=np.result_type(g.dtype, float))


def unwrite_tangent(dy, index, y, want=True):
    """``unwrite`` on a copy (tangents may share memory; primals do not)."""
    if is_array(dy):
        dy = copy(dy)
    return _rt.unwrite(dy, index, y, want)


def unwrite_adjoint(h, y_bar, index, y, want=True):
    """Adjoint of ``unwrite(y_bar, index, y, want)`` with respect to ``y_bar``:
    the adjoint of the rest with the adjoint of the part put back at ``index``
    (summed to a scalar where ``y_bar`` was a scalar standing for an array)."""
    if want:
        part, rest = h
    else:
        part, rest = 0.0, h
    if isinstance(rest, dict) or isinstance(y_bar, dict):
        rest = dict(rest) if isinstance(rest, dict) else _rt.zeros_like(
            y_bar if isinstance(y_bar, dict) else y)
        rest[index] = part
        return rest
    if isinstance(rest, list) or isinstance(y_bar, list):
        rest = list(rest) if isinstance(rest, (list, tuple)) else _rt.zeros_like(y_bar)
        rest[index] = part
        return rest
    if not is_array(y_bar) and not is_array(y):
        return 0.0
    shape = np.shape(y_bar) if is_array(y_bar) else np.shape(y)
    like = next((v for v in (rest, y_bar, y) if foreign(v)), None)
    if like is not None:
        out = spread(rest, shape, like)
    else:
        out = np.array(np.broadcast_to(rest, shape), dtype=np.result_type(
            np.asarray(rest).dtype, float))
    out[index] = part
    return unadd(out, y_bar)


def unpop(lst_bar, v_bar, lst):
    """Adjoint of ``v = lst.pop()`` with respect to ``lst``: ``v``'s adjoint
    back at the end.  ``lst`` (the list after the pop) gives the length when
    ``lst_bar`` is still the zero placeholder."""
    if isinstance(lst_bar, (list, tuple)) and len(lst_bar) == len(lst):
        return list(lst_bar) + [v_bar]
    return [0.0] * len(lst) + [v_bar]


def unappend_adjoint(h, lst_bar):
    """Adjoint of ``unappend(lst_bar)``: ``h = (part, rest)`` joined again (both
    summed where ``lst_bar`` was a scalar standing for every element)."""
    part, rest = h
    if isinstance(lst_bar, (list, tuple)) and len(lst_bar):
        rest = list(rest) if isinstance(rest, (list, tuple)) else [rest] * (len(lst_bar) - 1)
        return rest + [part]
    if isinstance(lst_bar, (list, tuple)):
        return rest
    return _rt.add(_sum_to(part, lst_bar), _sum_to(rest, lst_bar))


def _sum_to(h, x):
    """``h`` (possibly a container) summed to the scalar ``x`` stands for."""
    if isinstance(h, (list, tuple)):
        total = 0.0
        for v in h:
            total = total + _sum_to(v, x)
        return total
    if isinstance(h, dict):
        return _sum_to(list(h.values()), x)
    return _rt.unbroadcast(h, x)


def unextend_adjoint(h, lst_bar, values):
    """Adjoint of ``unextend(lst_bar, values)``."""
    parts, rest = h
    n = len(values)
    if isinstance(lst_bar, (list, tuple)) and len(lst_bar) >= n:
        rest = list(rest) if isinstance(rest, (list, tuple)) else [rest] * (len(lst_bar) - n)
        if not isinstance(parts, (list, tuple)) and not is_array(parts):
            parts = [parts] * n
        return rest + list(parts)
    if isinstance(lst_bar, (list, tuple)):
        return rest
    return _rt.add(_sum_to(parts, lst_bar), _sum_to(rest, lst_bar))


def unpack_parts(h, x, parts):
    """Adjoint of ``pack(x, parts)`` with respect to ``parts``."""
    if isinstance(x, (tuple, list)):
        if not isinstance(h, (tuple, list)):
            return tuple(None if p is None else 0.0 for p in parts)
        return tuple(None if p is None else unadd(hi, p) for hi, p in zip(h, parts))
    h = broadcast_to(h, np.shape(x), x)
    return tuple(None if p is None else _rt.unbroadcast(h[i], p)
                 for i, p in enumerate(parts))


def unstack_adjoint(h, g, xs, axis=0):
    """Adjoint of ``unstack(g, xs, axis)`` with respect to ``g``."""
    if not isinstance(h, (tuple, list)):
        h = [h] * len(xs)
    shape = np.shape(g)
    piece = shape[:axis % len(shape)] + shape[axis % len(shape) + 1:]
    return np.stack([broadcast_to(p, piece, g) for p in h], axis=axis)


def unconcatenate_adjoint(h, g, xs, axis=0):
    """Adjoint of ``unconcatenate(g, xs, axis)`` with respect to ``g``."""
    if not isinstance(h, (tuple, list)):
        h = [h] * len(xs)
    shape = np.shape(g)
    axis = axis % len(shape)
    pieces = [shape[:axis] + (np.shape(x)[axis],) + shape[axis + 1:] for x in xs]
    return np.concatenate([broadcast_to(p, piece, g) for p, piece in zip(h, pieces)],
                          axis=axis)


def unsum_adjoint(h, g, xs):
    """Adjoint of ``sum_adjoint(g, xs)`` with respect to ``g``."""
    if isinstance(xs, (tuple, list)):
        if not isinstance(h, (tuple, list)):
            h = [h] * len(xs)
        total = 0.0
        for hi in h:
            total = total + _rt.unbroadcast(hi, g)
        return _rt.unbroadcast(total, g)
    return _rt.unbroadcast(h, g)


def uncast(h, g):
    """Adjoint of ``cast_grad(g, x)`` with respect to ``g``."""
    if isinstance(g, (tuple, list)) and isinstance(h, (tuple, list)):
        return _rt.rebuild(g, [uncast(hi, gi) for hi, gi in zip(h, g)])
    return unadd(h, g)


def rearray(h, g, obj):
    """Adjoint of ``unarray(g, obj)`` with respect to ``g``."""
    if isinstance(obj, (tuple, list)):
        shape = np.shape(g)
        if not isinstance(h, (tuple, list)):
            h = [h] * len(obj)
        return np.stack([broadcast_to(rearray(hi, g[i], v), shape[1:], g)
                         for i, (hi, v) in enumerate(zip(h, obj))])
    return _rt.unbroadcast(h, g)


def scatter_add_pure(x_bar, index, g, x=None):
    """``scatter_add`` without the in-place update (for code differentiated
    again, where an updated value may still be needed)."""
    fresh = _rt.scatter(x if x is not None else x_bar, index, g)
    if _is_zero(x_bar):
        return fresh
    return _rt.add(x_bar, fresh)


def scatter_add_tangent(dx_bar, index, dg, x, x_bar):
    """Tangent of ``scatter_add(x_bar, index, g, x)`` (no in-place update)."""
    return _rt.add(dx_bar, _rt.scatter(x if x is not None else x_bar, index, dg))


def tangent_sum(xs):
    """Tangent of the builtin ``sum(xs)``: the sum of the tangents."""
    if isinstance(xs, (tuple, list)):
        total = 0.0
        for v in xs:
            total = total + v
        return total
    if np.ndim(xs) == 0:
        return xs
    return np.sum(xs, axis=0)


# --- batched forward mode: tangents with a leading batch axis ------------------------
# (``forward.BatchedForward``: hessian and jacobian push a whole basis through the
# code at once; every tangent is a full array of shape (batch,) + the value's shape)


def _lift(t, ndim):
    """A batched tangent of a value of fewer than ``ndim`` dimensions with
    ones after the batch axis: it then broadcasts as its value does (a
    batch axis must never meet a value's axis)."""
    missing = ndim + 1 - np.ndim(t)
    if missing <= 0:
        return t
    return np.reshape(t, (np.shape(t)[0],) + (1,) * missing + np.shape(t)[1:])


def batch_where(index):
    """``index`` behind the batch axis: ``(slice(None),) + index``."""
    return (slice(None),) + (index if isinstance(index, tuple) else (index,))


def batch_zeros(batch, v):
    """The zero tangent of ``v`` for a batch of ``batch`` directions."""
    return np.zeros((batch,) + np.shape(v))


def batch_align(t, x, y):
    """The batched tangent ``t`` of ``x`` with ones inserted after the batch
    axis, so that it broadcasts against values of ``y``'s rank as ``x`` does."""
    return _lift(t, np.ndim(y)) if np.ndim(y) > np.ndim(x) else t


def batch_like(t, y):
    """The batched tangent ``t`` broadcast to ``(batch,) + y.shape``."""
    shape = (np.shape(t)[0],) + np.shape(y)
    return t if np.shape(t) == shape else np.broadcast_to(_lift(t, len(shape) - 1), shape)


def batch_owned(t, y):
    """The batched tangent ``t`` of ``y`` as an array of its own (to write into)."""
    return np.array(batch_like(t, y), dtype=float)


def batched_unbroadcast(t, x, result=None):
    """``unbroadcast`` of each tangent in the batch: summed to ``x``'s shape."""
    batch, shape = np.shape(t)[0], np.shape(x)
    if np.shape(t)[1:] == shape:
        return t
    if result is not None:
        t = _lift(t, np.ndim(result))
        t = np.broadcast_to(t, (batch,) + np.broadcast_shapes(np.shape(t)[1:],
                                                              np.shape(result)))
    t = _lift(t, len(shape))
    gshape = np.shape(t)[1:]
    full = np.broadcast_shapes(gshape, shape)
    if full != gshape:
        t = np.broadcast_to(t, (batch,) + full)
        gshape = full
    lead = len(gshape) - len(shape)
    axes = tuple(range(1, lead + 1)) + tuple(
        lead + 1 + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if axes:
        t = np.sum(t, axis=axes)
    return np.reshape(t, (batch,) + shape)


def batched_scatter(x, index, t):
    """``scatter`` of each tangent in the batch: zeros like ``x`` with ``t`` at ``index``."""
    out = np.zeros((np.shape(t)[0],) + np.shape(x))
    where = batch_where(index)
    t = _lift(t, out[where].ndim - 1)
    if _rt._advanced(index):
        np.add.at(out, where, t)
    else:
        out[where] = t
    return out


def batched_scatter_add(dx_bar, index, dg, x, x_bar):
    """Tangent of ``scatter_add(x_bar, index, g, x)`` for a batch of directions."""
    fresh = batched_scatter(x if x is not None else x_bar, index, dg)
    return _lift(dx_bar, np.ndim(fresh) - 1) + fresh


def batched_cast(t, x):
    """Tangent of ``cast_grad(g, x)`` for a batch: ``(batch,) + x.shape``, floats."""
    out = np.broadcast_to(_lift(t, np.ndim(x)), (np.shape(t)[0],) + np.shape(x))
    return np.array(out, dtype=np.result_type(out.dtype, float))


def batched_as_gradient(t, shape):
    """Tangent of ``as_gradient(g, shape)`` for a batch: ``(batch,) + shape``, floats."""
    shape = tuple(shape)
    out = np.broadcast_to(_lift(t, len(shape)), (np.shape(t)[0],) + shape)
    return np.array(out, dtype=np.result_type(out.dtype, float))


def batched_unreduce(t, x, axis=None, keepdims=False):
    """Tangent of ``unreduce(g, x, axis, keepdims)`` (``g`` spread back over
    ``x``) for a batch: ``(batch,) + x.shape``."""
    batch, shape = np.shape(t)[0], np.shape(x)
    if axis is None:
        t = np.reshape(t, (batch,) + (1,) * len(shape))
    elif not keepdims:
        axes = axis if isinstance(axis, tuple) else (axis,)
        t = np.expand_dims(_lift(t, len(shape) - len(axes)),
                           tuple(a % len(shape) + 1 for a in axes))
    else:
        t = _lift(t, len(shape))
    return np.array(np.broadcast_to(t, (batch,) + shape), dtype=float)


def batched_reshape(t, shape):
    """Tangent of ``np.reshape(a, shape)`` for a batch."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return np.reshape(t, (np.shape(t)[0],) + shape)


def batched_sum(t, axis=None, keepdims=False):
    """Tangent of ``np.sum(a, axis, keepdims)`` for a batch of directions."""
    if axis is None:
        axis = tuple(range(1, np.ndim(t)))
    elif isinstance(axis, tuple):
        axis = tuple(a + 1 if a >= 0 else a for a in axis)
    else:
        axis = axis + 1 if axis >= 0 else axis
    return np.sum(t, axis=axis, keepdims=keepdims)
