"""What README.md shows, made from the code it describes, and its examples as a
program (``tests/test_readme.py`` runs both).

* The tables of functions between ``<!-- functions -->`` and
  ``<!-- /functions -->`` are made from the rules (``srcdiff/rules/*.py``) by
  ``function_tables()``: ``python tests/readme.py --write`` rewrites them, and
  a test fails while they differ from the rules.
* ``examples(text)``: the README's ```` ```python ```` blocks, in order, as one
  module (a block after a ``<!-- not run -->`` line is left out).  A line
  ``expr  # -> value`` checks that ``expr`` equals ``value`` (numbers to the
  digits shown; ``  (a remark)`` after it is left out); ``expr  # raises NameOfError`` checks that it raises that.
"""

import pathlib
import re
import sys
import textwrap

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
BEGIN, END = "<!-- functions -->", "<!-- /functions -->"

# The modules of the tables, in order, with the name shown for each.
MODULES = [
    ("operator", "operators"),
    ("builtins", "builtins"),
    ("math", "`math`"),
    ("numpy", "`np`"),
    ("ndarray", "`ndarray` methods and attributes"),
    ("numpy.linalg", "`np.linalg`"),
    ("numpy.fft", "`np.fft`"),
    ("scipy.special", "`scipy.special`"),
    ("scipy.stats", "`scipy.stats`"),
    ("scipy.linalg", "`scipy.linalg`"),
    ("scipy.integrate", "`scipy.integrate`"),
]

OPERATORS = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//",
             "mod": "%", "pow": "**", "matmul": "@", "neg": "-x", "pos": "+x",
             "invert": "~", "not_": "not", "and_": "&", "or_": "|", "xor": "^",
             "lshift": "<<", "rshift": ">>"}


def _primitives():
    from srcdiff import primitives
    try:  # (the SciPy rules are declared once SciPy is imported: optional)
        import scipy.integrate  # noqa: F401
        import scipy.linalg  # noqa: F401
        import scipy.special  # noqa: F401
        import scipy.stats  # noqa: F401
    except ImportError:
        pass
    return primitives.all_primitives()


def _kind(p):
    if p.adjoint is not None or p.variants is not None or p.linear:
        return "differentiated"
    if p.nondiff:
        return "no derivative"
    return "refused"


def _module_of(name):
    for module, _ in sorted(MODULES, key=lambda m: -len(m[0])):
        if name.startswith(module + "."):
            return module
    return None


def function_tables():
    """The README's tables of functions: for each module, those with a
    derivative, those whose result is a constant (called on anything), and
    those refused where a derivative would flow (with no rule, or a reason)."""
    rows = {module: {"differentiated": [], "no derivative": [], "refused": []}
            for module, _ in MODULES}
    for p in _primitives():
        name = p.name
        module = _module_of(name)
        if module is None:
            continue
        short = name[len(module) + 1:]
        if module == "operator":
            short = OPERATORS.get(short, short)
        elif module == "ndarray":
            short = "." + short if short in ("T", "real", "imag", "shape", "ndim", "size",
                                             "dtype") else "." + short + "()"
        rows[module][_kind(p)].append(short)
    lines = ["| module | differentiated | no derivative (the result is a constant) "
             "| refused where a derivative would flow |",
             "| --- | --- | --- | --- |"]
    for module, title in MODULES:
        cells = [" ".join(f"`{n}`".replace("|", "\\|") for n in sorted(set(rows[module][k]), key=str.lower))
                 or "" for k in ("differentiated", "no derivative", "refused")]
        if any(cells):
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def with_tables(text):
    """``text`` (the README) with its tables of functions made anew."""
    start = text.index(BEGIN) + len(BEGIN)
    return text[:start] + "\n" + function_tables() + text[text.index(END):]


# --- the examples ---------------------------------------------------------------------

_CHECK = re.compile(r"^(?P<indent>\s*)(?P<expr>[^#].*?)\s+# -> (?P<value>.+?)"
                    r"(?:\s{2,}\([^()]*\))?$")  # (a remark after two spaces)
_RAISES = re.compile(r"^(?P<indent>\s*)(?P<expr>[^#].*?)\s+# raises (?P<error>\w+)$")


def examples(text):
    """The README's Python examples as the source of one module."""
    out = ["from readme import check, raises", ""]
    lines = text.splitlines()
    skip = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == "<!-- not run -->":
            skip = True
        elif line.strip() == "```python":
            j = i + 1
            block = []
            while lines[j].strip() != "```":
                block.append(lines[j])
                j += 1
            if not skip:
                out.append(f"# README.md line {i + 2}")
                block = textwrap.dedent("\n".join(block)).splitlines()
                out += [_checked(b, i + 2 + k) for k, b in enumerate(block)]
                out.append("")
            skip = False
            i = j
        elif line.strip():
            skip = skip and line.strip().startswith("<!--")
        i += 1
    return "\n".join(out) + "\n"


def _checked(line, lineno):
    m = _CHECK.match(line)
    if m:
        return f"{m['indent']}check(({m['expr']}), {m['value']!r}, {lineno}, globals())"
    m = _RAISES.match(line)
    if m:
        return f"{m['indent']}raises(lambda: {m['expr']}, {m['error']!r}, {lineno})"
    return line


def check(value, expected, lineno, names=None):
    """``value  # -> expected`` at README.md line ``lineno``: equal, numbers
    to the digits ``expected`` shows (``expected`` may use the example's
    ``names``)."""
    import numpy as np
    want = eval(expected, {**(names or {}), "array": np.array, "np": np, "nan": np.nan,
                           "inf": np.inf})
    if not _equal(value, want, expected):
        raise AssertionError(f"README.md line {lineno}: got {value!r}, the README says "
                             f"{expected}")


def _equal(value, want, text):
    import numpy as np
    if isinstance(want, (tuple, list)) and not isinstance(value, np.ndarray):
        return isinstance(value, (tuple, list)) and len(value) == len(want) \
            and all(_equal(v, w, text) for v, w in zip(value, want))
    if isinstance(want, dict):
        return isinstance(value, dict) and value.keys() == want.keys() \
            and all(_equal(value[k], want[k], text) for k in want)
    if isinstance(want, (int, float, np.ndarray, list)) and not isinstance(want, bool):
        value, want = np.asarray(value, float), np.asarray(want, float)
        if "." not in text:  # an expression or integers: to rounding
            return value.shape == want.shape and np.allclose(value, want, rtol=1e-12,
                                                             atol=1e-14, equal_nan=True)
        digits = max((len(d) for d in re.findall(r"\.(\d+)", text)), default=0)
        return value.shape == want.shape and np.allclose(
            value, want, rtol=0, atol=0.5 * 10.0 ** -digits + 1e-12, equal_nan=True)
    return value == want


def raises(thunk, error, lineno):
    """``expr  # raises error`` at README.md line ``lineno``."""
    try:
        thunk()
    except Exception as e:
        if type(e).__name__ != error and error not in [c.__name__ for c in type(e).__mro__]:
            raise AssertionError(f"README.md line {lineno}: raised {type(e).__name__}, "
                                 f"the README says {error}") from e
        return
    raise AssertionError(f"README.md line {lineno}: raised nothing, the README says {error}")


if __name__ == "__main__":
    sys.path.insert(0, str(README.parent))
    text = README.read_text()
    made = with_tables(text)
    if sys.argv[1:] == ["--write"]:
        README.write_text(made)
    elif made != text:
        sys.exit("README.md's tables of functions differ from the rules: "
                 "python tests/readme.py --write")
