"""Counts of the code's shape at git revisions, for issue 12's before/after note (read from git, nothing checked out).

    .venv/bin/python bench/code_counts.py 6675de7 HEAD

Per revision: lines of Python in financeapp/ and tests/ (all, and code lines: not blank, not only a
comment), `except FinanceError` and `rollback()` lines in the view modules (financeapp/*/views.py, as
`grep -c` counts them), and imports inside function bodies (an ast walk: an `import` under a def).
Repeated blocks are counted by the `duplicates` tool on an exported tree (see bench/README.md).
"""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
from dataclasses import dataclass, fields

ROOT = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                      check=True).stdout.strip()


@dataclass
class Counts:
    lines_app: int = 0
    code_lines_app: int = 0
    lines_tests: int = 0
    code_lines_tests: int = 0
    views_except_finance_error: int = 0
    views_rollback: int = 0
    local_imports_app: int = 0
    local_imports_tests: int = 0


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def python_files(rev: str) -> list[str]:
    names = _git("ls-tree", "-r", "--name-only", rev, "--", "financeapp", "tests").splitlines()
    return [name for name in names if name.endswith(".py")]


def code_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))


def local_imports(text: str, name: str) -> int:
    """Imports whose nearest enclosing scope is a function (a class body's imports are not counted)."""
    count = 0

    def visit(node: ast.AST, in_function: bool) -> None:
        nonlocal count
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                count += 1
            visit(child, isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) or in_function)

    visit(ast.parse(text, name), False)
    return count


def counts_at(rev: str) -> Counts:
    found = Counts()
    for name in python_files(rev):
        text = _git("show", f"{rev}:{name}")
        side = "app" if name.startswith("financeapp/") else "tests"
        setattr(found, f"lines_{side}", getattr(found, f"lines_{side}") + len(text.splitlines()))
        setattr(found, f"code_lines_{side}", getattr(found, f"code_lines_{side}") + code_lines(text))
        setattr(found, f"local_imports_{side}", getattr(found, f"local_imports_{side}") + local_imports(text, name))
        if fnmatch.fnmatch(name, "financeapp/*/views.py") and name.count("/") == 2:
            lines = text.splitlines()
            found.views_except_finance_error += sum("except FinanceError" in line for line in lines)
            found.views_rollback += sum("rollback()" in line for line in lines)
    return found


def main(revs: list[str]) -> None:
    table = {rev: counts_at(rev) for rev in revs or ["HEAD"]}
    print("| count | " + " | ".join(table) + " |")
    print("|---|" + "---:|" * len(table))
    for field in fields(Counts):
        print(f"| {field.name} | " + " | ".join(f"{getattr(c, field.name):,}" for c in table.values()) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
