"""What a job seeker's code may look like: one team setting (issue 17, item 10).

Pseudonymous by construction: no format lets a code hold a space, comma or full stop, so "John
Smith, schizophrenia" can never be one, and no code is longer than 12 characters. A team chooses
one of a few presets, or a *mask* such as `AA-999`: one character per position, `A` a letter, `9`
a digit, `X` a letter or digit, `-` a hyphen. A mask is matched position by position in linear
time: a setting is never a regular expression (a user's regex could take a server's CPU for
minutes on one push). The setting travels as a short string: a preset's name or `mask:AA-999`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

CODE_MAX = 12  # no format allows longer codes (app.domain.validation caps `code` at this)
MASK_PREFIX = "mask:"
MASK_SYMBOLS = {
    "A": "a letter",
    "9": "a digit",
    "X": "a letter or digit",
    "-": "a hyphen",
}
DIGITS = "0123456789"
CODE_FORMAT_META = "team_code_format"  # where the phone keeps the setting its last pull carried


@dataclass(frozen=True)
class _Preset:
    label: str  # for the team page's choice
    allowed: str  # "letters, digits and hyphens"
    example: str
    ok: Callable[[str], bool]


PRESETS: dict[str, _Preset] = {
    "letters_digits_hyphens": _Preset(
        "Letters, digits and hyphens (the default)",
        "letters, digits and hyphens",
        "KD-104",
        lambda char: char.isalnum() or char == "-",
    ),
    "letters_digits": _Preset("Letters and digits only", "letters and digits", "KD104", str.isalnum),
    "digits": _Preset("Digits only", "digits", "10452", lambda char: char in DIGITS),
    "letters": _Preset("Letters only (a first name)", "letters", "Sam", str.isalpha),
}
DEFAULT = "letters_digits_hyphens"


class BadCodeFormat(ValueError):
    """A code format setting that is neither a preset nor a valid mask (the message says why)."""


@dataclass(frozen=True)
class CodeFormat:
    """One team's code format. `setting` is a preset's name or `mask:` and a mask."""

    setting: str = DEFAULT

    def __post_init__(self) -> None:
        problem = setting_problem(self.setting)
        if problem is not None:
            raise BadCodeFormat(problem)

    @classmethod
    def from_setting(cls, setting: object) -> CodeFormat:
        """The format a stored or received setting names; the default for a missing or unknown
        one (a newer server's preset on an older phone: the server still checks every push)."""
        if isinstance(setting, str) and setting_problem(setting) is None:
            return cls(setting)
        return cls()

    @property
    def mask(self) -> str | None:
        return self.setting[len(MASK_PREFIX) :] if self.setting.startswith(MASK_PREFIX) else None

    @property
    def example(self) -> str:
        mask = self.mask
        if mask is None:
            return PRESETS[self.setting].example
        return _example(mask)

    @property
    def label(self) -> str:
        mask = self.mask
        return f"Pattern {mask}" if mask is not None else PRESETS[self.setting].label

    @property
    def explanation(self) -> str:
        """The sentence the job seeker form shows under the code field."""
        mask = self.mask
        if mask is None:
            allowed = PRESETS[self.setting].allowed
            return f"Up to {CODE_MAX} {allowed}; no spaces, surnames or diagnoses (e.g. {self.example})"
        spelled = _spelled(mask)
        return f"Your team's pattern is {mask}: {spelled}; never a name or diagnosis (e.g. {self.example})"

    def problem(self, code: str) -> str | None:
        """Why `code` is refused, or None. Unicode letters count (a first name like José is fine)."""
        mask = self.mask
        if mask is not None:
            fits = len(code) == len(mask) and all(map(_fits, code, mask))
            if fits:
                return None
            return f"use your team's pattern {mask} ({_spelled(mask)}), e.g. {self.example}"
        preset = PRESETS[self.setting]
        if len(code) > CODE_MAX:
            return f"use at most {CODE_MAX} characters: {preset.allowed}, no spaces"
        if not all(preset.ok(char) for char in code):
            return f"use only {preset.allowed}: no spaces or punctuation, never a full name or diagnosis"
        return None


def setting_problem(setting: str) -> str | None:
    """Why `setting` is not a code format, or None."""
    if setting in PRESETS:
        return None
    if not setting.startswith(MASK_PREFIX):
        return "choose one of the formats offered, or a pattern"
    return mask_problem(setting[len(MASK_PREFIX) :])


def mask_problem(mask: str) -> str | None:
    """Why `mask` is not a pattern, or None: 1 to 12 of A, 9, X and -, with at least one A, 9 or X."""
    if not 1 <= len(mask) <= CODE_MAX:
        return f"a pattern has 1 to {CODE_MAX} characters"
    if any(symbol not in MASK_SYMBOLS for symbol in mask):
        return "a pattern uses only A (a letter), 9 (a digit), X (a letter or digit) and - (a hyphen)"
    if set(mask) == {"-"}:
        return "a pattern needs at least one A, 9 or X"
    return None


def _fits(char: str, symbol: str) -> bool:
    if symbol == "A":
        return char.isalpha()
    if symbol == "9":
        return char in DIGITS
    if symbol == "X":
        return char.isalpha() or char in DIGITS
    return char == "-"


def _example(mask: str) -> str:
    letters, digits = iter("KDMRTS" * 2), iter("104527" * 2)
    return "".join(
        next(letters) if s == "A" else next(digits) if s == "9" else "7" if s == "X" else "-" for s in mask
    )


def _spelled(mask: str) -> str:
    """'AA-999' -> '2 letters, a hyphen, 3 digits'."""
    parts: list[str] = []
    run_symbol, run = mask[0], 0
    for symbol in [*mask, ""]:
        if symbol == run_symbol:
            run += 1
            continue
        parts.append(_run_words(run_symbol, run))
        run_symbol, run = symbol, 1
    return ", ".join(parts)


def _run_words(symbol: str, count: int) -> str:
    if count == 1:
        return MASK_SYMBOLS[symbol]
    plural = {"A": "letters", "9": "digits", "X": "letters or digits", "-": "hyphens"}[symbol]
    return f"{count} {plural}"
