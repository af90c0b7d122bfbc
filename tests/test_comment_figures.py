"""Comments give reasons, not measurements: a timing figure in a comment goes stale the day the code
around it changes. The figures behind the code live in README.md (Benchmarks: figures behind the
code) and bench/RESULTS.md; this fails on a comment or docstring in app/, sync/ or server/ that
quotes one (a number followed by ms, µs, s, seconds, or a ratio: a times sign or an x).

A configured value is not a measurement: ALLOWED names the few comments that state one.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "sync", "server")
FIGURE = re.compile(
    r"(?<![\w.])[~≈]?\d+(?:[.,]\d+)*\s?(?:ms|µs|us|ns|s|secs?|seconds?|\u00d7|x)(?!\w)", re.IGNORECASE
)
# (file, the figure as written): why it is not a measurement.
ALLOWED = {
    ("server/services/attempts.py", "300 s"): "the default sign-in window, Settings.sign_in_window_seconds",
}
_STATEMENT_START = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}


def figures_in(source: str) -> list[tuple[int, str]]:
    """(line, figure) for each timing figure in the comments and docstrings of `source`: comment
    tokens, and string tokens that stand alone as a statement (docstrings), not strings in code."""
    found: list[tuple[int, str]] = []
    previous = tokenize.ENCODING
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        is_docstring = token.type == tokenize.STRING and previous in _STATEMENT_START
        if token.type == tokenize.COMMENT or is_docstring:
            for match in FIGURE.finditer(token.string):
                line = token.start[0] + token.string.count("\n", 0, match.start())
                found.append((line, match.group(0)))
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            previous = token.type
    return found


def _checked_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (CHECKOUT / package).rglob("*.py"))


def test_no_comment_or_docstring_quotes_a_timing_figure() -> None:
    quoted = []
    for path in _checked_files():
        name = path.relative_to(CHECKOUT).as_posix()
        for line, figure in figures_in(path.read_text(encoding="utf-8")):
            if (name, figure) not in ALLOWED:
                quoted.append(f"{name}:{line}: {figure!r}")
    assert quoted == [], (
        "move these figures to README.md (Benchmarks: figures behind the code) or bench/RESULTS.md "
        "and leave the reason in the comment: " + "; ".join(quoted)
    )


def test_every_allowed_figure_is_still_there() -> None:
    """An allowance whose comment changed is dropped, so the list stays the few that need it."""
    for name, figure in ALLOWED:
        assert figure in [f for _, f in figures_in((CHECKOUT / name).read_text(encoding="utf-8"))], name


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1  # compressing took ~5 ms of a push\n", [(1, "~5 ms")]),
        ('def f():\n    """Reads 1,000 rows.\n\n    It took 6.6 s whole."""\n', [(4, "6.6 s")]),
        ("# the sealing is 7 µs of CPU\n", [(1, "7 µs")]),
        ("# 3\u00d7 faster than the ORM, or 1.25x a load\n", [(1, "3\u00d7"), (1, "1.25x")]),
        ("# a pause of 100ms under load\n", [(1, "100ms")]),
        ("class A:\n    '''Waits 30 seconds.'''\n", [(2, "30 seconds")]),
    ],
)
def test_the_scan_finds_figures_in_comments_and_docstrings(
    source: str, expected: list[tuple[int, str]]
) -> None:
    assert figures_in(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        'message = f"try again in {wait} s, not 5 s"\n',  # a string in code says what the user reads
        "TIMEOUT_S = 5.0  # seconds to wait for the API\n",  # a unit, no figure
        "# the v2 format; a 0x1F byte; 3D points; 2 KiB more; within 0.6 %\n",
        "x = call(\n    '10 s'\n)\n",  # an argument, not a statement
    ],
)
def test_the_scan_leaves_code_and_other_numbers_alone(source: str) -> None:
    assert figures_in(source) == []
