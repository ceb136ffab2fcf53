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

Here: the statements (``Normalizer``); an expression becomes one operation
on atoms in ``atoms``; the names (versions, temporaries, nested functions)
and the block statements go to are kept by ``scope``.  The example
(``normalize``'s, which tests/test_passes.py runs) is with ``normalize``.
"""

import dataclasses

import gast

from . import rules  # noqa: F401  (declares the primitives)
from .atoms import Atomizer, is_atom
from .names import Namer
from .scope import Scope
from .trees import assign, clone, load, store


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


class Normalizer:
    """The statements of one function in core form; their expressions go to
    ``atoms.Atomizer``, the names and the block to ``scope.Scope``."""

    def __init__(self, info, fn, namer):
        self.scope = Scope(info, fn, namer)
        self.atoms = Atomizer(self.scope, self.statement)
        self.augmented = {}

    def statement(self, stmt):
        if isinstance(stmt, gast.Expr):
            if isinstance(stmt.value, gast.Constant):
                return  # a docstring or a bare constant
            value = self.atoms.simplify(stmt.value)
            if _is_pop(value):  # lst.pop(): the value is kept, to restore the list
                self.scope.emit(assign(self.scope.temp(), value), stmt)
                return
            if is_atom(value):
                return  # (what was left of a call lowered to statements)
            self.scope.emit(gast.Expr(value=value), stmt)
        elif isinstance(stmt, gast.Pass):
            return
        elif isinstance(stmt, gast.Assert):
            msg = None if stmt.msg is None else self.scope.rename(stmt.msg)
            self.scope.emit(gast.Assert(test=self.scope.rename(stmt.test), msg=msg), stmt)
        elif isinstance(stmt, gast.AugAssign):
            target = stmt.target
            if isinstance(target, gast.Subscript):
                base = self.atoms.atomize(target.value)
                index = self.atoms.index(target.slice)
                old = self.atoms.atomize(gast.copy_location(
                    gast.Subscript(value=base, slice=index, ctx=gast.Load()), target))
                new = self.atoms.atomize(gast.copy_location(
                    gast.BinOp(left=old, op=stmt.op, right=stmt.value), stmt))
                self.scope.write(base, clone(index), new, stmt)
                return
            value = gast.copy_location(
                gast.BinOp(left=load(target.id), op=stmt.op, right=stmt.value), stmt)
            old = self.scope.env.get(target.id, target.id)
            self.assign_to(target, value, stmt)
            # (on an array, x += v changes x in place: aliasing.py needs to know)
            self.augmented[id(self.scope.body[-1])] = old
        elif isinstance(stmt, gast.If):
            test = self.atoms.atomize(stmt.test)
            body = self.scope.block_of(lambda: [self.statement(s) for s in stmt.body])
            orelse = self.scope.block_of(lambda: [self.statement(s) for s in stmt.orelse])
            if not body:
                body = [gast.Pass()]
            self.scope.emit(gast.If(test=test, body=body, orelse=orelse), stmt)
        elif isinstance(stmt, gast.For):
            iterator = self.atoms.atomize(stmt.iter)
            target = store(self.scope.new_version(stmt.target.id, stmt))
            body = self.scope.block_of(lambda: [self.statement(s) for s in stmt.body])
            self.scope.emit(gast.For(target=target, iter=iterator, body=body or [gast.Pass()],
                                     orelse=[], type_comment=None), stmt)
        elif isinstance(stmt, gast.While):
            body = self.scope.block_of(lambda: [self.statement(s) for s in stmt.body])
            self.scope.emit(gast.While(test=gast.Constant(value=True, kind=None), body=body,
                                       orelse=[]), stmt)
        elif isinstance(stmt, gast.Break):
            self.scope.emit(gast.Break(), stmt)
        elif isinstance(stmt, gast.AnnAssign):
            self.assign_to(stmt.target, stmt.value, stmt)
        elif isinstance(stmt, gast.Assign):
            if len(stmt.targets) == 1:
                self.assign_to(stmt.targets[0], stmt.value, stmt)
            else:
                atom = self.atoms.atomize(stmt.value)
                for target in stmt.targets:
                    self.assign_to(target, atom, stmt)
        elif isinstance(stmt, gast.FunctionDef):
            self.scope.local_function(stmt.name, stmt, stmt)
        elif isinstance(stmt, gast.Return):
            raise AssertionError("return handled by run()")
        else:  # the fence lets nothing else through
            self.scope.fail(stmt, f"'{type(stmt).__name__}' statement")

    def assign_to(self, target, value, stmt):
        if isinstance(target, gast.Subscript):
            base = self.atoms.atomize(target.value)
            index = self.atoms.index(target.slice)
            self.scope.write(base, index, self.atoms.atomize(value), stmt)
            return
        if isinstance(target, gast.Name):
            if isinstance(value, gast.Lambda):
                self.scope.local_lambda(target.id, value, stmt)
                return
            rhs = self.atoms.simplify(value)
            if isinstance(rhs, gast.Name) and rhs.id == target.id:
                return  # x = x on a name that keeps its name: nothing happens
            if target.id in self.scope.mutable and not is_atom(rhs) and any(
                    isinstance(n, gast.Name) and n.id == target.id for n in gast.walk(rhs)):
                # x = f(x): the adjoint needs the old x, so the result goes to a temporary
                tmp = self.scope.temp()
                self.scope.emit(assign(tmp, rhs), stmt)
                rhs = load(tmp)
            self.scope.emit(assign(self.scope.new_version(target.id, stmt), rhs), stmt)
            return
        # unpacking (possibly nested): evaluate every value first, then bind
        if isinstance(value, (gast.Tuple, gast.List)):
            if len(value.elts) != len(target.elts):
                self.scope.fail(stmt, "unpacking with a different number of values")
            parts = [self.atoms.atomize(e) for e in value.elts]
            bound = {n.id for n in gast.walk(target) if isinstance(n, gast.Name)}
            for i, atom in enumerate(parts):
                if isinstance(atom, gast.Name) and atom.id in bound:
                    # a, b = b, a on names that keep their name: read both first
                    tmp = self.scope.temp()
                    self.scope.emit(assign(tmp, atom), stmt)
                    parts[i] = gast.copy_location(load(tmp), atom)
            for elt, atom in zip(target.elts, parts):
                if isinstance(elt, gast.Name):
                    self.scope.emit(assign(self.scope.new_version(elt.id, stmt), atom), stmt)
                else:
                    self.unpack_atom(elt, atom, stmt)
            return
        rhs = self.atoms.simplify(value)
        bound = {n.id for n in gast.walk(target) if isinstance(n, gast.Name)}
        if self.scope.is_rule_call(rhs) or not is_atom(rhs) or (
                isinstance(rhs, gast.Name) and rhs.id in bound):
            # a, b = rt.unwrite(...): the call's result is one value of its own;
            # x, b = x: the value unpacked is not the name it is unpacked into
            tmp = self.scope.temp()
            self.scope.emit(assign(tmp, rhs), stmt)
            rhs = gast.copy_location(load(tmp), stmt)
        self.unpack_atom(target, rhs, stmt)

    def unpack_atom(self, target, rhs, stmt):
        """``a, (b, c) = rhs`` where ``rhs`` is already in core form."""
        inner = []
        elts = []
        for elt in target.elts:
            if isinstance(elt, gast.Name):
                elts.append(store(self.scope.new_version(elt.id, stmt)))
            else:
                name = self.scope.temp()
                elts.append(store(name))
                inner.append((elt, name))
        self.scope.emit(assign(gast.Tuple(elts=elts, ctx=gast.Store()), rhs), stmt)
        for elt, name in inner:
            self.unpack_atom(elt, load(name), stmt)

    def run(self):
        scope = self.scope
        result = None
        for stmt in scope.fn.body:
            if isinstance(stmt, gast.Return):
                if stmt.value is None:
                    scope.fail(stmt, "a 'return' without a value",
                               "return the scalar to differentiate")
                if is_atom(stmt.value):
                    result = scope.rename(stmt.value)
                else:
                    value = self.atoms.simplify(stmt.value)
                    name = scope.namer.fresh("y")
                    scope.versions[name] = name
                    scope.emit(assign(name, value), stmt)
                    result = gast.copy_location(load(name), stmt.value)
            else:
                self.statement(stmt)
        if result is None:
            scope.fail(scope.fn, "a function that returns nothing",
                       "return the scalar to differentiate")
        return Normalized(name=scope.fn.name, args=scope.fn.args, params=scope.params,
                          body=scope.body, result=result, namer=scope.namer,
                          local_defs=scope.local_defs, temps=scope.temps,
                          versions=scope.versions, mutable=scope.mutable,
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
