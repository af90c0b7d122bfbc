"""The phone package (`flet build apk` / `flet build ipa`), checked with flet-cli 1.0.5's own code as
far as it runs without the Flutter SDK (tests/app/phone_build.py says exactly which two parts are
replaced): its entry-point resolution finds main.py, and the files it gathers for the phone are
app/, sync/, assets/ and main.py, never the server, tests, benchmarks, var/ (this computer's device
key and credentials), a virtual environment or a secret. Then the composition root starts from
those gathered files in a virtual environment holding only `[project] dependencies`, and imports
no server code and no server-only package."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.app.phone_build import ROOT, BuildStopped, BuildWithoutFlutter, flet_build, mirror_repository
from tests.app.phone_venv import phone_python, server_only_imports

PHONE_TOP_LEVEL = {"main.py", "app", "sync", "assets"}
NEVER_PACKED = ("server", "tests", "bench", "var", ".venv", "venv", "scripts", "build")
SECRET_NAMES = ("*.key", "*.key.copy", "*.key.tmp", "credentials.json*", ".env*", "*.pem", "*.p12", "*.jks")
SEEDED_SECRETS = (b"SEEDED-STORE-KEY", b"SEEDED-DEVICE-TOKEN", b"SEEDED-ENV-SECRET", b"SEEDED-JOURNAL")


def seed_developer_machine(root: Path) -> None:
    """What a developer's checkout holds beside the code after `make run`."""
    var = root / "var"
    (var / "device").mkdir(parents=True)
    (var / "device" / "journal.log").write_bytes(b"SEEDED-JOURNAL line\n")
    for name in ("device.key", "device.key.copy"):
        (var / name).write_text("fieldwork-store-key 1 SEEDED-STORE-KEY 00000000\n")
    (var / "credentials.json").write_text('{"token": "SEEDED-DEVICE-TOKEN"}')
    (root / ".env").write_text("FIELDWORK_SECRET_KEY=SEEDED-ENV-SECRET\n")
    for venv in (".venv", "venv"):  # hidden or not, a virtual environment is left out by flet-cli
        (root / venv / "lib").mkdir(parents=True)
        (root / venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
        (root / venv / "lib" / "token.py").write_text("TOKEN = 'SEEDED-DEVICE-TOKEN'\n")


def packed_files(command: BuildWithoutFlutter) -> list[str]:
    assert command.build_dir is not None
    staged = Path(command.build_dir) / "python-app"
    return sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file())


@pytest.fixture(scope="module", params=["apk", "ipa"])
def build(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuildWithoutFlutter]:
    root = mirror_repository(tmp_path_factory.mktemp(request.param) / "repo")
    seed_developer_machine(root)
    with flet_build(root, request.param) as command:
        yield command


def test_flet_cli_resolves_the_entry_point_to_main_py_at_the_root(build: BuildWithoutFlutter):
    assert build.python_module_name == "main" and build.python_module_filename == "main.py"
    assert build.package_app_path is not None
    entry = Path(build.package_app_path) / "main.py"
    assert entry.read_text() == (ROOT / "main.py").read_text()
    assert "from app.main import run" in entry.read_text()


def test_the_old_setting_app_main_is_reduced_to_app_and_refused(tmp_path: Path):
    """The configuration this replaces: flet-cli keeps `Path("app.main").stem` and looks for app.py."""
    pyproject = (ROOT / "pyproject.toml").read_text().replace('module = "main"', 'module = "app.main"')
    root = mirror_repository(tmp_path / "repo", pyproject=pyproject)
    with pytest.raises(BuildStopped, match=r"app\.py not found"), flet_build(root, "apk"):
        pass


def test_the_package_holds_main_py_app_sync_and_assets_and_nothing_else(build: BuildWithoutFlutter):
    files = packed_files(build)
    top_level = {name.split("/")[0] for name in files}
    # A new top-level folder is packed unless [tool.flet.app] exclude names it: this says which.
    assert top_level == PHONE_TOP_LEVEL
    for needed in ("main.py", "app/main.py", "app/store/local.py", "sync/engine.py", "sync/client.py"):
        assert needed in files
    assert any(name.startswith("assets/") for name in files)
    for name in files:
        assert name.split("/")[0] not in NEVER_PACKED
        assert "__pycache__" not in name.split("/")


def test_no_key_credential_or_secret_is_packed(build: BuildWithoutFlutter):
    staged = Path(str(build.build_dir)) / "python-app"
    for name in packed_files(build):
        base = name.rsplit("/", 1)[-1]
        assert not any(fnmatch.fnmatch(base, pattern) for pattern in SECRET_NAMES), name
        content = (staged / name).read_bytes()
        assert not any(secret in content for secret in SEEDED_SECRETS), name


def test_the_package_installs_the_project_dependencies_and_no_server_package(build: BuildWithoutFlutter):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    args = build.package_args
    installed = {Requirement(args[i + 1]).name for i, arg in enumerate(args) if arg == "-r"}
    assert installed == {Requirement(dep).name for dep in project["dependencies"]}
    server_only = {Requirement(dep).name for dep in project["optional-dependencies"]["server"]}
    assert not installed & server_only


# Run by the phone venv's Python in isolated mode (-I: neither the working folder nor PYTHONPATH is
# on sys.path): it puts only the packed folder on the path, watches every import, builds the app's
# object graph headless (no window, no web server) and imports every module of app/ and sync/.
COMPOSE_HEADLESS = """
import asyncio, importlib, importlib.abc, json, pkgutil, sys
packed, store, forbidden = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
attempted = []

class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in forbidden:
            attempted.append(name)
        return None  # only watching: the real finders answer

sys.meta_path.insert(0, Watch())
sys.path.insert(0, packed)
from app import main as root
args = root.parse_args(["--store", store, "--geocoder", "off", "--no-gps", "--demo"])
data = root.file_device_data(args.store)
opened = asyncio.run(data.open())
ctx = root.prepared_context(opened, args, device_data=data)
page_main = root.make_main(ctx, store_path=args.store, use_gps=False)
phone_main = root.make_phone_main(args)
import app, sync
for package in (app, sync):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
print(json.dumps({
    "attempted": attempted,
    "root": root.__file__,
    "employers": len(ctx.service.store.all("employer")),
    "loaded": sorted(name for name in sys.modules if name.partition(".")[0] in forbidden),
}))
"""


@pytest.fixture(scope="session")
def phone_venv_python(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = request.config.cache
    return phone_python(cache.mkdir("phone-venv") if cache is not None else tmp_path_factory.mktemp("venv"))


def test_the_composition_root_starts_from_the_package_with_phone_dependencies_only(
    build: BuildWithoutFlutter, phone_venv_python: Path, tmp_path: Path
):
    packed = Path(str(build.build_dir)) / "python-app"
    forbidden = server_only_imports()
    assert {"server", "sqlalchemy", "fastapi", "uvicorn", "alembic", "psycopg", "flet_web"} <= forbidden
    args = [str(packed), str(tmp_path / "device"), ",".join(forbidden)]
    done = subprocess.run(
        [str(phone_venv_python), "-I", "-B", "-c", COMPOSE_HEADLESS, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["attempted"] == [] and report["loaded"] == []
    assert Path(report["root"]).is_relative_to(packed)  # the packed app, not this checkout
    assert report["employers"] > 0  # the demo caseload went through the real store and service
