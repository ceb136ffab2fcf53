"""Derivative-rule templates: small Python functions that read like the maths.

    def sin(y, x):
        d[x] = d[y] * np.cos(x)

The first parameter is the result, the others the operands.  ``d[v]`` is the
adjoint of ``v``.  A template is parsed once; ``instantiate`` returns fresh
nodes (the cached template is never mutated).  Names the template assigns are
temporaries and get fresh names; ``np``, ``math`` and ``rt`` (runtime
helpers) are rewritten to the generated function's reserved aliases.
"""

import inspect
import textwrap

import gast

from .trees import clone

ALIASES = ("np", "math", "rt")


class TemplateError(Exception):
    """A malformed rule (a bug in srcdiff's rule table, not a user error)."""


class _Adjoints:
    """``d`` in a rule template: ``d[v]`` is the adjoint (or the tangent) of ``v``.
    Importable so that rule modules are plain Python to a linter; templates are
    read as source and never run."""

    def __getitem__(self, name):
        raise TemplateError("d[...] has a meaning only inside a rule template")

    __setitem__ = __getitem__


d = _Adjoints()


class Contribution:
    """``d[param] = expr`` of an instantiated template."""

    def __init__(self, param, expr, where):
        self.param = param
        self.expr = expr
        self.where = where


class Template:
    def __init__(self, fn, rule_name, source=None):
        self.rule_name = rule_name
        if source is None:
            source = textwrap.dedent(inspect.getsource(fn))
        node = gast.parse(source).body[0]
        self.params = [a.id for a in node.args.args]
        defaults = node.args.defaults
        self.defaults = dict(zip(self.params[len(self.params) - len(defaults):], defaults))
        self.body = node.body
        if self.body and isinstance(self.body[0], gast.Expr) and isinstance(
                self.body[0].value, gast.Constant):
            self.body = self.body[1:]
        self.locals = set()
        self.assigned = set()   # parameters with a d[...] contribution
        for stmt in self.body:
            if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
                continue  # a call for its check (rt.require_real_eig(w))
            if not isinstance(stmt, gast.Assign) or len(stmt.targets) != 1:
                raise TemplateError(f"rule {rule_name}: only assignments and calls allowed")
            target = stmt.targets[0]
            if isinstance(target, gast.Name):
                self.locals.add(target.id)
            elif self._is_adjoint(target):
                self.assigned.add(target.slice.id)
            else:
                raise TemplateError(f"rule {rule_name}: bad assignment target")
        for n in gast.walk(node):
            if self._is_adjoint(n) and n.slice.id not in self.params:
                raise TemplateError(f"rule {rule_name}: d[{n.slice.id}] names no parameter")

    @classmethod
    def from_source(cls, source, rule_name):
        """A template written as text (for rules whose operand count varies)."""
        return cls(None, rule_name, source=textwrap.dedent(source))

    @staticmethod
    def _is_adjoint(n):
        return (isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name)
                and n.value.id == "d" and isinstance(n.slice, gast.Name))

    @property
    def pointwise(self):
        """Is every ``d[...]`` (and every local computed from one) used only in
        arithmetic (``+ - * /``, no call)?  Such a tangent rule works as it is
        on tangents with an extra leading axis (a batch of directions)."""
        if not hasattr(self, "_pointwise"):
            tainted = set()

            def carries(node):
                """(does ``node`` carry a tangent, is every use of it arithmetic)"""
                if self._is_adjoint(node) or isinstance(node, gast.Name) and node.id in tainted:
                    return True, True
                parts = [carries(c) for c in gast.iter_child_nodes(node)]
                has = any(h for h, _ in parts)
                fine = all(ok for _, ok in parts)
                if isinstance(node, (gast.BinOp, gast.UnaryOp, gast.operator,
                                     gast.unaryop)):
                    return has, fine
                return has, fine and not has
            ok = True
            for stmt in self.body:
                if not isinstance(stmt, gast.Assign):
                    continue
                has, fine = carries(stmt.value)
                ok = ok and fine
                target = stmt.targets[0]
                if has and isinstance(target, gast.Name):
                    tainted.add(target.id)
            self._pointwise = ok
        return self._pointwise

    def instantiate(self, bindings, adjoint_name, aliases, namer):
        """Statements and contributions with placeholders filled.

        ``bindings``: parameter -> expression node (first parameter: the result);
        ``adjoint_name(param)`` -> name of the adjoint variable read as d[param];
        returns (statements, contributions).
        """
        values = {}
        for p in self.params:
            if p in bindings:
                values[p] = bindings[p]
            elif p in self.defaults:
                values[p] = self.defaults[p]
            else:
                raise TemplateError(f"rule {self.rule_name}: no value for '{p}'")
        renames = {name: namer.fresh(name) for name in sorted(self.locals)}
        rule = self

        class Fill(gast.NodeTransformer):
            def visit_Subscript(self, n):
                if rule._is_adjoint(n):
                    return gast.Name(id=adjoint_name(n.slice.id), ctx=gast.Load(),
                                     annotation=None, type_comment=None)
                return self.generic_visit(n)

            def visit_Name(self, n):
                if n.id in values:
                    return clone(values[n.id])
                if n.id in renames:
                    return gast.Name(id=renames[n.id], ctx=n.ctx, annotation=None,
                                     type_comment=None)
                if n.id in aliases:
                    return gast.Name(id=aliases[n.id], ctx=n.ctx, annotation=None,
                                     type_comment=None)
                return n

        stmts, contributions = [], []
        for stmt in self.body:
            value = Fill().visit(clone(stmt.value))
            if isinstance(stmt, gast.Expr):
                stmts.append(gast.Expr(value=value))
                continue
            target = stmt.targets[0]
            if isinstance(target, gast.Name):
                stmts.append(gast.Assign(
                    targets=[gast.Name(id=renames[target.id], ctx=gast.Store(),
                                       annotation=None, type_comment=None)],
                    value=value, type_comment=None))
            else:
                contributions.append(Contribution(target.slice.id, value, len(stmts)))
        return stmts, contributions
