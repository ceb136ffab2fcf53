"""The two sweeps of reverse mode and the values they share, without a tape.

The forward sweep is the primal code, with a push (``y_stack.append(y)``)
before each assignment that overwrites a value the adjoint sweep may read; the
adjoint sweep walks the code backwards (loops reversed, branches on the test
the forward sweep computed, a ``while`` loop its counted number of trips) and
pops each such value back before the statements that read it.  What is pushed
is decided in two steps: while the sweeps are written every candidate gets a
placeholder (``_Push`` / ``_Pop``); ``place`` then keeps only those for values
the adjoint sweep really reads, so straight-line code needs no stack::

    for i in range(n):              for i in t1:
        y = y * x                       t2 = y * x
                                        y_stack.append(y)
                                        y = t2
                                    ...
                                    for i in reversed(t1):
                                        t2_bar = y_bar
                                        y_bar = 0.0
                                        y = y_stack.pop()
                                        y_bar += t2_bar * x
                                        x_bar += t2_bar * y

Cheap values are recomputed instead of saved (``rematerializable``).
"""

import copy

import gast

from .activity import Compound, Op
from .trees import (assign, attr, call, clone, constant, index_node, index_value, load,
                    replace_reads, store)


class Sweeps:
    """``differentiate(op)`` writes the adjoint statements of one op (into
    ``adjoints.out``)."""

    def __init__(self, analysis, norm, adjoints, differentiate):
        self.an = analysis
        self.norm = norm
        self.namer = norm.namer
        self.adjoints = adjoints
        self.differentiate = differentiate
        self.trips = {}      # id(loop) -> its trip counter (while loops, loops with break)
        self.stacks = {}     # primal name -> its stack's name
        self.defs_in_order = {}
        for op in analysis.ops:
            for t in op.targets:
                self.defs_in_order.setdefault(t, []).append(op)
        self.categorize(analysis.tree)

    # --- what is saved -------------------------------------------------------------
    def categorize(self, tree):
        """Which adjoints are assigned by their first contribution ("local": one
        definition, every use after it in the same block) and which are set to
        zero at the start of the adjoint sweep and added to ("accumulated")."""
        defs, uses, mutated = {}, {}, set()
        for p in self.norm.params:
            defs.setdefault(p, []).append((id(tree), -1))
        node_in_loop = {}
        self.branch_path = {}   # id(op) -> {id(if): 0 (body) or 1 (else)}

        def visit(block, in_loop, path=()):
            for pos, node in enumerate(block):
                if isinstance(node, Compound):
                    node_in_loop[id(node)] = in_loop
                    if node.target:
                        defs.setdefault(node.target, []).append((id(node.body), -1))
                    loop = in_loop or node.kind in ("for", "while")
                    branch = ((id(node), 0),) if node.kind == "if" else ()
                    visit(node.body, loop, path + branch)
                    visit(node.orelse, in_loop, path + ((id(node), 1),))
                    for n in _loads_of(node):
                        uses.setdefault(n, []).append((id(block), pos))
                    continue
                node_in_loop[id(node)] = in_loop
                self.branch_path[id(node)] = dict(path)
                if node.kind == "pop":
                    mutated.add(node.operands[0])
                if node.kind in ("write", "append", "extend"):
                    mutated.update(node.targets)
                else:
                    for t in node.targets:
                        defs.setdefault(t, []).append((id(block), pos))
                for n in node.operands:
                    uses.setdefault(n, []).append((id(block), pos))

        blocks = {}

        def collect(block):
            blocks[id(block)] = block
            for node in block:
                if isinstance(node, Compound):
                    collect(node.body)
                    collect(node.orelse)
        collect(tree)
        visit(tree, False)
        self.node_in_loop = node_in_loop
        self.remat = self.rematerializable(defs, uses, blocks, mutated)
        accumulated = set()
        for name in set(defs) | set(uses) | mutated:
            d = defs.get(name, [])
            if name in mutated or len(d) != 1:
                accumulated.add(name)
                continue
            (block, pos), = d
            if any(ub != block or up <= pos for ub, up in uses.get(name, [])):
                accumulated.add(name)
        self.adjoints.accumulated = {n for n in accumulated if self.an.active(n)}

    def rematerializable(self, defs, uses, blocks, mutated):
        """Values inside loops that the adjoint sweep recomputes instead of
        saving, when their operands are not reassigned before the value's last
        use in the same block: a temporary of one arithmetic operation
        (``t = 0.1 * x`` used by ``u = t * x``), and an element of a container
        that nothing changes (``x_t = xs[k]``).  Nothing is pushed for them."""
        remat = {}
        indexes = {n for op in self.an.ops if op.kind == "write"
                   and isinstance(op.stmt, gast.Assign) for t in op.stmt.targets
                   if isinstance(t, gast.Subscript) for n in _loads(t.slice)}
        elements = sorted(n for n, d in defs.items() if len(d) == 1 and n not in mutated)
        for name in sorted(self.norm.temps) + elements:  # (the pruning depends on order)
            d = defs.get(name, [])
            if len(d) != 1:
                continue
            (block_id, pos), = d
            block = blocks.get(block_id)
            if block is None or pos < 0:
                continue
            op = block[pos]
            if not isinstance(op, Op) or not self.node_in_loop.get(id(op)):
                continue
            value = op.stmt.value if isinstance(op.stmt, gast.Assign) else None
            arithmetic = name in self.norm.temps and isinstance(value, (gast.BinOp,
                                                                          gast.UnaryOp))
            element = op.kind == "subscript" and isinstance(value.value, gast.Name) \
                and value.value.id not in mutated
            if not (arithmetic or element):
                continue
            if name in indexes:
                continue  # (the restore of the element written reads it: it is saved)
            operands = set(op.operands)
            us = uses.get(name, [])
            if not us or any(ub != block_id or up <= pos for ub, up in us):
                continue
            last = max(up for _, up in us)
            between = block[pos + 1:last + 1]  # the uses may not reassign operands either
            if any(isinstance(n, Compound) or operands & set(n.targets) for n in between):
                continue
            if any(isinstance(block[up], Compound) for _, up in us):
                continue
            remat[name] = op.stmt.value
        # recomputing needs the operands' own values: no chains of recomputation
        # (an element read by another recomputed value is saved: that costs a
        # reference, saving an arithmetic result costs an array)
        read = {n.id for value in remat.values() for n in gast.walk(value)
                if isinstance(n, gast.Name)}
        for name in sorted(read & set(remat)):
            if isinstance(remat[name], gast.Subscript):
                del remat[name]
        changed = True
        while changed:
            changed = False
            for name, value in list(remat.items()):
                reads = {n.id for n in gast.walk(value) if isinstance(n, gast.Name)}
                if reads & set(remat):
                    del remat[name]
                    changed = True
        return remat

    def recompute(self, start, node):
        """Put back the recomputed temporaries the adjoint statements from
        ``start`` on read: in place of a single read, else assigned first."""
        out = self.adjoints.out
        reads = [n.id for stmt in out[start:] if isinstance(stmt, gast.AST)
                 for n in gast.walk(stmt) if isinstance(n, gast.Name)
                 and isinstance(n.ctx, gast.Load)]
        again = []
        for t in sorted(set(reads) & set(self.remat)):
            if t not in node.operands and t not in node.targets:
                continue
            if reads.count(t) == 1:
                value = self.remat[t]
                out[start:] = [
                    replace_reads(stmt, (t,), lambda n: gast.copy_location(clone(value), n))
                    if isinstance(stmt, gast.AST) else stmt for stmt in out[start:]]
            else:
                again.append(assign(t, clone(self.remat[t])))
        out[start:start] = again

    def needs_push(self, name, node):
        """Does this assignment overwrite a value the adjoint sweep may read?"""
        if name in self.remat:
            return False
        if name in self.norm.params:
            return True
        if self.node_in_loop.get(id(node)):
            return True
        # an earlier definition overwritten here, unless it sits in the other
        # branch of an if that also holds this one (then it never ran before)
        here = self.branch_path.get(id(node), {})
        for earlier in self.defs_in_order.get(name, []):
            if earlier is node:
                return False
            there = self.branch_path.get(id(earlier), {})
            if not any(k in there and there[k] != v for k, v in here.items()):
                return True
        return False

    # --- the forward sweep ------------------------------------------------------------
    def forward(self, nodes):
        """The primal statements, with placeholders for pushes."""
        out = []
        for node in nodes:
            if isinstance(node, Compound):
                out.extend(self.forward_compound(node))
                continue
            if node.kind == "write":
                y = node.targets[0]
                index = node.stmt.targets[0].slice
                out.append(_Push(y, index_value(index)))
            elif node.kind not in ("append", "extend", "def"):
                for t in node.targets:
                    if self.needs_push(t, node):
                        out.append(_Push(t))
            out.append(node.stmt)
        return out

    def forward_compound(self, node):
        stmt = node.stmt
        if node.kind == "if":
            return [gast.If(test=stmt.test, body=self.forward(node.body) or [gast.Pass()],
                            orelse=self.forward(node.orelse))]
        body = self.forward(node.body)
        pre, post = [], []
        trips = None
        if node.kind == "while" or _has_break(node.body):
            trips = self.namer.fresh("trips")
            pre.append(assign(trips, constant(0)))
            body = [assign(trips, gast.BinOp(left=load(trips), op=gast.Add(),
                                             right=constant(1)))] + body
            if self.node_in_loop.get(id(node)):
                post.append(_Push(trips))
        self.trips[id(node)] = trips
        if node.kind == "while":
            loop = gast.While(test=constant(True), body=body, orelse=[])
        else:
            loop = gast.For(target=stmt.target, iter=stmt.iter, body=body, orelse=[],
                            type_comment=None)
        gast.copy_location(loop, stmt)
        return pre + [loop] + post

    # --- the adjoint sweep -------------------------------------------------------------
    def backward(self, nodes):
        """The adjoint statements of ``nodes`` in reverse order, with placeholders
        for pops."""
        adjoints = self.adjoints
        saved = adjoints.out
        adjoints.out = out = []
        try:
            for node in reversed(nodes):
                if isinstance(node, Compound):
                    out.extend(self.backward_compound(node))
                    continue
                if node.kind == "pop" or (
                        node.kind not in ("nondiff", "def", "effect")
                        and any(t in adjoints.adj for t in node.targets)
                        and any(self.an.active(t) for t in node.targets)):
                    start = len(out)
                    self.differentiate(node)
                    self.recompute(start, node)
                self.restore(node, out)
            return out
        finally:
            adjoints.out = saved

    def restore(self, node, out):
        """After an op's adjoint: reset the adjoints of what it overwrote, and
        pop the values it overwrote back."""
        adjoints = self.adjoints
        if node.kind not in ("write", "append", "extend", "def"):
            for t in node.targets:
                if t in adjoints.accumulated and t in adjoints.adj \
                        and self.needs_push(t, node):
                    out.append(assign(adjoints.adj[t], constant(0.0)))
        if node.kind == "pop":  # the list gets the popped value back first
            out.append(_Pop(node.operands[0], kind="pop", value=node.targets[0]))
        if node.kind == "write":
            out.append(_Pop(node.targets[0], index_value(node.stmt.targets[0].slice)))
        elif node.kind in ("append", "extend"):
            out.append(_Pop(node.targets[0], kind=node.kind, value=node.stmt.value.args[0]))
        elif node.kind != "def":
            for t in reversed(node.targets):
                if self.needs_push(t, node):
                    out.append(_Pop(t))

    def backward_compound(self, node):
        stmt = node.stmt
        if node.kind == "if":
            body = self.backward(node.body)
            orelse = self.backward(node.orelse)
            return [gast.If(test=clone(stmt.test), body=body or [gast.Pass()], orelse=orelse)]
        body = self.backward(node.body)
        trips = self.trips[id(node)]
        pop = [_Pop(trips)] if trips is not None and self.node_in_loop.get(id(node)) else []
        if node.kind == "while":
            header = call(load("range"), [load(trips)])
            target = store(self.namer.fresh("_"))
        else:
            rng = clone(stmt.iter)
            if trips is not None:
                rng = gast.Subscript(value=rng, slice=gast.Slice(lower=None, upper=load(trips),
                                                               step=None), ctx=gast.Load())
            header = call(load("reversed"), [rng])
            target = clone(stmt.target)
        loop = gast.For(target=target, iter=header, body=body or [gast.Pass()], orelse=[],
                        type_comment=None)
        gast.copy_location(loop, stmt)
        return pop + [loop]

    # --- placing the stacks ----------------------------------------------------------------
    def place(self, forward, backward, after):
        """The forward and adjoint sweeps with stack operations for exactly the
        values the adjoint sweep reads after putting them back (``after``: the
        statements that follow the adjoint sweep), and the statements that
        create the stacks."""
        needed = set()
        while True:  # what the restores of needed values read is needed too
            found = set()
            self.live(after, set(), needed, found)
            self.live(backward, self.live(after, set(), needed, found), needed, found)
            if found <= needed:
                break
            needed |= found
        fwd = self.finalize(forward, needed)
        rev = self.finalize(backward, needed)
        first_def = {t: True for op in self.an.ops for t in op.targets}
        inits = [assign(n, constant(None)) for n in sorted(self.stacks)
                 if n not in self.norm.params and n in first_def
                 and not self.defined_before_use(n)]
        stacks = [assign(self.stacks[n], gast.List(elts=[], ctx=gast.Load()))
                  for n in sorted(self.stacks)]
        return inits + stacks, fwd, rev

    def live(self, block, live, needed, found):
        """Liveness, backwards through ``block`` from the names read after it:
        returns the names read before they are bound again.  A restore (a pop)
        whose name is read after it goes into ``found``; those of ``needed``
        names are emitted, so what they read is read."""
        live = set(live)
        for node in reversed(block):
            if isinstance(node, _Pop):
                restored = node.name in live or node.name in needed
                if node.name in live:
                    found.add(node.name)
                if restored:
                    whole = node.kind is None and node.index is None
                    if whole:
                        live.discard(node.name)
                    live |= _reads(node)
            elif isinstance(node, _Push):
                continue
            elif isinstance(node, gast.If):
                live = self.live(node.body, live, needed, found) | \
                    self.live(node.orelse, live, needed, found) | _loads(node.test)
            elif isinstance(node, (gast.For, gast.While)):
                after = set(live)
                while True:  # the body may run again after itself
                    before = after | self.live(node.body, live, needed, found)
                    if before <= live:
                        break
                    live |= before
                if isinstance(node, gast.For):
                    live -= _stores(node.target)
                    live |= _loads(node.iter)
                else:
                    live |= _loads(node.test)
            else:
                live -= {n for n in _stores(node)
                         if not isinstance(node, gast.AugAssign)}
                live |= _loads(node)
        return live

    def finalize(self, nodes, needed):
        """Placeholders -> stack operations for the values the adjoint sweep reads;
        blocks left empty are dropped."""
        out = []
        for node in nodes:
            if isinstance(node, (_Push, _Pop)):
                out.extend(self.stack_op(node, needed))
                continue
            if isinstance(node, gast.If):
                body = self.finalize(node.body, needed)
                orelse = self.finalize(node.orelse, needed)
                if not _effective(body) and not _effective(orelse):
                    continue
                out.append(gast.copy_location(gast.If(
                    test=node.test, body=body or [gast.Pass()], orelse=orelse), node))
                continue
            if isinstance(node, (gast.For, gast.While)):
                body = self.finalize(node.body, needed)
                if not _effective(body):
                    continue
                new = copy.copy(node)
                new.body = body or [gast.Pass()]
                out.append(new)
                continue
            out.append(node)
        return out

    def stack_op(self, node, needed):
        name = node.name
        if name not in needed:
            return []
        stack = self.stacks.get(name)
        if stack is None:
            stack = self.stacks[name] = self.namer.fresh(f"{name}_stack")
        if not isinstance(node, _Pop):
            if node.kind in ("append", "extend"):
                return []
            value = load(name)
            if node.index is not None and self.may_be_dict(name):
                value = self.adjoints.rt("saved_entry", load(name), index_node(node.index))
            elif node.index is not None:
                value = self.adjoints.np("copy", gast.Subscript(
                    value=load(name), slice=index_node(node.index), ctx=gast.Load()))
            return [gast.Expr(value=call(attr(stack, "append"), [value]))]
        if node.kind == "append":
            return [gast.Expr(value=call(attr(name, "pop"), []))]
        if node.kind == "pop":
            return [gast.Expr(value=call(attr(name, "append"), [load(node.value)]))]
        if node.kind == "extend":
            return [gast.Expr(value=self.adjoints.rt("unextend_list", load(name), node.value))]
        popped = call(attr(stack, "pop"), [])
        if node.index is not None and self.may_be_dict(name):
            return [gast.Expr(value=self.adjoints.rt("restore_entry", load(name),
                                                     index_node(node.index), popped))]
        if node.index is not None:
            return [assign(gast.Subscript(value=load(name), slice=index_node(node.index),
                                          ctx=gast.Store()), popped)]
        return [assign(name, popped)]

    def may_be_dict(self, name):
        """Might ``name``, written into at an index, be a dict (where a write
        may make a new entry, whose save must say that it was absent)?  Not
        where every value it is given is an array of a NumPy function or a
        list or tuple literal."""
        for op in self.defs_in_order.get(name, []):
            if op.kind in ("write", "append", "extend", "pop") \
                    or isinstance(op.stmt.value, (gast.List, gast.Tuple)) \
                    or op.rule is not None and op.rule.name.startswith(("numpy.", "ndarray.")):
                continue
            return True
        return False

    def defined_before_use(self, name):
        """Is ``name`` surely assigned at top level before any loop or branch?"""
        for node in self.an.tree:
            if isinstance(node, Compound):
                return False
            if name in node.targets and node.kind not in ("write", "append", "extend"):
                return True
        return False

    def primal_reads(self, block):
        """Primal names the adjoint sweep reads, not counting the restores of a
        name itself (adjoints and stacks excluded)."""
        skip = set(self.adjoints.adj.values()) | set(self.stacks.values())
        reads = set()
        for node in block:
            if isinstance(node, gast.Assign) and isinstance(node.value, gast.Call) \
                    and isinstance(node.value.func, gast.Attribute) \
                    and node.value.func.attr == "pop" \
                    and isinstance(node.value.func.value, gast.Name) \
                    and node.value.func.value.id in skip:
                target = node.targets[0]
                if isinstance(target, gast.Subscript):
                    reads.update(n.id for n in gast.walk(target.slice)
                                 if isinstance(n, gast.Name))
                continue
            if isinstance(node, gast.Expr) and isinstance(node.value, gast.Call) and (
                    isinstance(node.value.func, gast.Attribute)
                    and node.value.func.attr in ("pop", "unextend_list")):
                continue
            if isinstance(node, gast.Expr) and isinstance(node.value, gast.Call) \
                    and isinstance(node.value.func, gast.Attribute) \
                    and node.value.func.attr == "restore_entry":  # (as a restore above)
                reads.update(_loads(node.value.args[1]))
                continue
            for n in gast.walk(node):
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) \
                        and n.id not in skip:
                    reads.add(n.id)
        return reads


class _Push:
    def __init__(self, name, index=None, kind=None, value=None):
        self.name, self.index, self.kind, self.value = name, index, kind, value


class _Pop(_Push):
    pass


def _loads(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def _stores(node):
    """Names a statement binds whole (a write into an element binds nothing)."""
    if isinstance(node, gast.Assign):
        node = gast.Tuple(elts=node.targets, ctx=gast.Store())
    if isinstance(node, gast.AugAssign):
        node = node.target
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


def _reads(pop):
    """What the statement a restore placeholder stands for reads."""
    names = {pop.name}
    for part in (pop.index, pop.value):
        if isinstance(part, gast.AST):
            names |= _loads(part)
        elif isinstance(part, str):
            names.add(part)
    return names


def _has_break(nodes):
    for node in nodes:
        if isinstance(node, Compound):
            if node.kind == "if" and (_has_break(node.body) or _has_break(node.orelse)):
                return True
        elif isinstance(node.stmt, gast.Break):
            return True
    return False


def _loads_of(node):
    names = []
    if node.kind == "if" and isinstance(node.test, gast.Name):
        names.append(node.test.id)
    if node.kind == "for" and isinstance(node.iter, gast.Name):
        names.append(node.iter.id)
    return names


def _effective(block):
    return any(not isinstance(s, gast.Pass) for s in block)
