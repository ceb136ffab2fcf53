"""The recurrences Taylor rules are written with (``primitives.series``).

A series ``s`` has the normalized coefficients ``s[0] .. s[n]`` (``s[k]`` is
the k-th derivative over ``k!``); the functions give the k-th coefficient of a
product, or of ``y`` where ``y' = w x'``, from lower ones.  They work on the
``Expr`` of generated code (``taylor.py``) as on numbers, so the rules read as
the maths (Griewank and Walther, *Evaluating Derivatives*, ch. 13)."""


def product(a, b, k):
    """The k-th coefficient of ``a * b``: ``sum_j a[j] b[k-j]`` (a square by
    its symmetry: ``2 a[j] a[k-j]`` over half the terms)."""
    if a.name == b.name and a.name is not None:
        half = sum((a[j] * a[k - j] for j in range((k + 1) // 2)), 0)
        middle = a[k // 2] * a[k // 2] if k % 2 == 0 else 0
        return 2 * half + middle
    return sum((a[j] * b[k - j] for j in range(k + 1)), 0)


def chain(x, w, k):
    """The k-th coefficient of ``y`` where ``y' = w x'``:
    ``sum_{j=1..k} j x[j] w[k-j] / k`` (needs ``w`` up to ``k - 1``)."""
    return sum((j * x[j] * w[k - j] for j in range(1, k + 1)), 0) / k


def quotient(x, w, y, k, sign=1):
    """The k-th coefficient of ``y`` where ``w y' = sign x'`` (``y = log x``
    has ``w = x``): ``(sign x[k] - sum_{j=1..k-1} (k-j) w[j] y[k-j] / k) / w[0]``."""
    return (sign * x[k] - sum(((k - j) * w[j] * y[k - j] for j in range(1, k)), 0) / k) / w[0]


def power(x, y, p, k):
    """The k-th coefficient of ``y = x ** p`` (``x y' = p y x'``), for
    ``x[0] != 0``: ``sum_{j=1..k} ((p + 1) j - k) x[j] y[k-j] / (k x[0])``."""
    return sum((((p + 1) * j - k) * x[j] * y[k - j] for j in range(1, k + 1)), 0) \
        / (k * x[0])


def root(x, y, k):
    """The k-th coefficient of ``y = sqrt(x)`` (``y * y = x``)."""
    return (x[k] - sum((y[j] * y[k - j] for j in range(1, k)), 0)) / (2 * y[0])
