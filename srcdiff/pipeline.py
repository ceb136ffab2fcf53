"""From a callable to its compiled derivative: the steps in order.  This
module is the table of contents of the transformation; each step is a
function with an example of what it does in its docstring (tests/test_passes.py
runs the examples of the steps that rewrite code).

 1. frontend.read_function   callable -> source tree, file, globals, closure values
 2. fence.check              refuse what is outside the supported subset, located
 3. lower.statements         with-blocks of np.errstate inlined, del dropped;
    lower.returns            one exit: early returns become flags
 4. lower.loops              loops over ranges, break/continue as flags
 5. normalize.normalize      one operation per assignment, single assignment,
                             ternaries as ifs, comprehensions as loops (lower)
 6. activity.analyze         resolve every call (primitives, the user's functions),
    abstract.infer           shapes and known values,
    aliasing.check           in-place writes no derivative would see (refused),
                             which values depend on wrt and reach the output
 7. reverse.Reverse.run      forward sweep, adjoint sweep, stacks (saving.Sweeps);
    or forward.Forward.run   tangent statements next to the primal ones,
    or taylor.Taylor.run     Taylor coefficients next to the primal ones
 8. batching.batch           products a loop's adjoint adds up: one product after it
 9. optimize.optimize        to a fixed point: optimize.PASSES (fold, algebra,
                             dead code, copies, inlining, zeros);
    vjp.split                for srcdiff.vjp: the forward sweep returns the
                             adjoint sweep as a function (the pullback);
    linearize.split          for srcdiff.linearize: the primal returns the
                             tangent statements as a function
10. codegen.to_source        gast -> ast -> text
11. loader.compile_unit      compile, register in linecache, bind to the globals

The unit to fill is handed in by ``derivatives.Session`` (which caches units
and registers the one being built, for recursion); so is the session, which
builds the derivatives of called functions on demand.
"""

import contextlib
import gc

import gast

from . import (abstract, activity, batching, codegen, fence, forward, frontend, linearize,
               loader, lower, normalize, optimize, primitives, reverse, taylor, vjp)
from .names import Namer, names_in
from .trees import clone, nodes


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


def front(info, sequences=()):
    """Steps 2-5: the function's code in core form (``sequences``: parameters
    known to be lists, tuples or arrays)."""
    fence.check(info)                                               # 2
    namer = Namer(names_in(info.node))
    fn = lower.statements(info, clone(info.node), namer)            # 3
    fn = lower.returns(info, fn, namer)
    fn = lower.loops(info, fn, namer, sequences)                    # 4
    return normalize.normalize(info, fn, namer)                     # 5


def build_unit(unit, info, wrt, mode, session, as_tuple=False, arg_shapes=None,
               numbers=False):
    """Steps 2-11 in reverse mode, filling ``unit`` (a ``derivatives.Unit``).

    ``arg_shapes`` (parameter -> exact shape) specialises the code to argument
    shapes: broadcasting is then undone with plain NumPy where shapes differ and
    not at all where they cannot; with ``numbers``, functions of numbers call the
    ``math`` module."""
    with _collector_paused():
        norm = front(info, abstract.sequences(arg_shapes))          # 2-5
        if mode.endswith("+aux"):  # (f returns (loss, aux): has_aux)
            norm = normalize.with_aux(norm)
        base = f"{info.name}_vjp" if mode in ("vjp", "pullback") else (
            f"d{info.name}" if mode.startswith("grad") else f"value_and_d{info.name}")
        unit.name = norm.namer.fresh(base)
        analysis = activity.analyze(info, norm, wrt, front, arg_shapes)   # 6
        rev = reverse.Reverse(info, norm, analysis, wrt, mode, session, unit.name,
                              as_tuple, numbers)
        fn = rev.run()                                              # 7
        fn = batching.batch(fn, rev.batchable, norm.namer, rev.aliases["np"],
                            rev.modules)                            # 8
        if session.optimize:
            # (code specialised on shapes is not the one people read: the
            # user's own names used once are inlined too, freeing arrays sooner)
            temps = norm.temps | _template_temps(rev) | (
                _assigned(fn) - set(norm.params) if arg_shapes else set())
            fn = optimize.optimize(fn, temps, rev.aliases, info.lookup,
                                   analysis.views)                  # 9
        if mode == "pullback":
            fn = vjp.split(fn, rev)                                 # 9b
        _finish(unit, info, fn, rev, analysis)                      # 10, 11


def build_jvp_unit(unit, info, wrt, session, mode="jvp"):
    """Steps 2-11 in forward mode (no 8): a function ``(*tangents, *args) -> (value, tangent)``
    (``mode='linearize'``: ``(*args) -> (value, tangent function)``; ``'jvp:batched'``:
    for tangents with a leading axis over a batch of directions)."""
    with _collector_paused():
        norm = front(info)                                          # 2-5
        unit.name = norm.namer.fresh({"jvp": f"{info.name}_jvp",
                                      "jvp:batched": f"{info.name}_jvp_batched"}.get(
                                          mode, f"{info.name}_linearized"))
        analysis = activity.analyze(info, norm, wrt, front)         # 6
        kind = forward.BatchedForward if mode == "jvp:batched" else forward.Forward
        fwd = kind(info, norm, analysis, wrt, session, unit.name)
        fn = fwd.run()                                              # 7
        if session.optimize:
            fn = optimize.optimize(fn, norm.temps, fwd.aliases, info.lookup,
                                   analysis.views)                  # 9
        if mode == "linearize":
            fn = linearize.split(fn, fwd)                           # 9b
        unit.batchable = fwd.batchable and all(
            getattr(dep, "batchable", False) for dep in fwd.deps)
        _finish(unit, info, fn, fwd, analysis)                      # 10, 11


def build_taylor_unit(unit, info, wrt, order, session, numbers=False, helper=False):
    """Steps 2-11 in Taylor mode (no 8): a function of ``f``'s arguments
    returning the value and the first ``order`` derivatives in ``wrt`` (one
    parameter, a number).  With ``numbers``, functions of numbers call the
    ``math`` module.  For a ``helper`` (a function the code calls) the
    coefficients of the ``wrt`` parameters come first and the coefficients of
    the result are returned."""
    with _collector_paused():
        norm = front(info)                                          # 2-5
        unit.name = norm.namer.fresh(f"{info.name}_taylor")
        shapes = {wrt[0]: ()} if numbers else None
        analysis = activity.analyze(info, norm, wrt, front, shapes)  # 6
        tay = taylor.Taylor(info, norm, analysis, wrt, order, unit.name, session, numbers,
                            helper)
        fn = tay.run()                                              # 7
        if session.optimize:
            fn = optimize.optimize(fn, norm.temps, tay.aliases, info.lookup,
                                   analysis.views)                  # 9
        unit.batchable = False
        _finish(unit, info, fn, tay, analysis)                      # 10, 11


def _finish(unit, info, fn, transform, analysis):
    """Steps 10 and 11 (the same in both modes)."""
    unit.node = fn
    unit.deferred = analysis.deferred
    unit.numbers = getattr(transform, "numbers_used", False)
    called = [primitives.of_call(n, transform.modules) for n in nodes(fn)
              if isinstance(n, gast.Call)]
    unit.shape_dependent = any(p is not None and (p.shape_dependent or p.scalar is not None)
                               for p in called)
    unit.text = codegen.to_source(fn)                               # 10
    aliases = transform.aliases
    # every free variable of the function is handed in, also one not assigned
    # yet: the loader links the function's own cells, so they are read live
    closure = {v: info.closure.get(v) for v in info.freevars if not loader.reserved(v)}
    unit.injections = {aliases["np"]: "numpy", aliases["math"]: "math",
                       aliases["rt"]: "runtime", **closure, **transform.injections}
    unit.deps = transform.deps
    unit.assumptions = frontend.assumptions(info) if info.func is not None else []
    loader.compile_unit(unit)                                       # 11


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
