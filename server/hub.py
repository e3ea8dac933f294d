"""Sessions outlive connections: the hub keeps each run under a secret key (its presenter
can reconnect to it) and a public watch id (read-only watchers follow it), fans each
message out to every connection with one encoding, and ends runs that nobody controls any
more: after a grace period without their presenter, after an idle timeout, or when their
client stops reading. Everything here runs on the event loop; the clock is injectable and
`sweep(now)` does the timed work, so tests need neither threads nor sleeps."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from server import protocol as P
from server.frames import encode_frame
from server.limits import Limits
from server.session import Session

MAX_CONTROL_BACKLOG = 256
REAP_POLL_SECONDS = 0.01  # control messages waiting for one slow connection

# Close codes after which a page should not reconnect by itself (docs/protocol.md).
CLOSE_TOKEN = 4401
CLOSE_ORIGIN = 4403
CLOSE_NO_SESSION = 4404
CLOSE_IDLE = 4408
CLOSE_TAKEN_OVER = 4409
CLOSE_FULL = 1013
CLOSE_SLOW = 1008


class Socket(Protocol):
    async def send_text(self, data: str) -> None: ...
    async def send_bytes(self, data: bytes) -> None: ...
    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class SlowClient(Exception):
    """A client did not accept a message within the send timeout."""


class Connection:
    """One websocket's outbound side: control messages in order (bounded), and only the
    newest frame, so a slow reader gets fewer frames, never a growing queue. A message the
    client does not accept within `send_timeout` ends the connection. Messages are JSON text
    (str) or binary frames (bytes, server/frames.py)."""

    def __init__(self, ws: Socket, role: str, send_timeout: float) -> None:
        self.ws, self.role, self.send_timeout = ws, role, send_timeout
        self.control: deque[str | bytes] = deque()
        self.frame: str | bytes | None = None
        self.on_frame_sent: Callable[[], None] | None = None
        self.wake = asyncio.Event()
        self.closing: tuple[int, str] | None = None
        self.overflowed = False

    def push(self, text: str | bytes, frame: bool = False) -> None:
        if frame:
            self.frame = text
        elif len(self.control) < MAX_CONTROL_BACKLOG:
            self.control.append(text)
        else:
            self.overflowed = True  # it reads nothing: the sender's timeout ends it
        self.wake.set()

    def close_after(self, code: int, message: dict[str, Any] | None = None) -> None:
        """Send `message` (after what is queued), then close with `code`."""
        if message is not None:
            self.control.append(P.dumps(message))
        self.closing = (code, message.get("message", "")[:120] if message else "")
        self.wake.set()

    async def _send(self, data: str | bytes) -> None:
        sending = self.ws.send_bytes(data) if isinstance(data, bytes) else self.ws.send_text(data)
        try:
            await asyncio.wait_for(sending, self.send_timeout)
        except TimeoutError:
            raise SlowClient(f"the client accepted nothing for {self.send_timeout:g} s") from None

    async def run(self) -> None:
        """The sender task: returns after a close, raises SlowClient for a stuck client."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.control:
                await self._send(self.control.popleft())
            if self.closing is not None:
                code, reason = self.closing
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.ws.close(code, reason), self.send_timeout)
                return
            frame, self.frame = self.frame, None
            if frame is not None:
                await self._send(frame)
                if self.on_frame_sent is not None:
                    self.on_frame_sent()


@dataclass(eq=False)
class Run:
    """A session and who follows it."""

    session: Session
    key: str  # the presenter's secret (resume)
    watch_id: str  # public within the class: read-only
    last_activity: float
    presenter: Connection | None = None
    detached_since: float | None = None
    watchers: set[Connection] = field(default_factory=set)
    last_frame: str | bytes | None = None  # for a watcher who joins while the run is paused (binary)
    last_tour: str | None = None

    def connections(self) -> list[Connection]:
        return ([self.presenter] if self.presenter else []) + list(self.watchers)

    def watcher_count(self) -> int:
        """Watchers here, and elsewhere: server/cluster.py's Audience stands for those on
        other processes as one member of `watchers` with its own count."""
        return sum(getattr(w, "audience", 1) for w in self.watchers)


class _Holder:
    """Where a new session's messages go: its run once created; until then they wait."""

    def __init__(self) -> None:
        self.run: Run | None = None
        self.early: list[tuple[dict[str, Any], str | bytes]] = []


# Errors everyone following a run should see; others answer the presenter's own command.
BROADCAST_ERRORS = {"diverged", "internal"}


class Hub:
    def __init__(self, limits: Limits, make_session: Callable[[Callable[[dict[str, Any]], None]], Session], clock: Callable[[], float] = time.monotonic) -> None:
        """`make_session(emit)` builds a new session (blocking: called in a thread)."""
        self.limits, self.make_session, self.clock = limits, make_session, clock
        self.runs: dict[str, Run] = {}
        self.by_watch: dict[str, Run] = {}
        self.reserved = 0  # slots promised to sessions being created
        self.ending: set[Session] = set()  # closed, worker not yet gone: still hold a slot
        self._reaping: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- slots ----------------------------------------------------------------------------
    @property
    def slots_used(self) -> int:
        return len(self.runs) + self.reserved + len(self.ending)

    async def create(self) -> Run | None:
        """A new run, or None when every slot is taken."""
        if self.slots_used >= self.limits.max_sessions:
            return None
        self.reserved += 1
        self._loop = asyncio.get_running_loop()
        holder = _Holder()

        def emit(msg: dict[str, Any]) -> None:  # from the worker thread: encode there, once
            text = encode_frame(msg) if msg["type"] == "frame" else P.dumps(msg)
            assert self._loop is not None
            with contextlib.suppress(RuntimeError):  # the loop is gone at shutdown
                self._loop.call_soon_threadsafe(self._deliver, holder, msg, text)

        try:
            session = await asyncio.to_thread(self.make_session, emit)
        finally:
            self.reserved -= 1
        run = Run(session, key=secrets.token_urlsafe(18), watch_id=secrets.token_urlsafe(9), last_activity=self.clock())
        self.runs[run.key] = run
        self.by_watch[run.watch_id] = run
        holder.run = run
        for msg, text in holder.early:  # what the worker said before the run existed (frame 0)
            self._deliver(holder, msg, text)
        holder.early.clear()
        return run

    # -- fan-out ----------------------------------------------------------------------------
    def _deliver(self, holder: _Holder, msg: dict[str, Any], text: str | bytes) -> None:
        run = holder.run
        if run is None:
            holder.early.append((msg, text))
            return
        if run.key not in self.runs:
            return
        kind = msg["type"]
        if kind == "frame":
            run.last_frame = text
            for conn in run.connections():
                conn.push(text, frame=True)
            if run.presenter is None:
                run.session.frame_sent()  # nobody to pace by: the next frame may come
            return
        if kind == "tour":
            run.last_tour = text
        if kind == "pong" or (kind == "error" and msg.get("code") not in BROADCAST_ERRORS):
            if run.presenter is not None:
                run.presenter.push(text)
            return
        for conn in run.connections():
            conn.push(text)

    def notify_watchers(self, run: Run) -> None:
        if run.presenter is not None:
            run.presenter.push(P.dumps({"type": "watchers", "count": run.watcher_count()}))

    # -- who follows a run ------------------------------------------------------------------
    def attach_presenter(self, run: Run, conn: Connection) -> None:
        old = run.presenter
        if old is not None:
            old.on_frame_sent = None
            old.close_after(
                CLOSE_TAKEN_OVER,
                P.error_message("This run is now controlled from another tab or window.", "taken_over"),
            )
        run.presenter = conn
        run.detached_since = None
        run.last_activity = self.clock()
        conn.on_frame_sent = run.session.frame_sent
        for w in run.watchers:
            w.push(P.dumps({"type": "presenter", "connected": True}))

    def detach_presenter(self, run: Run, conn: Connection) -> None:
        """The presenter's connection ended: pause the run and keep it for `resume_grace`."""
        if run.presenter is not conn:
            return  # already replaced (taken over)
        run.presenter = None
        if run.key not in self.runs:
            return
        if self.limits.resume_grace <= 0:
            self.end(run, "the teacher's page closed")
            return
        run.detached_since = self.clock()
        run.session.detach()
        for w in run.watchers:
            w.push(P.dumps({"type": "presenter", "connected": False}))

    def attach_watcher(self, run: Run, conn: Connection) -> bool:
        if len(run.watchers) >= self.limits.max_watchers:
            return False
        run.watchers.add(conn)
        self.notify_watchers(run)
        return True

    def detach_watcher(self, run: Run, conn: Connection) -> None:
        if conn in run.watchers:
            run.watchers.discard(conn)
            self.notify_watchers(run)

    def touch(self, run: Run) -> None:
        run.last_activity = self.clock()

    # -- ending runs --------------------------------------------------------------------------
    def end(self, run: Run, reason: str, presenter_message: dict[str, Any] | None = None, code: int = CLOSE_NO_SESSION) -> None:
        """Close the session; its slot is freed once its worker has exited (`reap`)."""
        if self.runs.pop(run.key, None) is None:
            return
        self.by_watch.pop(run.watch_id, None)
        run.session.close()
        self.ending.add(run.session)
        with contextlib.suppress(RuntimeError):  # no running loop: sweep() reaps it later
            task = asyncio.get_running_loop().create_task(self.reap(run.session))
            self._reaping.add(task)  # (a reference, so the task is not collected mid-way)
            task.add_done_callback(self._reaping.discard)
        if run.presenter is not None and presenter_message is not None:
            run.presenter.close_after(code, presenter_message)
        for w in run.watchers:
            w.close_after(CLOSE_NO_SESSION, {"type": "ended", "reason": reason, "message": f"The run ended: {reason}."})

    async def reap(self, session: Session, timeout: float = 5.0) -> None:
        """Wait for an ended session's worker (it stops between two updates: well under a
        second), then free its slot. Polls instead of joining in a thread, so ending many
        sessions at once holds no extra threads."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while session.alive and loop.time() < deadline:
            await asyncio.sleep(REAP_POLL_SECONDS)
        if not session.alive:
            self.ending.discard(session)

    def sweep(self, now: float | None = None) -> list[Awaitable[None]]:
        """End runs past their resume grace or idle timeout; free slots of exited workers.
        Returns the reaping work to await (the caller schedules it)."""
        now = self.clock() if now is None else now
        for run in list(self.runs.values()):
            if run.detached_since is not None and now - run.detached_since >= self.limits.resume_grace:
                self.end(run, "the teacher's page did not come back")
            elif now - run.last_activity >= self.limits.idle_timeout:
                minutes = self.limits.idle_timeout / 60
                self.end(
                    run,
                    "it was idle",
                    P.error_message(f"This run was closed after {minutes:g} minutes without a command. Start again to train.", "idle_timeout"),
                    CLOSE_IDLE,
                )
        for session in list(self.ending):
            if not session.alive:
                self.ending.discard(session)
        return [self.reap(s, 0.0) for s in self.ending]

    async def shutdown(self, timeout: float = 1.5) -> None:
        """Stop every worker (they stop between two updates) and wait for them together."""
        for run in list(self.runs.values()):
            self.end(run, "the server is shutting down")
        sessions = list(self.ending)
        if sessions:
            await asyncio.gather(*(asyncio.to_thread(s.join, timeout) for s in sessions))
        self.ending = {s for s in sessions if s.alive}
