"""One forward sweep, many adjoint sweeps: ``vjp``.

``vjp(f, wrt)(*args)`` is ``(f(*args), pullback)``.  The generated code is the
VJP of reverse mode cut in two where its forward sweep ends (``split``, a step
of the pipeline): the function runs the forward sweep and returns the value
and the adjoint sweep as a nested function, which reads what the forward
sweep saved (the values it needs, its stacks)::

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

import functools

import gast
import numpy as np

from . import derivatives, runtime
from .errors import CotangentError
from .reverse import SWEEP_MARK
from .trees import assign, attr, call, constant, index_value, load, nodes, store

__all__ = ["vjp"]


# --- the public functions ------------------------------------------------------------


def vjp(f=None, wrt=0):
    """``vjp(f, wrt)(*args)`` is ``(out, pullback)``: ``out`` is ``f(*args)`` and
    ``pullback(cotangent)`` the vector-Jacobian product, the gradient of
    ``<cotangent, f>`` with respect to ``wrt`` (a tuple of them for a tuple
    ``wrt``), as ``grad`` gives it.

    ``out`` may be a number, an array, or a tuple, list or dict of them; the
    cotangent has the same structure and shapes (anything else is refused).
    The forward sweep runs once; each call of ``pullback`` runs only the
    adjoint sweep, from the values the forward sweep saved (it may be called
    any number of times)."""
    if f is None:
        return lambda g: vjp(g, wrt=wrt)
    forward = derivatives.derivative(f, wrt, "pullback")[0]
    unit = getattr(forward, "__srcdiff_unit__", None)
    where = {"function": _name(f)}

    def locate():   # (where the output is returned: for a refused cotangent)
        if unit is not None and "filename" not in where:
            ret = _last_return(unit.info.node)
            if ret is not None:
                node = ret.value or ret
                where.update(filename=unit.info.filename, lineno=node.lineno,
                             col=node.col_offset)
        return where

    @functools.wraps(forward)
    def vjp_function(*args, **kwargs):
        out, back = forward(*args, **kwargs)
        return out, _Pullback(back, out, locate)
    vjp_function.__srcdiff_unit__ = unit
    return vjp_function


class _Pullback:
    """The generated adjoint sweep, with the check of the cotangent."""

    __slots__ = ("function", "out", "locate", "__weakref__")

    def __init__(self, function, out, locate):
        self.function = function
        self.out = out
        self.locate = locate

    def __call__(self, cotangent):
        _check(cotangent, self.out, self.locate, "")
        return _unshared(self.function(cotangent), {id(a) for a in _arrays(cotangent)})

    def __repr__(self):
        return f"<pullback of {self.locate()['function']} (srcdiff)>"


def _arrays(v):
    if isinstance(v, dict):
        return [a for k in v for a in _arrays(v[k])]
    if isinstance(v, (tuple, list)):
        return [a for u in v for a in _arrays(u)]
    return [v] if runtime.is_array(v) else []


def _unshared(grads, seeds):
    """The gradients, with a copy of any that is an array of the cotangent
    (``f(x) = x`` passes it through): writing into a gradient must not change
    the caller's cotangent."""
    if isinstance(grads, dict):
        return type(grads)((k, _unshared(g, seeds)) for k, g in grads.items())
    if isinstance(grads, (tuple, list)):
        parts = [_unshared(g, seeds) for g in grads]
        return grads._make(parts) if hasattr(grads, "_make") else type(grads)(parts)
    if id(grads) in seeds:
        return runtime.copy(grads)
    return grads


def _last_return(fn):
    """The last ``return`` of a function's own body (not of a nested one)."""
    found, todo = None, list(fn.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, gast.Return) and (found is None or node.lineno >= found.lineno):
            found = node
        if not isinstance(node, (gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda,
                                 gast.ClassDef)):
            todo.extend(gast.iter_child_nodes(node))
    return found


def _check(cotangent, out, locate, where):
    """Refuse a cotangent whose structure or shapes are not ``out``'s."""
    def refuse(what):
        at = f" at {where}" if where else ""
        raise CotangentError(
            f"the cotangent{at} {what}", **locate(),
            hint="pass a cotangent of the output's structure and shapes "
                 "(e.g. np.ones_like(out) for an array out, a tuple or dict of them "
                 "for a tuple or dict)")
    if isinstance(out, dict):
        if not isinstance(cotangent, dict) or set(cotangent) != set(out):
            refuse(f"must be a dict with the keys {sorted(map(repr, out))}, not "
                   f"{_describe(cotangent)}")
        for k in out:
            _check(cotangent[k], out[k], locate, f"{where}[{k!r}]")
    elif isinstance(out, (tuple, list)):
        if not isinstance(cotangent, (tuple, list)) or len(cotangent) != len(out):
            refuse(f"must be a tuple or list of {len(out)}, not {_describe(cotangent)}")
        for k, (c, o) in enumerate(zip(cotangent, out)):
            _check(c, o, locate, f"{where}[{k}]")
    elif runtime.is_array(out) or isinstance(out, (int, float, complex, np.number)):
        if isinstance(cotangent, (tuple, list, dict, str, bytes)) or cotangent is None:
            refuse(f"must be {_describe_value(out)}, not {_describe(cotangent)}")
        if np.shape(cotangent) != np.shape(out):
            refuse(f"has shape {np.shape(cotangent)}, but the output has shape "
                   f"{np.shape(out)}")
    # (other outputs, e.g. an object with fields: the generated code takes the
    # cotangent as it is)


def _describe(v):
    if isinstance(v, dict):
        return f"a dict with the keys {sorted(map(repr, v))}"
    if isinstance(v, (tuple, list)):
        return f"a {type(v).__name__} of {len(v)}"
    if hasattr(v, "shape"):
        return f"an array of shape {np.shape(v)}"
    return f"a {type(v).__name__}"


def _describe_value(v):
    return f"an array of shape {np.shape(v)}" if np.ndim(v) else "a number"


def _name(f):
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


# --- the step of the pipeline ------------------------------------------------------


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
