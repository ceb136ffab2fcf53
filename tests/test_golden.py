"""Golden-source tests: the printed derivative of small functions is exactly the
text in tests/golden/.  After an intended change of the generated code, rewrite
the files with ``python tests/golden_update.py`` and review the diff (``git diff
tests/golden``): the generated code is part of the product.  The tests here
only compare; nothing they do can rewrite a golden file."""

import io
import pathlib

import numpy as np
import pytest

import golden_functions
import srcdiff
from srcdiff import cli
from oracle import check_grad

GOLDEN = pathlib.Path(__file__).parent / "golden"
NAMES = ["chain", "nested", "power_loop", "piecewise", "fill", "layer", "newton",
         "with_helper"]
_RNG = np.random.default_rng(0)
POINTS = {"chain": (2.0,), "nested": (1.0,), "power_loop": (1.3, 4),
          "piecewise": (0.7,), "fill": (np.array([0.5, -1.0, 2.0]),),
          "layer": (_RNG.normal(size=(3, 4)), _RNG.normal(size=4), _RNG.normal(size=3)),
          "newton": (2.0,), "with_helper": (np.array([0.5, -1.0, 2.0]),)}
# what runs: the code specialised on these arguments' shapes (or on numbers)
SPECIAL = ["layer", "chain"]
FORWARD = ["chain", "power_loop"]
VJP = ["power_loop", "fill", "with_helper"]   # (srcdiff --mode vjp)


def generated_text(name):
    return srcdiff.source(getattr(golden_functions, name))


def specialised_text(name):
    f = getattr(golden_functions, name)
    g = srcdiff.grad(f, wrt=tuple(range(len(POINTS[name]))) if name == "layer" else 0)
    g(*POINTS[name])
    (special,) = g.__srcdiff_specializations__.values()
    return special.__srcdiff_unit__.text


def forward_text(name):
    return srcdiff.source(getattr(golden_functions, name), mode="jvp")


def golden_texts():
    """{file name in tests/golden: the text srcdiff generates for it now}
    (what tests/golden_update.py writes)."""
    texts = {f"{n}.txt": generated_text(n) for n in NAMES}
    texts.update({f"{n}_special.txt": specialised_text(n) for n in SPECIAL})
    texts.update({f"{n}_jvp.txt": forward_text(n) for n in FORWARD})
    texts.update({f"{n}_vjp.txt": vjp_text(n) for n in VJP})
    return texts


@pytest.mark.parametrize("name", NAMES)
def test_generated_source_is_the_golden_text(name):
    assert generated_text(name) == (GOLDEN / f"{name}.txt").read_text()


@pytest.mark.parametrize("name", NAMES)
def test_golden_functions_differentiate_correctly(name):
    f = getattr(golden_functions, name)
    if name == "fill":  # autograd cannot run in-place writes: finite differences only
        x = POINTS[name][0]
        expected = 2.0 * x  # d/dx sum(x_i^2), computed, not typed in
        check_grad(f, x, expected=expected)
    else:
        check_grad(f, *POINTS[name])


@pytest.mark.parametrize("name", SPECIAL)
def test_specialised_source_is_the_golden_text(name):
    assert specialised_text(name) == (GOLDEN / f"{name}_special.txt").read_text()


@pytest.mark.parametrize("name", FORWARD)
def test_forward_source_is_the_golden_text(name):
    assert forward_text(name) == (GOLDEN / f"{name}_jvp.txt").read_text()


def test_every_golden_file_is_tested():
    """No stale file in tests/golden that no test reads."""
    assert sorted(p.name for p in GOLDEN.glob("*.txt")) == sorted(golden_texts())


def vjp_text(name):
    """What ``srcdiff golden_functions.py:name --mode vjp`` prints."""
    out = io.StringIO()
    path = str(pathlib.Path(golden_functions.__file__))
    assert cli.main([f"{path}:{name}", "--mode", "vjp"], stdout=out) == 0
    return out.getvalue()


@pytest.mark.parametrize("name", VJP)
def test_vjp_source_printed_by_the_cli_is_the_golden_text(name):
    assert vjp_text(name) == (GOLDEN / f"{name}_vjp.txt").read_text()


def test_generation_is_deterministic():
    first = [srcdiff.source(getattr(golden_functions, n)) for n in NAMES]
    srcdiff.clear_cache()
    second = [srcdiff.source(getattr(golden_functions, n)) for n in NAMES]
    assert first == second


def test_cli_prints_the_derivative():
    out = io.StringIO()
    path = str(pathlib.Path(golden_functions.__file__))
    assert cli.main([f"{path}:chain"], stdout=out) == 0
    assert out.getvalue() == (GOLDEN / "chain.txt").read_text()


def test_cli_wrt_by_name(capsys):
    out = io.StringIO()
    path = str(pathlib.Path(golden_functions.__file__))
    assert cli.main([f"{path}:power_loop", "--wrt", "x"], stdout=out) == 0
    assert "def dpower_loop(x, n):" in out.getvalue()


@pytest.mark.parametrize("argv", [["nowhere.py:f"], ["tests/golden_functions.py:missing"],
                                  ["no_colon"]])
def test_cli_bad_input_exits_2_without_traceback(argv, capsys):
    assert cli.main(argv, stdout=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.startswith("srcdiff: error:") and "Traceback" not in err
