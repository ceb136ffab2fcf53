"""Runtime helpers called by generated code (reserved alias ``rt``).

Kept few and small: the generator inlines plain NumPy wherever it can prove
shapes, and calls these only where the work depends on run-time shapes or
container kinds.  Each is ordinary NumPy code, which an array of another
library (Dask, CuPy) passes through in its own library (``arrays.py``).
"""

import itertools
import math
import sys

import numpy as np

from . import runtime_higher
from .arrays import broadcast_to, copy, foreign, is_array, spread, zeros
from .errors import NonScalarOutputError, NoRuleError
# Helpers for higher-order and forward-mode derivatives (runtime_higher.py),
# called by generated code as rt.<name> like the ones below, on which they build
from .runtime_higher import (  # noqa: F401
    gather, matprod, owned, rearray, scatter_add_pure, scatter_add_tangent, tangent_sum,
    unadd, unappend_adjoint, uncast, unconcatenate_adjoint, unextend_adjoint, unpack_parts,
    unpart, unpop, unstack_adjoint, unsum_adjoint, unwrite_adjoint, unwrite_tangent)


def check_scalar(y, function):
    """``grad`` needs a scalar output: refuse any other.  (The generated code
    calls this only when ``type(y) is not float``, the common case costs a type
    test.)  ``y`` is the output, or an argument the output has the shape of."""
    if np.ndim(y) != 0 or isinstance(y, (tuple, list)):
        raise NonScalarOutputError(
            f"grad needs a scalar output, but {function}() returned a value of "
            f"shape {np.shape(y)}",
            function=function,
            hint="reduce the output to a scalar (e.g. np.sum), or differentiate one "
                 "element at a time")


def fresh(seed):
    """A copy of an array seed that the adjoint sweep may update in place
    (the caller's array stays unchanged); anything else as it is."""
    if is_array(seed):
        return seed.copy()
    if isinstance(seed, list):
        return list(seed)
    return seed


def zeros_like(x):
    """A zero gradient shaped like ``x`` (float; containers elementwise)."""
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(zeros_like(v) for v in x)
    if is_array(x):
        return zeros(x.shape, x)
    return 0.0


def unbroadcast(g, x, result=None):
    """Sum ``g`` over the axes along which ``x`` was broadcast to ``g``'s shape.

    The result has exactly ``x``'s shape (a NumPy scalar when ``x`` is a scalar).
    A ``g`` smaller than ``x`` (the zero placeholder of an adjoint that received
    nothing yet, or a scalar standing for a constant array: the adjoint of a full
    ``np.sum``) is broadcast up, to ``result``'s shape when it is given."""
    shape = np.shape(x)
    gshape = np.shape(g)
    if result is not None and gshape != np.shape(result):
        # a scalar adjoint standing for a constant array of the result's shape
        g = broadcast_to(g, np.shape(result), result)
        gshape = g.shape
    if gshape == shape:
        return g[()] if not shape and isinstance(g, np.ndarray) else g
    if not shape:
        return np.sum(g)
    full = np.broadcast_shapes(gshape, shape)
    if full != gshape:
        g = broadcast_to(g, full, x)
        gshape = full
    if gshape == shape:
        return copy(g)
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    g = np.sum(g, axis=axes)
    if np.shape(g) != shape:
        g = np.reshape(g, shape)
    return g


def like(g, y):
    """``g`` in ``y``'s shape (broadcasting the zero placeholder ``0.0``)."""
    if isinstance(y, (tuple, list, dict)) or isinstance(g, (tuple, list, dict)) \
            or np.shape(g) == np.shape(y):
        return g
    return broadcast_to(g, np.shape(y), y)


def _expand(g, x, axis, keepdims):
    shape = np.shape(x)
    if not shape:
        return g[()] if isinstance(g, np.ndarray) else g
    if np.ndim(g) == 0 or axis is None:
        return spread(g, shape, x)
    if not keepdims:
        axes = axis if isinstance(axis, tuple) else (axis,)
        g = np.expand_dims(g, tuple(a % len(shape) for a in axes))
    return spread(g, shape, x)


def unreduce(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.sum(x, axis, keepdims)``: ``g`` spread back over ``x``."""
    return _expand(g, x, axis, keepdims)


def unreduce_mean(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.mean``."""
    shape = np.shape(x)
    if axis is None:
        count = math.prod(shape)
    else:
        axes = axis if isinstance(axis, tuple) else (axis,)
        count = int(np.prod([shape[a] for a in axes]))
    return _expand(g, x, axis, keepdims) / count


def unreduce_extreme(g, y, x, axis=None, keepdims=False):
    """Adjoint of ``np.max`` / ``np.min``: ties share the gradient equally."""
    mask = (x if is_array(x) else np.asarray(x)) == _expand(y, x, axis, keepdims)
    count = np.sum(mask, axis=axis, keepdims=True)
    return _expand(g, x, axis, keepdims) * mask / count


def extreme_weight(a, b):
    """d max(a, b) / d a for the builtins: 1, 0, or 0.5 at a tie."""
    return (a > b) + 0.5 * (a == b)


def extreme_weights(z, xs):
    """d max(xs) / d xs for the builtins: the tied extremes share equally."""
    hits = [x == z for x in xs]
    count = sum(hits)
    return [h / count for h in hits]


def _matmul_check(x, y, name):
    if np.ndim(x) > 2 or np.ndim(y) > 2:
        if name == "dot":
            raise NoRuleError("np.dot of arrays with more than 2 dimensions has no "
                              "derivative rule", hint="use np.matmul / @")


def _matmul_shape(xs, ys):
    if len(xs) <= 1 and len(ys) <= 1:
        return ()
    if len(xs) == 1:
        return ys[:-2] + ys[-1:]
    if len(ys) == 1:
        return xs[:-1]
    return np.broadcast_shapes(xs[:-2], ys[:-2]) + (xs[-2], ys[-1])


def _matmul_seed(g, x, y):
    if np.ndim(g) == 0 and np.ndim(x) > 0 and np.ndim(y) > 0:
        shape = _matmul_shape(np.shape(x), np.shape(y))
        if shape:
            return broadcast_to(g, shape, x if foreign(x) else y)
    return g


def matmul_dx(g, x, y, name="matmul"):
    """Adjoint of ``x @ y`` (also ``np.dot``) with respect to ``x``."""
    _matmul_check(x, y, name)
    g = _matmul_seed(g, x, y)
    xd, yd = np.ndim(x), np.ndim(y)
    if xd == 0 or yd == 0:
        return unbroadcast(g * y, x)
    if yd == 1:
        if xd == 1:
            return g * y
        return unbroadcast(np.expand_dims(g, -1) * y, x)
    if xd == 1:
        if yd == 2:
            return y @ g
        return unbroadcast(np.matmul(np.expand_dims(g, -2), np.swapaxes(y, -1, -2))[..., 0, :], x)
    return unbroadcast(np.matmul(g, np.swapaxes(y, -1, -2)), x)


def matmul_dy(g, x, y, name="matmul"):
    """Adjoint of ``x @ y`` (also ``np.dot``) with respect to ``y``."""
    _matmul_check(x, y, name)
    g = _matmul_seed(g, x, y)
    xd, yd = np.ndim(x), np.ndim(y)
    if xd == 0 or yd == 0:
        return unbroadcast(g * x, y)
    if xd == 1:
        if yd == 1:
            return g * x
        if yd == 2:
            return np.outer(x, g)
        return unbroadcast(np.expand_dims(x, -1) * np.expand_dims(g, -2), y)
    if yd == 1:
        return unbroadcast(np.matmul(np.swapaxes(x, -1, -2), np.expand_dims(g, -1))[..., 0], y)
    return unbroadcast(np.matmul(np.swapaxes(x, -1, -2), g), y)


def part(adjoint, key):
    """The adjoint of one element of a container (zero if it received none)."""
    if isinstance(adjoint, (tuple, list, dict)):
        return adjoint[key]
    return adjoint  # an array adjoint of a stacked value, or a scalar for every element


def scatter(x, index, g):
    """Adjoint of ``x[index]``: zeros like ``x`` with ``g`` added at ``index``."""
    if isinstance(x, dict):
        out = zeros_like(x)
        out[index] = add(out[index], g)
        return out
    if isinstance(x, (tuple, list)):
        out = [zeros_like(v) for v in x]
        if isinstance(index, slice):
            for i, gi in zip(range(*index.indices(len(x))), g):
                out[i] = add(out[i], gi)
        else:
            out[index] = add(out[index], g)
        return type(x)(out) if isinstance(x, tuple) else out
    out = zeros(np.shape(x), x)
    np.add.at(out, index, g) if _advanced(index) else out.__setitem__(index, g)
    return out


def scatter_add(x_bar, index, g, x=None):
    """``x_bar`` (owned by the caller, or a zero scalar) with ``g`` added at
    ``index``; ``x`` is the indexed value, for the shape of a fresh adjoint."""
    if isinstance(x_bar, np.ndarray) and x_bar.flags.writeable and (
            x is None or x_bar.shape == np.shape(x)):
        return _add_at(x_bar, index, g)
    if x is not None and not isinstance(x, (tuple, list, dict)) \
            and not isinstance(x_bar, (tuple, list, dict)):
        # a scalar adjoint: zero, or standing for a constant array of x's shape
        # (or another library's array, which may not tell whether it can be written)
        out = zeros(np.shape(x), x if foreign(x) else x_bar) + x_bar
        return _add_at(out, index, g) if foreign(out) else scatter_add(out, index, g, x)
    fresh = scatter(x if x is not None else x_bar, index, g)
    if _is_zero(x_bar):
        return fresh
    return add(x_bar, fresh)


def _add_at(out, index, g):
    """``out`` (owned) with ``g`` added at ``index`` in place (repeated indices add up)."""
    if _advanced(index):
        np.add.at(out, index, g)
    else:
        out[index] += g
    return out


def _is_zero(value):
    return not isinstance(value, (tuple, list, dict)) and not is_array(value) and value == 0


def unwrite(y_bar, index, y, want=True):
    """Adjoint of ``y[index] = v``: the part of ``y_bar`` at ``index`` (for ``v``),
    and ``y_bar`` with that part set to zero (the old value there is gone)."""
    if not isinstance(y_bar, (list, tuple)) and not is_array(y_bar) and not _is_zero(y_bar) \
            and is_array(y):
        y_bar = spread(y_bar, y.shape, y)
    if isinstance(y_bar, list):
        part = y_bar[index]
        y_bar = list(y_bar)
        y_bar[index] = zeros_like(part)
    elif is_array(y_bar):
        part = y_bar[index]
        if is_array(part):
            part = part.copy()
        if foreign(y_bar) or not y_bar.flags.writeable:
            y_bar = copy(y_bar)
        y_bar[index] = 0.0
    else:
        part = 0.0
    return (part, y_bar) if want else y_bar


def unappend(lst_bar):
    """Adjoint of ``lst.append(v)``: (adjoint of v, adjoint of the shorter list)."""
    if isinstance(lst_bar, (list, tuple)) and len(lst_bar):
        return lst_bar[-1], list(lst_bar[:-1])
    return lst_bar, lst_bar  # zero, or a scalar standing for every element


def unextend(lst_bar, values):
    """Adjoint of ``lst.extend(values)``."""
    n = len(values)
    if isinstance(lst_bar, (list, tuple)) and len(lst_bar) >= n:
        parts = list(lst_bar[len(lst_bar) - n:])
        rest = list(lst_bar[:len(lst_bar) - n])
    else:
        parts, rest = [lst_bar] * n, lst_bar
    if is_array(values):
        parts = np.stack([broadcast_to(p, np.shape(v), v) for p, v in zip(parts, values)])
    return parts, rest


def unextend_list(lst, values):
    """Undo ``lst.extend(values)``."""
    del lst[len(lst) - len(values):]


def _advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(not isinstance(i, (int, np.integer, slice, type(None), type(Ellipsis)))
               for i in items)


def add(a, b):
    """Sum of two adjoints that may be containers (tuples add elementwise)."""
    if a is None or (isinstance(b, (tuple, list)) and _is_zero(a)):
        return b
    if isinstance(b, dict) and _is_zero(a):
        return b
    if isinstance(a, dict) and _is_zero(b):
        return a
    if b is None or (isinstance(a, (tuple, list)) and _is_zero(b)):
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: add(a.get(k), b.get(k)) for k in a.keys() | b.keys()}
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a)(add(u, v) for u, v in zip(a, b))
    return a + b


def pack(x, parts):
    """Adjoint of unpacking ``a, b = x`` from the adjoints of ``a`` and ``b``."""
    if isinstance(x, (tuple, list)):
        return type(x)(zeros_like(v) if p is None else p for v, p in zip(x, parts))
    if not is_array(x):
        x = np.asarray(x)
    return np.stack([zeros(x.shape[1:], x) if p is None else broadcast_to(p, x.shape[1:], x)
                     for p in parts])


def unstack(g, xs, axis=0):
    """Adjoint of ``np.stack(xs, axis)``: one slice of ``g`` per stacked value."""
    return [unbroadcast(np.take(g, i, axis=axis), x) for i, x in enumerate(xs)]


def unconcatenate(g, xs, axis=0):
    """Adjoint of ``np.concatenate(xs, axis)``."""
    axis = axis % np.ndim(g)
    ends = list(itertools.accumulate(np.shape(x)[axis] for x in xs))
    return [g[(slice(None),) * axis + (slice(end - np.shape(x)[axis], end),)]
            for x, end in zip(xs, ends)]


def clip_mask(x, lo, hi):
    """1 where ``np.clip`` passes ``x`` through, else 0."""
    mask = spread(1.0, np.shape(x), x)
    if lo is not None:
        mask = mask * (x >= lo)
    if hi is not None:
        mask = mask * (x <= hi)
    return mask


def sum_adjoint(g, xs):
    """Adjoint of the builtin ``sum(xs)`` over a sequence or an array."""
    if isinstance(xs, (tuple, list)):
        return type(xs)(unbroadcast(g, x) for x in xs)
    return spread(g, np.shape(xs), xs) if np.ndim(xs) else g


def cast_grad(g, x):
    """The gradient of argument ``x``: ``x``'s shape, floats, a scalar for a scalar."""
    if isinstance(x, np.ndarray):
        if type(g) is np.ndarray and g.shape == x.shape and g.dtype.kind in "fc":
            return g
        if foreign(g):  # (a NumPy argument's gradient from Dask data is lazy too)
            return _cast_foreign(g, x)
        g = np.broadcast_to(g, x.shape)
        return np.array(g, dtype=np.result_type(g.dtype, float))
    if isinstance(x, (tuple, list)) and isinstance(g, (tuple, list)):
        return type(x)(cast_grad(gi, xi) for gi, xi in zip(g, x))
    if isinstance(g, np.ndarray) and g.ndim == 0:
        return g[()]
    if hasattr(type(x), "__array_function__"):  # (foreign(x), inline: the path of numbers)
        return _cast_foreign(g, x)
    return g


def _cast_foreign(g, x):
    """``cast_grad`` where ``x`` or ``g`` is another library's array: in that
    library, never converted to NumPy."""
    if not foreign(g) or np.shape(g) != np.shape(x):
        g = spread(g, np.shape(x), x if foreign(x) else g)
    return g if g.dtype.kind in "fc" else g.astype(float)


def stop_gradient(x):
    """Identity in the computation; its derivative is zero (``tape.stop_recording``)."""
    return x


stop_gradient.__module__ = "srcdiff"


def inverse_axes(axes):
    """The permutation undoing ``np.transpose(a, axes)`` (None: reverse)."""
    if axes is None:
        return None
    return tuple(np.argsort(axes))


def unarray(g, obj):
    """Adjoint of ``np.array(obj)``: ``g`` split back into ``obj``'s nesting."""
    if isinstance(obj, (tuple, list)):
        return type(obj)(unarray(g[i], v) for i, v in enumerate(obj))
    return cast_grad(g, obj) if is_array(obj) else g


runtime_higher._rt = sys.modules[__name__]  # (what runtime_higher builds on)
