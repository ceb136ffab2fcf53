"""Reverse mode: the transformation proper.

The generated function runs the primal statements (the forward sweep), then
walks them backwards (the adjoint sweep), instantiating each statement's rule
and accumulating adjoints of values used more than once::

    def f(x):                    def df(x):
        z = x ** 2                   z = x ** 2
        t = np.sin(x)                t = np.sin(x)
        y = z * t                    y = z * t
        return y                     y_bar = rt.seed(y, 'f')
                                     z_bar = y_bar * t
                                     t_bar = y_bar * z
                                     x_bar = t_bar * np.cos(x)
                                     x_bar = x_bar + z_bar * 2 * x
                                     return x_bar

The first contribution to an adjoint assigns it; later ones add to it, so no
adjoint is initialised to zeros.  Broadcasting is undone only where the
symbolic shapes of operand and result can differ.  Calls to the user's own
functions call that function's generated vector-Jacobian product.
"""

import copy

import gast

from . import frontend, normalize
from .activity import SCALAR
from .errors import NoRuleError, UnsupportedSyntaxError
from .normalize import assign, load, store

_FRESH_HELPERS = {"scatter", "add", "unreduce", "unreduce_mean", "unreduce_extreme",
                  "pack"}


def constant(value):
    return gast.Constant(value=value, kind=None)


def call(func, args, keywords=()):
    return gast.Call(func=func, args=list(args), keywords=list(keywords))


def attr(base, name):
    return gast.Attribute(value=load(base), attr=name, ctx=gast.Load())


def index_value(node):
    """An index (as written inside ``[]``) as an expression giving its value."""
    if isinstance(node, gast.Slice):
        parts = [constant(None) if p is None else copy.deepcopy(p)
                 for p in (node.lower, node.upper, node.step)]
        if isinstance(parts[2], gast.Constant) and parts[2].value is None:
            parts.pop()  # slice(a, b) and slice(a, b, None) are the same; slice(a) is not
        return call(load("slice"), parts)
    if isinstance(node, gast.Tuple):
        return gast.Tuple(elts=[index_value(e) for e in node.elts], ctx=gast.Load())
    return copy.deepcopy(node)


def bind_params(fn, args, keywords):
    """Map call arguments to the parameters of a (gast) def: name -> atom."""
    a = fn.args
    positional = [p.id for p in a.posonlyargs + a.args]
    kwonly = [p.id for p in a.kwonlyargs]
    if len(args) > len(positional):
        return None
    bound = dict(zip(positional, args))
    for k in keywords:
        if k.arg in bound or k.arg not in positional + kwonly:
            return None
        bound[k.arg] = k.value
    return bound


class Unit:
    """One generated function, compiled on its own with its globals."""

    def __init__(self, name, node, info, injections, deps):
        self.name = name
        self.node = node
        self.info = info
        self.injections = injections
        self.deps = deps
        self.function = None   # set by the loader
        self.text = None       # set by codegen


class Session:
    """One transformation request; builds helper VJPs on demand."""

    cache = {}  # (code, active params) -> Unit, shared by all sessions

    def __init__(self, optimize):
        self.optimize = optimize
        self.in_progress = {}
        self.local_cache = {}

    def vjp_unit(self, info, active, key):
        full_key = (key, tuple(active))
        if full_key in self.in_progress:
            return self.in_progress[full_key]
        cache = Session.cache if key[0] == "code" else self.local_cache
        unit = cache.get(full_key)
        if unit is not None:
            return unit
        from . import pipeline
        unit = pipeline.build_unit(info, active, "vjp", self, full_key)
        cache[full_key] = unit
        return unit


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
        self.adj = {}
        self.owned = set()
        self.dirty = set()
        self.containers = set()
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

    def accumulate(self, name, expr, clean=True, where=None):
        if name not in self.adj:
            bar = self.namer.adjoint(name)
            self.adj[name] = bar
            self.emit(assign(bar, expr), where)
            if _is_fresh(expr, self.aliases["rt"]):
                self.owned.add(bar)
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

    def scatter(self, name, index, g, where):
        """Add ``g`` into the adjoint of ``name`` at ``index``."""
        if name not in self.adj:
            bar = self.namer.adjoint(name)
            self.adj[name] = bar
            self.emit(assign(bar, self.rt("scatter", load(name), index, g)), where)
        else:
            bar = self.adj[name]
            if bar in self.owned:
                value = self.rt("scatter_add", load(bar), index, g)
            else:
                value = self.rt("add", load(bar), self.rt("scatter", load(name), index, g))
            self.emit(assign(bar, value), where)
        self.owned.add(bar)

    def unbroadcast(self, expr, atom, target):
        """``expr`` summed back to ``atom``'s shape where the shapes can differ."""
        shapes = self.an.shapes
        operand = shapes.get(atom.id)
        result = shapes.get(target)
        if operand is not None and operand == result:
            return expr
        if operand == SCALAR:
            return call(attr(self.aliases["np"], "sum"), [expr])
        return self.rt("unbroadcast", expr, load(atom.id))

    # --- statements ----------------------------------------------------------
    def adjoint_of(self, op):
        kind = op.kind
        stmt = op.stmt
        if kind == "copy":
            t = op.targets[0]
            self.accumulate(op.operands[0], load(self.adj[t]), t not in self.dirty, stmt)
            if t in self.containers:
                self.containers.add(op.operands[0])
        elif kind == "rule":
            self.rule(op)
        elif kind == "subscript":
            t = op.targets[0]
            value = stmt.value
            self.containers.add(value.value.id)
            self.scatter(value.value.id, index_value(value.slice), load(self.adj[t]), stmt)
        elif kind == "literal":
            t = op.targets[0]
            for i, elt in enumerate(stmt.value.elts):
                if self.is_active(elt):
                    part = gast.Subscript(value=load(self.adj[t]), slice=constant(i),
                                          ctx=gast.Load())
                    self.accumulate(elt.id, part, False, stmt)
        elif kind == "unpack":
            src = op.operands[0]
            parts = gast.Tuple(elts=[load(self.adj[n]) if n in self.adj else constant(None)
                                     for n in op.targets], ctx=gast.Load())
            self.containers.add(src)
            self.accumulate(src, self.rt("pack", load(src), parts), False, stmt)
        elif kind in ("user", "local"):
            self.user_call(op)
        else:
            self.fail(NoRuleError, stmt, f"no derivative rule for {op.callee_name}")

    def rule(self, op):
        t = op.targets[0]
        rule = op.rule
        bindings = dict(op.bindings)
        template = bindings.pop("__template__", None) or rule.template
        result_param = template.params[0]
        values = {result_param: load(t), **bindings}
        stmts, contributions = template.instantiate(
            values, lambda p: self.adj[t], self.aliases, self.namer)
        for s in stmts:
            self.emit(s, op.stmt)
        covered = {c.param for c in contributions}
        for param, atom in bindings.items():
            if self.is_active(atom) and param not in covered:
                self.fail(NoRuleError, op.stmt,
                          f"{op.callee_name} has no derivative with respect to its "
                          f"argument '{param}'",
                          "wrap that argument in srcdiff.stop_gradient(...) if its "
                          "derivative should be zero")
        upstream_clean = t not in self.dirty
        for c in contributions:
            atom = bindings.get(c.param)
            if not self.is_active(atom):
                continue
            expr = c.expr
            clean = rule.shape in ("elementwise", "scalar", "broadcast", "reduce") \
                and upstream_clean
            if rule.shape == "broadcast":
                expr = self.unbroadcast(expr, atom, t)
            self.accumulate(atom.id, expr, clean, op.stmt)

    def user_call(self, op):
        stmt = op.stmt
        node = op.call
        args = list(node.args)
        keywords = list(node.keywords)
        if op.kind == "local":
            local = op.callee
            fn = local.node
            args = args + [load(n) for n in local.lifted]
            scope = dict(self.info.local_scope)
            for ld in self.norm.local_defs.values():
                user = self.norm.versions.get(ld.name, ld.name)
                scope[user] = normalize.LocalDef(name=user, node=ld.node,
                                                 lifted=list(ld.lifted_user),
                                                 lifted_user=list(ld.lifted_user),
                                                 original=ld.original)
            fn = _with_siblings(fn, scope)
            info = frontend.FunctionInfo(func=None, node=fn, name=fn.name,
                                         filename=self.info.filename,
                                         globals=self.info.globals,
                                         closure=self.info.closure, local_scope=scope)
            key = ("local", id(fn))
            prefix = []
        else:
            func, bound_self, func_expr = op.callee
            try:
                info = frontend.read_function(func)
            except Exception as exc:  # no source: refuse at the call site
                self.fail(NoRuleError, stmt, f"cannot differentiate the call of "
                          f"{op.callee_name}: {getattr(exc, 'message', exc)}")
            fn = info.node
            key = ("code", func.__code__)
            prefix = []
            if bound_self is not None:
                prefix = [copy.deepcopy(func_expr.value)]
        bound = bind_params(fn, prefix + args, keywords)
        if bound is None:
            self.fail(UnsupportedSyntaxError, stmt,
                      f"cannot match the arguments of the call to {op.callee_name}")
        active = [p for p, atom in bound.items() if self.is_active(atom)]
        if not active:
            return
        order = [p.id for p in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        active.sort(key=order.index)
        unit = self.session.vjp_unit(info, active, key)
        ref = self.reference(unit)
        if len(op.targets) > 1:
            seed = gast.Tuple(elts=[load(self.adj[n]) if n in self.adj
                                    else self.rt("zeros_like", load(n))
                                    for n in op.targets], ctx=gast.Load())
        else:
            seed = load(self.adj[op.targets[0]])
        vjp_call = call(load(ref), [seed] + prefix + list(node.args)
                        + ([load(n) for n in op.callee.lifted] if op.kind == "local" else []),
                        copy.deepcopy(keywords))
        if len(active) == 1:
            self.accumulate(bound[active[0]].id, vjp_call, False, stmt)
            return
        parts = [self.namer.fresh(f"{bound[p].id}_bar") for p in active]
        self.emit(assign(gast.Tuple(elts=[store(n) for n in parts], ctx=gast.Store()),
                         vjp_call), stmt)
        for p, part in zip(active, parts):
            self.accumulate(bound[p].id, load(part), False, stmt)

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

    def seed(self, result):
        """1.0, after checking the output is a scalar, on the cheapest witness:
        nothing when its shape is known to be scalar, else the argument whose
        shape it has (so the output itself need not be computed), else itself."""
        shape = self.an.shapes.get(result)
        if shape == SCALAR:
            return constant(1.0)
        witness = result
        if isinstance(shape, tuple) and len(shape) == 2 and shape[1] in self.norm.params:
            witness = shape[1]
        return self.rt("seed", load(witness), constant(self.info.name))

    # --- the whole function -------------------------------------------------------
    def run(self):
        norm = self.norm
        for stmt in norm.body:
            self.out.append(stmt)
        result = norm.result
        active_out = isinstance(result, gast.Name) and result.id in self.an.varied
        seed_param = None
        if self.mode == "vjp":
            seed_param = self.namer.adjoint(result.id if isinstance(result, gast.Name)
                                            else "y")
            if active_out:
                self.adj[result.id] = seed_param
        elif active_out:
            bar = self.namer.adjoint(result.id)
            self.adj[result.id] = bar
            self.emit(assign(bar, self.seed(result.id)))
        elif isinstance(result, gast.Name):
            self.emit(gast.Expr(value=self.rt("seed", load(result.id),
                                              constant(self.info.name))))
        if active_out:
            for op in reversed(self.an.ops):
                if not any(t in self.adj for t in op.targets):
                    continue
                if not any(self.an.active(t) for t in op.targets):
                    continue
                self.adjoint_of(op)
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
            value = gast.Tuple(elts=[copy.deepcopy(result), value], ctx=gast.Load())
        self.emit(gast.Return(value=value))
        args = copy.deepcopy(norm.args)
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


def _with_siblings(fn, scope):
    """``fn`` with the nested functions it calls defined inside it, so that its
    forward sweep can call them (they close over ``fn``'s lifted parameters)."""
    needed, todo = [], [fn]
    while todo:
        node = todo.pop()
        for n in gast.walk(node):
            if isinstance(n, gast.Name) and n.id in scope and n.id != fn.name \
                    and n.id not in needed:
                needed.append(n.id)
                todo.append(scope[n.id].original)
    if not needed:
        return fn
    fn = copy.deepcopy(fn)
    fn.body = [copy.deepcopy(scope[n].original) for n in sorted(needed)] + fn.body
    return fn


def _is_fresh(expr, rt_alias):
    if isinstance(expr, (gast.BinOp, gast.UnaryOp)):
        return True
    if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute) \
            and isinstance(expr.func.value, gast.Name) and expr.func.value.id == rt_alias:
        return expr.func.attr in _FRESH_HELPERS
    return False
