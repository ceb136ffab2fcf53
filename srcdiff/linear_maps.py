"""The primal once, then its linear map as a function: ``vjp`` and ``linearize``.

``vjp(f, wrt)(*args)`` is ``(f(*args), pullback)``;
``linearize(f, wrt)(*args)`` is ``(f(*args), jvp_fn)``.  The generated code
(``derivatives`` in the modes ``'pullback'`` and ``'linearize'``) is reverse
mode's VJP or forward mode's JVP cut in two by a step of the pipeline
(``vjp.split``, ``linearize.split``): it runs the forward sweep or the primal
statements once and returns the adjoint sweep or the tangent statements as a
nested function.  Here are the public functions around that code: the check
of a cotangent's structure and shapes, and ``linearize``'s fallback to the
whole JVP for each tangent where the code cannot be cut (``NotLinearizable``).
"""

import functools

import gast
import numpy as np

from . import derivatives, runtime
from .errors import CotangentError
from .linearize import NotLinearizable

__all__ = ["vjp", "linearize"]


# --- vjp ------------------------------------------------------------------------------


def vjp(f=None, wrt=0):
    """``vjp(f, wrt)(*args)`` is ``(out, pullback)``: ``out`` is ``f(*args)`` and
    ``pullback(cotangent)`` the vector-Jacobian product, the gradient of
    ``<cotangent, f>`` with respect to ``wrt`` (a tuple of them for a tuple
    ``wrt``), as ``grad`` gives it.

    ``out`` may be a number, an array, or a tuple, list or dict of them; the
    cotangent has the same structure and shapes (anything else is refused).
    The forward sweep runs once; each call of ``pullback`` runs only the
    adjoint sweep, from the values the forward sweep saved (it may be called
    any number of times)."""
    if f is None:
        return lambda g: vjp(g, wrt=wrt)
    forward = derivatives.derivative(f, wrt, "pullback")[0]
    unit = getattr(forward, "__srcdiff_unit__", None)
    where = {"function": _name(f)}

    def locate():   # (where the output is returned: for a refused cotangent)
        if unit is not None and "filename" not in where:
            ret = _last_return(unit.info.node)
            if ret is not None:
                node = ret.value or ret
                where.update(filename=unit.info.filename, lineno=node.lineno,
                             col=node.col_offset)
        return where

    @functools.wraps(forward)
    def vjp_function(*args, **kwargs):
        out, back = forward(*args, **kwargs)
        return out, _Pullback(back, out, locate)
    vjp_function.__srcdiff_unit__ = unit
    return vjp_function


class _Pullback:
    """The generated adjoint sweep, with the check of the cotangent."""

    __slots__ = ("function", "out", "locate", "__weakref__")

    def __init__(self, function, out, locate):
        self.function = function
        self.out = out
        self.locate = locate

    def __call__(self, cotangent):
        _check(cotangent, self.out, self.locate, "")
        return _unshared(self.function(cotangent), {id(a) for a in _arrays(cotangent)})

    def __repr__(self):
        return f"<pullback of {self.locate()['function']} (srcdiff)>"


def _arrays(v):
    if isinstance(v, dict):
        return [a for k in v for a in _arrays(v[k])]
    if isinstance(v, (tuple, list)):
        return [a for u in v for a in _arrays(u)]
    return [v] if runtime.is_array(v) else []


def _unshared(grads, seeds):
    """The gradients, with a copy of any that is an array of the cotangent
    (``f(x) = x`` passes it through): writing into a gradient must not change
    the caller's cotangent."""
    if isinstance(grads, dict):
        return type(grads)((k, _unshared(g, seeds)) for k, g in grads.items())
    if isinstance(grads, (tuple, list)):
        parts = [_unshared(g, seeds) for g in grads]
        return grads._make(parts) if hasattr(grads, "_make") else type(grads)(parts)
    if id(grads) in seeds:
        return runtime.copy(grads)
    return grads


def _last_return(fn):
    """The last ``return`` of a function's own body (not of a nested one)."""
    found, todo = None, list(fn.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, gast.Return) and (found is None or node.lineno >= found.lineno):
            found = node
        if not isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda,
                                 gast.ClassDef)):
            todo.extend(gast.iter_child_nodes(node))
    return found


def _check(cotangent, out, locate, where):
    """Refuse a cotangent whose structure or shapes are not ``out``'s."""
    def refuse(what):
        at = f" at {where}" if where else ""
        raise CotangentError(
            f"the cotangent{at} {what}", **locate(),
            hint="pass a cotangent of the output's structure and shapes "
                 "(e.g. np.ones_like(out) for an array out, a tuple or dict of them "
                 "for a tuple or dict)")
    if isinstance(out, dict):
        if not isinstance(cotangent, dict) or set(cotangent) != set(out):
            refuse(f"must be a dict with the keys {sorted(map(repr, out))}, not "
                   f"{_describe(cotangent)}")
        for k in out:
            _check(cotangent[k], out[k], locate, f"{where}[{k!r}]")
    elif isinstance(out, (tuple, list)):
        if not isinstance(cotangent, (tuple, list)) or len(cotangent) != len(out):
            refuse(f"must be a tuple or list of {len(out)}, not {_describe(cotangent)}")
        for k, (c, o) in enumerate(zip(cotangent, out)):
            _check(c, o, locate, f"{where}[{k}]")
    elif runtime.is_array(out) or isinstance(out, (int, float, complex, np.number)):
        if isinstance(cotangent, (tuple, list, dict, str, bytes)) or cotangent is None:
            refuse(f"must be {_describe_value(out)}, not {_describe(cotangent)}")
        if np.shape(cotangent) != np.shape(out):
            refuse(f"has shape {np.shape(cotangent)}, but the output has shape "
                   f"{np.shape(out)}")
    # (other outputs, e.g. an object with fields: the generated code takes the
    # cotangent as it is)


def _describe(v):
    if isinstance(v, dict):
        return f"a dict with the keys {sorted(map(repr, v))}"
    if isinstance(v, (tuple, list)):
        return f"a {type(v).__name__} of {len(v)}"
    if hasattr(v, "shape"):
        return f"an array of shape {np.shape(v)}"
    return f"a {type(v).__name__}"


def _describe_value(v):
    return f"an array of shape {np.shape(v)}" if np.ndim(v) else "a number"


def _name(f):
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


# --- linearize ------------------------------------------------------------------------


def linearize(f=None, wrt=0):
    """``linearize(f, wrt)(*args)`` is ``(out, jvp_fn)``: ``out`` is ``f(*args)``
    and ``jvp_fn(tangent)`` the Jacobian-vector product at ``args``, what
    ``jvp(f, wrt)(*args, tangent)[1]`` gives (a tuple of tangents for a tuple
    ``wrt``).

    The primal statements run once; ``jvp_fn`` runs only the tangent
    statements, from the values the first run kept (where the code allows:
    else, with a write into an array or a call of the user's own helper
    function, each ``jvp_fn`` call runs the whole generated JVP)."""
    if f is None:
        return lambda g: linearize(g, wrt=wrt)
    as_tuple = isinstance(wrt, (tuple, list))
    name = _name(f)

    def tangents_of(tangent):
        if not as_tuple:
            return (tangent,)
        if not isinstance(tangent, (tuple, list)) or len(tangent) != len(wrt):
            raise CotangentError(f"the tangent of {name}() is a tuple of {len(wrt)} "
                                 "changes, one per wrt argument", function=name)
        return tuple(tangent)

    try:
        split_code = derivatives.derivative(f, wrt, "linearize")[0]
    except NotLinearizable:
        raw = derivatives.derivative(f, wrt, "jvp")[0]

        def linearized(*args, **kwargs):
            out = f(*args, **kwargs)
            return out, lambda tangent: raw(*tangents_of(tangent), *args, **kwargs)[1]
    else:
        def linearized(*args, **kwargs):
            out, tangent_code = split_code(*args, **kwargs)
            return out, lambda tangent: tangent_code(*tangents_of(tangent))
        linearized.__srcdiff_unit__ = getattr(split_code, "__srcdiff_unit__", None)
    linearized.__doc__ = f"Value and linearization of {name} (srcdiff)."
    return functools.wraps(f, assigned=("__module__", "__name__", "__qualname__"),
                           updated=())(linearized)
