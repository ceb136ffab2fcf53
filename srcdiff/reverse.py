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

import math

import gast
import numpy as np

from . import abstract, runtime
from .abstract import SCALAR, concrete
from .activity import no_derivative_hint
from .adjoints import Adjoints, container_names
from .errors import NonScalarOutputError, NoRuleError, UnsupportedSyntaxError
from .frontend import bind_params, callee
from .saving import Sweeps
from .trees import assign, call, clone, constant, index_value, load, store


SWEEP_MARK = "__srcdiff_sweep__"   # (not a name Python code can use unknowingly)


class Reverse:
    """The statement adjoints of one function (the adjoint variables live in
    ``adjoints``, the sweeps and their stacks in ``sweeps``) and the function
    that puts them together (``run``)."""

    def __init__(self, info, norm, analysis, wrt, mode, session, name, as_tuple,
                 numbers=False):
        self.info = info
        self.norm = norm
        self.an = analysis
        self.wrt = wrt
        # 'grad', 'value_and_grad', 'vjp' or 'pullback' (the VJP with f's value,
        # a ``SWEEP_MARK`` between the sweeps: ``vjp.split`` makes them two functions)
        self.mode = mode.replace("+aux", "")
        self.session = session
        self.name = name
        self.as_tuple = as_tuple
        self.namer = norm.namer
        self.aliases = {a: alias(a, info, norm) for a in ("np", "math", "rt")}
        self.modules = {self.aliases["np"]: np, self.aliases["math"]: math,
                        self.aliases["rt"]: runtime}
        self.adjoints = Adjoints(self.namer, self.aliases, self.modules)
        self.adjoints.foreign = any(abstract.foreign_shape(s) for s in analysis.arg_shapes.values())
        self.injections = {}
        self.deps = []
        self.numbers = numbers          # may functions of numbers call the math module?
        self.numbers_used = False
        self.batchable = set()          # ids of additions batching.py may batch

    def fail(self, cls, node, message, hint=None):
        raise cls(message, function=self.info.name, filename=self.info.filename,
                  lineno=getattr(node, "lineno", None),
                  col=getattr(node, "col_offset", None), hint=hint)

    def is_active(self, atom):
        return isinstance(atom, gast.Name) and self.an.active(atom.id)

    # --- statements ----------------------------------------------------------
    def adjoint_of(self, op):
        kind = op.kind
        stmt = op.stmt
        self.adjoints.shape_now = dict(op.shapes or {})
        if kind == "copy":
            t = op.targets[0]
            if t in self.adjoints.containers:
                self.adjoints.containers.add(op.operands[0])
            self.adjoints.accumulate(op.operands[0], load(self.adjoints.adj[t]), t not in self.adjoints.dirty, stmt)
        elif kind == "rule":
            self.rule(op)
        elif kind == "subscript":
            t = op.targets[0]
            value = stmt.value
            self.adjoints.containers.add(value.value.id)
            self.adjoints.scatter(value.value.id, index_value(value.slice), load(self.adjoints.adj[t]), stmt)
        elif kind == "literal":
            t = op.targets[0]
            value = stmt.value
            if isinstance(value, gast.Dict):
                pairs = [(clone(k), v) for k, v in zip(value.keys, value.values)]
            else:
                pairs = [(constant(i), v) for i, v in enumerate(value.elts)]
            for key, elt in pairs:
                if self.is_active(elt):
                    part = self.adjoints.rt("part", load(self.adjoints.adj[t]), key)
                    self.adjoints.accumulate(elt.id, part, False, stmt)
        elif kind == "unpack":
            src = op.operands[0]
            parts = gast.Tuple(elts=[load(self.adjoints.adj[n]) if n in self.adjoints.adj else constant(None)
                                     for n in op.targets], ctx=gast.Load())
            self.adjoints.containers.add(src)
            self.adjoints.accumulate(src, self.adjoints.rt("pack", load(src), parts), False, stmt)
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
        if lst not in self.adjoints.adj or not self.an.active(lst):
            return
        v_bar = load(self.adjoints.adj[v]) if v in self.adjoints.adj and self.an.active(v) else constant(0.0)
        bar = self.adjoints.adj[lst]
        self.adjoints.emit(assign(bar, self.adjoints.rt("unpop", load(bar), v_bar, load(lst))), op.stmt)
        self.adjoints.dirty.add(lst)

    def exact(self, op, bindings):
        """The adjoint as plain NumPy where the operands' exact shapes are known
        and the result's adjoint is full (``g @ y.T`` for ``x @ y``)."""
        rule = op.rule
        if rule.exact is None:
            return False
        t = op.targets[0]
        g = self.adjoints.adj[t]
        atoms = [bindings.get(p) for p in rule.signature]
        shapes = [_shape_of_atom(a, self.adjoints.shape_now) for a in atoms]
        if not all(concrete(s) for s in shapes):
            return False
        if g not in self.adjoints.full and len(self.adjoints.shape_now.get(t) or ()) > 0:
            return False
        template = rule.exact(shapes)
        if template is None:
            return False
        values = {template.params[0]: load(t), **dict(zip(template.params[1:], atoms))}
        stmts, contributions = template.instantiate(values, lambda p: g, self.aliases,
                                                    self.namer)
        for stmt in stmts:
            self.adjoints.emit(stmt, op.stmt)
        for c in contributions:
            atom = values[c.param]
            if self.is_active(atom):
                self.adjoints.accumulate(atom.id, c.expr, t not in self.adjoints.dirty, op.stmt)
                if atom.id in self.adjoints.accumulated:
                    # an addition of a product of 1-D or 2-D factors (batching.py)
                    self.batchable.add(id(self.adjoints.out[-1]))
                elif self.adjoints.adj.get(atom.id):
                    self.adjoints.full.add(self.adjoints.adj[atom.id])
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
                    and concrete(self.adjoints.shape_now.get(node.args[0].id)):
                shape = self.adjoints.shape_now[node.args[0].id]
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
        bar = self.adjoints.adj[y]
        index = index_value(target.slice)
        if self.is_active(value):
            part = self.namer.fresh(f"{value.id}_part")
            self.adjoints.emit(assign(gast.Tuple(elts=[store(part), store(bar)], ctx=gast.Store()),
                             self.adjoints.rt("unwrite", load(bar), index, load(y))), stmt)
            self.adjoints.accumulate(value.id, self.adjoints.rt("unbroadcast", load(part), load(value.id)),
                            True, stmt)
        else:
            self.adjoints.emit(assign(bar, self.adjoints.rt("unwrite", load(bar), index, load(y),
                                          constant(False))), stmt)

    def append_adjoint(self, op):
        """``lst.append(v)``: v gets the adjoint of the last element."""
        stmt = op.stmt
        lst = stmt.value.func.value.id
        value = stmt.value.args[0]
        bar = self.adjoints.adj[lst]
        helper = "unappend" if op.kind == "append" else "unextend"
        args = [load(bar)] + ([clone(value)] if op.kind == "extend" else [])
        if self.is_active(value):
            part = self.namer.fresh(f"{value.id}_part")
            self.adjoints.emit(assign(gast.Tuple(elts=[store(part), store(bar)], ctx=gast.Store()),
                             self.adjoints.rt(helper, *args)), stmt)
            self.adjoints.accumulate(value.id, load(part), False, stmt)
        else:
            self.adjoints.emit(assign(gast.Tuple(elts=[store("_"), store(bar)], ctx=gast.Store()),
                             self.adjoints.rt(helper, *args)), stmt)

    def rule(self, op):
        t = op.targets[0]
        rule = op.rule
        bindings = dict(op.bindings)
        template = rule.adjoint
        result_param = template.params[0]
        values = {result_param: load(t), **bindings}
        upstream = self.adjoints.adj[t]
        self.adjoints.shape_now = dict(op.shapes or {})
        if self.exact(op, bindings):
            return
        if not rule.takes_placeholder \
                and (self.adjoints.accumulated or self.adjoints.has_lazy) and upstream not in self.adjoints.full:
            # with control flow an adjoint may still be the zero placeholder 0.0
            upstream = self.namer.fresh(f"{t}_bar_full")
            self.adjoints.emit(assign(upstream, self.adjoints.rt("like", load(self.adjoints.adj[t]), load(t))),
                      op.stmt)
        stmts, contributions = template.instantiate(
            values, lambda p: upstream, self.aliases, self.namer)
        if self.on_numbers(op):
            for part in stmts + [c.expr for c in contributions]:
                self.adjoints.on_numbers(part)
            self.numbers_used = True
        for s in stmts:
            self.adjoints.emit(s, op.stmt)
        covered = {c.param for c in contributions} | set(rule.passive)
        for param, atom in bindings.items():
            if self.is_active(atom) and param not in covered:
                self.fail(NoRuleError, op.stmt,
                          f"{op.callee_name} has no derivative with respect to its "
                          f"argument '{param}'", no_derivative_hint(self.norm, atom))
        upstream_clean = t not in self.adjoints.dirty
        lazy = self.lazy_reduction(op)
        if lazy is not None:
            atom = bindings[lazy[0]]
            if self.is_active(atom):
                self.adjoints.accumulate(atom.id, lazy[1], False, op.stmt)
            return
        for c in contributions:
            atom = bindings.get(c.param)
            if not self.is_active(atom):
                continue
            expr = c.expr
            if c.param in rule.containers:
                self.adjoints.containers.add(atom.id)
            clean = rule.takes_placeholder and upstream_clean
            if rule.broadcasts:
                expr = self.adjoints.unbroadcast(expr, atom, t, op.shapes or {})
            self.adjoints.accumulate(atom.id, expr, clean, op.stmt)

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
        # (a helper's adjoint code takes its seed at face value: a zero
        # placeholder or a reduction's scalar is given the output's shape)
        shaped = self.adjoints.full_shaped
        if len(op.targets) > 1:
            seed = gast.Tuple(elts=[shaped(n) if n in self.adjoints.adj
                                    else self.adjoints.rt("zeros_like", load(n))
                                    for n in op.targets], ctx=gast.Load())
        else:
            seed = shaped(op.targets[0])
        vjp_call = call(load(ref), [seed] + prefix + list(node.args)
                        + ([load(n) for n in op.callee.lifted] if op.kind == "local" else []),
                        clone(keywords))
        if len(active) == 1:
            self.adjoints.accumulate(bound[active[0]].id, vjp_call, False, stmt)
            return
        parts = [self.namer.fresh(f"{bound[p].id}_bar") for p in active]
        self.adjoints.emit(assign(gast.Tuple(elts=[store(n) for n in parts], ctx=gast.Store()),
                         vjp_call), stmt)
        for p, part in zip(active, parts):
            self.adjoints.accumulate(bound[p].id, load(part), False, stmt)

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
        check = gast.Expr(value=self.adjoints.rt("check_scalar", load(witness),
                                        constant(self.info.name)))
        return [gast.If(test=test, body=[check], orelse=[])], witness in self.norm.params

    def run(self):
        """The generated function: output check, forward sweep, seed, adjoint
        sweep, the gradients returned."""
        norm, adjoints = self.norm, self.adjoints
        tree = self.an.tree
        sweeps = Sweeps(self.an, norm, adjoints, self.adjoint_of)
        adjoints.containers |= container_names(self.an.ops)
        adjoints.has_lazy = any(self.lazy_reduction_possible(op) for op in self.an.ops)
        if self.mode not in ("value_and_grad", "pullback"):  # (value exactly f's)
            for op in self.an.ops:
                if self.on_numbers(op):
                    adjoints.on_numbers(op.stmt.value)
                    self.numbers_used = True
        forward = sweeps.forward(tree)
        result = norm.result
        active_out = isinstance(result, gast.Name) and result.id in self.an.varied
        seed_param = None
        for name in sorted(adjoints.accumulated):
            adjoints.adj[name] = self.namer.adjoint(name)
        sweep_start, checks, checks_first = [], [], False
        if active_out:
            sweep_start = [assign(adjoints.adj[n], constant(0.0))
                           for n in sorted(adjoints.accumulated) if n != result.id]
        if self.mode in ("vjp", "pullback"):
            seed_param = self.namer.adjoint(result.id if isinstance(result, gast.Name)
                                            else "y")
            if active_out:
                if result.id in adjoints.accumulated:
                    sweep_start.append(assign(adjoints.adj[result.id],
                                              adjoints.rt("fresh", load(seed_param))))
                else:
                    adjoints.adj[result.id] = seed_param
        elif active_out:
            bar = adjoints.adj.get(result.id) or self.namer.adjoint(result.id)
            adjoints.adj[result.id] = bar
            checks, checks_first = self.check_scalar(result.id)
            sweep_start.append(assign(bar, constant(1.0)))
        elif isinstance(result, gast.Name):
            checks, checks_first = self.check_scalar(result.id)
        elif not (isinstance(result, gast.Constant) and isinstance(result.value, (int, float))):
            self.fail(NonScalarOutputError, result,
                      f"grad needs a scalar output, but {self.info.name}() returns "
                      f"{gast.unparse(result) if hasattr(gast, 'unparse') else 'a constant'}",
                      "return the scalar to differentiate")
        backward = sweeps.backward(tree) if active_out else []
        kept = []
        if self.mode in ("value_and_grad", "pullback") and isinstance(result, gast.Name):
            # the adjoint sweep may restore overwritten values: keep the one f returns
            value_name = self.namer.fresh("value")
            kept = [assign(value_name, load(result.id))]
            result = load(value_name)
        aux = norm.aux
        if isinstance(aux, gast.Name):
            aux_name = self.namer.fresh("aux")
            kept.append(assign(aux_name, load(aux.id)))
            aux = load(aux_name)
        ret = gast.Return(value=self.returned(result, aux))
        inits, fwd, rev = sweeps.place(forward, backward, [ret])
        self.stacks = set(sweeps.stacks.stacks.values())
        # the output check goes first when it tests an argument, else after the
        # forward sweep
        if checks_first:
            inits = checks + inits
        else:
            sweep_start = checks + sweep_start
        mark = [gast.Expr(value=call(load(SWEEP_MARK), []))] if self.mode == "pullback" else []
        body = inits + fwd + kept + mark + sweep_start + rev + [ret]
        args = clone(norm.args)
        for a in args.posonlyargs + args.args + args.kwonlyargs:
            a.annotation = None
        if seed_param is not None:
            (args.posonlyargs or args.args).insert(0, store(seed_param))
        return gast.FunctionDef(name=self.name, args=args, body=body, decorator_list=[],
                                returns=None, type_comment=None, type_params=[])

    def on_numbers(self, op):
        """Does ``op`` apply an elementwise primitive to numbers only, in code
        specialised on argument shapes?  (Its code then calls the ``math``
        module: see ``Adjoints.on_numbers``; a domain error makes the caller
        run the NumPy code instead, see ``derivatives._specializing``.)"""
        return self.numbers and op.kind == "rule" \
            and op.rule.shape in ("elementwise", "broadcast", "scalar") \
            and all(_shape_of_atom(a, op.shapes or {}) == SCALAR
                    for a in op.bindings.values())

    def returned(self, result, aux=None):
        """What the generated function returns: the gradients (and the value;
        with has_aux, the aux beside the gradients or the value)."""
        adjoints = self.adjoints
        grads = []
        for p in self.wrt:
            if p in adjoints.adj and self.an.active(p):
                g = load(adjoints.adj[p])
                shape = self.an.arg_shapes.get(p)
                if self.mode != "vjp" and p in adjoints.dirty:
                    # (an exact shape given as such: the argument need not be kept)
                    g = adjoints.rt("as_gradient", g, constant(shape)) \
                        if concrete(shape) and not abstract.foreign_shape(shape) \
                        else adjoints.rt("cast_grad", g, load(p))
            else:
                g = adjoints.rt("zeros_like", load(p))
            grads.append(g)
        value = grads[0] if len(grads) == 1 and not self.as_tuple else \
            gast.Tuple(elts=grads, ctx=gast.Load())
        if self.mode in ("value_and_grad", "pullback"):
            value = gast.Tuple(elts=[clone(result) if aux is None else gast.Tuple(
                elts=[clone(result), clone(aux)], ctx=gast.Load()), value], ctx=gast.Load())
        elif aux is not None:
            value = gast.Tuple(elts=[value, clone(aux)], ctx=gast.Load())
        return value


def alias(name, info, norm):
    """``np`` / ``math`` keep their usual names when the user's mean the same;
    else (and always for ``rt``) a fresh name."""
    modules = {"np": "numpy", "math": "math"}
    if name in modules and name not in norm.versions:
        try:
            value = info.lookup(name)
        except (KeyError, AttributeError):
            value = None
        if getattr(value, "__name__", None) == modules[name]:
            return name
    return norm.namer.alias(name)  # (lowering may already have called rt helpers)


def _shape_of_atom(atom, shapes):
    if isinstance(atom, gast.Name):
        return shapes.get(atom.id)
    if isinstance(atom, gast.Constant) and isinstance(atom.value, (int, float)):
        return ()
    return None
