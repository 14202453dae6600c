"""Where things live (issue 12), checked from the source: a rule broken by a new file fails here, not in review.

core/ imports no domain, services never import the API, views write through core/views.py, decorative
icons are hidden from screen readers, and one JavaScript module draws charts.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "financeapp"
# Shared modules any package may import: not domains.
SHARED = {"financeapp.core", "financeapp.extensions"}
# View modules still converting to save_form/run_action on their own branches (issue 12); drop each when merged.
VIEWS_PENDING: set[str] = set()


def imported_modules(path: Path, package: str | None = None) -> set[str]:
    """Every module `path` imports, at module level or inside a function, relative imports resolved
    against `package` (by default the package `path` is in)."""
    package = package or ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from financeapp import api`
    return found


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_imports_reader_sees_function_local_and_relative_imports(tmp_path):
    sample = tmp_path / "probe.py"
    sample.write_text("from . import money\n\ndef f():\n    from financeapp.goals import services\n")
    assert {"financeapp.core.money", "financeapp.goals.services"} <= imported_modules(sample, "financeapp.core")


def test_core_imports_no_domain_package():
    offending = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((PACKAGE / "core").rglob("*.py"))
        for module in imported_modules(path)
        if _is_within(module, "financeapp") and not any(_is_within(module, shared) for shared in SHARED)
        and module != "financeapp"
    }
    assert offending == set(), "core/ is below every domain: move the code, or pass what it needs in"


def test_no_service_imports_the_api():
    offending = {str(path.relative_to(ROOT)) for path in sorted(PACKAGE.glob("*/services.py"))
                 if any(_is_within(module, "financeapp.api") for module in imported_modules(path))}
    assert offending == set(), "the API calls services, never the other way round"


def test_views_leave_rollback_and_service_errors_to_core_views():
    offending = set()
    for path in sorted(PACKAGE.glob("*/views.py")):
        if path.parent.name in VIEWS_PENDING | {"core"}:
            continue
        text = path.read_text()
        if "except FinanceError" in text or "session.rollback()" in text:
            offending.add(str(path.relative_to(ROOT)))
    assert offending == set(), "use core/views.py save_form / run_action (they roll back and show the error)"


def test_decorative_icons_are_hidden_from_screen_readers():
    icon = re.compile(r"<i\b[^>]*\bclass=\"[^\"]*\bbi\b[^>]*>")
    bare = {f"{path.relative_to(ROOT)}: {tag}"
            for path in sorted((ROOT / "templates").rglob("*.html"))
            for tag in icon.findall(path.read_text()) if 'aria-hidden="true"' not in tag}
    assert bare == set(), 'add aria-hidden="true": the icon glyph would be read out as part of the name'


def test_one_module_draws_charts():
    drawing = {path.name for path in sorted((ROOT / "static" / "js").glob("*.js"))
               if re.search(r"new\s+(window\.)?Chart\s*\(", path.read_text())}
    assert drawing == {"charts.js"}


def test_every_models_module_is_in_financeapp_models():
    wanted = {f"financeapp.{path.parent.name}.models" for path in PACKAGE.glob("*/models.py")}
    assert wanted - imported_modules(PACKAGE / "models.py") == set(), "Alembic and `flask shell` see only these"
