"""Each step of the pipeline that rewrites code shows what it does with an
example in its docstring (``Before::`` / ``After::``): run it and compare.
The steps are those ``srcdiff/pipeline.py`` lists, in its order."""

import importlib.util
import re
import textwrap

import gast
import numpy as np
import pytest

from srcdiff import codegen, frontend, lower, normalize, optimize, runtime
from srcdiff.names import Namer, names_in
from srcdiff.trees import clone


def example(step):
    """The (before, after) sources of a step's docstring."""
    doc = step.__doc__ or ""
    parts = re.split(r"^\s*(Before|After)::\s*$", doc, flags=re.M)
    blocks = dict(zip(parts[1::2], parts[2::2]))
    assert set(blocks) == {"Before", "After"}, f"{step.__qualname__}: no example"
    return [textwrap.dedent(blocks[k]).strip() + "\n" for k in ("Before", "After")]


def _function(source, tmp_path, name):
    """The function defined by ``source``, from a file (srcdiff reads sources)."""
    path = tmp_path / f"{name}.py"
    path.write_text("import numpy as np\n\n\n" + source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = [v for k, v in vars(module).items() if callable(v) and k != "np"][0]
    return frontend.read_function(fn)


FRONT = [lower.statements, lower.returns, lower.loops, normalize.normalize]


@pytest.mark.parametrize("step", FRONT, ids=lambda s: s.__qualname__)
def test_front_step_example(step, tmp_path):
    before, after = example(step)
    info = _function(before, tmp_path, step.__name__)
    namer = Namer(names_in(info.node))
    fn = clone(info.node)
    for earlier in FRONT[:FRONT.index(step) + 1]:
        if earlier is normalize.normalize:
            norm = normalize.normalize(info, fn, namer)
            fn = gast.FunctionDef(name=norm.name, args=norm.args,
                                  body=norm.body + [gast.Return(value=norm.result)],
                                  decorator_list=[], returns=None, type_comment=None,
                                  type_params=[])
        else:
            fn = earlier(info, fn, namer)
    assert codegen.to_source(fn) == after


@pytest.mark.parametrize("name", optimize.PASSES)
def test_optimizer_pass_example(name):
    before, after = example(getattr(optimize.Optimizer, name))
    fn = gast.parse(before).body[0]
    temps = {n.id for n in gast.walk(fn) if isinstance(n, gast.Name)
             and re.fullmatch(r"t\d+", n.id)}
    modules = {"np": np, "math": __import__("math"), "rt": runtime}
    optimizer = optimize.Optimizer(temps, {k: k for k in modules}, modules.__getitem__)
    assert codegen.to_source(optimizer.run(fn, passes=(name,))) == after


def test_every_optimizer_pass_has_an_example():
    for name in optimize.PASSES:
        assert example(getattr(optimize.Optimizer, name))
