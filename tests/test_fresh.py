"""Derivatives never go stale: after a helper is defined again or monkeypatched,
``f.__code__`` is replaced, a closure variable is rebound or a module is
reloaded, both a derivative taken before the change and one taken after it
differentiate the code that ``f`` runs now.  Each case is checked against
finite differences of ``f`` as it is after the change (and autograd where
it can trace the function), in reverse mode, forward mode, the Hessian and
the second derivative (grad of the generated grad)."""

import importlib
import itertools
import linecache
import sys
import textwrap

import numpy as np
import pytest

import srcdiff
from oracle import fd_grad, oracle_grad

X = 0.7
XS = np.array([0.3, -0.8, 1.1])
_names = itertools.count()


@pytest.fixture
def module(tmp_path, monkeypatch):
    """``module(text)``: a module imported from a file with this text."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made = []

    def make(text):
        name = f"fresh_case_{next(_names)}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
        made.append(name)
        return importlib.import_module(name)
    yield make
    for name in made:
        sys.modules.pop(name, None)


def run_cell(mod, text):
    """Run ``text`` in ``mod``'s namespace as a notebook cell is run: compiled
    under a name of its own whose lines only linecache holds."""
    filename = f"<cell-{next(_names)}>"
    text = textwrap.dedent(text)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), mod.__dict__)


def hessian_fd(f, x, eps=1e-5):
    """Central differences of the finite-difference gradient."""
    return (fd_grad(f, (x + eps,)) - fd_grad(f, (x - eps,))) / (2 * eps)


class Derivatives:
    """The derivatives of ``f`` taken now, to be compared after a change."""

    def __init__(self, f):
        self.f = f
        self.grad = srcdiff.grad(f)
        self.jvp = srcdiff.jvp(f)
        self.hessian = srcdiff.hessian(f)
        self.second = srcdiff.derivative(f, order=2)   # grad of the generated grad

    def check(self, autograd=True):
        f = self.f
        expected = fd_grad(f, (X,))
        if autograd:
            np.testing.assert_allclose(oracle_grad(f, (X,)), expected, rtol=1e-6)
        for derivative in (self.grad, srcdiff.grad(f)):  # taken before, taken now
            np.testing.assert_allclose(derivative(X), expected, rtol=1e-6, atol=1e-9)
        for jvp in (self.jvp, srcdiff.jvp(f)):
            value, tangent = jvp(X, 1.0)
            assert value == pytest.approx(f(X), rel=1e-12)
            np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-9)
        for hessian in (self.hessian, srcdiff.hessian(f), self.second,
                        srcdiff.derivative(f, order=2)):
            np.testing.assert_allclose(hessian(X), hessian_fd(f, X), rtol=1e-4, atol=1e-6)


# --- a. a helper defined again (a notebook cell run again) ---------------------------


def test_helper_defined_again(module):
    m = module("""
        import numpy as np

        def helper(x):
            return np.sin(x) * x

        def f(x):
            return helper(x) + x ** 2
        """)
    before = Derivatives(m.f)
    before.check()
    run_cell(m, """
        def helper(x):
            return np.cos(x) ** 3
        """)
    before.check()
    np.testing.assert_allclose(before.grad(X), 2 * X - 3 * np.cos(X) ** 2 * np.sin(X))


def test_helper_of_a_helper_defined_again(module):
    """The stale part is two calls down: the helper's own derivative is made anew."""
    m = module("""
        import numpy as np

        def inner(x):
            return np.sin(x)

        def helper(x):
            return inner(x) * x

        def f(x):
            return helper(x) * 2.0
        """)
    before = Derivatives(m.f)
    run_cell(m, """
        def inner(x):
            return np.exp(x)
        """)
    before.check()


# --- b. a helper monkeypatched -------------------------------------------------------


@pytest.mark.parametrize("replacement", ["np.sin", "python function"])
def test_helper_monkeypatched(module, monkeypatch, replacement):
    m = module("""
        import numpy as np

        def helper(x):
            return x ** 3

        def other(x):
            return np.tanh(x) * x

        def f(x):
            return helper(x) * 2.0 + x
        """)
    before = Derivatives(m.f)
    before.check()
    monkeypatch.setattr(m, "helper", np.sin if replacement == "np.sin" else m.other)
    before.check()


def test_attribute_of_a_module_monkeypatched(module, monkeypatch):
    """``ops.helper(x)``: the callee is named by an attribute chain."""
    ops = module("""
        def helper(x):
            return x * x
        """)
    m = module(f"""
        import numpy as np
        import {ops.__name__} as ops

        def f(x):
            return ops.helper(x) + np.sin(x)
        """)
    before = Derivatives(m.f)
    monkeypatch.setattr(ops, "helper", np.exp)
    before.check()


def test_numpy_function_monkeypatched(monkeypatch):
    def f(x):
        return np.exp(x) * x
    before = Derivatives(f)
    # (not np.sin -> np.cos: the rule of cos writes np.sin, which would then be cos)
    monkeypatch.setattr(np, "exp", np.sinh)
    before.check(autograd=False)  # (autograd's numpy keeps its own exp)


# --- c. f.__code__ replaced ----------------------------------------------------------


def c_sine(x):
    return np.sin(x) * x


def c_cubic(x):
    return x ** 3 - np.exp(x)


def test_code_replaced(monkeypatch):
    before = Derivatives(c_sine)
    before.check()
    monkeypatch.setattr(c_sine, "__code__", c_cubic.__code__)
    before.check()
    np.testing.assert_allclose(before.grad(X), 3 * X ** 2 - np.exp(X))


def test_code_of_a_helper_replaced(monkeypatch):
    def f(x):
        return c_sine(x) + x
    before = Derivatives(f)
    monkeypatch.setattr(c_sine, "__code__", c_cubic.__code__)
    before.check()


# --- d. a closure variable rebound ---------------------------------------------------


def _closure(k, h):
    def f(x):
        return k * h(x) + x ** 2

    def rebind(new_k, new_h):
        nonlocal k, h
        k, h = new_k, new_h
    return f, rebind


def test_closure_value_rebound():
    f, rebind = _closure(2.0, np.sin)
    before = Derivatives(f)
    before.check()
    rebind(5.0, np.sin)
    before.check()
    np.testing.assert_allclose(before.grad(X), 5.0 * np.cos(X) + 2 * X)


def test_closure_callee_rebound():
    f, rebind = _closure(2.0, np.sin)
    before = Derivatives(f)
    rebind(2.0, np.tanh)
    before.check()


def test_closure_arrays_read_live():
    scale = np.array([1.0, 2.0, 3.0])

    def f(x):
        return np.sum(scale * np.sin(x))

    def rescale(new):
        nonlocal scale
        scale = new
    df = srcdiff.grad(f)
    np.testing.assert_allclose(df(XS), scale * np.cos(XS), rtol=1e-12)
    rescale(np.array([-1.0, 0.5, 4.0]))
    np.testing.assert_allclose(df(XS), scale * np.cos(XS), rtol=1e-12)
    np.testing.assert_allclose(df(XS * 2), scale * np.cos(XS * 2), rtol=1e-12)


def test_helpers_of_one_code_keep_their_own_closures():
    """Two helpers made by one factory share a code object, not their values."""
    def make(k):
        def g(x):
            return k * x * x
        return g
    g1, g3 = make(1.0), make(3.0)

    def f1(x):
        return g1(x)

    def f3(x):
        return g3(x)
    assert srcdiff.grad(f1)(2.0) == pytest.approx(4.0)
    assert srcdiff.grad(f3)(2.0) == pytest.approx(12.0)


def mutual_a(x, n):
    if n <= 0:
        return x
    return mutual_b(x * 1.5, n - 1)


def mutual_b(x, n):
    return mutual_a(np.sin(x), n)


def mutual(x):
    return mutual_a(x, 3)


def test_mutual_recursion():
    """Each helper reaches the other through a cell filled once both are made."""
    expected = fd_grad(mutual, (X,))
    np.testing.assert_allclose(oracle_grad(mutual, (X,)), expected, rtol=1e-6)
    np.testing.assert_allclose(srcdiff.grad(mutual)(X), expected, rtol=1e-6)
    np.testing.assert_allclose(srcdiff.jvp(mutual)(X, 1.0)[1], expected, rtol=1e-6)


# --- e. a module reloaded after its file was edited ----------------------------------


def test_module_reloaded(module, tmp_path):
    m = module("""
        import numpy as np

        def f(x):
            return np.sin(x) * x
        """)
    old_f = m.f
    before = srcdiff.grad(m.f)
    srcdiff.grad(m.f)(X)
    (tmp_path / f"{m.__name__}.py").write_text(textwrap.dedent("""
        import numpy as np

        # edited: f moved down and changed

        def f(x):
            return np.exp(x) * x ** 2 + np.cos(x)
        """))
    importlib.invalidate_caches()
    m = importlib.reload(m)
    Derivatives(m.f).check()
    # the function object taken before the reload still runs the old code
    np.testing.assert_allclose(before(X), fd_grad(old_f, (X,)), rtol=1e-6)


def test_module_reloaded_helper_edited(module, tmp_path):
    """A derivative of ``f`` taken before: ``f`` now calls the reloaded helper."""
    text = """
        import numpy as np

        def f(x):
            return helper(x) + x

        def helper(x):
            return {}
        """
    m = module(text.format("np.sin(x)"))
    before = Derivatives(m.f)
    (tmp_path / f"{m.__name__}.py").write_text(textwrap.dedent(text.format("np.tanh(x) * x")))
    importlib.invalidate_caches()
    m = importlib.reload(m)
    before.f = m.f
    before.check()


# --- the cache still hands out the same derivative ------------------------------------


def test_unchanged_function_keeps_its_derivative():
    assert srcdiff.grad(c_cubic) is srcdiff.grad(c_cubic)


def test_old_derivative_calls_the_new_one(module):
    """After a change, a derivative taken before gives the same numbers as one
    taken after (it hands its calls to it)."""
    m = module("""
        def helper(x):
            return x * x

        def f(x):
            return helper(x)
        """)
    before = srcdiff.grad(m.f)
    m.helper = lambda x: x * x * x
    assert before(2.0) == srcdiff.grad(m.f)(2.0) == pytest.approx(12.0)


# --- not a plain function --------------------------------------------------------------


async def coroutine_function(x):
    return x * x


async def async_generator(x):
    yield x * x


def generator_function(x):
    yield x * x


@pytest.mark.parametrize("fn,line", [
    (coroutine_function, coroutine_function.__code__.co_firstlineno),
    (async_generator, async_generator.__code__.co_firstlineno),
    (generator_function, generator_function.__code__.co_firstlineno + 1)],
    ids=["coroutine", "async generator", "generator"])
def test_not_a_plain_function(fn, line):
    for make in (srcdiff.grad, srcdiff.jvp, srcdiff.value_and_grad):
        with pytest.raises(srcdiff.UnsupportedSyntaxError) as info:
            make(fn)
        err = info.value
        assert err.function == fn.__name__
        assert err.filename == __file__ and err.lineno == line
        assert err.hint and "^" in str(err)
