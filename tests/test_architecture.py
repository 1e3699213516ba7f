"""The habits that keep the codebase changeable, enforced: layers, no import cycles, small units.

- ``distributions/cloudfront/`` is pure: it imports the standard library, botocore (the
  CloudFront service model) and itself, never Django nor the rest of the project.
- No import cycle between project modules; imports inside functions count too.
- No module of app code over 400 lines, no function over 60 lines (migrations excepted).
- The public functions of ``cloudfront/``, ``backends/`` and the pipeline carry type hints.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("console", "distributions")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
PURE_ALLOWED = {"botocore"}
# Modules split on their own branches; each entry goes when its branch lands.
NOT_YET = set()
TYPED = ("distributions.cloudfront", "distributions.backends", "distributions.pipeline")


def app_modules():
    """``{dotted name: path}`` for every module of app code, migrations excepted."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


MODULES = app_modules()


def imported_names(name, path):
    """Every module ``name`` imports, wherever the import statement stands (functions included)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names = [f"{module}.{alias.name}" for alias in node.names]
            found.update(names)
            # "from . import sibling" needs the sibling module, not the package's own __init__ again.
            if not all(name in MODULES for name in names):
                found.add(module)
    return found


def project_imports(name, path):
    """The project modules ``name`` depends on (a package counts as its ``__init__``)."""
    result = set()
    for imported in imported_names(name, path):
        while imported and imported not in MODULES:
            imported = imported.rpartition(".")[0]
        if imported and imported != name:
            result.add(imported)
        # Importing a.b.c runs a/__init__ and a/b/__init__ too.
        parent = imported.rpartition(".")[0] if imported else ""
        while parent:
            if parent in MODULES and parent != name and not name.startswith(parent + "."):
                result.add(parent)
            parent = parent.rpartition(".")[0]
    return result


def find_cycle(graph):
    """One import cycle as a list of modules, or None (iterative DFS, colours)."""
    colour = dict.fromkeys(graph, 0)
    for start in graph:
        if colour[start]:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        colour[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = 2
                stack.pop()
                path.pop()
            elif colour.get(child) == 1:
                return path[path.index(child) :] + [child]
            elif colour.get(child) == 0:
                colour[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_there_is_no_import_cycle_between_project_modules():
    graph = {name: project_imports(name, path) for name, path in MODULES.items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("name", [n for n in MODULES if n.startswith("distributions.cloudfront")])
def test_the_cloudfront_package_imports_nothing_but_the_standard_library_and_itself(name):
    outside = set()
    for imported in imported_names(name, MODULES[name]):
        top = imported.split(".")[0]
        if imported.startswith("distributions.cloudfront") or top in PURE_ALLOWED:
            continue
        if top in sys.stdlib_module_names:
            continue
        outside.add(imported)
    assert not outside, f"{name} imports {sorted(outside)}"


@pytest.mark.parametrize("name", list(MODULES))
def test_no_module_is_over_400_lines(name):
    if name in NOT_YET:
        pytest.skip("being split on its own branch")
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{MODULES[name].relative_to(ROOT)} has {lines} lines"


def long_functions(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield f"{node.name} ({length} lines, line {node.lineno})"


@pytest.mark.parametrize("name", list(MODULES))
def test_no_function_is_over_60_lines(name):
    if name in NOT_YET:
        pytest.skip("being split on its own branch")
    assert not list(long_functions(MODULES[name])), f"{MODULES[name].relative_to(ROOT)}: long functions"


def untyped_functions(path):
    """Public functions and public classes' methods of ``path`` whose arguments or return value lack a hint."""
    tree = ast.parse(path.read_text(), str(path))
    public_classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_")]
    for node in tree.body + [member for cls in public_classes for member in cls.body]:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
            continue
        arguments = [
            a for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs if a.arg not in ("self", "cls")
        ]
        if node.returns is None or any(a.annotation is None for a in arguments):
            yield f"{node.name} (line {node.lineno})"


@pytest.mark.parametrize("name", [name for name in MODULES if name.startswith(TYPED)])
def test_public_functions_of_the_core_are_typed(name):
    assert not list(untyped_functions(MODULES[name])), f"{MODULES[name].relative_to(ROOT)}: untyped public functions"


def test_browser_tests_wait_with_expect_not_with_eval():
    """``page.wait_for_function`` polls through ``eval``, which the console's CSP (script-src 'self')
    forbids: it passes when the first check is already true and fails when it has to poll. Browser
    tests wait with ``expect(locator)`` instead, which polls from Playwright's side."""
    offenders = [
        path.name for path in sorted((ROOT / "tests" / "e2e").glob("*.py")) if "wait_for_function" in path.read_text()
    ]
    assert offenders == []
