"""Calls of the user's own functions in the adjoint sweep: a call of a helper
``h`` calls ``h``'s generated vector-Jacobian product (a unit of the session,
specialised on the argument shapes known at the call), reachable under a
local name::

    y = h(x, w)               x_bar, w_bar = h_vjp(y_bar, x, w)
"""

import gast

from . import abstract
from .abstract import concrete
from .errors import UnsupportedSyntaxError, located
from .frontend import bind_params, callee
from .trees import assign, call, clone, load, store


class HelperCalls:
    """The calls of helpers in one function (``name``) and the helper units
    they use (``deps``, each under a local name: ``injections``)."""

    def __init__(self, info, norm, analysis, adjoints, session, name):
        self.info = info
        self.norm = norm
        self.an = analysis
        self.adjoints = adjoints
        self.session = session
        self.name = name
        self.namer = norm.namer
        self.injections = {}
        self.deps = []

    def fail(self, cls, node, message, hint=None):
        raise located(cls, self.info, node, message, hint)

    def adjoint_of(self, op):
        """The adjoint statements of a call of a helper (``op.kind`` 'user' or
        'local')."""
        stmt = op.stmt
        node = op.call
        args = list(node.args)
        keywords = list(node.keywords)
        info, fn, key, prefix, lifted = callee(self, op)
        args = args + lifted
        bound = bind_params(fn, prefix + args, keywords)
        if bound is None:
            self.fail(UnsupportedSyntaxError, stmt,
                      f"cannot match the arguments of the call to {op.callee_name}")
        active = [p for p, atom in bound.items()
                  if isinstance(atom, gast.Name) and self.an.active(atom.id)]
        if not active:
            return
        order = [p.id for p in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        active.sort(key=order.index)
        unit = self.session.vjp_unit(info, active, key, self.argument_shapes(op, bound))
        ref = self.reference(unit)
        # (a helper's adjoint code takes its seed at face value: a zero
        # placeholder or a reduction's scalar is given the output's shape)
        shaped = self.adjoints.full_shaped
        if len(op.targets) > 1:
            seed = gast.Tuple(elts=[shaped(n) if n in self.adjoints.adj
                                    else self.adjoints.rt("zeros_like", load(n))
                                    for n in op.targets], ctx=gast.Load())
        else:
            seed = shaped(op.targets[0])
        vjp_call = call(load(ref), [seed] + prefix + list(node.args)
                        + ([load(n) for n in op.callee.lifted] if op.kind == "local" else []),
                        clone(keywords))
        if len(active) == 1:
            self.adjoints.accumulate(bound[active[0]].id, vjp_call, False, stmt)
            return
        parts = [self.namer.fresh(f"{bound[p].id}_bar") for p in active]
        self.adjoints.emit(assign(gast.Tuple(elts=[store(n) for n in parts], ctx=gast.Store()),
                                  vjp_call), stmt)
        for p, part in zip(active, parts):
            self.adjoints.accumulate(bound[p].id, load(part), False, stmt)

    def argument_shapes(self, op, bound):
        """The exact shapes of a helper's arguments at this call (parameter ->
        shape), where known: its derivative is specialised on them."""
        known = {}
        for p, atom in bound.items():
            shape = abstract.shape_of(atom, op.shapes or {})
            if concrete(shape) or isinstance(shape, (abstract.Elements, abstract.Items)):
                known[p] = shape
        return known or None

    def reference(self, unit):
        """The local name under which a helper unit's function is reachable."""
        if unit.name == self.name:
            return unit.name  # recursion: the function itself
        for name, dep in self.injections.items():
            if dep is unit:
                return name
        name = self.namer.fresh(unit.name)
        self.injections[name] = unit
        self.deps.append(unit)
        return name
