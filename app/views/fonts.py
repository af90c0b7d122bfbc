"""Emoji in the web build: a bundled monochrome emoji font, used where the text's own font has no glyph.

Flutter on the web draws text with its own fonts on a canvas. For a character its fonts lack it
downloads one of Google's Noto fonts; with `no_cdn` (offline) that download fails and an emoji
becomes an empty box. `assets/fonts/NotoEmoji-Regular.ttf` (Noto Emoji 3.006, SIL OFL 1.1, licence
beside it) is registered as a page font and named as the fallback of every style of the theme's text
theme, so Text, TextField, buttons and list tiles draw it after Roboto. Phones keep their own colour
emoji (Android and iOS fall back to the system's fonts), so only a page in a browser gets it.
"""

from __future__ import annotations

import dataclasses

import flet as ft

EMOJI_FONT_FAMILY = "Noto Emoji"
EMOJI_FONT_ASSET = "fonts/NotoEmoji-Regular.ttf"  # under assets/, the app's assets_dir
# Flutter web's own text font. Named first in the fallback list: with the emoji font alone there,
# CanvasKit took every character beyond ASCII on the screen ("·", "é") as missing and fetched a
# Noto Sans Symbols font that no_cdn does not serve, again on every frame: the page kept a core
# busy while idle (README, figures behind the code), and every tap waited behind it.
WEB_TEXT_FONT_FAMILY = "Roboto"
# Every style of Material's text theme (TextThemeStyle): the controls pick theirs from these.
TEXT_THEME_STYLES = tuple(
    f"{size}_{grade}"
    for size in ("display", "headline", "title", "label", "body")
    for grade in ("large", "medium", "small")
)


def emoji_text_theme() -> ft.TextTheme:
    """Each style falls back to the emoji font. The colour is stated because Flet's text theme
    otherwise draws in pure black instead of the colour scheme's on-surface."""
    return ft.TextTheme(
        **{
            name: ft.TextStyle(
                font_family_fallback=[WEB_TEXT_FONT_FAMILY, EMOJI_FONT_FAMILY], color=ft.Colors.ON_SURFACE
            )
            for name in TEXT_THEME_STYLES
        }
    )


def use_emoji_font(page: ft.Page) -> None:
    """In a browser, register the bundled emoji font and make the theme's text fall back to it."""
    if not page.web:
        return
    page.fonts = {**(page.fonts or {}), EMOJI_FONT_FAMILY: EMOJI_FONT_ASSET}
    page.theme = dataclasses.replace(page.theme or ft.Theme(), text_theme=emoji_text_theme())
