"""Imports flow one way: palimpsest → crawler → detection → store → changes → httpmsg, notify and evidence beside.

Every import in the shipped packages counts, inside functions too; only imports under
``if TYPE_CHECKING:`` do not, since they never run (annotations only).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
MAY_IMPORT = {
    "palimpsest": {"crawler", "notify", "evidence", "detection", "store", "changes", "httpmsg", "review", "localsite"},
    # The review UI reads the store, renders diffs and alert labels, exports bundles.
    "review": {"notify", "evidence", "store", "changes", "httpmsg"},
    # Re-reading stored pages takes the crawler's site parsers (not its Scrapy machinery, below).
    "evidence": {"crawler", "store", "changes", "httpmsg"},
    "notify": {"store", "changes", "httpmsg"},
    "crawler": {"detection", "store", "changes", "httpmsg"},
    # Judging runs and feeding the state machine: above the store it writes through.
    "detection": {"store", "changes", "httpmsg"},
    "store": {"changes", "httpmsg"},
    "changes": {"httpmsg"},
    # The HTTP-message format, at the bottom: the crawler, the store and evidence share it.
    "httpmsg": set(),
    # The synthetic site (test and demo infrastructure) stands alone: the demo serves it.
    "localsite": set(),
}
# What evidence may use of the crawler: the parsers and the values they read.
CRAWLER_FOR_EVIDENCE = ("crawler.sites", "crawler.page", "crawler.items", "crawler.parsing")
KNOWN: set[tuple[str, str]] = set()  # upward edges still to remove: none


def _type_checking_only(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def imports(path: Path) -> list[str]:
    """Absolute module names imported by ``path`` when it runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def edges() -> set[tuple[str, str]]:
    """(file, imported module) for every import of one shipped package by another."""
    found = set()
    for package in MAY_IMPORT:
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in imports(path):
                top = module.split(".")[0]
                if top in MAY_IMPORT and top != package:
                    found.add((path.relative_to(ROOT).as_posix(), module))
    return found


def wrong(edge: tuple[str, str]) -> bool:
    file, module = edge
    package, target = file.split("/")[0], module.split(".")[0]
    if target not in MAY_IMPORT[package]:
        return True
    return (
        package == "evidence"
        and target == "crawler"
        and module != "crawler"
        and not any(module == allowed or module.startswith(f"{allowed}.") for allowed in CRAWLER_FOR_EVIDENCE)
    )


def known(edge: tuple[str, str]) -> tuple[str, str] | None:
    file, module = edge
    return next((k for k in KNOWN if k[0] == file and (module + ".").startswith(k[1] + ".")), None)


def test_no_package_imports_one_above_it_or_beside_it():
    bad = sorted(edge for edge in edges() if wrong(edge) and not known(edge))
    assert bad == [], "imports against the layers: " + ", ".join(f"{f} → {m}" for f, m in bad)


def test_the_known_exception_is_still_there_or_goes_from_the_list():
    seen = {known(edge) for edge in edges() if wrong(edge)}
    assert seen >= KNOWN, "a known exception is gone: drop it from KNOWN"


def test_the_check_sees_imports_inside_functions_and_skips_type_checking(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from palimpsest.app import App\n"
        "def f():\n    from crawler.pipelines import ArchivePipeline\n    import notify\n"
    )
    assert set(imports(sample)) == {
        "typing",
        "typing.TYPE_CHECKING",
        "crawler.pipelines",
        "crawler.pipelines.ArchivePipeline",
        "notify",
    }
    assert wrong(("store/x.py", "crawler.pipelines")) and wrong(("notify/x.py", "evidence"))
    assert wrong(("evidence/x.py", "crawler.pipelines")) and not wrong(("evidence/x.py", "crawler.sites"))
    assert not wrong(("crawler/x.py", "store.writer"))
    # detection sits above the store and below the crawler; httpmsg under everything
    assert wrong(("store/x.py", "detection.run")) and wrong(("changes/x.py", "detection"))
    assert not wrong(("crawler/x.py", "detection")) and not wrong(("detection/x.py", "store.events"))
    assert wrong(("httpmsg/x.py", "changes")) and not wrong(("store/x.py", "httpmsg"))
