"""Taylor mode: the first ``n`` derivatives of a function of one number in one
forward sweep.

Every active value ``v`` carries its truncated Taylor series in the argument
``x``: ``v``, ``v_c1``, ..., ``v_cn``, the normalized coefficients
(``v_ck`` is the k-th derivative divided by ``k!``).  Each active statement is
followed by the statements computing its result's coefficients from its
operands', by the primitive's Taylor rule (declared with it:
``primitives.series``); a product is a convolution, ``exp``, ``log``,
``sin``/``cos`` ... the standard recurrences, so an operation costs ``O(n^2)``
and the code grows linearly in the number of statements.  Control flow stays
as written (branches and trip counts follow the values, as in forward mode)::

    def f(x):                     def f_taylor(x):
        y = np.exp(x)                 y = np.exp(x)
        return y * x                  y_c1 = y
                                      y_c2 = y_c1 / 2
                                      t1 = y * x
                                      t1_c1 = y_c1 * x + y
                                      t1_c2 = y_c2 * x + y_c1
                                      return (t1, t1_c1, t1_c2 * 2)

The generated function takes ``f``'s arguments and returns the value and the
first ``n`` derivatives (``k!`` times the coefficients).  Coefficients known
to be constant (those of ``x``: ``1, 0, 0 ...``; of inactive values: zero) are
folded while the code is written, for names assigned once; a name assigned
more than once (in a loop, in both arms of a branch) has all its coefficients
assigned at every assignment.

A call of the user's own function calls its Taylor code (``helper=True``:
it takes the coefficients of its varying arguments first and returns the
value and the coefficients).  What has no Taylor rule (a primitive without
one, writes into arrays and lists) raises ``NoSeriesRule``: ``higher``
then falls back to nested gradients, with a warning naming the function.
"""

import inspect
import math

import gast
import numpy as np

from . import primitives, reverse, runtime
from .abstract import SCALAR
from .activity import Compound
from .calls import HelperCalls
from .errors import NoRuleError
from .frontend import bind_params, callee
from .trees import assign, attr, call, clone, constant, load, parameters, store


class NoSeriesRule(NoRuleError):
    """Taylor mode cannot go through this code (the caller falls back to nesting)."""


class Expr:
    """An expression of generated code, with arithmetic that folds constants
    (``0 * a`` is ``0``, ``1 * a`` is ``a``): what Taylor rules compute with.
    ``value`` is the number of a constant, else None."""

    __slots__ = ("node", "value")

    def __init__(self, node, value=None):
        self.node = node
        self.value = value

    @staticmethod
    def of(v):
        if isinstance(v, Expr):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return Expr(constant(v), v)
        raise TypeError(f"not an expression of generated code: {v!r}")

    def is_(self, number):
        return self.value is not None and self.value == number

    def _tree(self):
        return clone(self.node)

    def _binary(self, op, other, fold):
        other = Expr.of(other)
        if self.value is not None and other.value is not None:
            return Expr.of(fold(self.value, other.value))
        return Expr(gast.BinOp(left=self._tree(), op=op, right=other._tree()))

    def __add__(self, other):
        other = Expr.of(other)
        if self.is_(0):
            return other
        if other.is_(0):
            return self
        if other.value is not None and other.value < 0:
            return self - (-other.value)
        if isinstance(other.node, gast.UnaryOp) and isinstance(other.node.op, gast.USub):
            return self - Expr(other.node.operand)
        return self._binary(gast.Add(), other, lambda a, b: a + b)

    def __radd__(self, other):
        return Expr.of(other) + self

    def __sub__(self, other):
        other = Expr.of(other)
        if other.is_(0):
            return self
        if self.is_(0):
            return -other
        return self._binary(gast.Sub(), other, lambda a, b: a - b)

    def __rsub__(self, other):
        return Expr.of(other) - self

    def __mul__(self, other):
        other = Expr.of(other)
        if self.is_(0) or other.is_(0):
            return Expr.of(0)
        if self.is_(1):
            return other
        if other.is_(1):
            return self
        if self.is_(-1):
            return -other
        if other.is_(-1):
            return -self
        if other.value is not None and self.value is None:
            # (the number first: 2 * x_c2, as a person writes it)
            return other._binary(gast.Mult(), self, lambda a, b: a * b)
        return self._binary(gast.Mult(), other, lambda a, b: a * b)

    def __rmul__(self, other):
        return Expr.of(other) * self

    def __truediv__(self, other):
        other = Expr.of(other)
        if other.is_(1):
            return self
        if self.is_(0):
            return Expr.of(0)
        if other.value is not None and self.value is not None and other.value == 0:
            return self._binary(gast.Div(), other, None)  # (raises as it would at run time)
        return self._binary(gast.Div(), other, lambda a, b: a / b)

    def __rtruediv__(self, other):
        return Expr.of(other) / self

    def __neg__(self):
        if self.value is not None:
            return Expr.of(-self.value)
        if isinstance(self.node, gast.UnaryOp) and isinstance(self.node.op, gast.USub):
            return Expr(self.node.operand)
        return Expr(gast.UnaryOp(op=gast.USub(), operand=self._tree()))

    def __pos__(self):
        return self


class Series:
    """The truncated Taylor series of one value: ``s[k]`` is an ``Expr``;
    ``s[k] = expr`` (in a rule) writes the statement computing it."""

    def __init__(self, taylor, name, terms, folding):
        self.taylor = taylor
        self.name = name
        self.terms = terms
        self.folding = folding   # may constant coefficients stay unwritten?

    def __len__(self):
        return len(self.terms)

    def __getitem__(self, k):
        term = self.terms[k]
        if term is None:
            raise RuntimeError(f"Taylor rule read coefficient {k} of {self.name} "
                               "before computing it")
        return term

    def __setitem__(self, k, expr):
        self.taylor.define(self, k, Expr.of(expr))

    @property
    def constant(self):
        """Are all coefficients after the value zero (an inactive operand)?"""
        return all(t is not None and t.is_(0) for t in self.terms[1:])


class Taylor:
    """The transformation; also the context ``t`` a Taylor rule receives."""

    def __init__(self, info, norm, analysis, wrt, order, name, session, numbers=False,
                 helper=False):
        self.info = info
        self.norm = norm
        self.an = analysis
        self.wrt = list(wrt)
        self.session = session
        self.helper = helper     # coefficients in and out (else: derivatives out)
        self.n = order
        self.orders = range(1, order + 1)
        self.name = name
        self.numbers = numbers
        self.numbers_used = False
        self.namer = norm.namer
        self.aliases = {a: reverse.alias(a, info, norm) for a in ("np", "math", "rt")}
        self.modules = {self.aliases["np"]: np, self.aliases["math"]: math,
                        self.aliases["rt"]: runtime}
        self.injections, self.deps = {}, []
        self.coefficients = {}   # (name, k) -> the name of its k-th coefficient
        self.known = {}          # name assigned once -> its Series terms
        self.written = _assigned_more_than_once(norm, analysis)
        self.out = None          # the statements being written
        self.on_numbers = False  # does the op being written work on numbers only?
        self.primitive = None    # the primitive whose rule is being applied

    # --- what rules use -----------------------------------------------------------
    def call(self, function, *args):
        """``np.cos(x)`` (``math.cos`` in code on numbers) as an ``Expr``."""
        primitive = primitives.lookup(function)
        on_numbers = self.on_numbers or _in_math(self.primitive)
        if on_numbers and primitive is not None and primitive.scalar is not None:
            function = primitive.scalar
        module = "math" if getattr(function, "__module__", None) == "math" else "np"
        return Expr(call(attr(self.aliases[module], function.__name__),
                         [Expr.of(a)._tree() for a in args]))

    def let(self, expr, label):
        """A temporary holding ``expr`` (for a value a rule uses often)."""
        expr = Expr.of(expr)
        if expr.value is not None or isinstance(expr.node, gast.Name):
            return expr
        name = self.namer.fresh(f"{self.target}_{label}")
        self.out.append(assign(name, expr._tree()))
        return Expr(load(name))

    def series(self, first, label):
        """A new series (of a value beside the result, ``cos`` for ``sin``)
        whose value is ``first``; its coefficients are assigned by the rule."""
        value = self.let(first, label)
        base = value.node.id if isinstance(value.node, gast.Name) else self.namer.fresh(
            f"{self.target}_{label}")
        return Series(self, base, [value] + [None] * self.n, folding=True)

    # --- writing coefficients -----------------------------------------------------
    def coefficient(self, name, k):
        key = (name, k)
        if key not in self.coefficients:
            self.coefficients[key] = self.namer.fresh(f"{name}_c{k}")
        return self.coefficients[key]

    def define(self, s, k, expr):
        if s.folding and expr.value is not None:
            s.terms[k] = expr
            return
        name = self.coefficient(s.name, k)
        self.out.append(assign(name, expr._tree()))
        s.terms[k] = Expr(load(name))

    def series_of(self, atom):
        """The series of an operand (an atom of normalized code)."""
        if isinstance(atom, gast.Name) and self.an.active(atom.id):
            name = atom.id
            if name in self.known:
                return Series(self, name, self.known[name], folding=True)
            return Series(self, name, [Expr(load(name))] + [
                Expr(load(self.coefficient(name, k))) for k in self.orders], folding=False)
        if isinstance(atom, gast.Constant) and isinstance(atom.value, (int, float)) \
                and not isinstance(atom.value, bool):
            head = Expr.of(atom.value)
        else:
            head = Expr(clone(atom))
        return Series(self, getattr(atom, "id", None), [head] + [Expr.of(0)] * self.n,
                      folding=True)

    def target_series(self, name):
        return Series(self, name, [Expr(load(name))] + [None] * self.n,
                      folding=name not in self.written)

    def finish(self, s):
        if any(term is None for term in s.terms):
            raise RuntimeError(f"Taylor rule left coefficients of {s.name} unset")
        if s.folding:
            self.known[s.name] = s.terms

    # --- refusals -----------------------------------------------------------------
    def refuse(self, node, message):
        raise NoSeriesRule(message, function=self.info.name, filename=self.info.filename,
                           lineno=getattr(node, "lineno", None),
                           col=getattr(node, "col_offset", None),
                           hint="derivative() and taylor() fall back to nested gradients")

    # --- statements ---------------------------------------------------------------
    def block(self, nodes):
        saved, self.out = self.out, []
        for node in nodes:
            if isinstance(node, Compound):
                self.out.append(self.compound(node))
            else:
                self.op(node)
        out, self.out = self.out, saved
        return out

    def compound(self, node):
        stmt = node.stmt
        if node.kind == "for" and node.target and self.an.active(node.target):
            self.refuse(stmt, "a loop over values that depend on the argument")
        return node.rebuilt(self.block)

    def op(self, op):
        stmt = op.stmt
        active = [t for t in op.targets if self.an.active(t)]
        if not active:
            self.out.append(stmt)
            return
        kind = op.kind
        if kind in ("user", "local") and len(op.targets) == 1 and not op.writes:
            self.user_call(op)
            return
        if kind not in ("rule", "copy", "subscript", "nondiff") or op.writes \
                or len(active) > 1:
            what = {"user": f"a call of {op.callee_name}", "local": f"a call of "
                    f"{op.callee_name}", "write": "a write into an array",
                    "literal": "a list or tuple of values", "unpack": "unpacking"}
            self.refuse(stmt, "Taylor mode does not go through "
                        + what.get(kind, op.callee_name or kind))
        self.on_numbers = self.numbers and _on_numbers(op)
        if self.on_numbers:
            stmt = clone(stmt)
            _math_calls(stmt, self.aliases["math"], self.modules)
            self.numbers_used = True
        self.out.append(stmt)
        t = active[0]
        self.target = t
        self.primitive = None
        y = self.target_series(t)
        if kind == "copy":
            x = self.series_of(load(op.operands[0]))
            for k in self.orders:
                y[k] = x[k]
        elif kind == "subscript":
            x = self.series_of(stmt.value.value)
            for k in self.orders:
                term = x[k]
                y[k] = term if term.value is not None else Expr(gast.Subscript(
                    value=term._tree(), slice=clone(stmt.value.slice), ctx=gast.Load()))
        elif kind == "rule":
            self.rule(op, y)
        else:  # no derivative flows through
            for k in self.orders:
                y[k] = 0
        self.finish(y)

    def user_call(self, op):
        """``y = g(a, b)`` -> ``y, y_c1, ..., y_cn = g_taylor(a_c1, ..., a_cn, a, b)``:
        the helper's own Taylor code, taking and returning coefficients."""
        stmt = op.stmt
        node = op.call
        args, keywords = list(node.args), list(node.keywords)
        info, fn, key, prefix, lifted = callee(self, op)
        bound = bind_params(fn, prefix + args + lifted, keywords)
        if bound is None:
            self.refuse(stmt, f"cannot match the arguments of the call to {op.callee_name}")
        active = [p for p, atom in bound.items()
                  if isinstance(atom, gast.Name) and self.an.active(atom.id)]
        order = [p.id for p in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        if any(p not in order for p in active):
            self.refuse(stmt, f"a call of {op.callee_name} passing *args or **kwargs")
        active.sort(key=order.index)
        unit = self.session.unit(info, active, key, f"taylor{self.n}:helper")
        ref = self.reference(unit)
        coefficients = [self.series_of(bound[p])[k]._tree() for p in active
                        for k in self.orders]
        t = op.targets[0]
        y = self.target_series(t)
        names = [self.coefficient(t, k) for k in self.orders]
        target = gast.Tuple(elts=[store(t)] + [store(c) for c in names], ctx=gast.Store())
        self.out.append(gast.copy_location(assign(target, call(
            load(ref), coefficients + prefix + args + lifted, clone(keywords))), stmt))
        y.terms[1:] = [Expr(load(c)) for c in names]
        self.finish(y)

    # (the same as in reverse mode: it uses name, injections, namer and deps)
    reference = HelperCalls.reference

    def rule(self, op, y):
        primitive = self.primitive = op.rule
        bindings = op.bindings
        names = {a.id for a in bindings.values() if isinstance(a, gast.Name)}
        if y.name in names:
            self.refuse(op.stmt, "a value computed from itself")
        if primitive.series is not None:
            params = _operands(primitive.series)
            extra = set(bindings) - set(params)
            if extra:
                self.refuse(op.stmt, f"{op.callee_name} with {', '.join(sorted(extra))}")
            primitive.series(self, y, **{p: self.series_of(bindings[p])
                                         for p in params if p in bindings})
        elif primitive.linear:
            self.linear(op, y)
        elif primitive.nondiff:
            for k in self.orders:
                y[k] = 0
        else:
            self.refuse(op.stmt, f"{op.callee_name} has no Taylor rule")

    def linear(self, op, y):
        """A primitive linear in each differentiable operand: coefficient ``k``
        is the call on the operand's ``k``-th coefficient (on two operands, the
        convolution: ``sum_j f(a_j, b_(k-j))``)."""
        bindings = op.bindings
        active = [p for p in op.rule.differentiable
                  if p in bindings and isinstance(bindings[p], gast.Name)
                  and self.an.active(bindings[p].id)]
        if len(active) > 2:
            self.refuse(op.stmt, f"{op.callee_name} of more than two varying operands")
        series = [self.series_of(bindings[p]) for p in active]
        value = op.stmt.value

        def applied(terms):
            if any(term.is_(0) for term in terms):
                return Expr.of(0)
            return Expr(clone(value, {id(bindings[p]): term._tree()
                                      for p, term in zip(active, terms)}))
        for k in self.orders:
            if len(active) == 1:
                y[k] = applied([series[0][k]])
            else:
                y[k] = sum((applied([series[0][j], series[1][k - j]]) for j in range(k + 1)),
                           Expr.of(0))

    # --- the whole function -------------------------------------------------------
    def run(self):
        norm = self.norm
        self.out = start = []
        coefficient_params = []
        for p in norm.params:
            if not self.an.active(p):
                continue
            if self.helper and p in self.wrt:
                names = [self.coefficient(p, k) for k in self.orders]
                coefficient_params += names   # (series_of(p) reads them)
                continue
            seed = [1.0] + [0.0] * (self.n - 1) if p in self.wrt else [0.0] * self.n
            s = Series(self, p, [Expr(load(p))] + [None] * self.n,
                       folding=p not in self.written)
            self.target = p
            for k, v in zip(self.orders, seed):
                s[k] = v
            self.finish(s)
        body = start + self.block(self.an.tree)
        self.out = body
        result = norm.result
        shape = self.an.shapes.get(result.id) if isinstance(result, gast.Name) else SCALAR
        s = self.series_of(result)
        values = [clone(result)]
        for k in self.orders:
            term = s[k] if self.helper else s[k] * math.factorial(k)
            if term.value is not None:   # (a float, in the result's shape)
                number = constant(float(term.value))
                values.append(number if shape == SCALAR else call(
                    attr(self.aliases["rt"], "like"), [number, clone(result)]))
            else:
                values.append(term._tree())
        body.append(gast.Return(value=gast.Tuple(elts=values, ctx=gast.Load())))
        return gast.FunctionDef(name=self.name, args=parameters(norm.args, coefficient_params), body=body, decorator_list=[],
                                returns=None, type_comment=None, type_params=[])


def _operands(rule):
    params = getattr(rule, "__srcdiff_operands__", None)
    if params is None:
        params = rule.__srcdiff_operands__ = tuple(inspect.signature(rule).parameters)[2:]
    return params


def _assigned_more_than_once(norm, analysis):
    """Names whose coefficients must all be written at each assignment: those
    assigned more than once, and those read before their assignment in the
    text (a value carried around a loop)."""
    count = {p: 1 for p in norm.params}
    early = set()

    def visit(nodes):
        for node in nodes:
            if isinstance(node, Compound):
                if node.target:
                    count[node.target] = count.get(node.target, 0) + 2
                visit(node.body)
                visit(node.orelse)
                continue
            for name in node.operands:
                if isinstance(name, str) and name not in count:
                    early.add(name)
            for t in node.targets:
                count[t] = count.get(t, 0) + 1
    visit(analysis.tree)
    return {n for n, c in count.items() if c > 1} | early


def _in_math(primitive):
    """Is ``primitive`` a function of the ``math`` module (whose rule's calls
    then go to it too)?"""
    return primitive is not None and primitive.name.startswith("math.")


def _on_numbers(op):
    return op.kind == "rule" and op.rule.shape in ("elementwise", "broadcast", "scalar") \
        and all(_is_scalar(a, op.shapes or {}) for a in op.bindings.values())


def _is_scalar(atom, shapes):
    if isinstance(atom, gast.Constant):
        return isinstance(atom.value, (int, float))
    return isinstance(atom, gast.Name) and shapes.get(atom.id) == SCALAR


def _math_calls(node, math_alias, modules):
    for n in gast.walk(node):
        if isinstance(n, gast.Call) and not n.keywords:
            called = primitives.of_call(n, modules)
            if called is not None and called.scalar is not None:
                n.func = attr(math_alias, called.scalar.__name__)
