"""One ``Namer`` per generated function: every user name is reserved first,
so a generated name (``x_bar``, ``t1``, ``np``) can never collide with one."""

import gast


def names_in(node):
    """Every identifier a tree binds or reads (names and parameters)."""
    found = set()
    for n in gast.walk(node):
        if isinstance(n, gast.Name):
            found.add(n.id)
        elif isinstance(n, (gast.FunctionDef, gast.ClassDef)):
            found.add(n.name)
        elif isinstance(n, gast.alias):
            found.add((n.asname or n.name).split(".")[0])
    return found


class Namer:
    def __init__(self, reserved=()):
        self.taken = set(reserved)
        self.aliases = {}   # module -> the one name the function's code calls it by

    def alias(self, base):
        """The name of a module in the generated function (``rt`` for the runtime
        helpers): fresh, and the same for every step that asks."""
        if base not in self.aliases:
            self.aliases[base] = self.fresh(base)
        return self.aliases[base]

    def reserve(self, names):
        self.taken.update(names)

    def fresh(self, base):
        """``base`` if free, else ``base_1``, ``base_2``, ... (deterministic)."""
        if base not in self.taken:
            self.taken.add(base)
            return base
        i = 1
        while f"{base}_{i}" in self.taken:
            i += 1
        name = f"{base}_{i}"
        self.taken.add(name)
        return name

    def temp(self):
        """A fresh temporary: t1, t2, ..."""
        i = 1
        while f"t{i}" in self.taken:
            i += 1
        name = f"t{i}"
        self.taken.add(name)
        return name

    def adjoint(self, name):
        return self.fresh(name + "_bar")
