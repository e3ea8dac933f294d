"""One training thread for every playing session, instead of one thread each: sessions whose
models have the same shape (gan_core.batched.batch_key) are stepped together as one stacked
computation, so N small sessions cost about one session's Python overhead, not N.

Each session keeps its own speed: a session is due the iterations its chosen speed allows
(all it can get at max speed), and a group steps the iterations its members are all due,
within a time slice. Groups take turns (the order rotates every round), so a heavy session
cannot starve the rest. A session whose page wants it (a command, a frame, a disconnect) ends
the slice at the next update, and Step answers at once. Sessions whose configuration cannot
be stacked are stepped alone, in turn like the groups.

`tick(now)` does one round and says when the next is due, so the logic is tested without the
thread and without sleeping (tests/test_scheduler.py)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Protocol

from gan_core.batched import Stack, batch_key
from gan_core.trainer import Diverged, Interrupted, Trainer

SLICE_SECONDS = 0.02  # a group's longest turn before the others and the pages get theirs
MAX_PACING_LAG = 0.1  # seconds behind its speed before a session's pacing clock restarts (no sprint)
IDLE_WAIT = 3600.0
BUSY_RETRY = 0.005  # after a round in which every due session was busy with its page


class Member(Protocol):
    """What the scheduler needs of a session (server/session.py implements it)."""

    trainer: Trainer
    lock: threading.Lock  # held by the session's own thread while it handles commands and frames
    speed: float | None  # iterations a second; None: as fast as it goes
    play_epoch: int  # changes whenever play starts or the speed changes: the pacing restarts

    def wants_control(self) -> bool:
        """A command or a close is waiting: end the slice at the next update."""
        ...

    def busy(self) -> bool:
        """The session's thread waits for the lock (a frame): start no slice with it."""
        ...

    def on_trained(self, iterations: int) -> None:
        """Called (with the lock held) after the scheduler trained it; the trainer says if it diverged."""
        ...


@dataclass
class _Clock:
    epoch: int
    start: float
    done: int = 0

    def due(self, now: float, speed: float | None) -> float:
        if speed is None:
            return float("inf")
        if now - (self.start + self.done / speed) > MAX_PACING_LAG:
            self.start, self.done = now, 0  # behind (busy machine, slow step): start counting anew
        return int((now - self.start) * speed) + 1 - self.done

    def next_at(self, speed: float | None) -> float:
        return 0.0 if speed is None else self.start + self.done / speed

    def add(self, n: int, speed: float | None) -> None:
        self.done += n
        if speed is not None and self.done > speed:  # keep the numbers small
            self.start, self.done = self.start + self.done / speed, 0


@dataclass
class Stats:
    """What the scheduler did, for benchmarks and /healthz."""

    rounds: int = 0
    group_sizes: dict[int, int] = field(default_factory=dict)  # stack size -> slices run
    iterations: int = 0  # session-iterations


class Scheduler:
    def __init__(
        self,
        clock: Callable[[], float] = time.perf_counter,
        slice_seconds: float = SLICE_SECONDS,
        max_slice_iterations: int = 1000,
        autostart: bool = True,
    ) -> None:
        """`autostart`: the thread starts with the first session to play (tests drive `tick`)."""
        self.clock = clock
        self.autostart = autostart
        self.slice_seconds = slice_seconds
        self.max_slice_iterations = max_slice_iterations
        self._members: dict[int, Member] = {}
        self._clocks: dict[int, _Clock] = {}
        self._cost: dict[tuple[Hashable, int], float] = {}  # (key, size) -> seconds per iteration, smoothed
        self._rotation = 0
        self._changed = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self.stats = Stats()

    # -- membership (any thread) -------------------------------------------------------------
    def add(self, member: Member) -> None:
        with self._changed:
            self._members[id(member)] = member
            self._changed.notify()
        if self.autostart:
            self.start()  # on first use: an app that never plays starts no thread

    def remove(self, member: Member) -> None:
        with self._changed:
            self._members.pop(id(member), None)
            self._clocks.pop(id(member), None)

    @property
    def playing(self) -> int:
        """Sessions playing now (their frames share the machine's time)."""
        return len(self._members)

    def __contains__(self, member: Member) -> bool:
        return id(member) in self._members

    def wake(self) -> None:
        with self._changed:
            self._changed.notify()

    # -- the thread -----------------------------------------------------------------------------
    def start(self) -> None:
        with self._changed:
            if self._thread is None and not self._stop:
                self._thread = threading.Thread(target=self._run, name="gan-scheduler", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        with self._changed:
            self._stop = True
            self._changed.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        from server.session import _lower_thread_priority  # the same niceness as session workers

        _lower_thread_priority()
        while True:
            wait = self.tick()
            with self._changed:
                if self._stop:
                    return
                if wait > 0:
                    self._changed.wait(min(wait, IDLE_WAIT))
                if self._stop:
                    return

    # -- one round ----------------------------------------------------------------------------
    def tick(self, now: float | None = None) -> float:
        """Give every due group (and lone session) one slice. Returns the seconds until the
        next round is due (0: at once, some session plays at max speed)."""
        now = self.clock() if now is None else now
        with self._changed:
            members = list(self._members.items())
        due: dict[int, float] = {}
        groups: dict[Hashable, list[Member]] = {}
        for mid, m in members:
            clock = self._clocks.get(mid)
            if clock is None or clock.epoch != m.play_epoch:
                clock = self._clocks[mid] = _Clock(m.play_epoch, now)
            d = clock.due(now, m.speed)
            if d < 1 or m.wants_control() or m.busy() or not m.lock.acquire(blocking=False):
                continue
            try:
                key = _group_key(m)
            finally:
                m.lock.release()
            due[mid] = d
            groups.setdefault(key, []).append(m)
        order = list(groups.items())
        if order:
            self._rotation = (self._rotation + 1) % len(order)
            order = order[self._rotation :] + order[: self._rotation]
        before = self.stats.iterations
        for key, group in order:
            self._slice(key, group, due)
        self.stats.rounds += 1
        # Nothing trained (every due session busy with its page): wait for a session's wake-up
        # (its thread calls wake() when it lets go) rather than spin.
        idle_floor = 0.0 if self.stats.iterations > before else BUSY_RETRY
        with self._changed:
            pending = [(self._clocks[mid], m.speed) for mid, m in self._members.items() if mid in self._clocks]
        if not pending:
            return IDLE_WAIT if not self._members else 0.0
        return max(idle_floor, min(c.next_at(speed) for c, speed in pending) - self.clock())

    def _slice(self, key: Hashable, group: list[Member], due: dict[int, float]) -> None:
        """One turn of a group: within the time slice, step together the members still due
        (a paced member drops out when it has had its iterations; max-speed ones go on)."""
        held: list[Member] = []
        try:
            for m in group:
                if not (m.wants_control() or m.busy()) and m.lock.acquire(blocking=False):
                    held.append(m)
            held = [m for m in held if _group_key(m) == key or _release(m)]  # unless reconfigured meanwhile
            trained = {id(m): 0 for m in held}
            alone = isinstance(key, tuple) and key[:1] == ("alone",)
            t_end = self.clock() + self.slice_seconds
            rounds = 0
            while True:
                active = [m for m in held if due[id(m)] >= 1 and not m.trainer.diverged]
                if not active or any(m.wants_control() for m in active):
                    break
                cost = self._cost.get((key, len(active)))
                n = self.max_slice_iterations if cost is None else int(self.slice_seconds / cost)
                n = max(1, min(n, self.max_slice_iterations, *(int(min(due[id(m)], 1e9)) for m in active)))
                if cost is None:
                    n = 1  # measure first
                start = self.clock()
                done = self._step_alone(active[0], n) if alone else self._step(active, n)
                if done:
                    per = max(1e-7, (self.clock() - start) / done)
                    self._cost[(key, len(active))] = per if cost is None else 0.7 * cost + 0.3 * per
                self.stats.group_sizes[len(active)] = self.stats.group_sizes.get(len(active), 0) + 1
                self.stats.iterations += done * len(active)
                for m in active:
                    due[id(m)] -= done
                    trained[id(m)] += done
                rounds += done
                if done < n or self.clock() >= t_end or rounds >= self.max_slice_iterations:
                    break
            for m in held:
                clock = self._clocks.get(id(m))
                if clock is not None:
                    clock.add(trained[id(m)], m.speed)
                m.on_trained(trained[id(m)])
        finally:
            for m in held:
                m.lock.release()

    def _step(self, members: list[Member], n: int) -> int:
        if any(m.trainer.diverged for m in members):
            return 0
        stack = Stack([m.trainer for m in members])
        stack.should_stop = lambda: any(m.wants_control() for m in members)
        try:
            return stack.run(n)
        finally:
            stack.write_back()

    def _step_alone(self, member: Member, n: int) -> int:
        t = member.trainer
        if t.diverged:
            return 0
        before, own_stop = t.iteration, t.should_stop
        t.should_stop = lambda: own_stop() or member.wants_control()
        try:
            with contextlib.suppress(Interrupted, Diverged):
                t.step("iteration", n)
        finally:
            t.should_stop = own_stop
        return t.iteration - before


def _group_key(m: Member) -> Hashable:
    """Members with equal keys are stacked; one that cannot be stacked is a group of its own."""
    key = batch_key(m.trainer)
    return key if key is not None else ("alone", id(m))


def _release(m: Member) -> bool:
    m.lock.release()
    return False
