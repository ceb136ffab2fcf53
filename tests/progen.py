"""Random program generator for differential testing of srcdiff.

``generate(seed, features)`` writes a random Python+NumPy module (source text)
with a function ``f`` of scalar (``x0, x1, ...``) and 1-D array (``a0, a1,
...``, all of one length ``L`` per program) parameters that returns a scalar.
``check(program, directory)`` writes it to a real ``.py`` file, imports it,
differentiates ``f`` with srcdiff with respect to every parameter and compares
with a reference:

* autograd on the twin of ``f`` (``oracle.oracle_grad``), or
* central finite differences (``oracle.fd_grad``) when the program writes
  array elements in place (``out[i] = ...``), which autograd cannot trace.
  The point is re-drawn until finite differences with two step sizes agree
  (so a branch boundary or an ``int()`` step is not straddled).

Values are kept bounded: every expression whose bound (tracked while
generating) gets large is wrapped in ``np.tanh``/``np.sin``, ``exp`` only sees
bounded arguments, division is always ``a / (1.0 + b * b)``, and loop-carried
updates are contractions (``acc = 0.5 * acc + np.tanh(...)``).  Loops have
bounded trip counts; ``while`` loops carry a counter (``cnt < 5``).

Invariants the generator keeps (so that a failure is srcdiff's): every name
is assigned on every path before it is read (a variable first assigned in a
branch is used after the ``if`` only when every branch assigns it; loop-local
names are not used after the loop), indices are in range (``a[i % L]`` when
the loop bound is not known to be <= L), no array that is written in place
is ever aliased (never bound to a second name, appended, iterated or passed
along bare; parameters are never written) except by the 'alias' feature,
which tracks each alias and whether it is read after its base is written
(``Program.hazard``: then a refusal is acceptable; without 'alias_hazard'
such a program is drawn again), ``+=`` only on scalars, every ``for`` loop
runs at least once, lists start non-empty, ``while`` loops end.

Features (``FEATURES``) can be switched off to run the generator in tiers;
``with_deps`` adds what a feature needs to appear at all (``break`` needs a
loop, ...).  Straight-line code (arithmetic, elementwise functions,
reductions, constant-index reads, augmented and tuple assignment) is always
on.  A program records the features it actually used (``Program.used``).

``minimize`` shrinks a failing program greedily (delete statements, inline
branches and loop bodies, cut ``range`` to 1, replace subexpressions by an
operand or a constant, drop unused parameters) while it stays a valid
program with the same failure signature (``Outcome.kind``).

Command line (from the repository root)::

    python tests/progen.py show SEED [FEATURE,...] [--size=small]
    python tests/progen.py check SEED [FEATURE,...] [--minimize]
                                  [--mode=grad|value_and_grad|both]
    python tests/progen.py report [N [SEED]] [--minimize] [--tiers=all,if]
                                  [--size=small|medium|large] [--mode=...]

FEATURE lists take 'all' (every feature but the PENDING ones: CI's
default), 'every' (all of them), names, or '-name,...'.  ``check`` checks
both grad and value_and_grad unless ``--mode`` says otherwise.
"""

import ast
import dataclasses
import importlib.util
import itertools
import os
import random
import re
import sys
import traceback
import warnings

import numpy as np

FEATURES = (
    "helper",          # calls to module-level helper functions
    "if",              # if / elif / else on computed comparisons
    "for_range",       # for i in range(k), constant k
    "range_computed",  # n = 1 + int(abs(x) * 2.0) % L; for i in range(n)
    "for_array",       # for v in a
    "for_list",        # for w in lst (a literal list or one built with append)
    "enumerate",       # for j, v in enumerate(a)
    "zip",             # for u, v in zip(a, b)
    "while",           # while t < limit and cnt < K
    "break",           # if cond: break   (inside a loop)
    "continue",        # if cond: continue (inside a loop)
    "index_read",      # a[i] with a loop index
    "index_write",     # out = np.zeros(L); out[i] = ...
    "append",          # lst = [e]; lst.append(e); np.stack(lst) / sum(lst)
    "early_return",    # if cond: return e   (top level of a function)
    "return_in_loop",  # if cond: return e   (inside a loop)
    "nested",          # control flow inside control flow
    "helper_cf",       # helpers that contain control flow themselves
    "iter_rebind",     # a loop body rebinds the array it iterates over
    "self_assign",     # x = x, x = (x), a, b = a, b
    "alias",           # a second name for an array that is written in place
    #                    (al = out, out[::-1], out.reshape(L), out.T, a helper's
    #                    return, a list element, an appended element, row
    #                    unpacking r0, r1 = m; an element s = out[k]): read only
    #                    while the base is not written after the alias is made
    "alias_hazard",    # ... and read after the base is written (numpy sees the
    #                    write; srcdiff may refuse it, never be wrong)
    "out_arg",         # np.sin(e, out=out), np.multiply(a, b, out=out)
    "effect_call",     # calls for their effect: out.fill(s), np.copyto(out, e),
    #                    np.put(out, [k], s), a helper writing into its argument
    "for_dict",        # for i in range(k) written for i in {0: c, ..., k - 1: c}
    #                    (a dict loops over its keys) or set(range(k)) (drawn
    #                    from a random stream of their own)
    "comprehension",   # np.sum(e) / np.mean(e) written as sum(c for c in e),
    #                    sum([...]), with a condition, a nested 'for', a variable
    #                    named like an outer one (drawn from a random stream of
    #                    their own: a seed's other random choices are unchanged)
)
ALL = frozenset(FEATURES)

# Features srcdiff gets wrong today, each with its issue item: not in 'all'
# (CI's default) until fixed; 'every' adds them (the long mode uses it).
PENDING = {}
DEFAULT = ALL - frozenset(PENDING)

# Features srcdiff may refuse with a SrcdiffError whose message matches the
# pattern (counted as 'tolerated', not as a failure).  A wrong gradient or a
# crash is still a failure.  Everything else must be differentiated.
TOLERATED = {}   # (none today: 'iter_rebind' programs are differentiated)

# Refusals of fine code that are known (srcdiff's aliasing check, issue
# 10.10): counted as "refusals of fine code" and reported, not failed, by the
# test-suite.  Any other refusal of a program the generator knows is fine is a
# failure.
KNOWN_FINE_REFUSALS = {}

LOOPS = ("for_range", "for_array", "for_list", "enumerate", "zip", "while")
CONTROL = LOOPS + ("if",)


def with_deps(features):
    """``features`` plus what they need in order to be generated at all."""
    fs = set(features)
    unknown = fs - ALL
    if unknown:
        raise ValueError(f"unknown features {sorted(unknown)}; known: {FEATURES}")
    if fs & {"range_computed", "for_dict"}:
        fs.add("for_range")
    if fs & {"break", "continue", "return_in_loop", "index_read"} \
            and not fs & set(LOOPS):
        fs.add("for_range")
    if "index_read" in fs and not fs & {"for_range", "enumerate", "while"}:
        fs.add("for_range")
    if "iter_rebind" in fs and not fs & {"for_array", "enumerate", "zip"}:
        fs.add("for_array")
    if "helper_cf" in fs:
        fs.add("helper")
        if not fs & set(CONTROL):
            fs.add("if")
    if "nested" in fs:
        if not fs & set(LOOPS):
            fs.add("for_range")
        if not fs & set(CONTROL) - {"for_range"}:
            fs.add("if")
    if fs & {"alias", "alias_hazard", "out_arg", "effect_call"}:
        fs.add("index_write")      # arrays of our own to write into
    if "alias_hazard" in fs:
        fs.add("alias")
    return frozenset(fs)


def parse_features(text):
    """'all' (or ''): every feature but the PENDING ones; 'every': all of
    them; a comma-separated list; or '-feature,...' (all but those)."""
    text = (text or "all").strip()
    if text == "all":
        return DEFAULT
    if text == "every":
        return ALL
    names = [t.strip() for t in text.split(",") if t.strip()]
    if names and all(n.startswith("-") for n in names):
        return with_deps(DEFAULT - {n[1:] for n in names})
    return with_deps(n for n in names if n != "straight")


# ---------------------------------------------------------------------------
# the generator
# ---------------------------------------------------------------------------

BMAX = 6.0      # expressions whose bound exceeds this are squashed
IND = "    "
CONSTS = ("0.5", "1.5", "-0.7", "2.0", "0.3", "-1.2", "0.8")


@dataclasses.dataclass
class Var:
    kind: str                # 'S' scalar, 'V' vector, 'I' int, 'LS'/'LV' lists
    bound: float = 1.5
    writable: bool = False   # an array we own and write elements of
    hi: int = None           # ints: exclusive upper bound of the value
    fixed: bool = False      # never rebound (loop variables, counters)
    iterated: bool = False   # an enclosing loop iterates over it
    alias_of: str = None     # shares memory with this (written) array
    stale: bool = False      # its base was written after it was made


@dataclasses.dataclass
class E:
    text: str
    bound: float
    atomic: bool = True

    def p(self):
        return self.text if self.atomic else f"({self.text})"


class Scope:
    def __init__(self, parent=None):
        if parent is None:
            self.vars = {}
            self.order = []
            self.loops = 0
            self.frozen = frozenset()
            self.poly = None
        else:
            self.vars = {k: dataclasses.replace(v) for k, v in parent.vars.items()}
            self.order = list(parent.order)
            self.loops = parent.loops
            self.frozen = parent.frozen
            self.poly = None
        self.list_pending = False

    def add(self, name, var):
        self.vars[name] = var
        if name in self.order:
            self.order.remove(name)
        self.order.append(name)

    def pick(self, rng, pred):
        """A variable satisfying pred, recent ones more likely (None if none)."""
        cands = [n for n in self.order if pred(self.vars[n])]
        if not cands:
            return None
        weights = [1 + k for k in range(len(cands))]
        return rng.choices(cands, weights)[0]

    def has(self, pred):
        return any(pred(v) for v in self.vars.values())

    def merge_from(self, child):
        """Bounds only grow: take the child's for the variables we know."""
        for n, v in self.vars.items():
            c = child.vars.get(n)
            if c is not None:
                v.bound = max(v.bound, c.bound)
                v.stale = v.stale or c.stale


@dataclasses.dataclass
class Helper:
    name: str
    params: list        # [(name, kind)]
    ret: str            # 'S' or 'V'
    bound: float        # of the returned value (elementwise)


@dataclasses.dataclass
class Program:
    seed: int
    features: frozenset  # what the generator was allowed to use
    used: set            # what it did use
    source: str
    L: int
    params: list         # [(name, 'S' | 'V')]
    hazard: bool = False  # reads a view after its base was written (a
    #                       refusal is then acceptable)

    @property
    def writes(self):
        return source_writes(self.source)

    def make_args(self, attempt=0):
        rng = np.random.default_rng([self.seed, attempt, 7])
        out = []
        for _, kind in self.params:
            if kind == "S":
                out.append(float(rng.uniform(-1.5, 1.5)))
            else:
                out.append(rng.uniform(-1.5, 1.5, self.L))
        return out


def source_writes(source):
    """Does the source write into an array (``out[i] = ...``, ``out=``,
    ``out.fill``, ``np.copyto``, ``np.put``)?  Then the reference is finite
    differences (autograd cannot trace it)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, ast.Call) and (
                any(k.arg == "out" for k in node.keywords)
                or isinstance(node.func, ast.Attribute)
                and node.func.attr in ("fill", "copyto", "put")):
            return True
    return False


# Program sizes: statements at the top of f, statements per block, compound
# statements per function (if/for/while; helpers get one), helpers and their
# statements.  srcdiff's time grows faster than linearly with the size.
SIZES = {
    "small": dict(stmts=(1, 2, 3), body=(1, 1, 2), control=(1, 2),
                  helpers=(0, 1, 1), helper_stmts=(0, 1)),
    "medium": dict(stmts=(2, 3, 4), body=(1, 1, 2, 2, 3), control=(2, 3),
                   helpers=(0, 1, 1, 2), helper_stmts=(0, 1, 2)),
    "large": dict(stmts=(3, 4, 5, 6), body=(1, 2, 2, 3, 3), control=(3, 4),
                  helpers=(1, 2, 2), helper_stmts=(1, 2, 3)),
}


class Generator:
    def __init__(self, seed, features=ALL, size="medium"):
        self.seed = seed
        self.size = size
        self.features = with_deps(features)
        self.rng = random.Random(seed)
        self.comprehension_rng = random.Random(f"{seed}/comprehension")
        self.dict_rng = random.Random(f"{seed}/for_dict")
        self.L = self.rng.choice((3, 4))
        self.counter = itertools.count()
        self.helpers = []
        self.used = set()
        self.in_helper = False
        self.no_calls = False
        self.poly = None
        self.list_pending = False
        self.hazard = False          # a view is read after its base is written
        self.module_helpers = set()  # fixed helpers the program calls (HELPERS)

    # -- small utilities ---------------------------------------------------
    def on(self, feature):
        if self.in_helper and feature in ("alias", "alias_hazard", "out_arg",
                                          "effect_call"):
            return False
        if self.in_helper and feature in CONTROL + (
                "break", "continue", "early_return", "return_in_loop",
                "index_write", "append", "range_computed", "nested") \
                and "helper_cf" not in self.features:
            return False
        return feature in self.features

    def use(self, feature):
        self.used.add(feature)
        if self.in_helper and feature in CONTROL + ("break", "continue",
                                                    "early_return",
                                                    "return_in_loop"):
            self.used.add("helper_cf")

    def fresh(self, prefix):
        return f"{prefix}{next(self.counter)}"

    def chance(self, p):
        return self.rng.random() < p

    def const(self):
        c = self.rng.choice(CONSTS)
        return E(c, abs(float(c)), atomic=not c.startswith("-"))

    def squash(self, e):
        if e.bound <= BMAX:
            return e
        fn = self.rng.choice(("np.tanh", "np.sin", "np.tanh"))
        return E(f"{fn}({e.text})", 1.0)

    # -- expressions -------------------------------------------------------
    def index(self, sc, allow_loop=True):
        """An index expression valid for a vector of length L."""
        L = self.L
        ints = None
        if allow_loop and self.on("index_read"):
            ints = sc.pick(self.rng, lambda v: v.kind == "I")
        if ints is not None and self.chance(0.75):
            self.use("index_read")
            hi = sc.vars[ints].hi
            if hi is not None and hi <= L:
                form = self.rng.choice(("{i}", "{i}", "{i} - 1", f"{L - 1} - {{i}}"))
                if form == f"{L - 1} - {{i}}" and hi > L:
                    form = "{i}"
                return form.format(i=ints)
            return f"{ints} % {L}"
        return str(self.rng.randrange(-L, L))

    def helper_call(self, sc, kind):
        cands = [h for h in self.helpers if h.ret == kind]
        if not cands or not self.on("helper"):
            return None
        if self.no_calls:
            return None
        h = self.rng.choice(cands)
        args = []
        self.no_calls = True     # arguments: no nested helper calls
        try:
            for _, pk in h.params:
                d = self.rng.choice((0, 0, 1))
                args.append((self.sexpr(sc, d) if pk == "S"
                             else self.vexpr(sc, d)).text)
        finally:
            self.no_calls = False
        self.use("helper")
        return E(f"{h.name}({', '.join(args)})", max(h.bound, 1.0))

    def satom(self, sc):
        r = self.rng
        opts = [("const", 1.0)]
        if sc.has(lambda v: v.kind == "S"):
            opts.append(("var", 6.0))
        if sc.has(lambda v: v.kind == "V"):
            opts += [("red", 2.0), ("elem", 2.0)]
        if self.on("helper") and any(h.ret == "S" for h in self.helpers) \
                and not self.no_calls:
            opts.append(("call", 2.5))
        if sc.has(lambda v: v.kind == "I"):
            opts.append(("int", 0.4))
        what = r.choices([o for o, _ in opts], [w for _, w in opts])[0]
        if what == "const":
            return self.const()
        if what == "var":
            n = sc.pick(r, lambda v: v.kind == "S")
            return E(n, sc.vars[n].bound)
        if what == "red":
            n = sc.pick(r, lambda v: v.kind == "V")
            fn = r.choice(("np.sum", "np.mean", "np.max", "np.sum"))
            b = sc.vars[n].bound * (self.L if fn == "np.sum" else 1)
            return self.squash(E(f"{fn}({n})", b))
        if what == "elem":
            n = sc.pick(r, lambda v: v.kind == "V")
            return E(f"{n}[{self.index(sc)}]", sc.vars[n].bound)
        if what == "call":
            return self.helper_call(sc, "S") or self.const()
        n = sc.pick(r, lambda v: v.kind == "I")
        return E(f"{n} * 0.25", 0.25 * (sc.vars[n].hi or 8), atomic=False)

    def vatom(self, sc):
        r = self.rng
        if self.on("helper") and any(h.ret == "V" for h in self.helpers) \
                and not self.no_calls and self.chance(0.3):
            return self.helper_call(sc, "V")
        n = sc.pick(r, lambda v: v.kind == "V")
        if n is None:
            s = self.satom(sc)
            return E(f"{s.p()} * np.ones({self.L})", s.bound, atomic=False)
        return E(n, sc.vars[n].bound)

    UNARY = ("np.sin", "np.cos", "np.tanh", "exp", "sqrt", "log", "neg")

    def unary(self, a):
        fn = self.rng.choice(self.UNARY)
        if fn == "exp":
            return E(f"np.exp(np.tanh({a.text}))", 2.72)
        if fn == "sqrt":
            return E(f"np.sqrt(1.0 + {a.p()} * {a.p()})", a.bound + 1.0)
        if fn == "log":
            return E(f"np.log(1.0 + {a.p()} * {a.p()})", 2 * np.log1p(a.bound) + 0.1)
        if fn == "neg":
            return E(f"-{a.p()}", a.bound, atomic=False)
        return E(f"{fn}({a.text})", 1.0 if fn != "np.sin" else min(1.0, a.bound))

    def binary(self, a, b):
        op = self.rng.choice(("+", "-", "*", "*", "/"))
        if op == "/":
            d = b.p()
            return E(f"{a.p()} / (1.0 + {d} * {d})", a.bound, atomic=False)
        bound = a.bound * b.bound if op == "*" else a.bound + b.bound
        return E(f"{a.p()} {op} {b.p()}", bound, atomic=False)

    def sexpr(self, sc, depth=None):
        r = self.rng
        if depth is None:
            depth = r.choice((1, 1, 2))
        if depth <= 0 or self.chance(0.25):
            return self.satom(sc)
        what = r.choices(("bin", "un", "red"), (5, 3, 1.5))[0]
        if what == "bin":
            e = self.binary(self.sexpr(sc, depth - 1), self.sexpr(sc, depth - 1))
        elif what == "un":
            e = self.unary(self.sexpr(sc, depth - 1))
        else:
            v = self.vexpr(sc, depth - 1)
            fn = r.choice(("np.sum", "np.mean", "np.max"))
            e = E(f"{fn}({v.text})", v.bound * (self.L if fn == "np.sum" else 1))
            if fn != "np.max":
                e = self.comprehension(sc, e, v, fn)
        return self.squash(e)

    def comprehension(self, sc, e, v, fn):
        """``np.sum(v)`` (or ``np.mean``) as a comprehension of the same value
        and bound, sometimes."""
        r = self.comprehension_rng
        if not self.on("comprehension") or r.random() < 0.6:
            return e
        self.use("comprehension")
        scalars = [n for n in sc.order if sc.vars[n].kind == "S"]
        c = r.choice(scalars) if scalars and r.random() < 0.3 else self.fresh("c")
        form = r.choice(("gen", "list", "if", "nested", "array"))
        if form == "gen":
            text = f"sum({c} for {c} in {v.text})"
        elif form == "list":
            text = f"sum([{c} * 1.0 for {c} in {v.text}])"
        elif form == "if":
            text = f"sum({c} for {c} in {v.text} if {c} == {c})"
        elif form == "nested":
            text = f"sum([{c} * w for {c} in {v.text} for w in (1.0,)])"
        else:
            text = f"np.sum(np.array([{c} for {c} in {v.text}]))"
        if fn == "np.mean":
            text = f"{text} / {self.L}"
        return E(text, e.bound, atomic=False)

    def vexpr(self, sc, depth=None):
        r = self.rng
        if depth is None:
            depth = r.choice((1, 1, 2))
        if depth <= 0 or self.chance(0.25):
            return self.vatom(sc)
        what = r.choices(("vv", "vs", "sv", "un"), (4, 2, 2, 3))[0]
        if what == "vv":
            e = self.binary(self.vexpr(sc, depth - 1), self.vexpr(sc, depth - 1))
        elif what == "vs":
            e = self.binary(self.vexpr(sc, depth - 1), self.sexpr(sc, depth - 1))
        elif what == "sv":
            e = self.binary(self.sexpr(sc, depth - 1), self.vexpr(sc, depth - 1))
        else:
            e = self.unary(self.vexpr(sc, depth - 1))
        return self.squash(e)

    def expr(self, sc, kind, depth=None):
        e = self.sexpr(sc, depth) if kind == "S" else self.vexpr(sc, depth)
        # never alias an array we write into (or a parameter via a helper)
        if kind == "V" and e.atomic and re.fullmatch(r"[A-Za-z_]\w*", e.text):
            e = E(f"{e.text} * 1.0", e.bound, atomic=False)
        return e

    def cond(self, sc, allow_bool=True):
        r = self.rng
        ints = sc.pick(r, lambda v: v.kind == "I")
        if ints is not None and self.chance(0.25):
            form = r.choice(("{i} % 2 == 0", "{i} > 0", "{i} == 1", "{i} < 2"))
            c = form.format(i=ints)
        else:
            form = r.choice(("red", "ss", "ss", "elem"))
            if form == "red" and sc.has(lambda v: v.kind == "V"):
                n = sc.pick(r, lambda v: v.kind == "V")
                fn = r.choice(("np.sum", "np.max", "np.mean"))
                left = f"{fn}({n})"
            elif form == "elem" and sc.has(lambda v: v.kind == "V"):
                n = sc.pick(r, lambda v: v.kind == "V")
                left = f"{n}[{self.index(sc)}]"
            else:
                left = self.sexpr(sc, 1).text
            right = self.sexpr(sc, 1).text if self.chance(0.6) else self.const().text
            op = r.choice((">", "<", ">=", "<="))
            c = f"{left} {op} {right}"
        if allow_bool and self.chance(0.15):
            other = self.cond(sc, allow_bool=False)
            c = f"{c} {r.choice(('and', 'or'))} {other}"
        return c

    # -- statements ----------------------------------------------------------
    def updatable(self, v, in_loop):
        return v.kind in ("S", "V") and not v.writable and not v.fixed and (
            not v.iterated or self.on("iter_rebind"))

    def update(self, sc, in_loop):
        """Rebind an existing variable (contractive inside loops)."""
        r = self.rng
        n = sc.pick(r, lambda v: self.updatable(v, in_loop))
        if n is None:
            return None
        var = sc.vars[n]
        if var.iterated:
            self.use("iter_rebind")
        m = sc.pick(r, lambda v: self.updatable(v, in_loop) and v is not var
                    and v.kind == var.kind)
        if self.on("self_assign") and self.chance(0.2):
            self.use("self_assign")
            form = r.choice(("x = x", "x = (x)", "x, y = x, y"))
            if form == "x = (x)":
                return [f"{n} = ({n})"]
            if m is None or form == "x = x":
                return [f"{n} = {n}"]
            if sc.vars[m].iterated:
                self.use("iter_rebind")
            return [f"{n}, {m} = {n}, {m}"]
        if m is not None and self.chance(0.2):
            # two carried values at once (Fibonacci-style)
            if sc.vars[m].iterated:
                self.use("iter_rebind")
            other = self.expr(sc, var.kind, 1)
            b_n, b_m = var.bound, sc.vars[m].bound
            # (in loops both sides squashed: n may be recomputed from m in
            # the body, and m = g(m) fed back unsquashed can blow up)
            if self.chance(0.3):
                if in_loop:
                    var.bound = sc.vars[m].bound = max(b_n, b_m, 1.0)
                    return [f"{n}, {m} = np.tanh({m}), np.tanh({n})"]
                var.bound = sc.vars[m].bound = max(b_n, b_m)
                return [f"{n}, {m} = {m}, {n}"]
            var.bound = max(b_n, 1.0)
            sc.vars[m].bound = max(b_m, 1.0)
            return [f"{n}, {m} = np.tanh({m} + {other.p()}), "
                    f"np.tanh({n} - {self.expr(sc, var.kind, 1).p()})"]
        other = self.expr(sc, var.kind, 1)
        if in_loop or self.chance(0.5):
            forms = ("half", "tanh", "cos", "sin")
            if var.kind == "S":   # on arrays += would write in place (aliasing)
                forms += ("iadd", "imul")
            form = r.choice(forms)
            if form == "iadd":      # grows by at most 0.5 per iteration
                var.bound += 4.0
                return [f"{n} += 0.5 * np.tanh({other.text})"]
            if form == "imul":
                return [f"{n} *= np.cos({other.text})"]
            if form == "half":
                text = f"0.5 * {n} + np.tanh({other.text})"
                bound = max(var.bound, 2.0)
            elif form == "tanh":
                text = f"np.tanh({n} + {other.p()})"
                bound = max(var.bound, 1.0)
            elif form == "cos":
                text = f"{n} * np.cos({other.text})"
                bound = var.bound
            else:
                text = f"np.sin({n}) * np.cos({other.text})"
                bound = max(var.bound, 1.0)
        else:
            e = self.squash(self.binary(E(n, var.bound), other))
            text, bound = e.text, e.bound
        var.bound = bound
        return [f"{n} = {text}"]

    def assign(self, sc):
        kind = "S" if self.chance(0.55) else "V"
        e = self.expr(sc, kind)
        name = self.fresh("s" if kind == "S" else "v")
        sc.add(name, Var(kind, e.bound))
        return [f"{name} = {e.text}"]

    def new_out(self, sc):
        r = self.rng
        name = self.fresh("out")
        form = r.choice(("zeros", "zeros", "copy", "ones"))
        if form == "zeros":
            text, b = f"np.zeros({self.L})", 0.0
        elif form == "copy" and sc.has(lambda v: v.kind == "V"):
            src = sc.pick(r, lambda v: v.kind == "V")
            text, b = f"np.copy({src})", sc.vars[src].bound
        else:
            s = self.sexpr(sc, 1)
            text, b = f"{s.p()} * np.ones({self.L})", s.bound
        sc.add(name, Var("V", max(b, 0.5), writable=True))
        lines = [f"{name} = {text}"]
        if sc.loops == 0 and self.chance(0.5):
            lines += self.write(sc, name)
        return lines

    def written(self, sc, name):
        """``name`` is written in place: its aliases see the new values."""
        for v in sc.vars.values():
            if v.alias_of == name:
                v.stale = True

    def write(self, sc, name=None):
        r = self.rng
        if name is None:
            name = sc.pick(r, lambda v: v.writable)
        var = sc.vars[name]
        idx = self.index(sc)
        if var.kind == "M":
            idx = f"{r.randrange(2)}, {idx}"
        e = self.sexpr(sc)
        self.written(sc, name)
        if sc.loops or self.chance(0.5):
            form = r.choice(("set", "half", "tanh", "iadd"))
        else:
            form = "set"
        if form == "iadd":
            var.bound += 4.0
            self.use("index_write")
            return [f"{name}[{idx}] += 0.5 * np.tanh({e.text})"]
        if form == "set":
            text = e.text
            var.bound = max(var.bound, e.bound)
        elif form == "half":
            text = f"0.5 * {name}[{idx}] + np.tanh({e.text})"
            var.bound = max(var.bound, 2.0)
        else:
            text = f"np.tanh({name}[{idx}] + {e.p()})"
            var.bound = max(var.bound, 1.0)
        self.use("index_write")
        return [f"{name}[{idx}] = {text}"]

    def out_base(self, sc):
        """A 1-D array of our own to write into: (name, lines making it)."""
        name = sc.pick(self.rng, lambda v: v.writable and v.kind == "V")
        if name is not None:
            return name, []
        lines = self.new_out(sc)
        return lines[0].split(" = ")[0], lines

    ALIAS_FORMS = ("copy", "rev", "reshape", "np_reshape", "T", "hid", "hrev",
                   "list", "append", "chain", "elem", "rows")

    def alias(self, sc):
        """A second name for an array that is written in place."""
        r = self.rng
        L = self.L
        form = r.choice(self.ALIAS_FORMS)
        if form == "rows":
            m = self.fresh("m")
            e1, e2 = self.expr(sc, "V", 1), self.expr(sc, "V", 1)
            sc.add(m, Var("M", max(e1.bound, e2.bound, 0.5), writable=True))
            a, b = self.fresh("r"), self.fresh("r")
            for n in (a, b):
                sc.add(n, Var("V", sc.vars[m].bound, fixed=True, alias_of=m))
            return [f"{m} = np.stack([{e1.text}, {e2.text}])", f"{a}, {b} = {m}"]
        base, lines = self.out_base(sc)
        bound = sc.vars[base].bound
        if form == "elem":   # a number, not a view
            n = self.fresh("s")
            sc.add(n, Var("S", bound))
            return lines + [f"{n} = {base}[{r.randrange(-L, L)}]"]
        al = self.fresh("al")
        text = {"copy": base, "rev": f"{base}[::-1]", "reshape": f"{base}.reshape({L})",
                "np_reshape": f"np.reshape({base}, ({L},))", "T": f"{base}.T",
                "hid": f"hid({base})", "hrev": f"hrev({base})"}.get(form)
        if form in ("hid", "hrev"):
            self.module_helpers.add(form)
        if form == "list":
            lst = self.fresh("lst")
            lines += [f"{lst} = [{base}]"]
            text = f"{lst}[0]"
        elif form == "append":
            lst = self.fresh("lst")
            lines += [f"{lst} = [{self.expr(sc, 'V', 1).text}]", f"{lst}.append({base})"]
            text = f"{lst}[-1]"
        elif form == "chain":
            first = self.fresh("al")
            sc.add(first, Var("V", bound, fixed=True, alias_of=base))
            lines += [f"{first} = {base}[::-1]"]
            text = first
        sc.add(al, Var("V", bound, fixed=True, alias_of=base))
        return lines + [f"{al} = {text}"]

    def out_arg(self, sc):
        """``np.fn(e, out=base)``: a ufunc writing its result into an array."""
        r = self.rng
        base, lines = self.out_base(sc)
        fn = r.choice(("sin", "cos", "tanh", "negative", "multiply", "add"))
        a = self.vexpr(sc, 1)
        if fn in ("multiply", "add"):
            b = self.vexpr(sc, 1) if self.chance(0.6) else self.sexpr(sc, 1)
            bound = a.bound * b.bound if fn == "multiply" else a.bound + b.bound
            if bound > BMAX:
                fn, bound = "tanh", 1.0
                call = f"np.tanh({a.text}, out={base})"
            else:
                call = f"np.{fn}({a.text}, {b.text}, out={base})"
        else:
            bound = a.bound if fn == "negative" else 1.0
            call = f"np.{fn}({a.text}, out={base})"
        sc.vars[base].bound = max(bound, 0.5)
        self.written(sc, base)
        self.use("out_arg")
        return lines + [call]

    def effect_call(self, sc):
        """A call kept for its effect of writing into an array."""
        r = self.rng
        base, lines = self.out_base(sc)
        form = r.choice(("fill", "copyto", "put", "hw"))
        e = self.sexpr(sc, 1)
        if form == "fill":
            call = f"{base}.fill({e.text})"
        elif form == "put":
            call = f"np.put({base}, [{r.randrange(self.L)}], {e.text})"
        elif form == "hw":
            self.module_helpers.add("hw")
            call = f"hw({base}, {e.text})"
        else:
            e = self.vexpr(sc, 1)
            call = f"np.copyto({base}, {e.text})"
        var = sc.vars[base]
        var.bound = max(var.bound, e.bound)
        self.written(sc, base)
        self.use("effect_call")
        return lines + [call]

    def new_list(self, sc):
        kind = "S" if self.chance(0.6) else "V"
        name = self.fresh("lst")
        e = self.expr(sc, kind, 1)
        sc.add(name, Var("L" + kind, e.bound))
        return [f"{name} = [{e.text}]"]

    def append(self, sc):
        n = sc.pick(self.rng, lambda v: v.kind in ("LS", "LV"))
        if n is None or n in sc.frozen:
            return None
        var = sc.vars[n]
        e = self.expr(sc, var.kind[1])
        var.bound = max(var.bound, e.bound)
        self.use("append")
        return [f"{n}.append({e.text})"]

    def consume(self, sc):
        r = self.rng
        n = sc.pick(r, lambda v: v.kind in ("LS", "LV"))
        if n is None:
            return None
        var = sc.vars[n]
        if var.kind == "LS":
            form = r.choice(("np.sum(np.stack({l}))", "sum({l})",
                             "np.mean(np.stack({l}))", "np.max(np.stack({l}))",
                             "np.sum(np.sin(np.stack({l})))"))
            kind = "S"
        else:
            form = r.choice(("np.sum(np.stack({l}), axis=0)", "sum({l})",
                             "np.mean(np.stack({l}), axis=0)",
                             "np.max(np.stack({l}), axis=0)"))
            kind = "V"
        text = form.format(l=n)
        if "mean" in form or "max" in form:
            bound = var.bound
        else:
            text, bound = f"{r.choice(('np.tanh', 'np.sin'))}({text})", 1.0
        name = self.fresh("s" if kind == "S" else "v")
        sc.add(name, Var(kind, bound))
        self.use("append")
        return [f"{name} = {text}"]

    def body(self, lines):
        return [IND + line for line in lines]

    def block(self, sc, n, depth, ret_kind, must_carry=False, top=False):
        """n statements in scope sc.  ``must_carry``: this is a loop body,
        make sure it rebinds or writes something from outside."""
        out = []
        outer = set(sc.vars)
        carried = False
        for k in range(n):
            lines, did = self.statement(sc, depth, ret_kind, last=(k == n - 1),
                                        top=top, outer=outer)
            carried = carried or did
            out += lines
        if must_carry and not carried:
            lines = None
            if sc.has(lambda v: v.writable) and self.chance(0.5):
                lines = self.write(sc)
            if lines is None:
                lines = self.update(sc, in_loop=True)
            if lines is None:
                lines = ["pass"]
            out += lines
        return out

    def statement(self, sc, depth, ret_kind, last, top, outer):
        """Return (lines, carried) where carried says that something defined
        outside the current block was rebound or written."""
        r = self.rng
        in_loop = sc.loops > 0
        cf_ok = depth == 0 or (self.on("nested") and depth < 2
                               and not self.in_helper)
        opts = [("assign", 4.0)]
        if sc.has(lambda v: self.updatable(v, in_loop)):
            opts.append(("update", 3.0 if in_loop else 1.0))
        if self.on("index_write"):
            if sc.has(lambda v: v.writable):
                opts.append(("write", 2.5))
            if sc.loops == 0:
                opts.append(("new_out", 1.4))
        if self.on("alias") and sc.loops == 0:
            opts.append(("alias", 2.0))
        if self.on("out_arg"):
            opts.append(("out_arg", 1.0))
        if self.on("effect_call"):
            opts.append(("effect_call", 1.0))
        if self.on("append"):
            if any(v.kind in ("LS", "LV") and n not in sc.frozen
                   for n, v in sc.vars.items()):
                opts.append(("append", 4.0 if in_loop else 0.5))
            if sc.has(lambda v: v.kind in ("LS", "LV")) and not in_loop:
                opts.append(("consume", 1.0))
            if sc.loops == 0:
                opts.append(("new_list", 2.2))
        if cf_ok and self.cf_budget > 0:
            w = 1.4 if depth == 0 else 0.5
            if self.on("if"):
                opts.append(("if", w))
            for loop in LOOPS:
                if self.on(loop):
                    opts.append((loop, w * (1.3 if loop == "for_range" else 0.8)))
        if in_loop:
            if self.on("break"):
                opts.append(("break", 0.9))
            if self.on("continue"):
                opts.append(("continue", 0.9))
            if self.on("return_in_loop"):
                opts.append(("return_in_loop", 0.5))
        elif top and not last and self.on("early_return"):
            opts.append(("early_return", 1.0))
        what = r.choices([o for o, _ in opts], [w for _, w in opts])[0]
        if what in CONTROL:
            self.cf_budget -= 1
        lines = getattr(self, "st_" + what)(sc, depth, ret_kind)
        if lines is None:
            lines = self.assign(sc)
        self.check_reads(sc, lines)
        carried = what in ("write", "append", "out_arg", "effect_call") or (
            what == "update" and any(
                re.match(r"\w+", line).group() in outer for line in lines))
        if what in CONTROL:
            carried = True  # bodies carry something themselves
        return lines, carried

    # statement kinds
    def st_assign(self, sc, depth, ret_kind):
        return self.assign(sc)

    def st_update(self, sc, depth, ret_kind):
        return self.update(sc, sc.loops > 0)

    def st_write(self, sc, depth, ret_kind):
        return self.write(sc)

    def st_new_out(self, sc, depth, ret_kind):
        return self.new_out(sc)

    def st_append(self, sc, depth, ret_kind):
        return self.append(sc)

    def st_consume(self, sc, depth, ret_kind):
        return self.consume(sc)

    def st_new_list(self, sc, depth, ret_kind):
        return self.new_list(sc)

    def st_alias(self, sc, depth, ret_kind):
        self.use("alias")
        return self.alias(sc)

    def st_out_arg(self, sc, depth, ret_kind):
        return self.out_arg(sc)

    def st_effect_call(self, sc, depth, ret_kind):
        return self.effect_call(sc)

    def check_reads(self, sc, lines):
        """A read of an alias whose base was written since it was made (in a
        loop: written anywhere in the loop) makes the program hazardous."""
        text = "\n".join(lines)
        for n, v in sc.vars.items():
            if v.stale and re.search(rf"\b{n}\b", text):
                self.hazard = True
                self.use("alias_hazard")

    def nbody(self):
        return self.rng.choice(SIZES[self.size]["body"])

    def st_if(self, sc, depth, ret_kind):
        r = self.rng
        self.use("if")
        nbranch = r.choice((1, 2, 2, 3))          # if / if-else / if-elif-else
        has_else = nbranch >= 2
        shared = []
        if has_else:
            for _ in range(r.choice((0, 1, 1, 2))):
                kind = r.choice(("S", "V"))
                shared.append((self.fresh("s" if kind == "S" else "v"), kind))
        lines = []
        bounds = {}
        children = []
        for b in range(nbranch):
            if b == 0:
                head = f"if {self.cond(sc)}:"
            elif b < nbranch - 1 or not has_else:
                head = f"elif {self.cond(sc)}:"
            else:
                head = "else:"
            child = Scope(sc)
            inner = self.block(child, self.nbody() - (1 if shared else 0),
                               depth + 1, ret_kind)
            for name, kind in shared:
                e = self.expr(child, kind)
                inner.append(f"{name} = {e.text}")
                bounds[name] = max(bounds.get(name, 0.0), e.bound)
            lines.append(head)
            inner = inner or ["pass"]
            lines += self.body(inner)
            children.append(child)
        for child in children:
            sc.merge_from(child)
        for name, kind in shared:
            sc.add(name, Var(kind, bounds[name]))
        return lines

    def loop_scope(self, sc):
        child = Scope(sc)
        child.loops += 1
        for v in child.vars.values():
            if v.kind in ("S", "V") and not v.fixed:
                v.bound = max(v.bound, 2.0)
        return child

    def pre_loop(self, sc):
        """Maybe an accumulator (or a list) to carry through the loop."""
        if self.on("append") and sc.loops == 0 and self.chance(0.35):
            self.list_pending = True
            return self.new_list(sc)
        if self.chance(0.5):
            kind = self.rng.choice(("S", "S", "V"))
            name = self.fresh("acc")
            if kind == "V" and self.chance(0.4):
                # starts as the float 0.0 and becomes an array in the first
                # iteration (the first statement of the body): total = 0.0;
                # for ...: total = total + v
                self.poly = name
                return [f"{name} = 0.0"]
            if self.chance(0.5):
                text = "0.0" if kind == "S" else f"np.zeros({self.L})"
                b = 0.0
            else:
                e = self.expr(sc, kind, 1)
                text, b = e.text, e.bound
            sc.add(name, Var(kind, max(b, 0.5)))
            return [f"{name} = {text}"]
        return []

    def finish_loop(self, sc, child, head, inner, pre):
        sc.merge_from(child)
        if child.poly:   # a float before the loop, an array after it
            sc.add(child.poly, Var("V", child.vars[child.poly].bound))
        post = []
        if child.list_pending and self.chance(0.7):
            post = self.consume(sc) or []
        return pre + [head] + self.body(inner or ["pass"]) + post

    def loop_body(self, child, depth, ret_kind):
        first = []
        child.list_pending, self.list_pending = self.list_pending, False
        poly, self.poly = self.poly, None
        if poly:
            e = self.vexpr(child, 1)
            first = [f"{poly} = {poly} + 0.5 * np.tanh({e.text})"]
            child.add(poly, Var("V", 3.0))
            child.poly = poly
        return first + self.block(child, self.nbody(), depth + 1, ret_kind,
                                  must_carry=True)

    def st_for_range(self, sc, depth, ret_kind):
        r = self.rng
        pre = self.pre_loop(sc)
        i = self.fresh("i")
        if self.on("range_computed") and self.chance(0.5):
            n = self.fresh("n")
            s = self.sexpr(sc, 1)
            pre.append(f"{n} = 1 + int(abs({s.text}) * 2.0) % {self.L}")
            sc.add(n, Var("I", hi=self.L + 1, fixed=True))
            rng_text, hi = f"range({n})", self.L
            self.use("range_computed")
        elif self.chance(0.2):
            k = r.randint(2, self.L)
            rng_text, hi = f"range(1, {k})", k
        elif self.chance(0.2) and sc.has(lambda v: v.kind == "V"):
            a = sc.pick(r, lambda v: v.kind == "V")
            rng_text, hi = f"range(len({a}))", self.L
        else:
            k = r.randint(1, self.L)
            rng_text, hi = f"range({k})", k
            if self.on("for_dict") and self.dict_rng.random() < 0.7:
                # the same keys in a dict (whose values are not the keys) or a set
                if self.dict_rng.random() < 0.7:
                    values = ", ".join(f"{j}: {0.5 + j * 1.25}" for j in range(k))
                    rng_text = "{" + values + "}"
                else:
                    rng_text = f"set(range({k}))"
                self.use("for_dict")
        self.use("for_range")
        child = self.loop_scope(sc)
        child.add(i, Var("I", hi=hi, fixed=True))
        inner = self.loop_body(child, depth, ret_kind)
        return self.finish_loop(sc, child, f"for {i} in {rng_text}:", inner, pre)

    def iterable_vec(self, sc):
        return sc.pick(self.rng, lambda v: v.kind == "V" and not v.writable
                       and v.alias_of is None)

    def st_for_array(self, sc, depth, ret_kind):
        a = self.iterable_vec(sc)
        if a is None:
            return None
        self.use("for_array")
        pre = self.pre_loop(sc)
        child = self.loop_scope(sc)
        child.vars[a].iterated = True
        x = self.fresh("e")
        child.add(x, Var("S", sc.vars[a].bound, fixed=True))
        inner = self.loop_body(child, depth, ret_kind)
        return self.finish_loop(sc, child, f"for {x} in {a}:", inner, pre)

    def st_enumerate(self, sc, depth, ret_kind):
        a = self.iterable_vec(sc)
        lst = sc.pick(self.rng, lambda v: v.kind in ("LS", "LV"))
        if lst is not None and (a is None or self.chance(0.3)):
            a = lst            # enumerate a list (its length is not known)
        if a is None:
            return None
        self.use("enumerate")
        pre = self.pre_loop(sc)
        child = self.loop_scope(sc)
        if a == lst:
            child.frozen = sc.frozen | {a}
            kind, hi = sc.vars[a].kind[1], None
        else:
            child.vars[a].iterated = True
            kind, hi = "S", self.L
        j, x = self.fresh("j"), self.fresh("e")
        child.add(j, Var("I", hi=hi, fixed=True))
        child.add(x, Var(kind, sc.vars[a].bound, fixed=True))
        inner = self.loop_body(child, depth, ret_kind)
        return self.finish_loop(sc, child, f"for {j}, {x} in enumerate({a}):",
                                inner, pre)

    def st_zip(self, sc, depth, ret_kind):
        a = self.iterable_vec(sc)
        b = self.iterable_vec(sc)
        lst = sc.pick(self.rng, lambda v: v.kind in ("LS", "LV"))
        if lst is not None and self.chance(0.3):
            b = lst            # zip(array, list): as long as the shorter one
        if a is None:
            return None
        self.use("zip")
        pre = self.pre_loop(sc)
        child = self.loop_scope(sc)
        child.vars[a].iterated = True
        if b == lst:
            child.frozen = sc.frozen | {b}
        else:
            child.vars[b].iterated = True
        u, x = self.fresh("e"), self.fresh("e")
        child.add(u, Var("S", sc.vars[a].bound, fixed=True))
        child.add(x, Var("S" if b != lst else sc.vars[b].kind[1],
                         sc.vars[b].bound, fixed=True))
        inner = self.loop_body(child, depth, ret_kind)
        return self.finish_loop(sc, child, f"for {u}, {x} in zip({a}, {b}):",
                                inner, pre)

    def st_for_list(self, sc, depth, ret_kind):
        r = self.rng
        pre = self.pre_loop(sc)
        lst = sc.pick(r, lambda v: v.kind in ("LS", "LV"))
        if lst is None or self.chance(0.4):
            kind = r.choice(("S", "S", "V"))
            elems = [self.expr(sc, kind, 1) for _ in range(r.randint(2, 3))]
            text = "[" + ", ".join(e.text for e in elems) + "]"
            bound = max(e.bound for e in elems)
            if self.chance(0.5):
                lst = self.fresh("lst")
                pre.append(f"{lst} = {text}")
                sc.add(lst, Var("L" + kind, bound))
                it = lst
            else:
                it = text
        else:
            kind = sc.vars[lst].kind[1]
            bound = sc.vars[lst].bound
            it = lst
        self.use("for_list")
        child = self.loop_scope(sc)
        if it in sc.vars:
            child.frozen = sc.frozen | {it}
        w = self.fresh("w")
        child.add(w, Var(kind, bound, fixed=True))
        inner = self.loop_body(child, depth, ret_kind)
        return self.finish_loop(sc, child, f"for {w} in {it}:", inner, pre)

    def st_while(self, sc, depth, ret_kind):
        r = self.rng
        self.use("while")
        t, cnt = self.fresh("t"), self.fresh("cnt")
        start = self.sexpr(sc, 1)
        k = r.randint(2, 5)
        pre = [f"{t} = {start.text}", f"{cnt} = 0"]
        sc.add(t, Var("S", start.bound + 0.75 * k))
        sc.add(cnt, Var("I", hi=k + 1, fixed=True))
        limit = self.sexpr(sc, 1)
        child = self.loop_scope(sc)
        step = self.sexpr(child, 1)
        inc_t = f"{t} = {t} + 0.5 + 0.25 * np.tanh({step.text})"
        inner = self.loop_body(child, depth, ret_kind)
        if self.on("break") and self.chance(0.3):
            # while True with the exit test first (a continue cannot skip it)
            self.use("break")
            inner = [f"{cnt} = {cnt} + 1",
                     f"if {cnt} > {k} or {t} >= {limit.p()}:",
                     IND + "break"] + inner + [inc_t]
            sc.merge_from(child)
            sc.vars[cnt].hi = k + 2      # leaves the loop at k + 1
            return pre + ["while True:"] + self.body(inner)
        if self.chance(0.5):
            inner = [f"{cnt} = {cnt} + 1", inc_t] + inner
        else:
            inner = [f"{cnt} = {cnt} + 1"] + inner + [inc_t]
        sc.merge_from(child)
        head = f"while {t} < {limit.p()} and {cnt} < {k}:"
        return pre + [head] + self.body(inner)

    def guarded(self, sc, depth, ret_kind, final):
        child = Scope(sc)
        pre = []
        if self.chance(0.3):
            lines = self.update(child, in_loop=sc.loops > 0) or []
            if child.has(lambda v: v.writable) and self.chance(0.4):
                lines = self.write(child)
            pre = lines
        sc.merge_from(child)
        return [f"if {self.cond(sc)}:"] + self.body(pre + [final])

    def st_break(self, sc, depth, ret_kind):
        self.use("break")
        return self.guarded(sc, depth, ret_kind, "break")

    def st_continue(self, sc, depth, ret_kind):
        self.use("continue")
        return self.guarded(sc, depth, ret_kind, "continue")

    def return_expr(self, sc, kind):
        if kind == "V":
            e = self.expr(sc, "V")
            self.ret_bound = max(self.ret_bound, e.bound)
            return e.text
        r = self.rng
        names = [n for n in sc.order if sc.vars[n].kind in ("S", "V")]
        picks = names[-3:] if len(names) > 3 else names
        extra = [n for n in names if n not in picks]
        if extra:
            picks.append(r.choice(extra))
        terms = []
        bound = 0.0
        for n in picks:
            v = sc.vars[n]
            coef = r.choice(("", "", "0.5 * ", "-0.3 * ", "2.0 * "))
            terms.append(f"{coef}np.sum({n})" if v.kind == "V" else f"{coef}{n}")
            bound += (abs(float(coef[:-3])) if coef else 1.0) * v.bound * (
                self.L if v.kind == "V" else 1)
        if not terms or self.chance(0.3):
            e = self.sexpr(sc, 1)
            terms.append(e.p())
            bound += e.bound
        self.ret_bound = max(self.ret_bound, abs(bound))
        return " + ".join(terms)

    def st_return_in_loop(self, sc, depth, ret_kind):
        self.use("return_in_loop")
        return self.guarded(sc, depth, ret_kind,
                            f"return {self.return_expr(sc, ret_kind)}")

    def st_early_return(self, sc, depth, ret_kind):
        self.use("early_return")
        return self.guarded(sc, depth, ret_kind,
                            f"return {self.return_expr(sc, ret_kind)}")

    # -- functions and modules -----------------------------------------------
    def function(self, name, params, ret_kind, nstmts):
        # compound statements (if/for/while, not counting the guards of
        # break/continue/return) per function: keeps programs (and the
        # time srcdiff takes on them) small
        self.cf_budget = 1 if self.in_helper else \
            self.rng.choice(SIZES[self.size]["control"])
        self.ret_bound = 0.0
        sc = Scope()
        for p, kind in params:
            sc.add(p, Var(kind, 1.5))
        lines = self.block(sc, nstmts, 0, ret_kind, top=True)
        lines.append(f"return {self.return_expr(sc, ret_kind)}")
        self.check_reads(sc, lines[-1:])
        sig = ", ".join(p for p, _ in params)
        return [f"def {name}({sig}):"] + self.body(lines)

    def make_helper(self, k):
        r = self.rng
        kinds = [r.choice(("S", "V")) for _ in range(r.randint(1, 3))]
        if "V" not in kinds and self.chance(0.5):
            kinds.append("V")
        params = [(f"p{j}", kind) for j, kind in enumerate(kinds)]
        ret = r.choice(("S", "S", "V")) if "V" in kinds else "S"
        self.in_helper = True
        try:
            lines = self.function(f"h{k}", params, ret,
                                  r.choice(SIZES[self.size]["helper_stmts"]))
        finally:
            self.in_helper = False
        self.helpers.append(Helper(f"h{k}", params, ret, self.ret_bound))
        return lines

    def module(self):
        r = self.rng
        out = ["import numpy as np", "", ""]
        if self.on("helper"):
            for k in range(r.choice(SIZES[self.size]["helpers"])):
                out += self.make_helper(k) + ["", ""]
        ns = r.randint(1, 3)
        nv = r.randint(1, 3)
        params = [(f"x{j}", "S") for j in range(ns)] + \
                 [(f"a{j}", "V") for j in range(nv)]
        r.shuffle(params)
        body = self.function("f", params, "S", r.choice(SIZES[self.size]["stmts"]))
        for name in sorted(self.module_helpers):
            out += HELPERS[name] + ["", ""]
        self.params = params
        return "\n".join(out + body) + "\n"


# helpers the alias and effect_call features call (module level, as written)
HELPERS = {
    "hid": ["def hid(p):", "    return p"],
    "hrev": ["def hrev(p):", "    return p[::-1]"],
    "hw": ["def hw(p, v):", "    p[1] = v"],
}


def generate(seed, features=DEFAULT, size="medium"):
    """A random ``Program`` (deterministic in ``seed``, ``features`` and
    ``size``, one of ``SIZES``).  Without 'alias_hazard', a program that
    reads a view after its base is written is drawn again."""
    features = with_deps(features)
    for attempt in range(50):
        g = Generator(seed if attempt == 0 else f"{seed}/{attempt}", features, size)
        src = g.module()
        if not g.hazard or "alias_hazard" in features:
            break
    used = set(g.used)
    if any(d > 0 for d in _cf_depths(src)):
        used.add("nested")
    return Program(seed=seed, features=g.features, used=used, source=src, L=g.L,
                   params=list(g.params), hazard=g.hazard)


def _cf_depths(source):
    """Depths of control-flow statements nested in control flow (excluding
    the ``if cond: break/continue/return`` guards)."""
    out = []

    def guard(node):
        return isinstance(node, ast.If) and not node.orelse and isinstance(
            node.body[-1], (ast.Break, ast.Continue, ast.Return))

    def visit(stmts, depth):
        for s in stmts:
            if isinstance(s, (ast.If, ast.For, ast.While)) and not guard(s):
                out.append(depth)
                visit(s.body, depth + 1)
                while isinstance(s, ast.If) and len(s.orelse) == 1 and \
                        isinstance(s.orelse[0], ast.If):     # elif
                    s = s.orelse[0]
                    visit(s.body, depth + 1)
                visit(s.orelse, depth + 1)
            elif isinstance(s, ast.FunctionDef):
                visit(s.body, 0)

    visit(ast.parse(source).body, 0)
    return out


# ---------------------------------------------------------------------------
# loading and checking
# ---------------------------------------------------------------------------

_load_counter = itertools.count()


def load(source, directory, stem="prog"):
    """Write ``source`` to a fresh file in ``directory`` and import it."""
    n = next(_load_counter)
    name = f"progen_{stem}_{os.getpid()}_{n}"
    path = os.path.join(str(directory), name + ".py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # minimizer candidates
        spec.loader.exec_module(mod)
    return mod


@dataclasses.dataclass
class Outcome:
    status: str                # 'pass', 'tolerated' (an allowed refusal),
    #                            'fail', or 'invalid' (the generator's fault)
    kind: tuple = ()           # failure signature, for grouping
    message: str = ""
    generated: str = None      # srcdiff's generated source, when available
    args: list = None
    mode: str = "grad"         # the API checked: grad or value_and_grad

    @property
    def ok(self):
        return self.status in ("pass", "tolerated")

    @property
    def category(self):
        """For summaries: pass, refused (an acceptable refusal), fine-refused
        (a refusal of a program the generator knows is fine), wrong, crash or
        invalid (the generator's fault)."""
        if self.status in ("pass", "invalid"):
            return self.status
        if self.status == "tolerated":
            return "refused"
        if self.kind[0] == "refused":
            return "fine-refused"
        if self.kind[0] in ("transform-crash", "gradient-crash", "timeout"):
            return "crash"
        return "wrong"

    def known_refusal(self):
        """The issue a refusal of fine code is known under (None if new)."""
        if self.category == "fine-refused":
            for pattern, issue in KNOWN_FINE_REFUSALS.items():
                if re.search(pattern, self.message):
                    return issue
        return None


_NAME_RE = re.compile(r"\b(?:x|a|s|v|out|lst|i|j|n|cnt|t|acc|e|w|p|h|al|r|m)\d+\b")
_LOC_RE = re.compile(r"^\S+\.py:\d+:\d+: (in \w+\(\): )?")


def _normalize_message(text):
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    line = _LOC_RE.sub("", line)
    line = re.sub(r"'[^']*\.py'", "'<file>'", line)
    return _NAME_RE.sub("_", line)


def _call_plain(f, args):
    with np.errstate(over="raise", invalid="raise", divide="raise",
                     under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        call = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        v = f(*call)
    for a, c in zip(args, call):
        if isinstance(a, np.ndarray) and not np.array_equal(a, c):
            raise ValueError("f modifies an argument in place")
    if np.ndim(v) != 0 or not np.isfinite(float(v)):
        raise ValueError(f"f returned {v!r}, not a finite scalar")
    if abs(float(v)) > 1e6:
        raise ValueError(f"f returned {v!r}: values blow up (generator bug)")
    return float(v)


def _fd_consistent(f, args, wrt):
    import oracle
    g1 = oracle.fd_grad(f, args, wrt, eps=1e-6)
    g2 = oracle.fd_grad(f, args, wrt, eps=3e-6)
    for a, b in zip(g1, g2):
        if not np.allclose(a, b, rtol=1e-3, atol=1e-5):
            return None
        if not np.all(np.isfinite(a)):
            return None
    return g1


def reference(f, args, wrt, writes):
    """autograd gradient (or finite differences when ``writes``)."""
    import oracle
    if writes:
        return _fd_consistent(f, args, wrt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return oracle.oracle_grad(f, args, wrt)


def pick_point(prog, f, wrt, tries=6):
    """(args, reference gradient) at the first point where f runs cleanly
    and (for finite differences) the two step sizes agree."""
    last = None
    for attempt in range(tries):
        args = prog.make_args(attempt)
        try:
            _call_plain(f, args)
        except Exception as e:  # noqa: BLE001 - generator problem, reported
            last = f"plain NumPy run failed: {type(e).__name__}: {e}"
            continue
        ref = reference(f, args, wrt, prog.writes)
        if ref is None:
            last = KINK
            continue
        return args, ref, None
    return None, None, last


KINK = "finite differences disagree between step sizes at every point tried"


def acceptable_refusal(err, used, hazard):
    """Why a refusal of this program keeps srcdiff's promise (None: it is a
    refusal of fine code)."""
    for feature, pattern in TOLERATED.items():
        if feature in used and re.search(pattern, str(err)):
            return f"{feature} is allowed to be refused"
    if hazard:
        return "the program reads a view after its base is written"
    if "effect_call" in used:   # (tests/test_trust.py asks for NoRuleError)
        return "a call for effect on an active value may be refused"
    return None


def check_source(source, args, ref, wrt, rtol, atol, directory, f=None,
                 used=(), hazard=False, mode="grad"):
    """Run srcdiff on ``f`` of ``source`` and compare with ``ref``.
    ``used``/``hazard``: what the program does (for acceptable refusals).
    ``mode``: 'grad', 'value_and_grad' (the value must be what ``f``
    returns, to 1e-12) or 'both'."""
    if mode == "both":
        out = check_source(source, args, ref, wrt, rtol, atol, directory, f, used,
                           hazard, "grad")
        if out.status != "pass":
            return out
        return check_source(source, args, ref, wrt, rtol, atol, directory, f, used,
                            hazard, "value_and_grad")
    import oracle
    import srcdiff
    if f is None:
        f = load(source, directory, "chk").f
    api = getattr(srcdiff, mode)

    def refusal(e):
        kind = ("refused", type(e).__name__, _normalize_message(e.message))
        why = acceptable_refusal(e, used, hazard)
        if why:
            return Outcome("tolerated", kind, f"srcdiff refused the program ({why}):"
                           f"\n{e}", args=args, mode=mode)
        return Outcome("fail", kind, f"srcdiff refused the program:\n{e}", args=args,
                       mode=mode)
    try:
        g = api(f, wrt=wrt)
    except srcdiff.SrcdiffError as e:
        return refusal(e)
    except Exception as e:  # noqa: BLE001
        kind = ("transform-crash", type(e).__name__, _normalize_message(e))
        return Outcome("fail", kind, "srcdiff crashed while transforming:\n"
                       + traceback.format_exc(), args=args, mode=mode)
    try:
        generated = srcdiff.source(f, wrt=wrt, mode=mode)
    except Exception as e:  # noqa: BLE001
        generated = f"<srcdiff.source failed: {type(e).__name__}: {e}>"
    call_args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = g(*call_args)
    except srcdiff.SrcdiffError as e:
        # (a refusal that depends on the arguments' shapes comes at the first call)
        return refusal(e)
    except Exception as e:  # noqa: BLE001
        kind = ("gradient-crash", type(e).__name__, _normalize_message(e))
        return Outcome("fail", kind, "the generated gradient raised:\n"
                       + traceback.format_exc(), generated, args, mode)
    problems = []
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray) and not np.array_equal(a, call_args[k]):
            problems.append(f"argument {wrt[k]} was modified in place")
    kind = ("mismatch",)
    if mode == "value_and_grad":
        value, got = got if isinstance(got, tuple) and len(got) == 2 else (None, got)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = f(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
        if value is None or np.ndim(value) != 0 or abs(float(value) - float(want)) > \
                1e-12 * max(1.0, abs(float(want))):
            problems.append(f"value_and_grad's value {value!r} != f's value {want!r}")
            kind = ("wrong-value",)
    if not isinstance(got, tuple) or len(got) != len(wrt):
        return Outcome("fail", ("bad-result",),
                       f"expected a tuple of {len(wrt)} gradients, got {got!r}",
                       generated, args, mode)
    for name, a, gv, rv in zip(wrt, args, got, ref):
        err = oracle.check_type_and_shape(gv, a)
        if err:
            problems.append(f"d/d{name}: {err}")
            kind = ("bad-type",)
            continue
        gv = np.asarray(gv, dtype=float)
        rv = np.asarray(rv, dtype=float)
        if not np.all(np.isfinite(gv)) or not np.allclose(gv, rv, rtol=rtol,
                                                          atol=atol):
            problems.append(f"d/d{name}: srcdiff {gv!r}\n      != reference "
                            f"{rv!r}")
    if problems:
        return Outcome("fail", kind, "\n".join(problems), generated, args, mode)
    return Outcome("pass", args=args, mode=mode)


TOL_AUTOGRAD = (1e-6, 1e-8)
TOL_FD = (1e-4, 1e-5)


def mode_for(seed, modes="alternate"):
    """The API a program is checked with: 'alternate' (CI's default: grad
    for even seeds, value_and_grad -- value and gradient -- for odd ones, so
    both are covered at the cost of one), 'grad', 'value_and_grad' or
    'both'."""
    if modes == "alternate":
        return "grad" if seed % 2 == 0 else "value_and_grad"
    return modes


def check(prog, directory, mode="grad"):
    """Outcome of differentiating ``prog`` with srcdiff (``mode``: see
    ``check_source``)."""
    try:
        mod = load(prog.source, directory)
    except Exception as e:  # noqa: BLE001
        return Outcome("invalid", ("import",), f"generated module does not "
                       f"import: {type(e).__name__}: {e}")
    wrt = tuple(p for p, _ in prog.params)
    try:
        args, ref, why = pick_point(prog, mod.f, wrt)
    except Exception as e:  # noqa: BLE001
        return Outcome("invalid", ("reference", type(e).__name__),
                       "the reference gradient failed:\n" + traceback.format_exc())
    if args is None:
        return Outcome("invalid", ("point", "kink" if why == KINK else "run"),
                       why)
    tol = TOL_FD if prog.writes else TOL_AUTOGRAD
    try:
        return _with_timeout(CHECK_TIMEOUT, check_source, prog.source, args,
                             ref, wrt, *tol, directory, mod.f, prog.used,
                             prog.hazard, mode)
    except _Timeout:
        return Outcome("fail", ("timeout",), f"srcdiff took more than "
                       f"{CHECK_TIMEOUT} s (transformation or gradient run)",
                       args=args, mode=mode)


CHECK_TIMEOUT = 60.0


def describe(prog, outcome, minimized=None):
    """A failure report: program, arguments, problem, generated source."""
    ref = "finite differences" if prog.writes else "autograd"
    parts = [f"random program seed={prog.seed} (reference: {ref}; checked: "
             f"{outcome.mode}; features used: "
             f"{', '.join(sorted(prog.used)) or 'straight-line'})",
             f"failure kind: {outcome.kind}",
             "--- program ---", prog.source.rstrip()]
    if outcome.args is not None:
        parts.append("--- arguments ---")
        parts += [f"{name} = {a!r}" for (name, _), a in zip(prog.params,
                                                              outcome.args)]
    parts += ["--- problem ---", outcome.message.rstrip()]
    if outcome.generated:
        parts += ["--- srcdiff generated source ---", outcome.generated.rstrip()]
    if minimized:
        parts += ["--- minimized reproduction ---", minimized.rstrip()]
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# minimizer (greedy, AST-level)
# ---------------------------------------------------------------------------

class _Edit(ast.NodeTransformer):
    """Apply the ``target``-th simplification (or count them, target=None)."""

    def __init__(self, target=None):
        self.target = target
        self.count = 0
        self.done = False

    def hit(self):
        k = self.count
        self.count += 1
        return self.target is not None and k == self.target

    def stmt_list(self, stmts):
        out = []
        for s in stmts:
            if self.hit():                       # delete the statement
                self.done = True
                continue
            if isinstance(s, (ast.If, ast.For, ast.While)):
                if self.hit():                   # inline the body
                    self.done = True
                    out += s.body
                    continue
                if s.orelse:
                    if self.hit():               # inline the else branch
                        self.done = True
                        out += s.orelse
                        continue
                    if self.hit():               # drop the else branch
                        self.done = True
                        s.orelse = []
            if isinstance(s, ast.For) and isinstance(s.iter, ast.Call) and \
                    isinstance(s.iter.func, ast.Name) and \
                    s.iter.func.id == "range" and self.hit():
                self.done = True                 # range(...) -> range(1)
                s.iter = ast.Call(ast.Name("range", ast.Load()),
                                  [ast.Constant(1)], [])
            out.append(self.visit(s))
        return out

    def generic_visit(self, node):
        for field, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                new = self.stmt_list(value)
                setattr(node, field, new or [ast.Pass()])
            elif isinstance(value, list):
                setattr(node, field, [self.visit(v) if isinstance(v, ast.AST)
                                      else v for v in value])
            elif isinstance(value, ast.AST):
                setattr(node, field, self.visit(value))
        return node

    def visit_Module(self, node):
        node.body = self.stmt_list(node.body)
        return node

    def visit_FunctionDef(self, node):
        if node.name == "f":
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            keep = []
            for a in node.args.args:
                if a.arg not in used and len(node.args.args) > 1 and self.hit():
                    self.done = True
                    continue
                keep.append(a)
            node.args.args = keep
        node.body = self.stmt_list(node.body) or [ast.Pass()]
        return node

    def visit_expr_simplify(self, node, options):
        for opt in options:
            if self.hit():
                self.done = True
                return opt
        return None

    def visit_BinOp(self, node):
        r = self.visit_expr_simplify(node, [node.left, node.right])
        if r is not None:
            return r
        return super().generic_visit(node)

    def visit_UnaryOp(self, node):
        r = self.visit_expr_simplify(node, [node.operand])
        if r is not None:
            return r
        return super().generic_visit(node)

    def visit_BoolOp(self, node):
        r = self.visit_expr_simplify(node, list(node.values))
        if r is not None:
            return r
        return super().generic_visit(node)

    def visit_Call(self, node):
        f = node.func
        opts = []
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and \
                f.value.id == "np" and f.attr not in ("zeros", "ones", "stack"):
            opts = list(node.args[:1])
        elif isinstance(f, ast.Name) and f.id not in ("range", "enumerate", "zip"):
            opts = list(node.args)
        if node.keywords and self.hit():
            self.done = True
            node.keywords = []
            return node
        r = self.visit_expr_simplify(node, opts)
        if r is not None:
            return r
        return super().generic_visit(node)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id not in (
                "np", "range", "enumerate", "zip", "sum", "int", "abs") \
                and not node.id.startswith("h") and self.hit():
            self.done = True
            return ast.Constant(0.5)
        return node

    def visit_Subscript(self, node):
        if isinstance(node.ctx, ast.Load) and self.hit():
            self.done = True
            return ast.Constant(0.5)
        return super().generic_visit(node)


def _edits(source):
    e = _Edit()
    e.visit(ast.parse(source))
    return e.count


def _apply(source, k):
    tree = ast.parse(source)
    e = _Edit(k)
    tree = e.visit(tree)
    if not e.done:
        return None
    ast.fix_missing_locations(tree)
    try:
        return ast.unparse(tree) + "\n"
    except Exception:  # noqa: BLE001
        return None


def _f_params(source):
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == "f":
            return [a.arg for a in node.args.args]
    return []


def _lint(source):
    """Reject candidates a person would not write even where the code is
    dead: names defined nowhere, float subscripts."""
    import builtins
    tree = ast.parse(source)
    module_names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for n in tree.body:
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            module_names |= {a.asname or a.name for a in n.names}
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        known = module_names | {a.arg for a in fn.args.args} | set(dir(builtins))
        known |= {n.id for n in ast.walk(fn)
                  if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for n in ast.walk(fn):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and \
                    n.id not in known:
                return False
            if isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Constant) \
                    and not isinstance(n.slice.value, int):
                return False
    return True


class _Timeout(BaseException):   # not caught by ``except Exception``
    pass


def _with_timeout(seconds, fn, *args):
    """fn(*args), raising _Timeout after ``seconds`` (a minimizer candidate
    can loop forever, e.g. once a ``while`` test has lost its counter).
    Without SIGALRM (other platforms, other threads) there is no limit."""
    import signal
    import threading
    if not hasattr(signal, "setitimer") or \
            threading.current_thread() is not threading.main_thread():
        return fn(*args)

    def handler(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def failure_of(source, values, directory, mode="grad"):
    """The failure signature of ``source`` with arguments ``values`` (a dict
    name -> value), or None when it passes or is not a valid program (or
    takes more than a few seconds)."""
    if not _lint(source):
        return None
    try:
        return _with_timeout(10.0, _failure_of, source, values, directory, mode)
    except _Timeout:
        return None


def _failure_of(source, values, directory, mode):
    try:
        mod = load(source, directory, "min")
        f = mod.f
        names = _f_params(source)
        args = [values[n] for n in names]
        _call_plain(f, args)
        wrt = tuple(names)
        writes = source_writes(source)
        ref = reference(f, args, wrt, writes)
        if ref is None:
            return None
    except Exception:  # noqa: BLE001 - not a valid program
        return None
    tol = TOL_FD if writes else TOL_AUTOGRAD
    out = check_source(source, args, ref, wrt, *tol, directory, mode=mode)
    return None if out.ok else out.kind


def minimize(source, values, kind, directory, budget=600, mode="grad"):
    """Greedy AST reduction of ``source`` keeping failure signature ``kind``."""
    best = ast.unparse(ast.parse(source)) + "\n"
    tries = 0
    progress = True
    while progress and tries < budget:
        progress = False
        k = 0
        while k < _edits(best) and tries < budget:
            cand = _apply(best, k)
            tries += 1
            if cand is not None and cand != best and \
                    failure_of(cand, values, directory, mode) == kind:
                best = cand
                progress = True
            else:
                k += 1
    return best


def minimize_outcome(prog, outcome, directory, budget=600):
    values = {name: a for (name, _), a in zip(prog.params, outcome.args)}
    return minimize(prog.source, values, outcome.kind, directory, budget,
                    outcome.mode)


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------

def _tiers():
    tiers = [("straight", frozenset())]
    tiers += [(f, with_deps({f})) for f in FEATURES]
    tiers.append(("all", DEFAULT))
    tiers.append(("every", ALL))
    return tiers


def report(n=40, seed_base=0, do_minimize=False, out=sys.stdout, only=None,
           size="medium", mode="both"):
    """Run every tier (straight-line only, each feature alone with what it
    needs, all) on ``n`` seeds; print pass/fail counts per tier, failure
    kinds, and one (optionally minimized) program per failure kind."""
    import tempfile
    import time
    with tempfile.TemporaryDirectory() as d:
        reps = {}
        rows = []
        per_feature = {}
        for name, feats in _tiers():
            if only and name not in only:
                continue
            t0 = time.time()
            counts = {"pass": 0, "tolerated": 0, "fail": 0, "invalid": 0}
            kinds = {}
            for seed in range(seed_base, seed_base + n):
                if seed % 200 == 0:
                    import srcdiff
                    srcdiff.clear_cache()
                prog = generate(seed, feats, size)
                oc = check(prog, d, mode)
                counts[oc.status] += 1
                if name == "all":
                    for feat in prog.used | {"straight"}:
                        per = per_feature.setdefault(feat, [0, 0])
                        per[0] += 1
                        per[1] += oc.status in ("fail", "invalid")
                if oc.status != "pass":
                    k = (oc.status,) + oc.kind
                    kinds[k] = kinds.get(k, 0) + 1
                    key = (name, oc.kind)
                    if key not in reps or len(prog.source) < len(reps[key][0].source):
                        reps[key] = (prog, oc)
            rows.append((name, counts, kinds, time.time() - t0))
            print(f"{name:15s} pass {counts['pass']:4d}  tolerated "
                  f"{counts['tolerated']:3d}  fail {counts['fail']:4d}  invalid "
                  f"{counts['invalid']:3d}  ({time.time() - t0:.1f}s)",
                  file=out, flush=True)
            for kind, c in sorted(kinds.items(), key=lambda kv: -kv[1]):
                print(f"{'':17s}{c:4d} x {kind}", file=out, flush=True)
        if per_feature:
            print("\ntier all, by feature used: programs / failing", file=out)
            for feat in ("straight",) + FEATURES:
                if feat in per_feature:
                    tot, bad = per_feature[feat]
                    print(f"  {feat:15s} {tot:4d} / {bad:4d}", file=out)
        seen = set()
        for (name, kind), (prog, oc) in reps.items():
            if kind in seen:
                continue
            seen.add(kind)
            print("\n" + "=" * 78, file=out)
            print(f"tier {name}: {kind}", file=out)
            mini = None
            if do_minimize and oc.status == "fail":
                mini = minimize_outcome(prog, oc, d)
            print(describe(prog, oc, mini), file=out, flush=True)
        return rows


def main(argv):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tempfile
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd = argv[0]
    size = ([a.split("=", 1)[1] for a in argv if a.startswith("--size=")]
            or ["medium"])[0]
    mode = ([a.split("=", 1)[1] for a in argv if a.startswith("--mode=")]
            or ["both"])[0]
    argv = [a for a in argv if not a.startswith(("--size=", "--mode="))]
    if cmd in ("show", "check"):
        seed = int(argv[1])
        feats = parse_features(argv[2] if len(argv) > 2 and
                               not argv[2].startswith("--") else "all")
        prog = generate(seed, feats, size)
        if cmd == "show":
            print(prog.source)
            print("# used:", ", ".join(sorted(prog.used)))
            return 0
        with tempfile.TemporaryDirectory() as d:
            oc = check(prog, d, mode)
            mini = None
            if not oc.ok and oc.status == "fail" and "--minimize" in argv:
                mini = minimize_outcome(prog, oc, d)
            print("PASS" if oc.ok else describe(prog, oc, mini))
        return 0 if oc.ok else 1
    if cmd == "report":
        nums = [a for a in argv[1:] if not a.startswith("-")]
        n = int(nums[0]) if nums else 40
        base = int(nums[1]) if len(nums) > 1 else 0
        only = [a.split("=", 1)[1].split(",") for a in argv
                if a.startswith("--tiers=")]
        report(n, base, "--minimize" in argv, only=only[0] if only else None,
               size=size, mode=mode)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
