"""The package's import graph: no circles, lazy (function-level) imports included."""

import ast
import pathlib

import skl_lstm

ROOT = pathlib.Path(skl_lstm.__file__).parent


def _module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(path): path for path in ROOT.rglob("*.py")}


def _resolve(module, path, node, known):
    """The skl_lstm modules an import statement reaches."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    if node.level:
        base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
        target = f"{base}.{node.module}" if node.module else base
    else:
        target = node.module or ""
    if not target.startswith("skl_lstm"):
        return set()
    reached = set()
    for alias in node.names:  # `from . import _linear` reaches the submodule itself
        sub = f"{target}.{alias.name}"
        reached.add(sub if sub in known else target)
    return reached & set(known)


def _lazy_names(tree):
    """Targets of a package ``_LAZY = {name: (module, attribute)}`` table, as ImportFrom nodes."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_LAZY" for t in node.targets):
            for value in node.value.values:
                module = value.elts[0].value
                level = len(module) - len(module.lstrip("."))
                yield ast.ImportFrom(module=module.lstrip(".") or None, names=[ast.alias(value.elts[1].value)], level=level)


def import_graph():
    known = _modules()
    graph = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text())
        nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))] + list(_lazy_names(tree))
        graph[module] = set().union(*(_resolve(module, path, n, known) for n in nodes)) - {module}
    return graph


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    assert "skl_lstm.lstm" in graph["skl_lstm"]  # through the lazy _LAZY table
    assert "skl_lstm.persistence" in graph["skl_lstm.lstm._estimator"]  # a function-level import
    assert "skl_lstm.lstm._linear" in graph["skl_lstm.lstm._estimator"]  # `from . import _linear`


def test_no_import_circles():
    assert _cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
