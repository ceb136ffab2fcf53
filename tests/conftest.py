import os
import sys

# make ``import oracle`` / ``import corpus`` work from every test module
sys.path.insert(0, os.path.dirname(__file__))


def pytest_terminal_summary(terminalreporter):
    """After a run of random programs: how many passed, were wrong, refused
    (acceptably), refused though fine, or crashed."""
    mod = sys.modules.get("test_random_programs")
    summary = getattr(mod, "SUMMARY", None)
    if not summary:
        return
    keys = ("programs", "pass", "wrong", "refused", "fine-refused", "crash", "invalid")
    terminalreporter.write_line("random programs: " + ", ".join(
        f"{k} {summary.get(k, 0)}" for k in keys))
    kinds = {}
    for seed, category, kind in mod.FAILURES:
        kinds.setdefault((category, kind), []).append(seed)
    for (category, kind), seeds in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        terminalreporter.write_line(f"  {len(seeds):5d} {category:12s} {kind}  "
                                    f"seeds {seeds[:8]}")
