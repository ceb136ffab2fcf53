"""Reverse mode: the transformation proper.

The generated function runs the primal statements (the forward sweep), then
walks them backwards (the adjoint sweep), instantiating each statement's rule
and accumulating adjoints of values used more than once::

    def f(x):                    def df(x):
        z = x ** 2                   z = x ** 2
        t = np.sin(x)                t = np.sin(x)
        y = z * t                    y = z * t
        return y                     y_bar = 1.0
                                     z_bar = y_bar * t
                                     t_bar = y_bar * z
                                     x_bar = t_bar * np.cos(x)
                                     x_bar = x_bar + z_bar * 2 * x
                                     return x_bar

(before the optimizer; the output check ``rt.check_scalar`` comes first).
The first contribution to an adjoint assigns it; later ones add to it, so no
adjoint is initialised to zeros.  Broadcasting is undone only where the
symbolic shapes of operand and result can differ.  Calls to the user's own
functions call that function's generated vector-Jacobian product.
"""

import copy
import math

import gast
import numpy as np

from . import primitives, runtime
from . import abstract
from .abstract import SCALAR, concrete
from .activity import Compound, Op
from .errors import NoRuleError, UnsupportedSyntaxError
from .frontend import bind_params, callee
from .normalize import assign, load, store
from .trees import clone, replace_reads

def constant(value):
    return gast.Constant(value=value, kind=None)


def call(func, args, keywords=()):
    return gast.Call(func=func, args=list(args), keywords=list(keywords))


def attr(base, name):
    return gast.Attribute(value=load(base), attr=name, ctx=gast.Load())


def index_value(node):
    """An index (as written inside ``[]``) as an expression giving its value."""
    if isinstance(node, gast.Slice):
        parts = [constant(None) if p is None else clone(p)
                 for p in (node.lower, node.upper, node.step)]
        if isinstance(parts[2], gast.Constant) and parts[2].value is None:
            parts.pop()  # slice(a, b) and slice(a, b, None) are the same; slice(a) is not
        return call(load("slice"), parts)
    if isinstance(node, gast.Tuple):
        return gast.Tuple(elts=[index_value(e) for e in node.elts], ctx=gast.Load())
    return clone(node)


class Reverse:
    def __init__(self, info, norm, analysis, wrt, mode, session, name, as_tuple):
        self.info = info
        self.norm = norm
        self.an = analysis
        self.wrt = wrt
        self.mode = mode
        self.session = session
        self.name = name
        self.as_tuple = as_tuple
        self.namer = norm.namer
        self.aliases = {a: self._alias(a) for a in ("np", "math", "rt")}
        self.modules = {self.aliases["np"]: np, self.aliases["math"]: math,
                        self.aliases["rt"]: runtime}
        self.adj = {}
        self.owned = set()
        self.dirty = set()
        self.containers = set()
        self.full = set()            # adjoints surely of their primal's exact shape
        self.shape_now = {}          # shapes seen by the op being differentiated
        self.out = []
        self.injections = {}
        self.deps = []

    def _alias(self, name):
        """``np`` / ``math`` keep their usual names when the user's mean the same."""
        modules = {"np": "numpy", "math": "math"}
        if name in modules and name not in self.norm.versions:
            try:
                value = self.info.lookup(name)
            except (KeyError, AttributeError):
                value = None
            if getattr(value, "__name__", None) == modules[name]:
                return name
        return self.namer.fresh(name)

    # --- helpers -----------------------------------------------------------
    def rt(self, helper, *args):
        return call(attr(self.aliases["rt"], helper), args)

    def fail(self, cls, node, message, hint=None):
        raise cls(message, function=self.info.name, filename=self.info.filename,
                  lineno=getattr(node, "lineno", None),
                  col=getattr(node, "col_offset", None), hint=hint)

    def emit(self, node, where=None):
        if where is not None:
            gast.copy_location(node, where)
        self.out.append(node)

    def is_active(self, atom):
        return isinstance(atom, gast.Name) and self.an.active(atom.id)

    def primitive_of(self, expr):
        """The primitive a call in the generated code makes, or None."""
        return primitives.of_call(expr, self.modules)

    def is_fresh(self, expr):
        """Is ``expr`` surely a new object (an adjoint that may be updated in place)?"""
        if isinstance(expr, (gast.BinOp, gast.UnaryOp)):
            return True
        called = self.primitive_of(expr)
        return called is not None and called.fresh

    def accumulate(self, name, expr, clean=True, where=None):
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

    @property
    def primal_of(self):
        return {bar: name for name, bar in self.adj.items()}

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
        leaves = []

        def collect(node):
            if isinstance(node, gast.BinOp):
                collect(node.left)
                collect(node.right)
            elif isinstance(node, gast.UnaryOp):
                collect(node.operand)
            elif isinstance(node, gast.Call) and getattr(
                    self.primitive_of(node), "shape", None) in ("elementwise", "broadcast"):
                for a in node.args:
                    collect(a)
            else:
                leaves.append(node)
        collect(expr)
        for leaf in leaves:
            if not isinstance(leaf, gast.Name):
                continue
            if leaf.id in self.full and self.shape_now.get(self.primal_of.get(leaf.id)) == shape:
                return True
            if leaf.id not in self.primal_of and self.shape_now.get(leaf.id) == shape:
                return True
        return False

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
                self.emit(assign(bar, call(attr(self.aliases["np"], "zeros"),
                                           [constant(shape)])), where)
                self.emit(assign(gast.Subscript(value=load(bar), slice=_index_node(index),
                                                ctx=gast.Store()), g), where)
                self.full.add(bar)
            else:
                self.emit(assign(bar, self.rt("scatter", load(name), index, g)), where)
        elif (self.adj[name] in self.owned and concrete(shape) and shape
                                 and basic and self.adj[name] in self.full):
            bar = self.adj[name]
            self.emit(gast.AugAssign(target=gast.Subscript(
                value=load(bar), slice=_index_node(index), ctx=gast.Store()),
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
            return call(attr(self.aliases["np"], "sum"), [expr])
        if sure and concrete(operand) and concrete(result):
            lead = len(result) - len(operand)
            axes = tuple(range(lead)) + tuple(
                i + lead for i, n in enumerate(operand) if n == 1 and result[i + lead] != 1)
            summed = call(attr(self.aliases["np"], "sum"), [expr], [gast.keyword(
                arg="axis", value=constant(axes[0] if len(axes) == 1 else axes))])
            if tuple(d for i, d in enumerate(result) if i not in axes) != operand:
                summed = call(attr(self.aliases["np"], "reshape"),
                              [summed, constant(operand)])
            return summed
        if self.has_lazy:  # the adjoint may be a scalar standing for the result's shape
            return self.rt("unbroadcast", expr, load(atom.id), load(target))
        if operand == SCALAR:
            return call(attr(self.aliases["np"], "sum"), [expr])
        return self.rt("unbroadcast", expr, load(atom.id))

    # --- statements ----------------------------------------------------------
    def adjoint_of(self, op):
        kind = op.kind
        stmt = op.stmt
        self.shape_now = dict(op.shapes or {})
        if kind == "copy":
            t = op.targets[0]
            if t in self.containers:
                self.containers.add(op.operands[0])
            self.accumulate(op.operands[0], load(self.adj[t]), t not in self.dirty, stmt)
        elif kind == "rule":
            self.rule(op)
        elif kind == "subscript":
            t = op.targets[0]
            value = stmt.value
            self.containers.add(value.value.id)
            self.scatter(value.value.id, index_value(value.slice), load(self.adj[t]), stmt)
        elif kind == "literal":
            t = op.targets[0]
            value = stmt.value
            if isinstance(value, gast.Dict):
                pairs = [(clone(k), v) for k, v in zip(value.keys, value.values)]
            else:
                pairs = [(constant(i), v) for i, v in enumerate(value.elts)]
            for key, elt in pairs:
                if self.is_active(elt):
                    part = self.rt("part", load(self.adj[t]), key)
                    self.accumulate(elt.id, part, False, stmt)
        elif kind == "unpack":
            src = op.operands[0]
            parts = gast.Tuple(elts=[load(self.adj[n]) if n in self.adj else constant(None)
                                     for n in op.targets], ctx=gast.Load())
            self.containers.add(src)
            self.accumulate(src, self.rt("pack", load(src), parts), False, stmt)
        elif kind in ("user", "local"):
            self.user_call(op)
        elif kind == "write":
            self.write_adjoint(op)
        elif kind in ("append", "extend"):
            self.append_adjoint(op)
        elif kind == "pop":
            self.pop_adjoint(op)
        else:
            self.fail(NoRuleError, stmt, f"no derivative rule for {op.callee_name}")

    def pop_adjoint(self, op):
        """``v = lst.pop()``: v's adjoint goes back onto the end of the list's."""
        lst, v = op.operands[0], op.targets[0]
        if lst not in self.adj or not self.an.active(lst):
            return
        v_bar = load(self.adj[v]) if v in self.adj and self.an.active(v) else constant(0.0)
        bar = self.adj[lst]
        self.emit(assign(bar, self.rt("unpop", load(bar), v_bar, load(lst))), op.stmt)
        self.dirty.add(lst)

    def exact(self, op, bindings):
        """The adjoint as plain NumPy where the operands' exact shapes are known
        and the result's adjoint is full (``g @ y.T`` for ``x @ y``)."""
        rule = op.rule
        if rule.exact is None:
            return False
        t = op.targets[0]
        g = self.adj[t]
        atoms = [bindings.get(p) for p in rule.signature]
        shapes = [_shape_of_atom(a, self.shape_now) for a in atoms]
        if not all(concrete(s) for s in shapes):
            return False
        if g not in self.full and len(self.shape_now.get(t) or ()) > 0:
            return False
        template = rule.exact(shapes)
        if template is None:
            return False
        values = {template.params[0]: load(t), **dict(zip(template.params[1:], atoms))}
        stmts, contributions = template.instantiate(values, lambda p: g, self.aliases,
                                                    self.namer)
        for stmt in stmts:
            self.emit(stmt, op.stmt)
        for c in contributions:
            atom = values[c.param]
            if self.is_active(atom):
                self.accumulate(atom.id, c.expr, t not in self.dirty, op.stmt)
                if self.adj.get(atom.id) and atom.id not in self.accumulated:
                    self.full.add(self.adj[atom.id])
        return True

    def lazy_reduction_possible(self, op):
        return op.kind == "rule" and op.rule.lazy is not None and any(
            self.an.active(t) for t in op.targets)

    def lazy_reduction(self, op):
        """A full reduction (``np.sum(a)``, ``np.mean(a)``): its adjoint is a
        scalar that stands for a constant array of the operand's shape
        (materialised only where a shape is needed: ``rt.unbroadcast`` with the
        result, ``rt.like``, the end).  Returns (operand, that scalar) or None."""
        if op.kind != "rule" or op.rule.lazy is None:
            return None
        bound = op.bindings
        axis, keepdims = bound.get("axis"), bound.get("keepdims")
        if axis is not None and not (isinstance(axis, gast.Constant) and axis.value is None):
            return None
        if keepdims is not None and not (isinstance(keepdims, gast.Constant)
                                         and keepdims.value is False):
            return None
        t = op.targets[0]
        template = op.rule.lazy
        stmts, (contribution,) = template.instantiate(
            {template.params[0]: load(t), **bound}, lambda p: self.adj[t], self.aliases,
            self.namer)
        return contribution.param, self.fold_shapes(contribution.expr)

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

    def write_adjoint(self, op):
        """``y[i] = v``: v gets y's adjoint at i, which is then zero (overwritten)."""
        stmt = op.stmt
        target = stmt.targets[0]
        y = target.value.id
        value = stmt.value
        bar = self.adj[y]
        index = index_value(target.slice)
        if self.is_active(value):
            part = self.namer.fresh(f"{value.id}_part")
            self.emit(assign(gast.Tuple(elts=[store(part), store(bar)], ctx=gast.Store()),
                             self.rt("unwrite", load(bar), index, load(y))), stmt)
            self.accumulate(value.id, self.rt("unbroadcast", load(part), load(value.id)),
                            True, stmt)
        else:
            self.emit(assign(bar, self.rt("unwrite", load(bar), index, load(y),
                                          constant(False))), stmt)

    def append_adjoint(self, op):
        """``lst.append(v)``: v gets the adjoint of the last element."""
        stmt = op.stmt
        lst = stmt.value.func.value.id
        value = stmt.value.args[0]
        bar = self.adj[lst]
        helper = "unappend" if op.kind == "append" else "unextend"
        args = [load(bar)] + ([clone(value)] if op.kind == "extend" else [])
        if self.is_active(value):
            part = self.namer.fresh(f"{value.id}_part")
            self.emit(assign(gast.Tuple(elts=[store(part), store(bar)], ctx=gast.Store()),
                             self.rt(helper, *args)), stmt)
            self.accumulate(value.id, load(part), False, stmt)
        else:
            self.emit(assign(gast.Tuple(elts=[store("_"), store(bar)], ctx=gast.Store()),
                             self.rt(helper, *args)), stmt)

    def rule(self, op):
        t = op.targets[0]
        rule = op.rule
        bindings = dict(op.bindings)
        template = rule.adjoint
        result_param = template.params[0]
        values = {result_param: load(t), **bindings}
        upstream = self.adj[t]
        self.shape_now = dict(op.shapes or {})
        if self.exact(op, bindings):
            return
        if not rule.takes_placeholder \
                and (self.accumulated or self.has_lazy) and upstream not in self.full:
            # with control flow an adjoint may still be the zero placeholder 0.0
            upstream = self.namer.fresh(f"{t}_bar_full")
            self.emit(assign(upstream, self.rt("like", load(self.adj[t]), load(t))),
                      op.stmt)
        stmts, contributions = template.instantiate(
            values, lambda p: upstream, self.aliases, self.namer)
        for s in stmts:
            self.emit(s, op.stmt)
        covered = {c.param for c in contributions} | set(rule.passive)
        for param, atom in bindings.items():
            if self.is_active(atom) and param not in covered:
                self.fail(NoRuleError, op.stmt,
                          f"{op.callee_name} has no derivative with respect to its "
                          f"argument '{param}'",
                          "wrap that argument in srcdiff.stop_gradient(...) if its "
                          "derivative should be zero")
        upstream_clean = t not in self.dirty
        lazy = self.lazy_reduction(op)
        if lazy is not None:
            atom = bindings[lazy[0]]
            if self.is_active(atom):
                self.accumulate(atom.id, lazy[1], False, op.stmt)
            return
        for c in contributions:
            atom = bindings.get(c.param)
            if not self.is_active(atom):
                continue
            expr = c.expr
            if c.param in rule.containers:
                self.containers.add(atom.id)
            clean = rule.takes_placeholder and upstream_clean
            if rule.broadcasts:
                expr = self.unbroadcast(expr, atom, t, op.shapes or {})
            self.accumulate(atom.id, expr, clean, op.stmt)

    def user_call(self, op):
        stmt = op.stmt
        node = op.call
        args = list(node.args)
        keywords = list(node.keywords)
        info, fn, key, prefix, lifted = callee(self, op)
        args = args + lifted
        bound = bind_params(fn, prefix + args, keywords)
        if bound is None:
            self.fail(UnsupportedSyntaxError, stmt,
                      f"cannot match the arguments of the call to {op.callee_name}")
        active = [p for p, atom in bound.items() if self.is_active(atom)]
        if not active:
            return
        order = [p.id for p in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        active.sort(key=order.index)
        unit = self.session.vjp_unit(info, active, key, self.argument_shapes(op, bound))
        ref = self.reference(unit)
        def shaped(n):
            # a helper's adjoint code takes its seed at face value: a zero
            # placeholder or a reduction's scalar is given the output's shape
            bar = self.adj[n]
            if (self.has_lazy or self.accumulated) and bar not in self.full:
                return self.rt("like", load(bar), load(n))
            return load(bar)

        if len(op.targets) > 1:
            seed = gast.Tuple(elts=[shaped(n) if n in self.adj
                                    else self.rt("zeros_like", load(n))
                                    for n in op.targets], ctx=gast.Load())
        else:
            seed = shaped(op.targets[0])
        vjp_call = call(load(ref), [seed] + prefix + list(node.args)
                        + ([load(n) for n in op.callee.lifted] if op.kind == "local" else []),
                        clone(keywords))
        if len(active) == 1:
            self.accumulate(bound[active[0]].id, vjp_call, False, stmt)
            return
        parts = [self.namer.fresh(f"{bound[p].id}_bar") for p in active]
        self.emit(assign(gast.Tuple(elts=[store(n) for n in parts], ctx=gast.Store()),
                         vjp_call), stmt)
        for p, part in zip(active, parts):
            self.accumulate(bound[p].id, load(part), False, stmt)

    def argument_shapes(self, op, bound):
        """The exact shapes of a helper's arguments at this call (parameter ->
        shape), where known: its derivative is specialised on them."""
        known = {}
        for p, atom in bound.items():
            shape = abstract.shape_of(atom, op.shapes or {})
            if concrete(shape) or isinstance(shape, (abstract.Elements, abstract.Items)):
                known[p] = shape
        return known or None

    def reference(self, unit):
        """The local name under which a helper unit's function is reachable."""
        if unit.name == self.name:
            return unit.name  # recursion: the function itself
        for name, dep in self.injections.items():
            if dep is unit:
                return name
        name = self.namer.fresh(unit.name)
        self.injections[name] = unit
        self.deps.append(unit)
        return name

    def check_scalar(self, result):
        """The check that the output is a scalar, on the cheapest witness: none
        when its shape is known to be scalar, else the argument whose shape it
        has (so the output itself need not be computed), else the output.
        Returns the statements and whether they may come first (an argument
        is the witness)."""
        shape = self.an.shapes.get(result)
        if shape == SCALAR:
            return [], False
        witness = result
        if isinstance(shape, tuple) and len(shape) == 2 and shape[1] in self.norm.params:
            witness = shape[1]
        test = gast.Compare(left=call(load("type"), [load(witness)]), ops=[gast.IsNot()],
                            comparators=[load("float")])
        check = gast.Expr(value=self.rt("check_scalar", load(witness),
                                        constant(self.info.name)))
        return [gast.If(test=test, body=[check], orelse=[])], witness in self.norm.params

    # --- the whole function -------------------------------------------------------
    # --- blocks and control flow ------------------------------------------------
    def categorize(self, tree):
        """Which adjoints are assigned by their first contribution ("local": one
        definition, every use after it in the same block) and which are set to
        zero at the start of the adjoint sweep and added to ("accumulated")."""
        defs, uses, mutated = {}, {}, set()
        for p in self.norm.params:
            defs.setdefault(p, []).append((id(tree), -1))

        def visit(block, in_loop, path=()):
            for pos, node in enumerate(block):
                if isinstance(node, Compound):
                    node_in_loop[id(node)] = in_loop
                    if node.target:
                        defs.setdefault(node.target, []).append((id(node.body), -1))
                    loop = in_loop or node.kind in ("for", "while")
                    branch = ((id(node), 0),) if node.kind == "if" else ()
                    visit(node.body, loop, path + branch)
                    visit(node.orelse, in_loop, path + ((id(node), 1),))
                    for n in _loads_of(node):
                        uses.setdefault(n, []).append((id(block), pos))
                    continue
                node_in_loop[id(node)] = in_loop
                self.branch_path[id(node)] = dict(path)
                if node.kind == "pop":
                    mutated.add(node.operands[0])
                if node.kind in ("write", "append", "extend"):
                    mutated.update(node.targets)
                else:
                    for t in node.targets:
                        defs.setdefault(t, []).append((id(block), pos))
                for n in node.operands:
                    uses.setdefault(n, []).append((id(block), pos))

        node_in_loop = {}
        self.branch_path = {}   # id(op) -> {id(if): 0 (body) or 1 (else)}
        blocks = {}

        def collect(block):
            blocks[id(block)] = block
            for node in block:
                if isinstance(node, Compound):
                    collect(node.body)
                    collect(node.orelse)
        collect(tree)
        visit(tree, False)
        self.node_in_loop = node_in_loop
        self.remat = self.rematerializable(defs, uses, blocks, mutated)
        accumulated = set()
        for name in set(defs) | set(uses) | mutated:
            d = defs.get(name, [])
            if name in mutated or len(d) != 1:
                accumulated.add(name)
                continue
            (block, pos), = d
            if any(ub != block or up <= pos for ub, up in uses.get(name, [])):
                accumulated.add(name)
        self.accumulated = {n for n in accumulated if self.an.active(n)}
        self.containers |= {op.targets[0] for op in self.an.ops
                            if op.kind in ("append", "extend")}
        self.containers |= _container_names(self.an.ops)
        self.defs = defs
        self.mutated = mutated

    def rematerializable(self, defs, uses, blocks, mutated):
        """Values inside loops that the adjoint sweep recomputes instead of
        saving, when their operands are not reassigned before the value's last
        use in the same block: a temporary of one arithmetic operation
        (``t = 0.1 * x`` used by ``u = t * x``), and an element of a container
        that nothing changes (``x_t = xs[k]``).  Nothing is pushed for them."""
        remat = {}
        elements = sorted(n for n, d in defs.items() if len(d) == 1 and n not in mutated)
        for name in sorted(self.norm.temps) + elements:  # (the pruning depends on order)
            d = defs.get(name, [])
            if len(d) != 1:
                continue
            (block_id, pos), = d
            block = blocks.get(block_id)
            if block is None or pos < 0:
                continue
            op = block[pos]
            if not isinstance(op, Op) or not self.node_in_loop.get(id(op)):
                continue
            value = op.stmt.value if isinstance(op.stmt, gast.Assign) else None
            arithmetic = name in self.norm.temps and isinstance(value, (gast.BinOp,
                                                                          gast.UnaryOp))
            element = op.kind == "subscript" and isinstance(value.value, gast.Name) \
                and value.value.id not in mutated
            if not (arithmetic or element):
                continue
            operands = set(op.operands)
            us = uses.get(name, [])
            if not us or any(ub != block_id or up <= pos for ub, up in us):
                continue
            last = max(up for _, up in us)
            between = block[pos + 1:last + 1]  # the uses may not reassign operands either
            if any(isinstance(n, Compound) or operands & set(n.targets) for n in between):
                continue
            if any(isinstance(block[up], Compound) for _, up in us):
                continue
            remat[name] = op.stmt.value
        # recomputing needs the operands' own values: no chains of recomputation
        # (an element read by another recomputed value is saved: that costs a
        # reference, saving an arithmetic result costs an array)
        read = {n.id for value in remat.values() for n in gast.walk(value)
                if isinstance(n, gast.Name)}
        for name in sorted(read & set(remat)):
            if isinstance(remat[name], gast.Subscript):
                del remat[name]
        changed = True
        while changed:
            changed = False
            for name, value in list(remat.items()):
                reads = {n.id for n in gast.walk(value) if isinstance(n, gast.Name)}
                if reads & set(remat):
                    del remat[name]
                    changed = True
        return remat

    def recompute(self, start, node):
        """Put back the recomputed temporaries the adjoint statements from
        ``start`` on read: in place of a single read, else assigned first."""
        reads = [n.id for stmt in self.out[start:] if isinstance(stmt, gast.AST)
                 for n in gast.walk(stmt) if isinstance(n, gast.Name)
                 and isinstance(n.ctx, gast.Load)]
        again = []
        for t in sorted(set(reads) & set(self.remat)):
            if t not in node.operands and t not in node.targets:
                continue
            if reads.count(t) == 1:
                value = self.remat[t]
                self.out[start:] = [
                    replace_reads(stmt, (t,), lambda n: gast.copy_location(clone(value), n))
                    if isinstance(stmt, gast.AST) else stmt for stmt in self.out[start:]]
            else:
                again.append(assign(t, clone(self.remat[t])))
        self.out[start:start] = again

    def needs_push(self, name, node):
        """Does this assignment overwrite a value the adjoint sweep may read?"""
        if name in self.remat:
            return False
        if name in self.norm.params:
            return True
        if self.node_in_loop.get(id(node)):
            return True
        # an earlier definition overwritten here, unless it sits in the other
        # branch of an if that also holds this one (then it never ran before)
        here = self.branch_path.get(id(node), {})
        for earlier in self.defs_in_order.get(name, []):
            if earlier is node:
                return False
            there = self.branch_path.get(id(earlier), {})
            if not any(k in there and there[k] != v for k, v in here.items()):
                return True
        return False

    def forward(self, nodes):
        out = []
        for node in nodes:
            if isinstance(node, Compound):
                out.extend(self.forward_compound(node))
                continue
            if node.kind == "write":
                y = node.targets[0]
                index = node.stmt.targets[0].slice
                out.append(_Push(y, index_value(index)))
            elif node.kind not in ("append", "extend", "def"):
                for t in node.targets:
                    if self.needs_push(t, node):
                        out.append(_Push(t))
            out.append(node.stmt)
        return out

    def forward_compound(self, node):
        stmt = node.stmt
        if node.kind == "if":
            return [gast.If(test=stmt.test, body=self.forward(node.body) or [gast.Pass()],
                            orelse=self.forward(node.orelse))]
        body = self.forward(node.body)
        pre, post = [], []
        trips = None
        if node.kind == "while" or _has_break(node.body):
            trips = self.namer.fresh("trips")
            pre.append(assign(trips, constant(0)))
            body = [assign(trips, gast.BinOp(left=load(trips), op=gast.Add(),
                                             right=constant(1)))] + body
            if self.node_in_loop.get(id(node)):
                post.append(_Push(trips))
        self.trips[id(node)] = trips
        if node.kind == "while":
            loop = gast.While(test=constant(True), body=body, orelse=[])
        else:
            loop = gast.For(target=stmt.target, iter=stmt.iter, body=body, orelse=[],
                            type_comment=None)
        gast.copy_location(loop, stmt)
        return pre + [loop] + post

    def backward(self, nodes):
        saved = self.out
        self.out = []
        try:
            for node in reversed(nodes):
                if isinstance(node, Compound):
                    self.backward_compound(node)
                    continue
                if node.kind == "pop":
                    self.pop_adjoint(node)
                elif node.kind not in ("nondiff", "def", "effect") and \
                        any(t in self.adj for t in node.targets) and \
                        any(self.an.active(t) for t in node.targets):
                    start = len(self.out)
                    self.adjoint_of(node)
                    self.recompute(start, node)
                if node.kind not in ("write", "append", "extend", "def"):
                    for t in node.targets:
                        if t in self.accumulated and t in self.adj \
                                and self.needs_push(t, node):
                            self.emit(assign(self.adj[t], constant(0.0)))
                if node.kind == "pop":  # the list gets the popped value back first
                    self.out.append(_Pop(node.operands[0], kind="pop",
                                         value=node.targets[0]))
                if node.kind == "write":
                    y = node.targets[0]
                    self.out.append(_Pop(y, index_value(node.stmt.targets[0].slice)))
                elif node.kind in ("append", "extend"):
                    self.out.append(_Pop(node.targets[0], kind=node.kind,
                                         value=node.stmt.value.args[0]))
                elif node.kind != "def":
                    for t in reversed(node.targets):
                        if self.needs_push(t, node):
                            self.out.append(_Pop(t))
            return self.out
        finally:
            self.out = saved

    def backward_compound(self, node):
        stmt = node.stmt
        if node.kind == "if":
            body = self.backward(node.body)
            orelse = self.backward(node.orelse)
            self.out.append(gast.If(test=clone(stmt.test), body=body or [gast.Pass()],
                                    orelse=orelse))
            return
        body = self.backward(node.body)
        trips = self.trips[id(node)]
        if trips is not None and self.node_in_loop.get(id(node)):
            self.out.append(_Pop(trips))
        if node.kind == "while":
            header = call(load("range"), [load(trips)])
            target = store(self.namer.fresh("_"))
        else:
            rng = clone(stmt.iter)
            if trips is not None:
                rng = gast.Subscript(value=rng, slice=gast.Slice(lower=None, upper=load(trips),
                                                               step=None), ctx=gast.Load())
            header = call(load("reversed"), [rng])
            target = clone(stmt.target)
        loop = gast.For(target=target, iter=header, body=body or [gast.Pass()], orelse=[],
                        type_comment=None)
        gast.copy_location(loop, stmt)
        self.out.append(loop)

    def finalize(self, nodes, needed):
        """Placeholders -> stack operations for the values the adjoint sweep reads;
        blocks left empty are dropped."""
        out = []
        for node in nodes:
            if isinstance(node, (_Push, _Pop)):
                out.extend(self.stack_op(node, needed))
                continue
            if isinstance(node, gast.If):
                body = self.finalize(node.body, needed)
                orelse = self.finalize(node.orelse, needed)
                if not _effective(body) and not _effective(orelse):
                    continue
                out.append(gast.copy_location(gast.If(
                    test=node.test, body=body or [gast.Pass()], orelse=orelse), node))
                continue
            if isinstance(node, (gast.For, gast.While)):
                body = self.finalize(node.body, needed)
                if not _effective(body):
                    continue
                new = copy.copy(node)
                new.body = body or [gast.Pass()]
                out.append(new)
                continue
            out.append(node)
        return out

    def stack_op(self, node, needed):
        name = node.name
        if name not in needed:
            return []
        stack = self.stacks.get(name)
        if stack is None:
            stack = self.stacks[name] = self.namer.fresh(f"{name}_stack")
        if not isinstance(node, _Pop):
            if node.kind in ("append", "extend"):
                return []
            value = load(name)
            if node.index is not None:
                value = call(attr(self.aliases["np"], "copy"), [gast.Subscript(
                    value=load(name), slice=_index_node(node.index), ctx=gast.Load())])
            return [gast.Expr(value=call(attr(stack, "append"), [value]))]
        if node.kind == "append":
            return [gast.Expr(value=call(attr(name, "pop"), []))]
        if node.kind == "pop":
            return [gast.Expr(value=call(attr(name, "append"), [load(node.value)]))]
        if node.kind == "extend":
            return [gast.Expr(value=self.rt("unextend_list", load(name), node.value))]
        popped = call(attr(stack, "pop"), [])
        if node.index is not None:
            return [assign(gast.Subscript(value=load(name), slice=_index_node(node.index),
                                          ctx=gast.Store()), popped)]
        return [assign(name, popped)]

    def run(self):
        norm = self.norm
        tree = self.an.tree
        self.categorize(tree)
        self.has_lazy = any(self.lazy_reduction_possible(op) for op in self.an.ops)
        self.first_def = {}
        self.defs_in_order = {}
        for op in self.an.ops:
            for t in op.targets:
                self.first_def.setdefault(t, op)
                self.defs_in_order.setdefault(t, []).append(op)
        self.trips = {}
        self.stacks = {}
        forward = self.forward(tree)
        result = norm.result
        active_out = isinstance(result, gast.Name) and result.id in self.an.varied
        seed_param = None
        for name in sorted(self.accumulated):
            self.adj[name] = self.namer.adjoint(name)
        sweep_start, checks, checks_first = [], [], False
        if active_out:
            sweep_start = [assign(self.adj[n], constant(0.0)) for n in sorted(self.accumulated)
                           if n != result.id]
        if self.mode == "vjp":
            seed_param = self.namer.adjoint(result.id if isinstance(result, gast.Name)
                                            else "y")
            if active_out:
                if result.id in self.accumulated:
                    sweep_start.append(assign(self.adj[result.id],
                                              self.rt("fresh", load(seed_param))))
                else:
                    self.adj[result.id] = seed_param
        elif active_out:
            bar = self.adj.get(result.id) or self.namer.adjoint(result.id)
            self.adj[result.id] = bar
            checks, checks_first = self.check_scalar(result.id)
            sweep_start.append(assign(bar, constant(1.0)))
        elif isinstance(result, gast.Name):
            checks, checks_first = self.check_scalar(result.id)
        backward = self.backward(tree) if active_out else []
        needed = _primal_reads(sweep_start + checks, self)
        while True:  # values read by emitted restores are needed too; pruning shrinks
            rev = self.finalize(backward, needed)
            new_needed = needed | _primal_reads(rev, self)
            if new_needed == needed:
                break
            needed = new_needed
        fwd = self.finalize(forward, needed)
        rev = self.finalize(backward, needed)
        inits = [assign(n, constant(None)) for n in sorted(self.stacks)
                 if n not in norm.params and self.first_def.get(n) is not None
                 and not self.defined_before_use(n)]
        stacks = [assign(self.stacks[n], gast.List(elts=[], ctx=gast.Load()))
                  for n in sorted(self.stacks)]
        # the output check goes first when it tests an argument, else after the
        # forward sweep
        if checks_first:
            inits = checks + inits
        else:
            sweep_start = checks + sweep_start
        kept = []
        if self.mode == "value_and_grad" and isinstance(result, gast.Name) \
                and result.id in self.stacks:
            # the adjoint sweep restores overwritten values: keep the one f returns
            value_name = self.namer.fresh("value")
            kept = [assign(value_name, load(result.id))]
            result = load(value_name)
        self.out = inits + stacks + fwd + kept + sweep_start + rev
        grads = []
        for p in self.wrt:
            if p in self.adj and self.an.active(p):
                g = load(self.adj[p])
                if self.mode != "vjp" and p in self.dirty:
                    g = self.rt("cast_grad", g, load(p))
            else:
                g = self.rt("zeros_like", load(p))
            grads.append(g)
        if len(grads) == 1 and not self.as_tuple:
            value = grads[0]
        else:
            value = gast.Tuple(elts=grads, ctx=gast.Load())
        if self.mode == "value_and_grad":
            value = gast.Tuple(elts=[clone(result), value], ctx=gast.Load())
        self.out.append(gast.Return(value=value))
        args = clone(norm.args)
        for a in args.posonlyargs + args.args + args.kwonlyargs:
            a.annotation = None
        if seed_param is not None:
            if args.posonlyargs:
                args.posonlyargs.insert(0, store(seed_param))
            else:
                args.args.insert(0, store(seed_param))
        fn = gast.FunctionDef(name=self.name, args=args, body=self.out, decorator_list=[],
                              returns=None, type_comment=None, type_params=[])
        return fn

    def defined_before_use(self, name):
        """Is ``name`` surely assigned at top level before any loop or branch?"""
        for node in self.an.tree:
            if isinstance(node, Compound):
                return False
            if name in node.targets and node.kind not in ("write", "append", "extend"):
                return True
        return False


class _Push:
    def __init__(self, name, index=None, kind=None, value=None):
        self.name, self.index, self.kind, self.value = name, index, kind, value


class _Pop(_Push):
    pass


def _basic_index(index):
    """An index value expression made of ints, slices and None (no arrays)."""
    if isinstance(index, gast.Tuple):
        return all(_basic_index(e) for e in index.elts)
    if isinstance(index, gast.Call) and isinstance(index.func, gast.Name) \
            and index.func.id == "slice":
        return True
    return isinstance(index, gast.Constant) and (index.value is None or type(index.value) is int)


def _index_node(index):
    """An index value expression back as subscript syntax (``slice(a, b)`` -> ``a:b``)."""
    if isinstance(index, gast.Call) and isinstance(index.func, gast.Name) \
            and index.func.id == "slice":
        parts = list(index.args) + [None] * (3 - len(index.args))
        parts = [None if isinstance(p, gast.Constant) and p.value is None else p
                 for p in parts]
        return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[_index_node(e) for e in index.elts], ctx=gast.Load())
    return clone(index)


def _has_break(nodes):
    for node in nodes:
        if isinstance(node, Compound):
            if node.kind == "if" and (_has_break(node.body) or _has_break(node.orelse)):
                return True
        elif isinstance(node.stmt, gast.Break):
            return True
    return False


def _loads_of(node):
    names = []
    if node.kind == "if" and isinstance(node.test, gast.Name):
        names.append(node.test.id)
    if node.kind == "for" and isinstance(node.iter, gast.Name):
        names.append(node.iter.id)
    return names


def _effective(block):
    return any(not isinstance(s, gast.Pass) for s in block)


def _placeholder_loops(nodes):
    for node in nodes:
        if isinstance(node, (gast.For, gast.While)):
            yield node
            yield from _placeholder_loops(node.body)
        elif isinstance(node, gast.If):
            yield from _placeholder_loops(node.body)
            yield from _placeholder_loops(node.orelse)


def _primal_reads(block, rev):
    """Primal names the adjoint sweep reads, not counting the restores of a
    name itself (adjoints and stacks excluded)."""
    skip = set(rev.adj.values()) | set(rev.stacks.values())
    reads = set()
    for node in block:
        if isinstance(node, gast.Assign) and isinstance(node.value, gast.Call) \
                and isinstance(node.value.func, gast.Attribute) \
                and node.value.func.attr == "pop" and isinstance(node.value.func.value,
                                                                 gast.Name) \
                and node.value.func.value.id in skip:
            target = node.targets[0]
            if isinstance(target, gast.Subscript):
                reads.update(n.id for n in gast.walk(target.slice) if isinstance(n, gast.Name))
            continue
        if isinstance(node, gast.Expr) and isinstance(node.value, gast.Call) and (
                isinstance(node.value.func, gast.Attribute)
                and node.value.func.attr in ("pop", "unextend_list")):
            continue
        for n in gast.walk(node):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id not in skip:
                reads.add(n.id)
    return reads




def _shape_of_atom(atom, shapes):
    if isinstance(atom, gast.Name):
        return shapes.get(atom.id)
    if isinstance(atom, gast.Constant) and isinstance(atom.value, (int, float)):
        return ()
    return None


def _container_names(ops):
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
