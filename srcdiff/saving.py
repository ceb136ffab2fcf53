"""The two sweeps of reverse mode and the values they share, without a tape.

The forward sweep is the primal code, with a push (``y_stack.append(y)``)
before each assignment that overwrites a value the adjoint sweep may read; the
adjoint sweep walks the code backwards (loops reversed, branches on the test
the forward sweep computed, a ``while`` loop its counted number of trips) and
pops each such value back before the statements that read it.  What is pushed
is decided in two steps: while the sweeps are written every candidate gets a
placeholder (``stacks.Push`` / ``stacks.Pop``); ``stacks.Stacks.place`` then
keeps only those for values the adjoint sweep really reads, so straight-line
code needs no stack::

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

Cheap values are recomputed instead of saved (``SavePlan.rematerializable``).
"""

import gast

from .activity import Compound, Op
from .stacks import Pop, Push, Stacks
from .trees import assign, call, clone, constant, index_value, load, replace_reads, store
from .trees import reads as names_read


class SavePlan:
    """What the forward sweep saves: which assignments overwrite a value the
    adjoint sweep may read (``needs_push``), which values it recomputes
    instead (``remat``), and which adjoints are added to rather than assigned
    (``accumulated``)."""

    def __init__(self, analysis, norm):
        self.an = analysis
        self.norm = norm
        self.defs_in_order = {}  # name -> the ops that bind it, in order
        for op in analysis.ops:
            for t in op.targets:
                self.defs_in_order.setdefault(t, []).append(op)
        self.categorize(analysis.tree)

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
        self.accumulated = {n for n in accumulated if self.an.active(n)}

    def rematerializable(self, defs, uses, blocks, mutated):
        """Values inside loops that the adjoint sweep recomputes instead of
        saving, when their operands are not reassigned before the value's last
        use in the same block: a temporary of one arithmetic operation
        (``t = 0.1 * x`` used by ``u = t * x``), and an element of a container
        that nothing changes (``x_t = xs[k]``).  Nothing is pushed for them."""
        remat = {}
        indexes = {n for op in self.an.ops if op.kind == "write"
                   and isinstance(op.stmt, gast.Assign) for t in op.stmt.targets
                   if isinstance(t, gast.Subscript) for n in names_read(t.slice)}
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


class Sweeps:
    """The forward and the adjoint sweep of one function, with their stacks.
    ``differentiate(op)`` writes the adjoint statements of one op (into
    ``adjoints.out``)."""

    def __init__(self, analysis, norm, adjoints, differentiate):
        self.an = analysis
        self.namer = norm.namer
        self.adjoints = adjoints
        self.differentiate = differentiate
        self.trips = {}      # id(loop) -> its trip counter (while loops, loops with break)
        self.plan = SavePlan(analysis, norm)
        adjoints.accumulated = self.plan.accumulated
        self.stacks = Stacks(analysis, norm, adjoints, self.plan.defs_in_order)

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
                out.append(Push(y, index_value(index)))
            elif node.kind not in ("append", "extend", "def"):
                for t in node.targets:
                    if self.plan.needs_push(t, node):
                        out.append(Push(t))
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
            if self.plan.node_in_loop.get(id(node)):
                post.append(Push(trips))
        self.trips[id(node)] = trips
        if node.kind == "while":
            loop = gast.While(test=constant(True), body=body, orelse=[])
        else:
            loop = gast.For(target=stmt.target, iter=stmt.iter, body=body, orelse=[],
                            type_comment=None)
        gast.copy_location(loop, stmt)
        return pre + [loop] + post

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
                        and self.plan.needs_push(t, node):
                    out.append(assign(adjoints.adj[t], constant(0.0)))
        if node.kind == "pop":  # the list gets the popped value back first
            out.append(Pop(node.operands[0], kind="pop", value=node.targets[0]))
        if node.kind == "write":
            out.append(Pop(node.targets[0], index_value(node.stmt.targets[0].slice)))
        elif node.kind in ("append", "extend"):
            out.append(Pop(node.targets[0], kind=node.kind, value=node.stmt.value.args[0]))
        elif node.kind != "def":
            for t in reversed(node.targets):
                if self.plan.needs_push(t, node):
                    out.append(Pop(t))

    def backward_compound(self, node):
        stmt = node.stmt
        if node.kind == "if":
            body = self.backward(node.body)
            orelse = self.backward(node.orelse)
            return [gast.If(test=clone(stmt.test), body=body or [gast.Pass()], orelse=orelse)]
        body = self.backward(node.body)
        trips = self.trips[id(node)]
        pop = [Pop(trips)] if trips is not None and self.plan.node_in_loop.get(id(node)) else []
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

    def recompute(self, start, node):
        """Put back the recomputed temporaries the adjoint statements from
        ``start`` on read: in place of a single read, else assigned first."""
        out = self.adjoints.out
        reads = [n.id for stmt in out[start:] if isinstance(stmt, gast.AST)
                 for n in gast.walk(stmt) if isinstance(n, gast.Name)
                 and isinstance(n.ctx, gast.Load)]
        again = []
        for t in sorted(set(reads) & set(self.plan.remat)):
            if t not in node.operands and t not in node.targets:
                continue
            if reads.count(t) == 1:
                value = self.plan.remat[t]
                out[start:] = [
                    replace_reads(stmt, (t,), lambda n: gast.copy_location(clone(value), n))
                    if isinstance(stmt, gast.AST) else stmt for stmt in out[start:]]
            else:
                again.append(assign(t, clone(self.plan.remat[t])))
        out[start:start] = again

    def place(self, forward, backward, after):
        """``Stacks.place``: the stacks, and the sweeps with their stack operations."""
        return self.stacks.place(forward, backward, after)


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
