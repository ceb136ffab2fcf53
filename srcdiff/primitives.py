"""Primitives: everything srcdiff knows about a callable it does not look inside.

A *primitive* is ``np.sin``, an operator, ``math.exp``, a method such as
``x.sum``, a runtime helper of the generated code ...  Every fact a pass may
need about one is declared here, once, with it; passes ask the primitive and
keep no tables of names:

* ``adjoint`` / ``tangent``: rule templates (``template.py``), side by side;
  ``differentiable``: the operands a derivative flows through (those the
  adjoint assigns ``d[...]`` of); ``passive``: operands that are values but
  carry no derivative (shapes, masks); ``containers``: operands whose adjoint
  may be a list, tuple or dict;
* ``linear``: linear in each differentiable operand (``x @ y``,
  ``np.transpose``): the tangent is the call itself with one operand replaced
  by its tangent, summed over the operands, so it need not be written;
* ``aliases``: the operands the result may share memory with: ``()`` for a
  fresh result, ``ANY`` when not declared (the safe assumption);
* ``writes``: operands the call writes into (``out=``, in-place methods);
* ``pure``: no effect besides the result (``False``: the optimizer keeps the
  call even when its result is unused: ``math`` raises on domain errors);
* ``float_valued``: the result is surely a float or a float array;
* ``shape``: ``'elementwise'`` (the first operand's), ``'broadcast'`` (the
  operands broadcast together; reverse mode sums contributions back to each
  operand's shape), ``'scalar'``, ``'reduce'`` (scalar unless an ``axis`` or
  ``keepdims`` is given), ``EVALUATE`` (the exact shape is that of the function
  applied to dummy arrays of the operands' exact shapes), a callable
  ``(operand shapes, constant arguments) -> shape or None``, or None (unknown);
* ``scalar``: the ``math`` function that computes it on numbers (``math.sin``
  for ``np.sin``): code specialised on float arguments calls it instead;
* ``exact``: ``(operand shapes) -> adjoint template or None``: plain NumPy for
  operands whose exact shapes are known (``g @ y.T`` for ``x @ y``);
* ``lazy``: the adjoint of a full reduction (``np.sum(a)``) as a scalar that
  stands for a constant array of the operand's shape;
* for runtime helpers: ``shaped_like`` (the operand whose exact shape the
  result has), ``container_result`` (may return a list, tuple or dict),
  ``shape_dependent`` (its work depends on run-time shapes: code that calls it
  is worth specialising on argument shapes), ``replaced_by`` (a version that
  copies instead of updating its argument in place, for code that is
  differentiated again);
* ``why``: for a callable without a derivative, why (said in the refusal).

Declarations (``srcdiff.rules`` exports them)::

    @elementwise(np.sin, result=FRESH)     # the partial derivative: both rules
    def sin(y, x):
        return np.cos(x)

    @adjoint(np.transpose, linear=True, view="a", shape=EVALUATE)
    def transpose(y, a, axes=None):
        d[a] = np.transpose(d[y], rt.inverse_axes(axes))

A declaration that leaves ``result``/``view`` out is assumed to share memory
with its operands, so no rule a user registers can give a silently wrong
gradient through aliasing.
"""

import ast
import dataclasses
import importlib
import inspect
import sys
import textwrap

import gast
import numpy as np

from .abstract import NOT_CONSTANT, concrete, dummy
from .template import Template, TemplateError

ANY = "any"          # aliases: may share memory with any operand
FRESH = "fresh"      # result=FRESH: a new object
EVALUATE = "evaluate"
SHAPE_KINDS = ("elementwise", "broadcast", "scalar", "reduce")


@dataclasses.dataclass(eq=False)
class Primitive:
    name: str
    key: object
    signature: tuple = ()              # operand parameter names (after the result)
    adjoint: Template = None
    tangent: Template = None
    series: object = None              # the Taylor rule (``taylor.py``): (t, y, *operands)
    batched: Template = None           # the tangent rule on a batch of tangents
    nondiff: bool = False              # the result carries no derivative
    variants: object = None            # (args, keywords) -> (Primitive, bindings) or None
    passive: tuple = ()
    containers: tuple = ()
    linear: bool = False
    aliases: object = ANY
    writes: tuple = ()
    pure: bool = True
    float_valued: bool = False
    shape: object = None
    exact: object = None
    lazy: Template = None
    shaped_like: str = None
    container_result: bool = False
    shape_dependent: bool = False
    replaced_by: object = None
    scalar: object = None              # the math-module function computing it on numbers
    why: str = None                    # why it has no derivative (for a refusal)

    def __post_init__(self):
        if not (self.shape is None or self.shape in SHAPE_KINDS or self.shape == EVALUATE
                or callable(self.shape)):
            raise ValueError(f"{self.name}: shape={self.shape!r} is none of {SHAPE_KINDS}, "
                             "EVALUATE or a callable")

    # --- what passes ask -------------------------------------------------------
    @property
    def differentiable(self):
        """Operands a derivative flows through."""
        if self.adjoint is None:
            return ()
        return tuple(p for p in self.signature if p in self.adjoint.assigned)

    @property
    def fresh(self):
        """Is the result a new object, sharing memory with no operand?"""
        return self.aliases == ()

    def may_alias(self, param):
        return self.aliases == ANY or param in self.aliases

    @property
    def broadcasts(self):
        """Are operands broadcast to the result (contributions summed back)?"""
        return self.shape == "broadcast"

    @property
    def takes_placeholder(self):
        """Does the adjoint template work on a scalar adjoint standing for a
        constant (or zero) array of the result's shape?"""
        return self.shape in SHAPE_KINDS

    def has_tangent(self):
        return self.nondiff or self.variants is not None or self.tangent is not None \
            or self.linear

    def bind(self, args, keywords):
        """``(primitive, {param: atom})`` for a call's arguments (a method's
        receiver first), or None when they do not fit."""
        if self.variants is not None:
            return self.variants(list(args), dict(keywords))
        params = list(self.signature)
        if len(args) > len(params):
            return None
        bindings = dict(zip(params, args))
        for key, value in keywords.items():
            if key not in params or key in bindings:
                return None
            bindings[key] = value
        return self, bindings

    def exact_shape(self, shapes, constants):
        """The exact result shape, or None.  ``shapes``: the operands' shapes in
        signature order (None where unbound); ``constants``: parameter -> the
        argument's value, or ``NOT_CONSTANT`` when it is not known."""
        if callable(self.shape):
            return self.shape(shapes, constants)
        if self.shape == EVALUATE and callable(self.key):
            return _evaluate(self.key, self.signature, shapes, constants)
        if self.shape == "reduce":
            return _evaluate(np.sum, self.signature, shapes, constants)
        return None


def evaluated(function):
    """A shape rule: the shape of ``function`` applied to a dummy array of the
    first operand's exact shape, with the other arguments' constant values."""
    def rule(shapes, constants):
        return _evaluate(function, list(constants), shapes, constants)
    return rule


def _evaluate(function, signature, shapes, constants):
    rest = [p for p in signature[1:] if p in constants]
    if not shapes or not concrete(shapes[0]) \
            or any(constants[p] is NOT_CONSTANT for p in rest):
        return None
    return tuple(np.shape(function(dummy(shapes[0]), **{p: constants[p] for p in rest})))


def constructed(shapes, constants):
    """A shape rule: the shape given as the argument ``shape`` (``np.zeros((n, 2))``)."""
    shape = constants.get("shape", NOT_CONSTANT)
    if type(shape) is int:
        return (shape,)
    if type(shape) is tuple and all(type(n) is int for n in shape):
        return shape
    return None


# --- the registry -----------------------------------------------------------------

_by_key = {}
_by_name = {}
generation = 0  # counts declarations: a derivative made before one is not handed out again


def _key(key):
    try:
        hash(key)
        return key
    except TypeError:
        return id(key)


def qualified_name(key):
    if isinstance(key, str):
        return key
    module = getattr(key, "__module__", None) or ""
    name = getattr(key, "__name__", None) or repr(key)
    if module.startswith("numpy") or type(key).__name__ == "ufunc":
        # (the public submodules keep their names: numpy.linalg.det, numpy.fft.rfft)
        module = next((m for m in ("numpy.linalg", "numpy.fft") if module.startswith(m)),
                      "numpy")
    if not module:
        module = "builtins"
    return f"{module}.{name}"


def register(primitive):
    global generation
    generation += 1
    _by_key[_key(primitive.key)] = primitive
    _by_name[primitive.name] = primitive
    return primitive


def lookup(key):
    """The primitive declared for a callable or key (``'ndarray.sum'``), or None."""
    try:
        found = _by_key.get(_key(key))
    except TypeError:
        return None
    if found is None and _deferred and _load_deferred():
        return lookup(key)
    return found


def by_name(name):
    return _by_name.get(name)


# --- rules of optional libraries ---------------------------------------------------

_deferred = {}   # a library module -> the rule module declaring its primitives


def defer(modules, rules):
    """Declare the rules of an optional library (``rules``, a module name) once
    the program has imported one of ``modules`` (``'scipy.special'``): a
    callable of that library can be looked up only then, and a program that
    does not use it does not pay for importing it."""
    for module in modules:
        _deferred[module] = rules


def _load_deferred():
    """Import the rule modules of the libraries imported since; did any load?"""
    due = sorted({r for m, r in _deferred.items() if sys.modules.get(m) is not None})
    for rules in due:
        for module in [m for m, r in _deferred.items() if r == rules]:
            del _deferred[module]
        importlib.import_module(rules)
    return bool(due)


def all_primitives():
    """Every declared primitive, sorted by name (of optional libraries: of
    those the program has imported)."""
    _load_deferred()
    return sorted(_by_name.values(), key=lambda p: p.name)


def method(name):
    """The primitive of ``v.name(...)`` on an array (``'ndarray.<name>'``)."""
    return lookup(f"ndarray.{name}")


def mutating_method(name):
    """Does a method of this name write into its receiver (``lst.append``,
    ``a.fill``)?  Unknown methods are not assumed to (their calls on values that
    matter are refused as having no rule)."""
    for kind in ("ndarray", "list", "dict"):
        primitive = lookup(f"{kind}.{name}")
        if primitive is not None and "self" in primitive.writes:
            return True
    return False


def written(node, modules):
    """The names a call in generated code writes into (its primitive's
    ``writes``)."""
    primitive = of_call(node, modules)
    if primitive is None or not primitive.writes:
        return set()
    bound = primitive.bind(node.args, {k.arg: k.value for k in node.keywords})
    return {a.id for p, a in (bound[1].items() if bound else ())
            if p in primitive.writes and isinstance(a, gast.Name)}


def of_call(node, modules):
    """The primitive a call in generated code makes, or None.  ``modules``
    maps the generated code's aliases to modules (``{'np': numpy, 'rt': ...}``)."""
    if not isinstance(node, gast.Call):
        return None
    chain, func = [], node.func
    while isinstance(func, gast.Attribute):
        chain.append(func.attr)
        func = func.value
    if not isinstance(func, gast.Name) or func.id not in modules or not chain:
        return None
    value = modules[func.id]
    try:
        for attr in reversed(chain):
            value = getattr(value, attr)
    except AttributeError:
        return None
    return lookup(value)


# --- declarations -----------------------------------------------------------------

def _facts(result, view, writes, **rest):
    if result == FRESH:
        aliases = ()
    elif view is not None:
        aliases = (view,) if isinstance(view, str) else tuple(view)
    elif result is None:
        aliases = ANY
    else:
        raise TemplateError(f"result must be FRESH or None, not {result!r}")
    return dict(aliases=aliases, writes=tuple(writes), **rest)


def _declare(keys, name, make):
    for key in keys:
        register(make(name if (name and key is keys[0]) else qualified_name(key), key))


def adjoint(*keys, shape=None, name=None, passive=(), containers=(), linear=False,
            result=None, view=None, writes=(), pure=True, float_valued=False, exact=None,
            lazy=None, shaped_like=None, container_result=False, shape_dependent=False,
            replaced_by=None):
    """Declare primitives by their adjoint template (one per key; aliases
    share it).  ``result=FRESH`` or ``view='a'`` (the operands the result may
    share memory with) say what the result is; left out, the result is
    assumed to share memory with every operand."""
    facts = _facts(result, view, writes, passive=tuple(passive),
                   containers=tuple(containers), linear=linear, pure=pure,
                   float_valued=float_valued, shape=shape, exact=exact,
                   shaped_like=shaped_like, container_result=container_result,
                   shape_dependent=shape_dependent, replaced_by=replaced_by)

    def decorate(fn):
        def make(rule_name, key):
            template = Template(fn, rule_name)
            return Primitive(rule_name, key, signature=tuple(template.params[1:]),
                             adjoint=template,
                             lazy=Template(lazy, f"{rule_name} (full reduction)")
                             if lazy is not None else None, **facts)
        _declare(keys, name, make)
        return fn
    return decorate


def tangent(*keys):
    """Declare the tangent (forward-mode) template of primitives declared with
    ``@adjoint``; its operands are named as in the adjoint::

        @tangent(np.sin)
        def sin(y, x):
            d[y] = d[x] * np.cos(x)
    """
    def decorate(fn):
        for key in keys:
            primitive = _declared(key, "a tangent rule")
            template = Template(fn, f"{primitive.name} (tangent)")
            if tuple(template.params[1:]) != primitive.signature:
                raise TemplateError(
                    f"tangent rule of {primitive.name}: operands {template.params[1:]} "
                    f"differ from the adjoint's {list(primitive.signature)}")
            primitive.tangent = template
        return fn
    return decorate


def batched(*keys):
    """Declare the tangent template of primitives for a batch of tangents:
    each ``d[v]`` has a leading axis over the batch (``forward.BatchedForward``;
    ``hessian`` pushes a whole basis through at once).  Elementwise primitives
    need none (their tangent rule broadcasts over the batch); others without
    one make the batch go one direction at a time::

        @batched(np.sum)
        def sum_(y, a, axis=None, keepdims=False):
            d[y] = rt.batched_sum(d[a], axis, keepdims)
    """
    def decorate(fn):
        for key in keys:
            primitive = _declared(key, "a batched tangent rule")
            template = Template(fn, f"{primitive.name} (batched tangent)")
            if tuple(template.params[1:]) != primitive.signature:
                raise TemplateError(
                    f"batched tangent rule of {primitive.name}: operands "
                    f"{template.params[1:]} differ from the adjoint's "
                    f"{list(primitive.signature)}")
            primitive.batched = template
        return fn
    return decorate


def series(*keys):
    """Declare the Taylor (series) rule of primitives declared with ``@adjoint``
    or ``@elementwise`` (a key may also be a ``Primitive``, for the variants of
    ``x ** y`` and ``math.log``).  The rule runs while Taylor-mode code is
    generated (``taylor.py``): it receives the rule context ``t`` (``t.orders``
    is ``1 .. n``), the result's series ``y`` (``y[0]`` is the value) and the
    operands' series, named as in the adjoint, and assigns ``y[1] .. y[n]``,
    the normalized Taylor coefficients, with ordinary arithmetic::

        @series(np.exp, math.exp)
        def exp(t, y, x):          # y' = y x'
            for k in t.orders:
                y[k] = sum(j * x[j] * y[k - j] for j in range(1, k + 1)) / k
    """
    def decorate(fn):
        operands = tuple(inspect.signature(fn).parameters)[2:]
        for key in keys:
            primitive = key if isinstance(key, Primitive) else _declared(key, "a Taylor rule")
            if operands != primitive.signature[:len(operands)]:
                raise TemplateError(
                    f"Taylor rule of {primitive.name}: operands {list(operands)} differ "
                    f"from the adjoint's {list(primitive.signature)}")
            primitive.series = fn
        return fn
    return decorate


def _declared(key, what):
    primitive = lookup(key)
    if primitive is None or (primitive.adjoint is None and primitive.variants is None):
        raise TemplateError(f"{what} for {qualified_name(key)}, which has no adjoint rule")
    return primitive


def elementwise(*keys, name=None, **declared):
    """Declare elementwise primitives by their partial derivatives: the template
    returns ∂y/∂x (a tuple, one per operand, None for an operand without a
    derivative).  The adjoint is ``d[x] = d[y] * ∂y/∂x`` and the tangent
    ``d[y] = d[x] * ∂y/∂x``, summed over the operands.  One operand: the
    result has its shape; several: they broadcast together.  ``declared``:
    the facts ``adjoint`` takes (``result``, ``view``, ``shape`` ...)."""
    def decorate(fn):
        _declare(keys, name, lambda rule_name, key: from_partials(fn, rule_name, key,
                                                                  **declared))
        return fn
    return decorate


def from_partials(fn, name, key=None, shape=None, result=None, view=None, writes=(),
                  **rest):
    """A primitive (not registered) from a template returning its partial
    derivatives; see ``elementwise``.  A NumPy ufunc also writes its result
    into ``out=`` when given one."""
    if isinstance(key, np.ufunc) and "out" not in writes:
        writes = tuple(writes) + ("out",)
    adjoint_src, tangent_src, operands = partial_rules(fn)
    template = Template.from_source(adjoint_src, name)
    return Primitive(name, key if key is not None else name,
                     signature=tuple(template.params[1:]), adjoint=template,
                     tangent=Template.from_source(tangent_src, f"{name} (tangent)"),
                     shape=shape or ("elementwise" if operands == 1 else "broadcast"),
                     **_facts(result, view, writes, **rest))


def variants(*keys, name=None, shape=None, result=None, view=None, writes=(), pure=True,
             float_valued=False, why=None):
    """Declare primitives whose rule depends on how they are called (the number
    of operands of ``max(a, b, ...)``, ``math.log(x)`` or ``math.log(x, base)``):
    the function maps ``(args, keywords)`` to ``(primitive, bindings)`` or None
    (``why``: what calls it refuses, said in the refusal)."""
    facts = _facts(result, view, writes, pure=pure, float_valued=float_valued,
                   shape=shape, why=why)

    def decorate(fn):
        _declare(keys, name, lambda rule_name, key: Primitive(rule_name, key, variants=fn,
                                                              **facts))
        return fn
    return decorate


def nondiff(*keys, name=None, result=None, view=None, writes=(), pure=True, shape=None):
    """Declare callables whose result carries no derivative (``np.sign``,
    ``len``)."""
    facts = _facts(result, view, writes, pure=pure, shape=shape)
    _declare(keys, name, lambda rule_name, key: Primitive(
        rule_name, key, nondiff=True, signature=_parameters(key), **facts))


def known(*keys, result=None, view=None, writes=(), pure=True, shape=None, why=None):
    """Declare callables srcdiff knows the effects of but has no derivative for
    (``list``, ``lst.append`` on values that do not matter); ``why`` says why,
    in the refusal of a call a derivative would flow through."""
    facts = _facts(result, view, writes, pure=pure, shape=shape, why=why)
    _declare(keys, None, lambda rule_name, key: Primitive(
        rule_name, key, signature=_parameters(key), **facts))


# the parameters of NumPy functions that older NumPy (before 2.3) gives no signature
_NUMPY_PARAMETERS = {
    "zeros": ("shape", "dtype", "order", "device", "like"),
    "empty": ("shape", "dtype", "order", "device", "like"),
    "arange": ("start_or_stop", "stop", "step", "dtype", "device", "like"),
    "empty_like": ("prototype", "dtype", "order", "subok", "shape", "device"),
}
_UFUNC_KEYWORDS = ("out", "where", "casting", "order", "dtype", "subok", "signature")


def _parameters(key):
    """The parameter names of a Python callable (``()`` if not inspectable)."""
    try:
        return tuple(inspect.signature(key).parameters)
    except (TypeError, ValueError):
        pass
    if isinstance(key, np.ufunc):  # (as NumPy 2.3 and later give them)
        return (("x",) if key.nin == 1 else tuple(f"x{i + 1}" for i in range(key.nin))) \
            + _UFUNC_KEYWORDS
    name = getattr(key, "__name__", "")
    return _NUMPY_PARAMETERS.get(name, ()) if key is getattr(np, name, None) else ()


# --- partial derivatives -> adjoint and tangent templates ---------------------------

def partial_rules(fn):
    """The adjoint and tangent template sources of an elementwise rule written
    as its partial derivatives, and its number of operands."""
    node = gast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    params = [a.id for a in node.args.args]
    body = [s for s in node.body if not (isinstance(s, gast.Expr)
                                         and isinstance(s.value, gast.Constant))]
    if not body or not isinstance(body[-1], gast.Return):
        raise TemplateError(f"elementwise rule {fn.__name__}: must return the partials")
    result, operands = params[0], params[1:]
    value = body[-1].value
    partials = value.elts if isinstance(value, gast.Tuple) and len(operands) > 1 else [value]
    if len(partials) != len(operands):
        raise TemplateError(f"elementwise rule {fn.__name__}: {len(partials)} partials "
                            f"for {len(operands)} operands")
    head = [_unparse(s) for s in body[:-1]]
    adjoint_lines, tangent_terms = [], []
    for operand, partial in zip(operands, partials):
        if isinstance(partial, gast.Constant) and partial.value is None:
            continue
        adjoint_lines.append(f"d[{operand}] = {_times(f'd[{result}]', partial)}")
        tangent_terms.append(f"d[{result}] = {_times(f'd[{operand}]', partial)}")
    defaults = dict(zip(params[len(params) - len(node.args.defaults):], node.args.defaults))
    signature = ", ".join(p if p not in defaults else f"{p}={_unparse(defaults[p])}"
                          for p in params)
    header = f"def {fn.__name__}({signature}):\n"

    def source(lines):
        return header + "".join(f"    {line}\n" for line in head + lines)
    return source(adjoint_lines), source(tangent_terms), len(operands)


def _times(seed, partial):
    """``seed * partial`` as a person writes it: the seed first in a product
    (``d[y] * y * x`` rather than ``d[y] * (y * x)``), a leading minus or
    factor 1 folded (``-d[y] * s``, ``d[y] / x``)."""
    if isinstance(partial, gast.Constant) and partial.value == 1:
        return seed
    if isinstance(partial, gast.UnaryOp) and isinstance(partial.op, gast.USub) \
            and isinstance(partial.operand, gast.Constant) and partial.operand.value == 1:
        return f"-{seed}"
    chain, node = [], partial
    while isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Mult, gast.Div)):
        chain.append(node)
        node = node.left
    first = node
    if isinstance(first, gast.Constant) and first.value == 1 and chain:
        head = seed
    elif isinstance(first, gast.UnaryOp) and isinstance(first.op, gast.USub):
        head = f"-{seed} * {_unparse(first.operand, operand=True)}"
    else:
        head = f"{seed} * {_unparse(first, operand=True)}"
    for op in reversed(chain):
        sign = "*" if isinstance(op.op, gast.Mult) else "/"
        head = f"{head} {sign} {_unparse(op.right, operand=True)}"
    return head


def _unparse(node, operand=False):
    text = ast.unparse(gast.gast_to_ast(node)).strip()
    if operand and isinstance(node, (gast.BinOp, gast.Compare, gast.BoolOp, gast.IfExp)):
        return f"({text})"
    return text
