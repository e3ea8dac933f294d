"""Several `ganlab serve` processes, on one machine or several, as one lab for watchers:
`ganlab serve --redis URL` (imported only then: without it nothing here runs).

A run still lives in one process (its worker thread owns the model), but anyone may watch it
from any process:
- Registry: each process has a random node id and keeps `ganlab:watch:WATCH_ID` (and
  `ganlab:resume:SHA256(KEY)`) set to it in Redis while its runs live, with an expiry it
  refreshes (KEY_TTL, REFRESH_SECONDS): a process that dies stops owning its runs within
  KEY_TTL seconds.
- A watcher who reaches another process (`/ws?watch=ID`): that process looks the id up,
  subscribes to the run's channel `ganlab:run:WATCH_ID` and asks the owner to `join` on
  the owner's channel `ganlab:node:NODE`. The owner puts one `Audience` in `run.watchers`:
  the hub treats it as a watcher, so every frame, message and the run's end reach it, and it
  publishes them, in order, on the run's channel; first it answers the join with a snapshot
  (the hello's run state, the last frame and tour), so a late joiner on another process gets
  what a local one gets. The other process fans each message out to its watchers, the same
  encoded text (or bytes) for all: the fan-out cost stays where the watchers are.
- Only runs with watchers elsewhere are published: the other processes `beat` every
  BEAT_SECONDS while they have watchers of a run, and `leave` when the last one goes; the
  owner stops publishing after BEAT_MISSES beats missed.
- The end: the hub closes its watchers with 4404 and an `ended` message; the Audience
  publishes that end and every process closes its watchers the same way. When the owner
  process dies instead, its keys expire and the other processes close the run's watchers with
  4404 once the key has been gone for REFRESH_SECONDS + BEAT_SECONDS (so a restarted Redis,
  which the owners fill again within REFRESH_SECONDS, ends nothing): within ~25 s.
- Presenters are not forwarded: a resume must reach the process that has the run. The proxy
  sends each browser back to the same process (deploy/: nginx hashes a route cookie); a resume
  that still lands elsewhere starts a new run with `resume_failed` as when the server has
  restarted, and is logged and counted (`/healthz` `cluster.resume_elsewhere`), since it
  means the proxy's routing is not sticky.

Messages on a run's channel are `pack`ed envelopes: a kind (F frame, M message, S snapshot,
E end), JSON metadata, and payloads kept as they were encoded (text or bytes)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import struct
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from server import protocol as P
from server.hub import CLOSE_FULL, CLOSE_NO_SESSION, MAX_CONTROL_BACKLOG, Connection, Hub, Run
from server.limits import Limits
from server.session import Session

log = logging.getLogger("ganlab.cluster")

PREFIX = "ganlab:"
KEY_TTL = 15  # seconds a registration outlives its owner's last refresh
REFRESH_SECONDS = 5.0  # how often a process re-registers its runs
BEAT_SECONDS = 2.0  # how often a process tells an owner it still has watchers of its run
BEAT_MISSES = 3  # beats missed before the owner stops publishing that run for it
JOIN_TIMEOUT = 5.0  # a watcher waits this long for the owner's snapshot
REDIS_TIMEOUT = 5.0  # connect and command timeout
TICK_SECONDS = 0.5


def watch_key(watch_id: str) -> str:
    return f"{PREFIX}watch:{watch_id}"


def resume_key(key: str) -> str:
    """The resume key is a secret: Redis only ever sees its hash."""
    return f"{PREFIX}resume:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def run_channel(watch_id: str) -> str:
    return f"{PREFIX}run:{watch_id}"


def node_channel(node: str) -> str:
    return f"{PREFIX}node:{node}"


def ended_message(reason: str) -> dict[str, Any]:
    return {"type": "ended", "reason": reason, "message": f"The run ended: {reason}."}


# -- envelopes ------------------------------------------------------------------------------
_LEN = struct.Struct(">I")
_NONE, _TEXT, _BYTES = 0, 1, 2


def pack(kind: str, meta: dict[str, Any] | None = None, *parts: str | bytes | None) -> bytes:
    """One message on a run's channel: kind, metadata, then payloads as they were encoded."""
    head = json.dumps(meta or {}, separators=(",", ":")).encode()
    out = [kind.encode(), _LEN.pack(len(head)), head]
    for part in parts:
        if part is None:
            out += [bytes([_NONE]), _LEN.pack(0)]
        else:
            data = part.encode() if isinstance(part, str) else bytes(part)
            out += [bytes([_TEXT if isinstance(part, str) else _BYTES]), _LEN.pack(len(data)), data]
    return b"".join(out)


def unpack(data: bytes) -> tuple[str, dict[str, Any], list[str | bytes | None]]:
    kind = data[:1].decode()
    (n,) = _LEN.unpack_from(data, 1)
    meta = json.loads(data[5 : 5 + n])
    parts: list[str | bytes | None] = []
    i = 5 + n
    while i < len(data):
        tag = data[i]
        (size,) = _LEN.unpack_from(data, i + 1)
        body = data[i + 5 : i + 5 + size]
        parts.append(None if tag == _NONE else body.decode() if tag == _TEXT else body)
        i += 5 + size
    return kind, meta, parts


# -- the owner's side -----------------------------------------------------------------------
class Audience:
    """Every watcher of a local run on other processes, as one member of `run.watchers`: the
    hub gives it what it gives a watcher and it publishes that, in order, on the run's
    channel. Like a Connection it keeps only the newest frame, so a slow Redis means fewer
    frames, never a backlog."""

    role = "remote"

    def __init__(self, hub: ClusterHub, run: Run) -> None:
        self.hub, self.run = hub, run
        self.channel = run_channel(run.watch_id)
        self.nodes: dict[str, tuple[int, float]] = {}  # node -> (its watchers, last heard)
        self.control: deque[bytes] = deque()
        self.frame: str | bytes | None = None
        self.wake = asyncio.Event()
        self.closing = False
        self.task = asyncio.get_running_loop().create_task(self._publish())

    @property
    def audience(self) -> int:
        """How many watchers it stands for (Run.watcher_count)."""
        return sum(count for count, _ in self.nodes.values())

    def push(self, data: str | bytes, frame: bool = False) -> None:
        if self.closing:
            return
        if frame:
            self.frame = data
        elif len(self.control) < MAX_CONTROL_BACKLOG:
            self.control.append(pack("M", None, data))
        self.wake.set()

    def close_after(self, code: int, message: dict[str, Any] | None = None) -> None:
        """The run ended: every process closes its watchers with `code` after `message`."""
        if not self.closing:
            self.control.append(pack("E", {"code": code, "message": message}))
            self.closing = True
            self.wake.set()

    def snapshot(self, req: str) -> None:
        """Answer a join: what a late joiner here would get, queued after what was sent."""
        from server.app import session_state

        run = self.run
        meta = {"req": req, "state": session_state(run.session), "presenter_connected": run.presenter is not None, "watchers": run.watcher_count()}
        self.control.append(pack("S", meta, run.last_frame, run.last_tour))
        self.wake.set()

    def stop(self) -> None:
        """Nobody elsewhere watches any more: stop publishing."""
        self.closing = True
        self.control.clear()
        self.wake.set()

    async def _publish(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.control:
                await self.hub.publish_run(self.channel, self.control.popleft())
            if self.closing:
                return
            frame, self.frame = self.frame, None
            if frame is not None:
                await self.hub.publish_run(self.channel, pack("F", None, frame))


# -- the watchers' side ---------------------------------------------------------------------
class Follow:
    """This process's watchers of a run that lives on another process (`owner`)."""

    def __init__(self, watch_id: str, owner: str) -> None:
        self.watch_id, self.owner = watch_id, owner
        self.watchers: set[Connection] = set()
        # joins waiting for the owner's snapshot: req -> (connection, base URL, answer)
        self.pending: dict[str, tuple[Connection, str, asyncio.Future[bool]]] = {}
        self.ended = False
        self.missing_since: float | None = None  # when its registration was first found gone

    def count(self) -> int:
        return len(self.watchers) + len(self.pending)

    def receive(self, kind: str, meta: dict[str, Any], parts: list[str | bytes | None]) -> None:
        if kind == "F" and parts[0] is not None:
            for conn in self.watchers:
                conn.push(parts[0], frame=True)
        elif kind == "M" and parts[0] is not None:
            for conn in self.watchers:
                conn.push(parts[0])
        elif kind == "S":
            entry = self.pending.pop(meta.get("req", ""), None)
            if entry is not None:
                self._admit(*entry, meta, parts)
        elif kind == "E":
            if meta.get("req"):  # a join the owner could not answer (the run had ended)
                entry = self.pending.pop(meta["req"], None)
                if entry is not None and not entry[2].done():
                    entry[2].set_result(False)
            else:
                self.end(meta.get("code", CLOSE_NO_SESSION), meta.get("message"))

    def _admit(self, conn: Connection, base: str, fut: asyncio.Future[bool], meta: dict[str, Any], parts: list[str | bytes | None]) -> None:
        """Hello, last frame and tour, as `_watch` gives a local watcher; then the stream.
        Done here, as the snapshot arrives, so not one message after it is missed."""
        from server.app import hello_message, watch_url

        session = {"watch_id": self.watch_id, "watch_url": watch_url(base, self.watch_id), "qr_url": f"/watch/{self.watch_id}/qr.svg", "watchers": meta.get("watchers", 0)}
        extra = {"role": "watcher", "session": session, "resumed": False, "resume_failed": False, "presenter_connected": meta.get("presenter_connected", False)}
        conn.push(P.dumps(hello_message(None, extra, state=meta["state"])))
        self.watchers.add(conn)
        last_frame, last_tour = (parts + [None, None])[:2]
        if last_frame is not None:
            conn.push(last_frame, frame=True)
        if last_tour is not None:
            conn.push(last_tour)
        if not fut.done():
            fut.set_result(True)

    def end(self, code: int, message: dict[str, Any] | None) -> None:
        self.ended = True
        for conn in self.watchers:
            conn.close_after(code, message or ended_message("it is over"))
        for _, _, fut in self.pending.values():
            if not fut.done():
                fut.set_result(False)
        self.pending.clear()


# -- the hub -----------------------------------------------------------------------------------
class ClusterHub(Hub):
    """The hub of one process among several: registers its runs in Redis, publishes those
    that have watchers elsewhere, and lets its own watchers follow runs elsewhere."""

    def __init__(
        self,
        limits: Limits,
        make_session: Callable[[Callable[[dict[str, Any]], None]], Session],
        redis_url: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(limits, make_session, clock)
        self.redis_url = redis_url
        self.node = secrets.token_hex(6)
        self.redis = aioredis.Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        self.pubsub: Any = None
        self.audiences: dict[str, Audience] = {}  # watch id -> watchers elsewhere of a run here
        self.follows: dict[str, Follow] = {}  # watch id -> watchers here of a run elsewhere
        self.stats = {"published": 0, "published_bytes": 0, "publish_errors": 0, "relayed": 0, "resume_elsewhere": 0}
        self._channels: dict[str, asyncio.Event] = {}  # subscribed -> confirmed
        self._sub_lock: asyncio.Lock | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reader: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._last_error = 0.0

    # -- life ----------------------------------------------------------------------------------
    async def start(self) -> None:
        self._sub_lock = asyncio.Lock()
        self.pubsub = self.redis.pubsub()
        channel = node_channel(self.node)
        self._channels[channel] = asyncio.Event()
        await self.pubsub.subscribe(channel)
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self._channels[channel].wait(), REDIS_TIMEOUT)
        self._ticker = asyncio.create_task(self._tick())
        log.info("cluster node %s on %s", self.node, self.redis_url)

    async def shutdown(self, timeout: float = 1.5) -> None:
        publishing = [a.task for a in self.audiences.values()]
        await super().shutdown(timeout)  # ends every run: the audiences publish the ends
        pending = publishing + list(self._tasks)
        for follow in list(self.follows.values()):
            follow.end(CLOSE_NO_SESSION, ended_message("the server is shutting down"))
        if pending:
            await asyncio.wait(pending, timeout=0.5)
        for task in (self._ticker, self._reader, *pending):
            if task is not None:
                task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.pubsub.aclose(), 0.5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.redis.aclose(), 0.5)

    def _spawn(self, coro: Any) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:  # no loop (a synchronous test): nothing to tell Redis
            coro.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _warn(self, what: str, err: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_error >= 5.0:  # one line every 5 s while Redis is away
            self._last_error = now
            log.warning("cluster: %s failed: %s: %s", what, type(err).__name__, err)

    async def publish(self, channel: str, data: bytes) -> bool:
        try:
            await self.redis.publish(channel, data)
            return True
        except (RedisError, OSError) as err:
            self.stats["publish_errors"] += 1
            self._warn("publishing", err)
            return False

    async def publish_run(self, channel: str, data: bytes) -> None:
        """A run's message for its watchers elsewhere (counted: /healthz)."""
        if await self.publish(channel, data):
            self.stats["published"] += 1
            self.stats["published_bytes"] += len(data)

    # -- the registry ------------------------------------------------------------------------------
    async def _register(self, runs: list[Run]) -> None:
        if not runs:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for run in runs:
                    pipe.set(watch_key(run.watch_id), self.node, ex=KEY_TTL)
                    pipe.set(resume_key(run.key), self.node, ex=KEY_TTL)
                await pipe.execute()
        except (RedisError, OSError) as err:
            self._warn("registering runs", err)

    async def _unregister(self, run: Run) -> None:
        try:
            await self.redis.delete(watch_key(run.watch_id), resume_key(run.key))
        except (RedisError, OSError) as err:
            self._warn("unregistering a run", err)

    async def create(self) -> Run | None:
        run = await super().create()
        if run is not None:  # registered before its hello names the watch id
            await self._register([run])
        return run

    def end(self, run: Run, reason: str, presenter_message: dict[str, Any] | None = None, code: int = CLOSE_NO_SESSION) -> None:
        here = run.key in self.runs
        super().end(run, reason, presenter_message, code)  # the audience publishes the end
        if here:
            self.audiences.pop(run.watch_id, None)
            self._spawn(self._unregister(run))

    async def lookup(self, watch_id: str) -> str | None:
        """The node that has this run, when it is another process."""
        try:
            owner = await self.redis.get(watch_key(watch_id))
        except (RedisError, OSError) as err:
            self._warn("looking a run up", err)
            return None
        if owner is None or owner.decode() == self.node:
            return None  # (here: the caller looked in by_watch first)
        return owner.decode()

    async def resume_missed(self, key: str) -> None:
        """A resume key not here: when another process has it, the proxy is not sticky."""
        try:
            owner = await self.redis.get(resume_key(key))
        except (RedisError, OSError):
            return
        if owner is not None and owner.decode() != self.node:
            self.stats["resume_elsewhere"] += 1
            log.warning(
                "cluster: a resume reached node %s but its run lives on node %s: a new run was started. "
                "The proxy must send each browser to the same process (deploy/README.md).",
                self.node,
                owner.decode(),
            )

    # -- pub/sub -----------------------------------------------------------------------------------
    async def _subscribe(self, channel: str) -> None:
        assert self._sub_lock is not None
        async with self._sub_lock:
            confirmed = self._channels.get(channel)
            if confirmed is None:
                confirmed = self._channels[channel] = asyncio.Event()
                await self.pubsub.subscribe(channel)
        await asyncio.wait_for(confirmed.wait(), REDIS_TIMEOUT)

    async def _release_unused(self) -> None:
        """Unsubscribe from runs nobody here follows any more (here, not when the last
        watcher leaves, so a watcher arriving meanwhile never races an unsubscribe)."""
        assert self._sub_lock is not None
        async with self._sub_lock:
            unused = [c for c in self._channels if c.startswith(f"{PREFIX}run:") and c[len(PREFIX) + 4 :] not in self.follows]
            for channel in unused:
                del self._channels[channel]
            if unused:
                await self.pubsub.unsubscribe(*unused)

    async def _read(self) -> None:
        while True:
            try:
                msg = await self.pubsub.get_message(timeout=None)
            except asyncio.CancelledError:
                raise
            except Exception as err:  # redis-py reconnects and re-subscribes on the next read
                self._warn("reading pub/sub", err)
                await asyncio.sleep(1.0)
                continue
            if msg is None:
                continue
            try:
                self._dispatch(msg)
            except Exception:  # a bad message must not stop the others
                log.exception("cluster: a pub/sub message could not be handled")

    def _dispatch(self, msg: dict[str, Any]) -> None:
        channel = msg["channel"].decode() if isinstance(msg["channel"], bytes) else msg["channel"]
        if msg["type"] == "subscribe":
            confirmed = self._channels.get(channel)
            if confirmed is not None:
                confirmed.set()
            return
        if msg["type"] != "message":
            return
        if channel.startswith(f"{PREFIX}run:"):
            follow = self.follows.get(channel[len(PREFIX) + 4 :])
            if follow is not None:
                kind, meta, parts = unpack(msg["data"])
                if kind in "FM":
                    self.stats["relayed"] += 1
                follow.receive(kind, meta, parts)
                if follow.ended:
                    self._drop_follow(follow)
        elif channel == node_channel(self.node):
            self._request(json.loads(msg["data"]))

    # -- the owner: joins, beats, leaves ----------------------------------------------------------
    def _request(self, req: dict[str, Any]) -> None:
        op, watch_id, node = req.get("op"), str(req.get("watch")), str(req.get("node"))
        run = self.by_watch.get(watch_id)
        audience = self.audiences.get(watch_id)
        if run is None:
            if op != "leave":  # that process's watchers should know (joining or still watching)
                end = {"code": CLOSE_NO_SESSION, "message": ended_message("it is no longer running")}
                if op == "join":
                    end["req"] = req.get("req")
                self._spawn(self.publish(run_channel(watch_id), pack("E", end)))
            return
        if op == "leave":
            if audience is not None:
                audience.nodes.pop(node, None)
                if not audience.nodes:
                    self._drop_audience(run, audience)
                else:
                    self.notify_watchers(run)
            return
        count = max(0, int(req.get("count", 0)))
        if audience is None and op == "beat" and count == 0:
            return
        if audience is None:
            audience = Audience(self, run)
            audience.nodes[node] = (count, self.clock())
            if not self.attach_watcher(run, audience):  # (tells the presenter the count; fails only when full)
                audience.stop()
                end = {"code": CLOSE_FULL, "message": P.error_message(f"This run already has {self.limits.max_watchers} watchers.", "lab_full")}
                if op == "join":
                    end["req"] = req.get("req")
                self._spawn(self.publish(run_channel(watch_id), pack("E", end)))
                return
            self.audiences[watch_id] = audience
        else:
            before = audience.audience
            audience.nodes[node] = (count, self.clock())
            if audience.audience != before:
                self.notify_watchers(run)
        if op == "join":
            audience.snapshot(str(req.get("req")))

    def _drop_audience(self, run: Run, audience: Audience) -> None:
        if self.audiences.get(run.watch_id) is audience:
            del self.audiences[run.watch_id]
        audience.stop()
        self.detach_watcher(run, audience)  # (tells the presenter the new count)

    # -- the watchers' side --------------------------------------------------------------------------
    async def watch_remote(self, ws: Any, watch_id: str, base: str) -> bool:
        """Follow a run that lives on another process until it ends or the client leaves;
        False (and nothing sent) when no other process has it."""
        from server.app import _pump, _refuse

        owner = await self.lookup(watch_id)
        if owner is None:
            return False
        follow = self.follows.get(watch_id)
        if follow is None or follow.owner != owner or follow.ended:
            follow = self.follows[watch_id] = Follow(watch_id, owner)
        conn = Connection(ws, "watcher", self.limits.send_timeout)
        req = secrets.token_hex(8)
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if follow.count() >= self.limits.max_watchers:
            await _refuse(ws, CLOSE_FULL, P.error_message(f"This run already has {self.limits.max_watchers} watchers.", "lab_full"))
            return True
        follow.pending[req] = (conn, base, answer)
        admitted = False
        try:
            await self._subscribe(run_channel(watch_id))  # before the join: nothing is missed
            join = {"op": "join", "watch": watch_id, "node": self.node, "req": req, "count": follow.count()}
            await self.redis.publish(node_channel(owner), json.dumps(join))
            admitted = await asyncio.wait_for(answer, JOIN_TIMEOUT)
        except (RedisError, OSError, TimeoutError) as err:
            self._warn("joining a run elsewhere", err)
        finally:
            follow.pending.pop(req, None)
            if not admitted:
                self._maybe_unfollow(follow)
        if not admitted:
            return False
        try:
            await _pump(ws, conn, follow, self, self.limits, presenter=False)  # type: ignore[arg-type]
        finally:
            follow.watchers.discard(conn)
            self._maybe_unfollow(follow)
        return True

    def _maybe_unfollow(self, follow: Follow) -> None:
        """A watcher left: tell the owner the new count at once (its presenter shows it), or
        that nobody here watches any more."""
        if follow.ended:
            self._drop_follow(follow)
            return
        count = follow.count()
        op = {"op": "leave" if count == 0 else "beat", "watch": follow.watch_id, "node": self.node, "count": count}
        self._spawn(self.publish(node_channel(follow.owner), json.dumps(op).encode()))
        if count == 0:
            self._drop_follow(follow)

    def _drop_follow(self, follow: Follow) -> None:
        if self.follows.get(follow.watch_id) is follow:
            del self.follows[follow.watch_id]

    # -- every TICK_SECONDS ----------------------------------------------------------------------------
    async def _tick(self) -> None:
        last_refresh = last_beat = self.clock()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = self.clock()
            try:
                if now - last_refresh >= REFRESH_SECONDS:
                    last_refresh = now
                    await self._register(list(self.runs.values()))
                if now - last_beat >= BEAT_SECONDS:
                    last_beat = now
                    await self._beat()
                    self._prune(now)
                await self._release_unused()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # the next tick tries again
                self._warn("the cluster's periodic work", err)

    async def _beat(self) -> None:
        """Tell each owner we still watch; close watchers of runs whose owner is gone."""
        follows = [f for f in self.follows.values() if not f.ended]
        if not follows:
            return
        owners = await self.redis.mget([watch_key(f.watch_id) for f in follows])
        now = self.clock()
        for follow, owner in zip(follows, owners):
            if owner is None and follow.missing_since is None:
                follow.missing_since = now  # expired, or Redis restarted: owners re-register
            elif owner is not None and owner.decode() == follow.owner:
                follow.missing_since = None
            if (owner is not None and owner.decode() != follow.owner) or (
                follow.missing_since is not None and now - follow.missing_since > REFRESH_SECONDS + BEAT_SECONDS
            ):
                follow.end(CLOSE_NO_SESSION, ended_message("the server process running it stopped"))
                self._drop_follow(follow)
                continue
            beat = {"op": "beat", "watch": follow.watch_id, "node": self.node, "count": follow.count()}
            await self.publish(node_channel(follow.owner), json.dumps(beat).encode())

    def _prune(self, now: float) -> None:
        """Stop publishing for processes that stopped beating (they died or lost Redis)."""
        for watch_id, audience in list(self.audiences.items()):
            stale = [n for n, (_, seen) in audience.nodes.items() if now - seen > BEAT_SECONDS * BEAT_MISSES]
            for node in stale:
                del audience.nodes[node]
            run = self.by_watch.get(watch_id)
            if run is None:
                self.audiences.pop(watch_id, None)
            elif not audience.nodes:
                self._drop_audience(run, audience)
            elif stale:
                self.notify_watchers(run)

    def describe(self) -> dict[str, Any]:
        """For /healthz."""
        return {
            "node": self.node,
            "runs_published": len(self.audiences),
            "remote_watchers": sum(a.audience for a in self.audiences.values()),
            "runs_followed": len(self.follows),
            "watchers_of_remote_runs": sum(len(f.watchers) for f in self.follows.values()),
            **self.stats,
        }


def check_redis(url: str, timeout: float = 3.0) -> str | None:
    """Why `ganlab serve --redis URL` cannot start (None: Redis answers)."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except (RedisError, OSError, ValueError) as err:
        return f"cannot reach Redis at {url}: {err}"
    return None
