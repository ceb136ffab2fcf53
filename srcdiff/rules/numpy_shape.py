"""NumPy's shape, joining, splitting and indexing functions, ``np.full``,
``astype`` and the index objects ``np.r_[...]`` / ``np.c_[...]``.

Whether a function returns a view or a copy is as NumPy documents it:
``swapaxes``, ``moveaxis``, ``rollaxis``, ``broadcast_to``, ``atleast_*d``,
``split`` and friends, ``rot90``, ``flip*``, ``diag`` of a matrix and
``diagonal`` may share memory with their argument (``view=``); the others make
a new array.  Most are linear and their adjoint is a runtime helper that is
their transpose (``srcdiff/runtime_numpy.py``)."""

import gast
import numpy as np

from .. import runtime as rt
from ..abstract import NOT_CONSTANT, concrete
from ..primitives import (EVALUATE, FRESH, Primitive, adjoint, constructed, evaluated, tangent,
                          variants)
from ..template import Template, d


def _numpy(*names):
    """The NumPy functions of these names that this NumPy has (``np.astype`` is new
    in 2.1, ``np.row_stack`` is deprecated)."""
    return tuple(getattr(np, n) for n in names if hasattr(np, n))


def _constant(atom, *values):
    """Is the argument absent or a constant with one of these values?"""
    return atom is None or (isinstance(atom, gast.Constant)
                            and any(atom.value == v and type(atom.value) is type(v)
                                    for v in values))


# --- axes ------------------------------------------------------------------------------


@adjoint(np.swapaxes, "ndarray.swapaxes", linear=True, view="a",
         shape=evaluated(np.swapaxes))
def swapaxes(y, a, axis1, axis2):
    d[a] = np.swapaxes(d[y], axis1, axis2)


@adjoint(np.moveaxis, linear=True, view="a", shape=EVALUATE)
def moveaxis(y, a, source, destination):
    d[a] = np.moveaxis(d[y], destination, source)


@adjoint(np.rollaxis, linear=True, view="a", shape=EVALUATE)
def rollaxis(y, a, axis, start=0):
    d[a] = np.transpose(d[y], rt.rollaxis_inverse(a, axis, start))


@adjoint(np.broadcast_to, linear=True, view="array", shape=constructed)
def broadcast_to(y, array, shape):
    d[array] = rt.unbroadcast(d[y], array)


@adjoint(np.atleast_1d, np.atleast_2d, np.atleast_3d, linear=True, view="arys",
         shape=EVALUATE)
def atleast_nd(y, arys):
    d[arys] = np.reshape(d[y], np.shape(arys))


# --- joining ---------------------------------------------------------------------------------


@adjoint(np.hstack, containers=("tup",), linear=True, result=FRESH)
def hstack(y, tup):
    d[tup] = rt.unjoin(d[y], tup, "hstack")


@adjoint(np.vstack, *_numpy("row_stack"), containers=("tup",), linear=True, result=FRESH)
def vstack(y, tup):
    d[tup] = rt.unjoin(d[y], tup, "vstack")


@adjoint(np.dstack, containers=("tup",), linear=True, result=FRESH)
def dstack(y, tup):
    d[tup] = rt.unjoin(d[y], tup, "dstack")


@adjoint(np.column_stack, containers=("tup",), linear=True, result=FRESH)
def column_stack(y, tup):
    d[tup] = rt.unjoin(d[y], tup, "column_stack")


# np.r_[a, b, 0:3] is np.r_.__getitem__((a, b, slice(0, 3))) (normalize writes the
# subscript so); the tangent of a slice is not a slice, hence the written tangent
@adjoint(np.r_.__getitem__, name="numpy.r_", containers=("key",), result=FRESH)
def r_(y, key):
    d[key] = rt.unjoin(d[y], key, "r_")


@tangent(np.r_.__getitem__)
def r_tangent(y, key):
    d[y] = rt.join(d[key], key, "r_")


@adjoint(np.c_.__getitem__, name="numpy.c_", containers=("key",), result=FRESH)
def c_(y, key):
    d[key] = rt.unjoin(d[y], key, "c_")


@tangent(np.c_.__getitem__)
def c_tangent(y, key):
    d[y] = rt.join(d[key], key, "c_")


def _append_flat(y, arr, values, axis=None):
    d[arr] = np.reshape(d[y][:np.size(arr)], np.shape(arr))
    d[values] = np.reshape(d[y][np.size(arr):], np.shape(values))


def _append_axis(y, arr, values, axis=None):
    parts = np.split(d[y], [np.shape(arr)[axis]], axis)
    d[arr] = parts[0]
    d[values] = parts[1]


# (jointly linear: each operand's term appends zeros in place of the other)
def _append_tangent(y, arr, values, axis=None):
    d[y] = np.append(d[arr], np.zeros_like(values), axis)
    d[y] = np.append(np.zeros_like(arr), d[values], axis)


_APPEND = {flat: Primitive("numpy.append", np.append, signature=("arr", "values", "axis"),
                           adjoint=Template(fn, "numpy.append"), aliases=(), shape=EVALUATE,
                           tangent=Template(_append_tangent, "numpy.append (tangent)"))
           for flat, fn in ((True, _append_flat), (False, _append_axis))}


@variants(np.append, result=FRESH)
def append(args, keywords):
    """``np.append(arr, values)`` (both flattened) or ``np.append(arr, values, axis)``."""
    bound = _APPEND[True].bind(args, keywords)
    if bound is None:
        return None
    return _APPEND[_constant(bound[1].get("axis"), None)], bound[1]


# --- splitting: the parts are views; the adjoint joins their adjoints ------------------------


@adjoint(np.split, np.array_split, linear=True, view="ary")
def split(y, ary, indices_or_sections, axis=0):
    d[ary] = rt.unconcatenate_adjoint(d[y], ary, y, axis)


@adjoint(np.hsplit, linear=True, view="ary")
def hsplit(y, ary, indices_or_sections):
    d[ary] = rt.unconcatenate_adjoint(d[y], ary, y, (np.ndim(ary) > 1) * 1)


@adjoint(np.vsplit, linear=True, view="ary")
def vsplit(y, ary, indices_or_sections):
    d[ary] = rt.unconcatenate_adjoint(d[y], ary, y, 0)


@adjoint(np.dsplit, linear=True, view="ary")
def dsplit(y, ary, indices_or_sections):
    d[ary] = rt.unconcatenate_adjoint(d[y], ary, y, 2)


# --- copies: tile, repeat, pad ------------------------------------------------------------------


@adjoint(np.tile, linear=True, result=FRESH, shape=EVALUATE)
def tile(y, A, reps):
    d[A] = rt.untile(d[y], A, reps)


@adjoint(np.repeat, "ndarray.repeat", linear=True, result=FRESH, shape=evaluated(np.repeat))
def repeat(y, a, repeats, axis=None):
    d[a] = rt.unrepeat(d[y], a, repeats, axis)


def _pad(y, array, pad_width, mode="constant", constant_values=0):
    d[array] = rt.unpad(d[y], array, pad_width)


def _pad_tangent(y, array, pad_width, mode="constant", constant_values=0):
    d[y] = np.pad(d[array], pad_width)


_PAD = Primitive("numpy.pad", np.pad, signature=("array", "pad_width", "mode",
                                                 "constant_values"),
                 adjoint=Template(_pad, "numpy.pad"), aliases=(), shape=EVALUATE,
                 tangent=Template(_pad_tangent, "numpy.pad (tangent)"))


@variants(np.pad, result=FRESH)
def pad(args, keywords):
    """``np.pad`` in constant mode (the padding values have no derivative rule)."""
    bound = _PAD.bind(args, keywords)
    if bound is None or not _constant(bound[1].get("mode"), "constant"):
        return None
    return bound


# --- rearranging elements --------------------------------------------------------------------


@adjoint(np.roll, linear=True, result=FRESH, shape=EVALUATE)
def roll(y, a, shift, axis=None):
    d[a] = np.roll(d[y], np.negative(shift), axis)


@adjoint(np.rot90, linear=True, view="m", shape=EVALUATE)
def rot90(y, m, k=1, axes=(0, 1)):
    d[m] = np.rot90(d[y], -k, axes)


@adjoint(np.flip, linear=True, view="m", shape=EVALUATE)
def flip(y, m, axis=None):
    d[m] = np.flip(d[y], axis)


@adjoint(np.fliplr, linear=True, view="m", shape=EVALUATE)
def fliplr(y, m):
    d[m] = np.fliplr(d[y])


@adjoint(np.flipud, linear=True, view="m", shape=EVALUATE)
def flipud(y, m):
    d[m] = np.flipud(d[y])


# sort and partition: the adjoint puts each element's adjoint back where the
# element came from (ties: in the order of a stable sort)
@adjoint(np.sort, result=FRESH, shape=EVALUATE)
def sort(y, a, axis=-1, kind=None, order=None):
    d[a] = rt.untake_along_axis(d[y], np.argsort(a, axis, kind="stable"), a, axis)


@tangent(np.sort)
def sort_tangent(y, a, axis=-1, kind=None, order=None):
    d[y] = np.take_along_axis(d[a], np.argsort(a, axis, kind="stable"), axis)


# (where each element of y came from, matched by rank: np.argpartition need not
# arrange the elements as np.partition does)
@adjoint(np.partition, result=FRESH, shape=EVALUATE)
def partition(y, a, kth, axis=-1, kind="introselect", order=None):
    source = np.take_along_axis(np.argsort(a, axis, kind="stable"),
                                np.argsort(np.argsort(y, axis, kind="stable"), axis), axis)
    d[a] = rt.untake_along_axis(d[y], source, a, axis)


@tangent(np.partition)
def partition_tangent(y, a, kth, axis=-1, kind="introselect", order=None):
    source = np.take_along_axis(np.argsort(a, axis, kind="stable"),
                                np.argsort(np.argsort(y, axis, kind="stable"), axis), axis)
    d[y] = np.take_along_axis(d[a], source, axis)


# --- parts of matrices ------------------------------------------------------------------------


@adjoint(np.diag, linear=True, view="v", shape=EVALUATE)
def diag(y, v, k=0):
    d[v] = rt.undiag(d[y], v, k)


@adjoint(np.diagonal, "ndarray.diagonal", linear=True, view="a",
         shape=evaluated(np.diagonal))
def diagonal(y, a, offset=0, axis1=0, axis2=1):
    d[a] = rt.undiagonal(d[y], a, offset, axis1, axis2)


@adjoint(np.tril, linear=True, result=FRESH, shape=EVALUATE)
def tril(y, m, k=0):
    d[m] = np.tril(d[y], k)


@adjoint(np.triu, linear=True, result=FRESH, shape=EVALUATE)
def triu(y, m, k=0):
    d[m] = np.triu(d[y], k)


# --- differences ------------------------------------------------------------------------------


# (prepend= and append= are not among the parameters: such calls are refused
# where a derivative flows)
@adjoint(np.diff, linear=True, result=FRESH, shape=EVALUATE)
def diff(y, a, n=1, axis=-1):
    d[a] = rt.undiff(d[y], a, n, axis)


def _gradient(y, f, axis=None, edge_order=1):
    d[f] = rt.ungradient(d[y], f, axis, edge_order)


_GRADIENT = Primitive("numpy.gradient", np.gradient, signature=("f", "axis", "edge_order"),
                      adjoint=Template(_gradient, "numpy.gradient"), linear=True, aliases=())


@variants(np.gradient, result=FRESH)
def gradient(args, keywords):
    """``np.gradient(f, axis=..., edge_order=...)`` with unit spacing (spacings,
    the positional arguments after ``f``, have no rule)."""
    return _GRADIENT.bind(args, keywords) if len(args) == 1 else None


# --- choosing and taking elements ----------------------------------------------------------------


@adjoint(np.select, passive=("condlist",), containers=("choicelist",), result=FRESH)
def select(y, condlist, choicelist, default=0):
    d[choicelist] = rt.unselect(d[y], condlist, choicelist)
    d[default] = rt.unbroadcast(np.where(rt.selected(condlist), 0.0, d[y]), default)


@tangent(np.select)
def select_tangent(y, condlist, choicelist, default=0):
    d[y] = np.select(condlist, d[choicelist], 0.0)
    d[y] = np.where(rt.selected(condlist), 0.0, d[default])


@adjoint(np.take, "ndarray.take", linear=True, result=FRESH, writes=("out",),
         shape=evaluated(np.take))
def take(y, a, indices, axis=None, out=None, mode="raise"):
    d[a] = rt.untake(d[y], a, indices, axis, mode)


@adjoint(np.take_along_axis, linear=True, result=FRESH)
def take_along_axis(y, arr, indices, axis=-1):
    d[arr] = rt.untake_along_axis(d[y], indices, arr, axis)


# --- arrays filled with a value --------------------------------------------------------------------


@adjoint(np.full, linear=True, result=FRESH, shape=constructed)
def full(y, shape, fill_value, dtype=None, order="C"):
    d[fill_value] = rt.unbroadcast(d[y], fill_value)


def _full_like_shape(shapes, constants):
    given = constants.get("shape", None)
    if given is None:
        return shapes[0] if concrete(shapes[0]) else None
    return None if given is NOT_CONSTANT else constructed(shapes, constants)


@adjoint(np.full_like, linear=True, passive=("a",), result=FRESH, shape=_full_like_shape)
def full_like(y, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    d[fill_value] = rt.unbroadcast(d[y], fill_value)


# --- astype: a float result passes the derivative on, an integer one none -------------------------


def _astype(y, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    d[x] = d[y] * rt.is_float(y)


def _astype_tangent(y, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    d[y] = d[x] * rt.is_float(y)


def _astype_primitive(aliases):
    name = "numpy.astype"
    return Primitive(name, name, signature=tuple(Template(_astype, name).params[1:]),
                     adjoint=Template(_astype, name), aliases=aliases, shape="elementwise",
                     tangent=Template(_astype_tangent, f"{name} (tangent)"))


_ASTYPE = {True: _astype_primitive(()), False: _astype_primitive(("x",))}


@variants("ndarray.astype", *_numpy("astype"), view="x")
def astype(args, keywords):
    """``x.astype(dtype)`` (a new array), or with ``copy=False`` (maybe ``x`` itself)."""
    bound = _ASTYPE[True].bind(args, keywords)
    if bound is None:
        return None
    return _ASTYPE[_constant(bound[1].get("copy"), True)], bound[1]
