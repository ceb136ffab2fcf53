"""Where the values the adjoint sweep reads are kept: the placeholders the two
sweeps of reverse mode are written with (``Push`` before an assignment that
overwrites a value, ``Pop`` where the adjoint sweep puts it back), and
``Stacks.place``, which turns into stack operations only those for values the
adjoint sweep really reads after putting them back, and drops the rest.
"""

import copy

import gast

from .activity import Compound
from .trees import assign, attr, call, constant, index_node, load, reads


class Push:
    """In the forward sweep: save ``name`` (``index``: only that element)
    before it is overwritten."""

    def __init__(self, name, index=None, kind=None, value=None):
        self.name, self.index, self.kind, self.value = name, index, kind, value


class Pop(Push):
    """In the adjoint sweep: put ``name`` (``index``: that element) back; with
    ``kind`` ``"append"``, ``"extend"`` or ``"pop"``, undo that list method
    (``value``: what it was given, or the name it bound)."""


class Stacks:
    """The stacks of one function (``stacks``: primal name -> its stack's
    name), made by ``place``."""

    def __init__(self, analysis, norm, adjoints, defs_in_order):
        self.an = analysis
        self.norm = norm
        self.namer = norm.namer
        self.adjoints = adjoints
        self.defs_in_order = defs_in_order  # name -> the ops that bind it, in order
        self.stacks = {}

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
            if isinstance(node, Pop):
                restored = node.name in live or node.name in needed
                if node.name in live:
                    found.add(node.name)
                if restored:
                    whole = node.kind is None and node.index is None
                    if whole:
                        live.discard(node.name)
                    live |= _reads(node)
            elif isinstance(node, Push):
                continue
            elif isinstance(node, gast.If):
                live = self.live(node.body, live, needed, found) | \
                    self.live(node.orelse, live, needed, found) | reads(node.test)
            elif isinstance(node, (gast.For, gast.While)):
                after = set(live)
                while True:  # the body may run again after itself
                    before = after | self.live(node.body, live, needed, found)
                    if before <= live:
                        break
                    live |= before
                if isinstance(node, gast.For):
                    live -= _stores(node.target)
                    live |= reads(node.iter)
                else:
                    live |= reads(node.test)
            else:
                live -= {n for n in _stores(node)
                         if not isinstance(node, gast.AugAssign)}
                live |= reads(node)
        return live

    def finalize(self, nodes, needed):
        """Placeholders -> stack operations for the values the adjoint sweep reads;
        blocks left empty are dropped."""
        out = []
        for node in nodes:
            if isinstance(node, (Push, Pop)):
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
        if not isinstance(node, Pop):
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
            names |= reads(part)
        elif isinstance(part, str):
            names.add(part)
    return names


def _effective(block):
    return any(not isinstance(s, gast.Pass) for s in block)
