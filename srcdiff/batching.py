"""Batched accumulation: the products the adjoint sweep of a loop adds up one
iteration at a time become one product after the loop.

In backpropagation through time the weights' adjoint gets an outer product per
step.  One matrix product of the stacked factors gives the same sum and runs
at the speed of BLAS::

    for k in reversed(t1):                  W_bar_rows = []
        ...                                 W_bar_cols = []
        W_bar += np.outer(t8_bar, h)        for k in reversed(t1):
        ...                       ->            ...
                                                W_bar_rows.append(t8_bar)
                                                W_bar_cols.append(h)
                                                ...
                                            if W_bar_rows:
                                                W_bar += np.stack(W_bar_rows, axis=1) @ np.stack(W_bar_cols)

The factors are kept by reference (the values the loop computes anyway, or the
ones it pops from stacks), not copied.  Reverse mode marks the additions it
knows to be products of 1-D or 2-D factors (``ChainRule.exact``); an addition is
batched only where nothing else in the loop reads or changes the adjoint and
no factor is changed in place.
"""

import gast

from . import primitives
from .trees import assign, attr, call, clone, constant, load, nodes


def batch(fn, marks, namer, np_alias, modules):
    """``fn`` with the marked additions (ids of ``A += product`` statements) in
    its loops batched (changed in place and returned).  ``modules``: the
    generated code's aliases -> modules (to know what a call changes)."""
    fn.body = _Batching(marks, namer, np_alias, modules).block(fn.body)
    return fn


class _Batching:
    def __init__(self, marks, namer, np_alias, modules):
        self.marks, self.namer, self.np_alias, self.modules = marks, namer, np_alias, modules

    def block(self, block):
        out = []
        for stmt in block:
            if isinstance(stmt, gast.If):
                stmt.body = self.block(stmt.body)
                stmt.orelse = self.block(stmt.orelse)
            elif isinstance(stmt, (gast.For, gast.While)):
                stmt.body = self.block(stmt.body)
                out.extend(self.loop(stmt))
                continue
            out.append(stmt)
        return out

    def loop(self, loop):
        """The loop and what goes before and after it, its marked additions batched."""
        return _loop(loop, self)


def _loop(loop, batching):
    marks, namer, np_alias = batching.marks, batching.namer, batching.np_alias
    inside = [n for s in loop.body for n in nodes(s)]
    candidates = [s for s in _statements(loop.body) if id(s) in marks]
    before, after, lists = [], [], {}
    for stmt in candidates:
        form = _product(stmt.value, np_alias)
        target = stmt.target.id
        if form is None or not _alone(target, stmt, inside) \
                or not all(_unchanged(f, inside, batching.modules) for f in form[1:]):
            continue
        kind, a, b = form
        names = []
        for factor in (a, b):
            key = (gast.dump(factor), kind, factor is a)
            if key not in lists:
                lists[key] = namer.fresh(f"{target}_{'rows' if factor is a else 'cols'}")
                before.append(assign(lists[key], gast.List(elts=[], ctx=gast.Load())))
            names.append(lists[key])
        appends = [gast.Expr(value=call(attr(n, "append"), [clone(f)]))
                   for n, f in zip(names, (a, b))]
        _replace(loop.body, stmt, appends)
        total = _batched(kind, names, np_alias)
        after.append(gast.If(test=load(names[0]), body=[gast.AugAssign(
            target=gast.Name(id=target, ctx=gast.Store(), annotation=None,
                             type_comment=None), op=gast.Add(), value=total)], orelse=[]))
    return before + [loop] + after


def _product(value, np_alias):
    """('outer', a, b) for ``np.outer(a, b)``, ('times_t', a, b) for ``a @ b.T``,
    ('t_times', a, b) for ``a.T @ b``, else None."""
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and isinstance(value.func.value, gast.Name) and value.func.value.id == np_alias \
            and value.func.attr == "outer" and len(value.args) == 2 and not value.keywords:
        return ("outer", value.args[0], value.args[1])
    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.MatMult):
        left, right = value.left, value.right
        if _transposed(right):
            return ("times_t", left, right.value)
        if _transposed(left):
            return ("t_times", left.value, right)
    return None


def _transposed(node):
    return isinstance(node, gast.Attribute) and node.attr == "T"


def _batched(kind, names, np_alias):
    """The sum over the iterations of the product, from the lists of factors."""
    rows, cols = (load(n) for n in names)

    def np_call(function, arg, axis=None):
        keywords = [] if axis is None else [gast.keyword(arg="axis", value=constant(axis))]
        return call(attr(np_alias, function), [arg], keywords)
    if kind == "outer":      # sum g_t v_t^T = [g_1 ... g_T] @ [v_1 ... v_T]^T
        left, right = np_call("stack", rows, 1), np_call("stack", cols)
    elif kind == "times_t":  # sum a_t @ b_t.T = [a_1 ... a_T] @ [b_1 ... b_T].T
        left = np_call("concatenate", rows, 1)
        right = gast.Attribute(value=np_call("concatenate", cols, 1), attr="T",
                               ctx=gast.Load())
    else:                    # sum a_t.T @ b_t = [a_1; ...; a_T].T @ [b_1; ...; b_T]
        left = gast.Attribute(value=np_call("concatenate", rows, 0), attr="T",
                              ctx=gast.Load())
        right = np_call("concatenate", cols, 0)
    return gast.BinOp(left=left, op=gast.MatMult(), right=right)


def _statements(block):
    """The simple statements of a block and of the ifs in it (not of inner loops)."""
    for stmt in block:
        if isinstance(stmt, gast.If):
            yield from _statements(stmt.body)
            yield from _statements(stmt.orelse)
        elif not isinstance(stmt, (gast.For, gast.While)):
            yield stmt


def _alone(target, stmt, inside):
    """Does nothing in the loop but ``stmt`` read or bind ``target``?"""
    own = {id(n) for n in nodes(stmt)}
    return not any(isinstance(n, gast.Name) and n.id == target and id(n) not in own
                   for n in inside)


def _unchanged(factor, inside, modules):
    """Is no name the factor reads changed in place in the loop (its value is
    kept by reference until after the loop)?"""
    names = {n.id for n in nodes(factor) if isinstance(n, gast.Name)}
    for n in inside:
        if isinstance(n, gast.AugAssign):
            base = n.target.value if isinstance(n.target, gast.Subscript) else n.target
            if isinstance(base, gast.Name) and base.id in names:
                return False
        if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) \
                and isinstance(n.value, gast.Name) and n.value.id in names:
            return False
        called = primitives.of_call(n, modules) if isinstance(n, gast.Call) else None
        if called is not None and called.writes:
            bound = called.bind(n.args, {k.arg: k.value for k in n.keywords})
            if any(p in called.writes and isinstance(a, gast.Name) and a.id in names
                   for p, a in (bound[1].items() if bound else ())):
                return False
    return True


def _replace(block, stmt, new):
    """``stmt`` (in ``block`` or an if in it) replaced by the statements ``new``."""
    for i, s in enumerate(block):
        if s is stmt:
            block[i:i + 1] = new
            return True
        if isinstance(s, gast.If) and (_replace(s.body, stmt, new)
                                       or _replace(s.orelse, stmt, new)):
            return True
    return False
