"""Differential testing of srcdiff on randomly generated programs.

Each test generates one random Python+NumPy module with ``tests/progen.py``
(scalar and small 1-D array parameters; straight-line arithmetic, elementwise
functions and reductions, helper functions, if/elif/else, for over
range/arrays/lists/enumerate/zip, while, break/continue, early return,
in-place element writes, list append + np.stack/sum), writes it to a real
``.py`` file in ``tmp_path``, imports it, and checks
``srcdiff.grad(f, wrt=<all parameters>)`` against autograd on the twin of
``f`` (tests/oracle.py) -- or against central finite differences when the
program writes array elements in place, which autograd cannot trace.  Every
mismatch, wrong gradient type/shape, crash, or refusal (``SrcdiffError``: all
generated constructs are meant to be supported) fails with the program's
source, its arguments and srcdiff's generated source.  The one exception is
``progen.TOLERATED``: a loop body rebinding the array it iterates over may be
refused with srcdiff's specific message (a wrong answer is still a failure).
A finite-difference program with no point where two step sizes agree is
skipped (reported as such), never failed.

Besides the main run: ``test_feature_tier`` checks a few programs per feature
with only that feature enabled (a failure names the construct), and the
``test_generator_*`` tests check the generator itself (determinism, feature
coverage, tiers, every program valid in plain NumPy with a reference that
agrees with finite differences).

Environment variables:

``SRCDIFF_RANDOM_PROGRAMS=N``
    number of programs (default 300, the CI run; seeds are deterministic).
``SRCDIFF_RANDOM_SEED=S``
    first seed (default 0): ``SRCDIFF_RANDOM_PROGRAMS=5000
    SRCDIFF_RANDOM_SEED=100000`` is a longer run over other programs.
``SRCDIFF_RANDOM_FEATURES=...``
    features the generator may use: ``all`` (default), a comma-separated
    list (``if,for_range``; ``straight`` for straight-line code only), or
    ``-feature,...`` for all but those.  Names: ``progen.FEATURES``.
``SRCDIFF_RANDOM_SIZE=small|medium|large``
    program size (default medium; ``progen.SIZES``).  srcdiff's time grows
    faster than linearly with it.
``SRCDIFF_RANDOM_MINIMIZE=1``
    on a failure, also print a minimized reproduction (slower).

Reproduce or inspect one program from the repository root::

    python tests/progen.py show 17            # the source of seed 17
    python tests/progen.py check 17 --minimize
    python tests/progen.py report 40          # pass/fail per feature tier
"""

import collections
import os

import numpy as np
import pytest

import srcdiff

import progen

N_PROGRAMS = int(os.environ.get("SRCDIFF_RANDOM_PROGRAMS", "300"))
SEED_BASE = int(os.environ.get("SRCDIFF_RANDOM_SEED", "0"))
FEATURES = progen.parse_features(os.environ.get("SRCDIFF_RANDOM_FEATURES", "all"))
MINIMIZE = os.environ.get("SRCDIFF_RANDOM_MINIMIZE", "") not in ("", "0")
SIZE = os.environ.get("SRCDIFF_RANDOM_SIZE", "medium")


_checked = [0]


def _run(prog, directory):
    _checked[0] += 1
    if _checked[0] % 200 == 0:
        srcdiff.clear_cache()   # long runs: do not keep every program alive
    outcome = progen.check(prog, directory)
    if outcome.kind == ("point", "kink"):
        # no point where finite differences are reliable (a branch or int()
        # step right next to every point tried, or a very stiff program)
        pytest.skip(outcome.message)
    if outcome.status == "invalid":
        # the generator's fault, not srcdiff's: still a failure, labelled so
        pytest.fail("generator produced an unusable program "
                    f"({outcome.message})\n" + prog.source, pytrace=False)
    if not outcome.ok:
        mini = None
        if MINIMIZE:
            mini = progen.minimize_outcome(prog, outcome, directory)
        pytest.fail(progen.describe(prog, outcome, mini), pytrace=False)


@pytest.mark.parametrize("seed", range(SEED_BASE, SEED_BASE + N_PROGRAMS))
def test_program(seed, tmp_path):
    _run(progen.generate(seed, FEATURES, SIZE), tmp_path)


TIER_SEEDS = 2


@pytest.mark.parametrize("seed", range(TIER_SEEDS))
@pytest.mark.parametrize("feature", ("straight",) + progen.FEATURES)
def test_feature_tier(feature, seed, tmp_path):
    """A few programs per feature with only that feature (and what it needs)
    enabled: a failure here names the construct that broke."""
    _run(progen.generate(10_000 + seed, progen.parse_features(feature)),
         tmp_path)


# ---------------------------------------------------------------------------
# the generator itself
# ---------------------------------------------------------------------------

def test_generator_is_deterministic():
    for seed in (0, 1, 99):
        assert progen.generate(seed).source == progen.generate(seed).source


def test_generator_covers_every_feature():
    """Over the CI seeds every feature shows up in a good number of
    programs (so a feature the generator silently stopped emitting is
    noticed)."""
    counts = collections.Counter()
    for seed in range(300):
        counts.update(progen.generate(seed).used)
    for feature in progen.FEATURES:
        assert counts[feature] >= 20, (feature, counts)


@pytest.mark.parametrize("feature", ("straight",) + progen.FEATURES)
def test_tier_only_uses_enabled_features(feature):
    enabled = progen.parse_features(feature)
    for seed in range(30):
        prog = progen.generate(seed, enabled)
        assert prog.used <= enabled, (feature, prog.used - enabled)


@pytest.mark.parametrize("seed", range(40))
def test_generated_programs_are_valid(seed, tmp_path):
    """Every program runs in plain NumPy to a finite scalar, and the
    reference is trustworthy: autograd agrees with finite differences, or
    (for in-place writes) finite differences agree across step sizes."""
    prog = progen.generate(seed)
    f = progen.load(prog.source, tmp_path).f
    wrt = tuple(name for name, _ in prog.params)
    args, ref, why = progen.pick_point(prog, f, wrt)
    assert args is not None, why + "\n" + prog.source
    if not prog.writes:
        fd = progen._fd_consistent(f, args, wrt)
        assert fd is not None, prog.source
        for name, a, b in zip(wrt, ref, fd):
            assert np.allclose(a, b, rtol=1e-4, atol=1e-5), \
                (name, a, b, prog.source)


def test_minimizer_edits_give_python():
    """Every single edit the minimizer can make to a program is valid
    Python (or is declined)."""
    import ast
    src = progen.generate(7).source
    n = progen._edits(src)
    assert n > 20
    for k in range(n):
        cand = progen._apply(src, k)
        if cand is not None:
            ast.parse(cand)
