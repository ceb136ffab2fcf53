"""Terms: one expression's sums and products as the algebra pass
(``algebra.py``) rewrites them.

A product is read as a ``Term`` (a numeric coefficient times factors, over
divisors); a sum as a list of terms.  ``Expressions`` rewrites an expression
bottom-up: units and repeated constants out of products (``1.0 * a * b`` ->
``a * b``), a factor common to every term of a sum taken out, terms that
differ only by a constant collected, and factors or whole expressions the code
has already computed read from their names.  What it may assume about names
and values it asks of the pass's ``Facts``.
"""

import gast

from .trees import constant, load

_SUM = (gast.Add, gast.Sub)
_PRODUCT = (gast.Mult, gast.Div, gast.USub)


def number(node):
    """A numeric literal (an int or a float)."""
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def _chain(n, ops):
    return isinstance(n, (gast.BinOp, gast.UnaryOp)) and isinstance(n.op, ops)


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
            elif number(n):
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


class Expressions:
    """Rewrites expressions, given the pass's ``facts`` (what is a float,
    what is fresh, what the code computed and still holds).  ``changed``
    tells whether anything was rewritten."""

    def __init__(self, facts):
        self.facts = facts
        self.changed = False

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
        arithmetic = self.facts.float_call(e)
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
        if arithmetic and self.facts.reusable(e):
            known = self.facts.known.get(self.facts.key(e))
            if known is not None:
                self.changed = True
                return load(known)
        return e

    def product(self, e, fresh=True):
        if isinstance(e, gast.BinOp) and isinstance(e.op, gast.Div):
            return e
        term = Term.of(e)
        reused = self.reuse_products(term)
        if not reused and term.constants < 2 and not (term.unit and abs(term.coef) == 1):
            return e
        value = self.build(term, fresh=fresh)
        if value is None or self.facts.key(value) == self.facts.key(e):
            return e
        self.changed = True
        return value

    def reuse_products(self, term):
        """``g * a * b`` with ``u = a * b`` computed -> ``g * u``."""
        names = [f.id if isinstance(f, gast.Name) else None for f in term.factors]
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                u = names[i] and names[j] and self.facts.known.get(
                    ("*", *sorted((names[i], names[j]))))
                if u:
                    term.factors[i] = load(u)
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
                else constant(term.coef)
            for d in term.divisors:
                value = gast.BinOp(left=value, op=gast.Div(), right=d)
            return value
        value = term.product()
        coef = term.coef
        if value is None:
            return constant(coef)
        if abs(coef) == 1 and (type(coef) is int
                               or any(map(self.facts.is_float, term.factors))):
            if coef < 0:
                return gast.UnaryOp(op=gast.USub(), operand=value)
            if not fresh or len(term.factors) > 1 or self.facts.fresh(value):
                return value
            return None
        return Term(1, [constant(coef)] + term.factors).product()

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
        collected = _collect(terms, self.facts.key)
        if collected is not None:
            terms = collected
        scale = abs(terms[0].coef)
        if common is None and scale != 1 and len(terms) > 1 \
                and all(abs(t.coef) == scale for t in terms):
            for t in terms:
                t.coef = 1 if t.coef > 0 else -1
                t.unit = False
            self.changed = True
            return gast.BinOp(left=constant(scale), op=gast.Mult(),
                              right=self.add(terms, fresh=False))
        if common is None and collected is None:
            return e
        if common is not None:
            for t in terms:
                t.factors.pop(next(k for k, f in enumerate(t.factors)
                                   if isinstance(f, gast.Name) and f.id == common))
            value = gast.BinOp(left=load(common), op=gast.Mult(),
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
