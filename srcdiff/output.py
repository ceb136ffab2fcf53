"""The two ends of the adjoint sweep: where it starts (the check that the
output is a scalar, the seed, the adjoints that loops and branches add to set
to zero) and what the generated function returns (the gradients, with the
value or ``has_aux``'s aux where asked); for an ``f(x, n)`` that computes
``s = np.sin(x)``, then ``s = s * x`` in a loop, and returns ``s``::

    ...                               # the forward sweep
    if type(s) is not float:          # the output check (first when it tests
        rt.check_scalar(s, 'f')       # an argument: the output has its shape)
    x_bar = 0.0                       # added to in the loop
    s_bar = 1.0                       # the seed
    ...                               # the adjoint sweep
    return rt.cast_grad(x_bar, x)
"""

import gast

from . import abstract
from .abstract import SCALAR, concrete
from .errors import NonScalarOutputError, located
from .trees import assign, call, clone, constant, load, parameters


class Output:
    """The ends of the adjoint sweep of one function in ``mode`` ('grad',
    'value_and_grad', 'vjp' or 'pullback'); ``start`` sets ``active`` (does
    the output depend on ``wrt``?), ``seed_param`` (the seed's parameter in
    the VJP modes) and ``checks`` (the output check; ``checks_first``: before
    the forward sweep)."""

    def __init__(self, info, norm, analysis, adjoints, wrt, mode, as_tuple):
        self.info = info
        self.norm = norm
        self.an = analysis
        self.adjoints = adjoints
        self.wrt = wrt
        self.mode = mode
        self.as_tuple = as_tuple
        self.namer = norm.namer
        self.active = False
        self.seed_param = None
        self.checks, self.checks_first = [], False

    def start(self):
        """The statements that start the adjoint sweep (after the forward
        sweep: every contribution to an adjoint is known)."""
        adjoints, namer = self.adjoints, self.namer
        result = self.norm.result
        self.active = active = isinstance(result, gast.Name) and result.id in self.an.varied
        for name in sorted(adjoints.accumulated):
            adjoints.adj[name] = namer.adjoint(name)
        start = []
        if active:
            start = [assign(adjoints.adj[n], constant(0.0))
                     for n in sorted(adjoints.accumulated) if n != result.id]
        if self.mode in ("vjp", "pullback"):
            self.seed_param = namer.adjoint(result.id if isinstance(result, gast.Name) else "y")
            if active:
                if result.id in adjoints.accumulated:
                    start.append(assign(adjoints.adj[result.id],
                                        adjoints.rt("fresh", load(self.seed_param))))
                else:
                    adjoints.adj[result.id] = self.seed_param
        elif active:
            bar = adjoints.adj.get(result.id) or namer.adjoint(result.id)
            adjoints.adj[result.id] = bar
            self.checks, self.checks_first = self.check_scalar(result.id)
            start.append(assign(bar, constant(1.0)))
        elif isinstance(result, gast.Name):
            self.checks, self.checks_first = self.check_scalar(result.id)
        elif not (isinstance(result, gast.Constant) and isinstance(result.value, (int, float))):
            raise located(NonScalarOutputError, self.info, result,
                          f"grad needs a scalar output, but {self.info.name}() returns "
                          f"{gast.unparse(result) if hasattr(gast, 'unparse') else 'a constant'}",
                          "return the scalar to differentiate")
        return start

    def check_scalar(self, result):
        """The check that the output is a scalar, on the cheapest witness: none
        when its shape is known to be scalar, else the argument whose shape it
        has (so the output itself need not be computed), else the output.
        Returns the statements and whether they may come first (an argument
        is the witness)."""
        shape = self.an.shapes.get(result)
        if shape == SCALAR:
            return [], False
        witness = result
        if isinstance(shape, tuple) and len(shape) == 2 and shape[1] in self.norm.params:
            witness = shape[1]
        test = gast.Compare(left=call(load("type"), [load(witness)]), ops=[gast.IsNot()],
                            comparators=[load("float")])
        check = gast.Expr(value=self.adjoints.rt("check_scalar", load(witness),
                                                 constant(self.info.name)))
        return [gast.If(test=test, body=[check], orelse=[])], witness in self.norm.params

    def end(self):
        """The statements that keep the values returned beside the gradients
        (between the sweeps), and the return statement."""
        result = self.norm.result
        kept = []
        if self.mode in ("value_and_grad", "pullback") and isinstance(result, gast.Name):
            # the adjoint sweep may restore overwritten values: keep the one f returns
            value_name = self.namer.fresh("value")
            kept = [assign(value_name, load(result.id))]
            result = load(value_name)
        aux = self.norm.aux
        if isinstance(aux, gast.Name):
            aux_name = self.namer.fresh("aux")
            kept.append(assign(aux_name, load(aux.id)))
            aux = load(aux_name)
        return kept, gast.Return(value=self.returned(result, aux))

    def returned(self, result, aux=None):
        """What the generated function returns: the gradients (and the value;
        with has_aux, the aux beside the gradients or the value)."""
        adjoints = self.adjoints
        grads = []
        for p in self.wrt:
            if p in adjoints.adj and self.an.active(p):
                # (a helper's VJP gives its callers adjoints of its arguments'
                # shapes, not a scalar standing for one: the adjoint of np.sum)
                g = adjoints.full_shaped(p) if self.mode == "vjp" else load(adjoints.adj[p])
                shape = self.an.arg_shapes.get(p)
                if self.mode != "vjp" and p in adjoints.dirty:
                    # (an exact shape given as such: the argument need not be kept)
                    g = adjoints.rt("as_gradient", g, constant(shape)) \
                        if concrete(shape) and not abstract.foreign_shape(shape) \
                        else adjoints.rt("cast_grad", g, load(p))
            else:
                g = adjoints.rt("zeros_like", load(p))
            grads.append(g)
        value = grads[0] if len(grads) == 1 and not self.as_tuple else \
            gast.Tuple(elts=grads, ctx=gast.Load())
        if self.mode in ("value_and_grad", "pullback"):
            value = gast.Tuple(elts=[clone(result) if aux is None else gast.Tuple(
                elts=[clone(result), clone(aux)], ctx=gast.Load()), value], ctx=gast.Load())
        elif aux is not None:
            value = gast.Tuple(elts=[value, clone(aux)], ctx=gast.Load())
        return value

    def arguments(self):
        """The generated function's parameters: ``f``'s, without annotations,
        the seed's first in the VJP modes."""
        return parameters(self.norm.args,
                          () if self.seed_param is None else (self.seed_param,))
