"""The supervisor pages are outside the OpenAPI document, so schemathesis does not reach them:
here every page's query parameters and every form's fields get arbitrary text (and NUL-free
unicode, huge numbers, odd dates). No 5xx, ever. Bounded and derandomized."""

from __future__ import annotations

import hypothesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from tests.server.web_helpers import csrf_from, seed_activity

PAGES = {
    "/review": ("owner", "kind", "since", "until", "state", "page"),
    "/review/export.csv": ("owner", "kind", "since", "until", "state"),
    "/review/export.geojson": ("owner", "kind", "since", "until", "state"),
    "/review/fidelity": ("weeks", "owner"),
    "/review/fidelity.csv": ("weeks",),
    "/review/fidelity/job-seekers.csv": (),
    "/review/outcomes": ("quarters",),
    "/review/outcomes.csv": ("quarters",),
    "/review/map": ("owner", "since", "until", "colour"),
    "/review/audit": ("page",),
}
FORMS = {"review": ("state", "comment"), "comments": ("body",), "resolve": ()}
text = (
    st.text(max_size=50)
    | st.integers(min_value=-(2**70), max_value=2**70).map(str)
    | st.dates().map(str)
    | st.sampled_from(["", "employer_visit", "approved", "needs_changes", "owner", "purpose", "0001-01-01"])
)


def test_pages_and_forms_never_fail_on_odd_input(app, client, world):
    seeded = seed_activity(client, world)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as browser:
        browser.cookies.set("fieldwork_session", world["ada"].session or "")
        csrf = csrf_from(browser.get(f"/review/records/{seeded.alice_visit}").text)
        seen: set[int] = set()

        @given(
            page=st.sampled_from(sorted(PAGES)),
            values=st.lists(text, min_size=6, max_size=6),
            form=st.sampled_from(sorted(FORMS)),
            record=st.sampled_from([seeded.alice_visit, seeded.employer, "x" * 80, "../../etc"]),
        )
        @hypothesis.settings(
            max_examples=120, deadline=None, derandomize=True, database=None,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def visit(page: str, values: list[str], form: str, record: str) -> None:
            params = dict(zip(PAGES[page], values, strict=False))
            got = browser.get(page, params=params)
            assert got.status_code < 500, (page, params, got.text[:300])
            seen.update((got.status_code,))
            fields = dict(zip(FORMS[form], values, strict=False)) | {"csrf_token": csrf}
            posted = browser.post(f"/review/records/{record}/{form}", data=fields, follow_redirects=False)
            assert posted.status_code < 500, (form, record, fields, posted.text[:300])
            seen.update((posted.status_code,))

        visit()
        assert {200, 303, 400} <= seen, seen  # pages shown, forms accepted, odd input refused
