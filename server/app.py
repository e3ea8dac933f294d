"""FastAPI application: the static page, /healthz, and the /ws training sessions."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import torch
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from gan_core.config import config_schema
from gan_core.distributions import DISTRIBUTIONS
from gan_core.objectives import OBJECTIVES
from gan_core.presets import PRESETS
from gan_core.priors import PRIORS
from gan_core.regularizers import REGULARIZERS
from server import protocol as P
from server.session import Session


def _find_web_dir() -> Path:
    """The page's files: beside the package in a checkout, or under share/ after `pip install .`."""
    candidates = [os.environ.get("GANLAB_WEB_DIR", ""), Path(__file__).resolve().parent.parent / "web", Path(sys.prefix) / "share" / "ganlab" / "web"]
    for c in candidates:
        if c and (Path(c) / "index.html").is_file():
            return Path(c)
    raise RuntimeError("cannot find the web/ folder with index.html; set GANLAB_WEB_DIR")


WEB_DIR = _find_web_dir()
MAX_CONTROL_BACKLOG = 64


def resolve_device(name: str) -> str:
    """'auto' picks CUDA when torch sees a GPU; asking for CUDA without one is an error."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was requested but torch sees no CUDA GPU; use --device cpu or auto")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {name!r}; choose auto, cpu or cuda")
    return name


def hello_message(session: Session) -> dict[str, Any]:
    def listing(registry: Any) -> list[dict[str, str]]:
        return [{"name": n, "title": registry.get(n).title, "description": registry.get(n).description} for n in registry]

    def distributions() -> list[dict[str, Any]]:
        out = []
        for entry, name in zip(listing(DISTRIBUTIONS), DISTRIBUTIONS):
            d = DISTRIBUTIONS.get(name)
            out.append({**entry, "dim": d.dim, "view": [list(v) for v in d.view] if d.dim == 2 else list(d.view)})
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
        },
        "presets": presets,
        "speeds": P.SPEEDS,
        "speed": session.speed,
        "max_step_count": P.MAX_STEP_COUNT,
        "config": session.trainer.config.model_dump(),
        "preset": session.preset,
    }


def create_app(device: str = "cpu", max_sessions: int = 32) -> FastAPI:
    # Many small sessions, one worker thread each: one torch thread per op beats intra-op
    # parallelism, which under load (more busy threads than cores) slowed play 30-fold.
    torch.set_num_threads(1)
    app = FastAPI(title="GAN Lab", docs_url=None, redoc_url=None)
    app.state.device = device
    app.state.max_sessions = max_sessions
    app.state.sessions = 0

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "device": app.state.device,
                "sessions": app.state.sessions,
                "max_sessions": app.state.max_sessions,
                "protocol": P.PROTOCOL_VERSION,
            }
        )

    @app.get("/")
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.websocket("/ws")
    async def ws_endpoint(ws: WebSocket) -> None:
        await ws.accept()
        if app.state.sessions >= app.state.max_sessions:
            await ws.send_text(P.dumps(P.error_message("The lab is full: every training slot is taken. Try again soon.", "lab_full")))
            await ws.close(code=1013)
            return
        app.state.sessions += 1
        try:
            await _serve(ws, app.state.device)
        finally:
            app.state.sessions -= 1

    return app


async def _serve(ws: WebSocket, device: str) -> None:
    loop = asyncio.get_running_loop()
    control: list[dict[str, Any]] = []
    latest_frame: list[dict[str, Any] | None] = [None]
    wake = asyncio.Event()

    def deliver(msg: dict[str, Any]) -> None:  # on the event loop
        if msg["type"] == "frame":
            latest_frame[0] = msg
        elif len(control) < MAX_CONTROL_BACKLOG:
            control.append(msg)
        wake.set()

    def emit(msg: dict[str, Any]) -> None:  # from any thread
        loop.call_soon_threadsafe(deliver, msg)

    session = Session(PRESETS.get("figure1").config, device, emit, preset="figure1")
    emit(hello_message(session))

    async def sender() -> None:
        while True:
            await wake.wait()
            wake.clear()
            while control:
                await ws.send_text(P.dumps(control.pop(0)))
            frame = latest_frame[0]
            if frame is not None:
                latest_frame[0] = None
                await ws.send_text(P.dumps(frame))
                session.frame_sent()

    send_task = asyncio.create_task(sender())
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                deliver(P.error_message("binary messages are not understood; send JSON text"))
                continue
            try:
                session.submit(P.parse_command(text))
            except P.ProtocolError as err:
                deliver(P.error_message(str(err)))
    except WebSocketDisconnect:
        pass
    finally:
        send_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await send_task
        session.close()
        await asyncio.to_thread(session.join, 5.0)
