"""Public entry points of reverse mode: option checking, then ``derivatives``."""

from . import derivatives

MODES = ("grad", "value_and_grad")


def grad(f=None, wrt=0, has_aux=False):
    """The gradient of ``f``'s scalar output with respect to ``wrt``.

    ``wrt`` is an argument index, a parameter name, or a tuple of them (a tuple
    gives a tuple of gradients in that order).  Use as ``grad(f)``, ``@grad`` or
    ``@grad(wrt=("w", "b"))``.  The result is a generated Python function taking
    ``f``'s arguments; ``inspect.getsource`` shows its code.  With ``has_aux``,
    ``f`` returns ``(loss, aux)`` and the result ``(gradient, aux)`` (as in JAX).
    """
    if f is None:
        return lambda g: grad(g, wrt=wrt, has_aux=has_aux)
    return derivatives.derivative(f, wrt, "grad+aux" if has_aux else "grad")[0]


def value_and_grad(f=None, wrt=0, has_aux=False):
    """Like ``grad``, but the function returns ``(value, gradient)`` from one
    sweep (with ``has_aux``: ``((value, aux), gradient)``)."""
    if f is None:
        return lambda g: value_and_grad(g, wrt=wrt, has_aux=has_aux)
    return derivatives.derivative(f, wrt, "value_and_grad+aux" if has_aux
                                  else "value_and_grad")[0]


def source(f, wrt=0, mode="grad"):
    """The generated derivative source of ``f``, helper functions first.

    ``mode`` is ``'grad'``, ``'value_and_grad'``, ``'vjp'`` (the forward sweep,
    returning the adjoint sweep as a function: ``srcdiff.vjp``), ``'jvp'``
    (forward mode), ``'linearize'`` (the primal, returning the tangent
    statements as a function: ``srcdiff.linearize``) or ``'taylor<n>'``
    (Taylor mode to order ``n``: ``srcdiff.taylor``)."""
    if mode not in MODES + ("vjp", "jvp", "linearize") and not _taylor_mode(mode):
        raise ValueError(f"mode must be one of {MODES + ('vjp', 'jvp', 'linearize', 'taylor<n>')}")
    return derivatives.source(f, wrt, "pullback" if mode == "vjp" else mode)


def clear_cache():
    """Forget every transformation (the next ``grad(f)`` transforms again)."""
    derivatives.clear()


def cache_info():
    """Sizes of the caches and how often ``grad(f)`` found a cached result."""
    return derivatives.info()


def _taylor_mode(mode):
    return isinstance(mode, str) and mode.startswith("taylor") \
        and mode[len("taylor"):].isdigit() and int(mode[len("taylor"):]) >= 1
