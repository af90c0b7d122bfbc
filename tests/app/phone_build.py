"""flet-cli 1.0.5's own `flet build apk|ipa` code, run as far as it goes without the Flutter SDK.

`BuildWithoutFlutter` is flet-cli's build command with two things replaced, and only those:
- the Flutter/Dart SDK lookup (`BaseFlutterCommand.initialize_command`), which would download
  Flutter, the JDK and the Android SDK;
- the one subprocess `package_python_app` starts, `dart run serious_python:main package APP
  --exclude ...`, by `gather_app_files`: a port of serious_python's `copyDirectory`
  (src/serious_python/bin/package_command.dart) that copies the app folder into the staging folder
  flet-cli names in SERIOUS_PYTHON_APP, skipping every entry whose path relative to the app root is
  exactly one of the --exclude values, following directory links as Dart's `Directory.list` does.

Everything else is flet-cli's: reading [tool.flet] from pyproject.toml, resolving the entry point
(`validate_entry_point`), the template data, and the exclude list (`package_python_app`: build/,
[tool.flet.app] exclude, then its default excludes of hidden entries, virtual environments and
__pycache__), and its check that the app was staged.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flet_cli.commands.build import Command
from flet_cli.commands.build_base import BaseBuildCommand
from flet_cli.commands.flutter_base import BaseFlutterCommand

ROOT = Path(__file__).resolve().parents[2]
# The shape of python-build's manifest.json, with the one Python release the package would bundle.
PYTHON_BUILD_MANIFEST = {
    "default_python_version": "3.12",
    "pythons": {
        "3.12": {"full_version": "3.12.12", "pyodide_version": "0.27.7", "android_abis": ["arm64-v8a"]}
    },
}
SERIOUS_PYTHON_PACKAGE = ["run", "--suppress-analytics", "serious_python:main", "package"]


class BuildStopped(Exception):
    """flet-cli stopped the build (its `cleanup` with a non-zero code)."""

    def __init__(self, code: int, message: object) -> None:
        super().__init__(f"flet build stopped ({code}): {message}")
        self.message = str(message)


def gather_app_files(source: Path, destination: Path, root: Path, excludes: Sequence[str]) -> None:
    """serious_python's copyDirectory: exact relative paths are skipped, links are followed."""
    for entry in sorted(source.iterdir()):
        if os.path.relpath(entry, root) in excludes:
            continue
        if entry.is_dir():  # follows links, like Directory.list(followLinks: true)
            (destination / entry.name).mkdir()
            gather_app_files(entry, destination / entry.name, root, excludes)
        elif entry.is_file():
            shutil.copyfile(entry, destination / entry.name)


class BuildWithoutFlutter(Command):
    """flet-cli's build command; see the module docstring for the two parts replaced."""

    package_args: list[str]

    def run(self, args: Any, cwd: Any, env: dict[str, str] | None = None, capture_output: bool = True) -> Any:
        args = [str(arg) for arg in args]
        assert args[1:5] == SERIOUS_PYTHON_PACKAGE, f"unexpected subprocess {args}"
        assert env is not None
        self.package_args = args
        app, staging = Path(args[5]), Path(env["SERIOUS_PYTHON_APP"])
        excludes = [args[i + 1] for i, arg in enumerate(args) if arg == "--exclude"]
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        gather_app_files(app, staging, app, excludes)
        return subprocess.CompletedProcess(args, 0, "", "")

    def cleanup(self, exit_code: int, message: Any = None, no_border: bool = False) -> None:
        raise BuildStopped(exit_code, message)


def _no_flutter_sdk(self: BaseFlutterCommand) -> None:
    """What flet-cli's SDK lookup leaves behind, minus finding or installing the SDK."""
    self.emojis = {"checkmark": "OK", "loading": "", "success": "", "directory": ""}
    self.dart_exe = "dart"  # never started: BuildWithoutFlutter.run takes its one call
    self.flutter_exe = "flutter"


@contextmanager
def flet_build(app_root: Path, target: str) -> Iterator[BuildWithoutFlutter]:
    """flet-cli's build steps up to and including packaging the Python app, for `target`."""
    parser = argparse.ArgumentParser()
    command = BuildWithoutFlutter(parser)
    options = parser.parse_args([target, str(app_root), "--no-rich-output", "--yes"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseFlutterCommand, "initialize_command", _no_flutter_sdk)
        # flet-cli downloads python-build's manifest from GitHub to pick the bundled Python; the
        # test hands it a local one (its documented FLET_PYTHON_BUILD_MANIFEST) instead.
        manifest = app_root.parent / "python-build-manifest.json"
        manifest.write_text(json.dumps(PYTHON_BUILD_MANIFEST))
        patch.setenv("FLET_PYTHON_BUILD_MANIFEST", str(manifest))
        BaseBuildCommand.handle(command, options)
        command.initialize_command()
        if target == "apk":  # an .ipa is built on macOS only: flet-cli refuses it on this host
            command.validate_target_platform()
        command.validate_entry_point()
        command.setup_template_data()
        command.package_python_app()
        yield command


def mirror_repository(into: Path, *, pyproject: str | None = None) -> Path:
    """The repository's top-level entries, linked into a scratch folder (flet build writes build/
    beside the app), with a seeded var/, .venv/ and .env standing for a developer's machine."""
    into.mkdir(parents=True)
    for entry in ROOT.iterdir():
        if entry.name not in {"var", ".venv", "build", "pyproject.toml"}:
            (into / entry.name).symlink_to(entry)
    (into / "pyproject.toml").write_text(pyproject or (ROOT / "pyproject.toml").read_text())
    return into
