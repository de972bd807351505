"""Retry policy: exponential backoff with full jitter, capped; Retry-After honoured (pure)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 2.0
    cap_s: float = 900.0
    max_retry_after_s: float = 3600.0

    def ceiling(self, attempt: int) -> float:
        """Upper bound of the delay after the ``attempt``-th failure (1-based)."""
        return min(self.cap_s, self.base_s * (2 ** min(max(attempt, 1) - 1, 60)))

    def delay(self, attempt: int, retry_after_s: float | None = None,
              rng: random.Random | None = None) -> float:
        """Full jitter (uniform in [0, ceiling]) so a fleet back from an outage spreads out; a
        server's Retry-After is a floor (capped so a bad header cannot park the queue)."""
        d = (rng or random).uniform(0.0, self.ceiling(attempt))
        if retry_after_s is not None:
            d = max(d, min(retry_after_s, self.max_retry_after_s))
        return d
