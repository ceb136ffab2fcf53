"""Optimize: clean-up passes over generated straight-line code.

Each pass takes the function's body and returns ``(body, changed)``; they run
to a fixed point.  Purity is decided by what a call resolves to: NumPy,
``math``, srcdiff's runtime helpers (all but the output check) and user
functions count as pure; anything else is kept, and so are ``math`` calls,
which raise on domain errors (``math.log(-1.0)``) as the original would.

* ``fold``: constant arithmetic (``2 - 1`` -> ``1``), ``x ** 1`` -> ``x``,
  ``--a`` -> ``a``;
* ``propagate_copies``: ``a = b`` then uses of ``a`` -> uses of ``b``;
* ``inline_temporaries``: a normalization temporary used once is put back
  into the expression that uses it;
* ``eliminate_dead``: assignments nobody reads are dropped.

Example::

    t1 = x * 2.0                 y_bar = rt.seed(y, 'f')
    y = np.sin(t1)          ->   ...
    t2 = y                       x_bar = y_bar * np.cos(x * 2.0) * 2.0
"""

import copy
import types

import gast
import numpy

from . import runtime

_IMPURE_HELPERS = {"seed"}


def _loads(node):
    """Names read, including the target of ``v += e`` (it reads ``v``)."""
    found = []
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
            found.append(n.id)
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
            found.append(n.target.id)
    return found


_COMPOUND = (gast.If, gast.For, gast.While)


def _stores(stmt):
    """Names a statement binds (for if / for / while: anywhere inside)."""
    if isinstance(stmt, gast.Assign):
        found = [n.id for t in stmt.targets for n in gast.walk(t)
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
        found = []
        if isinstance(stmt, gast.For):
            found += [n.id for n in gast.walk(stmt.target) if isinstance(n, gast.Name)]
        for s in stmt.body + stmt.orelse:
            found += _stores(s)
        return found
    return []


_MUTATING_METHODS = {"append", "extend", "pop", "insert", "remove", "clear", "sort",
                     "reverse", "fill", "update", "setdefault", "resize", "put",
                     "itemset", "setfield", "partition"}


def _mutating_call(node):
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
        and node.func.attr in _MUTATING_METHODS and isinstance(node.func.value, gast.Name)


def _is_write(stmt):
    return isinstance(stmt, gast.Assign) and any(
        not isinstance(t, (gast.Name, gast.Tuple)) for t in stmt.targets)


def _blocks(body):
    """Every statement list in a body, the body itself first."""
    yield body
    for stmt in body:
        if isinstance(stmt, _COMPOUND):
            yield from _blocks(stmt.body)
            yield from _blocks(stmt.orelse)


def _in_place_targets(body, rt_alias):
    """Adjoints that runtime helpers update in place: never make them aliases."""
    names = set()
    for n in gast.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                and isinstance(n.func.value, gast.Name) and n.func.value.id == rt_alias \
                and n.func.attr in ("scatter_add", "unwrite") and n.args \
                and isinstance(n.args[0], gast.Name):
            names.add(n.args[0].id)
        if isinstance(n, gast.AugAssign):
            target = n.target.value if isinstance(n.target, gast.Subscript) else n.target
            if isinstance(target, gast.Name):
                names.add(target.id)
    return names


def _closure_names(body):
    """Names read inside nested functions: never renamed or removed."""
    names = set()
    for stmt in body:
        for n in gast.walk(stmt):
            if isinstance(n, (gast.FunctionDef, gast.Lambda)):
                names.update(_loads(n))
    return names


class Optimizer:
    def __init__(self, temps, aliases, lookup):
        self.temps = temps
        self.aliases = aliases
        self.lookup = lookup  # name -> value in the function's globals (or KeyError)

    # --- purity -----------------------------------------------------------------
    def pure(self, node):
        for n in gast.walk(node):
            if isinstance(n, gast.Call) and not self.pure_callee(n.func):
                return False
            if isinstance(n, gast.Lambda):
                return False
        return True

    def pure_callee(self, func):
        root = func
        chain = []
        while isinstance(root, gast.Attribute):
            chain.append(root.attr)
            root = root.value
        if not isinstance(root, gast.Name):
            return False
        if root.id == self.aliases.get("rt"):
            return not chain or chain[-1] not in _IMPURE_HELPERS
        if root.id == self.aliases.get("np"):
            return True
        if root.id == self.aliases.get("math"):
            return False  # math raises on domain errors: the primal keeps its calls
        if root.id in self.local_names:
            if chain and chain[0] in _MUTATING_METHODS:
                return False
            return bool(chain) or root.id in self.local_functions
        try:
            value = self.lookup(root.id)
        except (KeyError, AttributeError):
            return False
        if value in (numpy, runtime):
            return True
        if isinstance(value, types.FunctionType) and not chain:
            return True
        if root.id in ("slice", "len", "float", "abs", "min", "max", "sum", "range"):
            return True
        return False

    # --- passes ------------------------------------------------------------------
    def fold(self, body):
        changed = False

        class Fold(gast.NodeTransformer):
            def visit_BinOp(self, n):
                nonlocal changed
                self.generic_visit(n)
                left, right = n.left, n.right
                if _num(left) and _num(right):
                    try:
                        value = _OPS[type(n.op)](left.value, right.value)
                    except Exception:
                        return n
                    changed = True
                    return gast.Constant(value=value, kind=None)
                if isinstance(n.op, gast.Add) and isinstance(right, gast.UnaryOp) \
                        and isinstance(right.op, gast.USub):
                    changed = True
                    return gast.BinOp(left=left, op=gast.Sub(), right=right.operand)
                if isinstance(n.op, gast.Pow) and _num(right) and right.value == 1 \
                        and not isinstance(right.value, bool):
                    changed = True
                    return left
                return n

            def visit_UnaryOp(self, n):
                nonlocal changed
                self.generic_visit(n)
                if isinstance(n.op, gast.USub) and _num(n.operand):
                    changed = True
                    return gast.Constant(value=-n.operand.value, kind=None)
                if isinstance(n.op, gast.USub) and isinstance(n.operand, gast.UnaryOp) \
                        and isinstance(n.operand.op, gast.USub):
                    changed = True
                    return n.operand.operand
                return n

        body = [Fold().visit(s) for s in body]
        return body, changed

    def propagate_copies(self, body):
        protected = _closure_names(body) | self.params
        counts = _store_counts(body)
        for i, stmt in enumerate(body):
            if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Name)):
                continue
            a, b = stmt.targets[0].id, stmt.value.id
            if a in protected or counts.get(a, 0) != 1:
                continue
            if any(b in _stores(s) for s in body[i + 1:]):
                continue
            if any(a in _stores(s) for s in body[:i]):
                continue
            rest = [_rename(s, a, b) for s in body[i + 1:]]
            return body[:i] + rest, True
        return body, False

    def inline_temporaries(self, body):
        protected = _closure_names(body)
        stores = _store_counts(body)
        uses = {}
        for stmt in body:
            for name in _loads(stmt):
                uses[name] = uses.get(name, 0) + 1
        for block in _blocks(body):
            for i, stmt in enumerate(block):
                if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], gast.Name)):
                    continue
                t = stmt.targets[0].id
                if t not in self.temps or t in protected or uses.get(t, 0) != 1 \
                        or stores.get(t, 0) != 1:
                    continue
                if not self.pure(stmt.value):
                    continue
                for j in range(i + 1, len(block)):
                    if t in _loads(block[j]):
                        break
                else:
                    continue
                reads = set(_loads(stmt.value))
                between = block[i + 1:j]
                if any(reads & set(_stores(s)) for s in between):
                    continue
                if any(not self.pure(s) for s in between if not isinstance(s, gast.Assign)):
                    continue
                if any(isinstance(s, gast.Assign) and not self.pure(s.value) for s in between):
                    continue
                if isinstance(block[j], (gast.FunctionDef,) + _COMPOUND):
                    continue
                new = _substitute(block[j], t, stmt.value)
                block[i:j + 1] = between + [new]
                return body, True
        return body, False

    def eliminate_dead(self, body):
        live = set(_closure_names(body))
        kept = []
        changed = False
        for stmt in reversed(body):
            if isinstance(stmt, _COMPOUND) or _is_write(stmt) or \
                    isinstance(stmt, gast.AugAssign):
                live.update(_loads(stmt))
                kept.append(stmt)
                continue
            if isinstance(stmt, (gast.Assign, gast.FunctionDef)):
                targets = _stores(stmt)
                value = stmt.value if isinstance(stmt, gast.Assign) else None
                if not any(t in live for t in targets) and (
                        value is None or self.pure(value)):
                    changed = True
                    continue
            if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant):
                changed = True
                continue
            for t in _stores(stmt):
                live.discard(t)
            live.update(_loads(stmt))
            kept.append(stmt)
        kept.reverse()
        return kept, changed

    def merge_zero(self, body):
        """``v = 0.0`` ... ``v = v + e`` (next use of v) -> ``v = e``."""
        in_place = _in_place_targets(body, self.aliases.get("rt"))
        changed = False
        for block in _blocks(body):
            i = 0
            while i < len(block):
                stmt = block[i]
                v = _zero_init(stmt)
                if v is None:
                    i += 1
                    continue
                for j in range(i + 1, len(block)):
                    other = block[j]
                    if v not in _loads(other) and v not in _stores(other):
                        continue
                    e = _added_to(other, v)
                    if e is not None and v not in _loads(e) and (
                            v not in in_place or _fresh_value(e)):
                        block[j] = gast.copy_location(
                            gast.Assign(targets=[gast.Name(id=v, ctx=gast.Store(),
                                                           annotation=None,
                                                           type_comment=None)],
                                        value=e, type_comment=None), other)
                        del block[i]
                        changed = True
                    break
                else:
                    pass
                i += 1
        return body, changed

    def run(self, fn):
        args = fn.args
        self.params = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
        self.local_functions = {s.name for s in fn.body if isinstance(s, gast.FunctionDef)}
        self.local_names = self.params | {t for s in fn.body for t in _stores(s)}
        body = fn.body
        passes = (self.fold, self.eliminate_dead, self.propagate_copies,
                  self.inline_temporaries, self.merge_zero)
        for _ in range(1000):
            any_change = False
            for p in passes:
                body, changed = p(body)
                any_change = any_change or changed
            if not any_change:
                break
        fn.body = body
        return fn


import operator as _operator  # noqa: E402

_OPS = {gast.Add: _operator.add, gast.Sub: _operator.sub, gast.Mult: _operator.mul,
        gast.Div: _operator.truediv, gast.Pow: _operator.pow}


def _fresh_value(e):
    """An expression that surely makes a new array (or a number)."""
    if isinstance(e, (gast.BinOp, gast.UnaryOp)):
        return True
    if isinstance(e, gast.Call) and isinstance(e.func, gast.Attribute) \
            and e.func.attr in ("outer", "zeros", "full", "unreduce", "unreduce_mean",
                                "scatter", "matmul_dx", "matmul_dy"):
        return True
    return False


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


def _store_counts(body):
    counts = {}
    for s in body:
        for t in _stores(s):
            counts[t] = counts.get(t, 0) + 1
    return counts


def _rename(stmt, old, new):
    class R(gast.NodeTransformer):
        def visit_Name(self, n):
            if n.id == old and isinstance(n.ctx, gast.Load):
                return gast.copy_location(
                    gast.Name(id=new, ctx=gast.Load(), annotation=None, type_comment=None), n)
            return n
    return R().visit(stmt)


def _substitute(stmt, name, expr):
    class S(gast.NodeTransformer):
        def visit_Name(self, n):
            if n.id == name and isinstance(n.ctx, gast.Load):
                return copy.deepcopy(expr)
            return n
    return S().visit(stmt)


def optimize(fn, temps, aliases, lookup):
    return Optimizer(temps, aliases, lookup).run(fn)
