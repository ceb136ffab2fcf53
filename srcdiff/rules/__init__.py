"""Derivative rules: the primitives srcdiff knows.  Importing this package
declares them; the declaration functions (see ``srcdiff/primitives.py``) are
the public API for adding rules::

    from srcdiff.rules import adjoint, d

    @adjoint(np.cumsum, result=FRESH)
    def cumsum(y, a):
        d[a] = np.flip(np.cumsum(np.flip(d[y])))
"""

from ..primitives import (ANY, EVALUATE, FRESH, adjoint, all_primitives, elementwise,  # noqa: F401
                          known, lookup, nondiff, tangent, variants)
from ..template import d  # noqa: F401
from . import (math_rules, numpy_elementwise, numpy_reductions, numpy_rules,  # noqa: F401
               numpy_shape, operators, runtime_rules)
