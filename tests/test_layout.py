"""The package's architecture, checked: packages by role, and no module importing upward."""

import ast
from pathlib import Path

import tfgen

PACKAGE = Path(tfgen.__file__).parent

# Each unit may import units of lower layers only (and itself). Same-layer units are peers
# that stay independent of each other.
LAYERS = (
    ("errors",),
    ("utils", "config"),
    ("ops", "losses", "runtime"),
    ("networks", "data"),
    ("models",),
    ("metrics", "callbacks"),
    ("export",),
    ("training",),
    ("evaluation", "tools"),
    ("pipeline",),
    ("cli",),
)
LAYER_OF = {unit: i for i, units in enumerate(LAYERS) for unit in units}
INFRASTRUCTURE_MODULES = {"__init__.py", "errors.py", "runtime.py"}


def _unit(path):
    """The top-level unit of tfgen a file belongs to ('models', 'errors', ...)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imported_units(path):
    """(unit, line) of every tfgen unit `path` imports, top-level or inside functions."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tfgen"):
            parts = node.module.split(".")
            if len(parts) > 1:
                yield parts[1], node.lineno
            else:  # from tfgen import X
                for alias in node.names:
                    if alias.name != "__version__":
                        yield alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "tfgen" and len(parts) > 1:
                    yield parts[1], node.lineno


def test_every_unit_has_a_layer():
    units = {_unit(p) for p in PACKAGE.rglob("*.py")} - {"__init__"}
    assert units <= set(LAYER_OF), f"give these a layer: {sorted(units - set(LAYER_OF))}"


def test_no_module_imports_upward_or_sideways():
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        unit = _unit(path)
        if unit == "__init__":
            continue
        for imported, line in _imported_units(path):
            if imported != unit and LAYER_OF.get(imported, -1) >= LAYER_OF[unit]:
                violations.append(f"{path.relative_to(PACKAGE)}:{line} ({unit}) -> {imported}")
    assert not violations, "imports against the layer order:\n" + "\n".join(violations)


def test_top_level_holds_packages_and_infrastructure_only():
    modules = {p.name for p in PACKAGE.glob("*.py")}
    assert modules <= INFRASTRUCTURE_MODULES, sorted(modules - INFRASTRUCTURE_MODULES)


def test_package_faces_hold_no_logic():
    """An `__init__.py` re-exports; functions and classes live in modules."""
    for init in PACKAGE.rglob("__init__.py"):
        tree = ast.parse(init.read_text())
        defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        assert not defined, f"{init.relative_to(PACKAGE)} defines {defined}"
