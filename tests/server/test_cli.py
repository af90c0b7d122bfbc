"""The operator command line, end to end on a SQLite file."""

from __future__ import annotations

import io
import re

import pytest

from server import cli
from server.settings import Settings
from tests.server.world import CURRENT_APP


@pytest.fixture
def cli_settings(tmp_path):
    return Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}", secret_key="cli-secret")


def run(settings, *argv):
    return cli.main(list(argv), settings=settings)


def test_an_operator_sets_up_a_team_and_enrolls_and_revokes_a_phone(cli_settings, capsys, monkeypatch):
    assert run(cli_settings, "migrate") == 0
    assert run(cli_settings, "create-org", "Northside") == 0
    assert run(cli_settings, "create-team", "--org", "Northside", "IPS North") == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pass\n"))
    assert (
        run(
            cli_settings,
            "create-user",
            "--team",
            "IPS North",
            "--role",
            "supervisor",
            "--password-stdin",
            "sue",
        )
        == 0
    )
    assert (
        run(cli_settings, "create-user", "--team", "IPS North", "--role", "specialist", "--no-password", "al")
        == 0
    )
    capsys.readouterr()
    assert run(cli_settings, "enrollment-code", "al") == 0
    code = capsys.readouterr().out.split()[0]
    assert re.fullmatch(r"[A-Z2-9]{8}", code)

    from fastapi.testclient import TestClient

    from server.main import create_app

    with TestClient(create_app(cli_settings)) as client:
        enrolled = client.post("/api/v1/enroll", json={"code": code, "device_name": "phone"}).json()
        headers = {"Authorization": f"Bearer {enrolled['token']}", **CURRENT_APP}
        assert client.get("/api/v1/sync/pull", headers=headers).status_code == 200
        assert run(cli_settings, "list-devices", "--team", "IPS North") == 0
        assert enrolled["device_id"] in capsys.readouterr().out
        assert run(cli_settings, "revoke-device", enrolled["device_id"]) == 0
        assert client.get("/api/v1/sync/pull", headers=headers).status_code == 401


def test_errors_are_one_line_and_exit_1(cli_settings, capsys):
    run(cli_settings, "migrate")
    assert run(cli_settings, "create-team", "--org", "Nowhere", "X") == 1
    assert "no organisation" in capsys.readouterr().err


def test_demo_seeding_is_idempotent_and_prints_credentials(cli_settings, capsys):
    assert run(cli_settings, "demo") == 0
    first = capsys.readouterr().out
    assert run(cli_settings, "demo") == 0
    second = capsys.readouterr().out
    assert "supervisor login: supervisor / fieldwork-demo" in first and "specialist login" in second
    from fastapi.testclient import TestClient

    from server.main import create_app

    with TestClient(create_app(cli_settings)) as client:
        login = client.post(
            "/api/v1/auth/login", json={"username": "supervisor", "password": "fieldwork-demo"}
        )
        assert login.status_code == 200
        code = second.split("enrollment code:")[1].split()[0]
        assert (
            client.post("/api/v1/enroll", json={"code": code, "device_name": "demo phone"}).status_code == 200
        )


def test_every_command_is_documented_in_the_module_docstring():
    for command in cli.COMMANDS:
        assert f"  {command}" in cli.__doc__
