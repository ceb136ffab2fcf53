"""``srcdiff.vjp`` and ``srcdiff.linearize``.

References: autograd's ``make_vjp`` on the twin of ``tests/oracle.py`` (the
same code run on autograd's NumPy), ``srcdiff.grad`` of the cotangent-weighted
output, central finite differences, and ``srcdiff.jvp`` / autograd's forward
differences for ``linearize``.  The pullback is called several times with
several cotangents: each call must give what a fresh gradient gives.
"""

import gc
import math
import os
import subprocess
import sys
import weakref

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import srcdiff
from srcdiff import CotangentError, SrcdiffError
from srcdiff.linearize import NotLinearizable

from oracle import twin

RNG = np.random.default_rng(16)


# ---------------------------------------------------------------------------
# functions: outputs of every kind, loops, branches, while loops, in-place writes
# ---------------------------------------------------------------------------


def scalar_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.sin(x) * x ** i)
    return s


def array_branch(x):
    y = np.tanh(x) * 2.0
    if np.sum(x) > 0:
        y = y * x
    else:
        y = y - np.exp(x)
    return y


def array_while(x):
    y = x * 1.0
    k = 0
    while k < 3:
        y = np.sin(y) + 0.5 * x
        k = k + 1
    return y


def in_place_loop(x, n):
    y = np.zeros(4)
    s = x
    for i in range(n):
        s = np.sin(s) * x
        y[i % 4] = s[0] * 2.0 + s[1]
    if s[1] > 0:
        y = y * s[1]
    return y


def in_place_loop_functional(x, n):
    """``in_place_loop`` without writes into an array (autograd cannot follow them)."""
    y = np.zeros(4)
    s = x
    for i in range(n):
        s = np.sin(s) * x
        y = y * (1.0 - np.eye(4)[i % 4]) + np.eye(4)[i % 4] * (s[0] * 2.0 + s[1])
    if s[1] > 0:
        y = y * s[1]
    return y


def in_place_read_after(x):
    y = np.ones(3)
    z = np.sum(y * x)           # the adjoint reads y's old elements
    y[1] = x[0] * x[2]
    w = y * x
    return np.concatenate([w, [z]])


def in_place_read_after_functional(x):
    y = np.ones(3)
    z = np.sum(y * x)
    y = y * np.array([1.0, 0.0, 1.0]) + np.array([0.0, 1.0, 0.0]) * (x[0] * x[2])
    w = y * x
    return np.concatenate([w, np.array([z])])


def view_then_write(x):
    y = np.ones(4) * x[3]
    v = y[1:3]                  # a view: the adjoint of z reads y's old elements
    z = np.sum(v * x[:2])
    for i in range(2):
        y[i + 1] = x[i] * 3.0 + z
    return y * x


def view_then_write_functional(x):
    y = np.ones(4) * x[3]
    z = np.sum(y[1:3] * x[:2])
    for i in range(2):
        e = np.eye(4)[i + 1]
        y = y * (1.0 - e) + e * (x[i] * 3.0 + z)
    return y * x


ORACLE = {}   # f -> the same function for autograd, where f writes into an array


def tuple_out(x, w):
    a = np.sin(x) * w
    b = np.sum(x ** 2) * w[0]
    return a, b


def dict_out(x):
    h = np.cos(x)
    out = {"first": h * x, "total": np.sum(h)}
    return out


def list_appends(x, n):
    rows = []
    h = x
    for i in range(n):
        h = np.tanh(h * 1.5 + 0.1)
        rows.append(h)
    return np.stack(rows)


def matrix_out(w, x):
    return np.tanh(w @ x)


def numbers(x, y):
    a = math.sin(x) * y
    if x > 0:
        a = a + math.log(x) * y
    return a, x ** 2 * math.exp(y)


def _cotangent(out):
    if isinstance(out, dict):
        return {k: _cotangent(v) for k, v in out.items()}
    if isinstance(out, (tuple, list)):
        return type(out)(_cotangent(v) for v in out)
    if np.ndim(out):
        return RNG.standard_normal(np.shape(out))
    return float(RNG.standard_normal())


def _inner(out, c):
    if isinstance(c, dict):
        return sum(_inner(out[k], c[k]) for k in c)
    if isinstance(c, (tuple, list)):
        return sum(_inner(o, v) for o, v in zip(out, c))
    return anp.sum(out * c)


def _close(a, b):
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b)
        for u, v in zip(a, b):
            _close(u, v)
        return
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=1e-9, atol=1e-12)


CASES = [
    (scalar_loop, lambda: (RNG.standard_normal(5), 3), 0),
    (array_branch, lambda: (RNG.standard_normal(4) + 1.0,), 0),
    (array_branch, lambda: (RNG.standard_normal(4) - 1.0,), 0),
    (array_while, lambda: (RNG.standard_normal((2, 3)),), 0),
    (in_place_loop, lambda: (RNG.standard_normal(4), 6), 0),
    (in_place_loop, lambda: (RNG.standard_normal(4), 3), 0),
    (in_place_read_after, lambda: (RNG.standard_normal(3),), 0),
    (view_then_write, lambda: (RNG.standard_normal(4),), 0),
    (tuple_out, lambda: (RNG.standard_normal(3), RNG.standard_normal(3)), 0),
    (tuple_out, lambda: (RNG.standard_normal(3), RNG.standard_normal(3)), (0, 1)),
    (dict_out, lambda: (RNG.standard_normal(5),), 0),
    (list_appends, lambda: (RNG.standard_normal(3), 4), 0),
    (matrix_out, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))), 0),
    (numbers, lambda: (float(RNG.random() + 0.1), float(RNG.standard_normal())), (0, 1)),
    (numbers, lambda: (-float(RNG.random() + 0.1), float(RNG.standard_normal())), 0),
    (matrix_out, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal(4)), 1),
]
ORACLE.update({in_place_loop: in_place_loop_functional,
               in_place_read_after: in_place_read_after_functional,
               view_then_write: view_then_write_functional})
IDS = [f"{f.__name__}-{i}" for i, (f, _, _) in enumerate(CASES)]


def _autograd_vjp(f, args, wrt, cotangent):
    f = ORACLE.get(f, f)
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    grads = []
    for i in indices:
        if isinstance(cotangent, (tuple, list, dict)):
            # (autograd's make_vjp follows only an array or number out: the
            # gradient of <cotangent, out> is the same product)
            def weighted(*a, f=twin(f)):
                return _inner(f(*a), cotangent)
            grads.append(autograd.grad(weighted, i)(*args))
        else:
            back, out = autograd.make_vjp(twin(f), i)(*args)
            grads.append(back(cotangent))
    return tuple(grads) if isinstance(wrt, tuple) else grads[0]


@pytest.mark.parametrize("f, make_args, wrt", CASES, ids=IDS)
def test_against_make_vjp_three_calls(f, make_args, wrt):
    args = make_args()
    out, back = srcdiff.vjp(f, wrt=wrt)(*args)
    _close(out if not isinstance(out, dict) else list(out.values()),
           f(*args) if not isinstance(out, dict) else list(f(*args).values()))
    for _ in range(3):   # the same pullback, three cotangents
        cotangent = _cotangent(out)
        _close(back(cotangent), _autograd_vjp(f, args, wrt, cotangent))


@pytest.mark.parametrize("f, make_args, wrt", CASES, ids=IDS)
def test_three_calls_equal_three_fresh_gradients(f, make_args, wrt):
    """The pullback called three times == three fresh vjps (a new forward sweep each)."""
    args = make_args()
    out, back = srcdiff.vjp(f, wrt=wrt)(*args)
    cotangents = [_cotangent(out) for _ in range(3)]
    replayed = [back(c) for c in cotangents]
    for c, r in zip(cotangents, replayed):
        fresh = srcdiff.vjp(f, wrt=wrt)(*args)[1](c)
        _close(r, fresh)
    _close(back(cotangents[0]), replayed[0])   # and once more, in another order


def test_scalar_output_against_grad_and_finite_differences():
    x = RNG.standard_normal(5)
    out, back = srcdiff.vjp(scalar_loop)(x, 4)
    assert out == pytest.approx(scalar_loop(x, 4), rel=1e-12)
    _close(back(1.0), srcdiff.grad(scalar_loop)(x, 4))
    _close(back(2.5), 2.5 * srcdiff.grad(scalar_loop)(x, 4))
    eps = 1e-6
    fd = np.array([(scalar_loop(x + eps * e, 4) - scalar_loop(x - eps * e, 4)) / (2 * eps)
                   for e in np.eye(5)])
    np.testing.assert_allclose(back(1.0), fd, rtol=1e-6, atol=1e-8)


def _weighted(x, n, c):
    return np.sum(in_place_loop(x, n) * c)


def test_in_place_writes_against_grad_of_weighted_output():
    x = RNG.standard_normal(4)
    out, back = srcdiff.vjp(in_place_loop)(x, 7)
    kept = out.copy()
    for _ in range(3):
        c = RNG.standard_normal(4)
        _close(back(c), srcdiff.grad(_weighted)(x, 7, c))
        np.testing.assert_array_equal(out, kept)   # the output is as f returned it


def test_cotangent_not_changed():
    x = RNG.standard_normal(4)
    out, back = srcdiff.vjp(array_while)(x)
    c = RNG.standard_normal(4)
    c0 = c.copy()
    back(c)
    back(c)
    np.testing.assert_array_equal(c, c0)


def identity(x):
    return x


def parameters(p):
    return p["w"], p["b"] * 2.0


def test_gradient_never_shares_the_cotangent():
    """``f(x) = x`` passes the cotangent through: the gradient is a copy, so
    writing into it leaves the caller's cotangent (and the next call) alone."""
    x = RNG.standard_normal(3)
    out, back = srcdiff.vjp(identity)(x)
    c = RNG.standard_normal(3)
    c0 = c.copy()
    g = back(c)
    g *= 10.0
    np.testing.assert_array_equal(c, c0)
    _close(back(c), c0)
    out, back = srcdiff.vjp(parameters)({"w": x, "b": x + 1.0})
    c = (RNG.standard_normal(3), RNG.standard_normal(3))
    g = back(c)
    _close([g["w"], g["b"]], [c[0], 2.0 * c[1]])
    assert not np.shares_memory(g["w"], c[0])


def test_wrt_names_and_keywords():
    x, w = RNG.standard_normal(3), RNG.standard_normal(3)
    out, back = srcdiff.vjp(tuple_out, wrt=("w", "x"))(x, w=w)
    c = _cotangent(out)
    gw, gx = back(c)
    _close((gw, gx), (_autograd_vjp(tuple_out, (x, w), 1, c),
                      _autograd_vjp(tuple_out, (x, w), 0, c)))


def test_decorator_form():
    @srcdiff.vjp
    def f(x):
        return np.sin(x) * x
    x = RNG.standard_normal(3)
    out, back = f(x)
    c = RNG.standard_normal(3)
    _close(back(c), c * (np.cos(x) * x + np.sin(x)))


# ---------------------------------------------------------------------------
# refusals
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("f, args, bad, words", [
    (array_branch, (np.ones(4),), np.ones(3), ["shape (3,)", "shape (4,)"]),
    (array_branch, (np.ones(4),), 1.0, ["shape ()", "shape (4,)"]),
    (array_branch, (np.ones(4),), (np.ones(4),), ["must be an array of shape (4,)", "tuple"]),
    (tuple_out, (np.ones(3), np.ones(3)), (np.ones(3),), ["tuple or list of 2"]),
    (tuple_out, (np.ones(3), np.ones(3)), (np.ones(3), np.ones(2)), ["at [1]", "shape (2,)"]),
    (dict_out, (np.ones(5),), {"first": np.ones(5)}, ["dict with the keys"]),
    (dict_out, (np.ones(5),), {"first": np.ones(5), "total": np.ones(5)},
     ["at ['total']", "shape (5,)"]),
    (scalar_loop, (np.ones(2), 2), np.ones(2), ["shape (2,)", "output has shape ()"]),
])
def test_wrong_cotangent_refused(f, args, bad, words):
    out, back = srcdiff.vjp(f)(*args)
    with pytest.raises(CotangentError) as info:
        back(bad)
    text = str(info.value)
    assert isinstance(info.value, SrcdiffError)
    assert f"in {f.__name__}()" in text and "hint:" in text
    # located at the function's return, with the source line and a caret
    import inspect
    lines, first = inspect.getsourcelines(f)
    back_line = first + max(i for i, line in enumerate(lines) if "return" in line)
    assert info.value.lineno == back_line and info.value.filename == __file__
    assert "return" in text.splitlines()[1] and text.splitlines()[2].strip() == "^"
    for w in words:
        assert w in text
    back(_cotangent(out))   # still usable after a refusal


# ---------------------------------------------------------------------------
# memory: what the forward sweep saved goes with the pullback
# ---------------------------------------------------------------------------


def saving_loop(x, n):
    h = x
    for i in range(n):
        h = np.sin(h) * x
    return h


def test_saved_values_released_when_pullback_dropped():
    x = RNG.standard_normal(50)
    out, back = srcdiff.vjp(saving_loop)(x, 5)
    cells = [c.cell_contents for c in back.function.__closure__]
    stacks = [v for t in cells if isinstance(t, tuple) for v in t if isinstance(v, list)]
    saved_arrays = [a for s in stacks for a in s
                    if isinstance(a, np.ndarray) and a is not x and a is not out]
    assert len(saved_arrays) >= 4          # the loop's values are on a stack
    refs = [weakref.ref(a) for a in saved_arrays]
    back(np.ones(50))
    del cells, stacks, saved_arrays
    assert all(r() is not None for r in refs)   # kept while the pullback lives
    del back
    assert all(r() is None for r in refs)       # freed by reference counting, no cycle
    gc.collect()
    assert all(r() is None for r in refs)


def test_pullback_memory_stays_flat_over_calls():
    x = RNG.standard_normal(20)
    out, back = srcdiff.vjp(in_place_loop)(x[:4], 9)
    cells = {id(c): c.cell_contents for c in back.function.__closure__}
    sizes = {k: len(v) for t in cells.values() if isinstance(t, tuple)
             for k, v in enumerate(t) if isinstance(v, list)}
    for _ in range(5):
        back(np.ones(4))
    again = {k: len(v) for t in cells.values() if isinstance(t, tuple)
             for k, v in enumerate(t) if isinstance(v, list)}
    assert sizes and again == sizes       # the stacks are neither consumed nor grown


# ---------------------------------------------------------------------------
# linearize
# ---------------------------------------------------------------------------


LINEARIZE = [
    (array_branch, lambda: (RNG.standard_normal(4) + 1.0,), 0, True),
    (array_branch, lambda: (RNG.standard_normal(4) - 1.0,), 0, True),
    (array_while, lambda: (RNG.standard_normal((2, 3)),), 0, True),
    (scalar_loop, lambda: (RNG.standard_normal(5), 3), 0, True),
    (matrix_out, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal(4)), 1, True),
    (matrix_out, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal(4)), (0, 1), True),
    (numbers, lambda: (float(RNG.random() + 0.1), float(RNG.standard_normal())), (0, 1), True),
    (numbers, lambda: (-float(RNG.random() + 0.1), float(RNG.standard_normal())), 0, True),
    (tuple_out, lambda: (RNG.standard_normal(3), RNG.standard_normal(3)), (0, 1), True),
    (dict_out, lambda: (RNG.standard_normal(5),), 0, True),
    # (a write into an array, appends to a list: each jvp_fn call runs the JVP)
    (in_place_loop, lambda: (RNG.standard_normal(4), 6), 0, False),
    (view_then_write, lambda: (RNG.standard_normal(4),), 0, False),
    (list_appends, lambda: (RNG.standard_normal(3), 4), 0, False),
]


def _fd_jvp(f, args, indices, tangents, eps=1e-6):
    def at(sign):
        moved = list(args)
        for i, t in zip(indices, tangents):
            moved[i] = moved[i] + sign * eps * t
        return f(*moved)

    def diff(a, b):
        if isinstance(a, dict):
            return {k: diff(a[k], b[k]) for k in a}
        if isinstance(a, (tuple, list)):
            return tuple(diff(u, v) for u, v in zip(a, b))
        return (np.asarray(a) - np.asarray(b)) / (2 * eps)
    return diff(at(1), at(-1))


@pytest.mark.parametrize("f, make_args, wrt, split", LINEARIZE,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(LINEARIZE)])
def test_linearize_against_jvp_autograd_and_differences(f, make_args, wrt, split):
    args = make_args()
    out, jvp_fn = srcdiff.linearize(f, wrt=wrt)(*args)
    flat = (lambda v: list(v.values())) if isinstance(out, dict) else (lambda v: v)
    _close(flat(out), flat(f(*args)))
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    for _ in range(3):   # one linearization, three tangents
        tangents = tuple(RNG.standard_normal(np.shape(args[i])) if np.ndim(args[i])
                         else float(RNG.standard_normal()) for i in indices)
        tangent = tangents if isinstance(wrt, tuple) else tangents[0]
        got = jvp_fn(tangent)
        _close(flat(got), flat(srcdiff.jvp(f, wrt=wrt)(*args, tangent)[1]))
        np.testing.assert_allclose(np.hstack([np.ravel(v) for v in _leaves(got)]),
                                   np.hstack([np.ravel(v) for v in _leaves(
                                       _fd_jvp(f, args, indices, tangents))]),
                                   rtol=1e-5, atol=1e-7)
        if not isinstance(out, (tuple, dict)):
            expected = 0.0
            for i, t in zip(indices, tangents):   # J t, a sum over the arguments
                expected = expected + autograd.make_jvp(twin(ORACLE.get(f, f)), i)(*args)(t)[1]
            _close(got, expected)
    text_of = (lambda: srcdiff.source(f, wrt=wrt, mode="linearize"))
    if split:
        assert "_tangent(" in text_of()
    else:
        with pytest.raises(NotLinearizable) as info:
            text_of()
        assert f"in {f.__name__}()" in str(info.value) and "hint:" in str(info.value)


def _leaves(v):
    if isinstance(v, dict):
        return [x for k in v for x in _leaves(v[k])]
    if isinstance(v, (tuple, list)):
        return [x for u in v for x in _leaves(u)]
    return [v]


def test_linearize_runs_no_primal_statement_per_tangent():
    """The tangent function holds tangent statements and reads of kept values:
    no call of the primal's functions (np.sin, np.tanh, np.sin's derivative
    factor np.cos is kept from the first run)."""
    text = srcdiff.source(scalar_loop, mode="linearize")
    tangent = text[text.index("def scalar_loop_tangent("):]
    assert "np.sin" not in tangent and "np.cos" not in tangent and "x **" not in tangent
    text = srcdiff.source(array_while, mode="linearize")
    tangent = text[text.index("def array_while_tangent("):]
    assert "np.sin" not in tangent and "np.cos" not in tangent


def test_linearize_dot_product_identity_with_vjp():
    """<u, J v> == <J^T u, v>: linearize and vjp at one point agree."""
    w, x = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    _, jvp_fn = srcdiff.linearize(matrix_out, wrt=1)(w, x)
    _, back = srcdiff.vjp(matrix_out, wrt=1)(w, x)
    for _ in range(3):
        u, v = RNG.standard_normal(3), RNG.standard_normal(4)
        assert np.dot(u, jvp_fn(v)) == pytest.approx(np.dot(back(u), v), rel=1e-10)


def test_linearize_tangent_count_refused():
    _, jvp_fn = srcdiff.linearize(matrix_out, wrt=(0, 1))(np.ones((2, 2)), np.ones(2))
    with pytest.raises(CotangentError):
        jvp_fn(np.ones((2, 2)))


# ---------------------------------------------------------------------------
# grad of a non-scalar output names what to use instead
# ---------------------------------------------------------------------------


def test_grad_of_array_output_names_vjp_jacobian_has_aux():
    with pytest.raises(srcdiff.NonScalarOutputError) as info:
        srcdiff.grad(array_branch)(np.ones(3))
    text = str(info.value)
    for name in ("srcdiff.vjp", "srcdiff.jacobian", "has_aux"):
        assert name in text
    assert all(hasattr(srcdiff, n) for n in ("vjp", "jacobian"))


def test_source_of_vjp_mode_is_deterministic_text():
    text = srcdiff.source(in_place_loop, mode="vjp")
    assert "def in_place_loop_pullback(" in text and "rt.copies(stacks)" in text
    assert text == srcdiff.source(in_place_loop, mode="vjp")
    compile(text, "<vjp>", "exec")


def test_vjp_source_independent_of_the_hash_seed():
    code = ("import sys; sys.path.insert(0, %r); import srcdiff, test_vjp as t; "
            "print(''.join(srcdiff.source(f, mode='vjp') for f in (t.in_place_loop, "
            "t.view_then_write, t.dict_out, t.list_appends, t.array_while)))"
            % os.path.dirname(os.path.abspath(__file__)))
    texts = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
             for seed in ("0", "1")}
    assert len(texts) == 1 and "_pullback(" in texts.pop()


def test_cli_mode_vjp_refuses_order_and_value(capsys):
    from srcdiff import cli
    path = os.path.abspath(__file__)
    for extra in (["--order", "2"], ["--value"]):
        assert cli.main([f"{path}:array_while", "--mode", "vjp"] + extra) == 2
        assert "--mode vjp" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# README.md's section on vjp: its examples run as written and print what it shows
# ---------------------------------------------------------------------------


def _doc_blocks():
    import pathlib
    import re
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    start = readme.index("### One forward pass, many backward passes")
    text = readme[start:readme.index("\n### ", start + 1)]
    blocks = re.findall(r"```(\w*)\n(.*?)```", text, re.S)
    out = []
    for k, (lang, body) in enumerate(blocks):
        if lang == "python":
            printed = blocks[k + 1][1] if k + 1 < len(blocks) and not blocks[k + 1][0] \
                else None
            out.append((body, printed))
    return out


def _doc_check(value, expected):
    if isinstance(expected, float) or np.ndim(expected):
        np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-14)
    else:
        assert value == expected


def test_doc_examples_run_as_written(tmp_path, monkeypatch, capsys):
    import importlib
    import re
    lines = []
    prints = []
    for body, printed in _doc_blocks():
        start = len(lines)
        for line in body.splitlines():
            m = re.match(r"^(\s*)(.*?)\s+# -> (.*)$", line)
            lines.append(f"{m[1]}_doc_check({m[2]}, {m[3]})" if m else line)
        lines.append(f"_doc_print_mark({len(prints)})")
        prints.append((start, printed))
    module = tmp_path / "vjp_doc_example.py"
    HEADER = 5
    module.write_text("from test_vjp import _doc_check\n_marks = []\n"
                      "def _doc_print_mark(k):\n    _marks.append(k)\n"
                      "    print('@@mark', k)\n" + "\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("vjp_doc_example")
    outputs = capsys.readouterr().out.split("@@mark")
    assert len(outputs) == len(prints) + 1
    checked = 0
    for k, (start, printed) in enumerate(prints):
        got = outputs[k] if k == 0 else outputs[k].split("\n", 1)[1]
        if printed is not None:   # (lines counted from the block's first, as in a file)
            got = re.sub(re.escape(str(module)) + r":(\d+):",
                         lambda m: f"example.py:{int(m[1]) - HEADER - start}:", got)
            assert got == printed
            checked += 1
    assert checked >= 2
