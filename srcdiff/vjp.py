"""One forward sweep, many adjoint sweeps: the code of ``srcdiff.vjp``.

``vjp(f, wrt)(*args)`` is ``(f(*args), pullback)`` (``linear_maps.vjp``).  The
generated code is the VJP of reverse mode cut in two where its forward sweep
ends (``split``, a step of the pipeline): the function runs the forward sweep
and returns the value and the adjoint sweep as a nested function, which reads
what the forward sweep saved (the values it needs, its stacks)::

    def f_vjp(x):                          # srcdiff.source(f, mode='vjp')
        ...forward sweep...
        saved = (s, y)
        stacks = (s_stack,)

        def f_pullback(y_bar):
            s, y = saved                   # names the adjoint sweep rebinds
            s_stack, = rt.copies(stacks)   # it pops from copies
            ...adjoint sweep...
            return x_bar
        return y, f_pullback

Each call of the pullback starts from the same values: it rebinds names
locally, pops from copies of the stacks, and what it changes in place in
the forward sweep's objects (the old elements of an array written into,
put back) goes into an ``rt.Undo`` whose ``redo`` puts the new ones back when
it returns.  Dropping the pullback frees what the forward sweep saved.
"""

import gast

from .reverse import SWEEP_MARK
from .trees import assign, attr, call, constant, index_value, load, nodes, store

__all__ = ["split"]


def split(fn, rev):
    """The VJP with its value (reverse mode ``'pullback'``: forward sweep,
    ``SWEEP_MARK()``, adjoint sweep, ``return (value, x_bar)``) as a function
    of ``f``'s arguments that runs the forward sweep and returns the value and
    the adjoint sweep as a nested function of the seed.  ``rev``: the
    ``reverse.Reverse`` that wrote ``fn`` (its namer, stacks and aliases)."""
    namer = rev.namer
    at = next(k for k, s in enumerate(fn.body) if _is_mark(s))
    forward, backward = fn.body[:at], fn.body[at + 1:]
    value, grads = backward[-1].value.elts
    backward[-1] = gast.Return(value=grads)
    params = fn.args.posonlyargs or fn.args.args
    seed = params.pop(0)

    if len(forward) and _is_copy_of(forward[-1], value):  # (``value = y``: return y)
        value = forward.pop().value
    bound = _params(fn.args) | _stored(forward)
    live = (_exposed(backward, set()) & bound) - {seed.id}
    stacks = sorted(live & rev.stacks)
    rebound = sorted((live & _stored(backward)) - set(stacks))
    at_top = _params(fn.args) | {t.id for s in forward if isinstance(s, gast.Assign)
                                 for t in s.targets if isinstance(t, gast.Name)}
    unsure = [n for n in rebound if n not in at_top]  # (bound in a branch or loop)

    rt = rev.aliases["rt"]
    undo = namer.fresh("undo")
    body, changes = _journaled(backward, bound, set(stacks), rt, undo)
    prologue, kept = [], []
    if rebound:
        saved = namer.fresh("saved")
        kept.append(assign(saved, _tuple(rebound)))
        prologue.append(assign(_tuple(rebound, store), load(saved)))
    if stacks:
        name = namer.fresh("stacks")
        kept.append(assign(name, _tuple(stacks)))
        prologue.append(assign(_tuple(stacks, store), call(attr(rt, "copies"), [load(name)])))
    if changes:
        prologue.append(assign(undo, call(attr(rt, "Undo"), [])))
        body = [gast.Try(body=body, handlers=[], orelse=[], finalbody=[gast.Expr(
            value=call(attr(undo, "redo"), []))])]
    pullback_name = namer.fresh(fn.name.removesuffix("_vjp") + "_pullback")
    pullback = gast.FunctionDef(
        name=pullback_name,
        args=gast.arguments(args=[store(seed.id)], posonlyargs=[], vararg=None,
                            kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=prologue + body, decorator_list=[], returns=None, type_comment=None,
        type_params=[])
    fn.body = [assign(n, constant(None)) for n in unsure] + forward + kept + [
        pullback, gast.Return(value=gast.Tuple(elts=[value, load(pullback_name)],
                                               ctx=gast.Load()))]
    return fn


def _is_mark(stmt):
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
        and isinstance(stmt.value.func, gast.Name) and stmt.value.func.id == SWEEP_MARK


def _tuple(names, ctx=load):
    return gast.Tuple(elts=[ctx(n) for n in names],
                      ctx=gast.Store() if ctx is store else gast.Load())


def _params(args):
    every = args.posonlyargs + args.args + args.kwonlyargs + [
        a for a in (args.vararg, args.kwarg) if a is not None]
    return {a.id for a in every}


def _stored(block):
    return {n.id for s in block for n in nodes(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _loaded(node):
    return {n.id for n in nodes(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def _exposed(block, bound):
    """Names ``block`` may read before binding them (``bound``: surely bound
    before it; updated with what the block surely binds)."""
    found = set()
    for s in block:
        if isinstance(s, gast.If):
            found |= _loaded(s.test) - bound
            inner, other = set(bound), set(bound)
            found |= _exposed(s.body, inner) | _exposed(s.orelse, other)
            bound |= inner & other
        elif isinstance(s, (gast.For, gast.While)):
            head = s.iter if isinstance(s, gast.For) else s.test
            found |= _loaded(head) - bound
            inner = set(bound) | (_stored([s.target]) if isinstance(s, gast.For) else set())
            found |= _exposed(s.body, inner) | _exposed(s.orelse, set(bound))
        elif isinstance(s, gast.Try):
            found |= _exposed(s.body + s.finalbody, set(bound))
        else:
            value = [s.value] if isinstance(s, (gast.Assign, gast.Expr, gast.Return)) \
                and s.value is not None else [s]
            targets = s.targets if isinstance(s, gast.Assign) else []
            found |= {n for v in value + [t for t in targets if not isinstance(t, gast.Name)]
                      for n in _loaded(v)} - bound
            if isinstance(s, gast.AugAssign):
                found |= _loaded(s.target) - bound
            bound |= {t.id for t in targets if isinstance(t, gast.Name)} | {
                n.id for t in targets if isinstance(t, gast.Tuple) for n in t.elts
                if isinstance(n, gast.Name)}
    return found


def _is_copy_of(stmt, value):
    return isinstance(stmt, gast.Assign) and isinstance(value, gast.Name) \
        and len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name) \
        and stmt.targets[0].id == value.id and isinstance(stmt.value, gast.Name)


def _journaled(block, primal, stacks, rt, undo):
    """The adjoint sweep with every change in place of an object of the
    forward sweep noted in ``undo`` first; and whether there was one."""
    changed = False

    def base(node):
        return node.id if isinstance(node, gast.Name) else None

    def visit(stmts):
        nonlocal changed
        out = []
        for s in stmts:
            if isinstance(s, (gast.If, gast.For, gast.While)):
                s.body = visit(s.body)
                s.orelse = visit(s.orelse)
                out.append(s)
                continue
            if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                    and isinstance(s.targets[0], gast.Subscript) \
                    and base(s.targets[0].value) in primal:
                target = s.targets[0]   # x[i] = old: noted, then written
                changed = True
                out.append(gast.copy_location(gast.Expr(value=call(
                    attr(rt, "restore_entry"),
                    [target.value, index_value(target.slice), s.value, load(undo)])), s))
                continue
            if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) \
                    and isinstance(s.value.func, gast.Attribute):
                func = s.value.func
                if base(func.value) == rt and func.attr == "restore_entry":
                    changed = True
                    s.value.args.append(load(undo))
                elif base(func.value) == rt and func.attr == "unextend_list" \
                        or base(func.value) in primal and base(func.value) not in stacks:
                    obj = s.value.args[0] if base(func.value) == rt else func.value
                    if base(obj) in primal:
                        changed = True
                        out.append(gast.Expr(value=call(attr(undo, "keep"), [load(obj.id)])))
            elif isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Subscript) \
                    and base(s.target.value) in primal:
                changed = True
                out.append(gast.Expr(value=call(attr(undo, "keep"), [load(s.target.value.id)])))
            out.append(s)
        return out
    return visit(block), changed
