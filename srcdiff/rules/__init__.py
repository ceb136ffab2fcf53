"""Derivative rules: the primitives srcdiff knows.  Importing this package
declares them; the declaration functions (see ``srcdiff/primitives.py``) are
the public API for adding rules::

    from srcdiff.rules import adjoint, d

    @adjoint(np.cumsum, result=FRESH)
    def cumsum(y, a):
        d[a] = np.flip(np.cumsum(np.flip(d[y])))
"""

from ..primitives import (ANY, EVALUATE, FRESH, adjoint, all_primitives, defer,  # noqa: F401
                          elementwise, known, lookup, nondiff, tangent, variants)
from ..template import d  # noqa: F401
from . import (fft_rules, linalg_rules, math_rules, numpy_elementwise,  # noqa: F401
               numpy_reductions, numpy_rules, numpy_shape, operators, products, runtime_rules)

# SciPy is optional: its rules are declared once the program imports scipy.special,
# scipy.stats, scipy.linalg or scipy.integrate (SciPy's own import would otherwise
# add a second to srcdiff's)
defer(("scipy.special", "scipy.stats"), "srcdiff.rules.scipy_rules")
defer(("scipy.linalg", "scipy.integrate"), "srcdiff.rules.scipy_linalg_rules")
