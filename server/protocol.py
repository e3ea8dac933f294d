"""The websocket protocol (see docs/protocol.md): typed inbound commands, validated with
pydantic, and the JSON shapes of outbound messages. Bump PROTOCOL_VERSION on any change."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

PROTOCOL_VERSION = 5  # 5: frames are binary (server/frames.py)
MAX_MESSAGE_BYTES = 64 * 1024  # the default; `ganlab serve --max-message-bytes` sets it
MAX_STEP_COUNT = 1000
SPEEDS = [1, 2, 5, 10, 30, 60, 100, 300, 1000, None]  # iterations per second; None = as fast as possible
DEFAULT_SPEED = 100
MIN_SPEED, MAX_SPEED = 0.1, 100_000  # one iteration every 10 s is slow motion enough


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Play(_Command):
    type: Literal["play"]


class Pause(_Command):
    type: Literal["pause"]


class Step(_Command):
    type: Literal["step"]
    target: Literal["iteration", "discriminator", "generator"] = "iteration"
    count: int = Field(1, ge=1, le=MAX_STEP_COUNT)


class Reset(_Command):
    type: Literal["reset"]


class Configure(_Command):
    """A partial config (validated against the current one) and/or a preset to start from."""

    type: Literal["configure"]
    preset: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    # URL query values arrive as text; the page says so and the server parses them.
    from_url: bool = False


class Speed(_Command):
    type: Literal["speed"]
    iterations_per_second: float | None = Field(..., ge=MIN_SPEED, le=MAX_SPEED)


class Tour(_Command):
    type: Literal["tour"]


class Ping(_Command):
    type: Literal["ping"]


Command = Annotated[Play | Pause | Step | Reset | Configure | Speed | Tour | Ping, Field(discriminator="type")]
COMMANDS = ["play", "pause", "step", "reset", "configure", "speed", "tour", "ping"]
_adapter: TypeAdapter[Command] = TypeAdapter(Command)


class ProtocolError(ValueError):
    """A message we cannot act on; its text goes back to the client verbatim."""


def parse_command(text: str, max_bytes: int = MAX_MESSAGE_BYTES) -> Command:
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise ProtocolError(f"message too large: at most {max_bytes} bytes")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ProtocolError:
        raise
    except (json.JSONDecodeError, RecursionError) as err:
        raise ProtocolError(f"invalid JSON: {err}") from None
    except ValueError as err:  # e.g. an integer longer than Python's 4,300-digit limit
        raise ProtocolError(f"invalid JSON: {str(err).splitlines()[0][:200]}") from None
    if not isinstance(data, dict):
        raise ProtocolError('a command must be a JSON object such as {"type": "step"}')
    kind = data.get("type")
    if kind not in COMMANDS:
        raise ProtocolError(f"unknown command type {kind!r}; expected one of: {', '.join(COMMANDS)}")
    try:
        return _adapter.validate_python(data)
    except ValidationError as err:
        raise ProtocolError(f"bad {kind!r} command: {_describe(err)}") from None


def _reject_constant(name: str) -> None:
    raise ProtocolError(f"invalid JSON: {name} is not a number JSON allows")


def _describe(err: ValidationError) -> str:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"][1:] if not isinstance(p, int)) or ".".join(str(p) for p in e["loc"])
        msg = "unknown field" if e["type"] == "extra_forbidden" else e["msg"]
        out.append(f"{loc}: {msg}")
    return "; ".join(out)


# -- outbound -----------------------------------------------------------------------------
def _array(a: np.ndarray, digits: int = 5) -> list[float | None]:
    """Round for a compact payload; NaN/inf become null (JSON has no NaN)."""
    a = np.asarray(a, dtype=np.float64)
    rounded = np.round(a, digits)
    out = rounded.tolist()
    if not np.isfinite(a).all():
        out = [v if math.isfinite(v) else None for v in out]
    return out


ARRAY_KEYS = ("x", "p_data", "p_g", "d", "d_star", "mapping_z", "mapping_x", "mapping_lo", "mapping_hi", "real", "fake")


def _jsonable(value: Any, digits: int) -> Any:
    """NumPy arrays (also inside the 2-D frame's nested objects) become rounded lists."""
    if isinstance(value, np.ndarray):
        return _array(value, digits)
    if isinstance(value, dict):
        return {k: _jsonable(v, HEATMAP_DIGITS if k == "d" else digits) for k, v in value.items()}
    return value


# Coordinates to 1e-4 of a unit are sub-pixel at any view size; D to 1e-3 is below a colour
# step (nested "d" is the heatmap's; the 1-D frame's top-level "d" keeps 5 digits).
NESTED_DIGITS = 4
HEATMAP_DIGITS = 3


def frame_message(probe: dict[str, Any], status: str, raw: bool = False) -> dict[str, Any]:
    """A frame message. `raw`: its arrays stay NumPy arrays, for server/frames.py to send as
    a binary frame; otherwise rounded JSON lists (the tour's panels are JSON)."""
    msg = {"type": "frame", "version": PROTOCOL_VERSION, "status": status}
    if raw:
        return msg | probe
    for key, value in probe.items():
        if key in ARRAY_KEYS and probe.get("dim") == 1:
            msg[key] = None if value is None else _array(value)  # None: no optimum, or no spread
        elif key == "scalars":
            msg[key] = value
        else:
            msg[key] = _jsonable(value, NESTED_DIGITS)
    return msg


def error_message(message: str, code: str = "bad_request", problems: list[tuple[str | None, str]] | None = None) -> dict[str, Any]:
    """`problems`: which setting each part is about (None: the whole), for the page's labels."""
    msg: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if problems is not None:
        msg["problems"] = [{"field": f, "message": m} for f, m in problems]
    return msg


def dumps(msg: dict[str, Any]) -> str:
    return json.dumps(msg, allow_nan=False, separators=(",", ":"))
