"""Rule cases by area, one module each (``CASES``: rule name -> list of
``rules_support.R`` cases); ``test_rules.py`` merges them with its own table,
so that every declared primitive has a case."""

import importlib
import pkgutil


def all_cases():
    """Every module's ``CASES``, merged (a rule named twice is an error)."""
    merged = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        cases = importlib.import_module(f"{__name__}.{module}").CASES
        for name, entries in cases.items():
            if name in merged:
                raise ValueError(f"rule {name} has cases in two modules")
            merged[name] = entries
    return merged
