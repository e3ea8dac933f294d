"""Capacity: N websocket clients each playing a preset at max speed on one `ganlab serve`.

For each N (default 1, 10, 30, 100, 200) a fresh server process is started on loopback, N
clients connect, choose the preset, set the speed to max and press Play; after a warm-up the
iterations and frames each session gets over --seconds are counted (from the frames' headers:
the clients read only the 4-byte length and the JSON header, not the arrays), together with the
server's CPU (100 % = one core) and RSS. The answer is the largest N at which every session
holds >= 30 it/s and >= 10 frames/s. With --compare each N also runs with --no-batching (a
thread per session, no stacking), in the same invocation, so the ratio is measured under the
same conditions.

    .venv/bin/python bench/bench_capacity.py [--sessions 1,10,30,100,200] [--seconds 10] [--compare] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from pathlib import Path
from typing import Any

try:  # run as `python bench/bench_capacity.py`: bench/ is on the path
    from soak import ROOT, ServerProcess, free_port
    from soak import Client as SoakClient
except ImportError:  # pragma: no cover
    from bench.soak import ROOT, ServerProcess, free_port
    from bench.soak import Client as SoakClient

from server.frames import read_header

TARGET_IT_S = 30.0
TARGET_FPS = 10.0


class Client(SoakClient):
    """soak.py's client, reading only the length and JSON header of each binary frame."""

    def decode(self, raw: str | bytes) -> dict[str, Any]:
        return read_header(raw) if isinstance(raw, bytes) else json.loads(raw)


def measure(n: int, preset: str, seconds: float, warmup: float, batched: bool) -> dict[str, Any]:
    port = free_port()
    server = ServerProcess(port, n, [] if batched else ["--no-batching"])
    stop = threading.Event()
    clients = [Client(i, f"ws://127.0.0.1:{port}/ws", preset, stop) for i in range(n)]
    try:
        for c in clients:
            c.start()
        for c in clients:
            c.ready.wait(180)
        time.sleep(warmup)  # configure, first frames, the scheduler's cost estimates
        server.cpu_percent()
        t0, first = time.monotonic(), [c.snapshot() for c in clients]
        time.sleep(seconds)
        dt, last = time.monotonic() - t0, [c.snapshot() for c in clients]
        cpu = server.cpu_percent()
        threads, rss = server.status()
    finally:
        stop.set()
        for c in clients:
            c.join(10)
        server.stop()
    its = [(b[1] - a[1]) / dt for a, b in zip(first, last)]
    fps = [(b[0] - a[0]) / dt for a, b in zip(first, last)]
    frames = sum(b[0] - a[0] for a, b in zip(first, last))
    closed = [c.closed for c in clients if c.closed]
    row = {
        "sessions": n,
        "batched": batched,
        "it_s_min": round(min(its), 1),
        "it_s_median": round(statistics.median(its), 1),
        "it_s_total": round(sum(its), 1),
        "fps_min": round(min(fps), 2),
        "fps_median": round(statistics.median(fps), 2),
        "bytes_per_frame": round(sum(b[2] - a[2] for a, b in zip(first, last)) / max(frames, 1)),
        "server_cpu_percent": round(cpu, 1),
        "server_rss_mb": round(rss, 1),
        "server_threads": threads,
        "clients_closed": closed[:3],
    }
    row["meets_target"] = row["it_s_min"] >= TARGET_IT_S and row["fps_min"] >= TARGET_FPS and not closed
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", default="1,10,30,100,200", help="comma-separated N")
    ap.add_argument("--preset", default="gaussians")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--compare", action="store_true", help="also run each N with --no-batching")
    ap.add_argument("--out", default=str(ROOT / "bench" / "capacity.json"))
    args = ap.parse_args()
    rows = []
    print(f"{'N':>4} {'mode':>10} {'it/s min':>9} {'median':>7} {'total':>8} {'fps min':>8} {'median':>7} {'B/frame':>8} {'CPU %':>6} {'RSS MB':>7}  target", flush=True)
    for n in (int(x) for x in args.sessions.split(",")):
        for batched in (True, False) if args.compare else (True,):
            r = measure(n, args.preset, args.seconds, args.warmup, batched)
            rows.append(r)
            mode = "scheduler" if batched else "threads"
            print(
                f"{n:4d} {mode:>10} {r['it_s_min']:9.1f} {r['it_s_median']:7.1f} {r['it_s_total']:8.0f} {r['fps_min']:8.2f} "
                f"{r['fps_median']:7.2f} {r['bytes_per_frame']:8d} {r['server_cpu_percent']:6.0f} {r['server_rss_mb']:7.0f}  "
                f"{'yes' if r['meets_target'] else 'no'}{'  closed: ' + str(r['clients_closed']) if r['clients_closed'] else ''}",
                flush=True,
            )
    best = max((r["sessions"] for r in rows if r["batched"] and r["meets_target"]), default=0)
    print(f"largest N with every session >= {TARGET_IT_S:.0f} it/s and >= {TARGET_FPS:.0f} frames/s: {best or 'none'}")
    Path(args.out).write_text(json.dumps({"args": vars(args), "rows": rows, "largest_n_meeting_target": best}, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
