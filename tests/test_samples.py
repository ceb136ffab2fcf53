"""Every sample runs to its end (each checks its own results against closed
forms, finite differences or ``grad``).  ``samples/dask_training.py`` starts a
cluster and trains for about a minute: tests/test_dask.py covers what it uses."""

import pathlib
import subprocess
import sys

import pytest

SAMPLES = pathlib.Path(__file__).resolve().parent.parent / "samples"


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.py")
                                          if p.name != "dask_training.py"))
def test_sample_runs(sample):
    done = subprocess.run([sys.executable, str(SAMPLES / sample)], cwd=SAMPLES.parent,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
