"""A virtual environment holding only what a phone gets (`[project] dependencies`, no extras), built
once with `python -m venv` and pip from PyPI, and kept in pytest's cache folder, keyed by those
pins and the Python version, until they change. A lock keeps two test runs from building it at
once; a stamp written last means a half-built one is built again."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.app.phone_build import ROOT

PIP_TIMEOUT_S = 600
# Import names that differ from their distribution's name.
IMPORT_NAMES = {"argon2-cffi": ["argon2"], "python-multipart": ["multipart", "python_multipart"]}


def project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def phone_dependencies() -> list[str]:
    return list(project()["dependencies"])  # type: ignore[call-overload]


def server_only_imports() -> set[str]:
    """The server's own code and every package of the server and web extras, by import name."""
    extras: dict[str, list[str]] = project()["optional-dependencies"]  # type: ignore[assignment]
    names = {"server", "starlette"}  # starlette: what FastAPI is built on
    for dependency in extras["server"] + extras["web"]:
        name = Requirement(dependency).name.lower()
        names.update(IMPORT_NAMES.get(name, [name.replace("-", "_")]))
    return names


def phone_python(home: Path) -> Path:
    """The interpreter of the venv kept in ``home``, built there first if need be."""
    pins = phone_dependencies()
    key = hashlib.sha256(json.dumps([sys.version, pins]).encode()).hexdigest()[:16]
    venv, stamp = home / key, home / f"{key}.ready"
    python = venv / "bin" / "python"
    with (home / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not stamp.exists():
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(venv)
            _run([sys.executable, "-m", "venv", str(venv)])
            _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins])
            stamp.write_text("\n".join(pins))
    return python


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
    if done.returncode != 0:
        pytest.fail(
            f"building the phone venv failed: {command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        )
