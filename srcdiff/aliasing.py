"""Aliasing: refuse in-place changes that the derivative would not see.

Reverse mode treats every name as a value of its own: ``a[i] = v`` is
differentiated as a new value of ``a`` (the old elements are saved and put
back in the adjoint sweep).  When a second name shares ``a``'s memory (a
view, a copy of the name, an element of a list, a helper's return), the write
changes that name too, behind the derivative's back.  This pass follows, in
the order the code runs, which memory each name may share (*tags*, one per
place that makes a new object, plus one per argument and one for everything
global) and refuses the program at the first read of a name whose memory was
written through another name since the name was bound::

    row = A[i]          # row shares A's memory
    row /= row.sum()    # (in place:) A changes too
    return np.sum(A)    # <- refused: A was changed through 'row'

A write into an argument (the caller's array) is refused as well.  Reads
before the write are fine: the adjoint sweep puts the old elements back
before it reads them.  In loops a place that makes a new object gives the
newest one its own tag (``recent``), so ``rows.append(row)`` followed by a new
``row = np.zeros(3)`` and a write into it is not mistaken for a write into
the rows appended before.

The pass needs no shapes, but uses them where they are known: an element of
an array that is a number (``x[1, 1]`` of a 2-D ``x``) shares nothing.
"""

import dataclasses

import gast

from .abstract import Elements, Items, concrete
from .errors import UnsupportedSyntaxError

GLOBAL = ("global",)
_LOOP_PASSES = 3


@dataclasses.dataclass
class _State:
    tags: dict            # name -> frozenset of tags (the memory it may share)
    lists: dict           # name -> frozenset of tags of list/dict objects it is
    origin: dict          # name -> the op that bound it
    stale: dict           # name -> (write op, op that made the memory shared)
    sharer: dict = dataclasses.field(default_factory=dict)  # name -> op that made it
    #                       share memory made elsewhere (a view, a copy, an append)
    globals_written: object = None   # a write op that may have changed a global

    def copy(self):
        return _State(dict(self.tags), dict(self.lists), dict(self.origin),
                      dict(self.stale), dict(self.sharer), self.globals_written)

    def join(self, other):
        for field in ("tags", "lists"):
            mine, theirs = getattr(self, field), getattr(other, field)
            for n, t in theirs.items():
                mine[n] = mine.get(n, frozenset()) | t
        for n, o in other.origin.items():
            self.origin.setdefault(n, o)
        for n, s in other.stale.items():
            self.stale.setdefault(n, s)
        for n, o in other.sharer.items():
            self.sharer.setdefault(n, o)
        self.globals_written = self.globals_written or other.globals_written


class Check:
    def __init__(self, resolver, norm, summary=False, optimistic=False):
        self.resolver = resolver
        self.norm = norm
        self.augmented = norm.augmented
        self.summary = summary           # collect writes into arguments, do not refuse them
        self.optimistic = optimistic     # a value of unknown shape is a number
        self.params_written = set()
        self.ever = {}                   # name -> every tag it ever had
        self.written_tags = {}           # name written in place -> the tags written

    def fail(self, node, message, hint):
        self.resolver.fail(UnsupportedSyntaxError, node, message, hint)

    # --- memory of a name ---------------------------------------------------------
    def tags(self, st, name):
        if name in st.tags:
            return st.tags[name]
        if name in self.norm.versions:
            return frozenset()   # not bound yet (or a number)
        return frozenset([GLOBAL])

    def new_tag(self, st, op):
        """The tag of a new object made by ``op``; objects made by the same op
        before it are 'older' from now on."""
        recent, older = ("site", id(op), True), ("site", id(op), False)
        for field in (st.tags, st.lists):
            for n, t in field.items():
                if recent in t:
                    field[n] = (t - {recent}) | {older}
        return recent

    # --- the walk ---------------------------------------------------------------------
    def run(self, tree):
        """The tags of the function's result."""
        st = _State({p: frozenset([("param", p)]) for p in self.norm.params}, {}, {}, {})
        self.block(tree, st)
        result = self.norm.result
        if isinstance(result, gast.Name):
            self.read(st, result.id, result)
            return self.tags(st, result.id)
        return frozenset()

    def block(self, nodes, st):
        for node in nodes:
            if hasattr(node, "targets"):
                self.op(node, st)
            elif node.kind == "if":
                self.read(st, _name(node.test), node.stmt)
                other = st.copy()
                self.block(node.body, st)
                self.block(node.orelse, other)
                st.join(other)
            else:
                self.read(st, _name(node.iter), node.stmt)
                for _ in range(_LOOP_PASSES):   # the body runs after itself
                    before = st.copy()
                    self.block(node.body, st)
                    st.join(before)

    def read(self, st, name, node):
        if name is None:
            return
        if name in st.stale:
            write, alias = st.stale[name]
            shown = self.norm.versions.get(name, name)
            self.fail(alias.stmt if alias is not None else node,
                      f"'{shown}' shares memory with a value that is changed in place at "
                      f"line {getattr(write.stmt, 'lineno', '?')}, and is read after that "
                      f"(line {getattr(node, 'lineno', '?')}); the derivative would be wrong",
                      "copy it where you take it, e.g. row = np.copy(a[i])")
        if name not in self.norm.versions and st.globals_written is not None:
            self.fail(node, f"'{name}' is read after a write that may have changed it "
                      f"(line {getattr(st.globals_written.stmt, 'lineno', '?')}); the "
                      "derivative would be wrong",
                      "write into arrays the function makes itself")

    def op(self, op, st):
        for name in self.reads(op):
            self.read(st, name, op.stmt)
        self.write(op, st)
        self.bind(op, st)

    def reads(self, op):
        if op.kind == "write":
            return [n for n in op.operands if n != op.targets[0]]
        if op.kind in ("append", "extend"):
            return op.operands[:-1]
        return op.operands

    # --- writes -------------------------------------------------------------------------
    def written(self, op, st):
        """(name written through, the tags it changes) of an in-place write, or None."""
        if op.kind in ("write", "append", "extend", "pop"):
            base = op.targets[0] if op.kind != "pop" else op.operands[0]
            return base, st.lists.get(base) or self.tags(st, base)
        if id(op.stmt) in self.augmented and op.targets:
            old = self.augmented[id(op.stmt)]
            if not self.is_number(op, op.targets[0]):
                return old, self.tags(st, old)
        if op.writes:
            return op.writes[0], frozenset().union(*[self.tags(st, n) for n in op.writes])
        return None

    def write(self, op, st):
        found = self.written(op, st)
        if found is None:
            return
        base, changed = found
        params = sorted(t[1] for t in changed if t[0] == "param")
        if params and self.summary:
            self.params_written.update(params)
        elif params and id(op.stmt) not in self.augmented:
            verb = "appends to" if op.kind in ("append", "extend") else "writes into"
            self.fail(op.stmt, f"this {verb} the argument '{params[0]}', which would change "
                      "the caller's value",
                      f"work on a copy: {params[0]} = {params[0]}.copy()")
        if GLOBAL in changed:
            st.globals_written = op
        self.written_tags[base] = self.written_tags.get(base, frozenset()) | changed
        for name, tags in st.tags.items():
            if name != base and name not in op.targets and tags & changed:
                # (shown: where the memory came to be shared, where a copy would help)
                where = st.sharer.get(base) or st.sharer.get(name) or st.origin.get(name)
                st.stale.setdefault(name, (op, where))
        if op.kind == "append" or op.kind == "extend":
            value = op.operands[0]
            st.tags[base] = self.tags(st, base) | self.tags(st, value)
            if self.tags(st, value):
                st.sharer[base] = op

    # --- bindings --------------------------------------------------------------------------
    def bind(self, op, st):
        if op.kind in ("write", "append", "extend"):
            return
        for t in op.targets:
            if t in op.writes:
                continue
            st.stale.pop(t, None)
            st.origin[t] = op
            st.lists.pop(t, None)
            st.tags[t] = self.shares(op, t, st)
            self.ever[t] = self.ever.get(t, frozenset()) | st.tags[t]
            if st.tags[t] - {("site", id(op), True)}:
                st.sharer[t] = op     # it shares memory made elsewhere
            else:
                st.sharer.pop(t, None)

    def shares(self, op, target, st):
        """The tags of what ``op`` binds to ``target``."""
        if self.is_number(op, target):
            return frozenset()
        kind = op.kind
        if id(op.stmt) in self.augmented:
            return self.tags(st, self.augmented[id(op.stmt)])
        value = op.stmt.value if isinstance(op.stmt, gast.Assign) else None
        if isinstance(value, (gast.List, gast.Dict)) or (
                op.rule is not None and op.rule.key in (list, dict)):
            # a new list or dict: its own tag (element replacement and appends
            # change just that), and what it holds
            own = self.new_tag(st, op)
            st.lists[target] = frozenset([own])
            return frozenset([own]).union(*[self.tags(st, n) for n in op.operands])
        if kind == "literal":
            return frozenset().union(*[self.tags(st, n) for n in op.operands])
        if kind == "copy":
            source = op.operands[0]
            if source in st.lists:
                st.lists[target] = st.lists[source]   # the same list
            return self.tags(st, source)
        if kind in ("unpack", "pop", "subscript"):
            # an element: what the container holds, not the list object itself
            container = op.operands[0]
            return self.tags(st, container) - st.lists.get(container, frozenset())
        if kind in ("rule", "nondiff") and op.rule is not None:
            if op.rule.fresh:
                return frozenset([self.new_tag(st, op)])
            shared = [a.id for p, a in (op.bindings or {}).items()
                      if isinstance(a, gast.Name) and op.rule.may_alias(p)]
            return frozenset().union(*[self.tags(st, n) for n in shared]) if shared \
                else frozenset()
        if kind == "nondiff":
            if isinstance(value, (gast.BinOp, gast.UnaryOp, gast.Compare, gast.List,
                                  gast.Dict)):
                return frozenset([self.new_tag(st, op)])
            if not op.operands:
                return frozenset() if not isinstance(value, gast.Call) \
                    else frozenset([GLOBAL])
        if kind in ("user", "local") and op.fresh_result:
            return frozenset([self.new_tag(st, op)])
        if kind == "def":
            return frozenset()
        # anything else may return (part of) any operand, or something global
        shared = frozenset().union(*[self.tags(st, n) for n in op.operands])
        return shared or frozenset([GLOBAL])

    @property
    def views(self):
        """Name written in place -> the names that share its memory at some point
        (the adjoint sweep writes old elements back where the code wrote)."""
        return {base: {n for n, tags in self.ever.items() if n != base and tags & written}
                for base, written in self.written_tags.items()}

    def is_number(self, op, name):
        """Is ``name`` surely a number where ``op`` binds or changes it?  (With
        ``optimistic``: may it be one?)"""
        shape = (op.shapes or {}).get(name)
        if self.optimistic:
            return shape == () or not (concrete(shape) or isinstance(shape, (Elements, Items)))
        return shape == ()


def _name(atom):
    return atom.id if isinstance(atom, gast.Name) else None


def check(resolver, tree, norm, exact):
    """Raise ``UnsupportedSyntaxError`` where an in-place change would make the
    derivative silently wrong (see the module docstring).  Returns (a deferred
    refusal or None, the names sharing memory with each name written in place:
    the optimizer may not move their reads across the write).

    Without ``exact`` argument shapes, a refusal that no longer holds when the
    values of unknown shape are numbers (``y = x; x += 1.0`` with a float
    ``x``) is returned instead of raised: the transformation specialised on the
    arguments' shapes decides (and refuses if it still holds)."""
    walk = Check(resolver, norm)
    try:
        walk.run(tree)
    except UnsupportedSyntaxError as refusal:
        if exact:
            raise
        optimistic = Check(resolver, norm, optimistic=True)
        optimistic.run(tree)
        return refusal, optimistic.views
    return None, walk.views


def summary(resolver, tree, norm):
    """What a call of this (helper) function does to memory: (is its result a
    new object, the parameters it writes into).  Raises where ``check`` would."""
    walk = Check(resolver, norm, summary=True)
    result = walk.run(tree)
    fresh = all(t[0] == "site" for t in result)
    return fresh, sorted(walk.params_written)
