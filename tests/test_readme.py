"""README.md says what the code does: its tables of functions are the rules,
and its examples run, giving the values they show (``tests/readme.py``)."""

import importlib.util
import sys

import pytest

import readme


def test_the_tables_of_functions_are_the_rules():
    import numpy as np
    missing = [n for n in ("row_stack", "astype") if not hasattr(np, n)]
    if missing:  # (the tables are made with a NumPy that has them all)
        pytest.skip(f"this NumPy ({np.__version__}) has no np.{', np.'.join(missing)}")
    text = readme.README.read_text()
    assert readme.with_tables(text) == text, \
        "README.md's tables of functions differ from the rules: python tests/readme.py --write"


def test_the_examples_run_and_give_what_they_show(tmp_path, monkeypatch):
    # (the examples register rules: the rest of the suite sees the registry as it was)
    from srcdiff import primitives
    monkeypatch.setattr(primitives, "_by_key", dict(primitives._by_key))
    monkeypatch.setattr(primitives, "_by_name", dict(primitives._by_name))
    path = tmp_path / "readme_examples.py"
    path.write_text(readme.examples(readme.README.read_text()))
    monkeypatch.chdir(readme.README.parent)
    spec = importlib.util.spec_from_file_location("readme_examples", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_examples"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["readme_examples"]
