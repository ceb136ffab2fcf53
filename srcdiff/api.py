"""Public entry points of reverse mode: option checking, then ``derivatives``."""

from . import derivatives

MODES = ("grad", "value_and_grad")


def grad(f=None, wrt=0):
    """The gradient of ``f``'s scalar output with respect to ``wrt``.

    ``wrt`` is an argument index, a parameter name, or a tuple of them (a tuple
    gives a tuple of gradients in that order).  Use as ``grad(f)``, ``@grad`` or
    ``@grad(wrt=("w", "b"))``.  The result is a generated Python function taking
    ``f``'s arguments; ``inspect.getsource`` shows its code.
    """
    if f is None:
        return lambda g: grad(g, wrt=wrt)
    return derivatives.derivative(f, wrt, "grad")[0]


def value_and_grad(f=None, wrt=0):
    """Like ``grad``, but the function returns ``(value, gradient)`` from one sweep."""
    if f is None:
        return lambda g: value_and_grad(g, wrt=wrt)
    return derivatives.derivative(f, wrt, "value_and_grad")[0]


def source(f, wrt=0, mode="grad"):
    """The generated derivative source of ``f``, helper functions first.

    ``mode`` is ``'grad'``, ``'value_and_grad'`` or ``'jvp'`` (forward mode)."""
    if mode not in MODES + ("jvp",):
        raise ValueError(f"mode must be one of {MODES}")
    return derivatives.source(f, wrt, mode)


def clear_cache():
    """Forget every transformation (the next ``grad(f)`` transforms again)."""
    derivatives.clear()


def cache_info():
    """Sizes of the caches and how often ``grad(f)`` found a cached result."""
    return derivatives.info()
