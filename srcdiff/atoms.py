"""Atoms: an expression as one operation on atoms, the statements that
compute its parts emitted before it.

An *atom* is a name or a constant expression.  ``Atomizer.simplify`` gives an
expression as one operation whose operands are atoms (``a + b``,
``f(a, k=b)``, ``a[i, 1:n]``), emitting a temporary for each part that is not
an atom; ``atomize`` gives an atom.  Ternaries and boolean operators become if
statements, comprehensions loops (``lower`` writes them; their statements go
back to ``normalize``), ``f(x, out=y)`` a call and a write, ``np.r_[...]``
a call of its ``__getitem__``.
"""

import builtins

import gast

from . import lower, primitives
from .scope import assigned_names, mutable_names
from .trees import assign, clone, load


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


class Atomizer:
    """Expressions of one function (``scope``) to atoms; ``statement``
    normalizes a statement an expression holds (a comprehension's loop)."""

    def __init__(self, scope, statement):
        self.scope = scope
        self.statement = statement
        self.outside = _names_outside_comprehensions(scope.fn)
        self.comprehension_names = []  # names bound by the comprehensions being lowered

    def atomize(self, node):
        """An atom holding the value of ``node`` (emitting statements as needed)."""
        if is_atom(node):
            return self.scope.rename(node)
        value = self.simplify(node)
        if isinstance(node, lower.COMPREHENSIONS) and is_atom(value):
            return value  # (the comprehension's new list)
        name = self.scope.temp()
        self.scope.emit(assign(name, value), node)
        return gast.copy_location(load(name), node)

    def simplify(self, node):
        """``node`` as one operation on atoms."""
        if is_atom(node):
            return self.scope.rename(node)
        if isinstance(node, gast.BinOp):
            return gast.copy_location(
                gast.BinOp(left=self.atomize(node.left), op=node.op,
                           right=self.atomize(node.right)), node)
        if isinstance(node, gast.UnaryOp):
            return gast.copy_location(
                gast.UnaryOp(op=node.op, operand=self.atomize(node.operand)), node)
        if isinstance(node, gast.GeneratorExp):
            self.scope.fail(node, "a generator expression that is not passed straight to "
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
            name = self.scope.temp()
            self.scope.local_lambda(name, node.func, node)
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
            if self.scope.is_static(node):
                return self.scope.rename(node)
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
                    self.scope.fail(node, "a dict whose keys are not constants",
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
            self.scope.fail(node, "a lambda that is not bound to a name",
                            "bind it first: g = lambda t: ...; then call g(...)")
        return self.scope.rename(node)

    def comprehension(self, node):
        """A comprehension computed by statements emitted here (``lower``
        writes them), where Python evaluates it; its value as one operation."""
        scope = self.scope
        taken = self.outside.union(*self.comprehension_names)
        stmts, value, bound = lower.comprehension(scope.info, scope.namer, node, taken)
        holder = gast.FunctionDef(name="_", args=None, body=stmts, decorator_list=[],
                                  returns=None, type_comment=None, type_params=[])
        stored = assigned_names(holder)
        scope.locals |= stored
        # (inside a loop or branch every name is assigned again: each keeps its name)
        scope.mutable |= stored if scope.depth else mutable_names(holder)
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
        if not isinstance(node.func, gast.Name) or node.func.id in self.scope.locals:
            return node
        value = self.scope.static_value(node.func)
        if value is builtins.dict and not node.args and all(k.arg for k in node.keywords):
            return gast.copy_location(gast.Dict(
                keys=[gast.Constant(value=k.arg, kind=None) for k in node.keywords],
                values=[k.value for k in node.keywords]), node)
        if value is builtins.list and len(node.args) == 1 and not node.keywords \
                and isinstance(node.args[0], (gast.ListComp, gast.GeneratorExp)):
            return lower.listed(node.args[0])
        if any(isinstance(a, gast.GeneratorExp) for a in node.args) and any(
                value is c for c in _CONSUMERS):
            return gast.copy_location(gast.Call(
                func=node.func, args=[lower.listed(a) for a in node.args],
                keywords=node.keywords), node)
        return node

    def choice(self, node, test, body, orelse, atoms=False):
        """``body if test else orelse`` as an if statement assigning a temporary."""
        scope = self.scope
        name = scope.temp()
        scope.mutable.add(name)
        cond = test if atoms else self.atomize(test)
        with_body = scope.block_of(lambda: scope.emit(assign(name, self.simplify(body)), node))
        with_else = scope.block_of(lambda: scope.emit(assign(name, self.simplify(orelse)), node))
        scope.emit(gast.If(test=cond, body=with_body, orelse=with_else), node)
        return gast.copy_location(load(name), node)

    def callee(self, func):
        if isinstance(func, gast.Name):
            return self.scope.rename(func)
        if isinstance(func, gast.Attribute):
            if self.scope.is_static(func):
                primitive = primitives.lookup(self.scope.static_value(func))
                if primitive is not None and primitive.replaced_by is not None:
                    # generated code differentiated again: a helper that updates
                    # its argument in place is replaced by one that copies
                    func = gast.copy_location(gast.Attribute(
                        value=func.value, attr=primitive.replaced_by.__name__,
                        ctx=gast.Load()), func)
                return self.scope.rename(func)
            return gast.copy_location(
                gast.Attribute(value=self.atomize(func.value), attr=func.attr,
                               ctx=gast.Load()), func)
        self.scope.fail(func, "a call of a computed function",
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

    def index_object(self, node):
        """``np.r_[a, 0:3]`` -> ``np.r_.__getitem__((a, slice(0, 3)))``: the subscript
        of a static object whose ``__getitem__`` is a declared primitive (the index
        objects ``np.r_``, ``np.c_``) is a call of that primitive; else None."""
        if not isinstance(node.value, (gast.Name, gast.Attribute)) \
                or not self.scope.is_static(node.value):
            return None
        try:
            getitem = getattr(self.scope.static_value(node.value), "__getitem__", None)
        except Exception:  # (an object whose attributes raise is no index object)
            return None
        if primitives.lookup(getitem) is None:
            return None
        items = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
        elts = []
        for item in items:
            if isinstance(item, gast.Constant) and isinstance(item.value, str):
                self.scope.fail(item, "a string directive in an index object "
                                      "(np.r_['0,2', ...])",
                                "join the arrays with np.concatenate or np.stack")
            if isinstance(item, gast.Slice):
                if self.scope.static_value(load("slice")) is not slice:
                    self.scope.fail(item, "a slice in an index object where 'slice' "
                                          "is redefined")
                item = gast.copy_location(gast.Call(func=load("slice"), args=[
                    gast.Constant(value=None, kind=None) if b is None else b
                    for b in (item.lower, item.upper, item.step)], keywords=[]), item)
            elts.append(item)
        key = self.atomize(gast.copy_location(gast.Tuple(elts=elts, ctx=gast.Load()), node))
        func = gast.Attribute(value=self.scope.rename(node.value), attr="__getitem__",
                              ctx=gast.Load())
        return gast.copy_location(gast.Call(func=gast.copy_location(func, node), args=[key],
                                            keywords=[]), node)

    def out_argument(self, call):
        """``f(x, out=y)`` of a primitive that writes its result into ``out``:
        ``t = f(x); y[...] = t``, and the call's value is ``y``."""
        out = [k for k in call.keywords if k.arg == "out"]
        if not out or not isinstance(out[0].value, gast.Name) \
                or out[0].value.id not in self.scope.versions:
            return call
        primitive = primitives.lookup(self.scope.static_value(call.func)) \
            if isinstance(call.func, (gast.Name, gast.Attribute)) else None
        if primitive is None or "out" not in primitive.writes:
            return call
        target = out[0].value
        result = self.scope.temp()
        call.keywords = [k for k in call.keywords if k.arg != "out"]
        self.scope.emit(assign(result, call), call)
        self.scope.write(target, gast.Constant(value=Ellipsis, kind=None), load(result), call)
        return gast.copy_location(load(target.id), call)
