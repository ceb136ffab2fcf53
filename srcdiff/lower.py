"""Lower: rewrite control flow into the few forms the reverse pass handles.

After lowering, a function body contains only ``if``/``else``, ``for NAME in
range(...)`` and ``while True`` loops whose only exit is a final
``if FLAG: break``, and no ``return`` except a last one:

* ``return`` anywhere -> ``result = v; returned = True`` (plus ``break`` in loops),
  the rest of each block guarded by ``if not returned:``; one ``return result``;
* ``for ... else`` / ``while ... else`` -> a flag set on ``break``;
* ``while test: body`` -> ``while True: if not test: break ...``;
* ``break`` / ``continue`` -> flags; the rest of the iteration is guarded by
  ``if not skip:`` and the loop ends with ``if stop: break``, so that every
  iteration runs to its end (the adjoint sweep replays whole iterations);
* ``for x in seq`` / ``enumerate`` / ``zip`` -> ``for k in range(len(seq)): x = seq[k]``
  (``reversed(seq)``: ``k`` runs down from ``len(seq) - 1``);
* ``a if c else b`` and ``a and b`` / ``a or b`` used as values -> ``if`` statements.

Example::

    while x < 10.0:                 while True:
        x = x * 2.0                     t = x < 10.0
                              ->        if not t:
                                            stop = True
                                        if not stop:
                                            x = x * 2.0
                                        if stop:
                                            break
"""


import gast

from .errors import UnsupportedSyntaxError
from .trees import clone

_LOOPS = (gast.For, gast.While)


def name(id_, store=False):
    return gast.Name(id=id_, ctx=gast.Store() if store else gast.Load(), annotation=None,
                     type_comment=None)


def const(value):
    return gast.Constant(value=value, kind=None)


def set_flag(flag, value, where):
    node = gast.Assign(targets=[name(flag, True)], value=const(value), type_comment=None)
    return gast.copy_location(node, where)


def _at(node, where):
    gast.copy_location(node, where)
    for n in gast.walk(node):
        if not hasattr(n, "lineno") or n.lineno is None:
            try:
                gast.copy_location(n, where)
            except AttributeError:
                pass
    return node


def if_(test, body, orelse, where):
    return _at(gast.If(test=test, body=body, orelse=orelse), where)


def not_(expr):
    return gast.UnaryOp(op=gast.Not(), operand=expr)


def _contains(nodes, kinds, into_loops):
    """Does a statement (or list) hold a statement of ``kinds``?  Nested defs are
    not looked into, nor are loops unless ``into_loops``."""
    todo = list(nodes) if isinstance(nodes, list) else [nodes]
    while todo:
        n = todo.pop()
        if isinstance(n, kinds):
            return True
        if isinstance(n, (gast.FunctionDef, gast.Lambda)):
            continue
        if isinstance(n, _LOOPS) and not into_loops:
            continue
        for child in gast.iter_child_nodes(n):
            if isinstance(child, gast.stmt):
                todo.append(child)
    return False


class Lowering:
    def __init__(self, info, namer):
        self.info = info
        self.namer = namer

    def fail(self, node, message, hint=None):
        raise UnsupportedSyntaxError(
            message, function=self.info.name, filename=self.info.filename,
            lineno=getattr(node, "lineno", None), col=getattr(node, "col_offset", None),
            hint=hint)

    # --- returns ---------------------------------------------------------------
    def returns(self, fn):
        body = fn.body
        early = any(_contains(s, (gast.Return,), True) for s in body[:-1]) or (
            body and not isinstance(body[-1], gast.Return)
            and _contains(body[-1], (gast.Return,), True))
        if not early:
            return
        self.result = self.namer.fresh("result")
        self.returned = self.namer.fresh("returned")
        where = body[0]
        new = [set_flag(self.returned, False, where), set_flag(self.result, None, where)]
        new += self.return_block(body, in_loop=False)
        ret = gast.Return(value=name(self.result))
        new.append(_at(ret, body[-1]))
        fn.body = new

    def return_block(self, block, in_loop):
        out = []
        for i, stmt in enumerate(block):
            if isinstance(stmt, gast.Return):
                value = stmt.value if stmt.value is not None else const(None)
                out.append(_at(gast.Assign(targets=[name(self.result, True)], value=value,
                                           type_comment=None), stmt))
                out.append(set_flag(self.returned, True, stmt))
                if in_loop:
                    out.append(_at(gast.Break(), stmt))
                return out
            if not _contains(stmt, (gast.Return,), True):
                out.append(stmt)
                continue
            if isinstance(stmt, gast.If):
                stmt.body = self.return_block(stmt.body, in_loop) or [gast.Pass()]
                stmt.orelse = self.return_block(stmt.orelse, in_loop)
            elif isinstance(stmt, _LOOPS):
                stmt.body = self.return_block(stmt.body, True)
                stmt.orelse = self.return_block(stmt.orelse, in_loop)
            out.append(stmt)
            rest = block[i + 1:]
            if isinstance(stmt, _LOOPS) and in_loop:
                out.append(if_(name(self.returned), [_at(gast.Break(), stmt)], [], stmt))
            if rest:
                guarded = self.return_block(rest, in_loop)
                out.append(if_(not_(name(self.returned)), guarded, [], rest[0]))
            return out
        return out

    # --- loops -----------------------------------------------------------------
    def loops(self, block):
        """Lower every loop in ``block`` (recursively), returning the new block."""
        out = []
        for stmt in block:
            if isinstance(stmt, gast.If):
                stmt.body = self.loops(stmt.body) or [gast.Pass()]
                stmt.orelse = self.loops(stmt.orelse)
                out.append(stmt)
            elif isinstance(stmt, gast.While):
                out.extend(self.loop(stmt))
            elif isinstance(stmt, gast.For):
                out.extend(self.loop(stmt))
            else:
                out.append(stmt)
        return out

    def loop(self, stmt):
        pre = []
        body = stmt.body
        orelse = stmt.orelse
        broke = None
        if orelse:
            broke = self.namer.fresh("broke")
            pre.append(set_flag(broke, False, stmt))
            body = _mark_breaks(body, broke)
        stop = self.namer.fresh("stop")
        skip = self.namer.fresh("skip")
        if isinstance(stmt, gast.While):
            # the test failing ends the loop like a 'break' (but not for 'else')
            exit_ = if_(not_(stmt.test), [_at(gast.Break(), stmt)], [], stmt)
            body = [exit_] + body
            header = None
        else:
            seq_pre, header, body = self.for_header(stmt, body)
            pre += seq_pre
        body = self.loops(body)
        uses_flags = _contains(body, (gast.Break, gast.Continue), False)
        if uses_flags:
            body = self.flags(body, stop, skip, stmt)
            body = [set_flag(skip, False, stmt)] + body + [
                if_(name(stop), [_at(gast.Break(), stmt)], [], stmt)]
            pre.append(set_flag(stop, False, stmt))
        if isinstance(stmt, gast.While):
            loop = _at(gast.While(test=const(True), body=body, orelse=[]), stmt)
        else:
            loop = _at(gast.For(target=header[0], iter=header[1], body=body, orelse=[],
                                type_comment=None), stmt)
        post = []
        if orelse:
            post.append(if_(not_(name(broke)), self.loops(orelse), [], orelse[0]))
        return pre + [loop] + post

    def for_header(self, stmt, body):
        """``for TARGET in ITER`` as ``for NAME in range(...)`` plus assignments."""
        target, it = stmt.target, stmt.iter
        func = it.func if isinstance(it, gast.Call) else None
        fname = func.id if isinstance(func, gast.Name) else None
        if fname == "range" and isinstance(target, gast.Name) and not it.keywords:
            return [], (target, it), body
        k = self.namer.fresh("k")
        heads = []
        pre = []
        # the loop runs over the objects the header named, whatever the body rebinds
        if fname in ("enumerate", "zip"):
            seqs = []
            for a in it.args:
                seq = self.namer.fresh("seq")
                pre.append(_assign(name(seq, True), a, stmt))
                seqs.append(name(seq))
            it = gast.Call(func=it.func, args=seqs, keywords=it.keywords)
        elif fname is None or fname not in ("range", "reversed", "sorted", "map", "filter"):
            seq = self.namer.fresh("seq")
            pre.append(_assign(name(seq, True), it, stmt))
            it = name(seq)
        if fname == "enumerate" and len(it.args) == 1 and not it.keywords \
                and isinstance(target, gast.Tuple) and len(target.elts) == 2:
            seq = it.args[0]
            idx_target, value_target = target.elts
            rng = _call("range", [_call("len", [seq])])
            heads.append(_assign(idx_target, name(k), stmt))
            heads.append(_assign(value_target, _subscript(seq, name(k)), stmt))
        elif fname == "zip" and it.args and not it.keywords \
                and isinstance(target, gast.Tuple) and len(target.elts) == len(it.args):
            lens = [_call("len", [clone(a)]) for a in it.args]
            rng = _call("range", [lens[0] if len(lens) == 1 else _call("min", lens)])
            for t, seq in zip(target.elts, it.args):
                heads.append(_assign(t, _subscript(seq, name(k)), stmt))
        elif fname == "reversed" and len(it.args) == 1 and not it.keywords:
            # for t in reversed(seq) (generated adjoint sweeps loop like this)
            seq = self.namer.fresh("seq")
            pre.append(_assign(name(seq, True), it.args[0], stmt))
            last = gast.BinOp(left=_call("len", [name(seq)]), op=gast.Sub(), right=const(1))
            rng = _call("range", [last, const(-1), const(-1)])
            heads.append(_assign(target, _subscript(name(seq), name(k)), stmt))
        elif fname in ("range", "enumerate", "zip", "reversed", "sorted", "map", "filter"):
            self.fail(it, f"a loop over {fname}(...) in this form",
                      "loop over range(...), a sequence, enumerate(seq) or zip(a, b)")
        else:
            rng = _call("range", [_call("len", [it])])
            heads.append(_assign(target, _subscript(it, name(k)), stmt))
        for h in heads:
            _at(h, stmt)
        _at(rng, stmt)
        return pre, (name(k, True), rng), heads + body

    def flags(self, block, stop, skip, where):
        """Replace break/continue in one iteration's block by flags and guards."""
        out = []
        for i, stmt in enumerate(block):
            if isinstance(stmt, gast.Break):
                out += [set_flag(stop, True, stmt), set_flag(skip, True, stmt)]
                return out
            if isinstance(stmt, gast.Continue):
                out.append(set_flag(skip, True, stmt))
                return out
            if isinstance(stmt, gast.If) and _contains(stmt, (gast.Break, gast.Continue),
                                                       False):
                stmt.body = self.flags(stmt.body, stop, skip, where) or [gast.Pass()]
                stmt.orelse = self.flags(stmt.orelse, stop, skip, where)
                out.append(stmt)
                rest = block[i + 1:]
                if rest:
                    guarded = self.flags(rest, stop, skip, where)
                    out.append(if_(not_(name(skip)), guarded, [], rest[0]))
                return out
            out.append(stmt)
        return out


def _mark_breaks(block, broke):
    """``break`` -> ``broke = True; break`` (this loop's breaks only)."""
    out = []
    for stmt in block:
        if isinstance(stmt, gast.Break):
            out += [set_flag(broke, True, stmt), stmt]
            continue
        if isinstance(stmt, gast.If):
            stmt.body = _mark_breaks(stmt.body, broke)
            stmt.orelse = _mark_breaks(stmt.orelse, broke)
        out.append(stmt)
    return out


def _call(fname, args):
    return gast.Call(func=name(fname), args=args, keywords=[])


def _subscript(seq, index):
    return gast.Subscript(value=clone(seq), slice=index, ctx=gast.Load())


def _assign(target, value, where):
    target = clone(target)
    for n in gast.walk(target):
        if isinstance(n, (gast.Name, gast.Tuple, gast.List)):
            n.ctx = gast.Store()
    return _at(gast.Assign(targets=[target], value=value, type_comment=None), where)


def returns(info, fn, namer):
    """One exit: an early ``return`` sets ``result`` and ``returned`` (and
    leaves loops with ``break``); what follows runs under ``if not returned:``.
    ``fn`` is changed in place and returned.

    Before::

        def ret(x):
            if x > 0.0:
                return x
            return -x

    After::

        def ret(x):
            returned = False
            result = None
            if x > 0.0:
                result = x
                returned = True
            if not returned:
                result = -x
                returned = True
            return result
    """
    Lowering(info, namer).returns(fn)
    return fn


def loops(info, fn, namer):
    """Loops in the forms the reverse pass handles (see the module docstring);
    ``fn`` is changed in place and returned.

    Before::

        def loop(x):
            for v in [x, 2.0]:
                x = x * v
            return x

    After::

        def loop(x):
            seq = [x, 2.0]
            for k in range(len(seq)):
                v = seq[k]
                x = x * v
            return x
    """
    fn.body = Lowering(info, namer).loops(fn.body)
    return fn
