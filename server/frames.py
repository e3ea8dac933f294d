"""Binary frames (protocol v5, docs/protocol.md "Binary frames"): a `frame` message as one
binary websocket message, its bulk arrays as raw little-endian typed arrays instead of JSON
lists. Every other message stays JSON text.

Layout (byte offsets from the start of the message):

    0        uint32, little-endian: N, the header's length in bytes
    4        N bytes of UTF-8 JSON: the frame's fields without its bulk arrays, plus
             `arrays`: [{"name", "dtype", "shape", "offset"}, ...]; padded with spaces so
             that 4 + N is a multiple of 8
    4 + N    the arrays, each at its `offset` (a multiple of ALIGN), zero bytes between

`name` is the field's path in the frame (`heatmap.d` is `frame["heatmap"]["d"]`); `dtype` is
one of DTYPES; `shape` multiplies out to the element count. A field whose value is `null`
(no optimum, one noise dimension, no known modes) stays `null` in the header and has no
entry. Missing values inside an array (`null` in JSON) are NaN. Floats are float32: 7
significant digits, far below a pixel or a colour step. A reader needs only the first
4 + N bytes for `type`, `status`, `iteration` and the scalars.

FRAME_ARRAYS is the one list of bulk fields: the encoder, `decode_frame`, the field table in
docs/protocol.md and its test follow it; the page's decoder (web/frames.js) reads the header's
table and needs no list of its own."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

ALIGN = 8  # every array starts at a multiple of this many bytes (float64 would fit too)
# header dtype name -> NumPy little-endian type; web/frames.js maps the same names to typed arrays
DTYPES = {
    "float32": "<f4",
    "float64": "<f8",
    "int8": "i1",
    "uint8": "u1",
    "int16": "<i2",
    "uint16": "<u2",
    "int32": "<i4",
    "uint32": "<u4",
}
SMALL_LIST = 16  # the header may carry lists of at most this many numbers (view ranges)


@dataclass(frozen=True)
class FrameArray:
    """A bulk field of the frame. `shape` entries: an int, -1 (whatever the size gives) or
    the name of an integer field beside it (`heatmap.d`'s ("ny", "nx") reads
    frame["heatmap"]["ny"] and ["nx"])."""

    name: str
    dim: int  # the frames (1-D or 2-D data) that carry it
    shape: tuple[int | str, ...]
    doc: str
    dtype: str = "float32"

    @property
    def path(self) -> list[str]:
        return self.name.split(".")


FRAME_ARRAYS: tuple[FrameArray, ...] = (
    FrameArray("x", 1, (-1,), "centres of the 400 equal bins over `view` (n = 400 for all five)"),
    FrameArray("p_data", 1, (-1,), "p_data's exact density at `x`"),
    FrameArray("p_g", 1, (-1,), "the generator's density at `x`"),
    FrameArray("d", 1, (-1,), "D(x), the critic's score or the MMD witness at `x` (`d_kind`)"),
    FrameArray("d_star", 1, (-1,), "D* for this G at `x`, NaN where undefined; the field is `null` for objectives without one"),
    FrameArray("mapping_z", 1, (-1,), "the equal-mass noise values of the mapping lines (n = 41)"),
    FrameArray("mapping_x", 1, (-1,), "G of them (n = 41)"),
    FrameArray("mapping_lo", 1, (-1,), "5 % quantile of G(z₁, ·) per line; `null` with 1-D noise"),
    FrameArray("mapping_hi", 1, (-1,), "95 % quantile of G(z₁, ·) per line; `null` with 1-D noise"),
    FrameArray("real", 1, (-1,), "fixed data samples (n = 120)"),
    FrameArray("fake", 1, (-1,), "G on fixed noise samples (n = 120)"),
    FrameArray("heatmap.d", 2, ("ny", "nx"), "D(x), the score or the witness at the cell centres (48 × 48), row 0 at y_min"),
    FrameArray("real", 2, (-1, 2), "fixed data samples, x, y pairs (n = 300)"),
    FrameArray("fake", 2, (-1, 2), "G on fixed noise samples (n = 300)"),
    FrameArray("gradients", 2, (-1, 2), "−∇ₓ of G's loss at each fake sample (n = 300)"),
    FrameArray("manifold.xy", 2, ("nv", "nu", 2), "G on the nu × nv noise grid, u fastest (21 × 21; 101 × 1 with 1-D noise)"),
    FrameArray("modes.centres", 2, (-1, 2), "the known modes' centres (8 on the ring, 25 on the grid); `modes` is `null` without"),
    # the models beyond the plain GAN (gan_core/probes_models.py); `null` for the plain GAN
    FrameArray("real_labels", 1, (-1,), "the class of each real dot (models on data with classes)"),
    FrameArray("fake_labels", 1, (-1,), "the class (cgan) or code (infogan) each fake dot was drawn with"),
    FrameArray("class_accuracy", 1, (-1,), "cgan: per class, the share of its fakes within 3σ of one of its modes"),
    FrameArray("classifier.d", 1, (-1,), "semi-supervised: D's class (argmax of its K logits) at `x`"),
    FrameArray("classifier.confidence", 1, (-1,), "semi-supervised: D's largest class probability at `x`"),
    FrameArray("classifier.baseline", 1, (-1,), "semi-supervised: the labelled-only classifier's class at `x`"),
    FrameArray("labelled.xy", 1, (-1,), "semi-supervised: the labelled points"),
    FrameArray("labelled.labels", 1, (-1,), "semi-supervised: their classes"),
    FrameArray("real_labels", 2, (-1,), "the class of each real dot (models on data with classes)"),
    FrameArray("fake_labels", 2, (-1,), "the class (cgan) or code (infogan) each fake dot was drawn with"),
    FrameArray("class_accuracy", 2, (-1,), "cgan: per class, the share of its fakes within 3σ of one of its modes"),
    FrameArray("classifier.d", 2, ("ny", "nx"), "semi-supervised: D's class (argmax of its K logits) at the cell centres", "uint8"),
    FrameArray("classifier.confidence", 2, ("ny", "nx"), "semi-supervised: D's largest class probability there"),
    FrameArray("classifier.baseline", 2, ("ny", "nx"), "semi-supervised: the labelled-only classifier's class there", "uint8"),
    FrameArray("labelled.xy", 2, (-1, 2), "semi-supervised: the labelled points (n per class)"),
    FrameArray("labelled.labels", 2, (-1,), "semi-supervised: their classes"),
    FrameArray("code_walk.xy", 2, ("codes", "steps", "points", 2), "infogan: G as c′₁ walks from −1 to 1, for fixed z per code"),
)


NESTED = sorted({a.path[0] for a in FRAME_ARRAYS if len(a.path) > 1})


def arrays_for(dim: int) -> tuple[FrameArray, ...]:
    return tuple(a for a in FRAME_ARRAYS if a.dim == dim)


def docs_table() -> str:
    """The field table of docs/protocol.md ("Binary frames"), made from FRAME_ARRAYS (a test
    checks that the docs hold exactly this)."""
    rows = ["| `name` | frames | `dtype` | `shape` | what |", "|---|---|---|---|---|"]
    for a in FRAME_ARRAYS:
        shape = ", ".join("n" if d == -1 else str(d) for d in a.shape)
        rows.append(f"| `{a.name}` | {a.dim}-D | {a.dtype} | [{shape}] | {a.doc} |")
    return "\n".join(rows)


def _parent(msg: dict[str, Any], path: list[str]) -> dict[str, Any] | None:
    node: Any = msg
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def _shape(spec: FrameArray, parent: dict[str, Any], size: int) -> list[int]:
    dims = [int(parent[s]) if isinstance(s, str) else s for s in spec.shape]
    known = int(np.prod([d for d in dims if d != -1]))
    if -1 in dims:
        if known <= 0 or size % known:
            raise ValueError(f"frame array {spec.name!r}: {size} values do not make shape {spec.shape}")
        dims[dims.index(-1)] = size // known
    elif known != size:
        raise ValueError(f"frame array {spec.name!r}: {size} values, shape {dims} needs {known}")
    return dims


def encode_frame(msg: dict[str, Any]) -> bytes:
    """A `frame` message (arrays as NumPy arrays, or lists with None for missing values)
    as one binary message. `msg` itself is not changed."""
    header = dict(msg)
    for key in NESTED:  # copy the nested objects arrays are taken from
        if isinstance(header.get(key), dict):
            header[key] = dict(header[key])
    table: list[dict[str, Any]] = []
    blobs: list[tuple[int, bytes]] = []
    offset = 0  # from the start of the arrays; made absolute once the header's size is known
    for spec in arrays_for(msg.get("dim", 1)):
        parent = _parent(header, spec.path)
        if parent is None or spec.path[-1] not in parent:
            continue
        value = parent.pop(spec.path[-1])
        if value is None:
            parent[spec.path[-1]] = None  # stays null in the header
            continue
        a = np.asarray(value, dtype=np.float64 if isinstance(value, list) else None).ravel()
        target = np.dtype(DTYPES[spec.dtype])
        if target.kind == "f":
            with np.errstate(over="ignore", invalid="ignore"):  # beyond float32: inf, then NaN
                a = a.astype(target, copy=False)
            if not np.isfinite(a).all():  # missing values (JSON's null), overflow: NaN
                a = np.where(np.isfinite(a), a, np.nan).astype(target)
        else:
            a = a.astype(target, copy=False)
        data = a.tobytes()
        table.append({"name": spec.name, "dtype": spec.dtype, "shape": _shape(spec, parent, a.size), "offset": offset})
        blobs.append((offset, data))
        offset += -(-len(data) // ALIGN) * ALIGN
    header["arrays"] = table
    # Offsets count from the message's start, so they depend on the header's length, which
    # holds them: grow the header's room until the offsets it states fit (two passes at most).
    start = 4
    while True:
        for entry, (rel, _data) in zip(table, blobs):
            entry["offset"] = start + rel
        text = _header_json(header)
        need = 4 + _padded(len(text))
        if need <= start:
            break
        start = need
    text += b" " * (start - 4 - len(text))
    out = bytearray(start + offset)
    out[0:4] = struct.pack("<I", len(text))
    out[4:start] = text
    for rel, data in blobs:
        out[start + rel : start + rel + len(data)] = data
    return bytes(out)


def _header_json(header: dict[str, Any]) -> bytes:
    return json.dumps(header, allow_nan=False, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _padded(n: int) -> int:
    """Header length (≥ n) such that 4 + length is a multiple of ALIGN."""
    return n + (-(4 + n)) % ALIGN


def read_header(data: bytes | bytearray | memoryview) -> dict[str, Any]:
    """Only the JSON header (type, status, iteration, scalars, the array table)."""
    view = memoryview(data)
    if len(view) < 4:
        raise ValueError("a binary frame is at least 4 bytes")
    (n,) = struct.unpack_from("<I", view, 0)
    if 4 + n > len(view):
        raise ValueError(f"header length {n} runs past the message ({len(view)} bytes)")
    header = json.loads(bytes(view[4 : 4 + n]).decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    return header


def decode_frame(data: bytes | bytearray | memoryview) -> dict[str, Any]:
    """The frame as the page sees it (web/frames.js does the same): the header's fields with
    each array put back at its path as a flat NumPy array. The arrays are read-only views
    of `data` (no copy); `frame["arrays"]` keeps their shapes."""
    view = memoryview(data)
    frame = read_header(view)
    for entry in frame.get("arrays", []):
        dtype = np.dtype(DTYPES[entry["dtype"]])
        count = int(np.prod(entry["shape"], dtype=np.int64))
        offset = int(entry["offset"])
        if offset % ALIGN or offset + count * dtype.itemsize > len(view):
            raise ValueError(f"array {entry['name']!r} at {offset} does not fit the message ({len(view)} bytes)")
        array = np.frombuffer(view, dtype=dtype, count=count, offset=offset)
        node = frame
        *parents, last = entry["name"].split(".")
        for key in parents:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[last] = array
    return frame


def decode_message(raw: str | bytes | bytearray | memoryview) -> dict[str, Any]:
    """Any message from the server: JSON text, or a binary frame."""
    if isinstance(raw, str):
        return json.loads(raw)
    return decode_frame(raw)
