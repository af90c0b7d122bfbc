"""Retry delays: exponential backoff with full jitter and a cap.

Full jitter (a uniform draw between 0 and the exponential ceiling) spreads a team's phones out
when the server comes back, instead of having them all retry in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    def __init__(
        self,
        *,
        base_s: float = 2.0,
        cap_s: float = 300.0,
        draw: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self._base_s = base_s
        self._cap_s = cap_s
        self._draw = draw
        self.failures = 0

    def ceiling(self) -> float:
        exponent: int = max(self.failures - 1, 0)
        return min(self._cap_s, self._base_s * float(2**exponent))

    def next_delay(self) -> float:
        """Record one more failure and return how long to wait before the next try."""
        self.failures = min(self.failures + 1, 64)  # 2**64 is past any cap; keeps the float finite
        return float(self._draw(0.0, self.ceiling()))

    def reset(self) -> None:
        self.failures = 0

    def capped(self, cap_s: float) -> Backoff:
        """A fresh backoff with this one's base and draw and a cap no higher than `cap_s`."""
        return Backoff(base_s=self._base_s, cap_s=min(self._cap_s, cap_s), draw=self._draw)
