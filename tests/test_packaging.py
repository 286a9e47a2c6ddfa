"""What a newcomer's install gets: every import declared, and the deploy lock in step.

The README installs with whatever pip ``python3 -m venv`` brings, which once failed to
resolve a dependency's extra (jusText's ``lxml[html_clean]``) and so never installed a
module the code imports. Declaring each imported distribution ourselves closes that gap.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = ROOT / "requirements.lock"
FIRST_PARTY = {name.split(".")[0] for name in PYPROJECT["tool"]["setuptools"]["packages"]}
# Distributions that are needed for a module imported only by a dependency of ours, named
# because some pips do not install them through that dependency's extra.
INDIRECT = {"lxml-html-clean"}


def _declared(*extras: str) -> dict[str, Requirement]:
    project = PYPROJECT["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    requirements = (Requirement(line) for line in lines)
    return {canonicalize_name(r.name): r for r in requirements}


def _imports() -> dict[str, set[str]]:
    """Top-level module names imported by the shipped packages, with where."""
    found: dict[str, set[str]] = {}
    for package in sorted(FIRST_PARTY):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_is_a_declared_dependency() -> None:
    declared = set(_declared())
    providers = packages_distributions()
    undeclared = {}
    for module, where in _imports().items():
        if module in sys.stdlib_module_names or module in FIRST_PARTY or module == "__future__":
            continue
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        if not dists & declared:
            undeclared[module] = sorted(where)
    assert not undeclared, f"imported but not in [project] dependencies: {undeclared}"


def test_indirect_needs_are_declared() -> None:
    assert set(INDIRECT) <= set(_declared())


def _lock() -> dict[str, tuple[str, bool, str]]:
    """name → (version, has hashes, the annotation lines) from requirements.lock."""
    pins: dict[str, tuple[str, bool, str]] = {}
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text(encoding="utf-8"))
    for block in blocks:
        match = re.match(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s\\;]+)", block)
        if match:
            pins[canonicalize_name(match[1])] = (match[2], "--hash=sha256:" in block, block)
    return pins


def test_lock_pins_every_declared_dependency_within_its_bounds() -> None:
    pins = _lock()
    assert pins, "requirements.lock holds no pins"
    for name, requirement in _declared("postgres").items():
        assert name in pins, f"{name} is declared in pyproject.toml but not pinned in requirements.lock"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, outside {requirement.specifier}: recompile it"
        )


def test_lock_has_no_stale_direct_dependency_and_every_pin_is_hashed() -> None:
    declared = set(_declared("postgres"))
    pins = _lock()
    direct = {name for name, (_v, _h, block) in pins.items() if "palimpsest (pyproject.toml)" in block}
    assert direct == declared, f"lock and pyproject.toml disagree: {sorted(direct ^ declared)}"
    unhashed = [name for name, (_v, hashed, _b) in pins.items() if not hashed]
    assert not unhashed, f"pins without hashes (pip --require-hashes would refuse): {unhashed}"


def test_lock_says_how_it_was_made() -> None:
    header = LOCK.read_text(encoding="utf-8").splitlines()[:3]
    assert any("uv pip compile pyproject.toml" in line for line in header)
