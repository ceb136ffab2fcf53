"""Derivatives: the one path from a callable to its compiled derivative, and
the caches that hold them.

``derivative(f, wrt, mode)`` -> ``(function, as_tuple)`` is what every public
entry calls (``grad``, ``value_and_grad``, ``source``, ``jvp``, ``hessian``,
``jacobian``, ``derivative``, the command line).  ``mode`` is

* ``'grad'`` / ``'value_and_grad'``: a function of ``f``'s arguments,
* ``'vjp'``: ``(seed, *args) -> x_bar``, the vector-Jacobian product,
* ``'jvp'``: ``(*tangents, *args) -> (value, tangent)``, forward mode
  (``'jvp:batched'``: the tangents with a leading axis over a batch of directions),
* ``'pullback'``: ``(*args) -> (value, pullback)``, ``pullback(seed) -> x_bar``
  (``srcdiff.vjp``),
* ``'linearize'``: ``(*args) -> (value, tangent_fn)``, ``tangent_fn(*tangents)``
  the tangent (``srcdiff.linearize``),
* ``'taylor<n>'``: ``(*args) -> (value, d1, ..., dn)``, Taylor mode in one
  number (``'taylor<n>:numbers'``: calling the ``math`` module on numbers).

Resolution: a ``functools.partial`` or bound method is the derivative of the
function inside, with the bound arguments put back (``_bound``); a decorator
that keeps ``__wrapped__`` is looked through; a derivative srcdiff generated
is taken as it is now (``frontend.current``); anything else that is not a
plain Python function is refused.

Caches: ``results`` (callable -> its derivatives), units of a request by
(code object, wrt names, as_tuple, mode) and, in ``Session.cache``, units of
called functions by (mode, code object, active parameters).  A ``Unit`` is
one generated function; an ``Instance`` is a unit bound to one function
object (its closure cells, read live) with the guard of ``loader.py``: every
call first checks that the function's ``__code__`` and the callees the
transformation resolved (``helper``, ``m.helper``, ``np.sin``) are still what
they were, and otherwise goes to a derivative made anew.  The same check
(``Instance.current``) decides whether a cached derivative may be handed out,
so nothing served is stale: not after a helper is defined again or
monkeypatched, ``f.__code__`` is replaced, or a module is reloaded.
"""

import ast
import builtins
import functools
import inspect
import linecache
import math
import types
import weakref

import gast
import numpy as np

from . import abstract, activity, frontend, lazy, loader, pipeline, primitives, runtime_odeint
from .errors import SourceError, SrcdiffError, WrtError

MODES = ("grad", "value_and_grad", "grad+aux", "value_and_grad+aux", "vjp", "jvp",
         "pullback", "linearize")
GRADIENTS = ("grad", "value_and_grad", "grad+aux", "value_and_grad+aux")

results = weakref.WeakKeyDictionary()   # callable -> {(wrt, mode): (function, as_tuple)}
_units = {}                  # (code, id of its globals, wrt names, as_tuple, mode) -> Unit
_stats = {"hits": 0, "misses": 0}


# --- the entry --------------------------------------------------------------------


def derivative(f, wrt=0, mode="grad"):
    """The derivative of ``f`` with respect to ``wrt`` (an argument index, a
    parameter name, or a tuple of them) in ``mode``: ``(function, as_tuple)``."""
    if isinstance(wrt, list):
        wrt = tuple(wrt)
    key = (wrt, mode)
    if _rules[0] != primitives.generation:  # (a rule declared since: transform anew)
        clear()
        _rules[0] = primitives.generation
    try:
        held = results.get(f)
    except TypeError:  # not weakly referable
        held = None
    if held is not None:
        hit = held.get(key)
        if hit is not None:
            current = getattr(hit[0], "__srcdiff_current__", None)  # (_current, inlined)
            if current is None or current():
                _stats["hits"] += 1
                return hit
    _stats["misses"] += 1
    result = _bound(f, wrt, mode) if isinstance(f, functools.partial) or inspect.ismethod(f) \
        else _top(plain(f), wrt, mode)
    try:
        results.setdefault(f, {})[key] = result
    except TypeError:
        pass
    return result


runtime_odeint._derivative = derivative  # (the rule of odeint differentiates func as it runs)


def taylor_mode(mode):
    """``'taylor4'`` (code for any values), ``'taylor4:numbers'`` (code calling
    the ``math`` module on numbers) or ``'taylor4:helper'`` (of a called
    function: coefficients in and out) -> ``(4, '' or 'numbers' or 'helper')``."""
    order, _, kind = mode[len("taylor"):].partition(":")
    return int(order), kind


def source(f, wrt=0, mode="grad"):
    """The generated text of ``derivative(f, wrt, mode)``, helper functions first."""
    function, _ = derivative(f, wrt, mode)
    function = getattr(function, "func", None) or getattr(function, "__func__", None) \
        or function
    return "\n\n".join(u.text for u in pipeline.all_units(function.__srcdiff_unit__))


_rules = [None]  # the primitives' generation the cached derivatives were made with


def clear():
    """Forget every transformation."""
    results.clear()
    _units.clear()
    Session.cache.clear()


def info():
    """Sizes of the caches and how often a cached derivative was handed out."""
    return {"transformations": len(_units), "helpers": len(Session.cache), **_stats}


def _current(function):
    check = getattr(function, "__srcdiff_current__", None)
    return check is None or check()


def plain(f):
    """The plain Python function to transform for ``f`` (not a partial or method)."""
    func = primitive_function(f) or frontend.current(frontend.unwrap(f))
    if not inspect.isfunction(func):
        known = primitives.lookup(f) is not None
        raise SourceError(f"cannot differentiate {f!r}: not a Python function",
                          hint="call it from a function: grad(lambda x: f(x))" if known
                          else "srcdiff differentiates functions written in Python")
    return func


_primitive_functions = {}  # primitive name -> the function that calls it


def primitive_function(f):
    """A declared primitive (``np.sin``, ``math.exp``, ``np.sum``) as a tiny
    generated function that calls it (``def sin(x): return np.sin(x)``), so that
    ``grad(np.sin)`` is the derivative of that function, by the primitive's rule;
    None for anything else."""
    primitive = primitives.lookup(f)
    if primitive is None or primitive.nondiff or (primitive.adjoint is None
                                                  and primitive.variants is None):
        return None
    if primitive.name not in _primitive_functions:
        _primitive_functions[primitive.name] = _call_of(f, primitive)
    return _primitive_functions[primitive.name]


def _call_of(f, primitive):
    params = _operands(f, primitive)
    if params is None:
        return None
    name = getattr(f, "__name__", "primitive").strip("_") or "primitive"
    for module, alias in ((np, "np"), (math, "math"), (builtins, "builtins")):
        if getattr(module, getattr(f, "__name__", ""), None) is f:
            callee = f"{alias}.{f.__name__}"
            break
    else:
        callee = f"_srcdiff_{name}"
    signature = ", ".join(p if default is None else f"{p}={default}" for p, default in params)
    arguments = ", ".join(p if default is None else f"{p}={p}" for p, default in params)
    text = f"def {name}({signature}):\n    return {callee}({arguments})\n"
    filename = f"<srcdiff primitive {primitive.name}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np, "math": math, "builtins": builtins, f"_srcdiff_{name}": f}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name]


def _operands(f, primitive):
    """The wrapper's parameters, (name, default text or None): the rule's operands
    (``out`` left out), a ufunc's inputs, or the Python signature."""
    if primitive.adjoint is not None:
        template = primitive.adjoint
        return [(p, ast.unparse(gast.gast_to_ast(template.defaults[p]))
                 if p in template.defaults else None)
                for p in template.params[1:] if p != "out"]
    if isinstance(f, np.ufunc):
        return [("x", None)] if f.nin == 1 else [(f"x{i + 1}", None) for i in range(f.nin)]
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    out = []
    for p in parameters:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) or p.name == "out":
            break
        if p.default is not p.empty and not isinstance(p.default, (int, float, str, type(None))):
            break
        out.append((p.name, None if p.default is p.empty else repr(p.default)))
    return out


def _bound(f, wrt, mode):
    """A ``functools.partial`` or bound method: the derivative of the function
    inside, called with the bound arguments after the leading ones (the seed of
    a VJP, the tangents of a JVP)."""
    if isinstance(f, functools.partial):
        func, bound, keywords = f.func, tuple(f.args), dict(f.keywords)
    else:
        func, bound, keywords = f.__func__, (f.__self__,), {}
    inner, as_tuple = derivative(func, shift(wrt, len(bound)), mode)
    if mode in GRADIENTS + ("pullback", "linearize"):  # (of f's arguments alone)
        if inspect.ismethod(f):
            return types.MethodType(inner, f.__self__), as_tuple
        result = functools.partial(inner, *bound, **keywords)
    else:
        if mode == "jvp" and keywords:
            raise SourceError("jvp of a functools.partial with keyword arguments",
                              hint="write a small def that calls the function")
        n = len(wrt) if mode == "jvp" and as_tuple else 1  # the seed, or the tangents

        def result(*args, **kwargs):
            return inner(*args[:n], *bound, *args[n:], **{**keywords, **kwargs})
    result.__srcdiff_unit__ = getattr(inner, "__srcdiff_unit__", None)
    result.__srcdiff_current__ = lambda: _current(inner)
    return result, as_tuple


# --- the derivative of a plain function ----------------------------------------------


def _top(func, wrt, mode):
    names, as_tuple, picks = wrt_selection(func, wrt)
    if picks is not None:
        return _picking(func, names, as_tuple, picks, mode)
    # (the same code in two modules calls what each module's globals name: the
    # unit, compiled in one module's globals, serves that module only)
    key = (func.__code__, id(func.__globals__), names, as_tuple, mode)
    unit = _units.get(key)
    if unit is None or not unit.instance(func).current():
        again = functools.partial(_again, wrt=names if as_tuple else names[0], mode=mode)
        unit = Unit(frontend.read_function(func), again)
        Session().build(unit, ("top",) + key, list(names), mode, as_tuple)
        if not unit.instance(func).current():
            raise _unsteady(func)
        _units[key] = unit
    function = unit.instance(func).function
    function.__defaults__ = func.__defaults__  # (a JVP's tangents come first: still aligned)
    function.__kwdefaults__ = func.__kwdefaults__
    what = ", ".join(names)
    function.__doc__ = {
        "grad": f"Gradient of {func.__qualname__} with respect to {what} (srcdiff).",
        "value_and_grad": f"Value and gradient of {func.__qualname__} with respect to "
                          f"{what} (srcdiff).",
        "vjp": f"Vector-Jacobian product of {func.__qualname__} with respect to {what} "
               f"(srcdiff).",
        "pullback": f"Value of {func.__qualname__} and its pullback (the vector-Jacobian "
                    f"product with respect to {what}; srcdiff).",
        "linearize": f"Value of {func.__qualname__} and its linear map (the Jacobian-vector "
                     f"product with respect to {what}; srcdiff).",
        "jvp": f"Value and directional derivative of {func.__qualname__} with respect to "
               f"{what} (srcdiff forward mode); the tangents come first.",
        "jvp:batched": f"Value and directional derivatives of {func.__qualname__} with "
                       f"respect to {what} along a batch of directions (the tangents' "
                       "leading axis; srcdiff forward mode); the tangents come first."
    }.get(mode.replace("+aux", "")) or (
        f"Value and first {taylor_mode(mode)[0]} derivatives of {func.__qualname__} in "
        f"{what} (srcdiff Taylor mode).")
    if mode.endswith("+aux"):
        function.__doc__ += " f returns (loss, aux)."
    if mode in GRADIENTS + ("pullback",) and (shape_dependent(unit) or deferred(unit)):
        function = _specializing(function, unit, func, names, as_tuple, mode)
    elif deferred(unit):  # (only reverse mode is specialised on shapes: refuse now)
        raise deferred(unit)
    if mode not in ("vjp", "pullback", "linearize") \
            and any(lazy.needs_values(u) for u in _units_of(unit)):
        function = lazy.computing_nothing(function, functools.partial(_units_run, function))
    return function, as_tuple


def _picking(func, names, as_tuple, picks, mode):
    """The derivative with respect to elements of ``*args`` or ``**kwargs``: that
    with respect to the whole tuple or dict (and the other ``names``), and the
    elements picked out of it at each call."""
    if mode not in ("grad", "value_and_grad"):
        raise _wrt_error(func, f"wrt into *{names[0]} or **kwargs works with grad and "
                               "value_and_grad", "name the parameter itself")
    function, _ = _top(func, names, mode)

    def pick(grads):
        out = []
        for name, key in picks:
            g = grads[names.index(name)]
            if key is not None:
                try:
                    g = g[key]
                except (IndexError, KeyError):
                    raise _wrt_error(func, f"wrt={key!r}: this call passed no such "
                                           f"argument in '{name}'") from None
            out.append(g)
        return tuple(out) if as_tuple else out[0]

    @functools.wraps(function)
    def picking(*args, **kwargs):
        result = function(*args, **kwargs)
        if mode == "value_and_grad":
            return result[0], pick(result[1])
        return pick(result)

    picking.__srcdiff_unit__ = function.__srcdiff_unit__
    picking.__srcdiff_current__ = lambda: _current(function)
    return picking, as_tuple


def _units_run(function):
    """The units whose code ``function`` may run: its own and its helpers', and
    those of the code specialised on shapes."""
    units = list(_units_of(function.__srcdiff_unit__))
    for special in getattr(function, "__srcdiff_specializations__", {}).values():
        if hasattr(special, "__srcdiff_unit__"):
            units += _units_of(special.__srcdiff_unit__)
    return units


def _again(func, wrt, mode):
    """The derivative of ``func`` as it is now (the way out of a guard)."""
    return derivative(func, wrt, mode)[0]


def _unsteady(func):
    return SourceError(f"cannot keep the derivative of {func.__qualname__}: a function it "
                       "calls is a new object each time it is looked up",
                       function=func.__name__, filename=func.__code__.co_filename,
                       lineno=func.__code__.co_firstlineno,
                       hint="call a plain function (bind it to a name first)")


# --- shape specialisation --------------------------------------------------------------


_MAX_SPECIALIZATIONS = 16


def _units_of(unit):
    """The unit and every unit it calls, each once."""
    seen, todo = {id(unit)}, [unit]
    while todo:
        u = todo.pop()
        yield u
        for dep in u.deps:
            dep = getattr(dep, "unit", dep)
            if id(dep) not in seen:
                seen.add(id(dep))
                todo.append(dep)


def shape_dependent(unit):
    """Is code specialised on the argument shapes worth making (at the first
    call with each combination, ``_specializing``)?  Where the generated code
    (or a helper's) calls runtime helpers whose work depends on shapes known
    only at the call (``rt.unbroadcast``), calls functions that have a ``math``
    equivalent for numbers, or asks for a size (``np.size``, the adjoint of
    ``np.mean``: a constant in specialised code, which a lazy Dask array need
    not compute)."""
    return any(u.shape_dependent or _asks_size(u) for u in _units_of(unit))


def _asks_size(unit):
    numpy = {name for name, spec in unit.injections.items()
             if isinstance(spec, str) and spec == "numpy"}
    return any(isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
               and n.func.attr == "size" and isinstance(n.func.value, gast.Name)
               and n.func.value.id in numpy for n in gast.walk(unit.node))


def deferred(unit):
    """A refusal of the unit or of a helper it calls that only a transformation
    specialised on argument shapes can decide (``aliasing.check``)."""
    return next((u.deferred for u in _units_of(unit) if u.deferred), None)


def _specializing(generic, unit, func, names, as_tuple, mode):
    """The generated function, specialised on the shapes of the arguments at the
    first call with each combination of shapes (at most a few; then the generic
    code runs).  Specialised code undoes broadcasting only where it happens."""
    code = func.__code__
    params = list(code.co_varnames[:code.co_argcount])
    defaults = func.__defaults__ or ()
    specials = {}

    refusal = deferred(unit)

    def refused(*args, **kwargs):
        raise refusal

    def build(key, numbers=True):
        shapes = {p: abstract.from_key(k) for p, k in zip(params, key) if k is not None}
        if not shapes or len(specials) >= _MAX_SPECIALIZATIONS:
            return refused if refusal else generic
        special = Unit(frontend.read_function(func), unit.rebuild)
        try:
            Session().build(special, ("special", code, names, mode, key, numbers),
                            list(names), mode, as_tuple, arg_shapes=shapes, numbers=numbers)
        except SrcdiffError:
            if refusal:
                raise
            return generic
        if deferred(special):
            raise deferred(special)
        fn = special.instance(func).function
        fn.__defaults__ = func.__defaults__
        fn.__kwdefaults__ = func.__kwdefaults__
        if special.numbers:
            numpy_versions[key] = lambda: build(key, numbers=False)
        return fn

    fallback = refused if refusal else generic
    numpy_versions = {}   # key -> builds the code of that key without the math module

    def miss(key, *args):
        lazy.refuse_unknown_shapes(func, params, args)
        # (a pullback runs after the call: no way back from the math module there)
        fn = specials[key] = build(key, numbers=mode != "pullback")
        return fn

    def numpy_again(key, *args):
        # code on numbers raises where NumPy gives nan or inf (math.log(-1.0),
        # math.exp(1e3), 1.0 / 0.0 on floats): the same call runs the code
        # specialised without the math module, on NumPy floats, with NumPy's
        # results (and warnings)
        if key in numpy_versions:
            specials[key] = numpy_versions.pop(key)()
            try:
                return specials[key](*args)
            except (ArithmeticError, ValueError):
                pass
        if not any(type(a) is float for a in args):
            raise
        func(*args)  # (where f itself raises on these floats, so does its derivative)
        return specials[key](*[np.float64(a) if type(a) is float else a for a in args])

    specialized = _dispatcher(params, code, dict(
        get=specials.get, miss=miss, numpy_again=numpy_again, key_of=abstract.key_of,
        ndarray=np.ndarray, fallback=fallback))
    functools.update_wrapper(specialized, generic)
    specialized.__defaults__ = defaults or None
    specialized.__srcdiff_unit__ = unit
    specialized.__srcdiff_specializations__ = specials
    return specialized


def _dispatcher(params, code, names):
    """A function of the same positional parameters that picks the specialised
    code for the arguments' shapes (a key per argument: ``()`` for a number, an
    array's shape ...), generated so that a call costs a few type tests."""
    if code.co_kwonlyargcount or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) \
            or not params:
        return lambda *args, **kwargs: names["fallback"](*args, **kwargs)
    args = ", ".join(params)
    keys = "".join(f"() if type({p}) is float else {p}.shape if type({p}) is ndarray "
                   f"else key_of({p}), " for p in params)
    source = (f"def specialized({args}):\n"
              f"    key = ({keys})\n"
              f"    fn = get(key) or miss(key, {args})\n"
              f"    try:\n"
              f"        return fn({args})\n"
              f"    except (ArithmeticError, ValueError):\n"
              f"        return numpy_again(key, {args})\n")
    namespace = dict(names)
    exec(compile(source, f"<srcdiff dispatch {code.co_name}>", "exec"), namespace)
    return namespace["specialized"]


# --- units, instances, sessions -------------------------------------------------------


class Unit:
    """One generated function, compiled once (``loader.compile_unit``) and bound
    to each function object it serves (``instance``).  ``rebuild(func)`` gives
    the derivative of ``func`` made anew: where a guard sends a call that this
    unit no longer fits (None for a nested def, which its caller's guard covers)."""

    def __init__(self, info, rebuild):
        self.info = info
        self.rebuild = rebuild
        self.name = self.node = self.text = None        # set by the pipeline
        self.injections, self.deps, self.assumptions = {}, [], []
        self.template = self.check = self.filename = None  # set by the loader
        self.guards_code = True   # does its guard test the function's __code__?
        self.deferred = None      # a refusal only a transformation on exact shapes decides
        self.numbers = False      # calls the math module on numbers (specialised code)
        self.shape_dependent = False  # calls helpers whose work depends on run-time shapes
        self.instances = weakref.WeakKeyDictionary()    # function object -> Instance

    @property
    def function(self):
        """The function bound to the function object it was generated from."""
        return self.instance(self.info.func).function

    def instance(self, func):
        instance = self.instances.get(func)
        if instance is None:
            instance = self.instances[func] = Instance(self, func)
        return instance


class Instance:
    """A unit bound to one function object (for a nested def's unit: to the
    object of the function it is nested in)."""

    def __init__(self, unit, func):
        self.unit = unit
        self.func = func
        self.cell = types.CellType()   # holds the function, for the functions calling it
        self._function = self._check = None
        self.links = []                # the instances it calls

    def __getattr__(self, name):       # name, text, deps, batchable ...: the unit's
        return getattr(self.unit, name)

    @property
    def function(self):
        if self._function is None:
            self._make({})
        return self._function

    def _make(self, nested):
        """Make the function and those of every instance it calls (``nested``:
        the units of nested defs, bound to the same function object once)."""
        cells, links = {}, []
        for name, spec in self.unit.injections.items():
            if isinstance(spec, Unit):
                if id(spec) not in nested:
                    nested[id(spec)] = Instance(spec, self.func)
                spec = nested[id(spec)]
            if isinstance(spec, Instance):
                cells[name] = spec.cell
                links.append(spec)
        unit, func, cell = self.unit, self.func, self.cell

        def rebuild(*args, **kwargs):
            fresh = cell.cell_contents = unit.rebuild(func)  # callers now call it directly
            return fresh(*args, **kwargs)
        self._function, self._check = loader.instantiate(unit, func, rebuild, cells,
                                                         self.links_current)
        self.cell.cell_contents = self._function
        self.links = links
        if not links:  # (the common case, asked at every cached grad(f): one call)
            self.current = self._check or _always
        self._function.__srcdiff_unit__ = unit
        self._function.__srcdiff_current__ = self.current
        if unit.rebuild is not None:
            self._function.__srcdiff_refresh__ = functools.partial(unit.rebuild, func)
        for link in links:
            if link._function is None:
                link._make(nested)

    def links_current(self):
        """Do the derivatives this one calls, and those they call, still fit?"""
        return all(link.current() for link in self.links)

    def current(self):
        """Does this derivative, and every one it calls, still fit the code it
        was made from?"""
        if self._function is None:
            self._make({})
            return self.current()
        seen, todo = {id(self)}, [self]
        while todo:
            instance = todo.pop()
            if instance._check is not None and not instance._check():
                return False
            for link in instance.links:
                if id(link) not in seen:
                    seen.add(id(link))
                    todo.append(link)
        return True


def _always():
    return True


class Session:
    """One transformation request; builds the derivatives of called functions
    (VJPs in reverse mode, JVPs in forward mode) on demand, each once."""

    cache = {}  # (mode, ('code', code), active params) -> Unit, shared by all sessions

    def __init__(self, optimize=True):
        activity.forget()
        self.optimize = optimize
        self.in_progress = {}
        self.local_cache = {}

    def vjp_unit(self, info, active, key, arg_shapes=None):
        return self.unit(info, active, key, "vjp", arg_shapes)

    def jvp_unit(self, info, active, key):
        return self.unit(info, active, key, "jvp")

    def unit(self, info, active, key, mode, arg_shapes=None):
        """The derivative of a called function: of the user's own function (key
        ``('code', code)``) an instance bound to that function object, cached
        while it fits; of a nested def (key ``('local', ...)``) a unit, which
        the caller's instance binds.  One being made is returned as it is
        (recursion).  ``arg_shapes``: exact shapes of some of its arguments at
        the call (parameter -> shape), to specialise it on."""
        full_key = _key(mode, key, active, arg_shapes)
        local = key[0] == "local"
        unit = self.in_progress.get(full_key)
        if unit is None:
            cache = self.local_cache if local else self.cache
            unit = cache.get(full_key)
            if unit is not None and not local and not unit.instance(info.func).current():
                unit = None
            if unit is None:
                rebuild = None if local else functools.partial(
                    _helper, active=tuple(active), mode=mode, arg_shapes=arg_shapes)
                unit = Unit(info, rebuild)
                unit.guards_code = False  # (its callers test the code they call)
                unit = self.build(unit, full_key, list(active), mode, arg_shapes=arg_shapes)
                cache[full_key] = unit
        return unit if local else unit.instance(info.func)

    def build(self, unit, key, wrt, mode, as_tuple=False, arg_shapes=None, numbers=False):
        """Run the pipeline for ``unit`` (registered under ``key`` while it is made)."""
        self.in_progress[key] = unit
        try:
            if mode in ("jvp", "jvp:batched", "linearize"):
                pipeline.build_jvp_unit(unit, unit.info, wrt, self, mode)
            elif mode.startswith("taylor"):
                order, kind = taylor_mode(mode)
                pipeline.build_taylor_unit(unit, unit.info, wrt, order, self,
                                           numbers=kind == "numbers", helper=kind == "helper")
            else:
                pipeline.build_unit(unit, unit.info, wrt, mode, self, as_tuple, arg_shapes,
                                    numbers)
        finally:
            del self.in_progress[key]
        return unit


def _helper(func, active, mode, arg_shapes=None):
    """The derivative of a called function as it is now (the way out of its guard)."""
    key = _key(mode, frontend.code_key(func), active, arg_shapes)
    unit = Session.cache.get(key)
    if unit is not None and unit.instance(func).current():
        return unit.instance(func).function
    return Session().unit(frontend.read_function(func), active, frontend.code_key(func),
                          mode, arg_shapes).function


def _key(mode, key, active, arg_shapes):
    shapes = tuple(sorted((arg_shapes or {}).items()))
    return (mode, key, tuple(active)) + ((shapes,) if shapes else ())


# --- wrt ---------------------------------------------------------------------------


def shift(wrt, n):
    """``wrt`` for the function inside a partial or method with ``n`` bound arguments."""
    if isinstance(wrt, tuple):
        return tuple(shift(w, n) for w in wrt)
    if isinstance(wrt, int) and not isinstance(wrt, bool):
        return wrt + n
    return wrt


def wrt_names(func, wrt):
    """The parameter names ``wrt`` stands for, and whether it was a tuple."""
    names, as_tuple, picks = wrt_selection(func, wrt)
    if picks is not None:
        raise _wrt_error(func, "wrt into *args or **kwargs works with grad and "
                               "value_and_grad", "name the parameter itself")
    return names, as_tuple


def wrt_selection(func, wrt):
    """The parameter names ``wrt`` stands for (each once), whether it was a
    tuple, and, when it picks elements of ``*args`` (an index past the
    positional parameters) or ``**kwargs`` (a name no parameter has), the list
    of ``(parameter, index or key or None)`` for each entry (else None)."""
    code = func.__code__
    params = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    n = len(params)
    vararg = code.co_varnames[n] if code.co_flags & inspect.CO_VARARGS else None
    kwarg = code.co_varnames[n + (vararg is not None)] \
        if code.co_flags & inspect.CO_VARKEYWORDS else None
    every = params + [v for v in (vararg, kwarg) if v is not None]
    as_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if as_tuple else [wrt]
    if not items:
        raise _wrt_error(func, "wrt is empty", "name at least one argument")
    picks = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise _wrt_error(func, f"wrt entries must be argument indices or names, "
                                   f"not {w!r}")
        if isinstance(w, int):
            positional = params[:code.co_argcount]
            if vararg is not None and w >= len(positional):
                picks.append((vararg, w - len(positional)))
            elif not -len(positional) <= w < len(positional):
                raise _wrt_error(func, f"wrt={w} is out of range: {func.__name__}() "
                                       f"has {len(positional)} positional argument(s)",
                                 f"arguments are {', '.join(every) or 'none'}")
            else:
                picks.append((positional[w], None))
        elif w in every:
            picks.append((w, None))
        elif kwarg is not None:
            picks.append((kwarg, w))
        else:
            raise _wrt_error(func, f"wrt={w!r} names no argument of "
                                   f"{func.__name__}()",
                             f"arguments are {', '.join(every) or 'none'}")
    names = tuple(dict.fromkeys(name for name, _ in picks))
    if all(key is None for _, key in picks):
        return tuple(name for name, _ in picks), as_tuple, None
    return names, as_tuple, picks


def _wrt_error(func, message, hint=None):
    code = func.__code__
    return WrtError(message, function=func.__name__, filename=code.co_filename,
                    lineno=code.co_firstlineno, col=0, hint=hint)
