"""Forward mode and higher-order derivatives: ``jvp``, ``jacobian``, ``hessian``,
``hvp`` and ``derivative``.

* ``jvp(f, wrt)`` generates forward-mode code (``forward.py``): a function
  ``(*args, tangent) -> (value, directional derivative)``.
* ``derivative(f, order=n)`` is ``grad`` applied ``n`` times: the generated
  gradient is ordinary Python, so srcdiff differentiates it again.
* ``hessian`` and ``hvp`` are forward over reverse: the JVP of the generated
  gradient, in the direction ``v`` (``hvp``) or of every basis vector at once
  (``hessian``: a batch of tangents, ``forward.BatchedForward``).
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
import warnings

import numpy as np

from . import abstract, derivatives, runtime
from .forward import NotBatchable
from .errors import OrderError, OutputError, SrcdiffError, SrcdiffWarning, WrtError

# the cache of every derivative (tests reach the JVPs held for a function here)
_functions = derivatives.results


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


def _grad(f, wrt):
    return derivatives.derivative(f, wrt, "grad")[0]


def _jvp_raw(f, wrt):
    """The generated function ``(*tangents, *args) -> (value, tangent)``, and
    whether ``wrt`` is a tuple."""
    return derivatives.derivative(f, wrt, "jvp")


# --- higher order -----------------------------------------------------------------


def derivative(f, order=1, wrt=0):
    """The ``order``-th derivative of a scalar function of one argument.

    ``order=1`` is ``grad``.  From 2 on, where the argument is a number, by
    Taylor mode (``taylor``): one forward sweep whose cost grows with the
    square of the order; elsewhere (an array argument), and where the code has
    something without a Taylor rule (then with a ``SrcdiffWarning`` naming the
    function), ``grad`` applied ``order`` times, each time to the code
    generated the time before.  srcdiff differentiating the result (``grad(
    derivative(f, 2))``) differentiates the nested gradients.

    ``derivative(lambda x: x ** 2, order=2)(3.0)`` is ``2.0``."""
    _check_order(order, wrt, "derivative(f, order=n)")
    if order == 1:
        return _grad(f, wrt)
    return _series(f, order, wrt, pick=True)


def taylor(f, order=1, wrt=0):
    """Taylor mode: ``taylor(f, order=n)(*args)`` is the tuple
    ``(f(x), f'(x), f''(x), ..., f^(n)(x))`` of the value and the first ``n``
    derivatives (not divided by ``k!``) in the argument ``wrt``, a number.

    The generated code (``srcdiff.source(f, mode="taylor<n>")``) carries, for
    every value that depends on ``x``, its normalized Taylor coefficients
    (``v_ck``: the k-th derivative over ``k!``) beside it, computed by each
    primitive's Taylor rule; loops and branches stay as written.  For an
    array argument, or code with something without a Taylor rule (with a
    ``SrcdiffWarning``), the derivatives come from nested gradients."""
    _check_order(order, wrt, "taylor(f, order=n)")
    return _series(f, order, wrt, pick=False)


def _check_order(order, wrt, what):
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise OrderError(f"order must be a positive integer, not {order!r}",
                         hint="order=1 is the gradient, order=2 the second derivative")
    if isinstance(wrt, (tuple, list)):
        raise WrtError(f"{what} differentiates with respect to one argument, not "
                       f"wrt={wrt!r}", hint="use hessian(f, wrt) for mixed second derivatives")


def _nested(f, order, wrt):
    """``grad`` applied 1 .. ``order`` times: the list of derivatives."""
    out, d = [], f
    for _ in range(order):
        d = _grad(d, wrt)
        out.append(d)
    return out


def _series(f, order, wrt, pick):
    """The function of ``derivative`` (``pick``: the ``order``-th derivative)
    or of ``taylor`` (value and derivatives): Taylor-mode code where the
    argument is a number, nested gradients elsewhere."""
    index = _indices(f, wrt)[0]
    nested = []

    def nested_derivatives():
        if not nested:
            nested.extend(_nested(f, order, wrt))
        return nested

    def by_nesting(*args, **kwargs):
        ds = nested_derivatives()
        if pick:
            return ds[-1](*args, **kwargs)
        return (f(*args, **kwargs),) + tuple(d(*args, **kwargs) for d in ds)
    try:
        fast = derivatives.derivative(f, wrt, f"taylor{order}:numbers")[0]
    except SrcdiffError as exc:
        warnings.warn(f"{_name(f)}: no Taylor mode ({exc.message}); the derivatives of "
                      f"order {order} come from nested gradients, whose code and time grow "
                      "fast with the order", SrcdiffWarning, stacklevel=3)
        fast = None
    generic = []

    def series_function(*args, **kwargs):
        x = args[index] if index < len(args) else None
        if fast is None or isinstance(x, bool) or not isinstance(x, _NUMBERS):
            return by_nesting(*args, **kwargs)
        if type(x) is not float:
            x = float(x)   # (a NumPy float would divide by zero without raising)
            args = args[:index] + (x,) + args[index + 1:]
        try:
            out = fast(*args, **kwargs)
        except ZeroDivisionError:
            # a recurrence dividing by a value that is zero here (x ** p at
            # x = 0 divides by x): the nested gradients, whose rules handle
            # such points, give the derivatives at this one
            return by_nesting(*args, **kwargs)
        except (ArithmeticError, ValueError):
            # the math module raises where NumPy gives nan or inf (math.log(-1.0),
            # math.exp(1e3)): the code calling NumPy, on a NumPy float, gives NumPy's
            if not generic:
                generic.append(derivatives.derivative(f, wrt, f"taylor{order}")[0])
            args = args[:index] + (np.float64(x),) + args[index + 1:]
            out = generic[0](*args, **kwargs)
        return out[order] if pick else out
    name = _name(f)
    series_function.__name__ = series_function.__qualname__ = (
        f"d{order}_{getattr(f, '__name__', 'f')}" if pick
        else f"taylor{order}_{getattr(f, '__name__', 'f')}")
    series_function.__doc__ = (f"Derivative of order {order} of {name} (srcdiff)." if pick
                               else f"Value and first {order} derivatives of {name} (srcdiff).")
    # srcdiff differentiating this function differentiates the nested gradients
    # (frontend.current asks these two): their code is a plain Python function
    series_function.__srcdiff_current__ = _never
    series_function.__srcdiff_refresh__ = lambda: nested_derivatives()[-1]
    return series_function


_NUMBERS = (float, int, np.floating, np.integer)


def _never():
    return False


def hvp(f, wrt=0):
    """Hessian-vector product without forming the Hessian:
    ``hvp(f, wrt)(*args, v)`` is ``H @ v`` (forward mode over the generated
    gradient)."""
    gradient = _grad(f, wrt)
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

    Forward over reverse: the JVP of the generated gradient along every basis
    vector of the argument, all at once (the basis as a batch of tangents:
    ``forward.BatchedForward``); for a tuple ``wrt``, and where the gradient
    code has something a batch cannot go through, one JVP per basis vector."""
    gradient = _grad(f, wrt)
    inner = _jvp_raw(gradient, wrt)[0]
    as_tuple = isinstance(wrt, (tuple, list))
    indices = _indices(f, wrt)

    batched = {}   # argument shapes -> the gradient's JVP for a batch of directions, or None

    def hessian_function(*args, **kwargs):
        xs = [np.asarray(_arg(args, i, f), dtype=float) for i in indices]
        if not as_tuple and xs[0].size > 1 and not kwargs:
            key = tuple(abstract.key_of(a) for a in args)
            if key not in batched:
                batched[key] = _batched_jvp(_specialized(gradient, args, key), wrt)
            if batched[key] is not None:
                return _scalarize(_batched_jacobian(batched[key], xs[0], args, kwargs,
                                                    xs[0].shape))
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


def _specialized(gradient, args, key):
    """The gradient's code specialised on the shapes of ``args`` (simpler: it
    undoes broadcasting only where it happens), where there is one."""
    specials = getattr(gradient, "__srcdiff_specializations__", None)
    if specials is None:
        return gradient
    gradient(*args)   # (makes it, at the first call with these shapes)
    special = specials.get(key)
    return special if getattr(special, "__srcdiff_unit__", None) is not None else gradient


def _batched_jvp(f, wrt):
    """The JVP of ``f`` taking a batch of tangents (a leading axis), or None
    where its code cannot take one (then one direction at a time)."""
    try:
        return derivatives.derivative(f, wrt, "jvp:batched")[0]
    except NotBatchable:
        return None


def _batched_jacobian(jvp, x, args, kwargs, out_shape):
    """The Jacobian from one call of ``jvp`` with the whole basis of ``x``
    (``out[k]`` is its column ``k``)."""
    n = x.size
    _, out = jvp(np.eye(n).reshape((n,) + x.shape), *args, **kwargs)
    columns = np.reshape(np.asarray(out, dtype=float), (n, -1))
    return columns.T.reshape(tuple(out_shape) + x.shape)


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
    return derivatives.derivative(f, wrt, "vjp")[0]


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
    func = derivatives.plain(func)
    code = func.__code__
    params = list(code.co_varnames[:code.co_argcount])
    names, _ = derivatives.wrt_names(func,
                                     derivatives.shift(wrt, -shift) if shift else wrt)
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

