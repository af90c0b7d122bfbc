"""Migrations are frozen: each one imports only alembic, sqlalchemy and the standard library.

A migration that imports application code (server.services.derived, say) changes what it does
whenever that code is edited, so a database upgraded next year would be backfilled by rules the
migration never had. A migration keeps its own copy of any rule it needs (as 0008 does).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

VERSIONS = Path(__file__).resolve().parents[2] / "server" / "db" / "migrations" / "versions"
ALLOWED = {"alembic", "sqlalchemy", "__future__"} | set(sys.stdlib_module_names)
MIGRATIONS = sorted(VERSIONS.glob("[0-9]*.py"))


def imported_roots(source: str) -> set[str]:
    """The top-level package of every import in a module, at any depth (a relative import is '.')."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add("." if node.level else (node.module or "").split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
            roots.add("importlib.import_module")  # a dynamic import hides what it reaches
    return roots


def test_there_are_migrations_to_check() -> None:
    assert len(MIGRATIONS) >= 13


@pytest.mark.parametrize("migration", MIGRATIONS, ids=lambda path: path.stem)
def test_a_migration_imports_no_application_code(migration: Path) -> None:
    assert imported_roots(migration.read_text()) - ALLOWED == set()


def test_the_check_sees_application_imports() -> None:
    source = (
        "import os\nfrom alembic import op\n"
        "def backfill():\n    from server.services.derived import review_columns\n"
        "from . import sibling\nimport app.domain\n"
    )
    assert imported_roots(source) - ALLOWED == {"server", ".", "app"}
