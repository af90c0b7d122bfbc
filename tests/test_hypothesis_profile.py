"""Property tests in CI draw the same examples every run and keep no example database, so a clean
clone's result does not depend on the draw (tests/conftest.py); elsewhere they stay random."""

from __future__ import annotations

import os

from hypothesis import settings


def test_the_ci_profile_draws_the_same_examples_every_run_and_keeps_none():
    ci = settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.database is None


def test_a_ci_run_uses_the_ci_profile():
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    assert settings.default.derandomize is in_ci
