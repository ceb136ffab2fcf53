"""What a rule case is (shared by tests/test_rules.py and tests/cases/)."""


class R:
    """An inline rule case: ``R(fn, *args, wrt=0, fd=True, expected=None)``
    (``expected(*args)``: the gradient, where autograd has no rule)."""

    def __init__(self, fn, *args, wrt=0, fd=True, expected=None):
        self.fn = fn
        self.args = args
        self.wrt = wrt
        self.fd = fd
        self.expected = expected
        self.label = getattr(fn, "__name__", "fn")
