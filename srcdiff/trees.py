"""Small helpers on gast trees shared by the steps: constructors, copies,
walks, and read replacement."""

import gast


# --- constructors ------------------------------------------------------------------

def load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def assign(target, value, where=None):
    target_node = store(target) if isinstance(target, str) else target
    node = gast.Assign(targets=[target_node], value=value, type_comment=None)
    if where is not None:
        gast.copy_location(node, where)
    return node


def constant(value):
    return gast.Constant(value=value, kind=None)


def call(func, args, keywords=()):
    return gast.Call(func=func, args=list(args), keywords=list(keywords))


def attr(base, name):
    """``base.name`` for a name ``base``."""
    return gast.Attribute(value=load(base), attr=name, ctx=gast.Load())


def index_value(node):
    """An index (as written inside ``[]``) as an expression giving its value."""
    if isinstance(node, gast.Slice):
        parts = [constant(None) if p is None else clone(p)
                 for p in (node.lower, node.upper, node.step)]
        if isinstance(parts[2], gast.Constant) and parts[2].value is None:
            parts.pop()  # slice(a, b) and slice(a, b, None) are the same; slice(a) is not
        return call(load("slice"), parts)
    if isinstance(node, gast.Tuple):
        return gast.Tuple(elts=[index_value(e) for e in node.elts], ctx=gast.Load())
    return clone(node)


def index_node(index):
    """An index value expression back as subscript syntax (``slice(a, b)`` -> ``a:b``)."""
    if isinstance(index, gast.Call) and isinstance(index.func, gast.Name) \
            and index.func.id == "slice":
        parts = list(index.args) + [None] * (3 - len(index.args))
        parts = [None if isinstance(p, gast.Constant) and p.value is None else p
                 for p in parts]
        return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[index_node(e) for e in index.elts], ctx=gast.Load())
    return clone(index)


# --- copies and walks --------------------------------------------------------------


def clone(node, replace=None):
    """A deep copy of a gast tree (or list of trees), locations kept; about ten
    times faster than ``copy.deepcopy``, which the transformation uses often.
    ``replace`` maps ``id(node)`` of nodes inside to what the copy has instead."""
    if isinstance(node, list):
        return [clone(n, replace) for n in node]
    if not isinstance(node, gast.AST):
        return node  # identifiers, constants, None: immutable
    if replace and id(node) in replace:
        return replace[id(node)]
    new = node.__class__.__new__(node.__class__)
    new.__dict__ = {k: clone(v, replace) for k, v in node.__dict__.items()}
    return new


# fields that hold no node worth visiting (contexts and operators have no parts)
LEAF_FIELDS = {"ctx", "op", "id", "attr", "kind", "type_comment"}


class ChildFields(dict):
    """node class -> its fields that may hold nodes worth visiting"""

    def __missing__(self, cls):
        fields = self[cls] = tuple(f for f in cls._fields if f not in LEAF_FIELDS)
        return fields


CHILD_FIELDS = ChildFields()


def nodes(node):
    """``node`` and every node inside it but contexts and operators (what
    ``gast.walk`` gives, in another order, several times faster)."""
    todo = [node]
    while todo:
        node = todo.pop()
        if isinstance(node, gast.AST):  # (not e.g. the None keys of ``{**d}``)
            yield node
            for field in CHILD_FIELDS[type(node)]:
                value = getattr(node, field)
                if type(value) is list:
                    todo.extend(value)
                else:
                    todo.append(value)


class Scan:
    """One walk over some nodes: the names read, with repetition (``v += e``
    reads ``v``), the calls, the nested functions and lambdas, and the
    targets of ``+=``.  (``nodes`` written out: this is the optimizer's
    inner loop.)"""

    def __init__(self, *nodes):
        self.loads, self.calls, self.nested, self.augmented = [], [], [], []
        loads, calls, nested, augmented = self.loads, self.calls, self.nested, self.augmented
        todo = [n for n in nodes if isinstance(n, gast.AST)]
        while todo:
            n = todo.pop()
            cls = type(n)
            if cls is gast.Name:
                if type(n.ctx) is gast.Load:
                    loads.append(n.id)
                if n.annotation is None:  # (a parameter of a nested def may have one)
                    continue
            elif cls is gast.Call:
                calls.append(n)
            elif cls is gast.AugAssign:
                augmented.append(n.target)
                if type(n.target) is gast.Name:
                    loads.append(n.target.id)
            elif cls is gast.FunctionDef or cls is gast.Lambda:
                nested.append(n)
            for field in CHILD_FIELDS[cls]:
                value = getattr(n, field)
                if type(value) is list:
                    for v in value:
                        if isinstance(v, gast.AST):
                            todo.append(v)
                elif isinstance(value, gast.AST):
                    todo.append(value)

    def closure(self):
        """Names read inside nested functions and lambdas."""
        return {name for n in self.nested for name in Scan(n).loads}


def parameters(args, leading=()):
    """A copy of a function's parameters ``args`` without annotations, with the
    names ``leading`` first (the seed of a VJP, the tangents of a JVP)."""
    args = clone(args)
    for a in args.posonlyargs + args.args + args.kwonlyargs:
        a.annotation = None
    (args.posonlyargs or args.args)[0:0] = [store(n) for n in leading]
    return args


def reads(node):
    """The names ``node`` reads."""
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def replace_reads(node, names, make):
    """``node`` with each read of a name in ``names`` replaced by ``make(the
    Name)``; changed in place (but for ``node`` itself being such a read)."""
    if isinstance(node, gast.Name):
        if isinstance(node.ctx, gast.Load) and node.id in names:
            return make(node)
        return node
    for field in CHILD_FIELDS[type(node)]:
        value = getattr(node, field)
        if type(value) is list:
            for k, item in enumerate(value):
                if isinstance(item, gast.AST):
                    value[k] = replace_reads(item, names, make)
        elif isinstance(value, gast.AST):
            setattr(node, field, replace_reads(value, names, make))
    return node
