"""Gradients on Dask arrays: one lazy graph for the forward and the backward
sweep, computed by the caller in one pass.

* every corpus function on Dask arrays (local scheduler): nothing computed in
  the call where the function itself computes nothing, Dask gradients, the
  NumPy values; or a ``LazyValueError`` where the function needs a value;
* logistic regression and an MLP on a ``LocalCluster`` of two worker
  processes, with data made chunk by chunk on the workers: Dask results,
  nothing computed during ``grad`` / ``value_and_grad`` / ``jvp``, one
  computation giving the NumPy answer (1e-8) that makes each chunk of data
  once, and a client whose peak memory stays under a quarter of the data.

Skipped when dask[array,distributed] is not installed (the ``test`` extra has it).
"""

import contextlib
import inspect

import numpy as np
import pytest

import srcdiff

import foreign

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@contextlib.contextmanager
def counting(get=None):
    """Within: Dask computations go through ``get`` (default: the local
    synchronous scheduler) and are listed in the list yielded."""
    calls = []

    def schedule(dsk, keys, **kwargs):
        calls.append(keys)
        return (get or dask.get)(dsk, keys, **kwargs)

    with dask.config.set(scheduler=schedule):
        yield calls


def chunked(a):
    return da.from_array(a, chunks=tuple(max(1, (n + 1) // 2) for n in a.shape))


# --- every corpus function, local scheduler ------------------------------------------


@pytest.mark.filterwarnings("ignore::FutureWarning")  # (Dask: NumPy functions it lacks)
# (math_on_element: the function needs values, math.exp of a Dask value: refused)
@pytest.mark.parametrize("case,sig,wrt", [
    pytest.param(*p.values, marks=pytest.mark.xfail(
        strict=True, reason="Dask's item assignment takes no None (np.newaxis) in an index: "
                            "the adjoint of x[:, None] raises ValueError"), id=p.id)
    if p.values[0].name == "index_none" else p for p in foreign.corpus_params()])
def test_corpus_on_dask_arrays(case, sig, wrt):
    args = case.args(sig, 0)
    lazy = tuple(foreign.convert(a, chunked) for a in args)
    with counting() as primal:
        try:
            case.fn(*lazy)
        except (TypeError, AttributeError, NotImplementedError) as e:
            pytest.skip(f"{case.name} itself does not run on Dask arrays: {e}")
    expected = srcdiff.grad(case.fn, wrt=wrt)(*args)
    with counting() as computations:
        try:
            got = srcdiff.grad(case.fn, wrt=wrt)(*lazy)
        except srcdiff.LazyValueError:
            assert primal, "refused, though the function itself computes nothing"
            return
    assert len(computations) <= len(primal)
    if not primal:
        for arg, g in foreign.gradients_of(got, lazy, wrt):
            if isinstance(arg, da.Array):
                assert isinstance(g, da.Array), f"the gradient of a Dask argument is {type(g)}"
    assert foreign.close(dask.compute(got, scheduler="sync")[0], expected)


# --- what cannot stay lazy -----------------------------------------------------------------


def choose(x):
    s = np.sum(x)
    if s > 0:
        return s * s
    return -s


def halve(x):
    s = np.sum(x * x)
    while s > 1.0:
        s = s * 0.5
    return s


def flagged(x, square):
    if square:  # (a test of an argument that is no array: stays lazy)
        return np.sum(x * x)
    return np.sum(x)


def _line(function, text):
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("function,text", [(choose, "if s > 0"), (halve, "while s > 1.0")])
@pytest.mark.parametrize("mode", ["grad", "value_and_grad", "jvp"])
def test_a_test_of_a_dask_value_is_refused_at_its_line(function, text, mode):
    x = chunked(np.linspace(-1.0, 2.0, 8))
    with counting() as computations, pytest.raises(srcdiff.LazyValueError) as caught:
        if mode == "jvp":
            srcdiff.jvp(function)(x, np.ones(8))
        else:
            getattr(srcdiff, mode)(function)(x)
    assert not computations
    assert caught.value.lineno == _line(function, text)
    assert caught.value.filename == __file__
    # on NumPy arrays the same derivative runs
    assert np.isfinite(srcdiff.grad(function)(np.linspace(-1.0, 2.0, 8))).all()


def test_a_test_of_an_argument_that_is_no_array_stays_lazy():
    x = chunked(np.linspace(-1.0, 2.0, 8))
    with counting() as computations:
        g = srcdiff.grad(flagged)(x, True)
    assert not computations and isinstance(g, da.Array)
    np.testing.assert_allclose(g.compute(), 2 * np.linspace(-1.0, 2.0, 8), rtol=1e-12)


def test_unknown_chunk_sizes_are_refused_by_name():
    X = chunked(np.linspace(-1.0, 2.0, 12).reshape(6, 2))
    kept = X[X[:, 0] > -10.0]  # (sizes known only by computing)
    w = np.ones(2)
    with pytest.raises(srcdiff.LazyValueError, match="X has a shape not known"):
        srcdiff.grad(loss_logistic)(w, 0.0, kept, np.ones(6))
    kept.compute_chunk_sizes()
    g = srcdiff.grad(loss_logistic)(w, 0.0, kept, chunked(np.ones(6)))
    expected = srcdiff.grad(loss_logistic)(w, 0.0, X.compute(), np.ones(6))
    np.testing.assert_allclose(g.compute(), expected, rtol=1e-12)


# --- logistic regression and an MLP on a LocalCluster -------------------------------------


def loss_logistic(w, b, X, y):
    z = X @ w + b
    return np.mean(np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0) - y * z)


def loss_mlp(W1, b1, w2, b2, X, y):
    h = np.tanh(X @ W1 + b1)
    z = h @ w2 + b2
    return np.mean(np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0) - y * z)


def _params(name, d, hidden=8):
    rng = np.random.default_rng(1)
    if name == "logistic":
        return loss_logistic, (rng.normal(size=d) * 0.1, 0.2)
    return loss_mlp, (rng.normal(size=(d, hidden)) * 0.3, rng.normal(size=hidden) * 0.1,
                      rng.normal(size=hidden) * 0.3, -0.1)


def _data(n, d, chunk, seed=0):
    """Features and labels made chunk by chunk on the workers (never on the client)."""
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((n, d), chunks=(chunk, d))
    noise = rng.standard_normal(n, chunks=chunk)
    y = (X @ np.linspace(-1.0, 1.0, d) + noise > 0).astype(float)
    return X, y


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


MODELS = ["logistic", "mlp"]


@pytest.mark.parametrize("model", MODELS)
def test_cluster_gradients_are_lazy(client, model):
    X, y = _data(40_000, 6, 10_000)
    f, params = _params(model, 6)
    wrt = tuple(range(len(params)))
    tangents = tuple(np.ones(np.shape(p)) if np.ndim(p) else 1.0 for p in params)
    with counting(client.get) as computations:
        g = srcdiff.grad(f, wrt=wrt)(*params, X, y)
        value, g2 = srcdiff.value_and_grad(f, wrt=wrt)(*params, X, y)
        value3, tangent = srcdiff.jvp(f, wrt=wrt)(*params, X, y, tangents)
    assert computations == []
    for result in (*g, value, *g2, value3, tangent):
        assert dask.is_dask_collection(result)


@pytest.mark.parametrize("model", MODELS)
def test_cluster_one_compute_gives_the_numpy_answer(client, model):
    X, y = _data(40_000, 6, 10_000)
    f, params = _params(model, 6)
    wrt = tuple(range(len(params)))
    value, g = srcdiff.value_and_grad(f, wrt=wrt)(*params, X, y)
    with counting(client.get) as computations, distributed.get_task_stream(client) as tasks:
        value, g = dask.compute(value, g)
    assert len(computations) == 1
    made = [t for t in tasks.data if t["key"][0].startswith(X.name)]
    assert len(made) == X.numblocks[0]  # each chunk of data made once: one pass
    Xn, yn = client.compute([X, y], sync=True)
    expected_value, expected = srcdiff.value_and_grad(f, wrt=wrt)(*params, Xn, yn)
    assert foreign.close([value, g], [expected_value, expected], rtol=1e-8)
    # forward mode, the same way
    v = tuple(np.ones(np.shape(p)) if np.ndim(p) else 1.0 for p in params)
    _, tangent = dask.compute(*srcdiff.jvp(f, wrt=wrt)(*params, X, y, v))
    expected_tangent = sum(np.sum(e * t) for e, t in zip(expected, v))
    assert foreign.close(tangent, expected_tangent, rtol=1e-8)


def _peak_growth(work):
    """How much the peak resident memory of this process (the client) rises
    over its memory before ``work()`` (Linux: the peak is reset first)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pytest.skip("the peak resident memory cannot be reset here")

    def status(field):
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field))
    before = status("VmRSS:")
    work()
    return status("VmHWM:") - before


@pytest.mark.parametrize("model", MODELS)
def test_cluster_client_memory_does_not_grow_with_the_data(client, model):
    d = 8
    f, params = _params(model, d)
    wrt = tuple(range(len(params)))
    vg = srcdiff.value_and_grad(f, wrt=wrt)

    def step(n):
        X, y = _data(n, d, 100_000)
        return lambda: dask.compute(*vg(*params, X, y))

    small, large = 200_000, 800_000
    step(small)()  # (the first computation imports and caches)
    growth = {n: _peak_growth(step(n)) for n in (small, large)}
    size = {n: n * (d + 1) * 8 for n in (small, large)}  # bytes of X and y
    assert growth[large] < size[large] / 4, growth
    assert growth[large] - growth[small] < (size[large] - size[small]) / 4, growth
