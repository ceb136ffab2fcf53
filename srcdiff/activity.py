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

from .errors import NoRuleError, UnsupportedSyntaxError
from .rules import registry

SCALAR = ()

_OPERATORS = {
    gast.Add: "operator.add", gast.Sub: "operator.sub", gast.Mult: "operator.mul",
    gast.Div: "operator.truediv", gast.Pow: "operator.pow",
    gast.MatMult: "operator.matmul", gast.USub: "operator.neg", gast.UAdd: "operator.pos",
}
_NONDIFF_OPERATORS = (gast.FloorDiv, gast.Mod, gast.BitAnd, gast.BitOr, gast.BitXor,
                      gast.LShift, gast.RShift, gast.Not, gast.Invert)
CONSTANT_ATTRIBUTES = {"shape", "ndim", "size", "dtype"}


@dataclasses.dataclass
class Op:
    """What one normalized statement does, as far as derivatives go."""
    kind: str          # 'rule', 'user', 'local', 'copy', 'subscript', 'literal',
    #                    'unpack', 'nondiff', 'unknown', 'effect', 'def'
    stmt: object
    targets: list      # names assigned
    operands: list     # atoms the derivative may flow into (in binding order)
    rule: object = None
    bindings: dict = None
    callee: object = None       # FunctionInfo-like for user calls / LocalDef
    call: object = None         # the gast.Call for user / local calls
    callee_name: str = ""       # for messages


@dataclasses.dataclass
class Analysis:
    ops: list
    varied: set
    useful: set
    shapes: dict

    def active(self, name):
        return name in self.varied and name in self.useful


def names_of(node):
    return [n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)]


def _static_value(info, node):
    """The object an attribute chain like ``np.linalg.norm`` names, or KeyError."""
    if isinstance(node, gast.Name):
        return info.lookup(node.id)
    if isinstance(node, gast.Attribute):
        return getattr(_static_value(info, node.value), node.attr)
    raise KeyError(node)


def _display(node):
    return gast.unparse(node) if hasattr(gast, "unparse") else _unparse(node)


def _unparse(node):
    import ast
    return ast.unparse(gast.gast_to_ast(node))


class Resolver:
    def __init__(self, info, norm):
        self.info = info
        self.norm = norm
        self.local_by_user = {}

    def fail(self, cls, node, message, hint=None):
        raise cls(message, function=self.info.name, filename=self.info.filename,
                  lineno=getattr(node, "lineno", None),
                  col=getattr(node, "col_offset", None), hint=hint)

    def op(self, stmt):
        if isinstance(stmt, gast.FunctionDef):
            return Op("def", stmt, [stmt.name], [])
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
                op.targets = names
                return op
            return Op("unknown", stmt, names, op.operands,
                      callee_name=op.callee_name or "unpacking")
        op = self.value_op(stmt, value)
        op.targets = [target.id]
        return op

    def value_op(self, stmt, value):
        if isinstance(value, gast.Name):
            if value.id in self.norm.local_defs:
                return Op("def", stmt, [], [])
            return Op("copy", stmt, [], [value.id])
        if isinstance(value, gast.Lambda):
            return Op("def", stmt, [], [])
        if not names_of(value):
            return Op("nondiff", stmt, [], [])
        if isinstance(value, gast.BinOp) or isinstance(value, gast.UnaryOp):
            if isinstance(value.op, _NONDIFF_OPERATORS):
                return Op("nondiff", stmt, [], [])
            rule = registry.lookup(_OPERATORS[type(value.op)])
            if isinstance(value, gast.BinOp):
                bindings = {"x": value.left, "y": value.right}
                if rule.signature != ("x", "y"):
                    bindings = dict(zip(rule.signature, [value.left, value.right]))
            else:
                bindings = {rule.signature[0]: value.operand}
            return Op("rule", stmt, [], _name_atoms(bindings.values()), rule=rule,
                      bindings=bindings, callee_name=rule.name)
        if isinstance(value, (gast.Compare, gast.BoolOp)):
            if isinstance(value, gast.BoolOp):
                return Op("boolop", stmt, [], names_of(value))
            return Op("nondiff", stmt, [], [])
        if isinstance(value, gast.Subscript):
            return Op("subscript", stmt, [], _name_atoms([value.value]))
        if isinstance(value, gast.Attribute):
            if value.attr in CONSTANT_ATTRIBUTES:
                return Op("nondiff", stmt, [], [])
            if isinstance(value.value, gast.Name) and value.value.id in self.norm.versions:
                rule = registry.lookup(f"ndarray.{value.attr}")
                if rule is not None and rule.kind == "adjoint":
                    return Op("rule", stmt, [], [value.value.id], rule=rule,
                              bindings={rule.signature[0]: value.value},
                              callee_name=rule.name)
                return Op("unknown", stmt, [], [value.value.id],
                          callee_name=f"attribute '.{value.attr}'")
            return Op("nondiff", stmt, [], [])
        if isinstance(value, (gast.Tuple, gast.List)):
            return Op("literal", stmt, [], _name_atoms(value.elts))
        if isinstance(value, gast.Call):
            return self.call_op(stmt, value)
        return Op("unknown", stmt, [], names_of(value),
                  callee_name=type(value).__name__)

    def call_op(self, stmt, call):
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
            return Op("unknown", stmt, [], all_atoms,
                      callee_name=f"{func.id} (a function passed in as a value)")
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                and func.value.id in self.norm.versions:
            receiver = func.value
            key = f"ndarray.{func.attr}"
            rule = registry.lookup(key)
            name = f"method .{func.attr}()"
            obj = None
        else:
            try:
                obj = _static_value(self.info, func)
            except (KeyError, AttributeError):
                self.fail(NoRuleError, func, f"cannot resolve '{_display(func)}'",
                          "srcdiff resolves called functions when it transforms")
            rule = registry.lookup(obj)
            name = _display(func)
        if rule is not None:
            if rule.kind == "nondiff":
                return Op("nondiff", stmt, [], [])
            if receiver is not None:
                args = [receiver] + args
                all_atoms = _name_atoms([receiver]) + all_atoms
            bindings = self.bind(rule, args, keywords, call, name)
            if bindings is None:
                return Op("unknown", stmt, [], all_atoms,
                          callee_name=f"{name} with these arguments")
            op = Op("rule", stmt, [], all_atoms, rule=rule, bindings=bindings,
                    callee_name=name)
            return op
        if receiver is not None:
            return Op("unknown", stmt, [], all_atoms + [receiver.id], callee_name=name)
        target = obj
        bound = None
        if inspect.ismethod(target):
            bound = target.__self__
            target = target.__func__
        if inspect.isfunction(target) and not _is_library(target):
            return Op("user", stmt, [], all_atoms, callee=(target, bound, func),
                      call=call, callee_name=name)
        return Op("unknown", stmt, [], all_atoms, callee_name=name)

    def bind(self, rule, args, keywords, call, name):
        if rule.custom is not None:
            chosen = rule.custom(args, keywords)
            if chosen is None:
                return None
            template, bindings = chosen
            return {"__template__": template, **bindings}
        params = list(rule.signature)
        if len(args) > len(params):
            return None
        bindings = dict(zip(params, args))
        for key, value in keywords.items():
            if key not in params or key in bindings:
                return None
            bindings[key] = value
        return bindings


def _is_library(func):
    module = getattr(func, "__module__", "") or ""
    return module.split(".")[0] in ("numpy", "scipy", "math", "builtins", "autograd", "srcdiff",
                                    "jax", "torch")


def _name_atoms(atoms):
    return [a.id for a in atoms if isinstance(a, gast.Name)]


# --- shapes -------------------------------------------------------------------

def _broadcast(shapes, target):
    distinct = {s for s in shapes if s != SCALAR}
    if not distinct:
        return SCALAR
    if len(distinct) == 1:
        return distinct.pop()
    return ("like", target)


def _shape_of(atom, shapes):
    if isinstance(atom, gast.Name):
        return shapes.get(atom.id, ("like", atom.id))
    if isinstance(atom, gast.Constant) and isinstance(atom.value, (int, float, complex)):
        return SCALAR
    if isinstance(atom, gast.UnaryOp) and isinstance(atom.operand, gast.Constant):
        return _shape_of(atom.operand, shapes)
    return None


def infer_shape(op, shapes):
    target = op.targets[0] if op.targets else None
    fresh = ("like", target)
    if op.kind == "copy":
        return shapes.get(op.operands[0], ("like", op.operands[0]))
    if op.kind != "rule":
        return fresh
    rule = op.rule
    bound = {k: v for k, v in op.bindings.items() if k != "__template__"}
    if rule.shape == "scalar":
        return SCALAR
    if rule.shape == "elementwise":
        first = next(iter(bound.values()))
        return _shape_of(first, shapes) or fresh
    if rule.shape == "broadcast":
        operand_shapes = [_shape_of(a, shapes) for a in bound.values()]
        if any(s is None for s in operand_shapes):
            return fresh
        return _broadcast(operand_shapes, target)
    if rule.shape == "reduce":
        axis = bound.get("axis")
        keepdims = bound.get("keepdims")
        no_axis = axis is None or (isinstance(axis, gast.Constant) and axis.value is None)
        no_keep = keepdims is None or (isinstance(keepdims, gast.Constant)
                                       and keepdims.value is False)
        return SCALAR if no_axis and no_keep else fresh
    return fresh


# --- the analysis -----------------------------------------------------------------

def analyze(info, norm, wrt):
    resolver = Resolver(info, norm)
    ops = [resolver.op(stmt) for stmt in norm.body]

    # Annotations are not trusted: Python does not enforce them.
    shapes = {p: ("like", p) for p in norm.params}

    varied = set(wrt)
    for op in ops:
        if op.kind in ("nondiff", "def", "effect"):
            pass
        elif any(n in varied for n in op.operands):
            varied.update(op.targets)
        for t in op.targets:
            shapes[t] = infer_shape(op, shapes) if len(op.targets) == 1 else ("like", t)

    useful = set()
    result = norm.result
    if isinstance(result, gast.Name):
        useful.add(result.id)
    for op in reversed(ops):
        if op.kind in ("nondiff", "def", "effect"):
            continue
        if any(t in useful and t in varied for t in op.targets):
            useful.update(n for n in op.operands if n in varied)

    analysis = Analysis(ops=ops, varied=varied, useful=useful, shapes=shapes)
    for op in ops:
        if not any(analysis.active(t) for t in op.targets):
            if op.kind == "effect":
                _check_effect(resolver, op, varied)
            continue
        if op.kind == "unknown":
            resolver.fail(NoRuleError, op.stmt,
                          f"no derivative rule for {op.callee_name} on a value that "
                          "depends on the differentiated arguments",
                          "wrap the argument in srcdiff.stop_gradient(...) if its "
                          "derivative should be zero, or register a rule with "
                          "srcdiff.rules.adjoint")
        if op.kind == "boolop":
            resolver.fail(UnsupportedSyntaxError, op.stmt,
                          "'and' / 'or' used as a value that depends on the "
                          "differentiated arguments",
                          "write the choice with np.where(cond, a, b)")
    return analysis


def _check_effect(resolver, op, varied):
    """A call kept for its side effects must not mutate an active value."""
    value = op.stmt.value if isinstance(op.stmt, gast.Expr) else None
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and isinstance(value.func.value, gast.Name) and value.func.value.id in varied:
        resolver.fail(UnsupportedSyntaxError, op.stmt,
                      f"calling method .{value.func.attr}() for its effect on a value "
                      "that depends on the differentiated arguments (in-place updates "
                      "are not differentiated yet)",
                      "compute a new value instead of updating in place")
