"""Rule cases for reading fields of parameter structures (the rule
'attribute': ``p.w`` on a namedtuple, dataclass or object)."""

import collections

import numpy as np

from srcdiff import runtime as rt

from rules_support import R

Pair = collections.namedtuple("Pair", "w b")
_ZERO = Pair(np.zeros(3), 0.0)


def field_of_structure(x):
    # (rt.unfield puts x into a structure that depends on it: the case needs one)
    p = rt.unfield(x, _ZERO, "w")
    return np.sum(np.sin(p.w) * p.w) + p.b


CASES = {
    "attribute": [R(field_of_structure, np.array([0.3, -1.2, 2.0]))],
}
