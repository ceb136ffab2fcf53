"""Algebra: the rewrites a person makes when writing a derivative by hand.

One clean-up pass of the optimizer (``simplify``).  The chain rule, applied a
statement at a time, leaves products with the seed ``1.0`` in them, adjoints
built up over several statements, and the same factor multiplied into every
contribution.  This pass rewrites them, on straight-line code and in every
block of a loop or branch:

* ``y_bar = 1.0`` and other names bound once to a number are replaced by it;
* ``1.0 * a * b`` -> ``a * b`` and ``-1.0 * np.sin(u)`` -> ``-np.sin(u)``,
  only where the rest is surely a new float value (never an alias of an array
  the adjoint sweep may update in place, never an integer);
* ``a_bar = x_bar`` (a copy) is forwarded to every use before ``x_bar``
  changes;
* ``v = P`` then ``v = v + Q`` -> ``v = P + Q`` (one statement per adjoint);
* factors already multiplied in the forward sweep are reused:
  ``u = a * b`` ... ``g * a * b`` -> ``g * u``; so are whole expressions
  (``t = x ** 2`` ... ``3 * x ** 2`` -> ``3 * t``);
* a factor common to every term of a sum is taken out, and terms that differ
  only by a constant are collected:
  ``g * t + g * x * 0.1 + g * 0.9 * np.cos(x)`` with ``t = 0.1 * x`` ->
  ``g * (0.2 * x + 0.9 * np.cos(x))``.

The results differ from the step-by-step ones only by rounding (products and
sums are reassociated).  Example (``cos(x**3 * exp(x))``)::

    y_bar = 1.0                          t3_bar = -np.sin(t3)
    t3_bar = -y_bar * np.sin(t3)    ->   x_bar = t3_bar * (t3 + t2 * 3 * x ** 2)
    x_bar = t3_bar * t1 * t2
    x_bar = x_bar + t3_bar * t2 * 3 * x ** 2

Here: the statements (``Simplifier``) and what is known about names where the
code now is (``Facts``); the sums and products of each expression are
rewritten in ``terms``.
"""

import bisect
import collections

import gast

from . import primitives
from .statements import COMPOUND
from .terms import Expressions, number
from .trees import Scan, constant, load, nodes, replace_reads


def simplify(code, body):
    """The pass: ``(code, body) -> (body, changed)`` (``code``: the
    ``statements.Statements`` of the function); see the module docstring.

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
    return Simplifier(code, body).run()


def _load_list(node):
    """Names read, with repetition (``v += e`` reads ``v``)."""
    return Scan(node).loads


def _loads(node):
    return set(_load_list(node))


def _stores(node):
    """Names a statement (anywhere inside it) binds or changes in place."""
    found = set()
    for n in nodes(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            found.add(n.id)
        elif isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(
                n.ctx, gast.Store) and isinstance(n.value, gast.Name):
            found.add(n.value.id)
        elif isinstance(n, gast.AugAssign):
            base = n.target.value if isinstance(n.target, gast.Subscript) else n.target
            if isinstance(base, gast.Name):
                found.add(base.id)
        elif isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                and primitives.mutating_method(n.func.attr) \
                and isinstance(n.func.value, gast.Name):
            found.add(n.func.value.id)
        elif isinstance(n, gast.FunctionDef):
            found.add(n.name)
    return found


def _accumulation(stmt, target, key):
    """``(op, Q)`` if ``stmt`` is ``v += Q`` or ``v -= Q`` for the target ``v``
    (a name or an element or slice of one), or ``v = v + Q``, ``v = v - Q``."""
    if isinstance(stmt, gast.AugAssign) and isinstance(stmt.op, (gast.Add, gast.Sub)) \
            and key(stmt.target) == key(target):
        return stmt.op, stmt.value
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and key(stmt.targets[0]) == key(target) \
            and isinstance(stmt.value, gast.BinOp) \
            and isinstance(stmt.value.op, (gast.Add, gast.Sub)) \
            and key(stmt.value.left) == key(target):
        return stmt.value.op, stmt.value.right
    return None


def _substitute(stmt, values):
    """``stmt`` with reads of names replaced by numbers or other names."""
    def make(n):
        value = values[n.id]
        new = load(value) if isinstance(value, str) else constant(value)
        return gast.copy_location(new, n)
    return replace_reads(stmt, values, make)


class Facts:
    """What the pass knows about a body's names and values: which statements
    read and bind which names (kept until ``rescan``), which names are bound
    once, surely floats, or hold a value the code has computed (``known``,
    where the code now is)."""

    def __init__(self, code, body):
        self.pure = code.pure
        self.modules = code.modules
        self.views = code.views
        self.scans = {}          # id(statement) -> (statement, its reads, its binds)
        self.keys, self.interned = {}, {}  # (see ``key``)
        self.stores = collections.Counter()
        self.load_counts = collections.Counter()
        for stmt in body:
            loads, stores = self.scan(stmt)
            self.load_counts.update(loads)
        for stmt in gast.walk(gast.Module(body=body, type_ignores=[])):
            if isinstance(stmt, gast.stmt) and not isinstance(stmt, COMPOUND):
                self.stores.update(self.stores_of(stmt))
            elif isinstance(stmt, gast.For):
                self.stores.update(_stores(stmt.target))
        self.protected = Scan(*body).closure() | code.params
        self.floats = set()      # names surely bound to a float value
        # what the code computed so far and still holds, where the code now is:
        # an expression (dumped), or ("*", a, b) for ``u = a * b`` -> its name;
        # and for each name, the entries to forget when it changes
        self.known, self.readers = {}, collections.defaultdict(set)

    def scan(self, stmt):
        """(names read with their counts, names bound) of a statement, kept
        until ``rescan``."""
        entry = self.scans.get(id(stmt))
        if entry is None:
            entry = self.scans[id(stmt)] = (stmt, collections.Counter(_load_list(stmt)),
                                            self.stores_of(stmt))
        return entry[1], entry[2]

    def stores_of(self, node):
        """``_stores``, with the names sharing memory written in place, and the
        names a call writes into (``rt.restore_entry(a, k, saved)``: ``a``)."""
        found = _stores(node)
        for call in Scan(node).calls:
            found.update(primitives.written(call, self.modules))
        for name in list(found):
            found |= self.views.get(name, set())
        return found

    def rescan(self, stmt):
        self.scans.pop(id(stmt), None)

    def key(self, node):
        """A number standing for the expression's structure (equal numbers,
        equal expressions; contexts left out), from its parts' numbers."""
        entry = self.keys.get(id(node))
        if entry is not None and entry[0] is node:
            return entry[1]
        if isinstance(node, list):
            shape = (list,) + tuple(self.key(n) for n in node)
        elif isinstance(node, gast.AST):
            shape = (type(node),) + tuple(self.key(getattr(node, f, None))
                                          for f in node._fields if f != "ctx")
        else:
            shape = (type(node), node)
        k = self.interned.setdefault(shape, len(self.interned))
        self.keys[id(node)] = (node, k)
        return k

    def single(self, name):
        """Bound at most once, and not a parameter or read by a nested function."""
        return self.stores.get(name, 0) <= 1 and name not in self.protected

    def is_float(self, e):
        """Is ``e`` surely a float (scalar or array)?"""
        if isinstance(e, gast.Constant):
            return type(e.value) is float
        if isinstance(e, gast.Name):
            return e.id in self.floats
        if isinstance(e, gast.BinOp):
            if isinstance(e.op, gast.Div):
                return True
            return isinstance(e.op, (gast.Mult, gast.Add, gast.Sub, gast.Pow)) and (
                self.is_float(e.left) or self.is_float(e.right))
        if isinstance(e, gast.UnaryOp):
            return self.is_float(e.operand)
        return self.float_call(e)

    def float_call(self, e):
        """A call that surely gives a float (``np.sin(x)``), of no keywords."""
        if not isinstance(e, gast.Call) or e.keywords:
            return False
        called = primitives.of_call(e, self.modules)
        return called is not None and called.float_valued

    def fresh(self, e):
        """Does evaluating ``e`` make a new value (never an alias of an array)?"""
        return isinstance(e, (gast.BinOp, gast.UnaryOp, gast.Constant)) or self.float_call(e)

    def reusable(self, e):
        """An expression worth reading from a name the code bound it to:
        arithmetic, a NumPy function, a slice of an array."""
        return isinstance(e, gast.BinOp) or self.float_call(e) or (
            isinstance(e, gast.Subscript) and isinstance(e.value, gast.Name)
            and all(isinstance(n, (gast.Constant, gast.Slice, gast.Tuple, gast.Name,
                                   gast.UnaryOp, gast.unaryop, gast.expr_context))
                    for n in gast.walk(e.slice)))

    def forget(self, names):
        for name in names:
            for key in self.readers.pop(name, ()):
                self.known.pop(key, None)

    def remember(self, key, name, reads):
        if key not in self.known:
            self.known[key] = name
            for n in reads | {name}:
                self.readers[n].add(key)

    def learn(self, stmt):
        """Update what is known after a statement runs."""
        self.forget(self.scan(stmt)[1])
        if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name)):
            return
        t, value = stmt.targets[0].id, stmt.value
        if t in self.protected:
            return
        if self.single(t) and self.is_float(value):
            self.floats.add(t)
        reads = _loads(value)
        if t in reads or not self.pure(value):
            return
        if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Mult) \
                and isinstance(value.left, gast.Name) and isinstance(value.right, gast.Name):
            self.remember(("*", *sorted((value.left.id, value.right.id))), t, reads)
        if self.reusable(value):
            self.remember(self.key(value), t, reads)


class Simplifier:
    """The pass over statements: numbers bound once substituted, copies
    forwarded, accumulations merged, in every block; each expression is
    rewritten by ``terms.Expressions``."""

    def __init__(self, code, body):
        self.body = body
        self.facts = Facts(code, body)
        self.exprs = Expressions(self.facts)
        self.changed = False

    def run(self):
        constants = {}
        for stmt in self.body:
            if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], gast.Name) and number(stmt.value) \
                    and self.facts.single(stmt.targets[0].id):
                constants[stmt.targets[0].id] = stmt.value.value
        if constants:
            self.changed = True
            self.body = [_substitute(s, constants) for s in self.body
                         if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                                 and s.targets[0].id in constants)]
        self.block(self.body)
        return self.body, self.changed or self.exprs.changed

    def block(self, block):
        facts = self.facts
        self.forward_copies(block)
        self.merge_accumulations(block)
        for stmt in block:
            if isinstance(stmt, COMPOUND):
                # (each block inside starts knowing nothing: no copies of what
                # is known, which would make the pass quadratic)
                outer = facts.known, facts.readers
                for inner in (stmt.body, stmt.orelse):
                    facts.known, facts.readers = {}, collections.defaultdict(set)
                    self.block(inner)
                facts.known, facts.readers = outer
                facts.rescan(stmt)
                facts.learn(stmt)
                continue
            if isinstance(stmt, (gast.Assign, gast.AugAssign)):
                # (``v += e`` only reads e; ``a = 1.0 * b`` may become a copy
                # when neither changes in place)
                copy = isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], gast.Name) \
                    and facts.single(stmt.targets[0].id) and _unit_times(stmt.value)
                stmt.value = self.exprs.expr(stmt.value, fresh=isinstance(stmt, gast.Assign)
                                             and not (copy and facts.single(copy)))
                facts.rescan(stmt)
            facts.learn(stmt)

    def forward_copies(self, block):
        """``a = b`` -> uses of ``a`` read ``b``, when every use of ``a`` comes
        before ``b`` changes (the last one may be the assignment that changes it)."""
        loaded, stored = collections.defaultdict(list), collections.defaultdict(list)
        for k, stmt in enumerate(block):
            loads, stores = self.facts.scan(stmt)
            for n in loads:
                loaded[n].append(k)
            for n in stores:
                stored[n].append(k)
        dropped = set()
        for i, stmt in enumerate(block):
            if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Name)
                    and self.facts.single(stmt.targets[0].id)):
                continue
            a, b = stmt.targets[0].id, stmt.value.id
            uses = [j for j in loaded.get(a, ()) if j > i]
            if not uses or a == b or sum(self.facts.scan(block[j])[0][a] for j in uses) \
                    != self.facts.load_counts[a]:
                continue
            changes = stored.get(b, [])
            k = bisect.bisect_right(changes, i)
            if k < len(changes) and (changes[k] < uses[-1] or changes[k] == uses[-1]
                                     and not isinstance(block[uses[-1]], gast.Assign)):
                continue
            for j in uses:
                block[j] = _substitute(block[j], {a: b})
                self.facts.rescan(block[j])
                bisect.insort(loaded[b], j)
            self.facts.load_counts[b] += self.facts.load_counts.pop(a)
            dropped.add(i)
            self.changed = True
        if dropped:
            block[:] = [s for k, s in enumerate(block) if k not in dropped]

    def merge_accumulations(self, block):
        """``v = P`` ... ``v = v + Q`` (the next statement to touch ``v``) ->
        ``v = P + Q``, placed where both can be evaluated; also for ``v[s] = P``
        ... ``v[s] += Q`` and for ``v += P`` ... ``v += Q``."""
        out = []            # the new block; None where a statement moved away
        pending = {}        # v -> where in out the last assignment to v (or v[s]) is,
        last_store = {}     # while nothing touched v since; name -> last binding
        for stmt in block:
            loads, stores = self.facts.scan(stmt)
            for v in [v for v in pending if v in loads or v in stores]:
                i = pending.pop(v)
                merged, moved = self.merge(out, i, stmt, last_store)
                if not merged:
                    continue
                stmt = None  # merged into out[i], or moved down to here
                if moved is not None:
                    out.append(moved)
                    pending[v] = len(out) - 1
                    last_store[v] = len(out) - 1
                else:
                    pending[v] = i
                break
            if stmt is None:
                continue
            out.append(stmt)
            for n in stores:
                last_store[n] = len(out) - 1
            target = stmt.targets[0] if isinstance(stmt, gast.Assign) \
                and len(stmt.targets) == 1 else stmt.target if isinstance(
                    stmt, gast.AugAssign) and isinstance(stmt.op, gast.Add) else None
            if isinstance(target, gast.Subscript):
                target = target.value
            if isinstance(target, gast.Name) and not number(stmt.value):
                # (``v = 0.0`` then ``v = v + Q``: the optimizer's merge_zero)
                pending[target.id] = len(out) - 1
        block[:] = [s for s in out if s is not None]

    def merge(self, out, i, stmt, last_store):
        """Merge ``stmt`` (``v += Q``) into ``out[i]`` (``v = P``) if it adds to
        it: at ``i`` if nothing ``Q`` reads changed since, else here (``out[i]``
        becomes None).  Returns (merged?, the merged statement if it goes here)."""
        first = out[i]
        target = first.target if isinstance(first, gast.AugAssign) else first.targets[0]
        added = _accumulation(stmt, target, self.facts.key)
        if added is None:
            return False, None
        op, q = added
        v = (target.value if isinstance(target, gast.Subscript) else target).id
        if v in _loads(q):
            return False, None
        value = gast.BinOp(left=first.value, op=op, right=q)
        merged = gast.AugAssign(target=target, op=gast.Add(), value=value) \
            if isinstance(first, gast.AugAssign) else \
            gast.Assign(targets=first.targets, type_comment=None, value=value)
        if all(last_store.get(n, -1) <= i for n in _loads(q)) and self.facts.pure(q):
            out[i] = gast.copy_location(merged, first)
            moved = None
        elif all(last_store.get(n, -1) <= i for n in _loads(first.value)) \
                and self.facts.pure(first.value):
            out[i] = None
            moved = gast.copy_location(merged, stmt)
        else:
            return False, None
        self.changed = True
        return True, moved


def _unit_times(e):
    """``n`` if ``e`` is ``1.0 * n`` or ``n * 1.0`` for a name n."""
    if isinstance(e, gast.BinOp) and isinstance(e.op, gast.Mult):
        for one, n in ((e.left, e.right), (e.right, e.left)):
            if isinstance(one, gast.Constant) and type(one.value) is float \
                    and one.value == 1.0 and isinstance(n, gast.Name):
                return n.id
    return None

