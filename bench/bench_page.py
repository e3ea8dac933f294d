"""How fast the page draws while the lab trains: starts the server on a free local port, opens
/?preset=NAME in headless Chromium (Playwright, the system's /usr/bin/chromium), presses Play
at the chosen speed and, for a few seconds, counts the page's display frames
(requestAnimationFrame callbacks), the frames the server sent, and the iterations trained.

    python bench/bench_page.py                       # gaussians, as fast as possible, 10 s
    python bench/bench_page.py --preset ring --speed 100 --seconds 5 --all-layers

A script, not a test: it prints its figures and exits. It never downloads a browser."""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from server.frames import read_header  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Counts requestAnimationFrame callbacks for `ms` milliseconds and keeps their spacing.
MEASURE_JS = """(ms) => new Promise((done) => {
    const gaps = [];
    let last = performance.now();
    const start = last;
    const tick = (now) => {
        gaps.push(now - last);
        last = now;
        if (now - start < ms) requestAnimationFrame(tick);
        else done({frames: gaps.length, seconds: (now - start) / 1000, gaps});
    };
    requestAnimationFrame(tick);
})"""

# Clicks Step and resolves with the milliseconds until the iteration counter shows a new value.
STEP_LATENCY_JS = """() => new Promise((done) => {
    const el = document.querySelector('[data-testid=iteration]');
    const before = el.textContent;
    const t0 = performance.now();
    const obs = new MutationObserver(() => {
        if (el.textContent !== before) { obs.disconnect(); done(performance.now() - t0); }
    });
    obs.observe(el, {childList: true, characterData: true, subtree: true});
    document.getElementById('step').click();
    setTimeout(() => { obs.disconnect(); done(-1); }, 5000);
})"""

# Moves the speed slider to the position whose label matches `want` ("max" or "N/s").
SET_SPEED_JS = """(want) => {
    const s = document.getElementById('speed');
    for (let i = Number(s.max); i >= 0; i--) {
        s.value = String(i);
        s.dispatchEvent(new Event('input'));
        const label = document.getElementById('speed-value').textContent.split(' ')[0];
        if (label === want) return label;
    }
    return null;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, device: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--device", device, "--log-level", "warning"],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"the server exited early with code {proc.returncode}")
        if time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the server did not answer /healthz within 60 s")
        time.sleep(0.2)


def is_frame(payload: str | bytes) -> bool:
    """Frames are binary (server/frames.py): their header says so; text messages are not."""
    return isinstance(payload, bytes) and read_header(payload).get("type") == "frame"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="gaussians", help="preset to open (default gaussians)")
    ap.add_argument("--speed", default="max", help='iterations/s from the page\'s list (1, 2, 5, 10, …) or "max" (default)')
    ap.add_argument("--seconds", type=float, default=10.0, help="measuring time while playing (default 10)")
    ap.add_argument("--size", default="1366x768", help="viewport WIDTHxHEIGHT (default 1366x768)")
    ap.add_argument("--all-layers", action="store_true", help="turn every layer of the 2-D view on (gradient arrows too)")
    ap.add_argument("--device", default="cpu", help="the server's --device (default cpu)")
    ap.add_argument("--url", help="measure a lab already running at this address instead of starting one")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--steps", type=int, default=20, help="Step clicks to time after playing (default 20)")
    args = ap.parse_args()

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("playwright is not installed (pip install -e '.[test]'); this script never downloads a browser") from None
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    width, height = (int(v) for v in args.size.lower().split("x"))
    want = "max" if args.speed == "max" else f"{float(args.speed):g}/s"

    server = None
    base = (args.url or "").rstrip("/")
    if not base:
        port = free_port()
        server = start_server(port, args.device)
        base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            received = [0]
            frame_bytes: list[int] = []

            def on_frame(payload: str | bytes) -> None:
                if is_frame(payload):
                    received[0] += 1
                    frame_bytes.append(len(payload))

            page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(f"{base}/?preset={args.preset}")
            page.wait_for_function(
                "(name) => document.getElementById('status-text').textContent === 'paused' && document.getElementById('preset').value === name",
                arg=args.preset,
                timeout=30_000,
            )
            if args.all_layers:
                page.evaluate("() => document.querySelectorAll('#layers2d input:not(:checked)').forEach((b) => b.click())")
            if page.evaluate(SET_SPEED_JS, want) != want:
                raise SystemExit(f"speed {args.speed!r} is not on the page's slider")
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_timeout(1500)  # let play settle before measuring

            it0 = int(page.get_by_test_id("iteration").inner_text())
            got0 = received[0]
            t0 = time.monotonic()
            result = page.evaluate(MEASURE_JS, int(args.seconds * 1000))
            wall = time.monotonic() - t0
            it1 = int(page.get_by_test_id("iteration").inner_text())
            got1 = received[0]
            dim = page.evaluate("() => document.body.dataset.dim")
            page.get_by_role("button", name="Pause", exact=True).click()
            page.wait_for_function("() => document.getElementById('status-text').textContent === 'paused'", timeout=10_000)
            page.wait_for_timeout(500)
            steps = []
            for _ in range(args.steps):
                steps.append(page.evaluate(STEP_LATENCY_JS))
                page.wait_for_timeout(150)  # a teacher's clicks are this far apart at least
            browser.close()
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()

    gaps = sorted(result["gaps"][1:]) or [0.0]
    figures = {
        "preset": args.preset,
        "dim": int(dim or 1),
        "speed": args.speed,
        "viewport": f"{width}x{height}",
        "all_layers": args.all_layers,
        "seconds": round(result["seconds"], 2),
        "page_fps": round(result["frames"] / result["seconds"], 1),
        "frame_ms_median": round(statistics.median(gaps), 2),
        "frame_ms_p95": round(gaps[int(0.95 * (len(gaps) - 1))], 2),
        "frame_ms_p99": round(gaps[int(0.99 * (len(gaps) - 1))], 2),
        "frames_over_20ms": sum(g > 20 for g in gaps),
        "frames_received_per_s": round((got1 - got0) / wall, 1),
        "iterations_per_s": round((it1 - it0) / wall, 1),
        "bytes_per_frame_median": int(statistics.median(frame_bytes)) if frame_bytes else None,
        "step_to_counter_ms_p50": round(statistics.median(steps), 1) if steps else None,
        "step_to_counter_ms_max": round(max(steps), 1) if steps else None,
        "steps_without_update": sum(s < 0 for s in steps),
        "page_errors": errors,
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"preset {args.preset} ({figures['dim']}-D), speed {args.speed}, {figures['viewport']}, {figures['seconds']} s while playing")
    print(
        f"  page fps (requestAnimationFrame)   {figures['page_fps']:8.1f}   (median {figures['frame_ms_median']} ms, p95 {figures['frame_ms_p95']} ms, "
        f"p99 {figures['frame_ms_p99']} ms, {figures['frames_over_20ms']} over 20 ms)"
    )
    print(f"  frames received per second         {figures['frames_received_per_s']:8.1f}")
    print(f"  iterations per second              {figures['iterations_per_s']:8.1f}   ({figures['iterations_per_s'] / 26:.1f}x GAN Lab's 26 it/s)")
    print(f"  bytes per frame (median)           {figures['bytes_per_frame_median']}")
    print(
        f"  Step -> counter updated            p50 {figures['step_to_counter_ms_p50']} ms, max {figures['step_to_counter_ms_max']} ms "
        f"over {args.steps} clicks ({figures['steps_without_update']} without an update)"
    )
    if errors:
        print(f"  page errors: {errors}")


if __name__ == "__main__":
    main()
