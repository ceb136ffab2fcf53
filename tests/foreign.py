"""Arrays of other libraries for the tests: ``Strict``, a minimal array type
that NumPy dispatches to (NEP 13 and 18) and that refuses to become a NumPy
array or a Python number, and the corpus cases to run on such arrays.

A derivative that runs on ``Strict`` arrays and gives ``Strict`` gradients
never converted one to NumPy: no ``np.asarray``, ``np.array``, ``float`` or
truth test, and no NumPy array made in its place from a shape.  That is what
keeps a Dask array lazy (tests/test_dask.py) and a CuPy array on its device.
"""

import numpy as np
import pytest

import corpus


class Strict(np.lib.mixins.NDArrayOperatorsMixin):
    """An array of another library: NumPy's functions and ufuncs dispatch to
    it; converting it to NumPy or to a number raises."""

    def __init__(self, data):
        self.data = data

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: self.data.size)
    T = property(lambda self: Strict(self.data.T))

    def __repr__(self):
        return f"Strict({self.data!r})"

    def _refuse(self, *args, **kwargs):
        raise TypeError("a Strict array was converted to NumPy or to a number")

    __array__ = __float__ = __int__ = __index__ = __bool__ = __complex__ = _refuse

    def __len__(self):
        return len(self.data)

    def __iter__(self):
        return (_wrap(row) for row in self.data)

    def __getitem__(self, index):
        return _wrap(self.data[_unwrap(index)])

    def __setitem__(self, index, value):
        self.data[_unwrap(index)] = _unwrap(value)

    def copy(self):
        return Strict(self.data.copy())

    def astype(self, dtype):
        return Strict(self.data.astype(dtype))

    def reshape(self, *shape):
        return np.reshape(self, shape[0] if len(shape) == 1 else shape)

    def __getattr__(self, name):  # x.sum(axis=0) and the like: NumPy's function of x
        function = getattr(np, _METHODS[name]) if name in _METHODS else None
        if function is None:
            raise AttributeError(name)
        return lambda *args, **kwargs: function(self, *args, **kwargs)

    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        return _wrap(getattr(ufunc, method)(*_unwrap(args), **_unwrap(kwargs)))

    def __array_function__(self, func, types, args, kwargs):
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))


_METHODS = {name: name for name in (
    "sum", "mean", "max", "min", "prod", "dot", "ravel", "squeeze", "trace",
    "transpose", "clip", "cumsum", "var", "std")}
_METHODS["flatten"] = "ravel"


def _unwrap(x):
    if isinstance(x, Strict):
        return x.data
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _wrap(x):
    if isinstance(x, np.ndarray):
        return Strict(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_wrap(v) for v in x)
    return x


unwrap = _unwrap


def convert(value, make):
    """``value`` with its float arrays (and lists or tuples of them) made by
    ``make`` from the NumPy array."""
    if type(value) is np.ndarray and value.ndim and value.dtype.kind == "f":
        return make(value)
    if type(value) in (list, tuple) and value and all(type(v) is np.ndarray for v in value):
        return type(value)(convert(v, make) for v in value)
    return value


def corpus_params():
    """(case, signature, wrt) of every corpus function with an argument that
    ``convert`` changes."""
    out = []
    for case in corpus.CASES:
        for sig in range(len(case.sigs)):
            args = case.args(sig, 0)
            if all(convert(a, Strict) is a for a in args):
                continue
            for wrt in case.wrts:
                out.append(pytest.param(case, sig, wrt,
                                        id=f"{case.name}[{case.sig_desc(sig)}]-wrt{wrt}"))
    return out


def close(a, b, rtol=1e-8):
    """Gradients equal to ``rtol`` (containers elementwise)."""
    if isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(u, v, rtol) for u, v in zip(a, b))
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol,
                       atol=1e-12 + rtol * float(np.max(np.abs(b), initial=0.0)))


def gradients_of(g, args, wrt):
    """(argument, gradient) pairs for the positional ``wrt`` entries."""
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    grads = g if isinstance(wrt, tuple) else (g,)
    return [(args[i], gi) for i, gi in zip(indices, grads) if isinstance(i, int)]
