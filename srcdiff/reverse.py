"""Reverse mode: the transformation proper.

The generated function runs the primal statements (the forward sweep), then
walks them backwards (the adjoint sweep), instantiating each statement's rule
and accumulating adjoints of values used more than once::

    def f(x):                    def df(x):
        z = x ** 2                   z = x ** 2
        t = np.sin(x)                t = np.sin(x)
        y = z * t                    y = z * t
        return y                     y_bar = 1.0
                                     z_bar = y_bar * t
                                     t_bar = y_bar * z
                                     x_bar = t_bar * np.cos(x)
                                     x_bar = x_bar + z_bar * 2 * x
                                     return x_bar

(before the optimizer; the output check ``rt.check_scalar`` comes first).
The first contribution to an adjoint assigns it; later ones add to it, so no
adjoint is initialised to zeros.  Broadcasting is undone only where the
symbolic shapes of operand and result can differ.  Calls to the user's own
functions call that function's generated vector-Jacobian product.

``Reverse.run`` puts the pieces together: the sweeps (``saving.Sweeps``), the
adjoint statements of each operation (``chain.ChainRule``; of a call of a user
helper ``calls.HelperCalls``), the adjoint variables (``adjoints.Adjoints``),
and the two ends of the adjoint sweep (``output.Output``).
"""

import math

import gast
import numpy as np

from . import abstract, runtime
from .adjoints import Adjoints, container_names
from .calls import HelperCalls
from .chain import ChainRule
from .output import Output
from .saving import Sweeps
from .trees import call, load


SWEEP_MARK = "__srcdiff_sweep__"   # (not a name Python code can use unknowingly)


class Reverse:
    """The reverse-mode derivative of one function: ``run`` writes it."""

    def __init__(self, info, norm, analysis, wrt, mode, session, name, as_tuple,
                 numbers=False):
        self.norm = norm
        self.an = analysis
        # 'grad', 'value_and_grad', 'vjp' or 'pullback' (the VJP with f's value,
        # a ``SWEEP_MARK`` between the sweeps: ``vjp.split`` makes them two functions)
        self.mode = mode.replace("+aux", "")
        self.name = name
        self.namer = norm.namer
        self.aliases = {a: alias(a, info, norm) for a in ("np", "math", "rt")}
        self.modules = {self.aliases["np"]: np, self.aliases["math"]: math,
                        self.aliases["rt"]: runtime}
        self.adjoints = Adjoints(self.namer, self.aliases, self.modules)
        self.adjoints.foreign = any(abstract.foreign_shape(s)
                                    for s in analysis.arg_shapes.values())
        self.calls = HelperCalls(info, norm, analysis, self.adjoints, session, name)
        self.injections, self.deps = self.calls.injections, self.calls.deps
        self.chain = ChainRule(info, norm, analysis, self.adjoints, self.aliases, self.calls,
                               numbers)
        self.output = Output(info, norm, analysis, self.adjoints, wrt, self.mode, as_tuple)
        self.stacks = set()

    @property
    def batchable(self):
        """Ids of the additions ``batching.py`` may batch."""
        return self.chain.batchable

    @property
    def numbers_used(self):
        """Does the code call the ``math`` module on numbers?"""
        return self.chain.numbers_used

    def run(self):
        """The generated function: output check, forward sweep, seed, adjoint
        sweep, the gradients returned."""
        adjoints, chain, output = self.adjoints, self.chain, self.output
        tree = self.an.tree
        sweeps = Sweeps(self.an, self.norm, adjoints, chain.adjoint_of)
        adjoints.containers |= container_names(self.an.ops)
        adjoints.has_lazy = any(chain.lazy_reduction_possible(op) for op in self.an.ops)
        if self.mode not in ("value_and_grad", "pullback"):  # (value exactly f's)
            chain.primal_on_numbers()
        forward = sweeps.forward(tree)
        sweep_start = output.start()
        backward = sweeps.backward(tree) if output.active else []
        kept, ret = output.end()
        inits, fwd, rev = sweeps.place(forward, backward, [ret])
        self.stacks = set(sweeps.stacks.stacks.values())
        # the output check goes first when it tests an argument, else after the
        # forward sweep
        if output.checks_first:
            inits = output.checks + inits
        else:
            sweep_start = output.checks + sweep_start
        mark = [gast.Expr(value=call(load(SWEEP_MARK), []))] if self.mode == "pullback" else []
        body = inits + fwd + kept + mark + sweep_start + rev + [ret]
        return gast.FunctionDef(name=self.name, args=output.arguments(), body=body,
                                decorator_list=[], returns=None, type_comment=None,
                                type_params=[])


def alias(name, info, norm):
    """``np`` / ``math`` keep their usual names when the user's mean the same;
    else (and always for ``rt``) a fresh name."""
    modules = {"np": "numpy", "math": "math"}
    if name in modules and name not in norm.versions:
        try:
            value = info.lookup(name)
        except (KeyError, AttributeError):
            value = None
        if getattr(value, "__name__", None) == modules[name]:
            return name
    return norm.namer.alias(name)  # (lowering may already have called rt helpers)
