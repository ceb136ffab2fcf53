"""Lazy arrays (Dask): a derivative computes nothing, or refuses.

On Dask arrays the generated code builds one graph for the forward and the
backward sweep and computes nothing, except where Python needs a value: the
test of an ``if`` or a ``while``, ``float(x)``, ``max(a, b)``, a ``math``
function.  Run on Dask arrays, the function itself computes such a value;
its derivative would compute it, and sometimes again (an ``if`` is tested
again in the backward sweep), each time a pass over the data before the one
computation the caller asked for.  So the derivative of a function whose
generated code has such a construct (``needs_values``) runs, when an argument
is a Dask collection, with a Dask scheduler that refuses in the calling
thread: ``LazyValueError`` names the line of the user's function that needed
the value.  Other derivatives are not wrapped: no cost on NumPy arguments.

Nothing here imports Dask unless an argument is a Dask collection.
"""

import ast
import contextlib
import functools
import linecache
import sys
import threading

import gast

from .errors import LazyValueError


def lazy(value):
    """Is ``value`` a Dask collection (or a list or tuple holding one)?"""
    if isinstance(value, (list, tuple)):
        return any(lazy(v) for v in value)
    return hasattr(type(value), "__dask_graph__")


_VALUE_BUILTINS = frozenset({"float", "int", "bool", "max", "min"})


def needs_values(unit):
    """Does the unit's generated code need a value of an array, not only the
    array (the test of an ``if`` or ``while``, ``float()``, ``max()``, a
    ``math`` function)?  Then its function is wrapped in ``computing_nothing``."""
    math, rt = _names(unit, "math"), _names(unit, "runtime")
    for n in gast.walk(unit.node):
        if isinstance(n, (gast.If, gast.While, gast.IfExp)) and not _output_check(n, rt):
            return True
        if isinstance(n, gast.Call) and (
                isinstance(n.func, gast.Name) and n.func.id in _VALUE_BUILTINS
                or isinstance(n.func, gast.Attribute) and isinstance(n.func.value, gast.Name)
                and n.func.value.id in math):
            return True
    return False


def _names(unit, module):
    """The names the generated code has for ``module`` (``'math'``, ``'runtime'``)."""
    return {name for name, spec in unit.injections.items()
            if isinstance(spec, str) and spec == module}


def _output_check(node, rt):
    """``if type(y) is not float: rt.check_scalar(y, ...)``: a type test only."""
    body = node.body if isinstance(node, gast.If) else []
    return len(body) == 1 and isinstance(body[0], gast.Expr) \
        and isinstance(body[0].value, gast.Call) \
        and isinstance(body[0].value.func, gast.Attribute) \
        and body[0].value.func.attr == "check_scalar" \
        and isinstance(body[0].value.func.value, gast.Name) and body[0].value.func.value.id in rt


def computing_nothing(function, units):
    """``function``, which refuses to compute a Dask value (``units()``: the
    units whose generated code it runs, to locate a refusal)."""
    @functools.wraps(function)
    def lazily(*args, **kwargs):
        for value in args:  # (a plain loop: this runs at every call on NumPy arrays too)
            if hasattr(type(value), "__dask_graph__") \
                    or type(value) in (list, tuple) and lazy(value):
                break
        else:
            if not kwargs or not lazy(tuple(kwargs.values())):
                return function(*args, **kwargs)
        with _refusing(units):
            return function(*args, **kwargs)
    return lazily


@contextlib.contextmanager
def _refusing(units):
    import dask
    import dask.threaded
    from dask.base import get_scheduler

    outer = get_scheduler() or dask.threaded.get
    thread = threading.get_ident()

    def schedule(dsk, keys, **kwargs):
        if threading.get_ident() == thread:
            raise _refusal(units)
        return outer(dsk, keys, **kwargs)  # (another thread's computation)

    with dask.config.set(scheduler=schedule):
        yield


def _refusal(units):
    """The error for a computation asked for by the generated code of one of
    ``units``, located on the user's line it came from where that is known."""
    by_file = {u.filename: u for u in units() if u.filename}
    frame = sys._getframe()
    while frame is not None and frame.f_code.co_filename not in by_file:
        frame = frame.f_back
    if frame is None:
        return LazyValueError(_MESSAGE, hint=_HINT)
    unit = by_file[frame.f_code.co_filename]
    generated = frame.f_lineno
    text = linecache.getline(unit.filename, generated).strip()
    hint = f"{_HINT}; the generated code needs it at `{text}` (srcdiff.source shows it)"
    function = unit.info.func
    lineno = _source_line(unit, generated - 1)  # (the file shown has a first line more)
    if lineno is None or function is None:
        return LazyValueError(_MESSAGE, function=unit.name, filename=unit.filename,
                              lineno=generated, hint=hint)
    line = linecache.getline(unit.info.filename, lineno)
    return LazyValueError(_MESSAGE, function=function.__name__, filename=unit.info.filename,
                          lineno=lineno, col=len(line) - len(line.lstrip()), hint=hint)


def refuse_unknown_shapes(func, params, args):
    """The derivative of ``func`` depends on the shapes of its arguments:
    refuse a Dask array whose shape is not known (NaN after boolean indexing)."""
    for name, value in zip(params, args):
        shape = getattr(value, "shape", None) if lazy(value) else None
        if isinstance(shape, tuple) and any(type(n) is not int for n in shape):
            code = func.__code__
            raise LazyValueError(
                f"the derivative of {func.__name__} depends on the shapes of its arguments, "
                f"and {name} has a shape not known without computing it: {shape}",
                function=func.__name__, filename=code.co_filename,
                lineno=code.co_firstlineno,
                hint=f"compute the sizes first: {name}.compute_chunk_sizes() (Dask)")


_MESSAGE = ("the derivative needs the value of a Dask array here (the test of an if or "
            "a while, float(), max() or a math function of it): it cannot stay lazy")
_HINT = ("compute that value first and pass it in as an argument, or choose per element "
         "with np.where")


def _source_line(unit, line):
    """The line of the user's source that ``line`` of ``unit.text`` comes from:
    that of its statement, or of the nearest statement before it that has one."""
    try:
        made = [n for n in ast.walk(ast.parse(unit.text)) if isinstance(n, ast.stmt)]
    except SyntaxError:
        return None
    kept = [n for n in gast.walk(unit.node) if isinstance(n, gast.stmt)]
    if len(made) != len(kept):
        return None
    pairs = sorted(zip(made, kept), key=lambda p: p[0].lineno)
    found = None
    for new, old in pairs:
        if new.lineno > line:
            break
        if getattr(old, "lineno", None) is not None:
            found = old.lineno
    return found
