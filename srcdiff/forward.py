"""Forward mode: tangent statements interleaved with the primal.

Each active statement is followed by the statement computing its tangent
(``x_dot``), from the rule table's tangent templates; control flow stays in
place (forward mode needs no stacks), calls to the user's functions call
their generated JVPs::

    def f(x):                    def f_jvp(x_dot, x):
        z = x ** 2                   z = x ** 2
        t = np.sin(x)                z_dot = x_dot * 2 * x
        y = z * t                    t = np.sin(x)
        return y                     t_dot = x_dot * np.cos(x)
                                     y = z * t
                                     y_dot = z_dot * t + z * t_dot
                                     return y, y_dot

The generated function takes the tangents of the ``wrt`` arguments first,
then ``f``'s own arguments, and returns ``(value, tangent)``.  "Active" means
what it means in reverse mode: depends on ``wrt`` (varied) and reaches the
output (useful); inactive statements are copied unchanged.

Tangents have their primal's shape, except that a zero tangent of a scalar is
``0.0``: a term of an operand that broadcasts to a larger result is broadcast
up (``rt.like``).  A tangent that is written in place (``y[i] = v`` gives
``y_dot[i] = v_dot``) is first made an array of its own (``rt.owned``).

``batchable`` tells whether a tangent with an extra leading axis (a batch of
directions) can go through the code at once: true when every active
statement is elementwise on operands of its result's shape.
"""

import math

import gast
import numpy as np

from . import primitives, runtime
from .abstract import SCALAR
from .activity import Compound, no_derivative_hint
from .errors import NoRuleError, UnsupportedSyntaxError
from .frontend import bind_params, callee
from . import reverse
from .calls import HelperCalls
from .trees import assign, attr, call, clone, constant, load, parameters, store

_INACTIVE = "__srcdiff_inactive__"
_LIST_KINDS = ("write", "append", "extend", "pop")


class Forward:
    def __init__(self, info, norm, analysis, wrt, session, name):
        self.info = info
        self.norm = norm
        self.an = analysis
        self.wrt = list(wrt)
        self.session = session
        self.name = name
        self.namer = norm.namer
        self.aliases = {a: reverse.alias(a, info, norm) for a in ("np", "math", "rt")}
        self.modules = {self.aliases["np"]: np, self.aliases["math"]: math,
                        self.aliases["rt"]: runtime}
        self.dots = {}
        self.injections = {}
        self.deps = []
        self.batchable = True
        # names changed in place: their tangents are changed in place too, so
        # no other tangent may share their memory
        self.in_place = set()
        for op in analysis.ops:
            if op.kind in ("write", "append", "extend"):
                self.in_place.add(op.targets[0])
            elif op.kind == "pop":
                self.in_place.add(op.operands[0])

    # --- helpers ------------------------------------------------------------------
    def rt(self, helper, *args):
        return call(attr(self.aliases["rt"], helper), args)

    def fail(self, cls, node, message, hint=None):
        raise cls(message, function=self.info.name, filename=self.info.filename,
                  lineno=getattr(node, "lineno", None),
                  col=getattr(node, "col_offset", None), hint=hint)

    def active(self, name):
        return self.an.active(name)

    def is_active(self, atom):
        return isinstance(atom, gast.Name) and self.an.active(atom.id)

    def dot(self, name):
        if name not in self.dots:
            self.dots[name] = self.namer.fresh(f"{name}_dot")
        return self.dots[name]

    def zero(self, atom, shapes):
        """A zero tangent for ``atom`` (``0.0`` for numbers, else shaped)."""
        if not isinstance(atom, gast.Name):
            if isinstance(atom, gast.Constant) and atom.value is None:
                return constant(None)
            return constant(0.0)
        if shapes.get(atom.id) == SCALAR:
            return constant(0.0)
        return self.rt("zeros_like", load(atom.id))

    def zero_target(self, op, t, shapes):
        """The zero tangent of the target of an op through which none flows."""
        value = op.stmt.value if isinstance(op.stmt, gast.Assign) else None
        if isinstance(value, gast.UnaryOp):
            value = value.operand
        if isinstance(value, gast.Constant) and type(value.value) in (int, float, bool):
            return constant(0.0)
        return self.zero(load(t), shapes)

    def tangent_of(self, atom, shapes):
        if self.is_active(atom):
            return load(self.dot(atom.id))
        return self.zero(atom, shapes)

    def set_tangent(self, out, name, expr, where, operands=()):
        """``name_dot = expr``, made an array of its own where sharing memory with
        another tangent could let an in-place write change both."""
        shares = name in self.in_place or any(n in self.in_place for n in operands)
        if shares and not _fresh(expr, self.modules):
            expr = self.rt("owned", expr, load(name))
        out.append(gast.copy_location(assign(self.dot(name), expr), where))

    # --- statements ---------------------------------------------------------------
    def block(self, nodes):
        out = []
        for node in nodes:
            if isinstance(node, Compound):
                out.append(self.compound(node))
            else:
                self.op(node, out)
        return out

    def compound(self, node):
        return node.rebuilt(self.block)

    def op(self, op, out):
        kind = op.kind
        stmt = op.stmt
        shapes = op.shapes or {}
        if kind in ("user", "local") and any(self.active(t) for t in op.targets):
            self.batchable = False
            if self.user_call(op, out):
                return
        out.append(stmt)
        if kind == "write":
            y = op.targets[0]
            if self.active(y):
                self.batchable = False
                target = clone(stmt.targets[0])
                target.value = load(self.dot(y))
                out.append(gast.copy_location(
                    assign(target, self.tangent_of(stmt.value, shapes)), stmt))
            return
        if kind in ("append", "extend"):
            lst = op.targets[0]
            if self.active(lst):
                self.batchable = False
                value = stmt.value.args[0]
                out.append(gast.copy_location(gast.Expr(value=call(
                    attr(self.dot(lst), kind), [self.tangent_of(value, shapes)])), stmt))
            return
        if kind == "pop":
            lst, v = op.operands[0], op.targets[0]
            if self.active(lst):
                self.batchable = False
                popped = call(attr(self.dot(lst), "pop"), [])
                node = assign(self.dot(v), popped) if self.active(v) else gast.Expr(
                    value=popped)
                out.append(gast.copy_location(node, stmt))
            return
        active_targets = [t for t in op.targets if self.active(t)]
        if not active_targets:
            return
        if kind == "copy":
            self.set_tangent(out, op.targets[0], self.tangent_of(load(op.operands[0]), shapes),
                             stmt, op.operands)
        elif kind == "rule":
            self.rule(op, out)
        elif kind == "subscript":
            self.batchable = False
            value = stmt.value
            t = op.targets[0]
            if self.is_active(value.value):
                expr = gast.Subscript(value=load(self.dot(value.value.id)),
                                      slice=clone(value.slice), ctx=gast.Load())
            else:
                expr = self.zero(load(t), shapes)
            self.set_tangent(out, t, expr, stmt, [value.value.id])
        elif kind == "literal":
            self.batchable = False
            value = stmt.value
            if isinstance(value, gast.Dict):
                expr = gast.Dict(keys=[clone(k) for k in value.keys],
                                 values=[self.tangent_of(v, shapes) for v in value.values])
            else:
                expr = type(value)(elts=[self.tangent_of(e, shapes) for e in value.elts],
                                   ctx=gast.Load())
            self.set_tangent(out, op.targets[0], expr, stmt)
        elif kind == "unpack":
            self.batchable = False
            src = op.operands[0]
            if self.active(src):
                targets = gast.Tuple(elts=[store(self.dot(t)) for t in op.targets],
                                     ctx=gast.Store())
                out.append(gast.copy_location(assign(targets, load(self.dot(src))), stmt))
            else:
                for t in active_targets:
                    self.set_tangent(out, t, self.zero(load(t), shapes), stmt)
        else:
            # no derivative flows through (a constant, a nondiff call, an
            # inactive call): a zero tangent for a name that is active elsewhere
            for t in active_targets:
                self.set_tangent(out, t, self.zero_target(op, t, shapes), stmt)

    def rule(self, op, out):
        t = op.targets[0]
        rule = op.rule
        stmt = op.stmt
        shapes = op.shapes or {}
        bindings = dict(op.bindings)
        active = {p for p, a in bindings.items() if self.is_active(a)}
        if rule.linear:
            stmts, kept, covered = self.linear_terms(op, active)
        else:
            stmts, kept, covered = self.template_terms(op, active)
        for p in sorted(active - covered - set(rule.passive)):
            self.fail(NoRuleError, stmt, f"{op.callee_name} has no derivative with respect "
                      f"to its argument '{p}'", no_derivative_hint(self.norm, bindings[p]))
        for s in stmts:
            out.append(gast.copy_location(s, stmt))
        if not kept:
            self.set_tangent(out, t, self.zero(load(t), shapes), stmt)
            return
        total = kept[0]
        for term in kept[1:]:
            total = gast.BinOp(left=total, op=gast.Add(), right=term)
        # a term has the result's shape when no other operand can be larger
        others = [a.id for a in bindings.values() if isinstance(a, gast.Name)]
        aligned = shapes.get(t) == SCALAR or all(
            shapes.get(q) in (shapes.get(bindings[p].id), SCALAR)
            for p in active for q in others)
        if rule.shape == "broadcast" and not aligned:
            total = self.rt("like", total, load(t))
        if rule.shape not in ("elementwise", "broadcast", "scalar") or not aligned:
            self.batchable = False
        self.set_tangent(out, t, total, stmt, [bindings[p].id for p in active])

    def linear_terms(self, op, active):
        """A primitive linear in each differentiable operand: its tangent is the
        call itself with one operand replaced by that operand's tangent, summed
        over the active operands (``x_dot @ y + x @ y_dot``)."""
        differentiable = [p for p in op.rule.differentiable if p in active]
        terms = [clone(op.stmt.value, {id(op.bindings[p]): load(self.dot(op.bindings[p].id))})
                 for p in differentiable]
        return [], terms, set(differentiable)

    def template_terms(self, op, active, template=None):
        """The terms of the tangent template for the active operands (an
        inactive operand's tangent in a term is zero)."""
        bindings = op.bindings
        template = template or op.rule.tangent
        if template is None:
            self.fail(NoRuleError, op.stmt, f"no tangent (forward-mode) rule for "
                      f"{op.callee_name}", "declare one with srcdiff.rules.tangent")
        values = {template.params[0]: load(op.targets[0]), **bindings}
        stmts, terms = template.instantiate(
            values, lambda p: self.dot(bindings[p].id) if p in active else _INACTIVE + p,
            self.aliases, self.namer)
        # a term may reach a tangent through the template's own temporaries
        reach = {}
        for s in stmts:
            if isinstance(s, gast.Assign):
                used = {n.id for n in gast.walk(s.value) if isinstance(n, gast.Name)}
                reach[s.targets[0].id] = used.union(*(reach.get(u, ()) for u in used))
        stmts = [_zero_inactive(s) for s in stmts]
        kept, covered = [], set()
        for term in terms:
            names = {n.id for n in gast.walk(term.expr) if isinstance(n, gast.Name)}
            names = names.union(*(reach.get(n, ()) for n in names))
            live = {p for p in active if self.dot(bindings[p].id) in names}
            if not live:
                continue
            covered |= live
            kept.append(_zero_inactive(term.expr))
        return stmts, kept, covered

    def user_call(self, op, out):
        """``y = g(a, b)`` -> ``y, y_dot = g_jvp(a_dot, a, b)``; False when no
        argument is active (the call stays as it is)."""
        stmt = op.stmt
        node = op.call
        args = list(node.args)
        keywords = list(node.keywords)
        info, fn, key, prefix, lifted = callee(self, op)
        bound = bind_params(fn, prefix + args + lifted, keywords)
        if bound is None:
            self.fail(UnsupportedSyntaxError, stmt,
                      f"cannot match the arguments of the call to {op.callee_name}")
        active = [p for p, atom in bound.items() if self.is_active(atom)]
        if not active:
            return False
        order = [p.id for p in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        active.sort(key=order.index)
        unit = self.session.jvp_unit(info, active, key)
        ref = self.reference(unit)
        tangents = [load(self.dot(bound[p].id)) for p in active]
        jvp_call = call(load(ref), tangents + prefix + args + lifted, clone(keywords))
        if len(op.targets) == 1:
            target = gast.Tuple(elts=[store(op.targets[0]), store(self.dot(op.targets[0]))],
                                ctx=gast.Store())
        else:
            target = gast.Tuple(elts=[
                gast.Tuple(elts=[store(t) for t in op.targets], ctx=gast.Store()),
                gast.Tuple(elts=[store(self.dot(t)) for t in op.targets], ctx=gast.Store())],
                ctx=gast.Store())
        out.append(gast.copy_location(assign(target, jvp_call), stmt))
        for t in op.targets:
            if t in self.in_place:
                out.append(gast.copy_location(assign(
                    self.dot(t), self.rt("owned", load(self.dot(t)), load(t))), stmt))
        return True

    # (the same in both modes: it uses name, injections, namer and deps)
    reference = HelperCalls.reference

    # --- the whole function -------------------------------------------------------
    def run(self):
        norm = self.norm
        tangent_params = [self.dot(p) for p in self.wrt]
        start = []
        for p in norm.params:
            if p not in self.wrt and self.active(p):
                # an argument that is reassigned from active values in a loop
                start.append(assign(self.dot(p), self.zero(load(p), {})))
        body = start + self.block(self.an.tree)
        result = norm.result
        if isinstance(result, gast.Name) and self.active(result.id):
            tangent = load(self.dot(result.id))
        elif isinstance(result, gast.Name):
            tangent = self.rt("zeros_like", load(result.id))
        else:
            tangent = constant(0.0)
        body.append(gast.Return(value=gast.Tuple(elts=[clone(result), tangent],
                                                 ctx=gast.Load())))
        return gast.FunctionDef(name=self.name, args=parameters(norm.args, tangent_params), body=body, decorator_list=[],
                                returns=None, type_comment=None, type_params=[])


class NotBatchable(NoRuleError):
    """Code a batch of tangents cannot go through at once (the caller goes one
    direction at a time)."""


class BatchedForward(Forward):
    """Forward mode for a batch of directions at once: every tangent is a full
    array of shape ``(batch,) + the value's shape`` (``hessian`` sends the
    whole basis through the gradient's code in one call).

    Elementwise primitives use their tangent rule, with the tangent of an
    operand of lower rank than the result given ones after the batch axis
    (``rt.batch_align``); other primitives need a tangent rule for a batch
    (``primitives.batched``: ``np.sum``, the runtime helpers of gradient
    code); an index gets ``:`` in front (``x_dot[:, 1:]``, also where a value
    is written: ``x_bar_dot[:, 1:] = ...``).  What has neither (and calls of
    the user's functions, lists) raises ``NotBatchable``."""

    def __init__(self, *args):
        super().__init__(*args)
        self.batch = self.namer.fresh("batch")
        # names assigned once whose tangent is zero: not written (a zero batch
        # is an array like any other), and inactive to the statements after
        self.zeros = set()
        self.once = _assigned_once(self.an.ops, self.norm.params)

    def is_active(self, atom):
        return super().is_active(atom) and atom.id not in self.zeros

    def refuse(self, node, message):
        self.fail(NotBatchable, node, message)

    def rt(self, helper, *args):
        if helper in ("like", "owned"):
            helper = f"batch_{helper}"
        elif helper == "zeros_like":
            helper, args = "batch_zeros", (load(self.batch),) + args
        return super().rt(helper, *args)

    def zero(self, atom, shapes):
        if isinstance(atom, gast.Constant) and atom.value is None:
            return constant(None)
        return self.rt("zeros_like", clone(atom))

    def op(self, op, out):
        kind = op.kind
        targets = [t for t in op.targets if self.active(t)]
        if kind == "rule":
            inflow = [a for p, a in op.bindings.items() if p not in op.rule.passive]
        else:
            inflow = [load(n) for n in op.operands if isinstance(n, str)]
        if targets and kind in ("rule", "subscript", "copy", "nondiff") and len(targets) == 1 \
                and targets[0] in self.once and not any(self.is_active(a) for a in inflow):
            self.zeros.add(targets[0])   # nothing varying flows in
            out.append(op.stmt)
            return
        if not targets or kind in ("copy", "nondiff"):
            return super().op(op, out)
        if kind == "subscript":
            out.append(op.stmt)
            self.subscript(op, out)
        elif kind == "write" and len(targets) == 1:
            out.append(op.stmt)
            self.write(op, out)
        elif kind == "rule":
            super().op(op, out)
        else:
            self.refuse(op.stmt, f"a batch of tangents through {op.callee_name or kind}")

    def subscript(self, op, out):
        value = op.stmt.value
        t = op.targets[0]
        if not self.is_active(value.value):
            self.set_tangent(out, t, self.zero(load(t), {}), op.stmt)
            return
        self.set_tangent(out, t, gast.Subscript(
            value=load(self.dot(value.value.id)), slice=self.batch_index(value.slice),
            ctx=gast.Load()), op.stmt)

    def batch_index(self, index):
        """``i`` -> ``:, i``: the same index behind the batch axis (an index
        held in a variable, which may be a tuple: ``rt.batch_where(i)``)."""
        if isinstance(index, (gast.Tuple, gast.Slice, gast.Constant)):
            whole = gast.Slice(lower=None, upper=None, step=None)
            elts = clone(index.elts) if isinstance(index, gast.Tuple) else [clone(index)]
            return gast.Tuple(elts=[whole] + elts, ctx=gast.Load())
        return self.rt("batch_where", clone(index))

    def write(self, op, out):
        """``y[i] = v`` -> ``y_dot[:, i] = v_dot``, with ``v_dot`` aligned to the
        slot (``v`` may broadcast into it)."""
        stmt = op.stmt
        target = stmt.targets[0]
        y = op.targets[0]
        value = stmt.value
        slot = gast.Subscript(value=load(y), slice=clone(target.slice), ctx=gast.Load())
        tangent = self.rt("batch_align", self.tangent_of(value, {}), clone(value), slot)
        out.append(gast.copy_location(assign(gast.Subscript(
            value=load(self.dot(y)), slice=self.batch_index(target.slice), ctx=gast.Store()),
            tangent), stmt))

    def rule(self, op, out):
        rule = op.rule
        t = op.targets[0]
        if rule.batched is not None:
            self.batched_rule(op, out)
            return
        if not _pointwise(rule):
            self.refuse(op.stmt, f"{op.callee_name} has no tangent rule for a batch")
        # an operand of lower rank than the result: its tangent gets ones after
        # the batch axis, so that it broadcasts as the operand does
        shapes = op.shapes or {}
        self.dot(t)
        saved = dict(self.dots)
        for atom in op.bindings.values():
            if self.is_active(atom) and not (
                    shapes.get(atom.id) is not None and shapes.get(atom.id) == shapes.get(t)):
                aligned = self.namer.fresh(f"{atom.id}_dot_aligned")
                out.append(gast.copy_location(assign(aligned, self.rt(
                    "batch_align", load(self.dot(atom.id)), load(atom.id), load(t))), op.stmt))
                self.dots[atom.id] = aligned
        try:
            super().rule(op, out)
        finally:
            self.dots = saved

    def batched_rule(self, op, out):
        bindings = op.bindings
        t = op.targets[0]
        active = {p for p, a in bindings.items() if self.is_active(a)}
        stmts, kept, covered = self.template_terms(op, active, op.rule.batched)
        if active - covered - set(op.rule.passive):
            self.refuse(op.stmt, f"{op.callee_name}: no batched tangent for "
                        f"{', '.join(sorted(active - covered))}")
        for s in stmts:
            out.append(gast.copy_location(s, op.stmt))
        total = kept[0] if kept else self.zero(load(t), {})
        for term in kept[1:]:
            total = gast.BinOp(left=total, op=gast.Add(), right=term)
        self.set_tangent(out, t, total, op.stmt, [bindings[p].id for p in active])

    def user_call(self, op, out):
        self.refuse(op.stmt, f"a batch of tangents through a call of {op.callee_name}")

    def run(self):
        fn = super().run()
        result = self.norm.result
        if isinstance(result, gast.Name) and result.id in self.zeros:
            fn.body[-1].value.elts[1] = self.zero(load(result.id), {})
        first = self.dot(self.wrt[0])
        fn.body.insert(0, assign(self.batch, gast.Subscript(
            value=call(attr(self.aliases["np"], "shape"), [load(first)]),
            slice=constant(0), ctx=gast.Load())))
        return fn


def _pointwise(rule):
    """Does the tangent of ``rule`` work as it is on a batch of tangents?  An
    elementwise primitive whose tangent is arithmetic on the tangents (not
    ``np.sum(d[x] * w, axis)``), or a linear operator or ufunc (its tangent is
    itself on the tangents)."""
    if rule.shape not in ("elementwise", "broadcast", "scalar"):
        return False
    if rule.linear:
        return isinstance(rule.key, np.ufunc) or (
            isinstance(rule.key, str) and rule.key.startswith("operator."))
    return rule.tangent is not None and rule.tangent.pointwise


def _assigned_once(ops, params):
    """Names one statement assigns (and no parameter, no loop variable)."""
    count = {p: 2 for p in params}
    for op in ops:
        for t in op.targets:
            count[t] = count.get(t, 0) + 1
    return {n for n, c in count.items() if c == 1}


def _zero_inactive(expr):
    """The tangents of inactive operands in a term are zero."""
    class Zero(gast.NodeTransformer):
        def visit_Name(self, n):
            if n.id.startswith(_INACTIVE):
                return constant(0.0)
            return n
    return Zero().visit(expr)


def _fresh(expr, modules):
    """Is ``expr`` surely a new object (no memory shared with an existing one)?"""
    if isinstance(expr, (gast.BinOp, gast.UnaryOp, gast.List, gast.Dict, gast.Constant)):
        return True
    called = primitives.of_call(expr, modules)
    return called is not None and called.fresh
