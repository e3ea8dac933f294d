"""Helpers for the websocket tests: read until a message, send a command. Frames arrive as
binary messages (server/frames.py): every reader decodes them through `decode` here."""

from __future__ import annotations

import json
from typing import Any

from server.frames import decode_message


def decode(raw: str | bytes) -> dict:
    """A server message, text (JSON) or binary (a frame, arrays as NumPy views)."""
    return decode_message(raw)


def is_frame(raw: str | bytes) -> bool:
    """Whether a raw message is a frame, without decoding it: only frames are binary."""
    return isinstance(raw, (bytes, bytearray, memoryview))


def receive(ws: Any) -> dict:
    """The next message on a Starlette TestClient websocket, text or binary."""
    message = ws.receive()
    ws._raise_on_close(message)  # a close: WebSocketDisconnect, as receive_json raises it
    raw = message.get("text")
    return decode(message["bytes"] if raw is None else raw)


def receive_until(ws: Any, predicate: Any, limit: int = 2000) -> dict:
    for _ in range(limit):
        msg = receive(ws)
        if predicate(msg):
            return msg
    raise AssertionError("expected message never arrived")


def frame_at(ws: Any, iteration: int) -> dict:
    return receive_until(ws, lambda m: m["type"] == "frame" and m["iteration"] == iteration)


def error(ws: Any) -> dict:
    return receive_until(ws, lambda m: m["type"] == "error")


def send(ws: Any, msg: Any) -> None:
    ws.send_text(msg if isinstance(msg, str) else json.dumps(msg))
