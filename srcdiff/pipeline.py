"""The ordered list of steps from a callable to its compiled derivative.

1. frontend   callable -> source tree, file, globals, closure values
2. fence      refuse anything outside the supported subset, with its location
3. normalize  one operation per assignment, single assignment, lowered sugar
4. activity   which values depend on ``wrt`` and reach the output; shapes
5. reverse    forward sweep + adjoint sweep (helper VJPs built on demand);
   or forward tangent statements next to the primal ones (``build_jvp_unit``)
6. optimize   folding, copy propagation, inlining, dead code, to a fixed point
7. codegen    gast -> ast -> text
8. loader     compile, register in linecache, bind to the function's globals

The unit to fill is handed in by ``derivatives.Session`` (which caches units
and registers the one being built, for recursion); so is the session, which
builds the derivatives of called functions on demand.
"""

import contextlib
import gc

import gast

from . import (activity, codegen, fence, forward, frontend, loader, normalize, optimize,
               primitives, reverse)
from .trees import nodes


@contextlib.contextmanager
def _collector_paused():
    """A transformation makes many small tree objects that live until it ends:
    the cyclic garbage collector would scan them again and again (up to half
    the time of a large build).  Paused while building, as it was found."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_unit(unit, info, wrt, mode, session, as_tuple=False, arg_shapes=None):
    """Run steps 2-8 for one function, filling ``unit`` (a ``derivatives.Unit``).

    ``arg_shapes`` (parameter -> exact shape) specialises the code to argument
    shapes: broadcasting is then undone with plain NumPy where shapes differ and
    not at all where they cannot."""
    with _collector_paused():
        _build_unit(unit, info, wrt, mode, session, as_tuple, arg_shapes)


def _build_unit(unit, info, wrt, mode, session, as_tuple, arg_shapes):
    fence.check(info)                                           # 2
    norm = normalize.normalize(info)                            # 3
    base = f"{info.name}_vjp" if mode == "vjp" else (
        f"d{info.name}" if mode == "grad" else f"value_and_d{info.name}")
    unit.name = norm.namer.fresh(base)
    analysis = activity.analyze(info, norm, wrt, arg_shapes)    # 4
    rev = reverse.Reverse(info, norm, analysis, wrt, mode, session, unit.name, as_tuple)
    fn = rev.run()                                              # 5
    if session.optimize:
        # (code specialised on shapes is not the one people read: the
        # user's own names used once are inlined too, freeing arrays sooner)
        temps = norm.temps | _template_temps(rev) | (
            _assigned(fn) - set(norm.params) if arg_shapes else set())
        fn = optimize.optimize(fn, temps, rev.aliases, info.lookup, analysis.views)  # 6
    _finish(unit, info, fn, rev, analysis)


def build_jvp_unit(unit, info, wrt, session):
    """Steps 2-8 in forward mode: a function ``(*tangents, *args) -> (value, tangent)``."""
    with _collector_paused():
        _build_jvp_unit(unit, info, wrt, session)


def _build_jvp_unit(unit, info, wrt, session):
    fence.check(info)                                           # 2
    norm = normalize.normalize(info)                            # 3
    unit.name = norm.namer.fresh(f"{info.name}_jvp")
    analysis = activity.analyze(info, norm, wrt)                # 4
    fwd = forward.Forward(info, norm, analysis, wrt, session, unit.name)
    fn = fwd.run()                                              # 5
    if session.optimize:
        fn = optimize.optimize(fn, norm.temps, fwd.aliases, info.lookup,
                               analysis.views)                    # 6
    unit.batchable = fwd.batchable and all(
        getattr(dep, "batchable", False) for dep in fwd.deps)
    _finish(unit, info, fn, fwd, analysis)


def _finish(unit, info, fn, transform, analysis):
    """Steps 7 and 8 (the same in both modes)."""
    unit.node = fn
    unit.deferred = analysis.deferred
    unit.shape_dependent = any(
        getattr(primitives.of_call(n, transform.modules), "shape_dependent", False)
        for n in nodes(fn) if isinstance(n, gast.Call))
    unit.text = codegen.to_source(fn)                           # 7
    aliases = transform.aliases
    # every free variable of the function is handed in, also one not assigned
    # yet: the loader links the function's own cells, so they are read live
    closure = {v: info.closure.get(v) for v in info.freevars if not loader.reserved(v)}
    unit.injections = {aliases["np"]: "numpy", aliases["math"]: "math",
                       aliases["rt"]: "runtime", **closure, **transform.injections}
    unit.deps = transform.deps
    unit.assumptions = frontend.assumptions(info) if info.func is not None else []
    loader.compile_unit(unit)                                   # 8


def _assigned(fn):
    """Every name the generated function binds."""
    return {n.id for n in nodes(fn) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


def _template_temps(rev):
    """Adjoints of normalization temporaries: inlined where used once."""
    return {bar for name, bar in rev.adjoints.adj.items() if name in rev.norm.temps
            and name not in rev.adjoints.accumulated}


def read(func):
    """Step 1."""
    return frontend.read_function(func)


def all_units(unit):
    """The unit and every helper it uses, helpers first, each once (a helper
    used by several function objects of one code is one unit)."""
    seen, order = set(), []

    def visit(u):
        u = getattr(u, "unit", u)  # an instance: its unit
        if id(u) in seen:
            return
        seen.add(id(u))
        for dep in u.deps:
            visit(dep)
        order.append(u)
    visit(unit)
    return order
