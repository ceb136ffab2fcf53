"""Parameters in containers: an argument may be any nesting of dicts, lists,
tuples, namedtuples, dataclasses and objects whose attributes are read
(``self.w``); its gradient has the same structure and type (as in JAX).

Each gradient is compared leaf by leaf with autograd (on a function of the
leaves that rebuilds the structure) and with central finite differences."""

import collections
import dataclasses
import io
import sys
import textwrap

import autograd
import numpy as np
import pytest

import srcdiff
from srcdiff import cli, grad, jvp, runtime, value_and_grad

from oracle import twin

W = np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.9]])
B = np.array([0.1, -0.2])
X = np.array([[1.0, 2.0, -0.5], [0.3, -1.2, 0.8]])


# --- the structures -----------------------------------------------------------

Params = collections.namedtuple("Params", "w b")


@dataclasses.dataclass
class Layer:
    w: np.ndarray
    b: np.ndarray
    name: str = "layer"
    scale: float = 1.0


@dataclasses.dataclass(frozen=True)
class Frozen:
    w: np.ndarray
    b: float


@dataclasses.dataclass
class Net:
    layers: list
    extra: dict


class Model:
    eps = 1e-3                      # a class attribute: a constant

    def __init__(self, w, b):
        self.w = w
        self.b = b
        self.activation = np.tanh   # no derivative: its gradient is None
        self.name = "model"

    def loss(self, x):
        h = np.tanh(x @ self.w + self.b)
        return np.sum(h ** 2) + self.eps

    @property
    def wsum(self):
        return np.sum(self.w)

    def uses_property(self, x):
        return self.wsum * np.sum(x)


# --- flattening, for the oracle ----------------------------------------------------


def _leaves(tree):
    """(path, leaf) for every number or array in ``tree``, in a fixed order."""
    if isinstance(tree, dict):
        return [((k,) + p, v) for k in tree for p, v in _leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [((i,) + p, v) for i, t in enumerate(tree) for p, v in _leaves(t)]
    if runtime.is_record(tree):
        return [((f,) + p, v) for f in runtime.fields(tree)
                for p, v in _leaves(getattr(tree, f))]
    if isinstance(tree, (float, np.ndarray)):
        return [((), tree)]
    return []


def _replaced(tree, path, value):
    """``tree`` with the leaf at ``path`` replaced (structures rebuilt, not changed)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        return {**tree, head: _replaced(tree[head], rest, value)}
    if isinstance(tree, (list, tuple)):
        items = list(tree)
        items[head] = _replaced(items[head], rest, value)
        return runtime.rebuild(tree, items)
    values = {f: getattr(tree, f) for f in runtime.fields(tree)}
    values[head] = _replaced(values[head], rest, value)
    return runtime.make_record(tree, values)


def _at(tree, path):
    for p in path:
        tree = tree[p] if isinstance(tree, (dict, list, tuple)) else getattr(tree, p)
    return tree


def _same_structure(g, tree, where="gradient"):
    """``g`` has ``tree``'s structure and types (None for what has no derivative)."""
    if isinstance(tree, (dict, list, tuple)) or runtime.is_record(tree):
        assert type(g) is type(tree), f"{where}: {type(g).__name__} != {type(tree).__name__}"
        if isinstance(tree, dict):
            assert list(g) == list(tree), where
            for k in tree:
                _same_structure(g[k], tree[k], f"{where}[{k!r}]")
        elif isinstance(tree, (list, tuple)):
            assert len(g) == len(tree), where
            for i, (gi, ti) in enumerate(zip(g, tree)):
                _same_structure(gi, ti, f"{where}[{i}]")
        else:
            assert runtime.fields(g) == runtime.fields(tree), where
            for f in runtime.fields(tree):
                _same_structure(getattr(g, f), getattr(tree, f), f"{where}.{f}")
    elif isinstance(tree, np.ndarray):
        assert isinstance(g, np.ndarray) and g.shape == tree.shape, where
    elif isinstance(tree, float):
        assert isinstance(g, (float, np.floating)), f"{where}: {g!r}"
    else:
        assert g is None, f"{where}: {g!r} for {tree!r}"


def check_tree_grad(f, tree, *rest):
    """srcdiff's gradient of ``f(tree, *rest)`` with respect to ``tree``: the
    same structure and types, and each leaf equal to autograd's and to finite
    differences.  Returns it."""
    got = grad(f)(tree, *rest)
    _same_structure(got, tree)
    leaves = _leaves(tree)
    traced = twin(f)

    def of_leaves(values):
        t = tree
        for (path, _), v in zip(leaves, values):
            t = _replaced(t, path, v)
        return traced(t, *rest)

    expected = autograd.grad(of_leaves)([v for _, v in leaves])
    for (path, value), e in zip(leaves, expected):
        g = _at(got, path)
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12, err_msg=str(path))
        # central differences on this leaf
        flat = np.array(value, dtype=float).ravel()
        fd = np.zeros(flat.shape)
        for i in range(flat.size):
            h = 1e-6 * max(1.0, abs(flat[i]))
            up, down = flat.copy(), flat.copy()
            up[i] += h
            down[i] -= h
            shaped = (lambda a: a.reshape(np.shape(value))) if isinstance(value, np.ndarray) \
                else (lambda a: float(a[0]))
            fd[i] = (f(_replaced(tree, path, shaped(up)), *rest)
                     - f(_replaced(tree, path, shaped(down)), *rest)) / (2 * h)
        np.testing.assert_allclose(np.ravel(g), fd, rtol=1e-5, atol=1e-7,
                                   err_msg=str(path))
    return got


# --- losses ----------------------------------------------------------------------


def namedtuple_loss(p, x):
    return np.sum(np.tanh(x @ p.w + p.b) ** 2)


def namedtuple_indexed_and_unpacked(p, x):
    w, b = p
    return np.sum((x @ p[0]) * b) + np.sum(w ** 2)


def dataclass_loss(layer, x):
    return layer.scale * np.sum(np.sin(x @ layer.w) * layer.b)


def frozen_loss(p, x):
    return np.sum((x @ p.w) ** 2) * p.b


def net_loss(net, x):
    h = x
    for layer in net.layers:
        h = np.tanh(h @ layer.w + layer.b)
    return np.sum(h ** 2) + net.extra["c"] * np.sum(net.extra["v"] ** 2)


def dict_of_namedtuples(ps, x):
    return namedtuple_loss(ps["first"], x) + 0.5 * np.sum(ps["second"].w ** 3)


def list_of_dataclasses_loss(layers, x):
    return sum(np.sum(np.cos(x @ lay.w) + lay.b) for lay in layers)


def _layer_out(layer, x):
    return np.tanh(x @ layer.w + layer.b)


def through_a_helper(layer, x):
    # (layer.scale is not read: its gradient is zero)
    return np.sum(_layer_out(layer, x) ** 2)


@pytest.mark.parametrize("f,tree", [
    (through_a_helper, Layer(W, B)),
    (namedtuple_loss, Params(W, B)),
    (namedtuple_indexed_and_unpacked, Params(W, 0.7)),
    (dataclass_loss, Layer(W, B, scale=1.3)),
    (frozen_loss, Frozen(W, 0.4)),
    (net_loss, Net([Layer(W, B), Layer(W[:2, :] * 0.5, B[::-1])],
                   {"c": 0.3, "v": np.array([1.0, -2.0])})),
    (dict_of_namedtuples, {"first": Params(W, B), "second": Params(W * 2, B)}),
    (list_of_dataclasses_loss, [Layer(W, B), Layer(W * 0.5, B * 2)]),
], ids=lambda v: getattr(v, "__name__", None))
def test_structure_gradient(f, tree):
    check_tree_grad(f, tree, X)


def test_namedtuple_gradient_is_a_namedtuple():
    g = check_tree_grad(namedtuple_loss, Params(W, B), X)
    assert type(g) is Params and g._fields == ("w", "b")


def test_dataclass_gradient_is_a_dataclass():
    layer = Layer(W, B, name="first", scale=1.3)
    g = check_tree_grad(dataclass_loss, layer, X)
    assert type(g) is Layer and dataclasses.is_dataclass(g)
    assert g.name is None          # a string has no derivative
    assert g.scale == pytest.approx(np.sum(np.sin(X @ W) * B))
    assert layer.name == "first"   # the argument is unchanged


def test_slots_dataclass():
    @dataclasses.dataclass(slots=True) if sys.version_info >= (3, 10) else dataclasses.dataclass
    class Slotted:
        w: np.ndarray
        b: float

    got = check_tree_grad(frozen_loss, Slotted(W, 0.4), X)
    assert type(got) is Slotted


def test_value_and_grad_of_a_structure():
    p = Params(W, B)
    value, g = value_and_grad(namedtuple_loss)(p, X)
    assert value == pytest.approx(namedtuple_loss(p, X))
    assert type(g) is Params


def test_forward_mode_on_a_namedtuple():
    p = Params(W, B)
    v = Params(np.ones_like(W), np.full(2, 0.5))
    value, tangent = jvp(namedtuple_loss)(p, X, v)
    g = grad(namedtuple_loss)(p, X)
    assert value == pytest.approx(namedtuple_loss(p, X))
    assert tangent == pytest.approx(np.sum(g.w * v.w) + np.sum(g.b * v.b))


# --- objects and methods ------------------------------------------------------------


def test_method_with_respect_to_self():
    model = Model(W, B)
    g = grad(model.loss, wrt="self")(X)
    assert type(g) is Model
    assert g.activation is None and g.name is None
    check_tree_grad(Model.loss, model, X)
    assert not hasattr(g, "eps") or "eps" not in vars(g)  # the class constant: no field


def test_method_with_respect_to_its_argument():
    model = Model(W, B)
    got = grad(model.loss)(X)
    expected = autograd.grad(lambda x: twin(Model.loss)(model, x))(X)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    dself, dx = grad(model.loss, wrt=("self", 0))(X)
    assert type(dself) is Model
    np.testing.assert_allclose(dx, expected, rtol=1e-10)


def test_property_of_a_differentiated_object_is_refused():
    model = Model(W, B)
    with pytest.raises(srcdiff.NoRuleError, match="property|stored fields"):
        grad(model.uses_property, wrt="self")(X)
    # with respect to x only, the property is a constant: fine
    np.testing.assert_allclose(grad(model.uses_property)(X), np.full(X.shape, np.sum(W)))


def test_attribute_of_an_array_without_a_rule_is_refused():
    def flat_first(x):
        return x.flat[0] * 2.0

    with pytest.raises(srcdiff.NoRuleError):
        grad(flat_first)(np.array([1.0, 2.0]))


def test_generated_code_reads_fields():
    text = srcdiff.source(namedtuple_loss)
    assert "p.w" in text and "rt.unfield(" in text


# --- the command line on Class.method ------------------------------------------------


MODULE = '''
import numpy as np


class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x, y):
        return np.sum((x * self.w - y) ** 2)

    @staticmethod
    def plain(x, y):
        return np.sum(x * y)
'''


def _cli(tmp_path, *argv):
    path = tmp_path / "model_mod.py"
    path.write_text(textwrap.dedent(MODULE))
    out = io.StringIO()
    code = cli.main([f"{path}:{argv[0]}", *argv[1:]], stdout=out)
    return code, out.getvalue()


def test_cli_method_defaults_to_the_first_argument_after_self(tmp_path):
    code, text = _cli(tmp_path, "Model.loss")
    assert code == 0
    assert "def dloss(self, x, y):" in text
    assert text.rstrip().splitlines()[-1].strip().startswith("return x_bar") or \
        "x_bar" in text.rstrip().splitlines()[-1]


def test_cli_method_wrt_index_counts_after_self(tmp_path):
    code, text = _cli(tmp_path, "Model.loss", "--wrt", "1")
    assert code == 0 and "y_bar" in text.rstrip().splitlines()[-1]


def test_cli_method_wrt_self(tmp_path):
    code, text = _cli(tmp_path, "Model.loss", "--wrt", "self")
    assert code == 0 and "rt.unfield(" in text and "self_bar" in text


def test_cli_static_method_is_a_plain_function(tmp_path):
    code, text = _cli(tmp_path, "Model.plain")
    assert code == 0 and "def dplain(x, y):" in text
