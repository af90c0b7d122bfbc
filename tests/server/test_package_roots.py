"""A test runs the code beside it.

This file sits in tests/server on purpose: when tests/server registered as the top-level package
`server`, the real server.* was reached only through the editable install's import hook, so from
a second checkout sharing the virtual environment these tests ran the other checkout's code.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
TESTS = CHECKOUT / "tests"


@pytest.mark.parametrize("package", ["app", "sync", "server"])
def test_each_package_is_imported_from_this_checkout(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve() == CHECKOUT / package / "__init__.py"


@pytest.mark.parametrize("module_name", ["server.main", "server.services.derived", "sync.engine"])
def test_submodules_come_from_this_checkout(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().is_relative_to(CHECKOUT / module_name.split(".")[0])


def test_this_test_module_is_named_under_tests() -> None:
    assert __name__ == "tests.server.test_package_roots"


def test_every_test_package_is_a_subpackage_of_tests() -> None:
    # A folder with __init__.py below a folder without one becomes a top-level package named
    # after the folder (tests/app/__init__.py alone would shadow the real `app`).
    orphans = [
        str(init.parent.relative_to(CHECKOUT))
        for init in TESTS.rglob("__init__.py")
        if any(not (parent / "__init__.py").exists() for parent in _parents_up_to_tests(init.parent))
    ]
    assert (TESTS / "__init__.py").exists()
    assert orphans == []


def _parents_up_to_tests(folder: Path) -> list[Path]:
    chain = [folder]
    while chain[-1] != TESTS:
        chain.append(chain[-1].parent)
    return chain
