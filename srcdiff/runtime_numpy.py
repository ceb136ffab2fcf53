"""Runtime helpers for the derivatives of NumPy's shape, indexing and joining
functions (``np.hstack``, ``np.r_[...]``, ``np.tile``, ``np.take`` ...).

Each is the adjoint (the transpose) of a NumPy function that moves, copies or
picks elements, so it is linear in its first argument; its own transpose is
mostly the NumPy function again (``untile`` <-> ``np.tile``, ``untake`` <->
``np.take``), otherwise a helper of this module (``unjoin`` <-> ``join``,
``unselect`` <-> ``reselect``).  The rules are in ``rules/runtime_rules.py``.
Generated code calls them as ``rt.<name>``: ``runtime`` re-exports them and
hands itself over (``_rt``), so that this module imports nothing of srcdiff.
A zero placeholder (a bare ``0.0`` for an adjoint that received nothing) is
accepted where an adjoint goes in.
"""

import numpy as np

_rt = None  # srcdiff.runtime (set by it)


def _axis(axis, ndim):
    return axis % ndim if ndim else 0


def _zero(value):
    return not isinstance(value, (np.ndarray, tuple, list, dict)) and value == 0


# --- joining: np.hstack, np.vstack, np.dstack, np.column_stack, np.r_, np.c_ -------------

_INDEX_OBJECTS = {"r_": np.r_, "c_": np.c_}


def _joined_shape(x, kind):
    """The shape ``np.<kind>`` gives ``x`` before it concatenates."""
    if isinstance(x, slice):  # (np.r_[0:3, x]: the slice becomes np.arange)
        return np.shape(_INDEX_OBJECTS[kind][x])
    shape = np.shape(x)
    if kind in ("hstack", "r_"):
        return shape or (1,)
    if kind == "vstack":
        return (1,) * (2 - len(shape)) + shape if len(shape) < 2 else shape
    if kind == "dstack":
        return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}.get(len(shape), shape)
    # column_stack, c_: a vector becomes a column
    return {0: (1, 1), 1: shape + (1,)}.get(len(shape), shape)


def _join_layout(xs, kind):
    shapes = [_joined_shape(x, kind) for x in xs]
    axis = {"hstack": 0 if len(shapes[0]) == 1 else 1, "vstack": 0, "r_": 0,
            "dstack": 2, "column_stack": 1, "c_": len(shapes[0]) - 1}[kind]
    return shapes, axis


def unjoin(g, xs, kind):
    """Adjoint of joining ``xs`` with ``np.<kind>`` (``kind``: 'hstack', 'vstack',
    'dstack', 'column_stack', 'r_', 'c_'): one part of ``g`` per item, in that
    item's shape (0.0 for a slice in ``np.r_[0:3, x]``)."""
    shapes, axis = _join_layout(xs, kind)
    bounds = np.cumsum([s[axis] for s in shapes])[:-1]
    parts = []
    for part, x in zip(np.split(g, bounds, axis=axis), xs):
        if isinstance(x, slice):
            parts.append(0.0)
        else:
            part = np.reshape(part, np.shape(x))
            parts.append(part[()] if part.ndim == 0 else part)
    return np.stack(parts) if isinstance(xs, np.ndarray) else parts


def join(h, xs, kind):
    """``np.<kind>`` of the parts ``h``, one per item of ``xs`` and in its shape
    (zeros for a slice of ``np.r_``): the transpose of ``unjoin``."""
    if not isinstance(h, (tuple, list, np.ndarray)) or (
            isinstance(xs, np.ndarray) and np.ndim(h) == 0):
        h = [h] * len(xs)
    shapes, axis = _join_layout(xs, kind)
    parts = [np.zeros(s) if isinstance(x, slice)
             else np.reshape(np.broadcast_to(p, np.shape(x)), s)
             for p, x, s in zip(h, xs, shapes)]
    return np.concatenate(parts, axis=axis)


# --- scans: the derivatives of np.cumprod --------------------------------------------------------


def scan(g, a, axis=None):
    """``t[j] = g[j] + a[j] * t[j - 1]`` along ``axis`` (None: ``a`` is flat).
    (In log2(n) whole-array steps: after the step of stride s, each t[j] holds
    the terms of g[j - 2s + 1 .. j], and f[j] their factor a[j - 2s + 2] ... a[j].)"""
    out, f = _along(g, a, axis)
    stride = 1
    while stride < len(out):
        out[stride:] = out[stride:] + f[stride:] * out[:-stride]
        f[stride:] = f[stride:] * f[:-stride]
        stride *= 2
    return np.moveaxis(out, 0, axis or 0)


def revscan(g, a, axis=None):
    """``s[i] = g[i] + a[i + 1] * s[i + 1]`` along ``axis``: the transpose of
    ``scan`` in ``g`` (the same steps, from the other end)."""
    out, f = _along(g, a, axis)
    f[:-1] = f[1:]
    stride = 1
    while stride < len(out):
        out[:-stride] = out[:-stride] + f[:-stride] * out[stride:]
        f[:-stride] = f[:-stride] * f[stride:]
        stride *= 2
    return np.moveaxis(out, 0, axis or 0)


def _along(g, a, axis):
    """Float copies of ``g`` (in ``a``'s shape) and ``a``, the scanned axis first."""
    g = np.broadcast_to(g, np.shape(a))
    dtype = np.result_type(g, a, float)
    return (np.array(np.moveaxis(g, axis or 0, 0), dtype=dtype),
            np.array(np.moveaxis(np.asarray(a), axis or 0, 0), dtype=dtype))


def axis_end(x, axis, end):
    """True at index ``end`` (0 or -1) along ``axis`` of ``x``, else False."""
    shape = np.shape(x)
    axis = _axis(axis or 0, len(shape))
    index = np.arange(shape[axis]) == shape[axis] - 1 if end == -1 else \
        np.arange(shape[axis]) == 0
    return np.reshape(index, (-1,) + (1,) * (len(shape) - axis - 1))


# --- np.select -----------------------------------------------------------------------------


def selected(condlist):
    """Where ``np.select(condlist, ...)`` takes one of the choices (not the default)."""
    taken = False
    for cond in condlist:
        taken = np.logical_or(taken, cond)
    return taken


def unselect(g, condlist, choicelist):
    """Adjoint of ``np.select(condlist, choicelist, default)`` with respect to the
    choices: ``g`` where each is the one taken (the first true condition)."""
    if not isinstance(choicelist, (tuple, list)):  # a zero placeholder for every choice
        choicelist = [choicelist] * len(condlist)
    taken, parts = False, []
    for cond, choice in zip(condlist, choicelist):
        here = np.logical_and(cond, np.logical_not(taken))
        parts.append(_rt.unbroadcast(np.where(here, g, 0.0), choice))
        taken = np.logical_or(taken, cond)
    return parts


def reselect(h, g, condlist):
    """Adjoint of ``unselect(g, condlist, choicelist)`` with respect to ``g``."""
    if not isinstance(h, (tuple, list)):
        h = [h] * len(condlist)
    return _rt.unbroadcast(np.select(condlist, list(h), 0.0), g)


# --- np.average ------------------------------------------------------------------------------


def _weight_axes(weights, a, axis):
    """The axes of ``a`` along which np.average lays ``weights`` (None: the
    weights have ``a``'s shape)."""
    if np.shape(weights) == np.shape(a):
        return None
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(_axis(ax, np.ndim(a)) for ax in axes)


def average_weights(weights, a, axis=None):
    """``weights`` as np.average broadcasts them against ``a``."""
    axes = _weight_axes(weights, a, axis)
    if axes is None:
        return weights
    w = np.transpose(weights, tuple(np.argsort(axes).tolist()))
    return np.reshape(w, tuple(n if i in axes else 1 for i, n in enumerate(np.shape(a))))


def unaverage_weights(g, weights, a, axis=None):
    """Adjoint of ``average_weights(weights, a, axis)`` (also broadcast against
    ``a``): ``g`` summed back to ``weights``' shape."""
    axes = _weight_axes(weights, a, axis)
    if axes is None:
        return _rt.unbroadcast(g, weights)
    if np.ndim(g) < np.ndim(a):  # a scalar standing for an array of the weights' shape
        g = np.broadcast_to(g, np.shape(average_weights(weights, a, axis)))
    g = np.sum(g, axis=tuple(i for i in range(np.ndim(a)) if i not in axes))
    return np.transpose(g, tuple(np.argsort(np.argsort(axes)).tolist()))


# --- copies and pieces: np.tile, np.repeat, np.pad, np.diag, np.diagonal -----------------------


def untile(g, A, reps):
    """Adjoint of ``np.tile(A, reps)``: the tiles of ``g`` summed."""
    shape = np.shape(A)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    if np.ndim(g) == 0:  # a constant: each element is in prod(reps) tiles
        return np.full(shape, g * np.prod(reps))
    n = max(len(shape), len(reps))
    full = (1,) * (n - len(shape)) + shape
    reps = (1,) * (n - len(reps)) + reps
    g = np.reshape(g, tuple(k for r, s in zip(reps, full) for k in (r, s)))
    return np.reshape(np.sum(g, axis=tuple(range(0, 2 * n, 2))), shape)


def unrepeat(g, a, repeats, axis=None):
    """Adjoint of ``np.repeat(a, repeats, axis)``: the copies of each element summed."""
    shape = np.shape(a)
    if axis is None:
        return np.reshape(unrepeat(np.ravel(g), np.ravel(a), repeats, 0), shape)
    axis = _axis(axis, len(shape))
    n = shape[axis]
    g = np.moveaxis(g, axis, 0)
    if np.ndim(repeats) == 0:
        out = np.sum(np.reshape(g, (n, int(repeats)) + g.shape[1:]), axis=1)
    else:
        out = np.zeros((n,) + g.shape[1:])
        np.add.at(out, np.repeat(np.arange(n), repeats), g)
    return np.moveaxis(out, 0, axis)


def unpad(g, array, pad_width):
    """Adjoint of ``np.pad(array, pad_width)`` (constant mode): the part of ``g``
    that is not padding."""
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (np.ndim(array), 2))
    return g[tuple(slice(int(b), int(b) + n) for (b, _), n in zip(widths, np.shape(array)))]


def undiagonal(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.diagonal(a, offset, axis1, axis2)``: zeros like ``a`` with
    ``g`` on that diagonal."""
    shape = np.shape(a)
    out = np.zeros(shape)
    inner = np.moveaxis(out, (_axis(axis1, len(shape)), _axis(axis2, len(shape))), (-2, -1))
    rows, cols = inner.shape[-2:]
    k = np.arange(max(0, min(rows - max(-offset, 0), cols - max(offset, 0))))
    inner[..., k + max(-offset, 0), k + max(offset, 0)] = g
    return out


def undiag(g, v, k=0):
    """Adjoint of ``np.diag(v, k)``: the diagonal of ``g`` (``v`` a vector), or
    ``g`` on the diagonal of zeros like ``v`` (``v`` a matrix)."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k)
    return undiagonal(g, v, k)


# --- differences: np.diff, np.gradient -------------------------------------------------------


def undiff(g, a, n=1, axis=-1):
    """Adjoint of ``np.diff(a, n, axis)``: each difference taken back, ``n`` times."""
    for _ in range(n):
        g = -np.diff(g, axis=axis, prepend=0.0, append=0.0)
    return g


def ungradient(g, f, axis=None, edge_order=1):
    """Adjoint of ``np.gradient(f, axis=axis, edge_order=edge_order)`` (unit
    spacing): ``g`` is one array per axis (or one array for one axis)."""
    ndim = np.ndim(f)
    axes = tuple(range(ndim)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    parts = list(g) if len(axes) > 1 and isinstance(g, (tuple, list)) else \
        [g] * len(axes) if len(axes) > 1 else [g]
    out = np.zeros(np.shape(f))
    for part, ax in zip(parts, axes):
        if _zero(part):
            continue
        G = np.moveaxis(np.broadcast_to(part, np.shape(f)), ax, 0)
        o = np.moveaxis(out, ax, 0)  # (a view: writes go into out)
        o[2:] += 0.5 * G[1:-1]       # the interior: (f[i+1] - f[i-1]) / 2
        o[:-2] -= 0.5 * G[1:-1]
        if edge_order == 1:          # the ends: one-sided differences
            o[0] -= G[0]
            o[1] += G[0]
            o[-1] += G[-1]
            o[-2] -= G[-1]
        else:
            o[0] -= 1.5 * G[0]
            o[1] += 2.0 * G[0]
            o[2] -= 0.5 * G[0]
            o[-1] += 1.5 * G[-1]
            o[-2] -= 2.0 * G[-1]
            o[-3] += 0.5 * G[-1]
    return out


# --- picking elements: np.take, np.take_along_axis --------------------------------------------


def untake(g, a, indices, axis=None, mode="raise"):
    """Adjoint of ``np.take(a, indices, axis, mode=mode)``: ``g`` added at the
    indices (an index taken twice gets both)."""
    shape = np.shape(a)
    n = int(np.prod(shape)) if axis is None else shape[_axis(axis, len(shape))]
    indices = np.asarray(indices)
    if mode == "wrap":
        indices = np.mod(indices, n)
    elif mode == "clip":
        indices = np.clip(indices, 0, n - 1)
    if axis is None:
        out = np.zeros(n)
        np.add.at(out, indices, g)
        return np.reshape(out, shape)
    out = np.zeros(shape)
    np.add.at(out, (slice(None),) * _axis(axis, len(shape)) + (indices,), g)
    return out


def untake_along_axis(g, indices, arr, axis=-1):
    """Adjoint of ``np.take_along_axis(arr, indices, axis)``."""
    shape = np.shape(arr)
    if axis is None:
        out = np.zeros(int(np.prod(shape)))
        np.add.at(out, indices, g)
        return np.reshape(out, shape)
    axis = _axis(axis, len(shape))
    index = tuple(indices if i == axis else
                  np.reshape(np.arange(n), (-1,) + (1,) * (len(shape) - i - 1))
                  for i, n in enumerate(shape))
    out = np.zeros(shape)
    np.add.at(out, index, g)
    return out


# --- facts (no derivative) ----------------------------------------------------------------------


def rollaxis_inverse(a, axis, start=0):
    """The axes that undo ``np.rollaxis(a, axis, start)`` (``np.transpose``), found
    by rolling a dummy whose axes have different lengths."""
    n = np.ndim(a)
    rolled = np.rollaxis(np.lib.stride_tricks.as_strided(np.zeros(1), tuple(range(2, n + 2)),
                                                          (0,) * n), axis, start)
    return tuple(int(i) for i in np.argsort([k - 2 for k in rolled.shape]))


def is_float(y):
    """1.0 for a float (or complex) value, 0.0 for an integer or boolean one: the
    derivative of ``x.astype(dtype)``."""
    return 1.0 if np.result_type(y).kind in "fc" else 0.0
