"""Derivative rules.  Importing this package fills the registry."""

from . import math_rules, numpy_rules, operators, registry  # noqa: F401
from .registry import (adjoint, all_rules, custom, lookup, nondiff, tangent,  # noqa: F401
                       tangent_custom)

from .. import runtime as _runtime  # noqa: E402

nondiff(_runtime.stop_gradient)

from . import runtime_rules, tangents  # noqa: E402,F401  (after the adjoints they extend)
