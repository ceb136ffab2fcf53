"""Lower: rewrite control flow into the few forms the reverse pass handles.

After lowering, a function body contains only ``if``/``else``, ``for NAME in
range(...)`` and ``while True`` loops whose only exit is a final
``if FLAG: break``, and no ``return`` except a last one:

* ``with np.errstate(...):`` -> its body (the manager changes only how NumPy
  reports floating-point errors); ``del name`` -> nothing;

* ``return`` anywhere -> ``result = v; returned = True`` (plus ``break`` in loops),
  the rest of each block guarded by ``if not returned:``; one ``return result``;
* ``for ... else`` / ``while ... else`` -> a flag set on ``break``;
* ``while test: body`` -> ``while True: if not test: break ...``;
* ``break`` / ``continue`` -> flags; the rest of the iteration is guarded by
  ``if not skip:`` and the loop ends with ``if stop: break``, so that every
  iteration runs to its end (the adjoint sweep replays whole iterations);
* ``for x in seq`` / ``enumerate`` / ``zip`` -> ``for k in range(len(seq)): x = seq[k]``
  (``reversed(seq)``: ``k`` runs down from ``len(seq) - 1``; ``d.items()``,
  ``d.values()``, ``d.keys()``: over the keys of ``d``, ``v = d[key]``);
* ``a if c else b`` and ``a and b`` / ``a or b`` used as values -> ``if`` statements
  (in ``normalize``);
* a comprehension -> a loop appending to a new list (``comprehension``, which
  ``normalize`` calls where the value is needed, so that it is evaluated where
  and when Python evaluates it).

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
import numpy as np

from .errors import UnsupportedSyntaxError
from .trees import clone

COMPREHENSIONS = (gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp)

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
    def __init__(self, info, namer, sequences=frozenset()):
        self.info = info
        self.namer = namer
        self.sequences = sequences  # names known to hold a list, tuple or array

    def fail(self, node, message, hint=None):
        raise UnsupportedSyntaxError(
            message, function=self.info.name, filename=self.info.filename,
            lineno=getattr(node, "lineno", None), col=getattr(node, "col_offset", None),
            hint=hint)

    # --- with, del ---------------------------------------------------------------
    def statements(self, block):
        """``with`` blocks whose manager carries no derivative inlined, ``del
        name`` dropped (in nested blocks too, not in nested defs)."""
        out = []
        for stmt in block:
            if isinstance(stmt, gast.With):
                for item in stmt.items:
                    self.check_manager(item)
                out.extend(self.statements(stmt.body))
                continue
            if isinstance(stmt, gast.Delete):
                for target in stmt.targets:
                    if not isinstance(target, gast.Name):
                        self.fail(target, "'del' of an element or attribute is not "
                                          "supported (it changes a value in place)",
                                  "build a new container without the element")
                continue  # (the value stays alive: the adjoint sweep may need it)
            for field in ("body", "orelse"):
                if isinstance(stmt, (gast.If, gast.For, gast.While)):
                    setattr(stmt, field, self.statements(getattr(stmt, field)))
            out.append(stmt)
        return out

    def check_manager(self, item):
        """Only ``np.errstate(...)`` with constant settings that change how errors
        are reported (not 'raise' or 'call', which change what runs)."""
        expr = item.context_expr
        manager = None
        if isinstance(expr, gast.Call) and not expr.args:
            try:
                manager = static_value(self.info, expr.func)
            except (KeyError, AttributeError):
                manager = None
        reporting = manager is np.errstate and all(
            k.arg is not None and isinstance(k.value, gast.Constant)
            and k.value.value in ("ignore", "warn", "print", "log") for k in expr.keywords)
        if not reporting or item.optional_vars is not None:
            self.fail(expr, "a 'with' block is supported only for np.errstate(...) with "
                            "'ignore', 'warn', 'print' or 'log' (and no 'as')",
                      "move the with-block outside the differentiated function; for "
                      "TensorFlow's stop_recording use srcdiff.stop_gradient(x)")

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
        target, it = stmt.target, listed(stmt.iter)
        func = it.func if isinstance(it, gast.Call) else None
        fname = func.id if isinstance(func, gast.Name) else None
        if fname == "range" and isinstance(target, gast.Name) and not it.keywords:
            return [], (target, it), body
        if isinstance(func, gast.Attribute) and func.attr in ("items", "values", "keys") \
                and not it.args and not it.keywords:
            return self.dict_header(stmt, func, body)
        k = self.namer.fresh("k")
        heads = []
        pre = []
        # the loop runs over the objects the header named, whatever the body rebinds
        if fname in ("enumerate", "zip"):
            seqs = []
            for a in it.args:
                seq = self.namer.fresh("seq")
                pre.append(_assign(name(seq, True), self.indexable(listed(a)), stmt))
                seqs.append(name(seq))
            it = gast.Call(func=it.func, args=seqs, keywords=it.keywords)
        elif fname is None or fname not in ("range", "reversed", "sorted", "map", "filter"):
            seq = self.namer.fresh("seq")
            pre.append(_assign(name(seq, True), self.indexable(it), stmt))
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

    def indexable(self, it):
        """``it``, or the list of what a loop over it gives where it may be a dict
        (its keys), a set or an iterator: ``rt.sequence(it)``."""
        if _indexed_loop(it) or isinstance(it, gast.Name) and it.id in self.sequences:
            return it
        return _call_rt(self.namer, "sequence", [it])

    def dict_header(self, stmt, method, body):
        """``for ... in d.items()`` (``.values()``, ``.keys()``) over the keys of
        ``d`` (a list of them: ``rt.keys``, no derivative), reading ``d[key]``:
        the values are elements of ``d``, so their adjoints go back into it."""
        target = stmt.target
        seq, keys, k = (self.namer.fresh(n) for n in ("seq", "keys", "k"))
        pre = [_assign(name(seq, True), method.value, stmt),
               _assign(name(keys, True), _call_rt(self.namer, "keys", [name(seq)]), stmt)]
        key = _subscript(name(keys), name(k))
        if method.attr == "keys":
            heads = [_assign(target, key, stmt)]
        elif method.attr == "values":
            heads = [_assign(target, _subscript(name(seq), key), stmt)]
        elif isinstance(target, gast.Tuple) and len(target.elts) == 2 \
                and isinstance(target.elts[0], gast.Name):
            heads = [_assign(target.elts[0], key, stmt),
                     _assign(target.elts[1], _subscript(name(seq), name(target.elts[0].id)),
                             stmt)]
        else:
            heads = [_assign(target, gast.Tuple(elts=[key, _subscript(name(seq), clone(key))],
                                                ctx=gast.Load()), stmt)]
        rng = _at(_call("range", [_call("len", [name(keys)])]), stmt)
        for h in heads:
            _at(h, stmt)
        return pre, (name(k, True), rng), heads + body

    # --- comprehensions ----------------------------------------------------------
    def comprehension(self, node, taken):
        """The statements computing a comprehension and the expression of its
        value (see the module function ``comprehension``)."""
        for gen in node.generators:
            if gen.is_async:
                self.fail(gen.target, "an 'async for' comprehension")
        bound = [n.id for gen in node.generators for n in gast.walk(gen.target)
                 if isinstance(n, gast.Name)]
        mapping = {}
        for b in bound:
            if b not in mapping:
                mapping[b] = b if b not in taken else self.namer.fresh(b)
        rename = _Rename(mapping)
        if isinstance(node, gast.DictComp):
            keys, values = self.namer.fresh("keys"), self.namer.fresh("values")
            parts = [(keys, node.key), (values, node.value)]
            init = [keys, values]
        else:
            elements = self.namer.fresh("elements")
            parts = [(elements, node.elt)]
            init = [elements]
        body = [_at(gast.Expr(value=gast.Call(
                    func=gast.Attribute(value=name(lst), attr="append", ctx=gast.Load()),
                    args=[rename.visit(clone(part))], keywords=[])), node)
                for lst, part in parts]
        for i in reversed(range(len(node.generators))):
            gen = node.generators[i]
            for cond in reversed(gen.ifs):
                body = [if_(rename.visit(clone(cond)), body, [], node)]
            target = rename.visit(clone(gen.target))
            # (the first iterable is evaluated in the enclosing scope)
            it = clone(gen.iter) if i == 0 else rename.visit(clone(gen.iter))
            if not _indexed_loop(it):  # (a set, a dict's keys, ...: made a list)
                it = _call_rt(self.namer, "sequence", [it])
            body = [_at(gast.For(target=target, iter=it, body=body, orelse=[],
                                 type_comment=None), node)]
        stmts = [_assign(name(lst, True), gast.List(elts=[], ctx=gast.Load()), node)
                 for lst in init] + self.loops(body)
        if isinstance(node, gast.DictComp):
            value = _call_rt(self.namer, "dict_from", [name(keys), name(values)])
        elif isinstance(node, gast.SetComp):
            value = _call("set", [name(elements)])
        else:
            value = name(elements)
        return stmts, _at(value, node), list(mapping.values())

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


def static_value(info, node):
    """The object an attribute chain rooted at a free name names (``np.errstate``)."""
    if isinstance(node, gast.Name):
        return info.lookup(node.id)
    if isinstance(node, gast.Attribute):
        return getattr(static_value(info, node.value), node.attr)
    raise KeyError(node)


def _indexed_loop(it):
    """Is ``for ... in it`` lowered to indexing something known to be indexable
    (``range``, ``enumerate``, ``zip``, ``d.items()``, a list or a comprehension)?"""
    if isinstance(it, (gast.List, gast.Tuple, gast.ListComp, gast.GeneratorExp)):
        return True
    func = it.func if isinstance(it, gast.Call) else None
    if isinstance(func, gast.Name) and func.id in ("range", "enumerate", "zip"):
        return True
    return isinstance(func, gast.Attribute) and func.attr in ("items", "values", "keys") \
        and not it.args


def listed(node):
    """A generator expression that a loop consumes whole, as a list comprehension."""
    if isinstance(node, gast.GeneratorExp):
        return gast.copy_location(gast.ListComp(elt=node.elt, generators=node.generators),
                                  node)
    return node


def _call_rt(namer, helper, args):
    """A call of a runtime helper (``rt.keys(d)``), under the function's alias."""
    return gast.Call(func=gast.Attribute(value=name(namer.alias("rt")), attr=helper,
                                         ctx=gast.Load()), args=args, keywords=[])


class _Rename(gast.NodeTransformer):
    """Rename the variables a comprehension binds, where they are its own (not in
    a nested comprehension or lambda that binds the same name)."""

    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        if node.id in self.mapping:
            node.id = self.mapping[node.id]
        return node

    def _inner(self, bound, nodes):
        saved = self.mapping
        self.mapping = {k: v for k, v in saved.items() if k not in bound}
        try:
            for n in nodes:
                self.visit(n)
        finally:
            self.mapping = saved

    def visit_Lambda(self, node):
        args = node.args
        for d in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(d)
        params = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
        self._inner(params, [node.body])
        return node

    def _comprehension(self, node):
        gens = node.generators
        self.visit(gens[0].iter)
        bound = {n.id for g in gens for n in gast.walk(g.target) if isinstance(n, gast.Name)}
        inner = [c for g in gens for c in g.ifs] + [g.iter for g in gens[1:]]
        inner += [node.key, node.value] if isinstance(node, gast.DictComp) else [node.elt]
        self._inner(bound, inner)
        return node

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


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


def statements(info, fn, namer):
    """``with np.errstate(...):`` blocks inlined (other managers are refused:
    they may change what runs), ``del name`` dropped (``del a[i]`` refused).
    ``fn`` is changed in place and returned.

    Before::

        def quiet(x):
            with np.errstate(divide="ignore"):
                y = np.log(x)
            del x
            return y

    After::

        def quiet(x):
            y = np.log(x)
            return y
    """
    fn.body = Lowering(info, namer).statements(fn.body)
    return fn


def comprehension(info, namer, node, taken):
    """A list, set or dict comprehension or a generator expression as
    statements (a loop appending to new lists) and the expression of its value,
    and the names of the variables it binds.  Variables named like any of
    ``taken`` (the function's other names) are renamed, since a comprehension
    has a scope of its own.  Loops are lowered as above.

    ``sum([x ** k for k in range(4)])``::

        elements = []
        for k in range(4):
            elements.append(x ** k)
        ... sum(elements) ...

    A dict comprehension appends to ``keys`` and ``values`` and its value is
    ``rt.dict_from(keys, values)``; a set comprehension's is ``set(elements)``.
    """
    return Lowering(info, namer).comprehension(node, taken)


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


def loops(info, fn, namer, sequences=()):
    """Loops in the forms the reverse pass handles (see the module docstring);
    ``fn`` is changed in place and returned.  A loop over anything but a list,
    a tuple or an array (a dict, a set) loops over ``rt.sequence(...)`` of it,
    the list of what Python's loop gives; ``sequences``: parameters known to be
    lists, tuples or arrays (in code specialised on the arguments), looped over
    as they are unless the function assigns them.

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
    assigned = {n.id for n in gast.walk(fn) if isinstance(n, gast.Name)
                and isinstance(n.ctx, gast.Store)}
    fn.body = Lowering(info, namer, frozenset(sequences) - assigned).loops(fn.body)
    return fn
