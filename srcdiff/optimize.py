"""Optimize: clean-up passes over generated straight-line code.

Each pass takes the function's body and returns ``(body, changed)``; they run
in turn until none changes anything.  Purity is decided by what a call
resolves to: NumPy, ``math``, srcdiff's runtime helpers (all but the output
check) and user functions count as pure; anything else is kept, and so are
``math`` calls, which raise on domain errors (``math.log(-1.0)``) as the
original would.

* ``fold``: constant arithmetic (``2 - 1`` -> ``1``), ``x ** 1`` -> ``x``,
  ``--a`` -> ``a``;
* ``eliminate_dead``: assignments nobody reads are dropped;
* ``propagate_copies``: ``a = b`` then uses of ``a`` -> uses of ``b``;
* ``inline_temporaries``: a normalization temporary used once is put back
  into the expression that uses it;
* ``merge_zero``: ``v = 0.0`` then ``v = v + e`` -> ``v = e``.

A pass makes all its changes in one sweep over the code.  What a statement
reads, binds and calls is learnt from one walk over it and kept until the
statement changes (``Optimizer.facts``): a round of passes takes time linear
in the size of the code, and later rounds walk only what changed.

Example::

    t1 = x * 2.0                 y_bar = 1.0
    y = np.sin(t1)          ->   ...
    t2 = y                       x_bar = y_bar * np.cos(x * 2.0) * 2.0
"""

import bisect
import builtins
import collections
import math
import operator
import types

import gast
import numpy

from . import algebra, primitives, runtime
from .trees import CHILD_FIELDS, Scan, nodes, replace_reads

_COMPOUND = (gast.If, gast.For, gast.While)
_HEAD = {gast.If: ("test",), gast.While: ("test",), gast.For: ("target", "iter")}


class Facts:
    """What one statement (if / for / while: anything inside it) reads, binds
    and calls.

    ``loads``: names read, with repetition; ``stores``: names bound (see
    ``_stores``); ``pure``: calls nothing impure and makes no lambda;
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


def _stores(stmt):
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
    if isinstance(stmt, _COMPOUND):
        found = _loop_names(stmt)
        for s in stmt.body + stmt.orelse:
            found += _stores(s)
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


def _bound_params(primitive, call):
    """The parameters a call's arguments bind (a method's receiver: ``self``)."""
    bound = primitive.bind(call.args, {k.arg: k.value for k in call.keywords})
    params = list(bound[1]) if bound else []
    return params + (["self"] if isinstance(call.func, gast.Attribute) else [])


def _is_write(stmt):
    return isinstance(stmt, gast.Assign) and any(
        not isinstance(t, (gast.Name, gast.Tuple)) for t in stmt.targets)


def _blocks(body, owners=()):
    """Every statement list in a body, the body itself first, each with the
    if / for / while statements it is in."""
    yield body, owners
    for stmt in body:
        if isinstance(stmt, _COMPOUND):
            yield from _blocks(stmt.body, owners + (stmt,))
            yield from _blocks(stmt.orelse, owners + (stmt,))


def _union(sets):
    found = set()
    for s in sets:
        found |= s
    return found


# the passes, in the order each round runs them
PASSES = ("fold", "simplify", "eliminate_dead", "propagate_copies", "inline_temporaries",
          "merge_zero")


class Optimizer:
    def __init__(self, temps, aliases, lookup, views=None):
        self.temps = temps
        self.aliases = aliases
        self.views = views or {}
        self.modules = {aliases["np"]: numpy, aliases["math"]: math, aliases["rt"]: runtime}
        self.lookup = lookup  # name -> value in the function's globals (or KeyError)
        self.known = {}  # id(statement) -> (statement, its Facts): see ``facts``

    # --- purity and facts -----------------------------------------------------------
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
            primitive = primitives.of_call(call, self.modules)
            if primitive is None or not primitive.writes:
                continue
            bound = primitive.bind(call.args, {k.arg: k.value for k in call.keywords})
            names.update(a.id for p, a in (bound[1].items() if bound else ())
                         if p in primitive.writes and isinstance(a, gast.Name))
        return names

    def facts(self, stmt):
        """What ``stmt`` reads, binds and calls.  Learnt from one walk over
        the statement (for if / for / while: over its head, the rest from
        the statements in it) and kept while it stays as it is: whatever
        changes a statement or a block in place calls ``forget``."""
        known = self.known.get(id(stmt))
        if known is not None:
            return known[1]
        if isinstance(stmt, _COMPOUND):
            head = Scan(*[getattr(stmt, field) for field in _HEAD[type(stmt)]])
            inner = [self.facts(s) for s in stmt.body + stmt.orelse]
            pure = self._pure(head) and all(f.pure for f in inner)
            facts = Facts(head.loads + [name for f in inner for name in f.loads],
                          _loop_names(stmt) + [name for f in inner for name in f.stores],
                          pure, pure,
                          _union([head.closure()] + [f.closure for f in inner]),
                          _union([self._in_place(head)] + [f.in_place for f in inner]))
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
        found = _stores(stmt)
        for name in _written_in_place(stmt):
            found += sorted(self.views.get(name, ()))
        return found

    def forget(self, stmt, owners=()):
        """``stmt`` (in a block of ``owners``, the if / for / while it is in)
        has changed in place, or something inside it has."""
        for block, _ in _blocks([stmt]):
            for s in block:
                self.known.pop(id(s), None)
        self.blocks_changed(owners)

    def blocks_changed(self, owners):
        """A block of the last of ``owners`` (each in a block of the one
        before) has changed: statements went, came or were replaced."""
        for s in owners:
            self.known.pop(id(s), None)

    # --- passes ------------------------------------------------------------------
    def simplify(self, body):
        """The hand-written algebra of ``srcdiff/algebra.py``.

        Before::

            def f(x, y_bar):
                t = np.sin(x)
                x_bar = 1.0 * y_bar * t * np.cos(x)
                x_bar += y_bar * t * 2.0 * x
                return x_bar

        After::

            def f(x, y_bar):
                t = np.sin(x)
                x_bar = y_bar * (t * (np.cos(x) + 2.0 * x))
                return x_bar
        """
        return algebra.simplify(self, body)

    def fold(self, body):
        """Constant folding (see ``_Folder``), in every block.

        Before::

            def f(x):
                a = x * (2 - 1)
                b = a ** 1
                c = x + -b
                return --c

        After::

            def f(x):
                a = x * 1
                b = a
                c = x - b
                return c
        """
        folder = _Folder()
        changed = False
        for block, owners in _blocks(body):
            for stmt in block:
                folder.changed = False
                if isinstance(stmt, _COMPOUND):
                    for field in _HEAD[type(stmt)]:
                        setattr(stmt, field, folder.visit(getattr(stmt, field)))
                elif not self.facts(stmt).folded:
                    folder.visit(stmt)  # (in place)
                    if not folder.changed:
                        self.facts(stmt).folded = True
                if folder.changed:
                    self.forget(stmt, owners)
                    changed = True
        return body, changed

    def propagate_copies(self, body):
        """Every copy ``a = b`` at the top level, where ``a`` is bound only
        there and neither a parameter nor read by a nested function, and ``b``
        is not bound again after it, is dropped; later reads of ``a`` read
        ``b`` (or what ``b`` was a copy of).

        Before::

            def f(x):
                a = x
                b = a * 2.0
                return b

        After::

            def f(x):
                b = x * 2.0
                return b
        """
        facts = [self.facts(s) for s in body]
        protected = _union(f.closure for f in facts) | self.params
        counts = collections.Counter(name for f in facts for name in f.stores)
        last_store = {name: i for i, f in enumerate(facts) for name in f.stores}
        renames = {}

        def renamed(n):
            return gast.copy_location(gast.Name(id=renames[n.id], ctx=gast.Load(),
                                                annotation=None, type_comment=None), n)
        kept = []
        for i, (stmt, f) in enumerate(zip(body, facts)):
            if not renames.keys().isdisjoint(f.loads):
                stmt = replace_reads(stmt, renames, renamed)
                self.forget(stmt)
            if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], gast.Name) \
                    and isinstance(stmt.value, gast.Name):
                a, b = stmt.targets[0].id, stmt.value.id
                if a not in protected and counts[a] == 1 and last_store.get(b, -1) <= i:
                    renames[a] = b
                    continue
            kept.append(stmt)
        return kept, bool(renames)

    def inline_temporaries(self, body):
        """A temporary ``t = e`` bound once and read once, in a later
        statement of the same block (not an if / for / while or a def), goes
        into that statement when ``e`` is pure and the statements between
        call nothing impure and bind nothing ``e`` reads.

        Before::

            def f(x):
                t1 = x * 2.0
                t2 = np.sin(t1)
                y = t2 + x
                return y

        After::

            def f(x):
                y = np.sin(x * 2.0) + x
                return y
        """
        facts = [self.facts(s) for s in body]
        protected = _union(f.closure for f in facts)
        stores = collections.Counter(name for f in facts for name in f.stores)
        uses = collections.Counter(name for f in facts for name in f.loads)

        def candidate(t):
            return t in self.temps and t not in protected and uses[t] == 1 \
                and stores[t] == 1
        changed = False
        for block, owners in _blocks(body):
            block_facts = facts if block is body else [self.facts(s) for s in block]
            if self._inline(block, block_facts, candidate):
                self.blocks_changed(owners)
                changed = True
        return body, changed

    def _inline(self, block, facts, candidate):
        """``inline_temporaries`` in one statement list, in place, in one
        forward sweep; the statements not inlined keep their order.

        It decides as inlining one temporary at a time, the earliest first,
        would.  Putting temporaries into a statement can change whether it is
        pure (``t.sum()`` is, ``M[0].sum()`` is not: see ``pure_call``); a
        temporary assigned earlier, whose use comes later, sees the statement
        with only those assigned before it put in (and again after each
        further one)."""
        out = list(block)
        pending = {}  # temporary -> index of its assignment, while it may be inlined
        readers = {}  # name -> pending temporaries whose value reads it
        for j, (stmt, f) in enumerate(zip(block, facts)):
            first = sorted((pending.pop(t), t) for t in set(f.loads) if t in pending)
            pure = [f.pure_value]  # with none, the first, the first two... put in
            if first and not isinstance(stmt, (gast.FunctionDef,) + _COMPOUND):
                for i, t in first:
                    value = out[i].value  # (the assignment goes away: no copy)
                    stmt = replace_reads(stmt, (t,), lambda n: value)
                    out[i] = None
                    self.forget(stmt)
                    f = self.facts(stmt)  # (it binds what it did)
                    pure.append(f.pure_value)
                out[j] = stmt
            # a statement between a temporary and its use
            if not any(pure):
                pending.clear()
            elif not all(pure):
                places = [i for i, _ in first]
                for t, i in list(pending.items()):
                    if not any(pure[bisect.bisect(places, i):]):
                        del pending[t]
            for name in f.stores:
                for t in readers.pop(name, ()):
                    pending.pop(t, None)
            if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], gast.Name) \
                    and candidate(stmt.targets[0].id) and f.pure_value:
                pending[stmt.targets[0].id] = j
                for name in set(f.loads):
                    readers.setdefault(name, []).append(stmt.targets[0].id)
        block[:] = [s for s in out if s is not None]
        return len(block) < len(out)

    def eliminate_dead(self, body):
        """Assignments (of pure values) and defs at the top level whose names
        nobody reads after, nor a nested function; bare constants.

        Before::

            def f(x):
                a = x * 2.0
                b = np.sin(x)
                1.0
                return a

        After::

            def f(x):
                a = x * 2.0
                return a
        """
        facts = [self.facts(s) for s in body]
        live = _union(f.closure for f in facts)
        kept = []
        changed = False
        for stmt, f in zip(reversed(body), reversed(facts)):
            if isinstance(stmt, _COMPOUND) or _is_write(stmt) or \
                    isinstance(stmt, gast.AugAssign):
                live.update(f.loads)
                kept.append(stmt)
                continue
            if isinstance(stmt, (gast.Assign, gast.FunctionDef)):
                if not any(t in live for t in f.stores) and (
                        isinstance(stmt, gast.FunctionDef) or f.pure_value):
                    changed = True
                    continue
            if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant):
                changed = True
                continue
            live.difference_update(f.stores)
            live.update(f.loads)
            kept.append(stmt)
        kept.reverse()
        return kept, changed

    def merge_zero(self, body):
        """``v = 0.0`` ... ``v = v + e`` (next use of v) -> ``v = e``.

        Before::

            def f(x):
                x_bar = 0.0
                x_bar = x_bar + np.cos(x)
                return x_bar

        After::

            def f(x):
                x_bar = np.cos(x)
                return x_bar
        """
        in_place = _union(self.facts(s).in_place for s in body)
        changed = False
        for block, owners in _blocks(body):
            out = list(block)
            merged = False
            zeros = {}  # v -> index of ``v = 0.0``, while no statement since touched v
            for j, stmt in enumerate(block):
                if zeros:
                    f = self.facts(stmt)
                    for v in dict.fromkeys(f.loads + f.stores):
                        if v not in zeros:
                            continue
                        i = zeros.pop(v)
                        e = _added_to(stmt, v)
                        if e is not None and v not in Scan(e).loads and (
                                v not in in_place or self.fresh_value(e)):
                            out[j] = gast.copy_location(
                                gast.Assign(targets=[gast.Name(id=v, ctx=gast.Store(),
                                                               annotation=None,
                                                               type_comment=None)],
                                            value=e, type_comment=None), stmt)
                            out[i] = None
                            merged = True
                v = _zero_init(out[j])
                if v is not None:
                    zeros[v] = j
            if merged:
                block[:] = [s for s in out if s is not None]
                self.blocks_changed(owners)
                changed = True
        return body, changed

    def run(self, fn, passes=PASSES):
        """The ``passes`` (names, in order) over ``fn``'s body, again until none
        changes anything."""
        args = fn.args
        self.params = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
        self.local_functions = {s.name for s in fn.body if isinstance(s, gast.FunctionDef)}
        self.local_names = self.params | {t for s in fn.body for t in _stores(s)}
        body = fn.body
        passes = [getattr(self, name) for name in passes]
        # these forget what they change (see ``facts``); any other pass may
        # change statements in place unseen: after it, forget everything
        tidy = {self.fold, self.eliminate_dead, self.propagate_copies,
                self.inline_temporaries, self.merge_zero}
        for _ in range(1000):
            any_change = False
            for p in passes:
                body, changed = p(body)
                if p not in tidy:
                    self.known.clear()
                any_change = any_change or changed
            if not any_change:
                break
        fn.body = body
        return fn


_OPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
        gast.Div: operator.truediv, gast.Pow: operator.pow}


class _Folder:
    """``fold`` on a node, in place, parts first."""

    def __init__(self):
        self.changed = False

    def visit(self, node):
        cls = type(node)
        for field in CHILD_FIELDS[cls]:
            value = getattr(node, field)
            if type(value) is list:
                for k, item in enumerate(value):
                    if isinstance(item, gast.AST):
                        new = self.visit(item)
                        if new is not item:
                            value[k] = new
            elif isinstance(value, gast.AST):
                new = self.visit(value)
                if new is not value:
                    setattr(node, field, new)
        if cls is gast.BinOp:
            return self.bin_op(node)
        if cls is gast.UnaryOp:
            return self.unary_op(node)
        return node

    def bin_op(self, n):
        left, right = n.left, n.right
        if _num(left) and _num(right):
            try:
                value = _OPS[type(n.op)](left.value, right.value)
            except Exception:
                return n
            self.changed = True
            return gast.Constant(value=value, kind=None)
        if isinstance(n.op, gast.Add) and isinstance(right, gast.UnaryOp) \
                and isinstance(right.op, gast.USub):
            self.changed = True
            return gast.BinOp(left=left, op=gast.Sub(), right=right.operand)
        if isinstance(n.op, gast.Pow) and _num(right) and right.value == 1 \
                and not isinstance(right.value, bool):
            self.changed = True
            return left
        return n

    def unary_op(self, n):
        if isinstance(n.op, gast.USub) and _num(n.operand):
            self.changed = True
            return gast.Constant(value=-n.operand.value, kind=None)
        if isinstance(n.op, gast.USub) and isinstance(n.operand, gast.UnaryOp) \
                and isinstance(n.operand.op, gast.USub):
            self.changed = True
            return n.operand.operand
        return n


def _zero_init(stmt):
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) \
            and isinstance(stmt.value, gast.Constant) and stmt.value.value == 0.0 \
            and type(stmt.value.value) is float:
        return stmt.targets[0].id
    return None


def _added_to(stmt, v):
    """``e`` if ``stmt`` is ``v = v + e`` or ``v += e``."""
    if isinstance(stmt, gast.AugAssign) and isinstance(stmt.op, gast.Add) \
            and isinstance(stmt.target, gast.Name) and stmt.target.id == v:
        return stmt.value
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) and stmt.targets[0].id == v \
            and isinstance(stmt.value, gast.BinOp) and isinstance(stmt.value.op, gast.Add) \
            and isinstance(stmt.value.left, gast.Name) and stmt.value.left.id == v:
        return stmt.value.right
    return None


def _num(node):
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def optimize(fn, temps, aliases, lookup, views=None):
    """``views``: name -> the names that may share its memory (``aliasing.check``):
    a write into an element of the name changes those too, so no read of them
    may move across it."""
    return Optimizer(temps, aliases, lookup, views).run(fn)


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
