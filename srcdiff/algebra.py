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
"""

import bisect
import collections

import gast

from . import primitives
from .trees import Scan, nodes, replace_reads

# NumPy functions whose value is floating point for any real input
_COMPOUND = (gast.If, gast.For, gast.While)

def simplify(optimizer, body):
    """The pass: ``(body) -> (body, changed)``; see the module docstring."""
    return Simplifier(optimizer, body).run()


def _number(node):
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def _name(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


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


_SUM = (gast.Add, gast.Sub)
_PRODUCT = (gast.Mult, gast.Div, gast.USub)


def _chain(n, ops):
    return isinstance(n, (gast.BinOp, gast.UnaryOp)) and isinstance(n.op, ops)


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
        new = _name(value) if isinstance(value, str) else \
            gast.Constant(value=value, kind=None)
        return gast.copy_location(new, n)
    return replace_reads(stmt, values, make)


# --- terms: coefficient * factor * factor ... -----------------------------------

class Term:
    """A product: a numeric coefficient, the other factors in order, what it
    is divided by, and whether a float 1.0 or -1.0 was among the constants
    multiplied (``unit``)."""

    def __init__(self, coef, factors, divisors=(), unit=False):
        self.coef = coef
        self.factors = factors
        self.divisors = list(divisors)
        self.unit = unit
        self.constants = 0  # how many constants and negations make coef

    @classmethod
    def of(cls, e):
        term = cls(1, [])

        def visit(n):
            if isinstance(n, gast.BinOp) and isinstance(n.op, gast.Mult):
                visit(n.left)
                visit(n.right)
            elif isinstance(n, gast.UnaryOp) and isinstance(n.op, gast.USub):
                term.coef = -term.coef
                term.constants += 1
                visit(n.operand)
            elif isinstance(n, gast.BinOp) and isinstance(n.op, gast.Div):
                visit(n.left)
                term.divisors.append(n.right)
            elif _number(n):
                term.coef = term.coef * n.value
                term.constants += 1
                term.unit = term.unit or (type(n.value) is float and abs(n.value) == 1.0)
            else:
                term.factors.append(n)
        visit(e)
        return term

    def product(self):
        """The factors multiplied, left to right (None if there are none)."""
        value = None
        for f in self.factors:
            value = f if value is None else gast.BinOp(left=value, op=gast.Mult(), right=f)
        return value


class Simplifier:
    def __init__(self, optimizer, body):
        self.pure = optimizer.pure
        self.np = optimizer.aliases.get("np")
        self.modules = optimizer.modules
        self.views = optimizer.views
        self.body = body
        self.scans = {}          # id(statement) -> (statement, its reads, its binds)
        self.keys, self.interned = {}, {}  # (see ``key``)
        self.stores = collections.Counter()
        self.load_counts = collections.Counter()
        for stmt in body:
            loads, stores = self.scan(stmt)
            self.load_counts.update(loads)
        for stmt in gast.walk(gast.Module(body=body, type_ignores=[])):
            if isinstance(stmt, gast.stmt) and not isinstance(stmt, _COMPOUND):
                self.stores.update(self.stores_of(stmt))
            elif isinstance(stmt, gast.For):
                self.stores.update(_stores(stmt.target))
        self.protected = Scan(*body).closure() | optimizer.params
        self.floats = set()      # names surely bound to a float value
        # what the code computed so far and still holds, where the code now is:
        # an expression (dumped), or ("*", a, b) for ``u = a * b`` -> its name;
        # and for each name, the entries to forget when it changes
        self.known, self.readers = {}, collections.defaultdict(set)
        self.changed = False

    def scan(self, stmt):
        """(names read with their counts, names bound) of a statement, kept
        until ``rescan``."""
        entry = self.scans.get(id(stmt))
        if entry is None:
            entry = self.scans[id(stmt)] = (stmt, collections.Counter(_load_list(stmt)),
                                            self.stores_of(stmt))
        return entry[1], entry[2]

    def stores_of(self, node):
        """``_stores``, with the names sharing memory written in place."""
        found = _stores(node)
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

    # --- facts about names and values --------------------------------------------
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

    # --- statements ----------------------------------------------------------------
    def run(self):
        constants = {}
        for stmt in self.body:
            if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], gast.Name) and _number(stmt.value) \
                    and self.single(stmt.targets[0].id):
                constants[stmt.targets[0].id] = stmt.value.value
        if constants:
            self.changed = True
            self.body = [_substitute(s, constants) for s in self.body
                         if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                                 and s.targets[0].id in constants)]
        self.block(self.body)
        return self.body, self.changed

    def block(self, block):
        self.forward_copies(block)
        self.merge_accumulations(block)
        for stmt in block:
            if isinstance(stmt, _COMPOUND):
                # (each block inside starts knowing nothing: no copies of what
                # is known, which would make the pass quadratic)
                outer = self.known, self.readers
                for inner in (stmt.body, stmt.orelse):
                    self.known, self.readers = {}, collections.defaultdict(set)
                    self.block(inner)
                self.known, self.readers = outer
                self.rescan(stmt)
                self.learn(stmt)
                continue
            if isinstance(stmt, (gast.Assign, gast.AugAssign)):
                # (``v += e`` only reads e; ``a = 1.0 * b`` may become a copy
                # when neither changes in place)
                copy = isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], gast.Name) \
                    and self.single(stmt.targets[0].id) and _unit_times(stmt.value)
                stmt.value = self.expr(stmt.value, fresh=isinstance(stmt, gast.Assign)
                                       and not (copy and self.single(copy)))
                self.rescan(stmt)
            self.learn(stmt)

    def forward_copies(self, block):
        """``a = b`` -> uses of ``a`` read ``b``, when every use of ``a`` comes
        before ``b`` changes (the last one may be the assignment that changes it)."""
        loaded, stored = collections.defaultdict(list), collections.defaultdict(list)
        for k, stmt in enumerate(block):
            loads, stores = self.scan(stmt)
            for n in loads:
                loaded[n].append(k)
            for n in stores:
                stored[n].append(k)
        dropped = set()
        for i, stmt in enumerate(block):
            if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Name)
                    and self.single(stmt.targets[0].id)):
                continue
            a, b = stmt.targets[0].id, stmt.value.id
            uses = [j for j in loaded.get(a, ()) if j > i]
            if not uses or a == b or sum(self.scan(block[j])[0][a] for j in uses) \
                    != self.load_counts[a]:
                continue
            changes = stored.get(b, [])
            k = bisect.bisect_right(changes, i)
            if k < len(changes) and (changes[k] < uses[-1] or changes[k] == uses[-1]
                                     and not isinstance(block[uses[-1]], gast.Assign)):
                continue
            for j in uses:
                block[j] = _substitute(block[j], {a: b})
                self.rescan(block[j])
                bisect.insort(loaded[b], j)
            self.load_counts[b] += self.load_counts.pop(a)
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
            loads, stores = self.scan(stmt)
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
            if isinstance(target, gast.Name) and not _number(stmt.value):
                # (``v = 0.0`` then ``v = v + Q``: the optimizer's merge_zero)
                pending[target.id] = len(out) - 1
        block[:] = [s for s in out if s is not None]

    def merge(self, out, i, stmt, last_store):
        """Merge ``stmt`` (``v += Q``) into ``out[i]`` (``v = P``) if it adds to
        it: at ``i`` if nothing ``Q`` reads changed since, else here (``out[i]``
        becomes None).  Returns (merged?, the merged statement if it goes here)."""
        first = out[i]
        target = first.target if isinstance(first, gast.AugAssign) else first.targets[0]
        added = _accumulation(stmt, target, self.key)
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
        if all(last_store.get(n, -1) <= i for n in _loads(q)) and self.pure(q):
            out[i] = gast.copy_location(merged, first)
            moved = None
        elif all(last_store.get(n, -1) <= i for n in _loads(first.value)) \
                and self.pure(first.value):
            out[i] = None
            moved = gast.copy_location(merged, stmt)
        else:
            return False, None
        self.changed = True
        return True, moved

    # --- expressions -----------------------------------------------------------------
    def expr(self, e, fresh=True):
        """``e`` simplified, its parts first (of a sum or product, the terms or
        factors: each once, the whole chain then at once).  ``fresh``: the
        value must not become an alias of an array (no bare name for
        ``1.0 * a``), as where it is assigned or passed to a function."""
        for ops, whole in ((_SUM, self.sum), (_PRODUCT, self.product)):
            if _chain(e, ops):
                todo = [e]
                while todo:
                    n = todo.pop()
                    for field in ("left", "right", "operand"):
                        child = getattr(n, field, None)
                        if _chain(child, ops):
                            todo.append(child)
                        elif child is not None:
                            setattr(n, field, self.operand(child, True))
                return whole(e, fresh)
        arithmetic = self.float_call(e)
        for field in ("left", "right", "operand", "elts", "args", "value", "slice"):
            child = getattr(e, field, None)
            if isinstance(child, list):
                setattr(e, field, [self.operand(c, arithmetic) for c in child])
            elif isinstance(child, gast.expr):
                setattr(e, field, self.operand(child, arithmetic))
        if isinstance(e, gast.Call):
            for k in e.keywords:
                k.value = self.expr(k.value)
        return e

    def operand(self, e, arithmetic):
        """An operand simplified; inside arithmetic (where the result is a new
        value anyway) an expression the forward sweep computed is read from
        its name."""
        e = self.expr(e, fresh=not arithmetic)
        if arithmetic and self.reusable(e):
            known = self.known.get(self.key(e))
            if known is not None:
                self.changed = True
                return _name(known)
        return e

    def product(self, e, fresh=True):
        if isinstance(e, gast.BinOp) and isinstance(e.op, gast.Div):
            return e
        term = Term.of(e)
        reused = self.reuse_products(term)
        if not reused and term.constants < 2 and not (term.unit and abs(term.coef) == 1):
            return e
        value = self.build(term, fresh=fresh)
        if value is None or self.key(value) == self.key(e):
            return e
        self.changed = True
        return value

    def reuse_products(self, term):
        """``g * a * b`` with ``u = a * b`` computed -> ``g * u``."""
        names = [f.id if isinstance(f, gast.Name) else None for f in term.factors]
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                u = names[i] and names[j] and self.known.get(
                    ("*", *sorted((names[i], names[j]))))
                if u:
                    term.factors[i] = _name(u)
                    del term.factors[j]
                    return True
        return False

    def build(self, term, fresh=False):
        """The term as an expression: ``a * b``, ``-a * b``, ``2.0 * a * b / c``.
        A coefficient of one is left out only where that changes neither the
        type (the rest is a float) nor, with ``fresh``, makes an alias (a bare
        name); None if it cannot be."""
        if term.divisors:  # a new float value whatever the numerator
            value = self.build(Term(term.coef, term.factors)) if term.factors \
                else gast.Constant(value=term.coef, kind=None)
            for d in term.divisors:
                value = gast.BinOp(left=value, op=gast.Div(), right=d)
            return value
        value = term.product()
        coef = term.coef
        if value is None:
            return gast.Constant(value=coef, kind=None)
        if abs(coef) == 1 and (type(coef) is int or any(map(self.is_float, term.factors))):
            if coef < 0:
                return gast.UnaryOp(op=gast.USub(), operand=value)
            if not fresh or len(term.factors) > 1 or self.fresh(value):
                return value
            return None
        return Term(1, [gast.Constant(value=coef, kind=None)] + term.factors).product()

    def sum(self, e, fresh=True):
        """A sum with a factor common to all its terms taken out, and terms
        that differ only by a constant collected."""
        def visit(n, scale, terms, spread):
            if isinstance(n, gast.BinOp) and isinstance(n.op, (gast.Add, gast.Sub)):
                visit(n.left, scale, terms, spread)
                visit(n.right, scale if isinstance(n.op, gast.Add) else -scale, terms,
                      spread)
                return
            t = Term.of(n)
            if spread(t) and len(t.factors) == 1 and not t.divisors and isinstance(
                    t.factors[0], gast.BinOp) and isinstance(t.factors[0].op,
                                                             (gast.Add, gast.Sub)):
                # c * (a - b) among terms that all have c: c * a - c * b
                visit(t.factors[0], scale * t.coef, terms, spread)
                return
            t.coef = scale * t.coef
            terms.append(t)

        terms = []
        visit(e, 1, terms, lambda t: abs(t.coef) == 1)
        if len({abs(t.coef) for t in terms}) == 1:
            spread, terms = abs(terms[0].coef), []
            visit(e, 1, terms, lambda t: abs(t.coef) in (1, spread))
        common = _common_name(terms)
        collected = _collect(terms, self.key)
        if collected is not None:
            terms = collected
        scale = abs(terms[0].coef)
        if common is None and scale != 1 and len(terms) > 1 \
                and all(abs(t.coef) == scale for t in terms):
            for t in terms:
                t.coef = 1 if t.coef > 0 else -1
                t.unit = False
            self.changed = True
            return gast.BinOp(left=gast.Constant(value=scale, kind=None), op=gast.Mult(),
                              right=self.add(terms, fresh=False))
        if common is None and collected is None:
            return e
        if common is not None:
            for t in terms:
                t.factors.pop(next(k for k, f in enumerate(t.factors)
                                   if isinstance(f, gast.Name) and f.id == common))
            value = gast.BinOp(left=_name(common), op=gast.Mult(),
                               right=self.sum(self.add(terms, fresh=False)))
        else:
            value = self.add(terms, fresh=fresh)
            if value is None:
                return e
        self.changed = True
        return value

    def add(self, terms, fresh=True):
        """The terms added up (``a - b`` for a negative coefficient); None if
        (with ``fresh``) a single term with coefficient one would be a bare name.
        Constants and names come first, then the terms that need the most
        temporary arrays: fewer of them are alive at once."""
        def order(t):
            simple = not t.divisors and len(t.factors) <= 1 and abs(t.coef) == 1 \
                and all(_need(f) == 0 for f in t.factors)
            return (not (simple and t.coef > 0), -max([_need(f) for f in t.factors
                                                        + t.divisors] + [0]))
        terms = sorted(terms, key=order)
        value = None
        for t in terms:
            negative = t.coef < 0 and value is not None
            part = self.build(Term(-t.coef, t.factors, t.divisors) if negative else t,
                              fresh=fresh and len(terms) == 1)
            if part is None:
                return None
            value = part if value is None else gast.BinOp(
                left=value, op=gast.Sub() if negative else gast.Add(), right=part)
        return value


def _need(e):
    """How many new values are alive at once while ``e`` is evaluated (its
    own included): the order of a sum's terms that keeps it smallest."""
    if isinstance(e, (gast.Name, gast.Constant, gast.Attribute, gast.Subscript)):
        return 0
    parts = [e.left, e.right] if isinstance(e, gast.BinOp) else \
        [e.operand] if isinstance(e, gast.UnaryOp) else \
        list(e.args) + [k.value for k in e.keywords] if isinstance(e, gast.Call) else []
    peak = held = 0
    for part in parts:
        peak = max(peak, held + _need(part))
        held += _need(part) > 0
    return max(peak, held + 1)


def _unit_times(e):
    """``n`` if ``e`` is ``1.0 * n`` or ``n * 1.0`` for a name n."""
    if isinstance(e, gast.BinOp) and isinstance(e.op, gast.Mult):
        for one, n in ((e.left, e.right), (e.right, e.left)):
            if isinstance(one, gast.Constant) and type(one.value) is float \
                    and one.value == 1.0 and isinstance(n, gast.Name):
                return n.id
    return None


def _common_name(terms):
    """A name that is a factor of every term, if any."""
    first = [f.id for f in terms[0].factors if isinstance(f, gast.Name)]
    for name in first:
        if all(any(isinstance(f, gast.Name) and f.id == name for f in t.factors)
               for t in terms[1:]):
            return name
    return None


def _collect(terms, key):
    """Terms that differ only by their coefficient added up (None if none do)."""
    groups, order = {}, []
    for t in terms:
        k = (tuple(sorted(map(key, t.factors))), tuple(sorted(map(key, t.divisors))))
        if k in groups:
            groups[k].append(t)
        else:
            groups[k] = [t]
            order.append(k)
    if len(order) == len(terms):
        return None
    collected = []
    for k in order:
        group = groups[k]
        coef = sum(t.coef for t in group)
        if coef == 0:
            return None
        collected.append(Term(coef, group[0].factors, group[0].divisors))
    return collected
