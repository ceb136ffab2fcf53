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
"""

import contextlib
import gc

import gast

from . import activity, codegen, fence, frontend, loader, normalize, optimize, reverse
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


def build_unit(info, wrt, mode, session, key, as_tuple=False, arg_shapes=None):
    """Run steps 2-8 for one function; returns a loaded ``reverse.Unit``.

    ``arg_shapes`` (parameter -> exact shape) specialises the code to argument
    shapes: broadcasting is then undone with plain NumPy where shapes differ and
    not at all where they cannot."""
    with _collector_paused():
        return _build_unit(info, wrt, mode, session, key, as_tuple, arg_shapes)


def _build_unit(info, wrt, mode, session, key, as_tuple, arg_shapes):
    fence.check(info)                                           # 2
    norm = normalize.normalize(info)                            # 3
    base = f"{info.name}_vjp" if mode == "vjp" else (
        f"d{info.name}" if mode == "grad" else f"value_and_d{info.name}")
    name = norm.namer.fresh(base)
    unit = reverse.Unit(name, None, info, {}, [])
    session.in_progress[key] = unit
    try:
        analysis = activity.analyze(info, norm, wrt, arg_shapes)  # 4
        rev = reverse.Reverse(info, norm, analysis, wrt, mode, session, name,
                              as_tuple)
        fn = rev.run()                                          # 5
        if session.optimize:
            # (code specialised on shapes is not the one people read: the
            # user's own names used once are inlined too, freeing arrays sooner)
            temps = norm.temps | _template_temps(rev) | (
                _assigned(fn) - set(norm.params) if arg_shapes else set())
            fn = optimize.optimize(fn, temps, rev.aliases, info.lookup)  # 6
        unit.node = fn
        unit.text = codegen.to_source(fn)                       # 7
        unit.injections = {rev.aliases["np"]: "numpy", rev.aliases["math"]: "math",
                           rev.aliases["rt"]: "runtime", **info.closure,
                           **rev.injections}
        unit.deps = rev.deps
        unit.deferred = analysis.deferred
        loader.compile_unit(unit)                               # 8
    finally:
        del session.in_progress[key]
    return unit


def build_jvp_unit(info, wrt, session, key):
    """Steps 2-8 in forward mode: a function ``(*tangents, *args) -> (value, tangent)``."""
    with _collector_paused():
        return _build_jvp_unit(info, wrt, session, key)


def _build_jvp_unit(info, wrt, session, key):
    from . import forward
    fence.check(info)                                           # 2
    norm = normalize.normalize(info)                            # 3
    name = norm.namer.fresh(f"{info.name}_jvp")
    unit = reverse.Unit(name, None, info, {}, [])
    session.in_progress[key] = unit
    try:
        analysis = activity.analyze(info, norm, wrt)            # 4
        fwd = forward.Forward(info, norm, analysis, wrt, session, name)
        fn = fwd.run()                                          # 5
        if session.optimize:
            fn = optimize.optimize(fn, norm.temps, fwd.aliases, info.lookup)  # 6
        unit.node = fn
        unit.text = codegen.to_source(fn)                       # 7
        unit.injections = {fwd.aliases["np"]: "numpy", fwd.aliases["math"]: "math",
                           fwd.aliases["rt"]: "runtime", **info.closure,
                           **fwd.injections}
        unit.deps = fwd.deps
        unit.deferred = analysis.deferred
        unit.batchable = fwd.batchable and all(
            getattr(dep, "batchable", False) for dep in fwd.deps)
        loader.compile_unit(unit)                               # 8
    finally:
        del session.in_progress[key]
    return unit


def _assigned(fn):
    """Every name the generated function binds."""
    return {n.id for n in nodes(fn) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


def _template_temps(rev):
    """Adjoints of normalization temporaries: inlined where used once."""
    return {bar for name, bar in rev.adj.items() if name in rev.norm.temps
            and name not in rev.accumulated}


def read(func):
    """Step 1."""
    return frontend.read_function(func)


def all_units(unit):
    """The unit and every helper it uses, helpers first, each once."""
    seen, order = set(), []

    def visit(u):
        if id(u) in seen:
            return
        seen.add(id(u))
        for dep in u.deps:
            visit(dep)
        order.append(u)
    visit(unit)
    return order
