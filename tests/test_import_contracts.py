"""The import contracts in pyproject.toml cover what they claim.

import-linter's forbidden contracts cannot say "all of app but app.domain", so pyproject.toml
lists app's modules by name; a module added to app/ and missing from a list would be free to be
imported by the server or sync. This test fails until it is listed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
GUARDED = ["app.domain", "sync", "server"]  # the sources that may import only app.domain of app


def app_modules_but_domain() -> set[str]:
    found = set()
    for entry in (CHECKOUT / "app").iterdir():
        is_package = entry.is_dir() and (entry / "__init__.py").exists()
        if (is_package or entry.suffix == ".py") and entry.stem not in {"__init__", "domain"}:
            found.add(f"app.{entry.stem}")
    return found


def forbidden_for(source: str) -> set[str]:
    matching = [c for c in CONTRACTS if c["type"] == "forbidden" and c["source_modules"] == [source]]
    assert len(matching) == 1, f"one forbidden contract for {source}"
    return set(matching[0]["forbidden_modules"])


@pytest.mark.parametrize("source", GUARDED)
def test_each_guard_forbids_every_app_module_but_the_domain(source: str) -> None:
    app_modules = app_modules_but_domain()
    assert {"app.store", "app.geo", "app.views"} <= app_modules  # the scan sees app/
    assert app_modules - forbidden_for(source) == set()


def test_the_domain_forbids_the_phone_and_server_frameworks() -> None:
    assert {"flet", "tinydb", "httpx", "sqlalchemy", "sync", "server"} <= forbidden_for("app.domain")


def test_the_phone_layers_run_domain_store_sync_state_views() -> None:
    (layers,) = [c["layers"] for c in CONTRACTS if c["type"] == "layers"]
    assert layers == ["app.views", "app.state", "sync", "app.store", "app.domain"]
