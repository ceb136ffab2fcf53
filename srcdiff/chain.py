"""The chain rule, one operation at a time: the adjoint statements of each
operation of the core form (``ChainRule.adjoint_of``), in the adjoint sweep.

A primitive's adjoint rule is instantiated with the result's adjoint as its
seed, and each contribution is added to the adjoint of its operand (summed
back where the operand was broadcast)::

    y = x * b                 x_bar = y_bar * b
                              b_bar = np.sum(y_bar * x, axis=0)

Copies, subscripts, literals, unpacking and the list methods have theirs
written here; a call of the user's own function is ``calls.HelperCalls``'.
"""

import gast

from .abstract import SCALAR, concrete
from .activity import no_derivative_hint
from .errors import NoRuleError, located
from .trees import assign, clone, constant, index_value, load, store


class ChainRule:
    """The adjoint statements of the operations of one function, written into
    ``adjoints``; ``calls`` writes those of calls of user helpers."""

    def __init__(self, info, norm, analysis, adjoints, aliases, calls, numbers=False):
        self.info = info
        self.norm = norm
        self.an = analysis
        self.adjoints = adjoints
        self.aliases = aliases
        self.namer = norm.namer
        self.calls = calls
        self.numbers = numbers          # may functions of numbers call the math module?
        self.numbers_used = False
        self.batchable = set()          # ids of additions batching.py may batch

    def is_active(self, atom):
        return isinstance(atom, gast.Name) and self.an.active(atom.id)

    def adjoint_of(self, op):
        """Emit the adjoint statements of ``op``."""
        adjoints = self.adjoints
        kind = op.kind
        stmt = op.stmt
        adjoints.shape_now = dict(op.shapes or {})
        if kind == "copy":
            t = op.targets[0]
            if t in adjoints.containers:
                adjoints.containers.add(op.operands[0])
            adjoints.accumulate(op.operands[0], load(adjoints.adj[t]), t not in adjoints.dirty,
                                stmt)
        elif kind == "rule":
            self.rule(op)
        elif kind == "subscript":
            t = op.targets[0]
            value = stmt.value
            adjoints.containers.add(value.value.id)
            adjoints.scatter(value.value.id, index_value(value.slice), load(adjoints.adj[t]), stmt)
        elif kind == "literal":
            t = op.targets[0]
            value = stmt.value
            if isinstance(value, gast.Dict):
                pairs = [(clone(k), v) for k, v in zip(value.keys, value.values)]
            else:
                pairs = [(constant(i), v) for i, v in enumerate(value.elts)]
            for key, elt in pairs:
                if self.is_active(elt):
                    part = adjoints.rt("part", load(adjoints.adj[t]), key)
                    adjoints.accumulate(elt.id, part, False, stmt)
        elif kind == "unpack":
            src = op.operands[0]
            parts = gast.Tuple(elts=[load(adjoints.adj[n]) if n in adjoints.adj else constant(None)
                                     for n in op.targets], ctx=gast.Load())
            adjoints.containers.add(src)
            adjoints.accumulate(src, adjoints.rt("pack", load(src), parts), False, stmt)
        elif kind in ("user", "local"):
            self.calls.adjoint_of(op)
        elif kind == "write":
            self.write_adjoint(op)
        elif kind in ("append", "extend"):
            self.append_adjoint(op)
        elif kind == "pop":
            self.pop_adjoint(op)
        else:
            raise located(NoRuleError, self.info, stmt, f"no derivative rule for {op.callee_name}")

    def pop_adjoint(self, op):
        """``v = lst.pop()``: v's adjoint goes back onto the end of the list's."""
        adjoints = self.adjoints
        lst, v = op.operands[0], op.targets[0]
        if lst not in adjoints.adj or not self.an.active(lst):
            return
        v_bar = load(adjoints.adj[v]) if v in adjoints.adj and self.an.active(v) else constant(0.0)
        bar = adjoints.adj[lst]
        adjoints.emit(assign(bar, adjoints.rt("unpop", load(bar), v_bar, load(lst))), op.stmt)
        adjoints.dirty.add(lst)

    def exact(self, op, bindings):
        """The adjoint as plain NumPy where the operands' exact shapes are known
        and the result's adjoint is full (``g @ y.T`` for ``x @ y``)."""
        adjoints = self.adjoints
        rule = op.rule
        if rule.exact is None:
            return False
        t = op.targets[0]
        g = adjoints.adj[t]
        atoms = [bindings.get(p) for p in rule.signature]
        shapes = [_shape_of_atom(a, adjoints.shape_now) for a in atoms]
        if not all(concrete(s) for s in shapes):
            return False
        if g not in adjoints.full and len(adjoints.shape_now.get(t) or ()) > 0:
            return False
        template = rule.exact(shapes)
        if template is None:
            return False
        values = {template.params[0]: load(t), **dict(zip(template.params[1:], atoms))}
        stmts, contributions = template.instantiate(values, lambda p: g, self.aliases,
                                                    self.namer)
        for stmt in stmts:
            adjoints.emit(stmt, op.stmt)
        for c in contributions:
            atom = values[c.param]
            if self.is_active(atom):
                adjoints.accumulate(atom.id, c.expr, t not in adjoints.dirty, op.stmt)
                if atom.id in adjoints.accumulated:
                    # an addition of a product of 1-D or 2-D factors (batching.py)
                    self.batchable.add(id(adjoints.out[-1]))
                elif adjoints.adj.get(atom.id):
                    adjoints.full.add(adjoints.adj[atom.id])
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
            {template.params[0]: load(t), **bound}, lambda p: self.adjoints.adj[t], self.aliases,
            self.namer)
        return contribution.param, self.adjoints.fold_shapes(contribution.expr)

    def write_adjoint(self, op):
        """``y[i] = v``: v gets y's adjoint at i, which is then zero (overwritten)."""
        adjoints = self.adjoints
        stmt = op.stmt
        target = stmt.targets[0]
        y = target.value.id
        value = stmt.value
        bar = adjoints.adj[y]
        index = index_value(target.slice)
        if self.is_active(value):
            part = self.namer.fresh(f"{value.id}_part")
            adjoints.emit(assign(gast.Tuple(elts=[store(part), store(bar)], ctx=gast.Store()),
                                 adjoints.rt("unwrite", load(bar), index, load(y))), stmt)
            adjoints.accumulate(value.id, adjoints.rt("unbroadcast", load(part), load(value.id)),
                                True, stmt)
        else:
            adjoints.emit(assign(bar, adjoints.rt("unwrite", load(bar), index, load(y),
                                                  constant(False))), stmt)

    def append_adjoint(self, op):
        """``lst.append(v)``: v gets the adjoint of the last element."""
        adjoints = self.adjoints
        stmt = op.stmt
        lst = stmt.value.func.value.id
        value = stmt.value.args[0]
        bar = adjoints.adj[lst]
        helper = "unappend" if op.kind == "append" else "unextend"
        args = [load(bar)] + ([clone(value)] if op.kind == "extend" else [])
        if self.is_active(value):
            part = self.namer.fresh(f"{value.id}_part")
            adjoints.emit(assign(gast.Tuple(elts=[store(part), store(bar)], ctx=gast.Store()),
                                 adjoints.rt(helper, *args)), stmt)
            adjoints.accumulate(value.id, load(part), False, stmt)
        else:
            adjoints.emit(assign(gast.Tuple(elts=[store("_"), store(bar)], ctx=gast.Store()),
                                 adjoints.rt(helper, *args)), stmt)

    def rule(self, op):
        """A call of a primitive: its adjoint rule, or the exact one
        (``exact``), each contribution added to its operand's adjoint."""
        adjoints = self.adjoints
        t = op.targets[0]
        rule = op.rule
        bindings = dict(op.bindings)
        template = rule.adjoint
        result_param = template.params[0]
        values = {result_param: load(t), **bindings}
        upstream = adjoints.adj[t]
        if self.exact(op, bindings):
            return
        if not rule.takes_placeholder \
                and (adjoints.accumulated or adjoints.has_lazy) and upstream not in adjoints.full:
            # with control flow an adjoint may still be the zero placeholder 0.0
            upstream = self.namer.fresh(f"{t}_bar_full")
            adjoints.emit(assign(upstream, adjoints.rt("like", load(adjoints.adj[t]), load(t))),
                          op.stmt)
        stmts, contributions = template.instantiate(
            values, lambda p: upstream, self.aliases, self.namer)
        if self.on_numbers(op):
            for part in stmts + [c.expr for c in contributions]:
                adjoints.on_numbers(part)
            self.numbers_used = True
        for s in stmts:
            adjoints.emit(s, op.stmt)
        covered = {c.param for c in contributions} | set(rule.passive)
        for param, atom in bindings.items():
            if self.is_active(atom) and param not in covered:
                raise located(NoRuleError, self.info, op.stmt,
                              f"{op.callee_name} has no derivative with respect to its "
                              f"argument '{param}'", no_derivative_hint(self.norm, atom))
        upstream_clean = t not in adjoints.dirty
        lazy = self.lazy_reduction(op)
        if lazy is not None:
            atom = bindings[lazy[0]]
            if self.is_active(atom):
                adjoints.accumulate(atom.id, lazy[1], False, op.stmt)
            return
        for c in contributions:
            atom = bindings.get(c.param)
            if not self.is_active(atom):
                continue
            expr = c.expr
            if c.param in rule.containers:
                adjoints.containers.add(atom.id)
            clean = rule.takes_placeholder and upstream_clean
            if rule.broadcasts:
                expr = adjoints.unbroadcast(expr, atom, t, op.shapes or {})
            adjoints.accumulate(atom.id, expr, clean, op.stmt)

    def primal_on_numbers(self):
        """The forward sweep's elementwise primitives of numbers computed by the
        ``math`` module (see ``on_numbers``)."""
        for op in self.an.ops:
            if self.on_numbers(op):
                self.adjoints.on_numbers(op.stmt.value)
                self.numbers_used = True

    def on_numbers(self, op):
        """Does ``op`` apply an elementwise primitive to numbers only, in code
        specialised on argument shapes?  (Its code then calls the ``math``
        module: see ``Adjoints.on_numbers``; a domain error makes the caller
        run the NumPy code instead, see ``derivatives._specializing``.)"""
        return self.numbers and op.kind == "rule" \
            and op.rule.shape in ("elementwise", "broadcast", "scalar") \
            and all(_shape_of_atom(a, op.shapes or {}) == SCALAR
                    for a in op.bindings.values())


def _shape_of_atom(atom, shapes):
    if isinstance(atom, gast.Name):
        return shapes.get(atom.id)
    if isinstance(atom, gast.Constant) and isinstance(atom.value, (int, float)):
        return ()
    return None
