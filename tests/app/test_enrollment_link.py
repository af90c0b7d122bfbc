"""The Connect screen reads a typed code, or the link the team page's QR code holds, pasted into
either field: the link fills in the server and the code (app.state.connect.read_enrollment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from app.device_sync import DeviceSync
from app.state.connect import ConnectState, EnrollmentInput, read_enrollment
from server.web.pages_team import enrollment_link
from sync.credentials import Credentials


def test_a_typed_code_is_taken_as_typed():
    assert read_enrollment("  abcd 2345 ") == EnrollmentInput(code="abcd 2345")
    assert read_enrollment("") == EnrollmentInput(code="")


def test_the_team_pages_link_gives_back_its_server_and_code():
    link = enrollment_link("https://fieldwork.example.org:8443/ips/", "ABCD2345")
    assert read_enrollment(link) == EnrollmentInput(
        code="ABCD2345", server_url="https://fieldwork.example.org:8443/ips", is_link=True
    )


def test_a_link_turned_to_capitals_by_the_code_field_still_reads():
    link = enrollment_link("http://10.0.0.5:8000", "WXYZ7890").upper()
    assert read_enrollment(link) == EnrollmentInput(
        code="WXYZ7890", server_url="http://10.0.0.5:8000", is_link=True
    )


def test_a_link_inside_other_words_is_found():
    text = "Open in Fieldwork: fieldwork://enroll?server=http%3A%2F%2F10.0.0.5%3A8000&code=WXYZ7890 \n"
    assert read_enrollment(text) == EnrollmentInput(
        code="WXYZ7890", server_url="http://10.0.0.5:8000", is_link=True
    )


@pytest.mark.parametrize(
    "server",
    [
        "javascript%3Aalert(1)",
        "file%3A%2F%2F%2Fetc",
        "https%3A%2F%2F",
        "https%3A%2F%2Fme%3Apw%40evil.example",
        "",
    ],
)
def test_a_link_never_points_the_phone_at_anything_but_an_http_server(server: str):
    found = read_enrollment(f"fieldwork://enroll?server={server}&code=ABCD2345")
    assert found == EnrollmentInput(code="ABCD2345", server_url=None, is_link=True)


def test_other_links_are_not_enrollment_links():
    assert read_enrollment("fieldwork://open?code=ABCD2345").is_link is False
    assert read_enrollment("https://example.org/?code=ABCD2345").is_link is False


@dataclass
class FakeLink:
    """The slice of DeviceSync the Connect screen uses; records what it was asked to enroll with."""

    default_server_url: str = "https://typed-before.example"
    credentials: Credentials | None = None
    notice: str | None = None
    asked: list[tuple[str, str]] = field(default_factory=list)

    async def connect(self, server_url: str, code: str) -> Credentials:
        self.asked.append((server_url, code))
        return Credentials(server_url, "tok", "dev", "Ana", "IPS North")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _screen(link: FakeLink) -> ConnectState:
    return ConnectState(cast(DeviceSync, cast(Any, link)))


@pytest.mark.anyio
@pytest.mark.parametrize("field_name", ["code", "server_url"])
async def test_a_link_pasted_into_either_field_connects_to_its_server_with_its_code(field_name: str):
    link = FakeLink()
    state = _screen(link)
    setattr(state, field_name, enrollment_link("https://team.example.org", "QRST2345"))
    assert await state.connect()
    assert link.asked == [("https://team.example.org", "QRST2345")]


@pytest.mark.anyio
async def test_a_typed_code_connects_to_the_server_in_the_server_field():
    link = FakeLink()
    state = _screen(link)
    state.code = "qrst-2345"
    assert await state.connect()
    assert link.asked == [("https://typed-before.example", "qrst-2345")]


def test_pasting_a_link_fills_both_fields_for_the_specialist_to_see():
    state = _screen(FakeLink())
    assert state.take_pasted(enrollment_link("http://127.0.0.1:8000", "ABCD2345"))
    assert (state.server_url, state.code) == ("http://127.0.0.1:8000", "ABCD2345")
    assert not state.take_pasted("ABCD")  # typing a code changes nothing else
    assert state.server_url == "http://127.0.0.1:8000"


def test_the_app_reports_the_packages_version():
    import tomllib
    from pathlib import Path

    from app.main import APP_VERSION

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == APP_VERSION
