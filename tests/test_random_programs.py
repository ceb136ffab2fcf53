"""Differential testing of srcdiff on randomly generated programs.

Each test generates one random Python+NumPy module with ``tests/progen.py``
(scalar and small 1-D array parameters; straight-line arithmetic, elementwise
functions and reductions, helper functions, if/elif/else, for over
range/arrays/lists/enumerate/zip, while, break/continue, early return,
in-place element writes, list append + np.stack/sum, self-assignments,
aliases of arrays that are written in place), writes it to a real ``.py``
file in ``tmp_path``, imports it, and checks srcdiff with respect to every
parameter -- ``grad`` for even seeds, ``value_and_grad`` for odd ones (its
value must be what ``f`` returns, to 1e-12, and its gradient right) --
against autograd on the twin of ``f`` (tests/oracle.py), or against central
finite differences when the program writes into arrays, which autograd
cannot trace.

Every program knows whether srcdiff should accept it.  A wrong gradient or
value, a crash, or a refusal (``SrcdiffError``) of a program that is fine
fails with the program's source, its arguments and srcdiff's generated
source.  Acceptable refusals (``progen.TOLERATED``, a program that reads a
view after its base is written ('alias_hazard'), a call for effect refused
with NoRuleError) are reported as skips: no gradient was checked.
Refusals of fine code that are already known (``progen.KNOWN_FINE_REFUSALS``,
issue 10.10) are reported as xfail.  A finite-difference program with no
point where two step sizes agree is skipped (reported as such), never failed.

Besides the main run: ``test_feature_tier`` checks a few programs per feature
with only that feature enabled (a failure names the construct),
``test_pending_feature`` keeps one failing program of each feature srcdiff
still gets wrong (``progen.PENDING``: strict xfail), and the
``test_generator_*`` tests check the generator itself (determinism, feature
coverage, tiers, every program valid in plain NumPy with a reference that
agrees with finite differences).

CI's default is 100 programs: with the forms that found issue 10's bugs
generated on purpose, the first 100 seeds hit each of those classes several
times when run on the srcdiff that had them, at a third of the cost of the
300 programs CI ran before.

Environment variables:

``SRCDIFF_RANDOM_PROGRAMS=N``
    number of programs (default 100, the CI run; seeds are deterministic).
``SRCDIFF_RANDOM_SEED=S``
    first seed (default 0).
``SRCDIFF_RANDOM_FEATURES=...``
    features the generator may use: ``all`` (default: all but the pending
    ones), ``every`` (also ``progen.PENDING``), a comma-separated list
    (``if,for_range``; ``straight`` for straight-line code only), or
    ``-feature,...`` for all but those.  Names: ``progen.FEATURES``.
``SRCDIFF_RANDOM_MODES=alternate|grad|value_and_grad|both``
    which API each program checks (default alternate; ``both`` doubles the
    time).
``SRCDIFF_RANDOM_SIZE=small|medium|large``
    program size (default medium; ``progen.SIZES``).  srcdiff's time grows
    faster than linearly with it.
``SRCDIFF_RANDOM_MINIMIZE=1``
    on a failure, also print a minimized reproduction (slower).

The long mode (not CI's default) prints a summary at the end (programs,
pass, wrong, refused, fine-refused, crash, invalid, and the seeds of each
kind of failure)::

    SRCDIFF_RANDOM_PROGRAMS=10000 SRCDIFF_RANDOM_SEED=100000 \
    SRCDIFF_RANDOM_FEATURES=every SRCDIFF_RANDOM_MODES=both \
    pytest tests/test_random_programs.py -k test_program -q

Reproduce or inspect one program from the repository root::

    python tests/progen.py show 17            # the source of seed 17
    python tests/progen.py check 17 --minimize
    python tests/progen.py check 100123 every --minimize   # a long-mode seed
    python tests/progen.py report 40          # pass/fail per feature tier
"""

import collections
import os

import numpy as np
import pytest

import srcdiff

import progen

N_PROGRAMS = int(os.environ.get("SRCDIFF_RANDOM_PROGRAMS", "100"))
SEED_BASE = int(os.environ.get("SRCDIFF_RANDOM_SEED", "0"))
FEATURES = progen.parse_features(os.environ.get("SRCDIFF_RANDOM_FEATURES", "all"))
MINIMIZE = os.environ.get("SRCDIFF_RANDOM_MINIMIZE", "") not in ("", "0")
SIZE = os.environ.get("SRCDIFF_RANDOM_SIZE", "medium")
MODES = os.environ.get("SRCDIFF_RANDOM_MODES", "alternate")

# outcome category -> count, over this session's programs (printed at the end
# by conftest.pytest_terminal_summary when any program ran)
SUMMARY = collections.Counter()
FAILURES = []   # (seed, category, kind) of each program that did not pass


_checked = [0]


def _run(prog, directory, mode, count=True):
    _checked[0] += 1
    if _checked[0] % 200 == 0:
        srcdiff.clear_cache()   # long runs: do not keep every program alive
    outcome = progen.check(prog, directory, mode)
    if count:
        SUMMARY["programs"] += 1
        SUMMARY[outcome.category] += 1
        if outcome.category != "pass":
            FAILURES.append((prog.seed, outcome.category, outcome.kind))
    if outcome.kind == ("point", "kink"):
        # no point where finite differences are reliable (a branch or int()
        # step right next to every point tried, or a very stiff program)
        pytest.skip(outcome.message)
    if outcome.status == "invalid":
        # the generator's fault, not srcdiff's: still a failure, labelled so
        pytest.fail("generator produced an unusable program "
                    f"({outcome.message})\n" + prog.source, pytrace=False)
    if outcome.status == "tolerated":
        # a refusal srcdiff is allowed to give: no gradient was checked, so it
        # is reported as a skip, never counted as a pass
        pytest.skip(outcome.message.splitlines()[0])
    issue = outcome.known_refusal()
    if issue:
        pytest.xfail(f"refusal of fine code, known ({issue}): "
                     f"{outcome.message.splitlines()[0]}")
    if not outcome.ok:
        mini = None
        if MINIMIZE:
            mini = progen.minimize_outcome(prog, outcome, directory)
        pytest.fail(progen.describe(prog, outcome, mini), pytrace=False)


@pytest.mark.parametrize("seed", range(SEED_BASE, SEED_BASE + N_PROGRAMS))
def test_program(seed, tmp_path):
    _run(progen.generate(seed, FEATURES, SIZE), tmp_path, progen.mode_for(seed, MODES))


TIER_SEEDS = 2


@pytest.mark.parametrize("seed", range(TIER_SEEDS))
@pytest.mark.parametrize("feature", ("straight",) + tuple(
    f for f in progen.FEATURES if f not in progen.PENDING))
def test_feature_tier(feature, seed, tmp_path):
    """A few programs per feature with only that feature (and what it needs)
    enabled: a failure here names the construct that broke."""
    _run(progen.generate(10_000 + seed, progen.parse_features(feature)),
         tmp_path, progen.mode_for(seed, MODES))


# seeds at which each pending feature's own tier gives a wrong gradient today
PENDING_SEEDS = {}


@pytest.mark.parametrize("feature", sorted(progen.PENDING))
def test_pending_feature(feature, tmp_path, request):
    """What the PENDING features find is still wrong (strict xfail): when
    this passes, the feature joins CI's default ('all')."""
    request.applymarker(pytest.mark.xfail(strict=True, reason=progen.PENDING[feature]))
    _run(progen.generate(PENDING_SEEDS[feature], progen.parse_features(feature)),
         tmp_path, "both", count=False)


# ---------------------------------------------------------------------------
# the generator itself
# ---------------------------------------------------------------------------

def test_generator_is_deterministic():
    for seed in (0, 1, 99):
        assert progen.generate(seed).source == progen.generate(seed).source


def test_generator_covers_every_feature():
    """Over 300 seeds every feature shows up in a good number of programs
    (so a feature the generator silently stopped emitting is noticed)."""
    counts = collections.Counter()
    hazards = 0
    for seed in range(300):
        prog = progen.generate(seed, progen.ALL)
        counts.update(prog.used)
        hazards += prog.hazard
    for feature in progen.FEATURES:
        # (a stale read needs an alias, a later write and a later read)
        assert counts[feature] >= (10 if feature == "alias_hazard" else 20), \
            (feature, counts)
    assert counts["alias_hazard"] == hazards


def test_default_programs_read_no_stale_view():
    """Without 'alias_hazard' no program reads a view after its base was
    written (those are drawn again)."""
    for seed in range(100):
        prog = progen.generate(seed, progen.parse_features("-alias_hazard"))
        assert not prog.hazard and "alias_hazard" not in prog.used


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
