"""Activity: which values depend on the ``wrt`` inputs and reach the output.

The analysis runs over normalized code and returns an ``Analysis`` value;
nothing is stored on AST nodes.  Alongside it resolves every call to what it
calls (a rule, a user function, a nested function) and infers a symbolic
shape for every name, used to decide where broadcasting must be undone:

* ``SCALAR`` (``()``): a number;
* ``('like', n)``: the same shape as the value ``n`` first had.  Two names with
  the same symbol have the same shape; different symbols may differ.

A call on an active value with no rule raises ``NoRuleError``.
"""

import dataclasses
import inspect

import gast
import numpy as np

from . import abstract, aliasing, frontend, primitives, runtime
from . import rules  # noqa: F401  (declares the primitives)
from .errors import NoRuleError, SrcdiffError, UnsupportedSyntaxError

SCALAR = abstract.SCALAR

# the syntax of operators -> their primitives (declared in rules/operators.py)
_OPERATORS = {
    gast.Add: "operator.add", gast.Sub: "operator.sub", gast.Mult: "operator.mul",
    gast.Div: "operator.truediv", gast.Pow: "operator.pow",
    gast.MatMult: "operator.matmul", gast.USub: "operator.neg", gast.UAdd: "operator.pos",
    gast.Mod: "operator.mod", gast.FloorDiv: "operator.floordiv", gast.BitAnd: "operator.and_",
    gast.BitOr: "operator.or_", gast.BitXor: "operator.xor", gast.LShift: "operator.lshift",
    gast.RShift: "operator.rshift", gast.Not: "operator.not_", gast.Invert: "operator.invert",
}


@dataclasses.dataclass
class Op:
    """What one normalized statement does, as far as derivatives go."""
    kind: str          # 'rule', 'user', 'local', 'copy', 'subscript', 'literal',
    #                    'unpack', 'nondiff', 'unknown', 'effect', 'def'
    stmt: object
    targets: list      # names assigned
    operands: list     # atoms the derivative may flow into (in binding order)
    rule: object = None         # the Primitive of a 'rule' op
    bindings: dict = None
    callee: object = None       # FunctionInfo-like for user calls / LocalDef
    call: object = None         # the gast.Call for user / local calls
    callee_name: str = ""       # for messages
    shapes: dict = None         # symbolic shapes of operands and targets at this point
    writes: list = dataclasses.field(default_factory=list)  # names a call writes into
    fresh_result: bool = False  # a user call whose result is surely a new object
    result_shape: object = None  # a user call: argument shapes -> the result's, or None


@dataclasses.dataclass
class Compound:
    """An if / for / while of normalized code, with its blocks as lists of nodes."""
    kind: str          # 'if', 'for', 'while'
    stmt: object
    body: list
    orelse: list
    test: object = None    # if: the test atom
    target: str = None     # for: the loop variable
    iter: object = None    # for: the range atom

    def rebuilt(self, block):
        """The statement with its blocks made by ``block`` (a list of nodes ->
        statements), as a transformation that keeps control flow writes it."""
        stmt = self.stmt
        if self.kind == "if":
            new = gast.If(test=stmt.test, body=block(self.body) or [gast.Pass()],
                          orelse=block(self.orelse))
        elif self.kind == "for":
            new = gast.For(target=stmt.target, iter=stmt.iter,
                           body=block(self.body) or [gast.Pass()], orelse=[],
                           type_comment=None)
        else:
            new = gast.While(test=stmt.test, body=block(self.body) or [gast.Pass()],
                             orelse=[])
        return gast.copy_location(new, stmt)


@dataclasses.dataclass
class Analysis:
    tree: list          # nodes: Op or Compound
    ops: list           # every Op, in textual order
    varied: set
    useful: set
    shapes: dict        # shapes at the end of the function
    deferred: object = None  # a refusal that holds unless values of unknown shape
    #                          are numbers: the specialised transformation decides
    views: dict = None       # name written in place -> names sharing its memory
    arg_shapes: dict = dataclasses.field(default_factory=dict)  # exact argument shapes

    def active(self, name):
        return name in self.varied and name in self.useful


def no_derivative_hint(norm, atom):
    """The hint of the refusal of a derivative that would flow into ``atom``,
    an argument of a call that has no derivative with respect to it."""
    local = norm.local_defs.get(atom.id) if isinstance(atom, gast.Name) else None
    if local is not None and local.lifted_user:
        name = getattr(local.original, "name", atom.id)
        return (f"'{name}' reads {', '.join(repr(n) for n in local.lifted_user)}, which "
                "the derivative flows through: pass them to it as arguments instead "
                "(odeint(f, y0, t, args=(...)))")
    return "wrap that argument in srcdiff.stop_gradient(...) if its derivative should be zero"


def names_of(node):
    return [n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)]


def _static_value(info, node, namer=None):
    """The object an attribute chain like ``np.linalg.norm`` names, or KeyError.
    ``namer``: its aliases name modules (``rt``: lowering calls runtime helpers)."""
    if isinstance(node, gast.Name):
        if namer is not None and node.id == namer.aliases.get("rt"):
            return runtime
        return info.lookup(node.id)
    if isinstance(node, gast.Attribute):
        return getattr(_static_value(info, node.value, namer), node.attr)
    raise KeyError(node)


def _display(node):
    return gast.unparse(node) if hasattr(gast, "unparse") else _unparse(node)


def _unparse(node):
    import ast
    return ast.unparse(gast.gast_to_ast(node))


class Resolver:
    """Statement -> Op.  ``front(info)`` gives a called function's code in core
    form (the pipeline's first steps), for what a helper does to memory."""

    def __init__(self, info, norm, front):
        self.info = info
        self.norm = norm
        self.front = front
        self.local_by_user = {}

    def fail(self, cls, node, message, hint=None):
        raise cls(message, function=self.info.name, filename=self.info.filename,
                  lineno=getattr(node, "lineno", None),
                  col=getattr(node, "col_offset", None), hint=hint)

    def node(self, stmt):
        """The analysis node of a normalized statement (recursively for blocks)."""
        if isinstance(stmt, gast.If):
            return Compound("if", stmt, [self.node(s) for s in stmt.body],
                            [self.node(s) for s in stmt.orelse], test=stmt.test)
        if isinstance(stmt, gast.For):
            return Compound("for", stmt, [self.node(s) for s in stmt.body], [],
                            target=stmt.target.id, iter=stmt.iter)
        if isinstance(stmt, gast.While):
            return Compound("while", stmt, [self.node(s) for s in stmt.body], [])
        return self.op(stmt)

    def op(self, stmt):
        if isinstance(stmt, (gast.Break, gast.Pass)):
            return Op("nondiff", stmt, [], [])
        if isinstance(stmt, gast.FunctionDef):
            return Op("def", stmt, [stmt.name], self.closes_over(stmt.name))
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
            base = stmt.targets[0].value.id
            return Op("write", stmt, [base], _name_atoms([stmt.value]) + [base])
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
                and _is_pop(stmt.value, self.norm.versions):
            # v = lst.pop() (normalize gives every pop a target)
            return Op("pop", stmt, [stmt.targets[0].id], [stmt.value.func.value.id])
        if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
                and isinstance(stmt.value.func, gast.Attribute) \
                and stmt.value.func.attr in ("append", "extend") \
                and isinstance(stmt.value.func.value, gast.Name) \
                and stmt.value.func.value.id in self.norm.versions \
                and len(stmt.value.args) == 1 and not stmt.value.keywords:
            lst = stmt.value.func.value.id
            return Op(stmt.value.func.attr, stmt, [lst],
                      _name_atoms(stmt.value.args) + [lst])
        if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
            return self.effect_op(stmt)
        if isinstance(stmt, gast.Expr):
            return Op("effect", stmt, [], [n for n in names_of(stmt.value)])
        if isinstance(stmt, gast.Assert):
            return Op("effect", stmt, [], [])
        target = stmt.targets[0]
        value = stmt.value
        if isinstance(target, gast.Tuple):
            names = [e.id for e in target.elts]
            if isinstance(value, gast.Name):
                return Op("unpack", stmt, names, [value.id])
            op = self.value_op(stmt, value)
            if op.kind in ("user", "local"):
                op.targets = names
                return op
            if op.kind == "nondiff":
                op.targets = names + op.writes
                return op
            return Op("unknown", stmt, names + op.writes, op.operands,
                      callee_name=op.callee_name or "unpacking", writes=op.writes)
        op = self.value_op(stmt, value)
        op.targets = [target.id] + op.writes
        return op

    def closes_over(self, name):
        """The outer variables a nested function (or a lambda bound to ``name``)
        reads: a derivative flows into the function value through them, so a
        call that is handed the function (``odeint(f, ...)``) is differentiated
        or refused, never taken as constant."""
        local = self.norm.local_defs.get(name)
        return list(local.lifted) if local is not None else []

    def effect_op(self, stmt):
        """A call kept for its effect (``print(x)``, ``y.fill(v)``, ``helper(y)``):
        harmless when it calls a primitive that writes nothing; else the names
        it writes into are its targets, and with a value that matters it is
        refused (its effect is not differentiated)."""
        op = self.call_op(stmt, stmt.value)
        if op.kind in ("nondiff", "rule") and not op.writes:
            return Op("nondiff", stmt, [], [])
        return Op("effect", stmt, list(op.writes), names_of(stmt.value),
                  callee_name=op.callee_name, writes=op.writes)

    def value_op(self, stmt, value):
        if isinstance(value, gast.Name):
            if value.id in self.norm.local_defs:
                return Op("def", stmt, [], [value.id])
            return Op("copy", stmt, [], [value.id])
        if isinstance(value, gast.Lambda):
            target = stmt.targets[0]
            return Op("def", stmt, [], self.closes_over(target.id)
                      if isinstance(target, gast.Name) else [])
        if not names_of(value):
            return Op("nondiff", stmt, [], [])
        if isinstance(value, gast.BinOp) or isinstance(value, gast.UnaryOp):
            primitive = primitives.lookup(_OPERATORS[type(value.op)])
            if primitive.nondiff:
                return Op("nondiff", stmt, [], [])
            operands = [value.left, value.right] if isinstance(value, gast.BinOp) \
                else [value.operand]
            primitive, bindings = primitive.bind(operands, {})
            return Op("rule", stmt, [], _name_atoms(bindings.values()), rule=primitive,
                      bindings=bindings, callee_name=primitive.name)
        if isinstance(value, (gast.Compare, gast.BoolOp)):
            if isinstance(value, gast.BoolOp):
                return Op("boolop", stmt, [], names_of(value))
            return Op("nondiff", stmt, [], [])
        if isinstance(value, gast.Subscript):
            return Op("subscript", stmt, [], _name_atoms([value.value]) + names_of(value.slice))
        if isinstance(value, gast.Attribute):
            return self.attribute_op(stmt, value)
        if isinstance(value, (gast.Tuple, gast.List)):
            return Op("literal", stmt, [], _name_atoms(value.elts))
        if isinstance(value, gast.Dict):
            return Op("literal", stmt, [], _name_atoms(value.values))
        if isinstance(value, gast.Call):
            return self.call_op(stmt, value)
        return Op("unknown", stmt, [], names_of(value),
                  callee_name=type(value).__name__)

    def attribute_op(self, stmt, value):
        """``v.name``: an attribute of arrays (``x.T``, ``x.shape``) by its rule,
        else a field of a parameter structure (``p.w``, ``self.w``: the rule
        'attribute', whose adjoint is a structure like ``v``)."""
        primitive = primitives.method(value.attr) if _array_attribute(value.attr) else None
        if primitive is not None and primitive.nondiff:
            return Op("nondiff", stmt, [], [])
        if not (isinstance(value.value, gast.Name) and value.value.id in self.norm.versions):
            return Op("nondiff", stmt, [], [])
        if primitive is not None and primitive.adjoint is not None:
            return Op("rule", stmt, [], [value.value.id], rule=primitive,
                      bindings={primitive.signature[0]: value.value},
                      callee_name=primitive.name)
        if primitive is not None:
            return Op("unknown", stmt, [], [value.value.id],
                      callee_name=f"attribute '.{value.attr}'")
        rule = primitives.lookup("attribute")
        return Op("rule", stmt, [], [value.value.id], rule=rule,
                  bindings={"x": value.value,
                            "name": gast.Constant(value=value.attr, kind=None)},
                  callee_name=f"attribute '.{value.attr}'")

    def call_op(self, stmt, call):
        op = self.resolve_call(stmt, call)
        out = [k.value.id for k in call.keywords if k.arg == "out"
               and isinstance(k.value, gast.Name)]
        declared = op.rule.writes if op.rule is not None and op.bindings else ()
        receiver = [call.func.value.id] if isinstance(call.func, gast.Attribute) \
            and isinstance(call.func.value, gast.Name) \
            and call.func.value.id in self.norm.versions \
            and primitives.mutating_method(call.func.attr) else []
        op.writes = sorted(set(out) | set(receiver) | {
            a.id for p, a in (op.bindings or {}).items()
            if p in declared and isinstance(a, gast.Name)})
        if op.writes and op.kind not in ("unknown", "effect"):
            # writing into an argument is not differentiated: known, or refused
            return Op("unknown", stmt, [], op.operands + op.writes, rule=op.rule,
                      bindings=op.bindings, callee_name=op.callee_name, writes=op.writes)
        return op

    def resolve_call(self, stmt, call):
        func = call.func
        args = list(call.args)
        keywords = {k.arg: k.value for k in call.keywords}
        all_atoms = _name_atoms(args + list(keywords.values()))
        receiver = None
        if isinstance(func, gast.Name) and func.id in self.norm.local_defs:
            local = self.norm.local_defs[func.id]
            return Op("local", stmt, [], all_atoms + list(local.lifted), callee=local,
                      call=call, callee_name=func.id)
        if isinstance(func, gast.Name) and func.id not in self.norm.versions \
                and func.id in self.info.local_scope:
            local = self.info.local_scope[func.id]
            return Op("local", stmt, [], all_atoms + list(local.lifted), callee=local,
                      call=call, callee_name=func.id)
        if isinstance(func, gast.Name) and func.id in self.norm.versions:
            return Op("unknown", stmt, [], all_atoms + [func.id],
                      callee_name=f"{func.id} (a function passed in as a value)")
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                and func.value.id in self.norm.versions:
            receiver = func.value
            rule = primitives.method(func.attr)
            name = f"method .{func.attr}()"
            obj = None
        else:
            try:
                obj = _static_value(self.info, func, self.norm.namer)
            except (KeyError, AttributeError):
                self.fail(NoRuleError, func, f"cannot resolve '{_display(func)}'",
                          "srcdiff resolves called functions when it transforms")
            rule = primitives.lookup(obj)
            name = _display(func)
        if rule is not None and rule.nondiff:
            bound = rule.bind([receiver] + args if receiver is not None else args, keywords)
            return Op("nondiff", stmt, [], [], rule=rule, bindings=bound and bound[1])
        if rule is not None and (rule.adjoint is not None or rule.variants is not None):
            if receiver is not None:
                args = [receiver] + args
                all_atoms = _name_atoms([receiver]) + all_atoms
            bound = rule.bind(args, keywords)
            if bound is None:
                return Op("unknown", stmt, [], all_atoms,
                          callee_name=f"{name} with these arguments")
            rule, bindings = bound
            return Op("rule", stmt, [], all_atoms, rule=rule, bindings=bindings,
                      callee_name=name)
        if receiver is not None:
            return Op("unknown", stmt, [], all_atoms + [receiver.id], callee_name=name)
        target = obj
        if hasattr(target, "__srcdiff_specializations__"):
            target = target.__wrapped__  # a gradient srcdiff made: its generic code
        bound = None
        if inspect.ismethod(target):
            bound = target.__self__
            target = target.__func__
        if inspect.isfunction(target) and not _is_library(target):
            op = Op("user", stmt, [], all_atoms, callee=(target, bound, func),
                    call=call, callee_name=name)
            self.summarize(op, target, bound is not None)
            return op
        return Op("unknown", stmt, [], all_atoms, callee_name=name)

    def summarize(self, op, function, method):
        """What the helper does to memory: a new object as its result, and the
        arguments it writes into (which become the op's ``writes``)."""
        fresh, written = helper_summary(function, self.front)
        op.fresh_result = fresh
        if not method and not op.call.keywords and not isinstance(function, str):
            front = self.front
            op.result_shape = lambda shapes: helper_result_shape(function, tuple(shapes),
                                                                 front)
        params = list(function.__code__.co_varnames[:function.__code__.co_argcount])
        bound = dict(zip(params[1:] if method else params, op.call.args))
        bound.update({k.arg: k.value for k in op.call.keywords})
        op.writes = sorted({bound[p].id for p in written
                            if isinstance(bound.get(p), gast.Name)})

    def callee_primitive(self, call):
        """The primitive a call resolves to (None if it is not one)."""
        func = call.func
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                and func.value.id in self.norm.versions:
            return primitives.method(func.attr)
        try:
            return primitives.lookup(_static_value(self.info, func, self.norm.namer))
        except (KeyError, AttributeError):
            return None


# What is learnt of the user functions a transformation calls, for its length
# only (``forget``): what a function does depends on its globals and closure, not
# on its code alone (two modules may define the same text calling different
# functions), and they may change between transformations.
_summaries = {}   # function -> (fresh result, parameters written)
_result_shapes = {}   # (function, argument shapes) -> result shape or None


def forget():
    """Start a transformation: nothing learnt of the user's functions before."""
    _summaries.clear()
    _result_shapes.clear()


def _helper_tree(function, front):
    """The analysed code of a user function (resolved, not yet shaped)."""
    info = frontend.read_function(function)
    norm = front(info)
    resolver = Resolver(info, norm, front)
    return resolver, [resolver.node(stmt) for stmt in norm.body], norm


def helper_summary(function, front):
    """``aliasing.summary`` of a user function, cached while transforming;
    ``(False, ())`` while it is being summarised (recursion) or when it cannot
    be read (its calls are then refused or copied unchanged elsewhere)."""
    if function not in _summaries:
        _summaries[function] = (False, ())
        try:
            resolver, tree, norm = _helper_tree(function, front)
            abstract.infer(tree, norm.params)
            _summaries[function] = aliasing.summary(resolver, tree, norm)
        except SrcdiffError:
            pass
    return _summaries[function]


def helper_result_shape(function, shapes, front):
    """The shape of what a user function returns for arguments of these shapes
    (positional), where known exactly; cached."""
    # (only what is known exactly: a shape "like" a value of the caller's would
    # make each call of a recursive function a new key)
    shapes = tuple(s if abstract.concrete(s) or isinstance(s, (abstract.Elements,
                                                               abstract.Items)) else None
                   for s in shapes)
    key = (function, shapes)
    if key not in _result_shapes:
        _result_shapes[key] = None
        try:
            resolver, tree, norm = _helper_tree(function, front)
            known = {p: s for p, s in zip(norm.params, shapes) if s is not None}
            final = abstract.infer(tree, norm.params, known)
            result = norm.result
            shape = final.get(result.id) if isinstance(result, gast.Name) else \
                abstract.shape_of(result, final)
            _result_shapes[key] = shape if abstract.concrete(shape) else None
        except SrcdiffError:
            pass
    return _result_shapes[key]


def _array_attribute(name):
    """Is ``name`` a data attribute of arrays (``T``, ``shape``, ``real``), as
    opposed to a method or a name arrays do not have?"""
    return inspect.isdatadescriptor(getattr(np.ndarray, name, None))


def _is_pop(value, versions):
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
        and value.func.attr == "pop" and isinstance(value.func.value, gast.Name) \
        and value.func.value.id in versions and not value.args and not value.keywords


def _is_library(func):
    module = getattr(func, "__module__", "") or ""
    return module.split(".")[0] in ("numpy", "scipy", "math", "builtins", "autograd", "srcdiff",
                                    "jax", "torch")


def _name_atoms(atoms):
    return [a.id for a in atoms if isinstance(a, gast.Name)]


def _flatten(nodes):
    for node in nodes:
        if isinstance(node, Compound):
            yield from _flatten(node.body)
            yield from _flatten(node.orelse)
        else:
            yield node


# --- the analysis -----------------------------------------------------------------

def analyze(info, norm, wrt, front, arg_shapes=None):
    """``arg_shapes``: exact shapes of the arguments (a specialised transformation)
    or None (the generic one); ``front``: see ``Resolver``."""
    resolver = Resolver(info, norm, front)
    tree = [resolver.node(stmt) for stmt in norm.body]
    ops = list(_flatten(tree))

    shapes = abstract.infer(tree, norm.params, arg_shapes)

    # dependence on wrt (to a fixed point: loops carry values around)
    varied = set(wrt)
    changed = True
    while changed:
        changed = False
        for op in ops:
            if op.kind == "nondiff":
                continue
            if any(n in varied for n in op.operands) and not set(op.targets) <= varied:
                varied.update(op.targets)
                changed = True

    useful = set()
    result = norm.result
    if isinstance(result, gast.Name):
        useful.add(result.id)
    changed = True
    while changed:
        changed = False
        for op in reversed(ops):
            if op.kind in ("nondiff", "def", "effect"):
                continue
            if any(t in useful and t in varied for t in op.targets):
                new = {n for n in op.operands if n in varied} - useful
                if new:
                    useful.update(new)
                    changed = True

    exact = all(p in (arg_shapes or {}) for p in norm.params)
    deferred, views = aliasing.check(resolver, tree, norm, exact)
    analysis = Analysis(tree=tree, ops=ops, varied=varied, useful=useful, shapes=shapes,
                        deferred=deferred, views=views, arg_shapes=dict(arg_shapes or {}))
    for op in ops:
        if op.kind == "effect":
            _check_effect(resolver, op, varied)
        if not any(analysis.active(t) for t in op.targets):
            continue
        if op.kind == "unknown":
            why = _why(resolver, op)
            resolver.fail(NoRuleError, op.stmt,
                          f"no derivative rule for {op.callee_name} on a value that "
                          "depends on the differentiated arguments" + why,
                          "wrap the argument in srcdiff.stop_gradient(...) if its "
                          "derivative should be zero, or register a rule with "
                          "srcdiff.rules.adjoint")
        if op.kind == "rule" and any(isinstance(n, gast.Constant) and isinstance(n.value, complex)
                                     for a in op.bindings.values() for n in gast.walk(a)):
            resolver.fail(NoRuleError, op.stmt,
                          "a complex number in a computation that depends on the "
                          "differentiated arguments: srcdiff's derivatives are real-valued",
                          "compute with real and imaginary parts as real numbers")
        if op.kind == "subscript" and any(analysis.active(n) for n in names_of(op.stmt.value.slice)):
            resolver.fail(NoRuleError, op.stmt,
                          "an index that depends on the differentiated arguments (index "
                          "objects such as np.r_[...] and np.c_[...] build arrays from it; "
                          "or a key got by looping over a dict that is differentiated)",
                          "build the array with np.concatenate / np.stack, or index with "
                          "integers; loop over a dict with d.items(), d.values() or "
                          "d.keys()")
        if op.kind == "rule" and _sequence_arithmetic(op):
            resolver.fail(NoRuleError, op.stmt,
                          "`+` or `*` of lists or tuples (concatenation or repetition) "
                          "on values that depend on the differentiated arguments",
                          "build the list with append / extend or a comprehension, or "
                          "join arrays with np.concatenate")
        if op.kind == "boolop":
            resolver.fail(UnsupportedSyntaxError, op.stmt,
                          "'and' / 'or' used as a value that depends on the "
                          "differentiated arguments",
                          "write the choice with np.where(cond, a, b)")
    return analysis


def _sequence_arithmetic(op):
    """``a + b`` of two lists or tuples, or ``a * k`` of one and a number: Python
    concatenates or repeats them (NumPy's arithmetic is for arrays only)."""
    if op.rule.name not in ("operator.add", "operator.mul") or len(op.bindings) != 2:
        return False
    shapes = [abstract.shape_of(a, op.shapes) for a in op.bindings.values()]
    sequences = [isinstance(s, (abstract.Elements, abstract.Items)) for s in shapes]
    if op.rule.name == "operator.add":
        return all(sequences)
    return any(sequences) and abstract.SCALAR in shapes


def _why(resolver, op):
    """``': <reason>'`` when the call is to a primitive declared with why it has
    no derivative (``np.fft.fft``: its result is complex-valued), else ``''``."""
    value = getattr(op.stmt, "value", None)
    primitive = resolver.callee_primitive(value) if isinstance(value, gast.Call) else None
    return f": {primitive.why}" if primitive is not None and primitive.why else ""


def _check_effect(resolver, op, varied):
    """A call kept for its effect must not receive a value that depends on the
    differentiated arguments: what it does with it is not differentiated."""
    if not any(n in varied for n in op.operands):
        return
    value = op.stmt.value if isinstance(op.stmt, gast.Expr) else None
    name = op.callee_name or (_display(value.func) if isinstance(value, gast.Call) else "")
    resolver.fail(NoRuleError, op.stmt,
                  f"a call of {name} for its effect, with a value that depends on the "
                  "differentiated arguments: srcdiff does not differentiate what a call "
                  "changes, only what it returns",
                  "compute and return a new value instead (in code differentiated twice: "
                  "use list.append in a loop instead of list.extend)")
