"""Public entry points: option checking, caching, and the calls into the pipeline."""

import functools
import inspect
import re
import types
import weakref


from . import abstract, frontend, loader, pipeline, reverse
from .errors import SourceError, SrcdiffError, WrtError

MODES = ("grad", "value_and_grad")

_units = {}                                   # (code, wrt, as_tuple, mode) -> Unit
_functions = weakref.WeakKeyDictionary()      # function -> {(wrt, mode): result}
_stats = {"hits": 0, "misses": 0}


def grad(f=None, wrt=0):
    """The gradient of ``f``'s scalar output with respect to ``wrt``.

    ``wrt`` is an argument index, a parameter name, or a tuple of them (a tuple
    gives a tuple of gradients in that order).  Use as ``grad(f)``, ``@grad`` or
    ``@grad(wrt=("w", "b"))``.  The result is a generated Python function taking
    ``f``'s arguments; ``inspect.getsource`` shows its code.
    """
    if f is None:
        return lambda g: grad(g, wrt=wrt)
    return _derivative(f, wrt, "grad")


def value_and_grad(f=None, wrt=0):
    """Like ``grad``, but the function returns ``(value, gradient)`` from one sweep."""
    if f is None:
        return lambda g: value_and_grad(g, wrt=wrt)
    return _derivative(f, wrt, "value_and_grad")


def source(f, wrt=0, mode="grad"):
    """The generated derivative source of ``f``, helper functions first.

    ``mode`` is ``'grad'``, ``'value_and_grad'`` or ``'jvp'`` (forward mode)."""
    if mode == "jvp":
        from . import higher
        return higher.jvp_source(f, wrt)
    result = _derivative(f, wrt, mode)
    func = getattr(result, "func", None) or getattr(result, "__func__", None) or result
    unit = func.__srcdiff_unit__
    return "\n\n".join(u.text for u in pipeline.all_units(unit))


def clear_cache():
    """Forget every transformation (the next ``grad(f)`` transforms again)."""
    from . import higher
    _units.clear()
    _functions.clear()
    reverse.Session.cache.clear()
    higher.clear_cache()


def cache_info():
    """Sizes of the caches and how often ``grad(f)`` found a cached result."""
    return {"transformations": len(_units), "helpers": len(reverse.Session.cache),
            **_stats}


def _derivative(f, wrt, mode):
    if isinstance(wrt, list):
        wrt = tuple(wrt)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    try:
        per_function = _functions.get(f)
    except TypeError:
        per_function = None
    key = (wrt, mode)
    if per_function is not None and key in per_function:
        _stats["hits"] += 1
        return per_function[key]
    _stats["misses"] += 1
    result = _build(f, wrt, mode)
    try:
        _functions.setdefault(f, {})[key] = result
    except TypeError:
        pass
    return result


def _build(f, wrt, mode):
    if isinstance(f, functools.partial):
        shifted = _shift(wrt, len(f.args))
        inner = _derivative(f.func, shifted, mode)
        return functools.partial(inner, *f.args, **f.keywords)
    if inspect.ismethod(f):
        inner = _derivative(f.__func__, _shift(wrt, 1), mode)
        return types.MethodType(inner, f.__self__)
    func = frontend.unwrap(f)
    if not inspect.isfunction(func):
        raise SourceError(f"cannot differentiate {f!r}: not a Python function",
                          hint="srcdiff differentiates functions written in Python")
    names, as_tuple = _wrt_names(func, wrt)
    code = func.__code__
    key = (code, names, as_tuple, mode)
    unit = _units.get(key)
    if unit is None:
        info = frontend.read_function(func)
        session = reverse.Session(optimize=True)
        unit = pipeline.build_unit(info, list(names), mode, session, ("top",) + key,
                                   as_tuple)
        _units[key] = unit
        result = unit.function
    else:
        result = _rebind(unit, func)
    result.__defaults__ = func.__defaults__
    result.__kwdefaults__ = func.__kwdefaults__
    result.__srcdiff_unit__ = unit
    if _SHAPE_DEPENDENT.search(unit.text) or _deferred(unit):
        result = _specializing(result, unit, func, names, as_tuple, mode)
    result.__doc__ = f"{'Gradient' if mode == 'grad' else 'Value and gradient'} of " \
                     f"{func.__qualname__} with respect to {', '.join(names)} (srcdiff)."
    return result


_SHAPE_DEPENDENT = re.compile(r"\.(unbroadcast|like|matmul_dx|matmul_dy)\(")
_MAX_SPECIALIZATIONS = 16


def _deferred(unit):
    """A refusal of the unit or a helper it calls that only the transformation
    specialised on argument shapes can decide."""
    return next((u.deferred for u in pipeline.all_units(unit) if u.deferred), None)


def _specializing(generic, unit, func, names, as_tuple, mode):
    """The generated function, specialised on the shapes of the arguments at the
    first call with each combination of shapes (at most a few; then the generic
    code runs).  Specialised code undoes broadcasting only where it happens."""
    code = func.__code__
    params = list(code.co_varnames[:code.co_argcount])
    defaults = func.__defaults__ or ()
    specials = {}

    deferred = _deferred(unit)

    def build(key):
        shapes = {p: abstract.from_key(k) for p, k in zip(params, key) if k is not None}
        if not shapes or len(specials) >= _MAX_SPECIALIZATIONS:
            return refused if deferred else generic
        try:
            info = frontend.read_function(func)
            session = reverse.Session(optimize=True)
            special = pipeline.build_unit(info, list(names), mode, session,
                                          ("special", code, names, mode, key), as_tuple,
                                          arg_shapes=shapes)
        except SrcdiffError:
            if deferred:
                raise
            return generic
        if _deferred(special):
            raise _deferred(special)
        fn = special.function
        fn.__defaults__ = func.__defaults__
        fn.__kwdefaults__ = func.__kwdefaults__
        fn.__srcdiff_unit__ = special
        return fn

    def refused(*args, **kwargs):
        raise deferred

    @functools.wraps(generic)
    def specialized(*args, **kwargs):
        if kwargs or len(args) > len(params):
            return (refused if deferred else generic)(*args, **kwargs)
        full = args
        if len(args) < len(params):
            missing = len(params) - len(args)
            if missing > len(defaults):
                return (refused if deferred else generic)(*args)
            full = args + defaults[len(defaults) - missing:]
        key = tuple(abstract.key_of(a) for a in full)
        fn = specials.get(key)
        if fn is None:
            fn = specials[key] = build(key)
        return fn(*args)

    specialized.__srcdiff_unit__ = unit
    specialized.__srcdiff_specializations__ = specials
    return specialized


def _rebind(unit, func):
    """The unit's function with this function object's closure values."""
    closure = {}
    if func.__closure__:
        for var, cell in zip(func.__code__.co_freevars, func.__closure__):
            try:
                closure[var] = cell.cell_contents
            except ValueError:
                pass
    if all(unit.injections.get(k) is v for k, v in closure.items()):
        return unit.function
    return loader.instantiate(unit, closure)


def _shift(wrt, n):
    if isinstance(wrt, tuple):
        return tuple(_shift(w, n) for w in wrt)
    if isinstance(wrt, int) and not isinstance(wrt, bool):
        return wrt + n
    return wrt


def _wrt_names(func, wrt):
    code = func.__code__
    params = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    as_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if as_tuple else [wrt]
    if not items:
        raise _wrt_error(func, "wrt is empty", "name at least one argument")
    names = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise _wrt_error(func, f"wrt entries must be argument indices or names, "
                                   f"not {w!r}")
        if isinstance(w, int):
            positional = params[:code.co_argcount]
            if not -len(positional) <= w < len(positional):
                raise _wrt_error(func, f"wrt={w} is out of range: {func.__name__}() "
                                       f"has {len(positional)} positional argument(s)",
                                 f"arguments are {', '.join(params) or 'none'}")
            names.append(positional[w])
        else:
            if w not in params:
                raise _wrt_error(func, f"wrt={w!r} names no argument of "
                                       f"{func.__name__}()",
                                 f"arguments are {', '.join(params) or 'none'}")
            names.append(w)
    return tuple(names), as_tuple


def _wrt_error(func, message, hint=None):
    code = func.__code__
    return WrtError(message, function=func.__name__, filename=code.co_filename,
                    lineno=code.co_firstlineno, col=0, hint=hint)
