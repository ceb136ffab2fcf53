"""The rule table: what srcdiff knows how to differentiate.

A rule is keyed by the object it differentiates (``np.sin``, ``math.exp``,
``abs``), by ``'operator.<name>'`` for operators, ``'ndarray.<name>'`` for
array methods and attributes, or ``'subscript'``.

* ``@adjoint(key, shape=...)`` registers a template (see ``template.py``);
* ``@custom(key)`` registers a generator for rules whose operand count varies;
* ``nondiff(key, ...)`` declares functions whose result carries no derivative.

``shape`` says what the result's shape is, for broadcasting decisions:
``'elementwise'`` (the first operand's), ``'broadcast'`` (all operands
broadcast; each contribution is summed back to its operand's shape where the
shapes can differ), ``'scalar'``, ``'reduce'`` (scalar unless ``axis`` is
given) or ``None`` (unknown).
"""

import dataclasses

from ..template import Template


@dataclasses.dataclass
class Rule:
    name: str
    key: object
    kind: str                      # 'adjoint' or 'nondiff'
    template: Template = None
    custom: object = None          # callable(ctx) for variadic rules
    shape: str = None
    signature: tuple = ()          # parameter names after the result


_rules = {}
_by_name = {}


def _key(key):
    try:
        hash(key)
        return key
    except TypeError:
        return id(key)


def qualified_name(key):
    if isinstance(key, str):
        return key
    module = getattr(key, "__module__", None) or ""
    name = getattr(key, "__name__", None) or repr(key)
    if module.startswith("numpy") or type(key).__name__ == "ufunc":
        module = "numpy"
    if module == "builtins" or module is None:
        module = "builtins"
    return f"{module}.{name}"


def _register(rule):
    _rules[_key(rule.key)] = rule
    _by_name[rule.name] = rule


def adjoint(*keys, shape=None, name=None):
    """Register a template rule for one or more keys (aliases share it)."""
    def decorate(fn):
        for key in keys:
            rule_name = name if (name and key is keys[0]) else qualified_name(key)
            template = Template(fn, rule_name)
            _register(Rule(rule_name, key, "adjoint", template=template, shape=shape,
                           signature=tuple(template.params[1:])))
        return fn
    return decorate


def custom(*keys, shape=None):
    def decorate(fn):
        for key in keys:
            _register(Rule(qualified_name(key), key, "adjoint", custom=fn, shape=shape))
        return fn
    return decorate


def nondiff(*keys):
    for key in keys:
        _register(Rule(qualified_name(key), key, "nondiff"))


def lookup(key):
    try:
        return _rules.get(_key(key))
    except TypeError:
        return None


def by_name(name):
    return _by_name.get(name)


def all_rules():
    """Every registered rule, sorted by name."""
    return sorted(_by_name.values(), key=lambda r: r.name)
