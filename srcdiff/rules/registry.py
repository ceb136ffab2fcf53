"""The rule table: what srcdiff knows how to differentiate.

A rule is keyed by the object it differentiates (``np.sin``, ``math.exp``,
``abs``), by ``'operator.<name>'`` for operators, ``'ndarray.<name>'`` for
array methods and attributes, or ``'subscript'``.

* ``@adjoint(key, shape=...)`` registers a template (see ``template.py``);
* ``@custom(key)`` registers a generator for rules whose operand count varies;
* ``nondiff(key, ...)`` declares functions whose result carries no derivative;
* ``@tangent(key)`` registers the forward-mode (tangent) template of a rule
  that has an adjoint, ``@tangent_custom(key)`` that of a ``@custom`` rule.
  In a tangent template ``d[v]`` is the tangent of ``v``; each assignment to
  ``d[result]`` is one term, and the terms of the active operands are summed.

``passive`` names operands that carry no derivative into the result although
they are values (shapes, masks, index helpers); an active value passed there
gets no contribution instead of a "no rule" error.  ``containers`` names
operands whose adjoint may be a list, tuple or dict (added with ``rt.add``).

``shape`` says what the result's shape is, for broadcasting decisions:
``'elementwise'`` (the first operand's), ``'broadcast'`` (all operands
broadcast; each contribution is summed back to its operand's shape where the
shapes can differ), ``'scalar'``, ``'reduce'`` (scalar unless ``axis`` is
given) or ``None`` (unknown).
"""

import dataclasses

from ..template import Template, TemplateError


@dataclasses.dataclass
class Rule:
    name: str
    key: object
    kind: str                      # 'adjoint' or 'nondiff'
    template: Template = None
    custom: object = None          # callable(ctx) for variadic rules
    shape: str = None
    signature: tuple = ()          # parameter names after the result
    tangent: Template = None       # forward-mode template (d[v]: tangent of v)
    tangent_custom: object = None  # callable(args, keywords) -> (template, bindings)
    passive: tuple = ()            # operands that carry no derivative
    containers: tuple = ()         # operands whose adjoint may be a list/tuple/dict


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


def adjoint(*keys, shape=None, name=None, passive=(), containers=()):
    """Register a template rule for one or more keys (aliases share it)."""
    def decorate(fn):
        for key in keys:
            rule_name = name if (name and key is keys[0]) else qualified_name(key)
            template = Template(fn, rule_name)
            _register(Rule(rule_name, key, "adjoint", template=template, shape=shape,
                           signature=tuple(template.params[1:]), passive=tuple(passive),
                           containers=tuple(containers)))
        return fn
    return decorate


def custom(*keys, shape=None, passive=()):
    def decorate(fn):
        for key in keys:
            _register(Rule(qualified_name(key), key, "adjoint", custom=fn, shape=shape,
                           passive=tuple(passive)))
        return fn
    return decorate


def _adjoint_rule(key, what):
    rule = lookup(key)
    if rule is None or rule.kind != "adjoint":
        raise TemplateError(f"{what} for {qualified_name(key)}, which has no adjoint rule")
    return rule


def tangent(*keys):
    """Register the forward-mode template of rules registered with ``@adjoint``.

    The template's operands must be named as in the adjoint template::

        @tangent(np.sin)
        def sin(y, x):
            d[y] = d[x] * np.cos(x)
    """
    def decorate(fn):
        for key in keys:
            rule = _adjoint_rule(key, "a tangent rule")
            template = Template(fn, f"{rule.name} (tangent)")
            if rule.custom is None and tuple(template.params[1:]) != rule.signature:
                raise TemplateError(
                    f"tangent rule of {rule.name}: operands {template.params[1:]} differ "
                    f"from the adjoint's {list(rule.signature)}")
            rule.tangent = template
        return fn
    return decorate


def tangent_custom(*keys):
    """Register the forward-mode counterpart of a ``@custom`` rule: a callable
    ``(args, keywords) -> (template, bindings)`` or None."""
    def decorate(fn):
        for key in keys:
            _adjoint_rule(key, "a custom tangent rule").tangent_custom = fn
        return fn
    return decorate


def has_tangent(rule):
    return rule.kind != "adjoint" or rule.tangent is not None \
        or rule.tangent_custom is not None


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
