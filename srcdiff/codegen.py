"""Codegen: gast -> ``ast`` -> text with the standard library's ``ast.unparse``.

Deterministic: the same tree gives byte-identical text (names come from the
``Namer``, never from ids or random numbers).
"""

import ast

import gast


def to_source(fn):
    tree = gast.gast_to_ast(gast.Module(body=[fn], type_ignores=[]))
    ast.fix_missing_locations(tree)
    return ast.unparse(tree) + "\n"
