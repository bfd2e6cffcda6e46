"""Find import cycles in a Python package: `python tools/import_cycles.py genlib`.

Every module of the package is parsed with `ast` (nothing is imported or run), and every import
statement counts, including the ones inside functions: an import that runs late still ties the two
modules together. Relative imports (`from .models import base`, `from .. import counting`) are
resolved to the module they name. `from package import name` points at the submodule `package.name`
when there is one, otherwise at `package` itself.

Prints one cycle per group of modules that import each other (a strongly connected component)
and exits with status 1 if there is any, 0 if there is none.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def module_names(package: Path) -> dict[str, Path]:
    """{dotted module name: file} for every .py file of the package (package/__init__.py -> 'package')."""
    root = package.resolve().parent
    names = {}
    for path in sorted(package.resolve().rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of `known` that the module `name` (file `path`) imports anywhere in its code."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: strip (level - 1) parts from the package that holds this module
                package = name.split(".") if is_package else name.split(".")[:-1]
                base_parts = package[: len(package) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import genlib.models.nade.x` -> genlib.models.nade
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(package: Path) -> dict[str, set[str]]:
    """{module: the modules of the same package it imports}."""
    names = module_names(package)
    return {name: imports_of(name, path, set(names)) for name, path in names.items()}


def strongly_connected(g: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that can all reach each other, each sorted."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            groups.append(sorted(group))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return groups


def one_cycle(g: dict[str, set[str]], group: list[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group: [a, b, ..., a]."""
    start, inside = group[0], set(group)
    came_from, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(g[v] & inside):
                if w == start:
                    path = [v]
                    while came_from[path[-1]] is not None:
                        path.append(came_from[path[-1]])
                    return path[::-1] + [start]
                if w not in came_from:
                    came_from[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start]


def find_cycles(package) -> list[list[str]]:
    """One cycle [a, b, ..., a] for every group of modules of `package` that import each other."""
    g = graph(Path(package))
    return [one_cycle(g, group) for group in strongly_connected(g) if len(group) > 1]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not Path(argv[0], "__init__.py").is_file():
        print(
            "usage: python tools/import_cycles.py PACKAGE_DIR  (a folder with an __init__.py)",
            file=sys.stderr,
        )
        return 2
    cycles = find_cycles(argv[0])
    for cycle in cycles:
        print("import cycle: " + " -> ".join(cycle))
    print(f"{len(cycles)} import cycle(s) among {len(graph(Path(argv[0])))} modules of {argv[0]}")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
