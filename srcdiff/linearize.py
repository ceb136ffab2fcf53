"""The primal once, then tangent-only evaluations: the code of ``srcdiff.linearize``.

``linearize(f, wrt)(*args)`` is ``(f(*args), jvp_fn)`` (``linear_maps.linearize``).
The generated code is forward mode's JVP cut in two (``split``, a step of the
pipeline): the function runs the primal statements, keeping the values the
tangent statements read (and the factors of the tangent rules that depend on
primal values only, ``np.cos(x)`` in ``t_dot = x_dot * np.cos(x)``), and
returns the tangent statements as a nested function of the tangents::

    def f_linearized(x, n):                  # srcdiff.source(f, mode='linearize')
        t2_values = []
        s = 0.0
        for i in range(n):
            t2 = np.sin(x)
            t2_values.append(t2)
            ...

        def f_tangent(x_dot):
            t2_next = iter(t2_values).__next__
            for i in range(n):
                t2 = t2_next()               # the value of this iteration
                t4_dot = t2_dot * t3 + t2 * t3_dot
            ...
            return s_dot
        return s, f_tangent

A value assigned once outside loops is read as it is; one assigned in a loop
or more than once is kept in a list, in the order of assignment, and read
back in that order.  Where the JVP code does what this cannot follow (a
write into a primal array or list, a call of a helper's JVP, which computes
value and tangent together), the step refuses with ``NotLinearizable`` and
``linearize`` falls back to calling the generated JVP for each tangent.
"""

import gast

from .errors import SrcdiffError
from .trees import assign, attr, call, load, nodes, store

__all__ = ["NotLinearizable", "split"]


class NotLinearizable(SrcdiffError):
    """The JVP code cannot be cut into primal and tangent parts (see above):
    ``srcdiff.source(f, mode='linearize')`` refuses, ``linearize`` falls back."""


# --- the step of the pipeline ------------------------------------------------------


def split(fn, fwd):
    """The JVP ``(*tangents, *args) -> (value, tangent)`` as a function of the
    arguments that runs the primal statements and returns the value and the
    tangent statements as a nested function of the tangents.  ``fwd``: the
    ``forward.Forward`` that wrote ``fn`` (its namer and tangent names)."""
    namer = fwd.namer
    dots = set(fwd.dots.values())
    params = fn.args.posonlyargs or fn.args.args
    n = len(fwd.wrt)
    tangent_params, params[:n] = params[:n], []
    body, ret = fn.body[:-1], fn.body[-1]
    cut = _Cut(namer, dots, fwd.info)
    if not (isinstance(ret, gast.Return) and isinstance(ret.value, gast.Tuple)):
        cut.fail(ret, "no final return of (value, tangent)")
    value, tangent = ret.value.elts
    cut.block(body, in_loop=False)
    arguments = {a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    needed = cut.read | {n.id for n in nodes(tangent) if isinstance(n, gast.Name)}
    needed -= dots
    for name in sorted(needed & arguments):
        if cut.assigned.get(name):
            cut.fail(fn, f"the argument '{name}' is assigned again")
    for name in sorted(needed & cut.loop_targets):
        if cut.assigned.get(name):
            cut.fail(fn, f"the loop variable '{name}' is assigned elsewhere too")
    kept = {name for name in needed if cut.assigned.get(name, 0) > 1
            or name in cut.in_loop}
    lists = {name: namer.fresh(f"{name}_values") for name in sorted(kept)}
    nexts = {name: namer.fresh(f"{name}_next") for name in sorted(kept)}
    primal = cut.primal_block(body, lists)
    tangent_body = cut.tangent_block(body, nexts)
    tangent_name = namer.fresh(fn.name.removesuffix("_linearized") + "_tangent")
    prologue = [assign(nexts[name], gast.Attribute(
        value=call(load("iter"), [load(lists[name])]), attr="__next__", ctx=gast.Load()))
        for name in sorted(kept)]
    inner = gast.FunctionDef(
        name=tangent_name,
        args=gast.arguments(args=[store(p.id) for p in tangent_params], posonlyargs=[],
                            vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                            defaults=[]),
        body=prologue + tangent_body + [gast.Return(value=tangent)], decorator_list=[],
        returns=None, type_comment=None, type_params=[])
    fn.body = [assign(lists[name], gast.List(elts=[], ctx=gast.Load()))
               for name in sorted(kept)] + primal + [
        inner, gast.Return(value=gast.Tuple(elts=[value, load(tangent_name)],
                                            ctx=gast.Load()))]
    return fn


_HOISTED = (gast.Call, gast.BinOp, gast.UnaryOp, gast.Compare, gast.Subscript,
            gast.Attribute, gast.BoolOp, gast.IfExp)


class _Cut:
    """What the statements of the JVP are: primal (only primal targets),
    tangent (only tangent targets, or an in-place change of a tangent), or
    control flow; the tangent statements' primal-only factors, hoisted into
    residuals; which primal names are assigned where."""

    def __init__(self, namer, dots, info):
        self.info = info
        self.namer = namer
        self.dots = dots
        self.assigned = {}        # primal name -> number of assignments
        self.in_loop = set()      # primal names assigned inside a loop
        self.loop_targets = set()
        self.read = set()         # primal names the tangent part reads
        self.kinds = {}           # id(stmt) -> 'primal' | 'tangent'
        self.residuals = {}       # id(tangent stmt) -> [(name, expr)]

    def fail(self, stmt, why):
        raise NotLinearizable(
            f"the tangent statements cannot run apart from the primal: {why}",
            function=self.info.name, filename=self.info.filename,
            lineno=getattr(stmt, "lineno", None), col=getattr(stmt, "col_offset", None),
            hint="srcdiff.linearize runs the whole JVP for each tangent here")

    def is_dot(self, node):
        return any(isinstance(n, gast.Name) and n.id in self.dots for n in nodes(node))

    def targets(self, stmt):
        names = [n for t in stmt.targets for n in nodes(t) if isinstance(n, gast.Name)
                 and isinstance(n.ctx, gast.Store)]
        return names

    def note(self, name, in_loop):
        self.assigned[name] = self.assigned.get(name, 0) + 1
        if in_loop:
            self.in_loop.add(name)

    def block(self, stmts, in_loop):
        for s in stmts:
            if isinstance(s, gast.If):
                self.read_primal(s.test, s)
                self.block(s.body, in_loop)
                self.block(s.orelse, in_loop)
            elif isinstance(s, gast.For):
                if self.is_dot(s.iter) or s.orelse:
                    self.fail(s, "a loop over tangents")
                self.read_primal(s.iter, s)
                for t in nodes(s.target):
                    if isinstance(t, gast.Name):
                        self.loop_targets.add(t.id)
                self.block(s.body, True)
            elif isinstance(s, gast.While):
                if s.orelse:
                    self.fail(s, "while ... else")
                self.read_primal(s.test, s)
                self.block(s.body, True)
            elif isinstance(s, (gast.Break, gast.Continue, gast.Pass)):
                continue
            elif isinstance(s, gast.Assign):
                self.assignment(s, in_loop)
            elif isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) \
                    and isinstance(s.value.func, gast.Attribute) \
                    and isinstance(s.value.func.value, gast.Name) \
                    and s.value.func.value.id in self.dots:
                self.tangent(s, in_loop)      # (lst_dot.append(v_dot))
            else:
                self.fail(s, f"a {type(s).__name__} statement")

    def assignment(self, s, in_loop):
        names = self.targets(s)
        whole = all(isinstance(t, (gast.Name, gast.Tuple)) for t in s.targets)
        if names and all(n.id in self.dots for n in names) and whole:
            self.tangent(s, in_loop)
        elif len(s.targets) == 1 and isinstance(s.targets[0], gast.Subscript) \
                and isinstance(s.targets[0].value, gast.Name) \
                and s.targets[0].value.id in self.dots:
            self.tangent(s, in_loop)          # (y_dot[i] = v_dot)
        elif names and whole and not any(n.id in self.dots for n in names) \
                and not self.is_dot(s.value):
            self.kinds[id(s)] = "primal"
            for n in names:
                self.note(n.id, in_loop)
        else:
            self.fail(s, "a statement that writes into a primal value or computes "
                         "value and tangent together")

    def tangent(self, s, in_loop):
        """Hoist the factors of primal values only out of a tangent statement."""
        self.kinds[id(s)] = "tangent"
        hoisted = []
        base = self.targets(s)[0].id if isinstance(s, gast.Assign) and self.targets(s) \
            else "t"
        base = base.removesuffix("_dot")

        def visit(node, top):
            if isinstance(node, _HOISTED) and not top and not self.is_dot(node):
                name = self.namer.fresh(f"{base}_coef")
                hoisted.append((name, node))
                self.note(name, in_loop)
                return load(name)
            for field, value in gast.iter_fields(node):
                if field == "func" and isinstance(node, gast.Call):
                    continue   # (np.cos in np.cos(x): a function, not a value)
                if isinstance(value, gast.AST):
                    setattr(node, field, visit(value, False))
                elif isinstance(value, list):
                    value[:] = [visit(v, False) if isinstance(v, gast.AST) else v
                                for v in value]
            return node
        if isinstance(s, gast.Assign):
            # (a tangent of primal values only, a zero: computed by each call,
            # as it may be written into)
            if self.is_dot(s.value):
                s.value = visit(s.value, True)
            for t in s.targets:
                if isinstance(t, gast.Subscript):
                    t.slice = visit(t.slice, False)
        else:
            s.value = visit(s.value, True)
        self.residuals[id(s)] = hoisted
        self.read |= {n.id for n in nodes(s) if isinstance(n, gast.Name)
                      and isinstance(n.ctx, gast.Load)}

    def read_primal(self, expr, stmt):
        if self.is_dot(expr):
            self.fail(stmt, "control flow on a tangent")
        self.read |= {n.id for n in nodes(expr) if isinstance(n, gast.Name)}

    # --- the two parts ---------------------------------------------------------------
    def primal_block(self, stmts, lists):
        out = []
        for s in stmts:
            if isinstance(s, (gast.If, gast.For, gast.While)):
                s_new = _copy_compound(s)
                s_new.body = self.primal_block(s.body, lists) or [gast.Pass()]
                s_new.orelse = self.primal_block(s.orelse, lists)
                out.append(s_new)
            elif self.kinds.get(id(s)) == "primal":
                out.append(s)
                out += self.keep([n.id for n in self.targets(s)], lists)
            elif self.kinds.get(id(s)) == "tangent":
                for name, expr in self.residuals[id(s)]:
                    out.append(gast.copy_location(assign(name, expr), s))
                    out += self.keep([name], lists)
            else:
                out.append(s)   # break, continue, pass
        return out

    def keep(self, names, lists):
        return [gast.Expr(value=call(attr(lists[n], "append"), [load(n)]))
                for n in names if n in lists]

    def tangent_block(self, stmts, nexts):
        out = []
        for s in stmts:
            if isinstance(s, (gast.If, gast.For, gast.While)):
                s_new = _copy_compound(s)
                s_new.body = self.tangent_block(s.body, nexts) or [gast.Pass()]
                s_new.orelse = self.tangent_block(s.orelse, nexts)
                out.append(s_new)
            elif self.kinds.get(id(s)) == "primal":
                out += self.replay([n.id for n in self.targets(s)], nexts, s)
            elif self.kinds.get(id(s)) == "tangent":
                for name, _ in self.residuals[id(s)]:
                    out += self.replay([name], nexts, s)
                out.append(s)
            else:
                out.append(s)
        return out

    def replay(self, names, nexts, where):
        return [gast.copy_location(assign(n, call(load(nexts[n]), [])), where)
                for n in names if n in nexts]


def _copy_compound(s):
    new = s.__class__.__new__(s.__class__)
    new.__dict__ = dict(s.__dict__)
    return new
