"""Web mode is one person's: every browser session of `python -m app.main --web` shares one store and
one device token with no sign-in, so the app listens on 127.0.0.1 only and refuses any other
address (the --host option, or flet's FLET_SERVER_IP, which overrides the host flet is given)
with a clear message, before it opens or creates anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import main
from app.main import run
from tests.e2e.field_app import ROOT, running_field_app

LISTEN = "0A"  # TCP state in /proc/net/tcp
LOOPBACK_HEX = "0100007F"  # 127.0.0.1, as the kernel prints it


@pytest.fixture(autouse=True)
def never_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the refusal gone, run() would serve until killed: fail at once instead."""

    def serving(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the app started serving ({kwargs})")

    monkeypatch.setattr(main, "serve_web", serving)  # web mode, and any Linux box with no display
    monkeypatch.setattr(main.ft, "run", serving)  # the desktop client


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "localhost"])
def test_any_host_but_127_0_0_1_is_refused_before_the_store_is_opened(tmp_path: Path, host: str):
    store = tmp_path / "var" / "device"
    with pytest.raises(SystemExit) as refused:
        run(["--web", "--host", host, "--store", str(store), "--geocoder", "off"])
    message = str(refused.value.code)
    assert f"refuses to listen on {host} (--host)" in message
    assert "one person's" in message and "127.0.0.1 only" in message
    assert not (tmp_path / "var").exists()  # no store, no key made


def test_flet_server_ip_cannot_open_it_to_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FLET_SERVER_IP", "0.0.0.0")
    with pytest.raises(SystemExit, match=r"refuses to listen on 0\.0\.0\.0 \(FLET_SERVER_IP\)"):
        run(["--web", "--store", str(tmp_path / "device"), "--geocoder", "off"])
    assert not (tmp_path / "device").exists()


def test_the_command_line_says_why_and_exits_non_zero(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "app.main", "--web", "--host", "0.0.0.0", "--store", str(tmp_path / "d")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "FLET_SERVER_IP"},
    )
    assert done.returncode == 1
    assert "Fieldwork refuses to listen on 0.0.0.0 (--host). Web mode is one person's" in done.stderr


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port`, as hex from /proc/net/tcp and tcp6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, _, port_hex = fields[1].partition(":")
            if int(port_hex, 16) == port and fields[3] == LISTEN:
                found.add(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's socket table")
def test_web_mode_listens_on_127_0_0_1_and_nowhere_else(tmp_path: Path):
    args = ["--store", str(tmp_path / "device"), "--no-gps"]
    with running_field_app(args, log_path=tmp_path / "app.log") as url:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        assert listening_addresses(port) == {LOOPBACK_HEX}
