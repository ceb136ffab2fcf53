"""Every NumPy and SciPy function autograd differentiates has a srcdiff rule,
or is declared on purpose without one (listed here with the reason).  The list
is autograd's own registry of derivative rules (``autograd.core.primitive_vjps``:
each entry wraps the NumPy or SciPy function as ``.fun``)."""

import importlib

import numpy as np
import pytest

from srcdiff import primitives

autograd = pytest.importorskip("autograd")
pytest.importorskip("scipy")

MODULES = ["autograd.numpy", "autograd.numpy.linalg", "autograd.numpy.fft",
           "autograd.scipy.special", "autograd.scipy.signal", "autograd.scipy.integrate",
           "autograd.scipy.linalg", "autograd.scipy.stats", "autograd.scipy.stats.norm",
           "autograd.scipy.stats.t", "autograd.scipy.stats.beta", "autograd.scipy.stats.gamma",
           "autograd.scipy.stats.poisson", "autograd.scipy.stats.dirichlet",
           "autograd.scipy.stats.multivariate_normal", "autograd.scipy.stats.chi2"]

# complex-valued results: srcdiff's derivatives are real (refused with this reason)
COMPLEX = {"fft", "fft2", "fftn", "ifft", "ifft2", "ifftn", "rfft", "rfft2", "rfftn"}
# of a real argument, piecewise constant: declared with derivative 0
CONSTANT = {"angle", "imag", "gammasgn"}


def autograd_functions():
    for m in MODULES:
        importlib.import_module(m)
    for module in ("scipy.special", "scipy.stats", "scipy.linalg", "scipy.integrate"):
        importlib.import_module(module)  # (declares srcdiff's SciPy rules)
    from autograd.core import primitive_vjps
    for wrapped in primitive_vjps:
        fun = getattr(wrapped, "fun", None)
        module = getattr(fun, "__module__", None) or ""
        if module.startswith(("numpy", "scipy")) or isinstance(fun, np.ufunc):
            yield fun


def test_every_function_autograd_differentiates_has_a_rule():
    functions = list(autograd_functions())
    assert len(functions) > 150
    missing = []
    for fun in functions:
        p = primitives.lookup(fun)
        differentiated = p is not None and (p.adjoint is not None or p.variants is not None
                                            or p.linear)
        if differentiated:
            continue
        name = fun.__name__
        if name in COMPLEX:
            assert p is not None and "complex" in (p.why or ""), name
        elif name in CONSTANT:
            assert p is not None and p.nondiff, name
        else:
            missing.append(f"{getattr(fun, '__module__', '')}.{name}")
    assert not missing, missing
