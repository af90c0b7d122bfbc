"""Choice chips cost Flet two controls each, the chip and its tag: a chip's label is its text, styled
by the chip (the same size as before), not a Text control of its own. A form sends a new chip for
every option each time it opens, and each control costs about as much to add and send as another."""

from __future__ import annotations

import flet as ft

from app.views.widgets import choice_chips
from tests.app.test_labels_and_pickers import walk


def test_a_chip_is_two_controls_and_its_label_is_its_text() -> None:
    options = [("face_to_face", "Face to face"), ("phone", "Phone"), ("email", "Email")]
    row = choice_chips(options, "phone", lambda _value: None, identifier="mode")
    assert isinstance(row, ft.Row)
    assert len(walk(row)) == 1 + 2 * len(options)  # the row, and a tag and a chip per option
    tags = row.controls
    assert all(isinstance(t, ft.Semantics) for t in tags)
    assert [t.identifier for t in tags] == ["mode-0", "mode-1", "mode-2"]
    chips = [t.content for t in tags if isinstance(t, ft.Semantics) and isinstance(t.content, ft.Chip)]
    assert [c.label for c in chips] == ["Face to face", "Phone", "Email"]
    assert all(c.label_text_style == ft.TextStyle(size=16) for c in chips)
    assert [c.selected for c in chips] == [False, True, False]
