"""The field app in a real browser: it renders offline (no CDN), and a visit can be logged by tapping.

Starts `python -m app.main --web --demo` on a loopback port with a fresh store, drives Debian's
Chromium through Playwright with a fake GPS, and keeps screenshots under artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.e2e.field_app import (
    DRAWN_BYTES,
    app_page,
    by_id,
    choose,
    running_field_app,
    search_picker,
    shot,
    tap,
    text_of,
)

KENDAL = {"latitude": 54.32921, "longitude": -2.74472, "accuracy": 15}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("device") / "store"
    log_path = tmp_path_factory.mktemp("log") / "app.log"
    with running_field_app(
        ["--demo", "--store", str(store), "--fix-timeout", "10"], log_path=log_path
    ) as url:
        yield url


@pytest.fixture
def page(app_url: str):
    with app_page(app_url, permissions=["geolocation", "camera"], geolocation=KENDAL) as page:
        yield page


EMOJI_NOTE = "Met Sam \N{THUMBS UP SIGN}\N{HOT BEVERAGE}"


def ink_runs(image: Image.Image, join: int = 5) -> list[Image.Image]:
    """The image cut at gaps of more than `join` blank columns into runs of text-coloured ink (dark
    and grey: the teal cursor, label and border are left out), each cropped to its ink. Letters of
    a word and the strokes of one emoji are 1-4 px apart at this size, words and emoji 7 px or more."""
    width, height = image.size
    pixels = image.load()

    def ink(x: int, y: int) -> bool:
        r, g, b = pixels[x, y][:3]
        return max(r, g, b) < 150 and max(r, g, b) - min(r, g, b) < 40

    inked = [x for x in range(width) if any(ink(x, y) for y in range(height))]
    spans: list[list[int]] = []
    for x in inked:
        if spans and x - spans[-1][1] - 1 <= join:
            spans[-1][1] = x
        else:
            spans.append([x, x])
    runs = []
    for left, right in spans:
        rows = [y for y in range(height) if any(ink(x, y) for x in range(left, right + 1))]
        runs.append(image.crop((left, rows[0], right + 1, rows[-1] + 1)))
    return runs


def type_emoji_and_check_drawn(page, field, name: str) -> None:
    """Type EMOJI_NOTE into the field. The bundled emoji font was fetched, and the note's last two
    glyphs are drawn as two different pictures, not one empty box each (as they are with the font
    left out: two boxes 1 px apart). Up to three screenshots, 500 ms apart, the field's place read
    after each: the canvas may be a frame behind, and Flutter web sometimes loses Playwright's fill
    or redraws the form just after it, scrolled back to its top (typed again: the field is focused
    and scrolled into view again)."""
    typed = field.locator("textarea, input").first
    typed.fill(EMOJI_NOTE)
    fonts = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert any(url.endswith("/fonts/NotoEmoji-Regular.ttf") for url in fonts), fonts
    for _ in range(3):
        picture = Image.open(shot(page, name)).convert("RGB")
        # Where the field is once the picture is taken, not where it was when the text was typed.
        box = field.bounding_box()
        text_line = tuple(
            round(v) for v in (box["x"] + 8, box["y"] + 14, box["x"] + box["width"] - 8, box["y"] + 44)
        )
        runs = ink_runs(picture.crop(text_line))
        if len(runs) == 4:
            break
        typed.fill(EMOJI_NOTE)
    assert len(runs) == 4, f"expected Met, Sam and two emoji, found {[run.size for run in runs]}"
    thumbs_up, cup = runs[2], runs[3]
    assert thumbs_up.size != cup.size or thumbs_up.tobytes() != cup.tobytes(), (
        "the two emoji are the same box"
    )


def pending(page) -> int:
    label = text_of(by_id(page, "sync-status"))
    match = re.search(r"(\d+) waiting to sync", label)
    assert match, label
    return int(match.group(1))


def test_today_renders_the_app_not_a_blank_or_error_page(page):
    sync = by_id(page, "sync-status")
    sync.wait_for(state="attached")
    path = shot(page, "field-app-today.png")
    assert path.stat().st_size > DRAWN_BYTES  # a blank canvas compresses to almost nothing
    assert "Not connected to your team yet" in text_of(sync)
    assert page.get_by_role("tab", name="Employers").count() == 1
    assert by_id(page, "log-visit").count() == 1
    assert page.get_by_text("Riverside Café").count() >= 1  # the demo's next step due today


def test_log_a_visit_by_tapping_with_a_gps_fix(page):
    """Its outcome is typed with emoji, drawn offline with the bundled font (app/views/fonts.py)."""
    by_id(page, "sync-status").wait_for(state="attached")
    before = pending(page)
    tap(page, "log-visit")
    choose(page, "Castle Street Pharmacy")
    type_emoji_and_check_drawn(page, by_id(page, "field-outcome"), "field-app-emoji-note.png")
    page.get_by_role("checkbox", name="In 1 week").click()
    by_id(page, "field-next_step_on").locator("input").first.wait_for(state="attached")
    location = by_id(page, "visit-location")
    page.wait_for_function(
        "el => (el.getAttribute('aria-label') || el.innerText).includes('GPS 54.32921, -2.74472')",
        arg=location.element_handle(),
    )
    shot(page, "field-app-visit-form.png")
    tap(page, "save-visit")
    by_id(page, "sync-status").wait_for(state="attached")
    page.wait_for_function(
        "n => { const el = document.querySelector('[flt-semantics-identifier=\"sync-status\"]');"
        " const m = el && /([0-9]+) waiting to sync/.exec(el.getAttribute('aria-label') || el.innerText);"
        " return m && m[1] == n; }",
        arg=str(before + 1),
    )
    assert page.get_by_text("Castle Street Pharmacy").count() >= 1
    shot(page, "field-app-today-after-visit.png")


def test_find_an_employer_by_typing_part_of_its_name_and_log_a_visit(page):
    """Issue 18: employers beyond the recent few are found by typing, not from a list of all of
    them. 'fells' finds Fellside Garden Centre (the demo's fifth employer, not a recent chip); its
    chip chosen, the visit saves with it and shows on Today."""
    by_id(page, "sync-status").wait_for(state="attached")
    before = pending(page)
    tap(page, "log-visit")
    by_id(page, "employer-search").wait_for(state="attached")
    assert page.get_by_role("checkbox", name="Fellside Garden Centre").count() == 0
    search_picker(page, "employer", "fells")
    assert by_id(page, "employer-match-1").count() == 0  # one employer matches
    shot(page, "field-app-employer-search.png")
    choose(page, "Fellside Garden Centre")
    by_id(page, "employer-match-0").wait_for(state="detached")  # the search is done
    shot(page, "field-app-employer-found.png")
    outcome = by_id(page, "field-outcome").locator("textarea, input").first
    outcome.fill("Asked about seasonal roles")
    page.wait_for_timeout(300)  # Flutter web takes typed text a moment after fill
    tap(page, "save-visit")
    page.wait_for_function(
        "n => { const el = document.querySelector('[flt-semantics-identifier=\"sync-status\"]');"
        " const m = el && /([0-9]+) waiting to sync/.exec(el.getAttribute('aria-label') || el.innerText);"
        " return m && m[1] == n; }",
        arg=str(before + 1),
    )
    assert page.get_by_text("Fellside Garden Centre").count() >= 1


def test_disclosure_guard_shows_its_message_and_a_reason_field(page):
    by_id(page, "sync-status").wait_for(state="attached")
    before = pending(page)
    tap(page, "log-visit")
    choose(page, "Riverside Café")
    choose(page, "KD-102 (no disclosure)")
    by_id(page, "disclosure-warning").wait_for(state="attached")
    tap(page, "save-visit")
    page.get_by_text("KD-102 has not agreed to disclose to this employer", exact=False).first.wait_for(
        state="attached"
    )
    by_id(page, "on-behalf").wait_for(state="attached")  # issue 15: the one-tap alternative to a reason
    shot(page, "field-app-disclosure-refused.png")
    reason = by_id(page, "field-disclosure_reason").locator("textarea, input").first
    # Flutter web sometimes takes typed text a moment after Playwright's fill: if the form is
    # still showing (the save was refused again), type once more, up to three times.
    for _ in range(3):
        reason.fill("KD-102 asked me to talk to the owner about adjustments")
        page.wait_for_timeout(300)
        tap(page, "save-visit")
        sync = by_id(page, "sync-status")
        try:
            sync.wait_for(state="attached", timeout=5000)
            break
        except PlaywrightTimeout:
            continue
    assert pending(page) == before + 1


def test_attach_a_photo_to_an_opening_from_the_file_picker(page, tmp_path):
    """Add photo opens the picker (an image file chooser in the browser); the photo is shrunk off
    the UI thread and shown with its state, waiting to send after its record. Take photo does the
    same with a picture from the camera screen (Chromium's fake camera)."""
    picked = tmp_path / "job-posting.jpg"
    Image.new("RGB", (2400, 1800), (200, 120, 40)).save(picked, format="JPEG", quality=90)
    by_id(page, "sync-status").wait_for(state="attached")
    page.get_by_role("tab", name="Openings").click()
    tap(page, "opening-row-0")
    by_id(page, "add-photo").wait_for()
    with page.expect_file_chooser() as chooser:
        tap(page, "add-photo")
    assert chooser.value.element.get_attribute("accept") == "image/*"  # FilePickerFileType.IMAGE
    chooser.value.set_files(str(picked))
    photo = by_id(page, "photo-0")
    photo.wait_for(state="attached")
    assert text_of(photo).startswith("Photo 1: Waiting to send")
    assert "Photo kept on this phone" in text_of(by_id(page, "photo-message"))
    shot(page, "field-app-opening-photo.png")

    # Take photo: flet-camera's preview of Chromium's fake camera, and its picture kept the same way.
    tap(page, "take-photo")
    page.get_by_text("Point the camera at the posting", exact=False).first.wait_for(state="attached")
    shot(page, "field-app-camera.png")
    tap(page, "shutter")
    second = by_id(page, "photo-1")
    second.wait_for(state="attached")
    assert text_of(second).startswith("Photo 2: Waiting to send")
    shot(page, "field-app-opening-camera-photo.png")

    # Issue 15, on the same page: Fits lists a job seeker of this phone the opening fits, with why;
    # a tap opens their page, whose Matches ranks the openings and employers that fit them, offline.
    fit = by_id(page, "fit-seeker-0")
    fit.wait_for(state="attached")
    assert "wants" in text_of(fit)
    tap(page, "fit-seeker-0")
    match = by_id(page, "match-opening-0")
    match.wait_for(state="attached")
    assert " · " in text_of(match)  # "title · employer", then why it fits
    shot(page, "field-app-job-seeker-matches.png")

    # Issue 15, from a check-in (last, as it ends a demo job): "Job ended" opens the job seeker
    # page's own form on the check-in's day; after its save the check-in is back as it was typed,
    # its job marked ended.
    page.get_by_role("tab", name="Today").click()
    tap(page, "log-check-in")
    choose(page, "KD-104")
    by_id(page, "check-in-job-started").wait_for(state="attached")
    shot(page, "field-app-check-in-job-actions.png")
    concerns = by_id(page, "field-concerns").locator("textarea, input").first
    typed = "Wants fewer weekend shifts"
    concerns.click()  # focused first, so Flutter's editing takes the fill
    expect(concerns).to_be_focused()
    concerns.fill(typed)
    page.wait_for_timeout(300)  # Flutter web takes the typed text a moment after the fill (as above)
    tap(page, "check-in-job-ended")
    choose(page, "Left the job")
    tap(page, "save-job-end")
    page.get_by_role("checkbox", name=re.compile(r"^Ended: Care assistant")).first.wait_for(state="attached")
    shot(page, "field-app-check-in-after-job-ended.png")
    concerns = by_id(page, "field-concerns").locator("textarea, input").first
    concerns.click()  # Flutter web puts a text field's value in the DOM while it has the focus
    expect(concerns).to_have_value(typed)
