"""Arrays of other libraries (Dask, CuPy, ...) in generated code and helpers.

NumPy hands a call such as ``np.sum(x)`` or ``x * y`` to the library of an
array whose type has ``__array_function__`` / ``__array_ufunc__`` (NEP 18 and
13), so generated code, which is plain NumPy calls, runs on a Dask array as a
lazy graph.  What NumPy does not hand over is making an array from a shape
(``np.zeros(shape)``) and converting to NumPy (``np.asarray``, ``np.array``,
``float``, a truth test): for a Dask array the first makes a NumPy array of
the data's size and the second computes it.  The runtime helpers use the few
functions here instead wherever an argument may be such an array, so it stays
in its own library and nothing is computed.
"""

import numpy as np


def foreign(x):
    """Is ``x`` an array of another library that NumPy's functions dispatch to
    (NumPy's own arrays and their subclasses are not)?"""
    return hasattr(type(x), "__array_function__") and not isinstance(x, np.ndarray)


def is_array(x):
    """An array, NumPy's or another library's (not a number or a container)."""
    return isinstance(x, np.ndarray) or foreign(x)


def zeros(shape, like=None):
    """Float zeros of ``shape``: in ``like``'s library (and, for Dask, its
    chunks when the shape is its own) if it is another library's array."""
    if foreign(like):
        if tuple(shape) == like.shape:
            return np.zeros_like(like, dtype=float)
        return np.zeros_like(like, dtype=float, shape=shape)
    return np.zeros(shape)


def spread(g, shape, like=None):
    """``g`` broadcast to ``shape`` as a fresh array that may be written into;
    in the library of ``like`` or of ``g`` if either is another library's."""
    if foreign(g) or foreign(like):
        return zeros(shape, like if foreign(like) else g) + g
    return np.full(shape, g)


def broadcast_to(g, shape, like=None):
    """``np.broadcast_to(g, shape)`` (read only), except that a value that is
    not another library's array goes to ``like``'s library if that is one."""
    if foreign(like) and not foreign(g):
        return spread(g, shape, like)
    return np.broadcast_to(g, shape)


def copy(x):
    """A copy of an array that may be written into, of the same library."""
    return x.copy() if foreign(x) else np.array(x)
