"""Rewrite tests/golden/*.txt with the text srcdiff generates now.

    python tests/golden_update.py

Run it only after an intended change of the generated code, then review the
change with ``git diff tests/golden``.  The golden tests (tests/test_golden.py)
never write; this is the only way the files change.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_golden  # noqa: E402


def main():
    changed = []
    for name, text in sorted(test_golden.golden_texts().items()):
        path = test_golden.GOLDEN / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(name)
    print(f"{len(changed)} golden file(s) rewritten" + (": " + ", ".join(changed) if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
