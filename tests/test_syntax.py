"""The Python people write: comprehensions, generator expressions, ``del``,
``with np.errstate``, ``dict(a=...)``, ``*args`` / ``**kwargs``, loops over a
dict's items.  Each gradient is checked against autograd and finite
differences (``oracle.check_grad``); each refusal is located."""

import re

import numpy as np
import pytest

import srcdiff
from srcdiff import grad, jvp, value_and_grad

from oracle import check_grad, fd_grad, oracle_grad

X = np.array([0.7, -1.3, 2.1])
Y = np.array([1.5, 0.4, -0.8])


# --- comprehensions ------------------------------------------------------------


def power_series(x):
    return sum(x ** k / (k + 1) for k in range(4))


def power_list(x):
    return sum([x ** k for k in range(4)])


def power_series_sum(x):
    return np.sum(sum(x ** k / (k + 1) for k in range(4)))


def power_list_sum(x):
    return np.sum(sum([x ** k for k in range(4)]))


def power_list_np(x):
    return np.sum(np.stack([np.sin(x * k) for k in range(1, 4)]))


def nested_for_with_condition(x):
    return sum([x[i] * x[j] for i in range(len(x)) for j in range(len(x)) if i < j])


def nested_comprehension(x):
    rows = [[x[i] * x[j] for j in range(len(x)) if j != i] for i in range(len(x))]
    return sum(sum(r) for r in rows)


def over_zip_and_enumerate(x, y):
    pairs = [a * b for a, b in zip(x, y)]
    weighted = [i * v for i, v in enumerate(pairs)]
    return sum(weighted) + sum(pairs)


def over_a_list_argument(xs):
    return sum(np.sum(v ** 2) for v in xs)


def shadowing(x, xs):
    # the comprehension's x is its own
    return x * sum([x * 2.0 for x in xs])


def comprehension_in_branch(x):
    if np.sum(x) > 0:
        s = sum(v ** 2 for v in x)
    else:
        s = 0.0
    return s + (sum([v for v in x]) if x[0] > 0 else 1.0)


def comprehension_in_loop(x):
    total = 0.0
    for i in range(3):
        total = total + sum([np.sin(v * i) for v in x])
    return total


def comprehension_in_nested_def(x):
    def squares(v):
        return [t * t for t in v]
    return sum(squares(x))


def _helper_sum(v):
    return sum(t ** 3 for t in v)


def comprehension_in_helper(x):
    return _helper_sum(x) * 2.0


def dict_comprehension(x):
    names = ["a", "b", "c"]
    sq = {n: x[i] ** 2 for i, n in enumerate(names)}
    return sq["a"] + 2.0 * sq["b"] * sq["c"]


def dict_comprehension_repeated_keys(x):
    d = {i % 2: x[i] * (i + 1) for i in range(len(x))}   # x[2] overwrites x[0]
    return d[0] * d[1]


def set_of_constants(x):
    picks = {i % 2 for i in range(4)}
    return sum(x[i] for i in picks)


def list_of_generator(x):
    return np.sum(np.array(list(v * v for v in x)))


def any_and_all(x):
    if any(v > 2.0 for v in x) and all(v < 10.0 for v in x):
        return np.sum(x ** 2)
    return np.sum(x)


@pytest.mark.parametrize("fn,args", [
    (power_series, (1.7,)),
    (power_series_sum, (X,)),
    (power_list, (2.0,)),
    (power_list_sum, (X,)),
    (power_list_np, (X,)),
    (nested_for_with_condition, (X,)),
    (nested_comprehension, (X,)),
    (over_zip_and_enumerate, (X, Y)),
    (shadowing, (1.5, [0.5, 2.0])),
    (comprehension_in_branch, (X,)),
    (comprehension_in_branch, (-X,)),
    (comprehension_in_loop, (X,)),
    (comprehension_in_nested_def, (X,)),
    (comprehension_in_helper, (X,)),
    (dict_comprehension, (X,)),
    (dict_comprehension_repeated_keys, (X,)),
    (set_of_constants, (X,)),
    (list_of_generator, (X,)),
    (any_and_all, (X,)),
    (any_and_all, (Y,)),
], ids=lambda v: getattr(v, "__name__", None))
def test_comprehension_gradient(fn, args):
    check_grad(fn, *args)


def test_comprehension_gradient_several_arguments():
    check_grad(over_zip_and_enumerate, X, Y, wrt=(0, 1))
    check_grad(shadowing, 1.5, [0.5, 2.0], wrt=0)


def test_comprehension_over_a_list_of_arrays():
    xs = [X, Y[:2]]
    got = grad(over_a_list_argument)(xs)
    assert isinstance(got, list) and len(got) == 2
    for g, v in zip(got, xs):
        np.testing.assert_allclose(g, 2 * v)


def test_comprehension_reads_like_a_loop():
    text = srcdiff.source(power_series)
    assert "elements = []" in text
    assert "for k in t1:" in text or "for k in range(4):" in text
    assert "elements.append(x ** k / (k + 1))" in text
    assert "y = sum(elements)" in text


def test_comprehension_value_and_forward_mode():
    value, g = value_and_grad(power_series)(1.7)
    assert value == pytest.approx(power_series(1.7))
    assert g == pytest.approx(oracle_grad(power_series, (1.7,)))
    v, t = jvp(nested_comprehension)(X, Y)
    assert v == pytest.approx(nested_comprehension(X))
    assert t == pytest.approx(float(np.dot(grad(nested_comprehension)(X), Y)))


def test_comprehension_second_derivative():
    d2 = srcdiff.derivative(power_series, order=2)(1.7)
    expected = sum(k * (k - 1) * 1.7 ** (k - 2) / (k + 1) for k in range(2, 4))
    assert d2 == pytest.approx(expected)


# --- loops over a dict's items ------------------------------------------------------


def loop_over_items(p):
    total = 0.0
    for name, value in p.items():
        total = total + np.sum(value ** 2) * len(name)
    return total


def loop_over_values_and_keys(p):
    s = 0.0
    for v in p.values():
        s = s + np.sum(np.sin(v))
    for k in p.keys():
        s = s + np.sum(p[k]) * 2.0
    return s


def dict_comprehension_loss(p):
    squares = {name: np.sum(value ** 2) for name, value in p.items()}
    return squares["w"] + 3.0 * squares["b"]


@pytest.mark.parametrize("fn", [loop_over_items, loop_over_values_and_keys,
                                dict_comprehension_loss])
def test_dict_items(fn):
    p = {"w": X.copy(), "b": 0.3}
    got = grad(fn)(p)
    assert isinstance(got, dict) and list(got) == ["w", "b"]
    for key in p:
        def part(v, key=key):
            return fn({**p, key: v})
        np.testing.assert_allclose(got[key], oracle_grad(part, (p[key],)), rtol=1e-10)
        np.testing.assert_allclose(got[key], fd_grad(part, (p[key],)), rtol=1e-5)


def keys_of_a_differentiated_dict(p):
    return sum(np.sum(p[k] ** 2) for k in p)  # <-


def test_keys_of_a_differentiated_dict_are_refused():
    with pytest.raises(srcdiff.NoRuleError, match=r"\.items\(\)"):
        grad(keys_of_a_differentiated_dict)({"w": X})


def test_loop_over_items_of_something_else_is_refused():
    with pytest.raises(TypeError, match="dicts"):
        grad(loop_over_items)([("w", X)])


# --- del, with, dict(...) -------------------------------------------------------


def uses_del(x):
    y = np.sin(x)
    z = y * x
    del y
    return np.sum(z)


def uses_errstate(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(x > 0, np.log(np.abs(x)), 0.0)
        if np.sum(y) > 0:
            return np.sum(y * x)
    return np.sum(y)


def uses_dict_call(x, s):
    d = dict(a=x, b=s)
    e = dict()
    e["n"] = 2.0
    return np.sum(d["a"] * d["b"]) * e["n"]


@pytest.mark.parametrize("fn,args", [(uses_del, (X,)), (uses_errstate, (X,)),
                                     (uses_errstate, (-X,)), (uses_dict_call, (X, 1.5))],
                         ids=lambda v: getattr(v, "__name__", None))
def test_statements(fn, args):
    check_grad(fn, *args, wrt=tuple(range(len(args))) if len(args) > 1 else 0)


def test_errstate_is_inlined():
    text = srcdiff.source(uses_errstate)
    assert "np.errstate" not in text


def overwrites_a_dict_entry(x):
    d = {"a": x, "b": 1.5}
    d["a"] = x ** 3
    return d["a"] * d["b"]


def test_overwriting_a_dict_entry():
    # (the overwritten entry's adjoint was taken as zero: a wrong gradient)
    check_grad(overwrites_a_dict_entry, 0.7)
    assert srcdiff.derivative(overwrites_a_dict_entry, order=2)(0.7) == pytest.approx(
        6 * 0.7 * 1.5)


# --- *args and **kwargs -----------------------------------------------------------


def star_args(*xs):
    return sum(v ** 2 * (i + 1) for i, v in enumerate(xs))


def star_both(x, *ws, scale=1.0, **kw):
    return scale * np.sum(x * ws[0]) + kw["b"] ** 2 * np.sum(ws[1])


def test_star_args_by_index():
    assert grad(star_args)(1.0, 2.0, 3.0) == pytest.approx(2.0)
    assert grad(star_args, wrt=(0, 2))(1.0, 2.0, 3.0) == pytest.approx((2.0, 18.0))
    whole = grad(star_args, wrt="xs")(1.0, 2.0, 3.0)
    assert isinstance(whole, tuple) and whole == pytest.approx((2.0, 8.0, 18.0))


def test_star_args_and_kwargs():
    w0, w1 = 2 * X, 3 * Y
    dx, dw0, db, dscale, dkw = grad(star_both, wrt=(0, 1, "b", "scale", "kw"))(
        X, w0, w1, b=0.5, scale=2.0)
    np.testing.assert_allclose(dx, 2.0 * w0)
    np.testing.assert_allclose(dw0, 2.0 * X)
    assert db == pytest.approx(2 * 0.5 * np.sum(w1))
    assert dscale == pytest.approx(np.sum(X * w0))
    assert isinstance(dkw, dict) and dkw["b"] == pytest.approx(db)

    def fixed(x, w0, w1, b, scale):
        return star_both(x, w0, w1, b=b, scale=scale)
    expected = oracle_grad(fixed, (X, w0, w1, 0.5, 2.0), (0, 1, 2, 3, 4))
    got = grad(star_both, wrt=(0, 1, 2, "b", "scale"))(X, w0, w1, b=0.5, scale=2.0)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12)
    value, g = value_and_grad(star_both, wrt="b")(X, w0, w1, b=0.5)
    assert value == pytest.approx(star_both(X, w0, w1, b=0.5))
    assert g == pytest.approx(db)


def test_star_args_wrt_errors():
    with pytest.raises(srcdiff.WrtError, match="no such argument"):
        grad(star_args, wrt=3)(1.0, 2.0)
    with pytest.raises(srcdiff.WrtError, match="no such argument"):
        grad(star_both, wrt="c")(X, X, X, b=1.0)
    with pytest.raises(srcdiff.WrtError, match="grad and value_and_grad"):
        jvp(star_args, wrt=1)
    with pytest.raises(srcdiff.WrtError, match="names no argument"):
        grad(star_args, wrt="q")


def test_generated_code_does_not_depend_on_the_hash_seed():
    import subprocess
    import sys
    code = ("import sys; sys.path.insert(0, %r); import srcdiff, test_syntax as t; "
            "print(srcdiff.source(t.dict_comprehension) + srcdiff.source(t.loop_over_items)"
            " + srcdiff.source(t.set_of_constants) + srcdiff.source(t.star_both))"
            % __import__("os").path.dirname(__file__))
    texts = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
                            check=True).stdout for seed in ("0", "1")}
    assert len(texts) == 1


# --- refusals ---------------------------------------------------------------------


def generator_to_numpy(x):
    return np.sum(np.array(v for v in x))  # <-


def generator_kept(x):
    g = (v * v for v in x)  # <-
    return sum(g)


def set_of_active_values(x):
    s = {v * 2.0 for v in x}  # <-
    return sum(s)


def other_manager(x):
    with open("/dev/null"):  # <-
        y = x * 2.0
    return y


def errstate_raise(x):
    with np.errstate(all="raise"):  # <-
        y = np.log(x)
    return np.sum(y)


def del_element(x):
    v = [x, x * 2.0]
    del v[0]  # <-
    return v[0]


def nested_def_star(x):
    def inner(*vs):  # <-
        return vs[0]
    return inner(x)


@pytest.mark.parametrize("fn,cls", [
    (generator_to_numpy, srcdiff.UnsupportedSyntaxError),
    (generator_kept, srcdiff.UnsupportedSyntaxError),
    (set_of_active_values, srcdiff.NoRuleError),
    (other_manager, srcdiff.UnsupportedSyntaxError),
    (errstate_raise, srcdiff.UnsupportedSyntaxError),
    (del_element, srcdiff.UnsupportedSyntaxError),
    (nested_def_star, srcdiff.UnsupportedSyntaxError),
], ids=lambda v: getattr(v, "__name__", None))
def test_refusals_are_located(fn, cls):
    with pytest.raises(cls) as info:
        grad(fn)(X)
    err = info.value
    import inspect
    lines, first = inspect.getsourcelines(fn)
    marked = first + next(i for i, line in enumerate(lines) if "# <-" in line)
    assert err.lineno == marked, str(err)
    assert err.function == fn.__name__
    assert err.filename == __file__
    assert re.search(r"^\s*\^\s*$", str(err), re.M)
    assert err.hint or cls is srcdiff.NoRuleError


# --- new keys written into a dict (the save of the old entry records that it was absent)


def dict_new_keys_in_loop(x):
    d = {"a": x}
    for i in range(3):
        d["b" + str(i)] = x * (i + 1.0)
    return np.sum(d["a"] * d["b2"]) + np.sum(d["b0"])


def dict_new_key_in_branch(x):
    d = {}
    d["a"] = x * 2.0
    if np.sum(x) > 0:
        d["c"] = np.sin(x)
    else:
        d["c"] = x
    return np.sum(d["a"] * d["c"])


def dict_key_written_twice(x):
    d = {}
    for k in range(2):
        d["s"] = x * k
        d["s"] = d["s"] + x
    return np.sum(d["s"] ** 2)


@pytest.mark.parametrize("fn", [dict_new_keys_in_loop, dict_new_key_in_branch,
                                dict_key_written_twice])
@pytest.mark.parametrize("x", [X, -X, 0.7])
def test_new_keys_written_into_a_dict(fn, x):
    check_grad(fn, x)
    value, g = value_and_grad(fn)(x)
    assert np.allclose(value, fn(x))
