"""Helpers for the TestClient websocket tests: read until a message, send a command."""

from __future__ import annotations

import json
from typing import Any


def receive_until(ws: Any, predicate: Any, limit: int = 2000) -> dict:
    for _ in range(limit):
        msg = ws.receive_json()
        if predicate(msg):
            return msg
    raise AssertionError("expected message never arrived")


def frame_at(ws: Any, iteration: int) -> dict:
    return receive_until(ws, lambda m: m["type"] == "frame" and m["iteration"] == iteration)


def error(ws: Any) -> dict:
    return receive_until(ws, lambda m: m["type"] == "error")


def send(ws: Any, msg: Any) -> None:
    ws.send_text(msg if isinstance(msg, str) else json.dumps(msg))
