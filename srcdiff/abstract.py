"""Abstract values: what the transformation knows about each value, without
running the code.

A value's *shape* is one of

* ``SCALAR`` (``()``): a number;
* an exact shape, a tuple of ints (``(3, 4)``): known when the transformation is
  specialised on the shapes of the arguments;
* ``Elements(shape)``: a list or tuple of arrays that all have one exact shape
  (``xs`` in ``for x_t in xs``), of any length;
* ``Items(shapes)``: a list or tuple of known length, the shape of each element;
* a symbol ``('like', n, ...)``: the shape the value ``n`` had at one point of
  the code.  Two values with the same symbol have the same shape; different
  symbols may differ.

Beside shapes the inference knows some *values*: ints and tuples of ints that
come from shapes or constants (``n = W.shape[0]``, ``(n, 2)``, ``len(xs)`` of an
array), so that exact shapes flow through constructors such as
``np.zeros((W.shape[0], n))``.

``infer(tree, params, arg_shapes)`` walks the analysed code (``activity.Op`` and
``Compound`` nodes) in order, records on each op the shapes of its operands and
targets as it sees them (``op.shapes``), and returns the shapes at the end.
Branches that disagree, and values a loop changes from one iteration to the
next, get fresh symbols.

``key_of(argument)`` is the specialisation key of an argument value, and
``from_key`` the shape the inference starts from for it.
"""

import dataclasses
import itertools
import math
import operator

import gast
import numpy as np

from .arrays import foreign

SCALAR = ()
NOT_CONSTANT = "not constant"  # an argument whose value is not known when transforming
_SCALAR_TYPES = (float, int, np.float64, np.float32, np.int64)


@dataclasses.dataclass(frozen=True)
class Elements:
    """A list or tuple of arrays of one exact shape (any number of them)."""
    shape: tuple


@dataclasses.dataclass(frozen=True)
class Items:
    """A list or tuple of known length: the shape of each element."""
    shapes: tuple


@dataclasses.dataclass(frozen=True)
class OneOf:
    """One of a few exact shapes: a value a loop carries that starts as a
    number and becomes an array (``acc = 0.0; for ...: acc = acc + v``)."""
    shapes: frozenset


_MAX_ALTERNATIVES = 4


def join(a, b):
    """A shape covering both (None if none is known)."""
    if a == b:
        return a
    alternatives = set()
    for shape in (a, b):
        if isinstance(shape, OneOf):
            alternatives |= shape.shapes
        elif concrete(shape):
            alternatives.add(shape)
        else:
            return None
    return OneOf(frozenset(alternatives)) if len(alternatives) <= _MAX_ALTERNATIVES else None


def concrete(shape):
    """A shape known exactly (a tuple of ints)."""
    return isinstance(shape, tuple) and all(type(d) is int for d in shape)


def element_shape(shape, index, varying=False):
    """The shape of ``container[index]`` (an int index; ``varying``: one that
    changes, a loop counter), or None."""
    if isinstance(shape, Elements):
        return shape.shape
    if isinstance(shape, Items) and varying:
        return shape.shapes[0] if len(set(shape.shapes)) == 1 else None
    if isinstance(shape, Items) and isinstance(index, int) \
            and -len(shape.shapes) <= index < len(shape.shapes):
        return shape.shapes[index]
    return None


# --- specialisation keys ---------------------------------------------------------

_MAX_ITEMS = 16


def key_of(value):
    """What a specialised transformation depends on about an argument: its
    exact shape (arrays), ``()`` (numbers), the element shapes of a list or
    tuple of arrays, or None (nothing: the generic code serves it)."""
    kind = type(value)
    if kind is float or kind in _SCALAR_TYPES:
        return ()
    if kind is np.ndarray:
        return value.shape
    if foreign(value) and isinstance(getattr(value, "shape", None), tuple):
        # another library's array (Dask): its shape is known without computing it,
        # unless it is lazy with unknown sizes (NaN)
        return ("foreign", value.shape) if all(type(n) is int for n in value.shape) else None
    if type(value) in (list, tuple) and value:
        keys = [key_of(v) for v in value]
        if all(type(v) is np.ndarray or foreign(v) for v in value) \
                and len(set(keys)) == 1 and keys[0] is not None:
            return ("elements", keys[0])
        if len(keys) <= _MAX_ITEMS and all(k is not None for k in keys):
            return ("items", tuple(keys))
    return None


class Foreign(tuple):
    """The exact shape of another library's array (Dask): the code specialised
    on it keeps that library (the gradient is cast like the argument, not made
    a NumPy array of the shape), and is not shared with NumPy arrays."""


def sequences(shapes):
    """The arguments whose exact shapes (``from_key``) say they are lists, tuples
    or arrays (what a loop can index)."""
    return {p for p, s in (shapes or {}).items()
            if isinstance(s, (Elements, Items)) or (isinstance(s, tuple) and s)}


def foreign_shape(shape):
    """Is ``shape`` (an argument's, from ``from_key``) or one of its elements'
    that of another library's array?"""
    if isinstance(shape, Elements):
        return foreign_shape(shape.shape)
    if isinstance(shape, Items):
        return any(foreign_shape(s) for s in shape.shapes)
    return isinstance(shape, Foreign)


def from_key(key):
    """The shape the inference starts from for an argument with this key."""
    if isinstance(key, tuple) and len(key) == 2 and key[0] == "elements":
        return Elements(from_key(key[1]))
    if isinstance(key, tuple) and len(key) == 2 and key[0] == "foreign":
        return Foreign(key[1])
    if isinstance(key, tuple) and len(key) == 2 and key[0] == "items":
        return Items(tuple(from_key(k) for k in key[1]))
    return tuple(key)


# --- one operation ---------------------------------------------------------------

def broadcast(shapes, fresh):
    """The shape of operands broadcast together (``fresh`` if not known)."""
    if any(isinstance(s, OneOf) for s in shapes):
        results = {broadcast(choice, None) for choice in itertools.product(
            *[sorted(s.shapes) if isinstance(s, OneOf) else [s] for s in shapes])}
        if None in results:
            return fresh
        return results.pop() if len(results) == 1 else OneOf(frozenset(results))
    distinct = {s for s in shapes if s != SCALAR}
    if not distinct:
        return SCALAR
    if len(distinct) == 1:
        return distinct.pop()
    if all(concrete(s) for s in distinct):
        try:
            return tuple(np.broadcast_shapes(*distinct))
        except ValueError:
            return fresh
    return fresh


def shape_of(atom, shapes):
    if isinstance(atom, gast.Name):
        return shapes.get(atom.id, ("like", atom.id))
    if isinstance(atom, gast.Constant) and isinstance(atom.value, (int, float, complex)):
        return SCALAR
    if isinstance(atom, gast.UnaryOp) and isinstance(atom.operand, gast.Constant):
        return shape_of(atom.operand, shapes)
    return None


class _Unknown(Exception):
    """The value of an expression is not known when transforming."""


def value_of(node, values, ints=frozenset()):
    """The value of an atom or index made of constants and known values (or
    ``_Unknown``).  Names in ``ints`` are loop counters: any int stands in for
    them."""
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, gast.Name):
        if node.id in values:
            return values[node.id]
        if node.id in ints:
            return 0
        raise _Unknown(node.id)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        return -value_of(node.operand, values, ints)
    if isinstance(node, gast.Slice):
        bounds = (node.lower, node.upper, node.step)
        if any(isinstance(b, gast.Name) and b.id not in values for b in bounds):
            raise _Unknown(node)  # a bound that varies: the length varies
        return slice(*[None if b is None else value_of(b, values, ints) for b in bounds])
    if isinstance(node, gast.Tuple):
        return tuple(value_of(e, values, ints) for e in node.elts)
    raise _Unknown(node)


def dummy(shape):
    """A zero-cost array of ``shape`` (every element the same memory)."""
    return np.lib.stride_tricks.as_strided(np.zeros(1), shape, (0,) * len(shape))


def _exact_shape(op, shapes, values, ints):
    """The exact result shape of an op whose operand shapes are known, or None."""
    stmt = op.stmt
    try:
        if op.kind == "subscript":
            value = stmt.value
            base = shapes.get(value.value.id)
            # a number whose value is not known gives the shape any int gives
            numbers = {n.id for n in gast.walk(value.slice) if isinstance(n, gast.Name)
                       and n.id not in values and (n.id in ints or shapes.get(n.id) == SCALAR)}
            index = value_of(value.slice, values, numbers)
            if isinstance(base, (Elements, Items)):
                return element_shape(base, index, varying=bool(numbers))
            if not concrete(base):
                return None
            return dummy(base)[index].shape
        if op.rule is None or op.bindings is None:
            return None
        params = [p for p in op.rule.signature if p in op.bindings]
        operand_shapes = [shape_of(op.bindings[p], shapes) for p in params]
        constants = {}
        for p in params:
            try:
                constants[p] = value_of(op.bindings[p], values)
            except _Unknown:
                constants[p] = NOT_CONSTANT
        return op.rule.exact_shape(operand_shapes, constants)
    except Exception:  # anything not evaluable statically: not known
        return None


def _shape(op, shapes, values, ints):
    """The shape an op gives its (single) target."""
    target = op.targets[0] if op.targets else None
    fresh = ("like", target, id(op))
    if op.kind == "copy":
        return shapes.get(op.operands[0], ("like", op.operands[0]))
    value = op.stmt.value if isinstance(op.stmt, gast.Assign) else None
    if value is not None and not op.operands and shape_of(value, shapes) == SCALAR:
        return SCALAR   # a number written as a constant
    if target in values:
        return _shape_of_value(values[target], fresh)
    if op.kind == "literal" and isinstance(op.stmt.value, (gast.Tuple, gast.List)):
        return Items(tuple(shape_of(e, shapes) for e in op.stmt.value.elts))
    known = _exact_shape(op, shapes, values, ints)
    if known is not None:
        return known
    if op.kind == "user" and op.result_shape is not None:
        known = op.result_shape([shape_of(a, shapes) for a in op.call.args])
        return fresh if known is None else known
    if op.rule is None:
        return fresh
    rule = op.rule
    bound = op.bindings or {}
    if rule.shape == "scalar":
        return SCALAR
    if rule.shape == "elementwise" and bound:
        known = shape_of(next(iter(bound.values())), shapes)
        return fresh if known is None else known
    if rule.shape == "broadcast":
        operand_shapes = [shape_of(a, shapes) for a in bound.values()]
        if any(s is None for s in operand_shapes):
            return fresh
        return broadcast(operand_shapes, fresh)
    if rule.shape == "reduce":
        axis = bound.get("axis")
        keepdims = bound.get("keepdims")
        no_axis = axis is None or (isinstance(axis, gast.Constant) and axis.value is None)
        no_keep = keepdims is None or (isinstance(keepdims, gast.Constant)
                                       and keepdims.value is False)
        return SCALAR if no_axis and no_keep else fresh
    return fresh


def _shape_of_value(value, fresh):
    if isinstance(value, (int, float, bool)):
        return SCALAR
    return fresh


_ARITHMETIC = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
               gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
               gast.USub: operator.neg}
_SIZES = {"shape": lambda s: s, "ndim": len, "size": math.prod}


def _value(op, shapes, values):
    """The value an op gives its target when it is known: ints and tuples of
    ints from constants and shapes.  Raises ``_Unknown`` otherwise."""
    value = op.stmt.value if isinstance(op.stmt, gast.Assign) else None
    if value is None:
        raise _Unknown(op)
    if isinstance(value, (gast.Name, gast.Constant)):
        result = value_of(value, values)
    elif isinstance(value, (gast.Tuple, gast.List)):
        result = tuple(value_of(e, values) for e in value.elts)
        if isinstance(value, gast.List):
            raise _Unknown(op)  # a list may change: not a constant
    elif isinstance(value, gast.BinOp) and type(value.op) in _ARITHMETIC:
        result = _ARITHMETIC[type(value.op)](value_of(value.left, values),
                                             value_of(value.right, values))
    elif isinstance(value, gast.UnaryOp) and type(value.op) in _ARITHMETIC:
        result = _ARITHMETIC[type(value.op)](value_of(value.operand, values))
    elif isinstance(value, gast.Attribute) and value.attr in _SIZES \
            and isinstance(value.value, gast.Name):
        result = _size(value.attr, shapes.get(value.value.id))
    elif isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and value.value.id in values:
        result = values[value.value.id][value_of(value.slice, values)]
    elif isinstance(value, gast.Call) and op.rule is not None and len(value.args) == 1 \
            and not value.keywords and isinstance(value.args[0], gast.Name):
        result = _size_call(op.rule.key, shapes.get(value.args[0].id))
    else:
        raise _Unknown(op)
    if not _is_shape_like(result):
        raise _Unknown(op)
    return result


def _size(what, shape):
    if not concrete(shape):
        raise _Unknown(what)
    return _SIZES[what](shape)


def _size_call(function, shape):
    if function is np.shape:
        return _size("shape", shape)
    if function is np.size:
        return _size("size", shape)
    if function is np.ndim:
        return _size("ndim", shape)
    if function is len:
        if isinstance(shape, Items):
            return len(shape.shapes)
        if concrete(shape) and shape:
            return shape[0]
    raise _Unknown(function)


def _is_shape_like(value):
    if type(value) in (int, bool) or value is None:
        return True
    return type(value) is tuple and all(type(v) is int for v in value)


# --- the whole function -------------------------------------------------------------

class _Env:
    """Shapes and known values at one point of the code."""

    def __init__(self, shapes, values):
        self.shapes = shapes
        self.values = values

    def copy(self):
        return _Env(dict(self.shapes), dict(self.values))


def infer(tree, params, arg_shapes=None):
    """Shapes through ``tree`` (``op.shapes`` of every op); the shapes at its end.
    ``arg_shapes``: parameter -> shape for a specialised transformation."""
    shapes = {p: ("like", p) for p in params}  # annotations are not trusted
    for p, shape in (arg_shapes or {}).items():
        if shape is not None:
            shapes[p] = shape
    env = _Env(shapes, {})
    _block(tree, env, frozenset())
    return env.shapes


def _block(nodes, env, ints):
    for node in nodes:
        if hasattr(node, "targets"):
            _op(node, env, ints)
        elif node.kind == "if":
            _if(node, env, ints)
        else:
            _loop(node, env, ints)


def _op(node, env, ints):
    shapes = env.shapes
    seen = {n: shapes.get(n, ("like", n)) for n in node.operands}
    single = len(node.targets) == 1 and node.kind not in ("write", "append", "extend")
    for t in node.targets:
        env.values.pop(t, None)
        if single:
            try:
                env.values[t] = _value(node, shapes, env.values)
            except Exception:  # not known (including errors of the user's code)
                pass
            shapes[t] = _shape(node, shapes, env.values, ints)
        elif node.kind == "write" and concrete(shapes.get(t)):
            pass   # writing elements of an array keeps its shape
        elif node.kind == "unpack" and isinstance(shapes.get(node.operands[0]),
                                                  (Elements, Items)):
            shapes[t] = element_shape(shapes[node.operands[0]],
                                      node.targets.index(t)) or ("like", t, id(node))
        else:
            shapes[t] = ("like", t, id(node))
    seen.update({t: shapes[t] for t in node.targets})
    node.shapes = seen


def _if(node, env, ints):
    a, b = env.copy(), env.copy()
    _block(node.body, a, ints)
    _block(node.orelse, b, ints)
    for n in _assigned_in(node.body) | _assigned_in(node.orelse):
        joined = join(a.shapes.get(n), b.shapes.get(n)) if n in a.shapes and n in b.shapes \
            else None
        env.shapes[n] = ("like", n, id(node)) if joined is None else joined
        if n in a.values and n in b.values and a.values[n] == b.values[n]:
            env.values[n] = a.values[n]
        else:
            env.values.pop(n, None)


def _loop(node, env, ints):
    changed = _assigned_in(node.body)
    inner_ints = ints | {node.target} if node.kind == "for" else ints
    if node.target:
        changed.add(node.target)
    # an exact shape a pass through the body leaves unchanged stays exact; one it
    # changes becomes the few shapes it takes (or unknown)
    entry = {n: env.shapes.get(n) for n in changed}
    for _ in range(_MAX_ALTERNATIVES):
        trial = env.copy()
        trial.shapes.update({n: s for n, s in entry.items() if s is not None})
        if node.target:
            trial.shapes[node.target] = SCALAR
        _block(node.body, trial, inner_ints)
        grown = {n: join(entry[n], trial.shapes.get(n)) for n in changed}
        if grown == entry:
            break
        entry = grown
    else:
        entry = {n: None for n in changed}
    for n in changed:
        if entry[n] is None:  # loop-carried values may change shape between iterations
            env.shapes[n] = ("like", n, id(node), "loop")
        else:
            env.shapes[n] = entry[n]
        if not (n in env.values and trial.values.get(n, _MISSING) == env.values[n]):
            env.values.pop(n, None)
    if node.target:
        env.shapes[node.target] = SCALAR
        env.values.pop(node.target, None)
    _block(node.body, env.copy(), inner_ints)
    for n in changed:
        if not (concrete(env.shapes.get(n)) or isinstance(env.shapes.get(n), OneOf)):
            env.shapes[n] = ("like", n, id(node), "after")


_MISSING = object()


def _assigned_in(nodes):
    names = set()
    for node in nodes:
        if hasattr(node, "targets"):
            names.update(node.targets)
        else:
            if node.target:
                names.add(node.target)
            names |= _assigned_in(node.body) | _assigned_in(node.orelse)
    return names
