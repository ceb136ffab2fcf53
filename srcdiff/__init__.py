"""srcdiff: automatic differentiation of Python and NumPy by source transformation.

``grad(f)`` reads ``f``'s source and generates a new Python function that runs
the forward computation and then applies the chain rule backwards.  The
derivative is ordinary code: print it, read it, step through it.
"""

from .api import cache_info, clear_cache, grad, source, value_and_grad
from .errors import (CotangentError, LazyValueError, NonScalarOutputError, NoRuleError,
                     OrderError, OutputError, SourceError, SrcdiffError, SrcdiffWarning,
                     UnsupportedSyntaxError, WrtError)
from .higher import derivative, hessian, hvp, jacobian, jvp, taylor
from .linear_maps import linearize, vjp
from .runtime import stop_gradient

__all__ = ["grad", "value_and_grad", "vjp", "linearize", "jvp", "jacobian", "hessian", "hvp",
           "derivative", "taylor", "source", "stop_gradient", "clear_cache", "cache_info",
           "SrcdiffError", "UnsupportedSyntaxError", "NoRuleError", "WrtError",
           "NonScalarOutputError", "SourceError", "OrderError", "OutputError", "LazyValueError",
           "CotangentError", "SrcdiffWarning"]
__version__ = "0.1.0"
