"""What a rule case is (shared by tests/test_rules.py and tests/cases/)."""


class R:
    """An inline rule case: ``R(fn, *args, wrt=0, fd=True, expected=None, eps=1e-6)``
    (``expected(*args)``: the gradient, where autograd has no rule; ``eps``: the
    finite-difference step, cross-checked at ``10 * eps``)."""

    def __init__(self, fn, *args, wrt=0, fd=True, expected=None, eps=1e-6):
        self.fn = fn
        self.args = args
        self.wrt = wrt
        self.fd = fd
        self.eps = eps
        self.expected = expected
        self.label = getattr(fn, "__name__", "fn")
