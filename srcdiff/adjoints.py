"""The adjoint variables of the function being differentiated, and how
contributions to them are written.

The first contribution to an adjoint assigns it (``x_bar = ...``); later ones
add to it, in place where the adjoint is an array of its own (``x_bar += ...``)
and with ``rt.add`` where it may be a list, tuple or dict.  Adjoints that a loop
or branch adds to ("accumulated") start as ``0.0`` at the start of the adjoint
sweep.  What is known about each adjoint while the code is written is its
abstract value: the zero placeholder ``0.0`` (accumulated, nothing added yet),
a scalar standing for a constant array (the adjoint of a full ``np.sum``), or
an array of its primal's exact shape (``full``).  Broadcasting is undone only
where operand and result shapes may differ::

    y = x * b                 # x: (3, 4), b: (4,)
    x_bar = y_bar * b
    b_bar = np.sum(y_bar * x, axis=0)
"""

import math

import gast

from . import primitives
from .abstract import SCALAR, concrete
from .trees import assign, attr, call, constant, index_node, load, store


class Adjoints:
    def __init__(self, namer, aliases, modules):
        self.namer = namer
        self.aliases = aliases
        self.modules = modules
        self.adj = {}                # primal name -> its adjoint's name
        self.owned = set()           # adjoints that are arrays of their own
        self.dirty = set()           # primal names whose adjoint may be a placeholder
        self.containers = set()      # primal names whose adjoint may be a list/tuple/dict
        self.full = set()            # adjoints surely of their primal's exact shape
        self.accumulated = set()     # primal names whose adjoint starts as 0.0
        self.has_lazy = False        # does some adjoint stand for a constant array?
        self.shape_now = {}          # shapes seen by the statement being differentiated
        self.foreign = False         # arguments of another library (Dask): zeros made like them
        self.out = []                # where the adjoint statements go

    # --- writing code -------------------------------------------------------------
    def rt(self, helper, *args):
        return call(attr(self.aliases["rt"], helper), args)

    def np(self, function, *args, **keywords):
        return call(attr(self.aliases["np"], function), args,
                    [gast.keyword(arg=k, value=v) for k, v in keywords.items()])

    def emit(self, node, where=None):
        if where is not None:
            gast.copy_location(node, where)
        self.out.append(node)

    def primitive_of(self, expr):
        """The primitive a call in the generated code makes, or None."""
        return primitives.of_call(expr, self.modules)

    def is_fresh(self, expr):
        """Is ``expr`` surely a new object (an adjoint that may be updated in place)?"""
        if isinstance(expr, (gast.BinOp, gast.UnaryOp)):
            return True
        called = self.primitive_of(expr)
        return called is not None and called.fresh

    @property
    def primal_of(self):
        return {bar: name for name, bar in self.adj.items()}

    # --- contributions -------------------------------------------------------------
    def accumulate(self, name, expr, clean=True, where=None):
        """Add ``expr`` to the adjoint of ``name``.  ``clean``: ``expr`` is surely
        not a placeholder (it has its primal's shape)."""
        called = self.primitive_of(expr)
        if (called is not None and called.container_result) or (
                isinstance(expr, gast.Name) and self.primal_of.get(expr.id) in self.containers):
            self.containers.add(name)
        if name in self.accumulated:
            bar = self.adj[name]
            if name in self.containers:
                self.emit(assign(bar, self.rt("add", load(bar), expr)), where)
            else:
                # accumulated adjoints are never shared: add in place (0.0 += a makes
                # a new array, later additions reuse it)
                self.emit(gast.AugAssign(target=store(bar), op=gast.Add(), value=expr), where)
            self.dirty.add(name)
            return
        if name not in self.adj:
            bar = self.namer.adjoint(name)
            self.adj[name] = bar
            self.emit(assign(bar, expr), where)
            if self.is_fresh(expr):
                self.owned.add(bar)
            if self.is_full(expr, name):
                self.full.add(bar)
        else:
            bar = self.adj[name]
            if name in self.containers:
                total = self.rt("add", load(bar), expr)
            else:
                total = gast.BinOp(left=load(bar), op=gast.Add(), right=expr)
            self.emit(assign(bar, total), where)
            self.owned.add(bar)
        if not clean:
            self.dirty.add(name)

    def is_full(self, expr, name):
        """Is ``expr`` surely an array of the exact (known) shape of ``name``?  An
        adjoint may otherwise be the zero placeholder or a reduction's scalar."""
        shape = self.shape_now.get(name)
        if not concrete(shape) or not shape:
            return False
        called = self.primitive_of(expr)
        if called is not None and called.shaped_like is not None:
            position = called.signature.index(called.shaped_like)
            arg = expr.args[position] if len(expr.args) > position else None
            return isinstance(arg, gast.Name) and arg.id == name
        primal_of = self.primal_of
        for leaf in self._leaves(expr):
            if not isinstance(leaf, gast.Name):
                continue
            if leaf.id in self.full and self.shape_now.get(primal_of.get(leaf.id)) == shape:
                return True
            if leaf.id not in primal_of and self.shape_now.get(leaf.id) == shape:
                return True
        return False

    def _leaves(self, node):
        """The operands of arithmetic and elementwise calls in ``node``."""
        if isinstance(node, gast.BinOp):
            return self._leaves(node.left) + self._leaves(node.right)
        if isinstance(node, gast.UnaryOp):
            return self._leaves(node.operand)
        if isinstance(node, gast.Call) and getattr(
                self.primitive_of(node), "shape", None) in ("elementwise", "broadcast"):
            return [leaf for a in node.args for leaf in self._leaves(a)]
        return [node]

    def full_shaped(self, name):
        """The adjoint of ``name`` given its primal's shape where it may be a
        placeholder (for rules and helpers that take it at face value)."""
        bar = self.adj[name]
        if (self.has_lazy or self.accumulated) and bar not in self.full:
            return self.rt("like", load(bar), load(name))
        return load(bar)

    def scatter(self, name, index, g, where):
        """Add ``g`` into the adjoint of ``name`` at ``index``."""
        if name in self.accumulated:
            bar = self.adj[name]
            self.emit(assign(bar, self.rt("scatter_add", load(bar), index, g, load(name))),
                      where)
            self.dirty.add(name)
            return
        shape = self.shape_now.get(name)
        basic = _basic_index(index)
        if name not in self.adj:
            bar = self.namer.adjoint(name)
            self.adj[name] = bar
            if concrete(shape) and shape and basic:
                like = {"like": load(name)} if self.foreign else {}
                self.emit(assign(bar, self.np("zeros", constant(shape), **like)), where)
                self.emit(assign(gast.Subscript(value=load(bar), slice=index_node(index),
                                                ctx=gast.Store()), g), where)
                self.full.add(bar)
            else:
                self.emit(assign(bar, self.rt("scatter", load(name), index, g)), where)
        elif (self.adj[name] in self.owned and concrete(shape) and shape
                and basic and self.adj[name] in self.full):
            bar = self.adj[name]
            self.emit(gast.AugAssign(target=gast.Subscript(
                value=load(bar), slice=index_node(index), ctx=gast.Store()),
                op=gast.Add(), value=g), where)
            return
        else:
            bar = self.adj[name]
            if bar in self.owned:
                value = self.rt("scatter_add", load(bar), index, g, load(name))
            else:
                value = self.rt("add", load(bar), self.rt("scatter", load(name), index, g))
            self.emit(assign(bar, value), where)
        self.owned.add(bar)

    def unbroadcast(self, expr, atom, target, shapes):
        """``expr`` summed back to ``atom``'s shape where the shapes can differ."""
        operand = shapes.get(atom.id)
        result = shapes.get(target)
        if operand is not None and operand == result:
            return expr
        sure = not (self.has_lazy or self.accumulated) or self.is_full(expr, target)
        if sure and operand == SCALAR:
            return self.np("sum", expr)
        if sure and concrete(operand) and concrete(result):
            lead = len(result) - len(operand)
            axes = tuple(range(lead)) + tuple(
                i + lead for i, n in enumerate(operand) if n == 1 and result[i + lead] != 1)
            summed = self.np("sum", expr, axis=constant(axes[0] if len(axes) == 1 else axes))
            if tuple(d for i, d in enumerate(result) if i not in axes) != operand:
                summed = self.np("reshape", summed, constant(operand))
            return summed
        if self.has_lazy:  # the adjoint may be a scalar standing for the result's shape
            return self.rt("unbroadcast", expr, load(atom.id), load(target))
        if operand == SCALAR:
            return self.np("sum", expr)
        return self.rt("unbroadcast", expr, load(atom.id))

    def on_numbers(self, node):
        """``node`` with the primitives that have a ``math`` equivalent computed
        by it (``np.sin(x)`` -> ``math.sin(x)``): for operands that are numbers.
        Changed in place and returned."""
        for n in gast.walk(node):
            if isinstance(n, gast.Call):
                called = self.primitive_of(n)
                if called is not None and called.scalar is not None and not n.keywords:
                    n.func = attr(self.aliases["math"], called.scalar.__name__)
        return node

    def fold_shapes(self, expr):
        """``np.size(v)`` and ``np.shape(v)`` of a value whose exact shape is
        known, as constants."""
        np_alias = self.aliases["np"]

        def fold(node):
            if isinstance(node, gast.Call) and len(node.args) == 1 and not node.keywords \
                    and isinstance(node.func, gast.Attribute) \
                    and isinstance(node.func.value, gast.Name) \
                    and node.func.value.id == np_alias and node.func.attr in ("size", "shape") \
                    and isinstance(node.args[0], gast.Name) \
                    and concrete(self.shape_now.get(node.args[0].id)):
                shape = self.shape_now[node.args[0].id]
                return constant(math.prod(shape) if node.func.attr == "size" else shape)
            for field, value in gast.iter_fields(node):
                if isinstance(value, gast.AST):
                    setattr(node, field, fold(value))
                elif isinstance(value, list):
                    value[:] = [fold(v) if isinstance(v, gast.AST) else v for v in value]
            return node
        return fold(expr)


def _basic_index(index):
    """An index value expression made of ints, slices and None (no arrays)."""
    if isinstance(index, gast.Tuple):
        return all(_basic_index(e) for e in index.elts)
    if isinstance(index, gast.Call) and isinstance(index.func, gast.Name) \
            and index.func.id == "slice":
        return True
    return isinstance(index, gast.Constant) and (index.value is None or type(index.value) is int)


def container_names(ops):
    """Names whose adjoints may be lists, tuples or dicts, known before the sweep
    (so that every contribution to them is added with ``rt.add``)."""
    names = set()
    for op in ops:
        if op.kind == "rule" and op.rule.containers:
            names.update(a.id for p, a in op.bindings.items()
                         if p in op.rule.containers and isinstance(a, gast.Name))
        elif op.kind in ("append", "extend", "literal"):
            names.add(op.targets[0])
        elif op.kind in ("pop", "unpack"):
            names.add(op.operands[0])
    copies = [op for op in ops if op.kind == "copy"]
    changed = True
    while changed:
        changed = False
        for op in copies:
            pair = {op.targets[0], op.operands[0]}
            if pair & names and not pair <= names:
                names |= pair
                changed = True
    return names
