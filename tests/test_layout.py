"""srcdiff's modules import one another without a cycle, and none imports
another inside a function (the way to dodge a cycle): read from the source."""

import ast
import pathlib

import srcdiff

PACKAGE = pathlib.Path(srcdiff.__file__).parent


def _modules():
    """Dotted name -> path of every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("srcdiff",) + path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imported(name, node):
    """The srcdiff modules an import statement of module ``name`` loads."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in MODULES}
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level else ""
    base = ".".join(p for p in (base, node.module) if p)
    wanted = {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
              for a in node.names}
    return {m for m in wanted if m in MODULES and m != name}


def _imports():
    """Module -> the modules it imports at its top level; and the imports of
    srcdiff modules made inside functions (``file:line``)."""
    graph, inside = {}, []
    for name, path in MODULES.items():
        graph[name] = set()
        todo = [(node, False) for node in ast.parse(path.read_text()).body]
        while todo:
            node, in_function = todo.pop()
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                loaded = _imported(name, node)
                if in_function and loaded:
                    inside.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
                elif not in_function:
                    graph[name] |= loaded
            in_function = in_function or isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            todo += [(child, in_function) for child in ast.iter_child_nodes(node)]
    return graph, inside


def _cycle(graph):
    """One import cycle (a list of modules, the first repeated last), or None."""
    state = {}

    def visit(name, path):
        state[name] = "open"
        for other in sorted(graph[name]):
            if state.get(other) == "open":
                return path[path.index(other):] + [other]
            if other not in state:
                found = visit(other, path + [other])
                if found:
                    return found
        state[name] = "done"
        return None
    for name in sorted(graph):
        if name not in state:
            found = visit(name, [name])
            if found:
                return found
    return None


def test_the_reader_sees_the_imports():
    graph, _ = _imports()
    assert "srcdiff.derivatives" in graph["srcdiff.api"]          # from . import
    assert "srcdiff.errors" in graph["srcdiff.linear_maps"]       # from .errors import
    assert "srcdiff.primitives" in graph["srcdiff.rules"]         # from ..primitives
    assert "srcdiff.rules.math_rules" in graph["srcdiff.rules"]   # from . import, in a package
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_import_cycle():
    graph, _ = _imports()
    assert _cycle(graph) is None


def test_no_import_of_srcdiff_inside_a_function():
    _, inside = _imports()
    assert inside == []
