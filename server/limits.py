"""The server's bounds, in one place: every one is a `ganlab serve` flag and each is answered
with a clear message when hit. Defaults suit a classroom on one machine."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

# Measured on the server process: a ring session after 50 steps adds ~17-40 MB of RSS, a
# figure1 session ~9 MB (the process itself starts at ~270 MB). A configuration at the cost
# limit holds more (batch 2048 × width 256 activations), so budget 100 MB a session and keep
# the lab within about half of the machine's memory.
SESSION_MEMORY_BYTES = 100 * 1024**2


def default_max_sessions() -> int:
    """Sessions that fit this machine: 4 per core (most sessions are paused most of the
    time), at most what half the memory holds, at least 2."""
    cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 4 * 1024**3
    return max(2, min(4 * cores, int(memory // 2 // SESSION_MEMORY_BYTES)))


@dataclass
class Limits:
    max_sessions: int = 32
    queue: int = 64  # commands waiting for one session's worker
    commands_per_second: float = 30.0  # sustained rate per connection (bursts of 2x allowed)
    message_bytes: int = 64 * 1024  # one inbound websocket message
    idle_timeout: float = 3600.0  # seconds without a command before a session is closed
    send_timeout: float = 10.0  # seconds a client may take to accept one message
    resume_grace: float = 120.0  # seconds a disconnected session waits to be resumed
    max_cost: float | None = None  # multiply-adds per iteration or frame; None = measure
    cost_seconds: float = 1.0  # the budget max_cost stands for (when measured)
    max_watchers: int = 200  # read-only watchers of one session

    def check(self) -> None:
        for name in ("max_sessions", "queue", "message_bytes", "max_watchers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("commands_per_second", "idle_timeout", "send_timeout", "cost_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if self.resume_grace < 0:
            raise ValueError("resume_grace must be 0 or more")


class TokenBucket:
    """Rate limit: `rate` tokens a second, up to `burst` saved; the clock is injectable so
    tests need no sleeps."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = burst
        self.stamp = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
