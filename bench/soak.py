"""Soak test: `ganlab serve` with N sessions playing as fast as they can for M minutes.

Starts the server as a subprocess, opens N websocket clients that each choose a preset, set
the speed to "as fast as possible" and press Play, then read frames continuously (one thread
each). Every --every seconds it prints the server's RSS, threads and CPU use (from /proc), the
frames a second received (all clients, and the slowest client) and the iterations a second of
each session (from the frames' `iteration`). At the end: a summary, and the time series as
JSON (--out).

    .venv/bin/python bench/soak.py --sessions 10 --minutes 10
    .venv/bin/python bench/soak.py --sessions 4 --minutes 1 --every 5 --out /tmp/soak.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from server.frames import decode_message  # noqa: E402  (frames are binary, the rest JSON text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, port: int, max_sessions: int, extra: list[str]) -> None:
        self.port = port
        cmd = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        cmd += ["--max-sessions", str(max_sessions), *extra]
        print("starting:", " ".join(cmd), flush=True)
        self.proc = subprocess.Popen(cmd, cwd=ROOT)
        self.ticks = os.sysconf("SC_CLK_TCK")
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode}")
            try:
                self.health()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit("the server did not answer /healthz within 120 s") from None
                time.sleep(0.1)
        self._cpu_mark = (time.monotonic(), self.cpu_seconds())

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=10) as r:
            return json.loads(r.read())

    def status(self) -> tuple[int, float]:
        """(threads, RSS in MB)."""
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines() if ":" in line)
        return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process (all its threads)."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / self.ticks  # utime, stime (fields 14, 15)

    def cpu_percent(self) -> float:
        """CPU % since the last call (100 = one core)."""
        now, cpu = time.monotonic(), self.cpu_seconds()
        then, cpu0 = self._cpu_mark
        self._cpu_mark = (now, cpu)
        return 100.0 * (cpu - cpu0) / max(now - then, 1e-9)

    def stop(self) -> int:
        self.proc.terminate()
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)


class Client(threading.Thread):
    """One session: configure, full speed, play; then count frames and note the iteration."""

    def __init__(self, index: int, url: str, preset: str, stop: threading.Event) -> None:
        super().__init__(name=f"soak-client-{index}", daemon=True)
        self.index, self.url, self.preset, self.stop_event = index, url, preset, stop
        self.lock = threading.Lock()
        self.frames = 0
        self.iteration = 0
        self.bytes = 0
        self.errors: dict[str, int] = {}
        self.closed: str | None = None
        self.ready = threading.Event()

    def snapshot(self) -> tuple[int, int, int]:
        with self.lock:
            return self.frames, self.iteration, self.bytes

    def decode(self, raw: str | bytes) -> dict[str, Any]:
        """A whole message (bench_capacity's clients read only frame headers)."""
        return decode_message(raw)

    def run(self) -> None:
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.client import connect

        try:
            with connect(self.url, max_size=None, open_timeout=60, close_timeout=5) as ws:
                hello = decode_message(ws.recv(timeout=60))
                if hello.get("type") != "hello":
                    self.closed = f"refused: {hello}"
                    return
                ws.send(json.dumps({"type": "configure", "preset": self.preset}))
                ws.send(json.dumps({"type": "speed", "iterations_per_second": None}))
                ws.send(json.dumps({"type": "play"}))
                self.ready.set()
                while not self.stop_event.is_set():
                    try:
                        text = ws.recv(timeout=1.0)
                    except TimeoutError:
                        continue
                    msg = self.decode(text)
                    kind = msg.get("type")
                    with self.lock:
                        self.bytes += len(text)
                        if kind == "frame":
                            self.frames += 1
                            self.iteration = msg.get("iteration", self.iteration)
                        elif kind == "error":
                            code = msg.get("code", "?")
                            self.errors[code] = self.errors.get(code, 0) + 1
        except ConnectionClosed as err:
            self.closed = f"closed by the server: {err}"
        except Exception as err:  # report, do not kill the soak
            self.closed = f"{type(err).__name__}: {err}"
        finally:
            self.ready.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10, help="websocket clients, one session each")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to play")
    parser.add_argument("--preset", default="gaussians", help="the preset every session plays")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between reports")
    parser.add_argument("--out", default=str(ROOT / "bench" / "soak.json"), help="JSON file for the time series")
    parser.add_argument("--server-arg", action="append", default=[], metavar="ARG", help="extra argument for `ganlab serve` (repeatable), e.g. --server-arg=--max-cost=2e10")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.minutes <= 0 or args.every <= 0:
        parser.error("--sessions, --minutes and --every must be positive")

    port = args.port or free_port()
    server = ServerProcess(port, max(args.sessions, 1), args.server_arg)
    stop = threading.Event()
    clients = [Client(i, f"ws://127.0.0.1:{port}/ws", args.preset, stop) for i in range(args.sessions)]
    series: list[dict[str, Any]] = []
    threads0, rss0 = server.status()
    started = time.monotonic()
    try:
        for c in clients:
            c.start()
        for c in clients:
            c.ready.wait(120)
        t0 = time.monotonic()
        print(f"server pid {server.proc.pid}: threads {threads0}, RSS {rss0:.1f} MB before the clients; {args.sessions} sessions of {args.preset!r} playing", flush=True)
        print(f"{'elapsed':>8} {'RSS MB':>8} {'threads':>7} {'CPU %':>6} {'frames/s':>9} {'min/client':>10} {'it/s min':>9} {'median':>8} {'max':>8} {'sum':>9}", flush=True)
        server.cpu_percent()
        last_t, last = t0, [c.snapshot() for c in clients]
        end = t0 + args.minutes * 60
        while True:
            now = time.monotonic()
            if now >= end:
                break
            stop.wait(min(args.every, end - now))
            if server.proc.poll() is not None:
                print(f"the server exited with {server.proc.returncode}", flush=True)
                break
            now = time.monotonic()
            snaps = [c.snapshot() for c in clients]
            dt = max(now - last_t, 1e-9)
            fps = [(s[0] - p[0]) / dt for s, p in zip(snaps, last)]
            ips = [(s[1] - p[1]) / dt for s, p in zip(snaps, last)]
            kbps = sum(s[2] - p[2] for s, p in zip(snaps, last)) / dt / 1024
            threads, rss = server.status()
            cpu = server.cpu_percent()
            row = {
                "elapsed_s": round(now - t0, 2),
                "rss_mb": round(rss, 1),
                "threads": threads,
                "cpu_percent": round(cpu, 1),
                "frames_per_s": round(sum(fps), 2),
                "frames_per_s_min_client": round(min(fps), 2),
                "kib_per_s": round(kbps, 1),
                "iterations_per_s": [round(v, 1) for v in ips],
                "iterations": [s[1] for s in snaps],
                "clients_closed": sum(c.closed is not None for c in clients),
            }
            series.append(row)
            print(
                f"{row['elapsed_s']:8.1f} {rss:8.1f} {threads:7d} {cpu:6.1f} {sum(fps):9.1f} {min(fps):10.1f} "
                f"{min(ips):9.1f} {statistics.median(ips):8.1f} {max(ips):8.1f} {sum(ips):9.1f}"
                + (f"  ({row['clients_closed']} clients closed)" if row["clients_closed"] else ""),
                flush=True,
            )
            last_t, last = now, snaps
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    finally:
        stop.set()
        for c in clients:
            c.join(10)
        try:
            health = server.health()
        except OSError as err:
            health = {"error": str(err)}
        threads1, rss1 = server.status() if server.proc.poll() is None else (0, 0.0)
        code = server.stop()

    duration = time.monotonic() - started
    played = series[-1]["elapsed_s"] if series else 0.0
    summary: dict[str, Any] = {
        "sessions": args.sessions,
        "preset": args.preset,
        "minutes": args.minutes,
        "played_s": played,
        "wall_s": round(duration, 1),
        "server": {
            "threads_before_clients": threads0,
            "threads_end": threads1,
            "rss_mb_before_clients": round(rss0, 1),
            "rss_mb_end": round(rss1, 1),
            "rss_mb_max": max((r["rss_mb"] for r in series), default=None),
            "cpu_percent_mean": round(statistics.fmean(r["cpu_percent"] for r in series), 1) if series else None,
            "healthz_before_stop": health,
            "exit_code": code,
        },
        "frames_per_s_mean": round(statistics.fmean(r["frames_per_s"] for r in series), 2) if series else None,
        "frames_per_s_min_client_min": min((r["frames_per_s_min_client"] for r in series), default=None),
        "iterations_per_s_mean_per_session": [
            round(c.snapshot()[1] / played, 1) if played else None for c in clients
        ],
        "iterations_final": [c.snapshot()[1] for c in clients],
        "frames_total": [c.snapshot()[0] for c in clients],
        "errors": {f"client{c.index}": c.errors for c in clients if c.errors},
        "clients_closed": {f"client{c.index}": c.closed for c in clients if c.closed},
    }
    print("\nsummary:")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "summary": summary, "series": series}, indent=1) + "\n")
    print(f"wrote {out}")
    return 1 if summary["clients_closed"] or not series else 0


if __name__ == "__main__":
    sys.exit(main())
