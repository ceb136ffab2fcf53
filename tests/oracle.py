"""Reference gradients for the srcdiff test-suite.

Two independent references are used to check what srcdiff generates:

* ``oracle_grad`` -- autograd applied to a *twin* of the function under test.
  The twin runs the very same code, but with ``np``/``numpy`` rebound to
  ``autograd.numpy``, ``math`` rebound to a shim of autograd-traceable math
  functions, ``srcdiff.stop_gradient`` rebound to an unboxing function, and
  every helper function the code refers to (globals, closure cells, default
  values) replaced by its own twin, recursively.
* ``fd_grad`` -- central finite differences on the original function.

``check_grad`` compares srcdiff's gradient (type, shape and values) with both,
and on a mismatch fails with the generated derivative source in the message.

How the twin is built: the brief suggested exec-ing the dedented source in a
copied namespace.  We instead rebuild the function from its own code object
with a rebound globals dict and fresh closure cells
(``types.FunctionType(code, new_globals, name, defaults, closure)``).  This is
the same rebinding, but it needs no source, so it also handles lambdas,
closures, nested defs (they are created at run time with the twin's globals),
functions defined inside test functions and functions whose decorators return
the original function (``inspect.unwrap`` is followed).  ``twin_from_source``
is kept for the rare case where only the source is usable.
"""

import ast
import functools
import inspect
import math
import textwrap
import types
import warnings

import numpy
import numpy as np

import autograd
import autograd.numpy as anp
from autograd.tracer import Box, getval

__all__ = [
    "twin", "twin_from_source", "oracle_grad", "fd_grad", "check_grad",
    "normalize_wrt", "as_float_args", "MATH_SHIM",
]


# ---------------------------------------------------------------------------
# math shim: math.<fn> -> autograd-traceable equivalent
# ---------------------------------------------------------------------------

def _math_pow(x, y):
    return anp.power(x, y)


def _math_log(x, base=None):
    if base is None:
        return anp.log(x)
    return anp.log(x) / anp.log(base)


def _math_hypot(*xs):
    total = 0.0
    for v in xs:
        total = total + v * v
    return anp.sqrt(total)


class _MathShim(types.ModuleType):
    """Stands in for the ``math`` module inside twins.

    Differentiable math functions map to autograd.numpy; everything else
    (constants, floor, isclose, ...) falls back to the real ``math`` applied to
    unboxed values, i.e. it is treated as non-differentiable.
    """

    _DIFF = {
        "sin": anp.sin, "cos": anp.cos, "tan": anp.tan,
        "asin": anp.arcsin, "acos": anp.arccos, "atan": anp.arctan,
        "atan2": anp.arctan2,
        "sinh": anp.sinh, "cosh": anp.cosh, "tanh": anp.tanh,
        "asinh": anp.arcsinh, "acosh": anp.arccosh, "atanh": anp.arctanh,
        "exp": anp.exp, "expm1": anp.expm1,
        "log": _math_log, "log1p": anp.log1p, "log2": anp.log2,
        "log10": anp.log10,
        "sqrt": anp.sqrt, "pow": _math_pow, "hypot": _math_hypot,
        "fabs": anp.abs,
    }

    def __init__(self):
        super().__init__("math")

    def __getattr__(self, name):
        if name in self._DIFF:
            return self._DIFF[name]
        real = getattr(math, name)
        if callable(real):
            @functools.wraps(real)
            def nondiff(*args, **kwargs):
                args = [getval(a) for a in args]
                kwargs = {k: getval(v) for k, v in kwargs.items()}
                return real(*args, **kwargs)
            return nondiff
        return real


MATH_SHIM = _MathShim()


def _stop_gradient_twin(x):
    return getval(x)


class _SrcdiffShim(types.ModuleType):
    """Stands in for the ``srcdiff`` module inside twins."""

    def __init__(self, real):
        super().__init__("srcdiff")
        self._real = real

    stop_gradient = staticmethod(_stop_gradient_twin)

    def __getattr__(self, name):
        if self._real is None:
            raise AttributeError(name)
        return getattr(self._real, name)


def _is_box(v):
    return isinstance(v, Box)


def _heaviside(x1, x2, *a, **k):
    return np.heaviside(getval(x1), getval(x2), *a, **k)


def _asarray(a, *args, **kwargs):
    if _is_box(a):
        return a
    return anp.asarray(a, *args, **kwargs)


def _np_copy(a, *args, **kwargs):
    if _is_box(a):
        return a * 1.0
    return np.copy(a, *args, **kwargs)


class _Float64(np.float64):
    """np.float64 that lets autograd boxes through (still usable as dtype)."""

    def __new__(cls, *args):
        if args and _is_box(args[0]):
            return args[0] * 1.0
        return np.float64(*args)


class _AnpShim(types.ModuleType):
    """autograd.numpy with a few additions autograd lacks (VJPs of
    heaviside/asarray/copy, boxes through float64)."""

    _OVERRIDES = {"heaviside": _heaviside, "asarray": _asarray,
                  "copy": _np_copy, "float64": _Float64}

    def __init__(self):
        super().__init__("numpy")

    def __getattr__(self, name):
        if name in self._OVERRIDES:
            return self._OVERRIDES[name]
        return getattr(anp, name)


ANP_SHIM = _AnpShim()


def _type_twin(real, convert):
    """A stand-in for the builtin type ``real`` that converts with
    ``convert`` but still works in isinstance/issubclass checks."""
    class Meta(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, real)

        def __subclasscheck__(cls, sub):
            return issubclass(sub, real)

    def __new__(cls, *args, **kwargs):
        return convert(*args, **kwargs)

    return Meta(real.__name__, (), {"__new__": __new__})


def _conv_float(v=0.0):
    if _is_box(v):
        return anp.sum(v) * 1.0
    return float(v)


def _conv_int(v=0, *a):
    return int(getval(v), *a)


def _conv_bool(v=False):
    return bool(getval(v))


def _b_round(v, *a):
    return round(getval(v), *a)


# builtins the twin replaces (unless the module defines the name itself)
_BUILTIN_TWINS = {"float": _type_twin(float, _conv_float),
                  "int": _type_twin(int, _conv_int),
                  "bool": _type_twin(bool, _conv_bool),
                  "round": _b_round}


# id(numpy object) -> autograd.numpy object, built lazily
_NUMPY_MAP = None


def _numpy_map():
    global _NUMPY_MAP
    if _NUMPY_MAP is None:
        mapping = {}
        pairs = [(numpy, anp)]
        for sub in ("linalg", "fft", "random"):
            if hasattr(anp, sub):
                pairs.append((getattr(numpy, sub), getattr(anp, sub)))
        for real_mod, ag_mod in pairs:
            for name in dir(real_mod):
                if name.startswith("_"):
                    continue
                try:
                    real = getattr(real_mod, name)
                    ag = getattr(ag_mod, name)
                except AttributeError:
                    continue
                if callable(real) and real is not ag:
                    mapping[id(real)] = (real, ag)
        _NUMPY_MAP = mapping
    return _NUMPY_MAP


# id(SciPy object) -> (object, autograd twin), built lazily ({} without SciPy)
_SCIPY_MAP = None


class _Shim(types.ModuleType):
    """A module's twin: ``base`` with a few functions replaced."""

    def __init__(self, name, base, overrides):
        super().__init__(name)
        self._base = base
        self._overrides = overrides

    def __getattr__(self, name):
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._base, name)


def _scipy_twins():
    """autograd.scipy's special and stats, with what autograd lacks written in
    autograd.numpy from the definitions (softmax, xlogy, logsumexp's weights,
    the survival functions, t's cdf in its scale, Dirichlet points as columns,
    chi2's density)."""
    import autograd.scipy.special as asp
    import autograd.scipy.stats as ast_

    def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
        if b is None:
            return asp.logsumexp(a, axis=axis, keepdims=keepdims)
        return anp.log(anp.sum(b * anp.exp(a), axis=axis, keepdims=keepdims))

    special = _Shim("scipy.special", asp, {
        "logsumexp": logsumexp, "jv": asp.jn,
        "softmax": lambda x, axis=None: anp.exp(x - asp.logsumexp(x, axis=axis,
                                                                   keepdims=True)),
        "log_softmax": lambda x, axis=None: x - asp.logsumexp(x, axis=axis, keepdims=True),
        "xlogy": lambda x, y: x * anp.log(y),
        "xlog1py": lambda x, y: x * anp.log1p(y)})

    def standardized(method):   # t's cdf through z = (x - loc) / scale
        return lambda x, df, loc=0.0, scale=1.0: method((x - loc) / scale, df)

    def survival(dist):         # sf, logcdf, logsf from the cdf
        return {"sf": lambda *a: 1.0 - dist.cdf(*a),
                "logcdf": lambda *a: anp.log(dist.cdf(*a)),
                "logsf": lambda *a: anp.log1p(-dist.cdf(*a))}

    def dirichlet_logpdf(x, alpha):   # (autograd's takes one point)
        if anp.ndim(x) == 1:
            return ast_.dirichlet.logpdf(x, alpha)
        return (anp.sum((anp.reshape(alpha, (-1, 1)) - 1) * anp.log(x), axis=0)
                + asp.gammaln(anp.sum(alpha)) - anp.sum(asp.gammaln(alpha)))

    def positional(dist, params, defaults):  # (autograd's primitives trace positional arguments)
        def method(name):
            def call(*args, **kwargs):
                given = dict(defaults, **dict(zip(params, args)), **kwargs)
                last = max(params.index(p) for p in given)
                return getattr(dist, name)(*[given[p] for p in params[:last + 1]])
            return call
        return _Shim(dist.__name__, dist, {m: method(m) for m in (
            "logpdf", "pdf", "cdf", "sf", "logcdf", "logsf") if hasattr(dist, m)})

    def chi2_logpdf(x, df):   # (autograd's rule: 0 for a df not whole, none in df)
        return ((df / 2 - 1) * anp.log(x) - x / 2 - asp.gammaln(df / 2)
                - df / 2 * anp.log(2.0))

    t = ast_.t
    dists = {
        "norm": positional(ast_.norm, ("x", "loc", "scale"), {"loc": 0.0, "scale": 1.0}),
        "t": _Shim("t", t, {"cdf": standardized(t.cdf), "logcdf": standardized(t.logcdf),
                            "sf": lambda x, df, loc=0.0, scale=1.0: t.cdf((loc - x) / scale, df),
                            "logsf": lambda x, df, loc=0.0, scale=1.0:
                                t.logcdf((loc - x) / scale, df)}),
        "beta": _Shim("beta", ast_.beta, survival(ast_.beta)),
        "gamma": _Shim("gamma", ast_.gamma, survival(ast_.gamma)),
        "chi2": _Shim("chi2", ast_.chi2, dict(
            survival(ast_.chi2), logpdf=chi2_logpdf,
            pdf=lambda x, df: anp.exp(chi2_logpdf(x, df)))),
        "poisson": _Shim("poisson", ast_.poisson, survival(ast_.poisson)),
        "dirichlet": _Shim("dirichlet", ast_.dirichlet, {"logpdf": dirichlet_logpdf}),
        "multivariate_normal": _Shim("multivariate_normal", positional(
            ast_.multivariate_normal, ("x", "mean", "cov", "allow_singular"), {}), {
                "entropy": lambda mean=None, cov=1: ast_.multivariate_normal.entropy(mean,
                                                                                     cov)})}
    stats = _Shim("scipy.stats", ast_, dists)
    return special, stats, dists


def _scipy_map():
    global _SCIPY_MAP
    if _SCIPY_MAP is None:
        _SCIPY_MAP = {}
        try:
            import scipy
            import scipy.integrate
            import scipy.linalg
            import scipy.special
            import scipy.stats

            import autograd.builtins
            import autograd.scipy.integrate as aintegrate
            import autograd.scipy.linalg as alinalg
            special, stats, dists = _scipy_twins()
        except ImportError:
            return _SCIPY_MAP
        def odeint(func, y0, t, args=(), **options):   # (autograd traces args given so)
            return aintegrate.odeint(func, y0, t, autograd.builtins.tuple(args), **options)

        integrate = _Shim("scipy.integrate", scipy.integrate, {"odeint": odeint})
        pairs = [(scipy, _Shim("scipy", scipy, {"special": special, "stats": stats,
                                                "linalg": alinalg, "integrate": integrate})),
                 (scipy.special, special), (scipy.stats, stats), (scipy.linalg, alinalg),
                 (scipy.integrate, integrate), (scipy.integrate.odeint, odeint)]
        pairs += [(getattr(scipy.linalg, name), getattr(alinalg, name)) for name in (
            "solve_triangular", "solve_banded", "sqrtm", "solve_sylvester")]
        pairs += [(getattr(scipy.stats, n), twin) for n, twin in dists.items()]
        for name in dir(special._base) + list(special._overrides):
            real = getattr(scipy.special, name, None)
            if callable(real):
                pairs.append((real, getattr(special, name)))
        _SCIPY_MAP.update((id(real), (real, twin)) for real, twin in pairs)
    return _SCIPY_MAP


def _is_math_builtin(value):
    return (isinstance(value, types.BuiltinFunctionType)
            and getattr(value, "__module__", None) == "math")


def _is_stop_gradient(value):
    return (callable(value)
            and getattr(value, "__name__", None) == "stop_gradient"
            and str(getattr(value, "__module__", "")).startswith("srcdiff"))


def _is_user_function(value):
    if not isinstance(value, types.FunctionType):
        return False
    mod = str(getattr(value, "__module__", "") or "")
    for prefix in ("numpy", "autograd", "srcdiff", "hypothesis", "_pytest",
                   "pytest"):
        if mod == prefix or mod.startswith(prefix + "."):
            return False
    return True


# ---------------------------------------------------------------------------
# twin
# ---------------------------------------------------------------------------

class _Twinner:
    """One twinning session: memoises twins so recursion and shared helpers
    resolve consistently."""

    def __init__(self, rewrite=False):
        self.rewrite = rewrite
        self.funcs = {}      # id(original function) -> twin
        self.keep = []       # keep originals alive while ids are used
        self.namespaces = {}  # id(original globals) -> twin globals

    # -- values ------------------------------------------------------------
    def value(self, v):
        if isinstance(v, types.ModuleType):
            if v is numpy:
                return ANP_SHIM
            if v is math:
                return MATH_SHIM
            name = v.__name__
            if name.startswith("numpy."):
                sub = name[len("numpy."):]
                ag = getattr(anp, sub, None)
                if isinstance(ag, types.ModuleType):
                    return ag
            if name == "srcdiff":
                return _SrcdiffShim(v)
            hit = _scipy_map().get(id(v))
            return hit[1] if hit is not None and hit[0] is v else v
        if _is_stop_gradient(v):
            return _stop_gradient_twin
        if _is_math_builtin(v):
            try:
                return getattr(MATH_SHIM, v.__name__)
            except AttributeError:
                return v
        for oname, ovalue in _AnpShim._OVERRIDES.items():
            if v is getattr(numpy, oname):
                return ovalue
        try:
            hit = _numpy_map().get(id(v)) or _scipy_map().get(id(v))
        except TypeError:
            hit = None
        if hit is not None and hit[0] is v:
            return hit[1]
        if isinstance(v, functools.partial):
            return functools.partial(self.value(v.func),
                                     *[self.value(a) for a in v.args],
                                     **{k: self.value(a)
                                        for k, a in v.keywords.items()})
        if isinstance(v, types.MethodType):
            func = v.__func__
            if _is_user_function(func):
                return types.MethodType(self.function(func), v.__self__)
            return v
        if _is_user_function(v):
            return self.function(v)
        return v

    # -- namespaces ----------------------------------------------------------
    def namespace(self, glb):
        key = id(glb)
        ns = self.namespaces.get(key)
        if ns is None:
            ns = dict(glb)
            ns["__twin_done__"] = set()
            self.namespaces[key] = ns
            self.keep.append(glb)
        return ns

    def _fill_namespace(self, glb, ns, code):
        done = ns["__twin_done__"]
        for name in _referenced_names(code):
            if name in done:
                continue
            if name not in glb:
                if name in _BUILTIN_TWINS:
                    ns[name] = _BUILTIN_TWINS[name]
                    done.add(name)
                continue
            done.add(name)
            ns[name] = self.value(glb[name])

    # -- functions -----------------------------------------------------------
    def function(self, f):
        f = inspect.unwrap(f)
        key = id(f)
        if key in self.funcs:
            return self.funcs[key]
        if not isinstance(f, types.FunctionType):
            return self.value(f)
        glb = f.__globals__
        ns = self.namespace(glb)
        if self.rewrite:
            try:
                new = _rewritten_twin(f, self, ns)
            except (OSError, TypeError, SyntaxError, LookupError):
                new = None  # no usable source: rebind the code instead
            if new is not None:
                return new
        closure = None
        if f.__closure__:
            closure = tuple(types.CellType() for _ in f.__closure__)
        new = types.FunctionType(f.__code__, ns, f.__name__, None, closure)
        self.funcs[key] = new
        self.keep.append(f)
        # now that the twin exists (recursion-safe), rebind what it uses
        if f.__defaults__:
            new.__defaults__ = tuple(self.value(d) for d in f.__defaults__)
        if f.__kwdefaults__:
            new.__kwdefaults__ = {k: self.value(d)
                                  for k, d in f.__kwdefaults__.items()}
        if f.__closure__:
            for old_cell, new_cell in zip(f.__closure__, closure):
                try:
                    contents = old_cell.cell_contents
                except ValueError:  # empty cell
                    continue
                new_cell.cell_contents = self.value(contents)
        new.__qualname__ = f.__qualname__
        new.__module__ = f.__module__
        new.__doc__ = f.__doc__
        new.__dict__.update(f.__dict__)
        new.__twin_of__ = f
        self._fill_namespace(glb, ns, f.__code__)
        return new


# -- rewrite mode -----------------------------------------------------------
# autograd cannot trace a few spellings that srcdiff supports: ``+x`` on a
# box, ``a.dot(b)`` on a box, and ``z += box`` where z is a plain ndarray
# (numpy tries an in-place ufunc).  In rewrite mode the twin is rebuilt from
# the function's source with those spellings rewritten: ``+x`` -> ``x``,
# ``a.dot(b)`` -> ``__twin_dot__(a, b)``, ``z op= v`` -> ``z = z op v``.

def _twin_dot(a, b):
    if isinstance(a, np.ndarray) or hasattr(a, "_value"):
        return anp.dot(a, b)
    return a.dot(b)


def _twin_copy(a):
    if _is_box(a):
        return a * 1.0
    return a.copy()


class _Rewriter(ast.NodeTransformer):
    def visit_AugAssign(self, node):
        self.generic_visit(node)
        if isinstance(node.target, ast.Name):
            load = ast.Name(id=node.target.id, ctx=ast.Load())
            new = ast.Assign(targets=[node.target],
                             value=ast.BinOp(left=load, op=node.op,
                                             right=node.value))
            return ast.copy_location(new, node)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.UAdd):
            return node.operand
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if (isinstance(f, ast.Attribute) and f.attr == "copy"
                and not node.args and not node.keywords):
            new = ast.Call(func=ast.Name(id="__twin_copy__", ctx=ast.Load()),
                           args=[f.value], keywords=[])
            return ast.copy_location(new, node)
        if (isinstance(f, ast.Attribute) and f.attr == "dot"
                and len(node.args) == 1 and not node.keywords):
            new = ast.Call(func=ast.Name(id="__twin_dot__", ctx=ast.Load()),
                           args=[f.value, node.args[0]], keywords=[])
            return ast.copy_location(new, node)
        return node


def _find_node(f):
    """The FunctionDef/Lambda node of ``f`` in its source file."""
    import linecache
    code = f.__code__
    filename = code.co_filename
    lines = linecache.getlines(filename, f.__globals__)
    if not lines:
        raise OSError("no source")
    tree = ast.parse("".join(lines))
    want_args = list(code.co_varnames[:code.co_argcount])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            first = node.lineno
            if isinstance(node, ast.FunctionDef):
                if node.name != code.co_name:
                    continue
                if node.decorator_list:
                    first = node.decorator_list[0].lineno
            elif code.co_name != "<lambda>":
                continue
            args = [a.arg for a in node.args.posonlyargs + node.args.args]
            if code.co_firstlineno in (first, node.lineno) and \
                    args == want_args:
                found.append(node)
    if len(found) != 1:
        raise LookupError(f"{len(found)} candidate nodes for {f!r}")
    return found[0]


def _rewritten_twin(f, twinner, ns):
    node = _find_node(f)
    node = _Rewriter().visit(node)
    freevars = list(f.__code__.co_freevars)
    if isinstance(node, ast.Lambda):
        body = [ast.Return(value=node)]
    else:
        node.decorator_list = []
        body = [node, ast.Return(value=ast.Name(id=node.name,
                                                ctx=ast.Load()))]
    factory = ast.FunctionDef(
        name="__twin_factory__",
        args=ast.arguments(posonlyargs=[],
                           args=[ast.arg(arg=v) for v in freevars],
                           vararg=None, kwonlyargs=[], kw_defaults=[],
                           kwarg=None, defaults=[]),
        body=body, decorator_list=[], returns=None, type_params=[])
    mod = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(mod)
    code = compile(mod, f"<twin of {f.__qualname__}>", "exec")
    ns["__twin_dot__"] = _twin_dot
    ns["__twin_copy__"] = _twin_copy
    local = {}
    exec(code, ns, local)
    cells = []
    for cell in (f.__closure__ or ()):
        try:
            cells.append(cell.cell_contents)
        except ValueError:
            cells.append(None)
    # register before twinning closure values (recursion safety)
    placeholder_key = id(f)
    new = local["__twin_factory__"](*[None] * len(freevars))
    twinner.funcs[placeholder_key] = new
    twinner.keep.append(f)
    new = local["__twin_factory__"](*[twinner.value(c) for c in cells])
    twinner.funcs[placeholder_key] = new
    if f.__defaults__:
        new.__defaults__ = tuple(twinner.value(d) for d in f.__defaults__)
    if f.__kwdefaults__:
        new.__kwdefaults__ = {k: twinner.value(d)
                              for k, d in f.__kwdefaults__.items()}
    new.__twin_of__ = f
    twinner._fill_namespace(f.__globals__, ns, f.__code__)
    return new


def _referenced_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _referenced_names(const)
    return names


def twin(f, rewrite=False):
    """Autograd-traceable copy of ``f`` (function, lambda, closure, bound
    method or functools.partial).  ``rewrite=True`` rebuilds user functions
    from source with the spellings autograd cannot trace rewritten."""
    return _Twinner(rewrite).value(inspect.unwrap(f) if isinstance(
        f, types.FunctionType) else f)


def twin_from_source(f):
    """Alternative twin: exec the dedented source of ``f`` in a namespace
    copied from its globals plus its closure values, with the same rebinding
    as ``twin``.  Decorators are dropped.  Not usable for lambdas."""
    f = inspect.unwrap(f)
    src = textwrap.dedent(inspect.getsource(f))
    tree = ast.parse(src)
    fdef = tree.body[0]
    if not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise ValueError("twin_from_source needs a def")
    fdef.decorator_list = []
    t = _Twinner()
    ns = dict(f.__globals__)
    for name in _referenced_names(f.__code__):
        if name in f.__globals__:
            ns[name] = t.value(f.__globals__[name])
    if f.__closure__:
        for name, cell in zip(f.__code__.co_freevars, f.__closure__):
            try:
                ns[name] = t.value(cell.cell_contents)
            except ValueError:
                pass
    code = compile(tree, inspect.getsourcefile(f) or "<twin>", "exec")
    exec(code, ns)
    new = ns[fdef.name]
    if f.__defaults__:
        new.__defaults__ = tuple(t.value(d) for d in f.__defaults__)
    return new


# ---------------------------------------------------------------------------
# wrt handling and argument helpers
# ---------------------------------------------------------------------------

def _params(f):
    sig = inspect.signature(f)
    return [p.name for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def normalize_wrt(f, wrt):
    """Return (list of argument indices, is_tuple)."""
    params = _params(f)
    is_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if is_tuple else [wrt]
    out = []
    for w in items:
        if isinstance(w, str):
            out.append(params.index(w))
        else:
            out.append(int(w))
    return out, is_tuple


def _to_float(v):
    if isinstance(v, np.ndarray):
        return v.astype(float)
    if isinstance(v, (bool, np.bool_)):
        return v
    if isinstance(v, (int, np.integer)):
        return float(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def as_float_args(args, indices):
    args = list(args)
    for i in indices:
        args[i] = _to_float(args[i])
    return args


def _copy_args(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


# ---------------------------------------------------------------------------
# references
# ---------------------------------------------------------------------------

def oracle_grad(f, args, wrt=0):
    """Gradient of ``f`` at ``args`` by autograd on ``twin(f)``.

    Returns a single gradient, or a tuple when ``wrt`` is a tuple/list.
    """
    indices, is_tuple = normalize_wrt(f, wrt)
    fargs = as_float_args(args, indices)

    def run(tw):
        def joint(vals):
            a = _copy_args(fargs)
            for i, v in zip(indices, vals):
                a[i] = v
            return tw(*a)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Output seems independent")
            return autograd.grad(joint)(tuple(fargs[i] for i in indices))

    try:
        raw = run(twin(f))
    except (TypeError, AttributeError, ValueError):
        raw = run(twin(f, rewrite=True))
    grads = []
    for i, g in zip(indices, raw):
        if isinstance(args[i], np.ndarray):
            g = np.asarray(g, dtype=float).reshape(np.shape(args[i]))
        else:
            g = float(g)
        grads.append(g)
    return tuple(grads) if is_tuple else grads[0]


def fd_grad(f, args, wrt=0, eps=1e-6):
    """Central finite differences of ``f`` at ``args`` (elementwise for
    arrays).  Returns the same structure as ``oracle_grad``."""
    indices, is_tuple = normalize_wrt(f, wrt)
    base = as_float_args(args, indices)
    grads = []
    for i in indices:
        x = base[i]
        if isinstance(x, np.ndarray):
            g = np.zeros(x.shape, dtype=float)
            for idx in np.ndindex(*x.shape):
                h = eps * max(1.0, abs(float(x[idx])))
                plus, minus = _copy_args(base), _copy_args(base)
                plus[i] = x.copy()
                minus[i] = x.copy()
                plus[i][idx] += h
                minus[i][idx] -= h
                g[idx] = (float(f(*plus)) - float(f(*minus))) / (2 * h)
            grads.append(g)
        else:
            h = eps * max(1.0, abs(float(x)))
            plus, minus = _copy_args(base), _copy_args(base)
            plus[i] = x + h
            minus[i] = x - h
            grads.append((float(f(*plus)) - float(f(*minus))) / (2 * h))
    return tuple(grads) if is_tuple else grads[0]


# ---------------------------------------------------------------------------
# the check
# ---------------------------------------------------------------------------

def _describe(v):
    if isinstance(v, np.ndarray):
        return f"ndarray(shape={v.shape}, dtype={v.dtype})"
    return f"{type(v).__name__}({v!r})"


def _generated_source(f, wrt):
    try:
        import srcdiff
        return srcdiff.source(f, wrt=wrt)
    except Exception as e:  # pragma: no cover - diagnostic only
        return f"<srcdiff.source failed: {type(e).__name__}: {e}>"


def _fmt_args(args):
    return ", ".join(_describe(a) if isinstance(a, np.ndarray) else repr(a)
                     for a in args)


def check_type_and_shape(g, arg):
    """Return an error string, or None when ``g`` has ``arg``'s kind."""
    if isinstance(arg, np.ndarray):
        if not isinstance(g, np.ndarray):
            return (f"gradient for an array argument of shape {arg.shape} "
                    f"should be an ndarray, got {_describe(g)}")
        if g.shape != arg.shape:
            return (f"gradient shape {g.shape} != argument shape "
                    f"{arg.shape}")
        if not np.issubdtype(g.dtype, np.floating):
            return f"gradient dtype {g.dtype} is not floating"
        return None
    if isinstance(g, np.ndarray) or not isinstance(g, (float, np.floating)):
        return (f"gradient for scalar argument {arg!r} should be a float, "
                f"got {_describe(g)}")
    return None


def check_grad(f, *args, wrt=0, rtol=1e-6, atol=1e-8, fd=True,
               fd_rtol=1e-4, fd_atol=1e-6, eps=1e-6, expected=None):
    """Check ``srcdiff.grad(f, wrt)(*args)`` against autograd and finite
    differences.  ``expected`` (optional) replaces the autograd oracle, for
    cases autograd cannot trace.  Returns srcdiff's gradient."""
    import srcdiff

    indices, is_tuple = normalize_wrt(f, wrt)
    call_args = _copy_args(args)
    got = srcdiff.grad(f, wrt=wrt)(*call_args)

    problems = []
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray) and not np.array_equal(a, call_args[k]):
            problems.append(f"argument {k} was modified in place")

    if is_tuple:
        if not isinstance(got, tuple) or len(got) != len(indices):
            problems.append(f"wrt={wrt!r}: expected a tuple of "
                            f"{len(indices)} gradients, got "
                            f"{type(got).__name__}")
            got_list = None
        else:
            got_list = list(got)
    else:
        got_list = [got]

    if got_list is not None:
        if expected is None:
            ref = oracle_grad(f, args, wrt)
        else:
            ref = expected
        ref_list = list(ref) if is_tuple else [ref]
        fd_list = None
        if fd:
            # cross-checked: at steps eps and 10 eps, each compared with srcdiff
            # (a kink or a step too small for the case shows as a disagreement;
            # a case sets its own eps)
            fd_list = []
            for step in (eps, 10 * eps):
                fdv = fd_grad(f, args, wrt, eps=step)
                fd_list.append(list(fdv) if is_tuple else [fdv])
        for n, (i, g) in enumerate(zip(indices, got_list)):
            label = f"d/d arg{i}"
            err = check_type_and_shape(g, args[i])
            if err:
                problems.append(f"{label}: {err}")
                continue
            gv = np.asarray(g, dtype=float)
            rv = np.asarray(ref_list[n], dtype=float)
            if not np.all(np.isfinite(gv)):
                problems.append(f"{label}: non-finite gradient {g!r}")
                continue
            if not np.allclose(gv, rv, rtol=rtol, atol=atol):
                problems.append(
                    f"{label}: srcdiff {g!r}\n      != oracle {ref_list[n]!r}"
                    f"\n      max abs diff {np.max(np.abs(gv - rv)):.3g}")
            for step, fds in zip((eps, 10 * eps), fd_list or ()):
                fv = np.asarray(fds[n], dtype=float)
                if not np.allclose(gv, fv, rtol=fd_rtol, atol=fd_atol):
                    problems.append(
                        f"{label}: srcdiff {g!r}\n      != finite "
                        f"differences (step {step:g}) {fds[n]!r}")

    if problems:
        name = getattr(f, "__qualname__", repr(f))
        msg = [f"gradient check failed for {name} wrt={wrt!r} at "
               f"({_fmt_args(args)})"]
        msg += ["  " + p for p in problems]
        msg.append("generated derivative source:")
        msg.append(textwrap.indent(str(_generated_source(f, wrt)), "    "))
        raise AssertionError("\n".join(msg))
    return got


# ---------------------------------------------------------------------------
# forward mode
# ---------------------------------------------------------------------------

def _direction(x, rng):
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


def check_tangent(fn, args, wrt, g):
    """``jvp(fn, wrt)(*args, v)`` against the gradient ``g`` (checked against
    autograd before): the dot-product identity <g, v>, along a random v."""
    import srcdiff
    positions, _ = normalize_wrt(fn, wrt)
    if not all(isinstance(args[p], (float, np.ndarray)) for p in positions):
        return   # (directions are floats and float arrays)
    grads = list(g) if isinstance(wrt, tuple) else [g]
    rng = np.random.default_rng(7)
    v = [_direction(args[p], rng) for p in positions]
    _, tangent = srcdiff.jvp(fn, wrt=wrt)(*args, tuple(v) if isinstance(wrt, tuple) else v[0])
    expected = sum(float(np.sum(np.asarray(gi) * vi)) for gi, vi in zip(grads, v))
    np.testing.assert_allclose(tangent, expected, rtol=1e-8, atol=1e-10,
                               err_msg=srcdiff.source(fn, wrt=wrt, mode="jvp"))
