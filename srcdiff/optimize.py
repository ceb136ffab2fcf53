"""Optimize: clean-up passes over generated straight-line code.

Each pass is a function ``(code, body) -> (body, changed)``, ``code`` the
``statements.Statements`` of the function (what each statement reads, binds
and calls, kept while it stays as it is); they run in turn until none changes
anything (``Optimizer.run``).  A pass makes all its changes in one sweep over
the code.

* ``fold``: constant arithmetic (``2 - 1`` -> ``1``), ``x ** 1`` -> ``x``,
  ``--a`` -> ``a``;
* ``simplify``: the hand-written algebra of ``algebra.py``;
* ``eliminate_dead``: assignments nobody reads are dropped;
* ``propagate_copies``: ``a = b`` then uses of ``a`` -> uses of ``b``;
* ``inline_temporaries``: a normalization temporary used once is put back
  into the expression that uses it;
* ``merge_zero``: ``v = 0.0`` then ``v = v + e`` -> ``v = e``.

Example::

    t1 = x * 2.0                 y_bar = 1.0
    y = np.sin(t1)          ->   ...
    t2 = y                       x_bar = y_bar * np.cos(x * 2.0) * 2.0
"""

import bisect
import collections
import operator

import gast

from . import algebra
from .statements import COMPOUND, HEAD, Statements, blocks, union
from .trees import CHILD_FIELDS, Scan, replace_reads

# the passes, in the order each round runs them
PASSES = ("fold", "simplify", "eliminate_dead", "propagate_copies", "inline_temporaries",
          "merge_zero")
# these forget what they change (see ``Statements.facts``); any other pass may
# change statements in place unseen: after it, everything is forgotten
_TIDY = {"fold", "eliminate_dead", "propagate_copies", "inline_temporaries", "merge_zero"}


def fold(code, body):
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
    for block, owners in blocks(body):
        for stmt in block:
            folder.changed = False
            if isinstance(stmt, COMPOUND):
                for field in HEAD[type(stmt)]:
                    setattr(stmt, field, folder.visit(getattr(stmt, field)))
            elif not code.facts(stmt).folded:
                folder.visit(stmt)  # (in place)
                if not folder.changed:
                    code.facts(stmt).folded = True
            if folder.changed:
                code.forget(stmt, owners)
                changed = True
    return body, changed


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


def _num(node):
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def propagate_copies(code, body):
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
    facts = [code.facts(s) for s in body]
    protected = union(f.closure for f in facts) | code.params
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
            code.forget(stmt)
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], gast.Name) \
                and isinstance(stmt.value, gast.Name):
            a, b = stmt.targets[0].id, stmt.value.id
            if a not in protected and counts[a] == 1 and last_store.get(b, -1) <= i:
                renames[a] = b
                continue
        kept.append(stmt)
    return kept, bool(renames)


def inline_temporaries(code, body):
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
    facts = [code.facts(s) for s in body]
    protected = union(f.closure for f in facts)
    stores = collections.Counter(name for f in facts for name in f.stores)
    uses = collections.Counter(name for f in facts for name in f.loads)

    def candidate(t):
        return t in code.temps and t not in protected and uses[t] == 1 \
            and stores[t] == 1
    changed = False
    for block, owners in blocks(body):
        block_facts = facts if block is body else [code.facts(s) for s in block]
        if _inline(code, block, block_facts, candidate):
            code.blocks_changed(owners)
            changed = True
    return body, changed


def _inline(code, block, facts, candidate):
    """``inline_temporaries`` in one statement list, in place, in one
    forward sweep; the statements not inlined keep their order.

    It decides as inlining one temporary at a time, the earliest first,
    would.  Putting temporaries into a statement can change whether it is
    pure (``t.sum()`` is, ``M[0].sum()`` is not: see
    ``Statements.pure_call``); a temporary assigned earlier, whose use comes
    later, sees the statement with only those assigned before it put in (and
    again after each further one)."""
    out = list(block)
    pending = {}  # temporary -> index of its assignment, while it may be inlined
    readers = {}  # name -> pending temporaries whose value reads it
    for j, (stmt, f) in enumerate(zip(block, facts)):
        first = sorted((pending.pop(t), t) for t in set(f.loads) if t in pending)
        pure = [f.pure_value]  # with none, the first, the first two... put in
        if first and not isinstance(stmt, (gast.FunctionDef,) + COMPOUND):
            for i, t in first:
                value = out[i].value  # (the assignment goes away: no copy)
                stmt = replace_reads(stmt, (t,), lambda n: value)
                out[i] = None
                code.forget(stmt)
                f = code.facts(stmt)  # (it binds what it did)
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


def eliminate_dead(code, body):
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
    facts = [code.facts(s) for s in body]
    live = union(f.closure for f in facts)
    kept = []
    changed = False
    for stmt, f in zip(reversed(body), reversed(facts)):
        if isinstance(stmt, COMPOUND) or _is_write(stmt) or \
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


def _is_write(stmt):
    return isinstance(stmt, gast.Assign) and any(
        not isinstance(t, (gast.Name, gast.Tuple)) for t in stmt.targets)


def merge_zero(code, body):
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
    in_place = union(code.facts(s).in_place for s in body)
    changed = False
    for block, owners in blocks(body):
        out = list(block)
        merged = False
        zeros = {}  # v -> index of ``v = 0.0``, while no statement since touched v
        for j, stmt in enumerate(block):
            if zeros:
                f = code.facts(stmt)
                for v in dict.fromkeys(f.loads + f.stores):
                    if v not in zeros:
                        continue
                    i = zeros.pop(v)
                    e = _added_to(stmt, v)
                    if e is not None and v not in Scan(e).loads and (
                            v not in in_place or code.fresh_value(e)):
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
            code.blocks_changed(owners)
            changed = True
    return body, changed


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


class Optimizer:
    """The passes (names, in order) over a function's body, again until none
    changes anything: ``run``."""

    fold = staticmethod(fold)
    simplify = staticmethod(algebra.simplify)
    eliminate_dead = staticmethod(eliminate_dead)
    propagate_copies = staticmethod(propagate_copies)
    inline_temporaries = staticmethod(inline_temporaries)
    merge_zero = staticmethod(merge_zero)

    def __init__(self, temps, aliases, lookup, views=None):
        self.temps = temps
        self.aliases = aliases
        self.lookup = lookup  # name -> value in the function's globals (or KeyError)
        self.views = views or {}

    def run(self, fn, passes=PASSES):
        code = Statements(fn, self.temps, self.aliases, self.lookup, self.views)
        body = fn.body
        for _ in range(1000):
            any_change = False
            for name in passes:
                body, changed = getattr(self, name)(code, body)
                if name not in _TIDY:
                    code.forget_all()
                any_change = any_change or changed
            if not any_change:
                break
        fn.body = body
        return fn


def optimize(fn, temps, aliases, lookup, views=None):
    """``views``: name -> the names that may share its memory (``aliasing.check``):
    a write into an element of the name changes those too, so no read of them
    may move across it."""
    return Optimizer(temps, aliases, lookup, views).run(fn)
