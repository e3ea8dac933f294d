"""Binary frames (server/frames.py, docs/protocol.md "Binary frames"): the layout, a round
trip against the frame dict, missing values, alignment, zero-copy views, the size of default
frames over the real websocket, the docs' field table, and the page's decoder (web/frames.js)
in Chromium against the Python encoder."""

from __future__ import annotations

import json
import math
import re
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from wsutil import receive, receive_until, send

from gan_core.config import LabConfig
from gan_core.presets import PRESETS
from gan_core.probes import make_probe_set, probe
from gan_core.trainer import Trainer
from server import frames as F
from server import protocol as P
from server.app import create_app
from server.limits import Limits

ROOT = Path(__file__).resolve().parent.parent
MAX_FRAME_BYTES = 32 * 1024


def _config(preset: str, **changes: Any) -> LabConfig:
    config = PRESETS.get(preset).config
    return LabConfig.model_validate({**config.model_dump(), **changes}) if changes else config


def _message(preset: str, steps: int = 20, status: str = "paused", **changes: Any) -> dict[str, Any]:
    """A frame message as the session emits it (arrays as NumPy arrays)."""
    trainer = Trainer(_config(preset, **changes))
    trainer.step("iteration", steps)
    msg = P.frame_message(probe(trainer, make_probe_set(trainer)), status, raw=True)
    msg.update(speed=100, measured_speed=None if status == "paused" else 87.5)
    return msg


def _get(msg: dict[str, Any], name: str) -> Any:
    node: Any = msg
    for key in name.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _float32(value: Any) -> np.ndarray:
    """What the frame should carry: float32, NaN for missing (None, NaN, ±inf)."""
    with np.errstate(over="ignore", invalid="ignore"):
        a = np.asarray(value, dtype=np.float64).ravel().astype(np.float32)
    return np.where(np.isfinite(a), a, np.float32(np.nan))


CASES = {
    "figure1": {},  # 1-D, 1-D noise: mapping_lo/hi null
    "bimodal": {},  # 1-D, 2-D noise: mapping_lo/hi arrays
    "disjoint": {},  # wasserstein-gp: d_star null
    "ring": {},  # 2-D with modes (8)
    "grid": {},  # 25 modes
    "gaussians": {},  # the default 2-D workload
    "mmd": {},  # the witness
    "ring-1d-noise": {"noise_dim": 1},  # the warped line: nv = 1
    "moons": {"distribution": "moons"},  # no modes: modes null
}


def _case(name: str) -> dict[str, Any]:
    changes = CASES[name]
    preset = "ring" if name in ("ring-1d-noise", "moons") else name
    return _message(preset, **changes)


@pytest.mark.parametrize("name", list(CASES))
def test_round_trip_equals_the_frame_within_float32(name: str) -> None:
    msg = _case(name)
    data = F.encode_frame(msg)
    frame = F.decode_frame(data)
    names = {a.name for a in F.arrays_for(msg["dim"])}
    table = {a["name"] for a in frame["arrays"]}
    for spec in F.arrays_for(msg["dim"]):
        original = _get(msg, spec.name)
        if original is None:  # null fields stay null, without an entry
            assert spec.name not in table and _get(frame, spec.name) is None, spec.name
            continue
        got = _get(frame, spec.name)
        assert got.dtype == np.float32 and got.ndim == 1, spec.name
        np.testing.assert_array_equal(got, _float32(original), err_msg=spec.name)  # NaN == NaN here
    # everything else comes back exactly: the header is the frame without its arrays
    def strip(node: Any, prefix: str = "") -> Any:
        if isinstance(node, dict):
            return {k: strip(v, f"{prefix}{k}.") for k, v in node.items() if f"{prefix}{k}" not in names or v is None}
        return node

    expected = strip(msg)
    assert strip({k: v for k, v in frame.items() if k != "arrays"}) == json.loads(json.dumps(expected))
    # …and the same numbers as the JSON frame of version 4 (rounded to 3-5 decimals there)
    old = json.loads(P.dumps(P.frame_message({k: v for k, v in msg.items() if k not in ("type", "version", "status", "speed", "measured_speed")}, "paused")))
    for spec in F.arrays_for(msg["dim"]):
        if _get(old, spec.name) is not None:
            np.testing.assert_allclose(_get(frame, spec.name), _float32(_get(old, spec.name)), atol=6e-4, rtol=1e-5, err_msg=spec.name)


def test_missing_values_are_nan_and_lists_with_null_work() -> None:
    msg = _message("figure1")
    d_star = np.array(msg["d_star"], dtype=np.float64)
    d_star[:10] = np.nan
    d_star[10] = np.inf
    msg["d_star"] = d_star
    msg["p_g"] = [None if i % 7 == 0 else float(v) for i, v in enumerate(msg["p_g"])]  # a list, as JSON had it
    msg["d"] = np.array(msg["d"], dtype=np.float64)
    msg["d"][0] = 1e300  # beyond float32: missing rather than inf
    frame = F.decode_frame(F.encode_frame(msg))
    np.testing.assert_array_equal(np.isnan(frame["d_star"]), ~np.isfinite(d_star))  # its own NaN (empty tails) too
    assert np.isnan(frame["d_star"][:11]).all()
    p_g = frame["p_g"]
    assert all(math.isnan(p_g[i]) == (i % 7 == 0) for i in range(len(p_g)))
    assert math.isnan(frame["d"][0]) and np.isfinite(frame["d"][1:]).all()


@pytest.mark.parametrize("name", ["figure1", "gaussians", "ring", "moons"])
def test_the_header_alone_gives_the_counters_and_the_arrays_are_aligned(name: str) -> None:
    msg = _case(name)
    data = F.encode_frame(msg)
    (n,) = struct.unpack_from("<I", data, 0)
    assert (4 + n) % F.ALIGN == 0
    header = json.loads(data[4 : 4 + n].decode("utf-8"))  # nothing past the header needed
    assert header["type"] == "frame" and header["status"] == msg["status"] and header["iteration"] == msg["iteration"]
    assert header["version"] == P.PROTOCOL_VERSION == 5 and header["scalars"] == json.loads(json.dumps(msg["scalars"]))
    assert F.read_header(data[: 4 + n]) == header
    end = 4 + n
    for entry in sorted(header["arrays"], key=lambda a: a["offset"]):
        assert entry["offset"] % F.ALIGN == 0 and entry["offset"] >= end, entry
        size = np.dtype(F.DTYPES[entry["dtype"]]).itemsize * math.prod(entry["shape"])
        assert data[end : entry["offset"]] == b"\0" * (entry["offset"] - end)  # padding only
        end = entry["offset"] + size
    assert end <= len(data) < end + F.ALIGN
    # no bulk data left in the header: lists there are small (the view ranges)
    def lists(node: Any) -> list[list]:
        if isinstance(node, dict):
            return [x for k, v in node.items() if k != "arrays" for x in lists(v)]
        if isinstance(node, list):
            return [node, *(x for v in node for x in lists(v))]
        return []

    assert all(len(x) <= F.SMALL_LIST for x in lists(header)), [len(x) for x in lists(header)]


def test_shapes_follow_the_frame() -> None:
    ring = {a["name"]: a["shape"] for a in F.read_header(F.encode_frame(_case("ring")))["arrays"]}
    assert ring == {
        "heatmap.d": [48, 48],
        "real": [300, 2],
        "fake": [300, 2],
        "gradients": [300, 2],
        "manifold.xy": [21, 21, 2],
        "modes.centres": [8, 2],
    }
    line = {a["name"]: a["shape"] for a in F.read_header(F.encode_frame(_case("ring-1d-noise")))["arrays"]}
    assert line["manifold.xy"] == [1, 101, 2]
    one = {a["name"]: a["shape"] for a in F.read_header(F.encode_frame(_case("figure1")))["arrays"]}
    assert one == {"x": [400], "p_data": [400], "p_g": [400], "d": [400], "d_star": [400], "mapping_z": [41], "mapping_x": [41], "real": [120], "fake": [120]}


def test_decoding_makes_views_not_copies() -> None:
    data = bytearray(F.encode_frame(_case("ring")))
    frame = F.decode_frame(data)
    heat = frame["heatmap"]["d"]
    assert not heat.flags.owndata and np.shares_memory(heat, np.frombuffer(data, np.uint8))
    offset = next(a["offset"] for a in frame["arrays"] if a["name"] == "heatmap.d")
    data[offset : offset + 4] = struct.pack("<f", 123.5)  # a write into the message shows in the array
    assert heat[0] == 123.5
    readonly = F.decode_frame(bytes(data))["real"]
    assert not readonly.flags.writeable and not readonly.flags.owndata


def test_a_frame_dict_is_not_changed_by_encoding() -> None:
    msg = _case("ring")
    before = {k: (v.copy() if isinstance(v, np.ndarray) else json.dumps(v, default=lambda a: a.tolist())) for k, v in msg.items()}
    F.encode_frame(msg)
    assert msg["heatmap"]["d"] is not None and msg["modes"]["centres"] is not None and "arrays" not in msg
    for k, v in before.items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(msg[k], v)
        else:
            assert json.dumps(msg[k], default=lambda a: a.tolist()) == v


def test_the_docs_table_is_the_list_of_arrays() -> None:
    docs = (ROOT / "docs" / "protocol.md").read_text()
    assert F.docs_table() in docs
    assert "## Binary frames" in docs and "version 5" in docs


# -- over the websocket -------------------------------------------------------------------
def _raw_frame(ws: Any, predicate: Any, limit: int = 5000) -> bytes:
    """The next frame's bytes (as the wire carries it) whose decoded message passes."""
    for _ in range(limit):
        message = ws.receive()
        ws._raise_on_close(message)
        if message.get("bytes") is not None:
            if predicate(F.decode_frame(message["bytes"])):
                return message["bytes"]
        else:
            assert json.loads(message["text"])["type"] != "frame"  # frames only come binary
    raise AssertionError("no such frame")


def test_default_frames_over_the_websocket_are_at_most_32_kb() -> None:
    """figure1, gaussians and ring, paused (after a Step) and while playing: every frame is
    binary, its header says so, and it fits in 32 KB. The sizes (and the JSON of version 4
    for the same state) are printed: pytest -s shows them."""
    sizes: list[str] = []
    app = create_app(limits=Limits(max_sessions=2, max_cost=1e12))
    with TestClient(app) as client, client.websocket_connect("/ws") as ws:
        hello = receive(ws)
        assert hello["type"] == "hello" and hello["version"] == 5
        key = hello["session"]["key"]
        for preset in ("figure1", "gaussians", "ring"):
            send(ws, {"type": "configure", "preset": preset})
            receive_until(ws, lambda m: m["type"] == "config")
            send(ws, {"type": "step", "count": 5})
            paused = _raw_frame(ws, lambda f: f["iteration"] == 5 and f["status"] == "paused")
            session = app.state.hub.runs[key].session
            json_size = len(P.dumps(P.frame_message(probe(session.trainer, session.probes), "paused")))
            send(ws, {"type": "play"})
            playing = _raw_frame(ws, lambda f: f["status"] == "playing" and f["measured_speed"] is not None)
            send(ws, {"type": "pause"})
            _raw_frame(ws, lambda f: f["status"] == "paused")
            for status, data in (("paused", paused), ("playing", playing)):
                header = F.read_header(data)
                assert header["type"] == "frame" and header["status"] == status
                assert len(data) <= MAX_FRAME_BYTES, (preset, status, len(data))
                sizes.append(f"{preset} {status}: {len(data):,} bytes (header {4 + struct.unpack_from('<I', data)[0]:,} of them)")
            sizes.append(f"{preset}: JSON (version 4) {json_size:,} bytes")
    print("\n" + "\n".join(sizes))


# -- the page's decoder ---------------------------------------------------------------------
def test_the_page_decoder_reads_views_of_the_message(tmp_path: Path) -> None:
    """web/frames.js in Chromium on frames from the Python encoder: the same fields and
    numbers (NaN where missing), and each array a view of the message's ArrayBuffer (no copy:
    a write into the buffer shows in the array)."""
    from test_browser import CHROMIUM, CHROMIUM_ARGS, IN_CI, _missing

    if _missing:
        if IN_CI:
            pytest.fail("; ".join(_missing))
        pytest.skip("; ".join(_missing))
    from playwright.sync_api import sync_playwright

    messages = {}
    for name in ("figure1", "ring", "moons"):
        msg = _case(name)
        if name == "figure1":
            msg["d_star"] = np.array(msg["d_star"], dtype=np.float64)
            msg["d_star"][:5] = np.nan  # missing values
        messages[name] = (msg, F.encode_frame(msg))
    script = """async ([bytes, paths]) => {
      const { decodeFrame, readHeader } = await import("/frames.js");
      const buffer = new Uint8Array(bytes).buffer;
      const frame = decodeFrame(buffer);
      const get = (path) => path.split(".").reduce((o, k) => (o == null ? o : o[k]), frame);
      const out = { header: readHeader(buffer).iteration, type: frame.type, status: frame.status, arrays: {} };
      for (const path of paths) {
        const a = get(path);
        out.arrays[path] = a == null ? null : {
          view: a.buffer === buffer && ArrayBuffer.isView(a) && a.constructor.name,
          values: Array.from(a, (v) => (Number.isNaN(v) ? "NaN" : v)),
        };
      }
      const heat = frame.heatmap?.d || frame.x;
      const before = heat[0];
      new DataView(buffer).setFloat32(heat.byteOffset, 42.5, true); // write into the message
      out.written = [before, heat[0]];
      out.nested = frame.heatmap ? [frame.heatmap.nx, frame.heatmap.ny, frame.modes && frame.modes.radius] : null;
      return out;
    }"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            source = (ROOT / "web" / "frames.js").read_text()
            page.route("http://frames.test/frames.js", lambda route: route.fulfill(body=source, content_type="text/javascript"))
            page.route("http://frames.test/", lambda route: route.fulfill(body="<!doctype html><title>frames</title>", content_type="text/html"))
            page.goto("http://frames.test/")
            for name, (msg, data) in messages.items():
                paths = [a.name for a in F.arrays_for(msg["dim"])]
                out = page.evaluate(script, [list(data), paths])
                assert out["type"] == "frame" and out["status"] == msg["status"] and out["header"] == msg["iteration"]
                for path in paths:
                    original = _get(msg, path)
                    if original is None:
                        assert out["arrays"][path] is None, path
                        continue
                    got = out["arrays"][path]
                    assert got["view"] == "Float32Array", (name, path, got["view"])
                    values = np.array([np.nan if v == "NaN" else v for v in got["values"]], dtype=np.float32)
                    np.testing.assert_array_equal(values, _float32(original), err_msg=f"{name} {path}")
                assert out["written"][1] == 42.5 and out["written"][0] != 42.5  # a view, not a copy
                if msg["dim"] == 2:
                    modes = msg["modes"]
                    assert out["nested"] == [48, 48, None if modes is None else modes["radius"]]
        finally:
            browser.close()


def test_only_frames_are_binary() -> None:
    with TestClient(create_app(limits=Limits(max_sessions=1, max_cost=1e12))) as client, client.websocket_connect("/ws") as ws:
        kinds: dict[str, set[str]] = {}
        send(ws, {"type": "step"})
        send(ws, {"type": "configure", "config": {"lr_d": 0.001}})
        send(ws, {"type": "ping"})
        send(ws, {"type": "nonsense"})
        seen = set()
        for _ in range(200):
            message = ws.receive()
            ws._raise_on_close(message)
            if message.get("bytes") is not None:
                kind, wire = F.read_header(message["bytes"])["type"], "bytes"
            else:
                kind, wire = json.loads(message["text"])["type"], "text"
            kinds.setdefault(kind, set()).add(wire)
            seen.add(kind)
            if {"hello", "frame", "config", "pong", "error"} <= seen:
                break
        assert kinds["frame"] == {"bytes"}
        assert all(wires == {"text"} for kind, wires in kinds.items() if kind != "frame"), kinds


def test_decode_refuses_a_truncated_message() -> None:
    data = F.encode_frame(_case("figure1"))
    with pytest.raises(ValueError):
        F.decode_frame(data[:-100])
    with pytest.raises(ValueError):
        F.read_header(data[:10])
    assert re.match(rb'^.{4}\{"type":"frame"', data, re.S)
