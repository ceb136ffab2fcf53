"""Normalize: bring a function into the core form the later passes rely on.

Invariants of the result (``Normalized.body``):

* every statement is one of
  ``name = value``, ``a, b = atom`` (unpacking), ``expr`` (a call kept for its
  side effects), ``assert ...``, a nested ``def``; the last is ``return atom``;
* a *value* is an atom (a name or a constant expression) or one operation whose
  operands are atoms: ``a + b``, ``-a``, ``f(a, k=b)``, ``a.method(b)``,
  ``a[i, 1:n]``, ``a.attr``, ``(a, b)``, ``a < b``;
* single assignment: a name is assigned once; a reassigned user variable gets a
  fresh version (``x`` then ``x_1``), so no value the adjoint needs is ever
  overwritten in straight-line code;
* augmented assignment is lowered (``x += v`` -> ``x_1 = x + v``), the
  docstring is dropped, lambdas bound to names are recorded as local
  functions.

The example (``normalize``'s, which tests/test_passes.py runs) is with
``normalize``.
"""

import builtins
import dataclasses

import gast

from . import lower, primitives, rules  # noqa: F401  (rules: declares the primitives)
from .errors import UnsupportedSyntaxError
from .names import Namer
from .trees import assign, clone, load, store


@dataclasses.dataclass
class LocalDef:
    name: str                # the name the function is bound to in the primal
    node: gast.FunctionDef   # the def with its free locals appended as parameters
    lifted: list             # outer variables passed for them, as the outer function names them
    lifted_user: list = None  # the same, as the source names them (for sibling functions)
    original: gast.FunctionDef = None  # the def as written (closing over those variables)


@dataclasses.dataclass
class Normalized:
    name: str
    args: gast.arguments
    params: list             # all parameter names in order
    body: list
    result: object           # the returned atom (Name or Constant)
    namer: Namer
    local_defs: dict         # SSA name -> LocalDef
    temps: set               # names introduced by normalization
    versions: dict           # SSA name -> user variable name
    mutable: set = None      # names assigned inside control flow or written in place
    augmented: dict = None   # id of the statement an 'x op= v' became -> the old x
    aux: object = None       # with has_aux: the returned atom that is not differentiated


def with_aux(norm):
    """``norm`` of a function returning ``(loss, aux)``: the loss is its result
    and the aux comes beside it (JAX's ``has_aux``).  A pair written in the
    return (``return loss, aux``) is taken apart where it is made; any other
    value is indexed.  Changed in place and returned."""
    result = norm.result
    pair = None
    if isinstance(result, gast.Name):
        made = [s for s in norm.body if isinstance(s, gast.Assign)
                and isinstance(s.targets[0], gast.Name) and s.targets[0].id == result.id]
        if len(made) == 1 and isinstance(made[0].value, gast.Tuple) \
                and len(made[0].value.elts) == 2 and made[0] is norm.body[-1]:
            pair = made[0].value.elts
            norm.body.pop()
    if pair is None:
        parts = []
        for i in (0, 1):
            name = norm.namer.temp()
            norm.temps.add(name)
            norm.versions[name] = name
            norm.body.append(gast.copy_location(assign(name, gast.Subscript(
                value=clone(result), slice=gast.Constant(value=i, kind=None),
                ctx=gast.Load())), result))
            parts.append(load(name))
        pair = parts
    norm.result, norm.aux = pair
    return norm


def parameters(args):
    """The parameter names of a def in order (``*args`` and ``**kwargs`` too:
    a tuple and a dict)."""
    var = [v for v in (args.vararg, args.kwarg) if v is not None]
    return [a.id for a in args.posonlyargs + args.args + args.kwonlyargs] + [v.id for v in var]


def is_atom(node):
    if isinstance(node, gast.Name):
        return True
    return is_constant(node)


def is_constant(node):
    """A constant expression: no names, no calls (``-1``, ``(2, 3)``, ``1/3``)."""
    for n in gast.walk(node):
        if isinstance(n, (gast.Name, gast.Call, gast.Attribute, gast.Subscript,
                          gast.Lambda, gast.JoinedStr)):
            return False
    return True


def _assigned_names(fn):
    names = set()
    for stmt in fn.body:
        for n in gast.walk(stmt):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                names.add(n.id)
            elif isinstance(n, gast.FunctionDef) and n is not fn:
                names.add(n.name)
    return names


def _free_loads(fn):
    """Names a nested function reads but does not bind itself."""
    params = {a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    bound = params | _assigned_names(fn)
    loads = set()
    for stmt in fn.body:
        for n in gast.walk(stmt):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                loads.add(n.id)
    return loads - bound


def _names_outside_comprehensions(fn):
    """Every name the function uses outside the scopes of its comprehensions
    (a comprehension's first iterable is outside: it is evaluated there)."""
    names = set()
    todo = [fn]
    while todo:
        node = todo.pop()
        if isinstance(node, lower.COMPREHENSIONS):
            todo.append(node.generators[0].iter)
            continue
        if isinstance(node, gast.Name):
            names.add(node.id)
        todo.extend(gast.iter_child_nodes(node))
    return names


# builtins that consume an iterable whole: a generator expression passed to them
# is computed as a list
_CONSUMERS = (builtins.sum, builtins.max, builtins.min, builtins.any, builtins.all,
              builtins.list, builtins.tuple, builtins.sorted, builtins.set, builtins.frozenset,
              builtins.dict)


def _mutable_names(fn):
    """User variables whose value changes in place or inside control flow: they
    keep their name (no single-assignment renaming)."""
    names = set()

    def stores(node):
        for n in gast.walk(node):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                names.add(n.id)

    def visit(block, inside):
        for stmt in block:
            if isinstance(stmt, (gast.FunctionDef,)):
                continue
            if isinstance(stmt, (gast.If, gast.For, gast.While)):
                if isinstance(stmt, gast.For):
                    stores(stmt.target)
                visit(stmt.body, True)
                visit(stmt.orelse, True)
                continue
            if inside:
                stores(stmt)
            for n in gast.walk(stmt):
                if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) \
                        and isinstance(n.value, gast.Name):
                    names.add(n.value.id)
                if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                        and n.func.attr in ("append", "extend", "pop") \
                        and isinstance(n.func.value, gast.Name):
                    names.add(n.func.value.id)

    visit(fn.body, False)
    return names


class Normalizer:
    def __init__(self, info, fn, namer):
        self.info = info
        self.namer = namer
        self.fn = fn
        self.params = parameters(fn.args)
        self.locals = set(self.params) | _assigned_names(fn)
        self.env = {p: p for p in self.params}
        self.assigned_once = set(self.params)
        self.body = []
        self.local_defs = {}
        self.temps = set()
        self.versions = {p: p for p in self.params}
        self.closure_reads = {}  # free name of a nested def -> the def node
        self.def_names = set()   # user names bound to nested functions
        self.defs_by_user = {}   # user name -> LocalDef
        self.mutable = _mutable_names(fn)
        self.augmented = {}
        self.depth = 0
        self.outside = _names_outside_comprehensions(fn)
        self.comprehension_names = []  # names bound by the comprehensions being lowered

    def fail(self, node, message, hint=None):
        raise UnsupportedSyntaxError(
            message, function=self.info.name, filename=self.info.filename,
            lineno=getattr(node, "lineno", None), col=getattr(node, "col_offset", None),
            hint=hint)

    # --- names -----------------------------------------------------------
    def new_version(self, user_name, where):
        if user_name in self.closure_reads:
            self.fail(where, f"variable '{user_name}' is reassigned after the nested "
                             "function that reads it",
                      "give the new value a new name")
        if user_name in self.mutable or user_name not in self.assigned_once:
            self.assigned_once.add(user_name)
            ssa = user_name
            self.namer.reserve([ssa])
        else:
            ssa = self.namer.fresh(user_name)
        self.env[user_name] = ssa
        self.versions[ssa] = user_name
        return ssa

    def temp(self):
        name = self.namer.temp()
        self.temps.add(name)
        self.versions[name] = name
        return name

    def emit(self, node, where):
        gast.copy_location(node, where)
        self.body.append(node)

    # --- expressions -----------------------------------------------------
    def rename(self, node):
        """Copy of an expression with local names replaced by their versions."""
        env = self.env

        class R(gast.NodeTransformer):
            def visit_Name(self, n):
                if isinstance(n.ctx, gast.Load) and n.id in env:
                    return gast.copy_location(load(env[n.id]), n)
                return n

            def visit_Lambda(self, n):
                return n  # lambdas keep their own scope

            def comprehension(self, n):
                # (left as it is, in an assert: its variables are its own)
                gens = n.generators
                gens[0].iter = self.visit(gens[0].iter)
                bound = {b.id for g in gens for b in gast.walk(g.target)
                         if isinstance(b, gast.Name)}
                saved = dict(env)
                for b in bound:
                    env.pop(b, None)
                try:
                    for g in gens:
                        g.ifs = [self.visit(c) for c in g.ifs]
                    for g in gens[1:]:
                        g.iter = self.visit(g.iter)
                    for field in ("elt", "key", "value"):
                        if getattr(n, field, None) is not None:
                            setattr(n, field, self.visit(getattr(n, field)))
                finally:
                    env.clear()
                    env.update(saved)
                return n

            visit_ListComp = visit_SetComp = visit_DictComp = comprehension
            visit_GeneratorExp = comprehension

        return R().visit(clone(node))

    def atomize(self, node):
        """An atom holding the value of ``node`` (emitting statements as needed)."""
        if is_atom(node):
            return self.rename(node)
        value = self.simplify(node)
        if isinstance(node, lower.COMPREHENSIONS) and is_atom(value):
            return value  # (the comprehension's new list)
        name = self.temp()
        self.emit(assign(name, value), node)
        return gast.copy_location(load(name), node)

    def simplify(self, node):
        """``node`` as one operation on atoms."""
        if is_atom(node):
            return self.rename(node)
        if isinstance(node, gast.BinOp):
            return gast.copy_location(
                gast.BinOp(left=self.atomize(node.left), op=node.op,
                           right=self.atomize(node.right)), node)
        if isinstance(node, gast.UnaryOp):
            return gast.copy_location(
                gast.UnaryOp(op=node.op, operand=self.atomize(node.operand)), node)
        if isinstance(node, gast.GeneratorExp):
            self.fail(node, "a generator expression that is not passed straight to "
                            "sum, max, min, any, all, list, tuple, sorted, set or dict, "
                            "or looped over",
                      "use a list comprehension: [...]")
        if isinstance(node, lower.COMPREHENSIONS):
            return self.comprehension(node)
        if isinstance(node, gast.Call):
            node = self.builtin_call(node)
            if not isinstance(node, gast.Call):
                return self.simplify(node)
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Lambda):
            # (lambda t: ...)(x): bind the lambda to a name first
            name = self.temp()
            self.assign_to(gast.copy_location(store(name), node.func), node.func, node)
            node = gast.copy_location(
                gast.Call(func=load(name), args=node.args, keywords=node.keywords), node)
        if isinstance(node, gast.Call):
            call = gast.copy_location(
                gast.Call(func=self.callee(node.func),
                          args=[self.atomize(a) for a in node.args],
                          keywords=[gast.keyword(arg=k.arg, value=self.atomize(k.value))
                                    for k in node.keywords]), node)
            return self.out_argument(call)
        if isinstance(node, gast.Subscript):
            call = self.index_object(node)
            if call is not None:
                return call
            return gast.copy_location(
                gast.Subscript(value=self.atomize(node.value),
                               slice=self.index(node.slice), ctx=gast.Load()), node)
        if isinstance(node, gast.Attribute):
            if self.is_static(node):
                return self.rename(node)
            return gast.copy_location(
                gast.Attribute(value=self.atomize(node.value), attr=node.attr,
                               ctx=gast.Load()), node)
        if isinstance(node, (gast.Tuple, gast.List)):
            return gast.copy_location(
                type(node)(elts=[self.atomize(e) for e in node.elts], ctx=gast.Load()),
                node)
        if isinstance(node, gast.Dict):
            for key in node.keys:
                if key is None or not is_constant(key):
                    self.fail(node, "a dict whose keys are not constants",
                              "use constant keys, e.g. {'w': w, 'b': b}")
            return gast.copy_location(
                gast.Dict(keys=[clone(k) for k in node.keys],
                          values=[self.atomize(v) for v in node.values]), node)
        if isinstance(node, gast.Compare):
            return gast.copy_location(
                gast.Compare(left=self.atomize(node.left), ops=node.ops,
                             comparators=[self.atomize(c) for c in node.comparators]),
                node)
        if isinstance(node, gast.IfExp):
            return self.choice(node, node.test, node.body, node.orelse)
        if isinstance(node, gast.BoolOp):
            # a and b -> b if a else a;  a or b -> a if a else b (short-circuit kept)
            first, rest = node.values[0], node.values[1:]
            second = rest[0] if len(rest) == 1 else gast.copy_location(
                gast.BoolOp(op=node.op, values=rest), node)
            head = self.atomize(first)
            if isinstance(node.op, gast.And):
                return self.choice(node, head, second, head, atoms=True)
            return self.choice(node, head, head, second, atoms=True)
        if isinstance(node, gast.Lambda):
            self.fail(node, "a lambda that is not bound to a name",
                      "bind it first: g = lambda t: ...; then call g(...)")
        return self.rename(node)

    def comprehension(self, node):
        """A comprehension computed by statements emitted here (``lower``
        writes them), where Python evaluates it; its value as one operation."""
        taken = self.outside.union(*self.comprehension_names)
        stmts, value, bound = lower.comprehension(self.info, self.namer, node, taken)
        holder = gast.FunctionDef(name="_", args=None, body=stmts, decorator_list=[],
                                  returns=None, type_comment=None, type_params=[])
        stored = _assigned_names(holder)
        self.locals |= stored
        # (inside a loop or branch every name is assigned again: each keeps its name)
        self.mutable |= stored if self.depth else _mutable_names(holder)
        self.comprehension_names.append(set(bound))
        try:
            for stmt in stmts:
                self.statement(stmt)
        finally:
            self.comprehension_names.pop()
        return self.simplify(value)

    def builtin_call(self, node):
        """Calls of builtins written another way: ``dict(a=v)`` -> ``{'a': v}``,
        ``list(<comprehension>)`` -> the comprehension's (new) list; a generator
        expression passed to a builtin that consumes it whole -> a list."""
        if not isinstance(node.func, gast.Name) or node.func.id in self.locals:
            return node
        value = self.static_value(node.func)
        if value is builtins.dict and not node.args and all(k.arg for k in node.keywords):
            return gast.copy_location(gast.Dict(
                keys=[gast.Constant(value=k.arg, kind=None) for k in node.keywords],
                values=[k.value for k in node.keywords]), node)
        if value is builtins.list and len(node.args) == 1 and not node.keywords \
                and isinstance(node.args[0], (gast.ListComp, gast.GeneratorExp)):
            return lower._listed(node.args[0])
        if any(isinstance(a, gast.GeneratorExp) for a in node.args) and any(
                value is c for c in _CONSUMERS):
            return gast.copy_location(gast.Call(
                func=node.func, args=[lower._listed(a) for a in node.args],
                keywords=node.keywords), node)
        return node

    def choice(self, node, test, body, orelse, atoms=False):
        """``body if test else orelse`` as an if statement assigning a temporary."""
        name = self.temp()
        self.mutable.add(name)
        cond = test if atoms else self.atomize(test)
        with_body = self.block_of(lambda: self.emit(assign(name, self.simplify(body)), node))
        with_else = self.block_of(lambda: self.emit(assign(name, self.simplify(orelse)), node))
        self.emit(gast.If(test=cond, body=with_body, orelse=with_else), node)
        return gast.copy_location(load(name), node)

    def block_of(self, fill):
        """Statements emitted by ``fill()`` as a separate (nested) block."""
        saved = self.body
        self.body = []
        self.depth += 1
        try:
            fill()
            return self.body
        finally:
            self.body = saved
            self.depth -= 1

    def is_static(self, node):
        """An attribute chain rooted at a non-local name (``np.linalg.norm``)."""
        while isinstance(node, gast.Attribute):
            node = node.value
        return isinstance(node, gast.Name) and node.id not in self.locals

    def static_value(self, func):
        """The object a static callee (``np.sum``, ``rt.scatter``) names, or None."""
        if not self.is_static(func):
            return None
        chain = []
        while isinstance(func, gast.Attribute):
            chain.append(func.attr)
            func = func.value
        try:
            value = self.info.lookup(func.id)
            for a in reversed(chain):
                value = getattr(value, a)
        except (KeyError, AttributeError):
            return None
        return value

    def is_rule_call(self, node):
        if not isinstance(node, gast.Call) or not isinstance(node.func, (gast.Name,
                                                                         gast.Attribute)):
            return False
        value = self.static_value(node.func)
        primitive = primitives.lookup(value) if value is not None else None
        return primitive is not None and not primitive.nondiff and (
            primitive.adjoint is not None or primitive.variants is not None)

    def index_object(self, node):
        """``np.r_[a, 0:3]`` -> ``np.r_.__getitem__((a, slice(0, 3)))``: the subscript
        of a static object whose ``__getitem__`` is a declared primitive (the index
        objects ``np.r_``, ``np.c_``) is a call of that primitive; else None."""
        if not isinstance(node.value, (gast.Name, gast.Attribute)) \
                or not self.is_static(node.value):
            return None
        try:
            getitem = getattr(self.static_value(node.value), "__getitem__", None)
        except Exception:  # (an object whose attributes raise is no index object)
            return None
        if primitives.lookup(getitem) is None:
            return None
        items = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
        elts = []
        for item in items:
            if isinstance(item, gast.Constant) and isinstance(item.value, str):
                self.fail(item, "a string directive in an index object (np.r_['0,2', ...])",
                          "join the arrays with np.concatenate or np.stack")
            if isinstance(item, gast.Slice):
                if self.static_value(load("slice")) is not slice:
                    self.fail(item, "a slice in an index object where 'slice' is redefined")
                item = gast.copy_location(gast.Call(func=load("slice"), args=[
                    gast.Constant(value=None, kind=None) if b is None else b
                    for b in (item.lower, item.upper, item.step)], keywords=[]), item)
            elts.append(item)
        key = self.atomize(gast.copy_location(gast.Tuple(elts=elts, ctx=gast.Load()), node))
        func = gast.Attribute(value=self.rename(node.value), attr="__getitem__", ctx=gast.Load())
        return gast.copy_location(gast.Call(func=gast.copy_location(func, node), args=[key],
                                            keywords=[]), node)

    def out_argument(self, call):
        """``f(x, out=y)`` of a primitive that writes its result into ``out``:
        ``t = f(x); y[...] = t``, and the call's value is ``y``."""
        out = [k for k in call.keywords if k.arg == "out"]
        if not out or not isinstance(out[0].value, gast.Name) \
                or out[0].value.id not in self.versions:
            return call
        primitive = primitives.lookup(self.static_value(call.func)) \
            if isinstance(call.func, (gast.Name, gast.Attribute)) else None
        if primitive is None or "out" not in primitive.writes:
            return call
        target = out[0].value
        result = self.temp()
        call.keywords = [k for k in call.keywords if k.arg != "out"]
        self.emit(assign(result, call), call)
        self.write(target, gast.Constant(value=Ellipsis, kind=None), load(result), call)
        return gast.copy_location(load(target.id), call)

    def callee(self, func):
        if isinstance(func, gast.Name):
            return self.rename(func)
        if isinstance(func, gast.Attribute):
            if self.is_static(func):
                primitive = primitives.lookup(self.static_value(func))
                if primitive is not None and primitive.replaced_by is not None:
                    # generated code differentiated again: a helper that updates
                    # its argument in place is replaced by one that copies
                    func = gast.copy_location(gast.Attribute(
                        value=func.value, attr=primitive.replaced_by.__name__,
                        ctx=gast.Load()), func)
                return self.rename(func)
            return gast.copy_location(
                gast.Attribute(value=self.atomize(func.value), attr=func.attr,
                               ctx=gast.Load()), func)
        self.fail(func, "a call of a computed function",
                  "bind the function to a name first")

    def index(self, node):
        if isinstance(node, gast.Slice):
            return gast.copy_location(gast.Slice(
                lower=None if node.lower is None else self.atomize(node.lower),
                upper=None if node.upper is None else self.atomize(node.upper),
                step=None if node.step is None else self.atomize(node.step)), node)
        if isinstance(node, gast.Tuple):
            return gast.copy_location(
                gast.Tuple(elts=[self.index(e) for e in node.elts], ctx=gast.Load()), node)
        return self.atomize(node)

    # --- statements ------------------------------------------------------
    def statement(self, stmt):
        if isinstance(stmt, gast.Expr):
            if isinstance(stmt.value, gast.Constant):
                return  # a docstring or a bare constant
            value = self.simplify(stmt.value)
            if _is_pop(value):  # lst.pop(): the value is kept, to restore the list
                self.emit(assign(self.temp(), value), stmt)
                return
            if is_atom(value):
                return  # (what was left of a call lowered to statements)
            self.emit(gast.Expr(value=value), stmt)
        elif isinstance(stmt, gast.Pass):
            return
        elif isinstance(stmt, gast.Assert):
            self.emit(gast.Assert(test=self.rename(stmt.test),
                                  msg=None if stmt.msg is None else self.rename(stmt.msg)),
                      stmt)
        elif isinstance(stmt, gast.AugAssign):
            target = stmt.target
            if isinstance(target, gast.Subscript):
                base = self.atomize(target.value)
                index = self.index(target.slice)
                old = self.atomize(gast.copy_location(
                    gast.Subscript(value=base, slice=index, ctx=gast.Load()), target))
                new = self.atomize(gast.copy_location(
                    gast.BinOp(left=old, op=stmt.op, right=stmt.value), stmt))
                self.write(base, clone(index), new, stmt)
                return
            value = gast.copy_location(
                gast.BinOp(left=load(target.id), op=stmt.op, right=stmt.value), stmt)
            old = self.env.get(target.id, target.id)
            self.assign_to(target, value, stmt)
            # (on an array, x += v changes x in place: aliasing.py needs to know)
            self.augmented[id(self.body[-1])] = old
        elif isinstance(stmt, gast.If):
            test = self.atomize(stmt.test)
            body = self.block_of(lambda: [self.statement(s) for s in stmt.body])
            orelse = self.block_of(lambda: [self.statement(s) for s in stmt.orelse])
            if not body:
                body = [gast.Pass()]
            self.emit(gast.If(test=test, body=body, orelse=orelse), stmt)
        elif isinstance(stmt, gast.For):
            iterator = self.atomize(stmt.iter)
            target = store(self.new_version(stmt.target.id, stmt))
            body = self.block_of(lambda: [self.statement(s) for s in stmt.body])
            self.emit(gast.For(target=target, iter=iterator, body=body or [gast.Pass()],
                               orelse=[], type_comment=None), stmt)
        elif isinstance(stmt, gast.While):
            body = self.block_of(lambda: [self.statement(s) for s in stmt.body])
            self.emit(gast.While(test=gast.Constant(value=True, kind=None), body=body,
                                 orelse=[]), stmt)
        elif isinstance(stmt, gast.Break):
            self.emit(gast.Break(), stmt)
        elif isinstance(stmt, gast.AnnAssign):
            self.assign_to(stmt.target, stmt.value, stmt)
        elif isinstance(stmt, gast.Assign):
            if len(stmt.targets) == 1:
                self.assign_to(stmt.targets[0], stmt.value, stmt)
            else:
                atom = self.atomize(stmt.value)
                for target in stmt.targets:
                    self.assign_to(target, atom, stmt)
        elif isinstance(stmt, gast.FunctionDef):
            self.local_function(stmt.name, stmt, stmt)
        elif isinstance(stmt, gast.Return):
            raise AssertionError("return handled by run()")
        else:  # the fence lets nothing else through
            self.fail(stmt, f"'{type(stmt).__name__}' statement")

    def write(self, base, index, value, stmt):
        """``base[index] = value`` (an in-place write into an array or list)."""
        if not isinstance(base, gast.Name) or base.id not in self.versions:
            self.fail(stmt, "a write into something other than a local variable",
                      "write into a local array, e.g. out = np.zeros(n); out[i] = v")
        target = gast.Subscript(value=load(base.id), slice=index, ctx=gast.Store())
        self.emit(assign(target, value), stmt)

    def assign_to(self, target, value, stmt):
        if isinstance(target, gast.Subscript):
            base = self.atomize(target.value)
            index = self.index(target.slice)
            self.write(base, index, self.atomize(value), stmt)
            return
        if isinstance(target, gast.Name):
            if isinstance(value, gast.Lambda):
                fn = gast.FunctionDef(
                    name=target.id, args=value.args,
                    body=[gast.copy_location(gast.Return(value=value.body), value)],
                    decorator_list=[], returns=None, type_comment=None, type_params=[])
                gast.copy_location(fn, value)
                self.local_function(target.id, fn, stmt, original=value)
                return
            rhs = self.simplify(value)
            if isinstance(rhs, gast.Name) and rhs.id == target.id:
                return  # x = x on a name that keeps its name: nothing happens
            if target.id in self.mutable and not is_atom(rhs) and any(
                    isinstance(n, gast.Name) and n.id == target.id for n in gast.walk(rhs)):
                # x = f(x): the adjoint needs the old x, so the result goes to a temporary
                tmp = self.temp()
                self.emit(assign(tmp, rhs), stmt)
                rhs = load(tmp)
            self.emit(assign(self.new_version(target.id, stmt), rhs), stmt)
            return
        # unpacking (possibly nested): evaluate every value first, then bind
        if isinstance(value, (gast.Tuple, gast.List)):
            if len(value.elts) != len(target.elts):
                self.fail(stmt, "unpacking with a different number of values")
            atoms = [self.atomize(e) for e in value.elts]
            bound = {n.id for n in gast.walk(target) if isinstance(n, gast.Name)}
            for i, atom in enumerate(atoms):
                if isinstance(atom, gast.Name) and atom.id in bound:
                    # a, b = b, a on names that keep their name: read both first
                    tmp = self.temp()
                    self.emit(assign(tmp, atom), stmt)
                    atoms[i] = gast.copy_location(load(tmp), atom)
            for elt, atom in zip(target.elts, atoms):
                if isinstance(elt, gast.Name):
                    self.emit(assign(self.new_version(elt.id, stmt), atom), stmt)
                else:
                    self.unpack_atom(elt, atom, stmt)
            return
        rhs = self.simplify(value)
        bound = {n.id for n in gast.walk(target) if isinstance(n, gast.Name)}
        if self.is_rule_call(rhs) or not is_atom(rhs) or (
                isinstance(rhs, gast.Name) and rhs.id in bound):
            # a, b = rt.unwrite(...): the call's result is one value of its own;
            # x, b = x: the value unpacked is not the name it is unpacked into
            tmp = self.temp()
            self.emit(assign(tmp, rhs), stmt)
            rhs = gast.copy_location(load(tmp), stmt)
        self.unpack_atom(target, rhs, stmt)

    def unpack_atom(self, target, rhs, stmt):
        """``a, (b, c) = rhs`` where ``rhs`` is already in core form."""
        inner = []
        elts = []
        for elt in target.elts:
            if isinstance(elt, gast.Name):
                elts.append(store(self.new_version(elt.id, stmt)))
            else:
                name = self.temp()
                elts.append(store(name))
                inner.append((elt, name))
        self.emit(assign(gast.Tuple(elts=elts, ctx=gast.Store()), rhs), stmt)
        for elt, name in inner:
            self.unpack_atom(elt, load(name), stmt)

    def local_function(self, name, fn, stmt, original=None):
        free = _free_loads(fn)
        for called in list(free):
            if called in self.defs_by_user:
                free.update(self.defs_by_user[called].lifted_user)
        lifted = sorted(n for n in free if n in self.locals
                        and n not in self.def_names)
        for n in lifted:
            if n not in self.env:
                self.fail(fn, f"nested function '{name}' reads '{n}' before it is assigned")
            self.closure_reads[n] = fn
        ssa = self.new_version(name, stmt)
        self.def_names.add(name)
        lifted_fn = clone(fn)
        lifted_fn.name = ssa
        for n in lifted:
            lifted_fn.args.args.append(store(n))
            # defaults must stay aligned to the end: lifted params need values
        if lifted and fn.args.defaults:
            self.fail(fn, f"nested function '{name}' has defaults and reads outer variables",
                      "pass the outer variables as arguments")
        original_fn = clone(fn)
        original_fn.name = name
        local = LocalDef(name=ssa, node=lifted_fn, lifted=[self.env[n] for n in lifted],
                         lifted_user=list(lifted), original=original_fn)
        self.local_defs[ssa] = local
        self.defs_by_user[name] = local
        if original is not None:
            self.emit(assign(ssa, clone(original)), stmt)
        else:
            primal = clone(fn)
            primal.name = ssa
            self.emit(primal, stmt)

    def run(self):
        body = self.fn.body
        result = None
        for stmt in body:
            if isinstance(stmt, gast.Return):
                if stmt.value is None:
                    self.fail(stmt, "a 'return' without a value",
                              "return the scalar to differentiate")
                if is_atom(stmt.value):
                    result = self.rename(stmt.value)
                else:
                    value = self.simplify(stmt.value)
                    name = self.namer.fresh("y")
                    self.versions[name] = name
                    self.emit(assign(name, value), stmt)
                    result = gast.copy_location(load(name), stmt.value)
            else:
                self.statement(stmt)
        if result is None:
            self.fail(self.fn, "a function that returns nothing",
                      "return the scalar to differentiate")
        return Normalized(name=self.fn.name, args=self.fn.args, params=self.params,
                          body=self.body, result=result, namer=self.namer,
                          local_defs=self.local_defs, temps=self.temps,
                          versions=self.versions, mutable=self.mutable,
                          augmented=self.augmented)


def _is_pop(node):
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
        and node.func.attr == "pop" and isinstance(node.func.value, gast.Name) \
        and not node.args and not node.keywords


def normalize(info, fn, namer):
    """``fn`` (the lowered def) in core form (see the module docstring).

    Before::

        def norm(x):
            y = np.sin(x * 2.0)
            y += x
            return y * y

    After::

        def norm(x):
            t1 = x * 2.0
            y = np.sin(t1)
            y_1 = y + x
            y_2 = y_1 * y_1
            return y_2
    """
    return Normalizer(info, fn, namer).run()
