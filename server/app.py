"""FastAPI application: the page (also as /watch/ID, with its QR code), /healthz, and the /ws
socket of presenters and watchers; every response carries the security headers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import os
import re
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import torch
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from gan_core.config import config_schema
from gan_core.cost import cost_problem, measure_rate
from gan_core.distributions import DISTRIBUTIONS
from gan_core.labels import class_mixture
from gan_core.models import MODELS
from gan_core.objectives import OBJECTIVES
from gan_core.presets import PRESETS
from gan_core.priors import PRIORS
from gan_core.regularizers import REGULARIZERS
from server import protocol as P
from server.compare_api import add_compare_routes
from server.dirac_api import add_dirac_routes
from server.hub import CLOSE_FULL, CLOSE_ORIGIN, CLOSE_SLOW, CLOSE_TOKEN, Connection, Hub, Run, SlowClient
from server.limits import Limits, TokenBucket
from server.pages import guarded_page
from server.scheduler import Scheduler
from server.security import SECURITY_HEADERS, TOKEN_COOKIE, origin_allowed, token_matches
from server.session import QueueFull, Session


def _find_web_dir() -> Path:
    """The page's files: beside the package in a checkout, or under share/ after `pip install .`."""
    candidates = [os.environ.get("GANLAB_WEB_DIR", ""), Path(__file__).resolve().parent.parent / "web", Path(sys.prefix) / "share" / "ganlab" / "web"]
    for c in candidates:
        if c and (Path(c) / "index.html").is_file():
            return Path(c)
    raise RuntimeError("cannot find the web/ folder with index.html; set GANLAB_WEB_DIR")


WEB_DIR = _find_web_dir()


def resolve_device(name: str) -> str:
    """'auto' picks CUDA when torch sees a GPU; asking for CUDA without one is an error."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was requested but torch sees no CUDA GPU; use --device cpu or auto")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {name!r}; choose auto, cpu or cuda")
    return name


def session_state(session: Session) -> dict[str, Any]:
    """The run's part of a hello (server/cluster.py sends it to watchers on other processes)."""
    return {
        "speed": session.speed,
        "config": session.trainer.config.model_dump(),
        "preset": session.preset,
        "status": session.status,
        "iteration": session.trainer.iteration,
        "history": list(session.history),
    }


def hello_message(session: Session | None, extra: dict[str, Any] | None = None, state: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a page needs to build itself: the schema, the registries, the presets and the
    run's state (`session_state`, or `state` for a run on another process); `extra` adds the
    connection's part (role, session ids, resumed, history)."""
    def listing(registry: Any) -> list[dict[str, str]]:
        return [{"name": n, "title": registry.get(n).title, "description": registry.get(n).description} for n in registry]

    def distributions() -> list[dict[str, Any]]:
        out = []
        for entry, name in zip(listing(DISTRIBUTIONS), DISTRIBUTIONS):
            d = DISTRIBUTIONS.get(name)
            classes = class_mixture(d) if name != "drawn" else None  # a drawing's come with it
            view = [list(v) for v in d.view] if d.dim == 2 else list(d.view)
            out.append({**entry, "dim": d.dim, "view": view, "classes": classes.n_classes if classes is not None else 0})
        return out

    objectives = [{**entry, **OBJECTIVES.get(entry["name"]).describe()} for entry in listing(OBJECTIVES)]
    presets = [{**listing(PRESETS)[i], "watch": PRESETS.get(n).watch, "config": PRESETS.get(n).config.model_dump()} for i, n in enumerate(PRESETS)]
    return {
        "type": "hello",
        "version": P.PROTOCOL_VERSION,
        "schema": config_schema(),
        "registries": {
            "distribution": distributions(),
            "prior": listing(PRIORS),
            "objective": objectives,
            "regularizer": [REGULARIZERS.get(n).describe() for n in REGULARIZERS],
            "model": [MODELS.get(n).describe() for n in MODELS],
        },
        "presets": presets,
        "speeds": P.SPEEDS,
        "max_step_count": P.MAX_STEP_COUNT,
        **(state if state is not None else session_state(session)),  # type: ignore[arg-type]
        **(extra or {}),
    }



SWEEP_SECONDS = 0.5  # how often resume grace, idle timeouts and exited workers are checked
WATCH_ID = re.compile(r"^[A-Za-z0-9_-]{4,64}$")


@functools.cache
def machine_rate() -> float:
    """Multiply-adds a second one training thread does here (measured once per process)."""
    return measure_rate()


def create_app(
    device: str = "cpu",
    max_sessions: int | None = None,
    *,
    limits: Limits | None = None,
    token: str | None = None,
    allow_origins: list[str] | None = None,
    public_url: str | None = None,
    redis_url: str | None = None,
    batched: bool = True,
) -> FastAPI:
    """`token`: required by the page and the socket (None: open, for localhost);
    `allow_origins`: other sites whose pages may connect; `public_url`: the base of the
    watch links students open (default: the address the teacher's browser used);
    `redis_url`: one lab across processes and machines (server/cluster.py); `batched`:
    playing sessions are trained by one scheduler thread, stacked by shape."""
    # Many small sessions, one worker thread each: one torch thread per op beats intra-op
    # parallelism, which under load (more busy threads than cores) slowed play 30-fold.
    torch.set_num_threads(1)
    limits = limits or Limits()
    if max_sessions is not None:
        limits.max_sessions = max_sessions
    limits.check()
    cost_limit = limits.max_cost if limits.max_cost is not None else machine_rate() * limits.cost_seconds

    def cost_check(config: Any) -> str | None:
        dim = DISTRIBUTIONS.get(config.distribution).dim
        return cost_problem(config, cost_limit, dim, limits.cost_seconds)

    # One thread trains every playing session, stacking those of one shape (server/scheduler.py);
    # batched=False keeps a thread per session playing on its own (for comparisons).
    scheduler = Scheduler() if batched else None

    def make_session(emit: Any) -> Session:
        return Session(
            PRESETS.get("figure1").config, device, emit, preset="figure1", queue_size=limits.queue, cost_check=cost_check, scheduler=scheduler
        )

    if redis_url:  # (the redis package is imported only then)
        from server.cluster import ClusterHub

        hub: Hub = ClusterHub(limits, make_session, redis_url)
    else:
        hub = Hub(limits, make_session)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        async def sweeper() -> None:
            while True:
                await asyncio.sleep(SWEEP_SECONDS)
                try:
                    for reap in hub.sweep():
                        await reap
                except Exception:  # a bug here must not stop the timeouts for good
                    logging.getLogger("ganlab").exception("sweeping the sessions failed")

        if _in_cluster(hub):
            await hub.start()
        task = asyncio.create_task(sweeper())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await hub.shutdown()
            if scheduler is not None:
                await asyncio.to_thread(scheduler.stop)

    app = FastAPI(title="GAN Lab", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.device = device
    app.state.hub = hub
    app.state.scheduler = scheduler
    app.state.limits = limits
    app.state.token = token
    app.state.cost_limit = cost_limit

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "device": device,
                "sessions": len(hub.runs),
                "slots_used": hub.slots_used,
                "max_sessions": limits.max_sessions,
                "protocol": P.PROTOCOL_VERSION,
                **({"cluster": hub.describe()} if _in_cluster(hub) else {}),
            }
        )

    @app.get("/")
    def index(request: Request) -> Response:
        # the token goes into an HttpOnly cookie (the socket sends it too), out of the address
        # bar the teacher may project or share
        return guarded_page(request, token, "/", WEB_DIR / "index.html")

    @app.get("/watch/{watch_id}")
    def watch_page(watch_id: str) -> Response:
        """The class's read-only view: the same page, which connects as a watcher. The watch
        id is the capability (no token), so a student's phone needs nothing else."""
        if not WATCH_ID.match(watch_id):
            return PlainTextResponse("Not a watch link.\n", status_code=404)
        return FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/watch/{watch_id}/qr.svg")
    async def watch_qr(watch_id: str, request: Request) -> Response:
        elsewhere = _in_cluster(hub) and watch_id not in hub.by_watch and WATCH_ID.match(watch_id) and await hub.lookup(watch_id)
        if watch_id not in hub.by_watch and not elsewhere:
            return PlainTextResponse("This watch link's run has ended.\n", status_code=404)
        import segno

        url = watch_url(public_url or str(request.base_url), watch_id)
        out = io.BytesIO()  # a standalone SVG (with xmlns): an <img> shows it
        segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, dark="#000", light="#fff", xmldecl=False)
        return Response(out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    add_dirac_routes(app, WEB_DIR, token, allow_origins)  # the Dirac-GAN view: /dirac and /api/dirac
    add_compare_routes(app, WEB_DIR, token, allow_origins)  # compare mode: /compare, /api/comparisons, /api/compare
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.websocket("/ws")
    async def ws_endpoint(ws: WebSocket) -> None:
        await ws.accept()
        params = ws.query_params
        watch = params.get("watch")
        if not origin_allowed(ws.headers, allow_origins or []):
            origin = ws.headers.get("origin", "")[:100]
            msg = f"Connections from {origin} are refused: open the lab from its own address (or start it with --allow-origin)."
            await _refuse(ws, CLOSE_ORIGIN, P.error_message(msg, "origin_refused"))
            return
        if watch is None and not token_matches(token, ws.cookies.get(TOKEN_COOKIE) or params.get("token")):
            await _refuse(ws, CLOSE_TOKEN, P.error_message("This lab needs its access token: open the address `ganlab serve` printed.", "token"))
            return
        base = public_url or _base_from_socket(ws)
        if watch is not None:
            await _watch(ws, hub, limits, watch, base)
        else:
            await _present(ws, hub, limits, params.get("resume"), base)

    return app


def _in_cluster(hub: Hub) -> bool:
    """Whether this hub is one process of several (`--redis`, server/cluster.py's ClusterHub).
    Looks without importing: a lab without --redis never loads redis."""
    cluster = sys.modules.get("server.cluster")
    return cluster is not None and isinstance(hub, cluster.ClusterHub)


def watch_url(base: str, watch_id: str) -> str:
    return f"{base.rstrip('/')}/watch/{watch_id}"


def _base_from_socket(ws: WebSocket) -> str:
    scheme = "https" if ws.url.scheme == "wss" else "http"
    return f"{scheme}://{ws.headers.get('host', ws.url.netloc)}"


def _session_info(run: Run, base: str, presenter: bool) -> dict[str, Any]:
    info: dict[str, Any] = {
        "watch_id": run.watch_id,
        "watch_url": watch_url(base, run.watch_id),
        "qr_url": f"/watch/{run.watch_id}/qr.svg",
        "watchers": run.watcher_count(),
    }
    if presenter:
        info["key"] = run.key
    return info


async def _refuse(ws: WebSocket, code: int, message: dict[str, Any]) -> None:
    with contextlib.suppress(Exception):
        await ws.send_text(P.dumps(message))
        await ws.close(code=code)


async def _present(ws: WebSocket, hub: Hub, limits: Limits, resume: str | None, base: str) -> None:
    run = hub.runs.get(resume) if resume else None
    resumed = run is not None
    if resume and not resumed and _in_cluster(hub):
        await hub.resume_missed(resume)  # logged: the proxy sent this page to the wrong process
    if run is None:
        run = await hub.create()
        if run is None:
            await _refuse(ws, CLOSE_FULL, P.error_message("The lab is full: every training slot is taken. Try again soon.", "lab_full"))
            return
    conn = Connection(ws, "presenter", limits.send_timeout)
    extra = {"role": "presenter", "session": _session_info(run, base, True), "resumed": resumed, "resume_failed": bool(resume) and not resumed}
    conn.push(P.dumps(hello_message(run.session, extra)))
    hub.attach_presenter(run, conn)
    if run.last_frame is not None:
        conn.push(run.last_frame, frame=True)
    if resumed and run.last_tour is not None:
        conn.push(run.last_tour)
    slow = False
    try:
        slow = await _pump(ws, conn, run, hub, limits, presenter=True)
    finally:
        if slow:
            hub.end(run, "the teacher's page stopped reading")
        else:
            hub.detach_presenter(run, conn)


async def _watch(ws: WebSocket, hub: Hub, limits: Limits, watch_id: str, base: str) -> None:
    run = hub.by_watch.get(watch_id)
    if run is None and _in_cluster(hub) and await hub.watch_remote(ws, watch_id, base):
        return  # a run on another process (server/cluster.py), followed until it ends
    if run is None:
        await _refuse(ws, 4404, P.error_message("This watch link's run has ended (or the link is wrong): ask for a new link.", "no_such_session"))
        return
    conn = Connection(ws, "watcher", limits.send_timeout)
    extra = {"role": "watcher", "session": _session_info(run, base, False), "resumed": False, "resume_failed": False, "presenter_connected": run.presenter is not None}
    conn.push(P.dumps(hello_message(run.session, extra)))
    if not hub.attach_watcher(run, conn):
        await _refuse(ws, CLOSE_FULL, P.error_message(f"This run already has {limits.max_watchers} watchers.", "lab_full"))
        return
    if run.last_frame is not None:
        conn.push(run.last_frame, frame=True)
    if run.last_tour is not None:
        conn.push(run.last_tour)
    try:
        await _pump(ws, conn, run, hub, limits, presenter=False)
    finally:
        hub.detach_watcher(run, conn)


async def _pump(ws: WebSocket, conn: Connection, run: Run, hub: Hub, limits: Limits, presenter: bool) -> bool:
    """Send and receive until either side ends; True when the client stopped reading."""
    sender = asyncio.create_task(conn.run())
    receiver = asyncio.create_task(_receive(ws, conn, run, hub, limits, presenter))
    try:
        done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when this handler is cancelled (server shutdown)
        for task in (sender, receiver):
            task.cancel()
    await asyncio.wait({sender, receiver})  # (asyncio.wait never raises the tasks' errors)
    send_error = None if sender.cancelled() else sender.exception()  # (retrieved: no "never retrieved" noise)
    slow = sender in done and isinstance(send_error, SlowClient)  # other send errors: the client left
    if slow:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(code=CLOSE_SLOW), 0.5)
    elif receiver in done and not receiver.cancelled() and receiver.exception() is not None:
        raise receiver.exception()  # type: ignore[misc]
    return slow


async def _receive(ws: WebSocket, conn: Connection, run: Run, hub: Hub, limits: Limits, presenter: bool) -> None:
    bucket = TokenBucket(limits.commands_per_second, 2 * limits.commands_per_second)
    last_rate_error = -1.0
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        if not bucket.take():
            now = time.monotonic()
            if now - last_rate_error >= 1.0:  # one notice a second, not one per message
                last_rate_error = now
                conn.push(P.dumps(P.error_message(f"Too many commands: at most {limits.commands_per_second:g} a second; some were ignored.", "rate_limited")))
            continue
        text = message.get("text")
        if text is None:
            conn.push(P.dumps(P.error_message("binary messages are not understood; send JSON text")))
            continue
        try:
            cmd = P.parse_command(text, limits.message_bytes)
        except P.ProtocolError as err:
            code = "too_large" if str(err).startswith("message too large") else "bad_request"
            conn.push(P.dumps(P.error_message(str(err), code)))
            continue
        if cmd.type == "ping":
            conn.push(P.dumps({"type": "pong"}))
            continue
        if not presenter:
            conn.push(P.dumps(P.error_message("This is a read-only watch link: only the teacher's page controls the run.", "read_only")))
            continue
        if run.key not in hub.runs:
            conn.push(P.dumps(P.error_message("This run has ended; reload the page to start a new one.", "no_such_session")))
            continue
        hub.touch(run)
        try:
            run.session.submit(cmd)
        except QueueFull as err:
            conn.push(P.dumps(P.error_message(str(err), "queue_full")))
