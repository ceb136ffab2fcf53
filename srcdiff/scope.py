"""Scope: the names of one function while ``normalize`` brings it into core
form, and the block statements are emitted into.

A ``Scope`` knows which version each user variable has now (``x`` then
``x_1``: single assignment), which names are temporaries and which keep their
name (``mutable``), which names are local and which name an object outside
(``np.sum``: static), and the nested functions, lifted with their free locals
as parameters (``LocalDef``).  ``atoms`` and ``normalize`` emit into it.
"""

import dataclasses

import gast

from . import lower, primitives
from .errors import UnsupportedSyntaxError
from .trees import assign, clone, load, store


@dataclasses.dataclass
class LocalDef:
    name: str                # the name the function is bound to in the primal
    node: gast.FunctionDef   # the def with its free locals appended as parameters
    lifted: list             # outer variables passed for them, as the outer function names them
    lifted_user: list = None  # the same, as the source names them (for sibling functions)
    original: gast.FunctionDef = None  # the def as written (closing over those variables)


def parameters(args):
    """The parameter names of a def in order (``*args`` and ``**kwargs`` too:
    a tuple and a dict)."""
    var = [v for v in (args.vararg, args.kwarg) if v is not None]
    return [a.id for a in args.posonlyargs + args.args + args.kwonlyargs] + [v.id for v in var]


def assigned_names(fn):
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
    bound = params | assigned_names(fn)
    loads = set()
    for stmt in fn.body:
        for n in gast.walk(stmt):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                loads.add(n.id)
    return loads - bound


def mutable_names(fn):
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


class Scope:
    """The state of one function being normalized: its names and the block
    statements go to (``body``; ``block_of`` for a nested one)."""

    def __init__(self, info, fn, namer):
        self.info = info
        self.namer = namer
        self.fn = fn
        self.params = parameters(fn.args)
        self.locals = set(self.params) | assigned_names(fn)
        self.env = {p: p for p in self.params}
        self.assigned_once = set(self.params)
        self.body = []
        self.local_defs = {}
        self.temps = set()
        self.versions = {p: p for p in self.params}
        self.closure_reads = {}  # free name of a nested def -> the def node
        self.def_names = set()   # user names bound to nested functions
        self.defs_by_user = {}   # user name -> LocalDef
        self.mutable = mutable_names(fn)
        self.depth = 0

    def fail(self, node, message, hint=None):
        raise UnsupportedSyntaxError(
            message, function=self.info.name, filename=self.info.filename,
            lineno=getattr(node, "lineno", None), col=getattr(node, "col_offset", None),
            hint=hint)

    # --- versions ----------------------------------------------------------
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

    # --- the block emitted into -------------------------------------------
    def emit(self, node, where):
        gast.copy_location(node, where)
        self.body.append(node)

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

    def write(self, base, index, value, stmt):
        """``base[index] = value`` (an in-place write into an array or list)."""
        if not isinstance(base, gast.Name) or base.id not in self.versions:
            self.fail(stmt, "a write into something other than a local variable",
                      "write into a local array, e.g. out = np.zeros(n); out[i] = v")
        target = gast.Subscript(value=load(base.id), slice=index, ctx=gast.Store())
        self.emit(assign(target, value), stmt)

    # --- names of objects outside the function --------------------------------
    def is_static(self, node):
        """An attribute chain rooted at a non-local name (``np.linalg.norm``)."""
        while isinstance(node, gast.Attribute):
            node = node.value
        return isinstance(node, gast.Name) and node.id not in self.locals

    def static_value(self, func):
        """The object a static callee (``np.sum``, ``rt.scatter``) names, or None."""
        if not self.is_static(func):
            return None
        try:
            return lower.static_value(self.info, func)
        except (KeyError, AttributeError):
            return None

    def is_rule_call(self, node):
        if not isinstance(node, gast.Call) or not isinstance(node.func, (gast.Name,
                                                                         gast.Attribute)):
            return False
        value = self.static_value(node.func)
        primitive = primitives.lookup(value) if value is not None else None
        return primitive is not None and not primitive.nondiff and (
            primitive.adjoint is not None or primitive.variants is not None)

    # --- nested functions ---------------------------------------------------
    def local_lambda(self, name, value, stmt):
        """``name = lambda ...: ...``, as a nested def."""
        fn = gast.FunctionDef(
            name=name, args=value.args,
            body=[gast.copy_location(gast.Return(value=value.body), value)],
            decorator_list=[], returns=None, type_comment=None, type_params=[])
        gast.copy_location(fn, value)
        self.local_function(name, fn, stmt, original=value)

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
