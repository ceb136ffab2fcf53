"""Forward mode and higher-order derivatives: ``jvp``, ``jacobian``, ``hessian``,
``hvp`` and ``derivative``.

* ``jvp(f, wrt)`` generates forward-mode code (``forward.py``): a function
  ``(*args, tangent) -> (value, directional derivative)``.
* ``derivative(f, order=n)`` is ``grad`` applied ``n`` times: the generated
  gradient is ordinary Python, so srcdiff differentiates it again.
* ``hessian`` and ``hvp`` are forward over reverse: the JVP of the generated
  gradient, in the direction ``v`` (``hvp``) or of every basis vector
  (``hessian``).
* ``jacobian(f, wrt)`` picks forward mode when the input is no larger than the
  output, else reverse mode (a VJP per output element).  Forward mode sends
  the whole basis through the generated code at once (a tangent with an extra
  leading axis) when the code is elementwise on operands of one shape (the
  transformation records this, ``Unit.batchable``); otherwise, and in reverse
  mode, it loops over basis vectors in Python, one call of the generated code
  each.
"""

import functools
import inspect
import weakref

import numpy as np

from . import api, forward, frontend, pipeline, reverse, runtime
from .errors import OrderError, OutputError, SourceError, WrtError

_units = {}                                   # (code, names, as_tuple, kind) -> Unit
_functions = weakref.WeakKeyDictionary()      # function -> {(wrt, kind): result}


# --- jvp --------------------------------------------------------------------------


def jvp(f=None, wrt=0):
    """Forward mode: ``jvp(f, wrt)(*args, tangent)`` is ``(f(*args), J @ tangent)``,
    the directional derivative of ``f`` at ``args`` along ``tangent`` (the change
    of the ``wrt`` argument; a tuple of changes when ``wrt`` is a tuple).

    The generated code (``srcdiff.source(f, mode="jvp")``) computes each
    tangent (``x_dot``) next to its value; loops and branches stay as written.
    """
    if f is None:
        return lambda g: jvp(g, wrt=wrt)
    raw, as_tuple = _jvp_raw(f, wrt)
    return _tangent_last(raw, as_tuple)


def _tangent_last(raw, as_tuple):
    """``raw(*tangents, *args)`` as ``(*args, tangent)``."""
    @functools.wraps(raw)
    def jvp_function(*args, **kwargs):
        if not args:
            raise TypeError("jvp function needs the arguments and then the tangent")
        *primals, tangent = args
        tangents = tuple(tangent) if as_tuple else (tangent,)
        return raw(*tangents, *primals, **kwargs)
    jvp_function.__srcdiff_unit__ = raw.__srcdiff_unit__
    return jvp_function


def _jvp_raw(f, wrt):
    """The generated function ``(*tangents, *args) -> (value, tangent)``."""
    if isinstance(wrt, list):
        wrt = tuple(wrt)
    try:
        cached = _functions.get(f, {}).get((wrt, "jvp"))
    except TypeError:
        cached = None
    if cached is not None:
        return cached
    result = _build_jvp(f, wrt)
    try:
        _functions.setdefault(f, {})[(wrt, "jvp")] = result
    except TypeError:
        pass
    return result


def _build_jvp(f, wrt):
    if isinstance(f, functools.partial):
        if f.keywords:
            raise SourceError("jvp of a functools.partial with keyword arguments",
                              hint="write a small def that calls the function")
        raw, as_tuple = _jvp_raw(f.func, api._shift(wrt, len(f.args)))
        n = len(raw.__srcdiff_unit__.wrt)
        bound = f.args

        def partial_raw(*a, **k):
            return raw(*a[:n], *bound, *a[n:], **k)
        partial_raw.__srcdiff_unit__ = raw.__srcdiff_unit__
        return partial_raw, as_tuple
    if inspect.ismethod(f):
        raw, as_tuple = _jvp_raw(f.__func__, api._shift(wrt, 1))
        n = len(raw.__srcdiff_unit__.wrt)
        owner = f.__self__

        def method_raw(*a, **k):
            return raw(*a[:n], owner, *a[n:], **k)
        method_raw.__srcdiff_unit__ = raw.__srcdiff_unit__
        return method_raw, as_tuple
    func = _plain(f)
    names, as_tuple = api._wrt_names(func, wrt)
    key = (func.__code__, names, as_tuple, "jvp")
    unit = _units.get(key)
    if unit is None:
        info = frontend.read_function(func)
        unit = pipeline.build_jvp_unit(info, list(names), forward.Session(optimize=True),
                                       ("top",) + key)
        deferred = api._deferred(unit)
        if deferred:  # (forward mode is not specialised on shapes: refuse now)
            raise deferred
        unit.wrt = names
        _units[key] = unit
        raw = unit.function
    else:
        raw = api._rebind(unit, func)
    raw.__defaults__ = func.__defaults__  # tangents come first: still aligned to the end
    raw.__kwdefaults__ = func.__kwdefaults__
    raw.__srcdiff_unit__ = unit
    raw.__doc__ = (f"Value and directional derivative of {func.__qualname__} with "
                   f"respect to {', '.join(names)} (srcdiff forward mode); the "
                   f"tangents come first.")
    return raw, as_tuple


def _plain(f):
    func = frontend.unwrap(f)
    if not inspect.isfunction(func):
        raise SourceError(f"cannot differentiate {f!r}: not a Python function",
                          hint="srcdiff differentiates functions written in Python")
    return func


def jvp_source(f, wrt=0):
    """The generated forward-mode source of ``f``, helper functions first."""
    raw, _ = _jvp_raw(f, wrt)
    return "\n\n".join(u.text for u in pipeline.all_units(raw.__srcdiff_unit__))


# --- higher order -----------------------------------------------------------------


def derivative(f, order=1, wrt=0):
    """The ``order``-th derivative of a scalar function of one argument: ``grad``
    applied ``order`` times (each time to the code generated the time before).

    ``derivative(lambda x: x ** 2, order=2)(3.0)`` is ``2.0``."""
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise OrderError(f"order must be a positive integer, not {order!r}",
                         hint="order=1 is the gradient, order=2 the second derivative")
    if isinstance(wrt, (tuple, list)):
        raise WrtError("derivative(f, order=n) differentiates with respect to one "
                       f"argument, not wrt={wrt!r}",
                       hint="use hessian(f, wrt) for mixed second derivatives")
    d = f
    for _ in range(order):
        d = api.grad(d, wrt=wrt)
    return d


def hvp(f, wrt=0):
    """Hessian-vector product without forming the Hessian:
    ``hvp(f, wrt)(*args, v)`` is ``H @ v`` (forward mode over the generated
    gradient)."""
    gradient = api.grad(f, wrt=wrt)
    inner = _jvp_raw(gradient, wrt)[0]
    as_tuple = isinstance(wrt, (tuple, list))

    def hessian_vector_product(*args, **kwargs):
        *primals, v = args
        tangents = tuple(v) if as_tuple else (v,)
        return inner(*tangents, *primals, **kwargs)[1]
    hessian_vector_product.__doc__ = f"Hessian-vector product of {_name(f)} (srcdiff)."
    return hessian_vector_product


def hessian(f, wrt=0):
    """The Hessian of a scalar function: ``hessian(f, wrt)(*args)`` has shape
    ``x.shape + x.shape`` (for a tuple ``wrt``, a tuple of tuples of blocks).

    Forward over reverse: one JVP of the generated gradient per basis vector of
    the argument (a Python loop over the basis; the gradient code, with its
    reductions, is not elementwise, so the basis cannot go through at once)."""
    gradient = api.grad(f, wrt=wrt)
    inner = _jvp_raw(gradient, wrt)[0]
    as_tuple = isinstance(wrt, (tuple, list))
    indices = _indices(f, wrt)

    def hessian_function(*args, **kwargs):
        xs = [np.asarray(_arg(args, i, f), dtype=float) for i in indices]
        columns = []  # per wrt argument i: list of tangent outputs over i's basis
        for i, x in enumerate(xs):
            outs = []
            for e in _basis(x):
                tangents = [np.zeros(xj.shape) if j != i else e for j, xj in enumerate(xs)]
                tangents = [t if np.ndim(t) else float(t) for t in tangents]
                _, out = inner(*tangents, *args, **kwargs)
                outs.append(out if as_tuple else (out,))
            columns.append(outs)
        blocks = []
        for j, xj in enumerate(xs):
            row = []
            for i, xi in enumerate(xs):
                stacked = np.array([np.broadcast_to(o[j], xj.shape) for o in columns[i]],
                                   dtype=float)
                row.append(_jacobian_layout(stacked, xj.shape, xi.shape))
            blocks.append(tuple(row))
        if not as_tuple:
            return _scalarize(blocks[0][0])
        return tuple(tuple(_scalarize(b) for b in row) for row in blocks)
    hessian_function.__doc__ = f"Hessian of {_name(f)} (srcdiff)."
    return hessian_function


def jacobian(f, wrt=0, mode=None):
    """The Jacobian of ``f`` (scalar or array valued) with respect to ``wrt``:
    ``jacobian(f, wrt)(*args)`` has shape ``out.shape + x.shape`` (a tuple of
    Jacobians for a tuple ``wrt``).

    ``mode`` is ``'forward'``, ``'reverse'`` or None (forward when the input
    is no larger than the output).  Forward mode sends the whole basis through
    the generated code in one call when that code is elementwise
    (``Unit.batchable``), else calls it once per basis vector; reverse mode
    calls the generated vector-Jacobian product once per output element."""
    if mode not in (None, "forward", "reverse"):
        raise OrderError(f"mode must be 'forward', 'reverse' or None, not {mode!r}")
    if isinstance(wrt, (tuple, list)):
        parts = [jacobian(f, w, mode) for w in wrt]
        return lambda *args, **kwargs: tuple(p(*args, **kwargs) for p in parts)
    raw = _jvp_raw(f, wrt)[0]
    index = _indices(f, wrt)[0]
    state = {}

    def jacobian_function(*args, **kwargs):
        x = np.asarray(_arg(args, index, f), dtype=float)
        n = x.size
        if mode is None and x.shape not in state:
            y = f(*args, **kwargs)
            _check_output(y, f)
            state[x.shape] = int(np.size(y))
        if mode == "reverse" or (mode is None and n > state[x.shape]):
            return _reverse_jacobian(f, wrt, x, args, kwargs)
        e = np.eye(n).reshape((n,) + x.shape)
        unit = raw.__srcdiff_unit__
        if getattr(unit, "batchable", False) and n > 1:
            y, out = raw(e, *args, **kwargs)
            _check_output(y, f)
            y_shape = np.shape(y)
            if np.shape(out) == (n,) + y_shape:
                return _scalarize(_jacobian_layout(np.asarray(out, dtype=float),
                                                   y_shape, x.shape))
        outs = []
        y = None
        for k in range(n):
            t = e[k] if x.ndim else float(e[k])
            y, out = raw(t, *args, **kwargs)
            _check_output(y, f)
            outs.append(np.broadcast_to(out, np.shape(y)))
        if y is None:
            y = f(*args, **kwargs)
            _check_output(y, f)
        stacked = np.array(outs, dtype=float).reshape((n,) + np.shape(y))
        return _scalarize(_jacobian_layout(stacked, np.shape(y), x.shape))
    jacobian_function.__doc__ = f"Jacobian of {_name(f)} (srcdiff)."
    return jacobian_function


def _reverse_jacobian(f, wrt, x, args, kwargs):
    vjp = _vjp_function(f, wrt)
    y = f(*args, **kwargs)
    _check_output(y, f)
    y_shape = np.shape(y)
    rows = []
    for k in range(int(np.size(y))):
        seed = np.zeros(int(np.size(y)))
        seed[k] = 1.0
        seed = seed.reshape(y_shape) if y_shape else 1.0
        g = vjp(seed, *args, **kwargs)
        rows.append(np.broadcast_to(runtime.cast_grad(g, x), x.shape))
    return _scalarize(np.array(rows, dtype=float).reshape(y_shape + x.shape))


def _vjp_function(f, wrt):
    """The generated vector-Jacobian product ``(y_bar, *args) -> x_bar``."""
    try:
        cached = _functions.get(f, {}).get((wrt, "vjp"))
    except TypeError:
        cached = None
    if cached is not None:
        return cached
    if isinstance(f, functools.partial) or inspect.ismethod(f):
        bound = list(f.args) if isinstance(f, functools.partial) else [f.__self__]
        inner = _vjp_function(f.func if isinstance(f, functools.partial) else f.__func__,
                              api._shift(wrt, len(bound)))
        kw = dict(f.keywords) if isinstance(f, functools.partial) else {}

        def result(seed, *a, **k):
            return inner(seed, *bound, *a, **{**kw, **k})
    else:
        func = _plain(f)
        names, as_tuple = api._wrt_names(func, wrt)
        key = (func.__code__, names, as_tuple, "vjp")
        unit = _units.get(key)
        if unit is None:
            info = frontend.read_function(func)
            unit = pipeline.build_unit(info, list(names), "vjp",
                                       reverse.Session(optimize=True), ("top",) + key)
            _units[key] = unit
            result = unit.function
        else:
            result = api._rebind(unit, func)
        result.__defaults__ = func.__defaults__
        result.__kwdefaults__ = func.__kwdefaults__
    try:
        _functions.setdefault(f, {})[(wrt, "vjp")] = result
    except TypeError:
        pass
    return result


# --- helpers ------------------------------------------------------------------------


def _indices(f, wrt):
    """Positions of the ``wrt`` arguments among the positional arguments."""
    func = f
    shift = 0
    while isinstance(func, functools.partial) or inspect.ismethod(func):
        if isinstance(func, functools.partial):
            shift -= len(func.args)
            func = func.func
        else:
            shift -= 1
            func = func.__func__
    func = _plain(func)
    code = func.__code__
    params = list(code.co_varnames[:code.co_argcount])
    names, _ = api._wrt_names(func, api._shift(wrt, -shift) if shift else wrt)
    out = []
    for name in names:
        if name not in params:
            raise WrtError(f"wrt={name!r} is keyword-only; jacobian and hessian need "
                           "a positional argument", function=func.__name__)
        out.append(params.index(name) + shift)
    return out


def _arg(args, index, f):
    if index >= len(args):
        raise WrtError(f"the differentiated argument (position {index}) was not passed",
                       function=_name(f))
    return args[index]


def _basis(x):
    n = x.size
    e = np.eye(n).reshape((n,) + x.shape)
    return [e[k] for k in range(n)]


def _jacobian_layout(stacked, out_shape, in_shape):
    """``stacked[k]`` is the derivative along the ``k``-th input basis vector:
    -> an array of shape ``out_shape + in_shape``."""
    n = int(np.prod(in_shape, dtype=int))
    flat = np.reshape(stacked, (n,) + tuple(out_shape))
    return np.moveaxis(flat, 0, -1).reshape(tuple(out_shape) + tuple(in_shape))


def _scalarize(a):
    return float(a) if np.ndim(a) == 0 else a


def _check_output(y, f):
    if isinstance(y, (tuple, list, dict)):
        raise OutputError(f"{_name(f)}() returned a {type(y).__name__}; jacobian needs "
                          "a number or an array", hint="return np.stack(...) of the parts")


def _name(f):
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


def clear_cache():
    _units.clear()
    _functions.clear()
    forward.Session.cache.clear()

