"""Cost of a frame on the wire: the 1-D JSON text frame against a compact binary
layout of the same arrays (float32, little-endian, one after another), in bytes and in
encoding time. Prints the figures and their ratio measured in this one run.

    python bench/bench_frame.py
"""

from __future__ import annotations

import time

import numpy as np
import torch

from gan_core.presets import PRESETS
from gan_core.probes import make_probe_set, probe
from gan_core.trainer import Trainer
from server.protocol import ARRAY_KEYS, dumps, frame_message


def binary_layout(p: dict) -> bytes:
    """Header as JSON (scalars) + arrays as float32, as a binary protocol would send them."""
    header = dumps({k: v for k, v in p.items() if k not in ARRAY_KEYS}).encode()
    arrays = b"".join(np.asarray(p[k], dtype="<f4").tobytes() for k in ARRAY_KEYS)
    return len(header).to_bytes(4, "little") + header + arrays


def timed(fn, n: int = 200) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1000


def main() -> None:
    torch.set_num_threads(1)
    trainer = Trainer(PRESETS.get("figure1").config)
    trainer.step("iteration", 300)
    p = probe(trainer, make_probe_set(trainer))
    text = dumps(frame_message(p, "playing"))
    blob = binary_layout(p)
    json_ms = timed(lambda: dumps(frame_message(p, "playing")))
    bin_ms = timed(lambda: binary_layout(p))
    print(f"JSON frame:   {len(text):6d} bytes, encode {json_ms:.3f} ms")
    print(f"binary frame: {len(blob):6d} bytes, encode {bin_ms:.3f} ms")
    print(f"JSON/binary: size x{len(text) / len(blob):.2f}, encode time x{json_ms / bin_ms:.1f}")
    print(f"at 60 frames/s: JSON {len(text) * 60 / 1e6:.2f} MB/s and {json_ms * 6:.1f} % of a core; "
          f"binary {len(blob) * 60 / 1e6:.2f} MB/s and {bin_ms * 6:.1f} % of a core")
    # the 2-D frame (ring preset): heatmap, dots, arrows, manifold mesh
    ring = Trainer(PRESETS.get("ring").config)
    ring.step("iteration", 100)
    p2 = probe(ring, make_probe_set(ring))
    text2 = dumps(frame_message(p2, "playing"))
    json2_ms = timed(lambda: dumps(frame_message(p2, "playing")), 100)
    print(f"2-D JSON frame (ring): {len(text2):6d} bytes, encode {json2_ms:.3f} ms; "
          f"at 60 frames/s {len(text2) * 60 / 1e6:.2f} MB/s and {json2_ms * 6:.1f} % of a core")


if __name__ == "__main__":
    main()
