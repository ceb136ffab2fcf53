"""Runtime helpers called by generated code (reserved alias ``rt``).

Kept few and small: the generator inlines plain NumPy wherever it can prove
shapes, and calls these only where the work depends on run-time shapes or
container kinds.  Each is ordinary NumPy code, which an array of another
library (Dask, CuPy) passes through in its own library (``arrays.py``).
"""

import dataclasses
import importlib
import itertools
import math
import sys
import types

import numpy as np

from . import runtime_higher, runtime_numpy
from .arrays import broadcast_to, copy, foreign, is_array, spread, zeros
from .errors import NonScalarOutputError, NoRuleError
# Helpers for higher-order and forward-mode derivatives (runtime_higher.py),
# called by generated code as rt.<name> like the ones below, on which they build
from .runtime_higher import (  # noqa: F401
    batch_align, batch_like, batch_owned, batch_where, batch_zeros, batched_as_gradient, batched_cast, batched_reshape, batched_scatter, batched_scatter_add,
    batched_unreduce,
    batched_sum, batched_unbroadcast, gather, matprod, owned, rearray, scatter_add_pure, scatter_add_tangent, tangent_sum,
    unadd, unappend_adjoint, uncast, unconcatenate_adjoint, unextend_adjoint, unpack_parts,
    unpart, unpop, unstack_adjoint, unsum_adjoint, unwrite_adjoint, unwrite_tangent)
# Helpers of the rules of products, np.linalg, np.fft and scipy.linalg (runtime_linalg.py)
from . import runtime_linalg  # noqa: F401
from .runtime_linalg import (  # noqa: F401
    banded_matmul, banded_outer, banded_transpose, check, column_shape, diagonal_mask, dot_axes,
    inner_axes, irfftn, irfftn_adjoint, kron_da, kron_db, mT, norm_weight, require_real,
    require_real_eig, require_reduced, solve_columns, strict_triangle, tensordot_da,
    tensordot_db, triangle)

# Helpers of the rule of scipy.integrate.odeint (runtime_odeint.py)
from .runtime_odeint import odeint_adjoint, odeint_tangent  # noqa: F401

# Helpers for the derivatives of NumPy's shape and indexing functions (runtime_numpy.py)
from .runtime_numpy import (  # noqa: F401
    average_weights, axis_end, is_float, join, reselect, revscan, rollaxis_inverse, scan,
    selected, unaverage_weights, undiag, undiagonal, undiff, ungradient, unjoin, unpad,
    unrepeat, unselect, untake, untake_along_axis, untile)


def check_scalar(y, function):
    """``grad`` needs a scalar output: refuse any other.  (The generated code
    calls this only when ``type(y) is not float``, the common case costs a type
    test.)  ``y`` is the output, or an argument the output has the shape of."""
    if isinstance(y, (tuple, list, dict, str, bytes)) or y is None or np.ndim(y) != 0:
        what = f"a {type(y).__name__}" if not hasattr(y, "shape") else \
            f"a value of shape {np.shape(y)}"
        raise NonScalarOutputError(
            f"grad needs a scalar output, but {function}() returned {what}",
            function=function,
            hint="reduce the output to a scalar (e.g. np.sum); for a loss with other "
                 "results use grad(f, has_aux=True) (f returns (loss, aux)); for the "
                 "derivatives of a non-scalar output use srcdiff.vjp (out, pullback = "
                 "srcdiff.vjp(f)(x), then pullback(cotangent)) or srcdiff.jacobian")


def fresh(seed):
    """A copy of an array seed that the adjoint sweep may update in place
    (the caller's array stays unchanged); anything else as it is."""
    if is_array(seed):
        return seed.copy()
    if isinstance(seed, list):
        return list(seed)
    return seed


# --- parameter structures (pytrees) ----------------------------------------------------
#
# An argument may be any nesting of dicts, lists, tuples, namedtuples,
# dataclasses and plain objects whose attributes are read (``self.w``); its
# gradient has the same structure and type.  A namedtuple is rebuilt with
# ``_make``; a dataclass or other object ("record") as a new instance of its
# class (``__init__`` is not called) whose stored attributes are the
# gradients of the original's: numbers and arrays get derivatives, and
# what cannot have one (strings, functions, None) becomes None.


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields") and hasattr(x, "_make")


def rebuild(x, items):
    """A list or tuple (namedtuple included) of ``x``'s type holding ``items``."""
    if _is_namedtuple(x):
        return x._make(items)
    return type(x)(items) if isinstance(x, tuple) else list(items)


_NOT_RECORDS = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                types.MethodType, np.ndarray, np.generic, str, bytes, tuple, list, dict)


def is_record(x):
    """A dataclass instance or an object of the user's own class with stored
    attributes: a parameter structure whose fields are read as ``x.name``."""
    if isinstance(x, _NOT_RECORDS) or x is None or hasattr(type(x), "__array_function__"):
        return False  # (an array, NumPy's or another library's, is no record)
    if dataclasses.is_dataclass(x):
        return True
    module = getattr(type(x), "__module__", "") or ""
    return hasattr(x, "__dict__") and module.split(".")[0] not in (
        "builtins", "numpy", "functools", "srcdiff")


def fields(x):
    """The stored attributes of a record, in order: its ``__dict__``, then
    slots (of a dataclass declared with ``slots=True`` or ``__slots__``)."""
    names = list(vars(x)) if hasattr(x, "__dict__") else []
    for klass in type(x).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in names and name not in ("__dict__", "__weakref__") \
                    and hasattr(x, name):
                names.append(name)
    return names


def make_record(x, values):
    """A new object of ``x``'s class whose fields are ``values`` (a dict over
    ``fields(x)``), made without calling ``__init__`` (no validation or
    derived attributes computed from gradients)."""
    try:
        new = object.__new__(type(x))
    except TypeError:  # (a class whose instances object.__new__ cannot make)
        import copy
        new = copy.copy(x)
    for name, value in values.items():
        object.__setattr__(new, name, value)
    return new


def _inert(x):
    """A field value that carries no derivative (its gradient is None)."""
    return x is None or isinstance(x, (str, bytes, type, types.ModuleType)) or (
        callable(x) and not is_record(x) and not isinstance(x, np.ndarray))


def zeros_like(x):
    """A zero gradient shaped like ``x`` (float; containers elementwise)."""
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return rebuild(x, [zeros_like(v) for v in x])
    if is_array(x):
        return zeros(x.shape, x)
    if is_record(x):
        return make_record(x, {f: None if _inert(v) else zeros_like(v)
                               for f in fields(x) for v in (getattr(x, f),)})
    return 0.0


def field(x, name):
    """``x.name`` of a tangent or adjoint structure (a zero stays zero)."""
    if _is_zero(x):
        return x
    value = getattr(x, name)
    return 0.0 if value is None else value


def unfield(g, x, name):
    """Adjoint of reading ``x.name``: a structure like ``x``, zero but for
    ``g`` at that field.  Reading an attribute that is not a stored field (a
    property, a method) has no derivative rule: it is refused here, when the
    derivative would be needed.  A class attribute that is a plain value is a
    constant of the class, not part of the argument: its derivative is
    dropped."""
    if _is_namedtuple(x) and name in x._fields:
        return scatter(x, x._fields.index(name), g)
    if is_record(x):
        static = _static_attribute(x, name)
        descriptor = static is not None and hasattr(static, "__get__") and not isinstance(
            static, types.MemberDescriptorType)
        # (the other fields are None, "nothing yet": cast_grad makes the zeros
        # once, not every read a structure of zeros as large as the object)
        if name in fields(x) and not descriptor:
            return make_record(x, {f: g if f == name else None for f in fields(x)})
        if static is not None and not descriptor:
            return make_record(x, dict.fromkeys(fields(x)))
    kind = type(x).__name__
    raise NoRuleError(
        f"no derivative rule for reading attribute '.{name}' of a {kind} value that "
        f"depends on the differentiated arguments: srcdiff differentiates reads of "
        f"stored fields (namedtuple fields, dataclass fields, instance attributes), "
        f"not properties or methods",
        hint="read the stored fields the property computes from, or wrap the value in "
             "srcdiff.stop_gradient(...)")


def _static_attribute(x, name):
    import inspect
    return inspect.getattr_static(type(x), name, None)


def unbroadcast(g, x, result=None):
    """Sum ``g`` over the axes along which ``x`` was broadcast to ``g``'s shape.

    The result has exactly ``x``'s shape (a NumPy scalar when ``x`` is a scalar).
    A ``g`` smaller than ``x`` (the zero placeholder of an adjoint that received
    nothing yet, or a scalar standing for a constant array: the adjoint of a full
    ``np.sum``) is broadcast up, to ``result``'s shape when it is given.  A list
    or tuple ``x`` that NumPy read as an array gets a list of its elements'
    adjoints."""
    if isinstance(result, (list, tuple)) or isinstance(g, (list, tuple)):
        # (NumPy's arithmetic gives arrays: this was Python's, on lists or tuples)
        raise NoRuleError(
            "`+` or `*` of lists or tuples (concatenation or repetition) on values that "
            "depend on the differentiated arguments has no derivative rule",
            hint="build the list with append / extend or a comprehension, or join arrays "
                 "with np.concatenate")
    if isinstance(x, (list, tuple)):
        return unarray(unbroadcast(g, np.asarray(x), result), x)
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
        return rebuild(x, out)
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
    return not isinstance(value, (tuple, list, dict)) and not is_array(value) \
        and not is_record(value) and value is not None and value == 0


class _Absent:
    """What ``saved_entry`` saves for a key a dict does not have yet."""

    def __repr__(self):
        return "rt.ABSENT"


ABSENT = _Absent()


def saved_entry(container, key):
    """A copy of ``container[key]``, saved before a write into it (``ABSENT``
    where the container is a dict without that key: the write makes it)."""
    if type(container) is dict and key not in container:
        return ABSENT
    return np.copy(container[key])


def restore_entry(container, key, saved, undo=None):
    """Undo a write: ``container[key] = saved``, or remove the key ``ABSENT``.
    With ``undo`` (a pullback's ``Undo``), what was there is noted first."""
    if undo is not None:
        undo.entry(container, key)
    if saved is ABSENT:
        del container[key]
    else:
        container[key] = saved


class Undo:
    """What a pullback (``srcdiff.vjp``) changes in place in the values the
    forward sweep left (putting old elements back, undoing appends), so that
    ``redo`` leaves them as they were and the next call starts from the same
    values.  (The objects are changed in place, not copied, so that views of
    them see the changes as in a gradient's adjoint sweep.)"""

    def __init__(self):
        self.log = []       # (container, key, what was there), in order
        self.kept = set()   # ids of objects kept whole

    def entry(self, container, key):
        if type(container) is dict and key not in container:
            old = ABSENT
        elif is_array(container):
            old = np.copy(container[key])   # (the write overwrites its memory)
        else:
            old = container[key]            # (the write rebinds a slot)
        self.log.append((container, key, old))

    def keep(self, obj):
        """Before a change of a list, dict or array as a whole."""
        if id(obj) not in self.kept:
            self.kept.add(id(obj))
            self.log.append((obj, None, dict(obj) if isinstance(obj, dict) else
                             list(obj) if isinstance(obj, list) else np.copy(obj)))

    def redo(self):
        for obj, key, old in reversed(self.log):
            if key is not None:
                restore_entry(obj, key, old)
            elif isinstance(obj, dict):
                obj.clear()
                obj.update(old)
            elif isinstance(obj, list):
                obj[:] = old
            else:
                obj[...] = old
        self.log.clear()
        self.kept.clear()


def copies(stacks):
    """Each of a pullback's stacks copied: a call pops from its copies, so the
    next call finds them whole."""
    return tuple(list(stack) for stack in stacks)


def unwrite(y_bar, index, y, want=True):
    """Adjoint of ``y[index] = v``: the part of ``y_bar`` at ``index`` (for ``v``),
    and ``y_bar`` with that part set to zero (the old value there is gone)."""
    if not isinstance(y_bar, (list, tuple, dict)) and not is_array(y_bar) \
            and not _is_zero(y_bar) and is_array(y):
        y_bar = spread(y_bar, y.shape, y)
    if isinstance(y_bar, (list, dict)):
        part = y_bar.get(index, 0.0) if isinstance(y_bar, dict) else y_bar[index]
        y_bar = type(y_bar)(y_bar)
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
        # (in order: a's keys, then b's others; a set would order them by hash)
        return {k: add(a.get(k), b.get(k)) for k in [*a, *(k for k in b if k not in a)]}
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return rebuild(a, [add(u, v) for u, v in zip(a, b)])
    if is_record(a) or is_record(b):
        if _is_zero(a):
            return b
        if _is_zero(b):
            return a
        return make_record(a, {f: add(getattr(a, f), getattr(b, f)) for f in fields(a)})
    return a + b


def pack(x, parts):
    """Adjoint of unpacking ``a, b = x`` from the adjoints of ``a`` and ``b``."""
    if isinstance(x, (tuple, list)):
        return rebuild(x, [zeros_like(v) if p is None else p for v, p in zip(x, parts)])
    if not is_array(x):
        x = np.asarray(x)
    return np.stack([zeros(x.shape[1:], x) if p is None else broadcast_to(p, x.shape[1:], x)
                     for p in parts])


def sequence(it):
    """What a comprehension loops over, indexable: lists, tuples, arrays and
    ranges as they are; the elements of a set, the keys of a dict, ... as a list."""
    if isinstance(it, (list, tuple, np.ndarray, range)):
        return it
    return list(it)


def unsequence(g, it):
    """Adjoint of ``sequence(it)``: ``g`` where the sequence was ``it`` itself
    (a set's elements or a dict's keys carry no derivative)."""
    if isinstance(it, (list, tuple, np.ndarray, range)):
        return g
    return zeros_like(it) if isinstance(it, dict) else 0.0


def keys(d):
    """The keys of a dict, as a list (a loop over ``d.items()`` runs over them)."""
    if not isinstance(d, dict):
        import collections.abc
        if not isinstance(d, collections.abc.Mapping):
            raise TypeError(f"srcdiff loops over .items(), .values() and .keys() of dicts "
                            f"(mappings), not of {type(d).__name__}")
    return list(d.keys())


def dict_from(keys, values):
    """A dict comprehension's value: ``dict(zip(keys, values))``."""
    return dict(zip(keys, values))


def dict_parts(g, keys):
    """Adjoint of ``dict_from(keys, values)`` with respect to ``values``: the
    adjoint at each key, for the value that key kept (the last one given)."""
    last = {k: i for i, k in enumerate(keys)}
    if not isinstance(g, dict):  # zero, or a scalar standing for every value
        return [g if last[k] == i else 0.0 for i, k in enumerate(keys)]
    return [g.get(k, 0.0) if last[k] == i else 0.0 for i, k in enumerate(keys)]


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
        return rebuild(xs, [unbroadcast(g, x) for x in xs])
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
        return rebuild(x, [cast_grad(gi, xi) for gi, xi in zip(g, x)])
    if isinstance(x, dict) and isinstance(g, dict):
        return {k: cast_grad(g[k], v) if k in g else zeros_like(v) for k, v in x.items()}
    if is_record(x) and is_record(g):
        return make_record(g, {f: _cast_field(getattr(g, f), getattr(x, f))
                               for f in fields(g)})
    if _is_zero(g) and (isinstance(x, (tuple, list, dict)) or is_record(x)):
        return zeros_like(x)
    if isinstance(g, np.ndarray) and g.ndim == 0:
        return g[()]
    if hasattr(type(x), "__array_function__"):  # (foreign(x), inline: the path of numbers)
        return _cast_foreign(g, x)
    return g


def as_gradient(g, shape):
    """The gradient of an argument of this exact shape: a float array of the
    shape, or a number for ``()`` (what ``cast_grad`` gives, the shape known)."""
    if not shape:
        return g[()] if isinstance(g, np.ndarray) else g
    if type(g) is np.ndarray and g.shape == shape and g.dtype.kind in "fc":
        return g
    if foreign(g):  # (another library's array: kept in that library)
        g = g if np.shape(g) == shape else spread(g, shape, g)
        return g if g.dtype.kind in "fc" else g.astype(float)
    g = np.broadcast_to(g, shape)
    return np.array(g, dtype=np.result_type(g.dtype, float))


def _cast_field(g, x):
    if g is None:  # (no derivative reached it)
        return None if _inert(x) else zeros_like(x)
    return cast_grad(g, x)


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
        return rebuild(obj, [unarray(g[i], v) for i, v in enumerate(obj)])
    return cast_grad(g, obj) if is_array(obj) else g


runtime_higher._rt = runtime_numpy._rt = sys.modules[__name__]  # (what they build on)


def __getattr__(name):
    """``rt.special``, ``rt.stats``, ``rt.linalg`` and ``rt.integrate``: SciPy's
    modules, for the templates of the SciPy rules (``rules/scipy_rules.py``: a
    derivative that calls ``scipy.special.digamma``).  Imported on first use:
    SciPy is optional."""
    if name in ("special", "stats", "linalg", "integrate"):
        return importlib.import_module(f"scipy.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
