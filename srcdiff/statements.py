"""What the statements of generated code read, bind and call: the facts the
optimizer's passes (``optimize.py``, ``algebra.py``) decide by.

Purity is decided by what a call resolves to: NumPy, ``math``, srcdiff's
runtime helpers (all but the output check) and user functions count as pure;
anything else is kept, and so are ``math`` calls, which raise on domain errors
(``math.log(-1.0)``) as the original would.

What a statement reads, binds and calls is learnt from one walk over it and
kept until the statement changes (``Statements.facts``): a round of passes
takes time linear in the size of the code, and later rounds walk only what
changed.
"""

import builtins
import math
import types

import gast
import numpy

from . import primitives, runtime
from .trees import Scan, nodes

COMPOUND = (gast.If, gast.For, gast.While)  # statements with blocks inside
HEAD = {gast.If: ("test",), gast.While: ("test",), gast.For: ("target", "iter")}


class Facts:
    """What one statement (if / for / while: anything inside it) reads, binds
    and calls.

    ``loads``: names read, with repetition; ``stores``: names bound (see
    ``stores``); ``pure``: calls nothing impure and makes no lambda;
    ``pure_value``: the same for just the value of an assignment (for any
    other statement: ``pure``); ``closure``: names read inside nested
    functions; ``in_place``: adjoints updated in place (``v += e``,
    ``rt.scatter_add(v, ...)``); ``folded``: ``fold`` found nothing to do."""

    __slots__ = ("loads", "stores", "pure", "pure_value", "closure", "in_place", "folded")

    def __init__(self, loads, stores, pure, pure_value, closure, in_place):
        self.loads = loads
        self.stores = stores
        self.pure = pure
        self.pure_value = pure_value
        self.closure = closure
        self.in_place = in_place
        self.folded = False


class Statements:
    """The facts of the statements of one function (``fn``), kept while they
    stay as they are; ``temps``: its normalization temporaries; ``aliases``:
    the names it calls NumPy, ``math`` and the runtime helpers by; ``lookup``:
    name -> value in its globals (or KeyError); ``views``: name -> the names
    that may share its memory."""

    def __init__(self, fn, temps, aliases, lookup, views):
        self.temps = temps
        self.views = views
        self.modules = {aliases["np"]: numpy, aliases["math"]: math, aliases["rt"]: runtime}
        self.lookup = lookup
        self.known = {}  # id(statement) -> (statement, its Facts): see ``facts``
        args = fn.args
        self.params = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
        self.local_functions = {s.name for s in fn.body if isinstance(s, gast.FunctionDef)}
        self.local_names = self.params | {t for s in fn.body for t in stores(s)}

    def pure(self, node):
        """Does evaluating ``node`` call nothing impure (and make no lambda)?"""
        return self._pure(Scan(node))

    def _pure(self, scan):
        return not any(isinstance(n, gast.Lambda) for n in scan.nested) \
            and all(self.pure_call(call) for call in scan.calls)

    def pure_call(self, call):
        """Does the call have no effect but its result (so that it may be dropped
        or moved)?  Primitives say; the user's functions count as pure."""
        func = call.func
        root, chain = func, []
        while isinstance(root, gast.Attribute):
            chain.append(root.attr)
            root = root.value
        if not isinstance(root, gast.Name):
            return False
        if root.id in self.local_names:
            if chain and primitives.mutating_method(chain[0]):
                return False
            return bool(chain) or root.id in self.local_functions
        if root.id in self.modules:
            value = self.modules[root.id]
        else:
            try:
                value = self.lookup(root.id)
            except (KeyError, AttributeError):
                value = getattr(builtins, root.id, None)
        try:
            for attr in reversed(chain):
                value = getattr(value, attr)
        except AttributeError:
            return False
        if isinstance(value, types.FunctionType) and not chain \
                and primitives.lookup(value) is None:
            return True
        primitive = primitives.lookup(value)
        if primitive is None or not primitive.pure:
            return False
        return not primitive.writes or not any(
            p in primitive.writes for p in _bound_params(primitive, call))

    def _in_place(self, scan):
        """Adjoints that ``+=`` or runtime helpers update in place: never make them aliases."""
        names = set()
        for target in scan.augmented:
            base = target.value if isinstance(target, gast.Subscript) else target
            if isinstance(base, gast.Name):
                names.add(base.id)
        for call in scan.calls:
            names.update(primitives.written(call, self.modules))
        return names

    def facts(self, stmt):
        """What ``stmt`` reads, binds and calls.  Learnt from one walk over
        the statement (for if / for / while: over its head, the rest from
        the statements in it) and kept while it stays as it is: whatever
        changes a statement or a block in place calls ``forget``."""
        known = self.known.get(id(stmt))
        if known is not None:
            return known[1]
        if isinstance(stmt, COMPOUND):
            head = Scan(*[getattr(stmt, field) for field in HEAD[type(stmt)]])
            inner = [self.facts(s) for s in stmt.body + stmt.orelse]
            pure = self._pure(head) and all(f.pure for f in inner)
            facts = Facts(head.loads + [name for f in inner for name in f.loads],
                          _loop_names(stmt) + [name for f in inner for name in f.stores],
                          pure, pure,
                          union([head.closure()] + [f.closure for f in inner]),
                          union([self._in_place(head)] + [f.in_place for f in inner]))
        else:
            if isinstance(stmt, gast.Assign):
                value, targets = Scan(stmt.value), Scan(*stmt.targets)
            else:
                value, targets = Scan(stmt), Scan()
            pure_value = self._pure(value)
            facts = Facts(value.loads + targets.loads, self.stores_of(stmt),
                          pure_value and self._pure(targets), pure_value,
                          value.closure() | targets.closure(),
                          self._in_place(value) | self._in_place(targets))
        self.known[id(stmt)] = (stmt, facts)  # (holding it, no other gets its id)
        return facts

    def fresh_value(self, e):
        """Does ``e`` surely make a new array (or a number)?"""
        if isinstance(e, (gast.BinOp, gast.UnaryOp)):
            return True
        called = primitives.of_call(e, self.modules)
        return called is not None and called.fresh

    def stores_of(self, stmt):
        """Names a simple statement binds or changes, those sharing the memory it
        writes into included."""
        found = stores(stmt)
        for name in _written_in_place(stmt):
            found += sorted(self.views.get(name, ()))
        return found

    def forget(self, stmt, owners=()):
        """``stmt`` (in a block of ``owners``, the if / for / while it is in)
        has changed in place, or something inside it has."""
        for block, _ in blocks([stmt]):
            for s in block:
                self.known.pop(id(s), None)
        self.blocks_changed(owners)

    def blocks_changed(self, owners):
        """A block of the last of ``owners`` (each in a block of the one
        before) has changed: statements went, came or were replaced."""
        for s in owners:
            self.known.pop(id(s), None)

    def forget_all(self):
        self.known.clear()


def stores(stmt):
    """Names a statement binds (for if / for / while: anywhere inside)."""
    if isinstance(stmt, gast.Assign):
        found = [n.id for t in stmt.targets for n in nodes(t)
                 if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
        # a write into an element changes the array: count it as a store of it
        found += [t.value.id for t in stmt.targets
                  if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name)]
        return found
    if isinstance(stmt, gast.Expr) and _mutating_call(stmt.value):
        return [stmt.value.func.value.id]
    if isinstance(stmt, gast.AugAssign):
        target = stmt.target
        base = target.value if isinstance(target, gast.Subscript) else target
        return [base.id] if isinstance(base, gast.Name) else []
    if isinstance(stmt, gast.FunctionDef):
        return [stmt.name]
    if isinstance(stmt, COMPOUND):
        found = _loop_names(stmt)
        for s in stmt.body + stmt.orelse:
            found += stores(s)
        return found
    return []


def _loop_names(stmt):
    """Names a for loop binds in its header (none for if / while)."""
    if isinstance(stmt, gast.For):
        return [n.id for n in nodes(stmt.target) if isinstance(n, gast.Name)]
    return []


def _mutating_call(node):
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
        and primitives.mutating_method(node.func.attr) and isinstance(node.func.value, gast.Name)


def _written_in_place(stmt):
    """Names whose memory a (simple) statement changes in place."""
    if isinstance(stmt, gast.Assign):
        return [t.value.id for t in stmt.targets
                if isinstance(t, gast.Subscript) and isinstance(t.value, gast.Name)]
    if isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Subscript) \
            and isinstance(stmt.target.value, gast.Name):
        return [stmt.target.value.id]
    if isinstance(stmt, gast.Expr) and _mutating_call(stmt.value):
        return [stmt.value.func.value.id]
    return []


def _bound_params(primitive, call):
    """The parameters a call's arguments bind (a method's receiver: ``self``)."""
    bound = primitive.bind(call.args, {k.arg: k.value for k in call.keywords})
    params = list(bound[1]) if bound else []
    return params + (["self"] if isinstance(call.func, gast.Attribute) else [])


def blocks(body, owners=()):
    """Every statement list in a body, the body itself first, each with the
    if / for / while statements it is in."""
    yield body, owners
    for stmt in body:
        if isinstance(stmt, COMPOUND):
            yield from blocks(stmt.body, owners + (stmt,))
            yield from blocks(stmt.orelse, owners + (stmt,))


def union(sets):
    found = set()
    for s in sets:
        found |= s
    return found
