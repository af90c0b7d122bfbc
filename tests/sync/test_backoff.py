from __future__ import annotations

from sync.backoff import Backoff


def ceiling_draw(low: float, high: float) -> float:
    return high


def test_backoff_doubles_up_to_the_cap():
    backoff = Backoff(base_s=2.0, cap_s=30.0, draw=ceiling_draw)
    assert [backoff.next_delay() for _ in range(6)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_full_jitter_draws_between_zero_and_the_ceiling():
    draws = []

    def record(low: float, high: float) -> float:
        draws.append((low, high))
        return low

    backoff = Backoff(base_s=1.0, cap_s=10.0, draw=record)
    assert backoff.next_delay() == 0.0
    backoff.next_delay()
    assert draws == [(0.0, 1.0), (0.0, 2.0)]


def test_reset_starts_again_from_the_base():
    backoff = Backoff(base_s=2.0, cap_s=30.0, draw=ceiling_draw)
    for _ in range(4):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 2.0


def test_many_failures_stay_finite():
    backoff = Backoff(base_s=2.0, cap_s=300.0, draw=ceiling_draw)
    for _ in range(10_000):
        delay = backoff.next_delay()
    assert delay == 300.0
