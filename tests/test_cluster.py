"""One lab across processes: two `ganlab serve --redis` processes behind nginx (deploy/'s
config, run with this test's ports) and a local Redis. A watcher on one process follows a
run on the other: hello, late-joiner frame, frames as the run plays, read-only commands, the
presenter leaving and the run's end (4404). The proxy keeps a browser's resumes on its
process. Figures are printed (pytest -s): frames a second of a watcher on the run's process
and of one on the other, and the two processes' CPU.

Redis and nginx are Debian's redis-server and nginx, which `make test` installs (its
cluster-tools target); both run here as the current user, on free ports, in a temporary
folder, and are stopped at the end. Never skipped: without them the test fails and says so."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from wsutil import decode, is_frame

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx" / "ganlab.conf"
MISSING = "is missing: `make test` installs it (its cluster-tools target: Debian's redis-server and nginx)"
GRACE = 3  # --resume-grace: a presenter who leaves ends its run after this many seconds
TOKEN = "cluster-test-token"  # --redis needs one, the same for every process


def _program(name: str, *places: str) -> str:
    found = shutil.which(name) or next((p for p in places if os.access(p, os.X_OK)), None)
    if found is None:
        pytest.fail(f"{name} {MISSING}", pytrace=False)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(what: str, ready: Callable[[], bool], proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited ({proc.returncode}) before it was ready")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready within {timeout:g} s")
        time.sleep(0.05)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, dict(r.headers.items()), r.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def _answers(url: str) -> bool:
    try:
        return _get(url)[0] == 200
    except OSError:
        return False


def _stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Lab:
    """One `ganlab serve --redis` process."""

    def __init__(self, redis_url: str, *flags: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/ws"
        self.teach = f"{self.ws}?token={TOKEN}"  # a presenter's socket
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", "--max-cost", "3e10"]
        args += ["--resume-grace", str(GRACE), "--redis", redis_url, "--token", TOKEN, *flags]
        self.proc = subprocess.Popen([sys.executable, "-m", "server.cli", *args], cwd=ROOT)

    def wait(self) -> None:
        _wait_for(f"ganlab serve on port {self.port}", lambda: _answers(f"{self.base}/healthz"), self.proc)

    def health(self) -> dict:
        return json.loads(_get(f"{self.base}/healthz")[2])

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def nginx_config(folder: Path, listen: int, upstreams: list[int]) -> Path:
    """deploy/'s config with this test's ports, inside a main config whose pid, logs and
    temporary files live in `folder`, in the foreground, as the current user."""
    site = NGINX_CONF.read_text()
    site, n = re.subn(r"(?m)^(\s*)listen 80;", rf"\1listen 127.0.0.1:{listen};", site)
    assert n == 1, "deploy/nginx/ganlab.conf: expected one `listen 80;`"
    servers = re.findall(r"(?m)^\s*server 127\.0\.0\.1:\d+;\n", site)
    assert servers, "deploy/nginx/ganlab.conf: expected `server 127.0.0.1:PORT;` lines in the upstream"
    site = site.replace(servers[0], "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams), 1)
    for line in servers[1:]:
        site = site.replace(line, "", 1)
    (folder / "ganlab.conf").write_text(site)
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = f"""daemon off;
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    access_log {folder / "access.log"};
{temp}
    include {folder / "ganlab.conf"};
}}
"""
    path = folder / "nginx.conf"
    path.write_text(main)
    return path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    redis_server = _program("redis-server", "/usr/bin/redis-server")
    nginx = _program("nginx", "/usr/sbin/nginx")
    folder = tmp_path_factory.mktemp("cluster")
    started: list[tuple[subprocess.Popen, int]] = []  # and the signal that stops each
    redis_log = open(folder / "redis.log", "w")  # noqa: SIM115 - closed with the processes
    try:
        redis_port = _free_port()
        redis = subprocess.Popen(
            [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
            stdout=redis_log,
            stderr=subprocess.STDOUT,
        )
        started.append((redis, signal.SIGTERM))
        redis_url = f"redis://127.0.0.1:{redis_port}/0"

        def redis_up() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", redis_port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        _wait_for("redis-server", redis_up, redis, 20)
        labs = [Lab(redis_url), Lab(redis_url)]
        started += [(lab.proc, signal.SIGINT) for lab in labs]
        for lab in labs:
            lab.wait()
        proxy_port = _free_port()
        conf = nginx_config(folder, proxy_port, [lab.port for lab in labs])
        proxy = subprocess.Popen([nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")])
        started.append((proxy, signal.SIGTERM))
        try:
            _wait_for("nginx", lambda: _answers(f"http://127.0.0.1:{proxy_port}/healthz"), proxy, 20)
        except RuntimeError as err:
            raise RuntimeError(f"{err}; its error log: {(folder / 'error.log').read_text()[-2000:]}") from None
        yield {"labs": labs, "proxy": f"127.0.0.1:{proxy_port}", "redis": redis_url}
    finally:
        for proc, sig in reversed(started):  # nginx, the labs, then Redis
            _stop(proc, sig)
        redis_log.close()


def _until(ws: ClientConnection, predicate: Callable[[dict], bool], timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("the message never came")
        msg = decode(ws.recv(timeout=left))
        if predicate(msg):
            return msg


def _send(ws: ClientConnection, msg: dict) -> None:
    ws.send(json.dumps(msg))


def _owner_and_other(labs: list[Lab]) -> tuple[Lab, Lab]:
    """Which process has the one run (the proxy chose)."""
    sessions = [lab.health()["sessions"] for lab in labs]
    assert sorted(sessions) == [0, 1], sessions
    return (labs[0], labs[1]) if sessions[0] == 1 else (labs[1], labs[0])


def _closed_with(ws: ClientConnection, timeout: float = 30) -> tuple[int, list[dict]]:
    """Read until the server closes: its close code and what came before."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            seen.append(decode(ws.recv(timeout=max(0.01, deadline - time.monotonic()))))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "closed without a close frame"
        return closed.rcvd.code, seen
    raise AssertionError("the server never closed the connection")


def test_a_watcher_on_one_process_follows_a_run_on_another(cluster: dict) -> None:
    labs, proxy = cluster["labs"], cluster["proxy"]
    # The teacher's link through the proxy: the lab's token cookie, and the proxy's route cookie.
    conn = http.client.HTTPConnection(proxy, timeout=10)
    conn.request("GET", f"/?token={TOKEN}")
    response = conn.getresponse()
    cookies = response.headers.get_all("Set-Cookie") or []
    conn.close()
    assert response.status == 303 and any(c.startswith("ganlab_route=") for c in cookies) and any(c.startswith("ganlab_token=") for c in cookies), cookies
    # Each browser (route cookie) always reaches one process, and browsers spread over both.
    nodes = {}
    for browser in range(24):
        seen = {json.loads(_get(f"http://{proxy}/healthz", {"Cookie": f"ganlab_route=b{browser}"})[2])["cluster"]["node"] for _ in range(3)}
        assert len(seen) == 1, f"browser {browser} reached {seen}"
        nodes[browser] = seen.pop()
    assert len(set(nodes.values())) == 2, nodes
    cookie = {"Cookie": f"ganlab_route=teacher-1; ganlab_token={TOKEN}"}
    with connect(f"ws://{proxy}/ws", additional_headers=cookie, max_size=None) as teacher:
        hello = _until(teacher, lambda m: m["type"] == "hello")
        key, watch_id = hello["session"]["key"], hello["session"]["watch_id"]
        assert hello["session"]["watch_url"] == f"http://{proxy}/watch/{watch_id}"  # the class's address
    owner, other = _owner_and_other(labs)

    # The same browser comes back to its run through the proxy (sticky), while its run waits.
    with connect(f"ws://{proxy}/ws?resume={key}", additional_headers=cookie, max_size=None) as teacher:
        hello = _until(teacher, lambda m: m["type"] == "hello")
        assert hello["resumed"] is True and hello["session"]["key"] == key

        # A watcher on the other process: the same hello and late-joiner frame as a local one.
        with connect(f"{other.ws}?watch={watch_id}", max_size=None) as watcher:
            w_hello = _until(watcher, lambda m: m["type"] == "hello")
            assert w_hello["role"] == "watcher" and "key" not in w_hello["session"]
            assert w_hello["session"]["watch_id"] == watch_id and w_hello["presenter_connected"] is True
            assert w_hello["config"]["distribution"] == hello["config"]["distribution"] and w_hello["iteration"] == hello["iteration"]
            first = _until(watcher, lambda m: m["type"] == "frame")
            assert first["iteration"] == hello["iteration"]
            assert _until(teacher, lambda m: m["type"] == "watchers")["count"] == 1
            health = other.health()["cluster"]
            assert health["runs_followed"] == 1 and health["watchers_of_remote_runs"] == 1
            assert owner.health()["cluster"]["remote_watchers"] == 1

            # It follows the run as it plays, and may not drive it.
            _send(teacher, {"type": "speed", "iterations_per_second": None})
            _send(teacher, {"type": "play"})
            start = _until(watcher, lambda m: m["type"] == "frame" and m["status"] == "playing")["iteration"]
            later = _until(watcher, lambda m: m["type"] == "frame" and m["iteration"] >= start + 100)
            assert later["status"] == "playing"
            _send(watcher, {"type": "pause"})
            assert _until(watcher, lambda m: m["type"] == "error")["code"] == "read_only"
            _send(watcher, {"type": "ping"})
            _until(watcher, lambda m: m["type"] == "pong")

            # Its page and QR code on the other process.
            status, headers, body = _get(f"{other.base}/watch/{watch_id}")
            assert status == 200 and b"<html" in body.lower()
            status, headers, body = _get(f"{other.base}/watch/{watch_id}/qr.svg")
            assert status == 200 and headers["content-type"].startswith("image/svg+xml") and b"<svg" in body
            assert _get(f"{other.base}/watch/nosuchrun1/qr.svg")[0] == 404

            # A late joiner on the other process while the run is paused gets its last frame.
            _send(teacher, {"type": "pause"})
            paused = _until(teacher, lambda m: m["type"] == "frame" and m["status"] == "paused" and m["iteration"] >= later["iteration"])
            with connect(f"{other.ws}?watch={watch_id}", max_size=None) as late:
                late_hello = _until(late, lambda m: m["type"] == "hello")
                assert late_hello["status"] == "paused" and late_hello["iteration"] == paused["iteration"]
                assert late_hello["history"], "the charts' history"
                assert _until(late, lambda m: m["type"] == "frame")["iteration"] == paused["iteration"]
                assert _until(teacher, lambda m: m["type"] == "watchers" and m["count"] == 2)["count"] == 2
            assert _until(teacher, lambda m: m["type"] == "watchers")["count"] == 1

        # The presenter leaves: watchers elsewhere are told, then closed with 4404 at the run's end.
        with connect(f"{other.ws}?watch={watch_id}", max_size=None) as watcher:
            _until(watcher, lambda m: m["type"] == "frame")
            _until(teacher, lambda m: m["type"] == "watchers" and m["count"] == 1)
            teacher.close()
            assert _until(watcher, lambda m: m["type"] == "presenter")["connected"] is False
            code, seen = _closed_with(watcher, timeout=GRACE + 20)
            assert code == 4404
            assert [m for m in seen if m["type"] == "ended"], seen
    # The run is gone everywhere: its watch link is refused on both processes.
    for lab in labs:
        with connect(f"{lab.ws}?watch={watch_id}", max_size=None) as ws:
            assert decode(ws.recv(timeout=10))["code"] == "no_such_session"
            code, _ = _closed_with(ws, 10)
            assert code == 4404


def test_a_resume_on_the_wrong_process_starts_a_new_run_and_is_counted(cluster: dict) -> None:
    labs = cluster["labs"]
    with connect(labs[0].teach, max_size=None) as teacher:
        key = _until(teacher, lambda m: m["type"] == "hello")["session"]["key"]
        before = labs[1].health()["cluster"]["resume_elsewhere"]
        with connect(f"{labs[1].teach}&resume={key}", max_size=None) as lost:
            hello = _until(lost, lambda m: m["type"] == "hello")
            assert hello["resumed"] is False and hello["resume_failed"] is True
        assert labs[1].health()["cluster"]["resume_elsewhere"] == before + 1
        # the first run is untouched: its presenter still drives it
        _send(teacher, {"type": "step"})
        assert _until(teacher, lambda m: m["type"] == "frame" and m["iteration"] >= 1)["iteration"] >= 1


def _count_frames(url: str, seconds: float, counts: dict, name: str, ready: threading.Barrier, errors: list) -> None:
    try:
        with connect(url, max_size=None) as ws:
            _until(ws, lambda m: m["type"] == "hello")
            ready.wait(60)
            n, end = 0, time.monotonic() + seconds
            while time.monotonic() < end:
                try:
                    if is_frame(ws.recv(timeout=0.5)):
                        n += 1
                except TimeoutError:
                    continue
            counts[name] = n / seconds
    except Exception as err:  # noqa: BLE001 - reported by the test
        errors.append(repr(err))


def test_frames_a_second_here_and_elsewhere(cluster: dict) -> None:
    """The ring preset (2-D frames) playing as fast as it goes: a watcher on the run's
    process and one on the other, counted over the same seconds, with both processes' CPU."""
    labs = cluster["labs"]
    owner, other = labs
    seconds = 5.0
    with connect(owner.teach, max_size=None) as teacher:
        watch_id = _until(teacher, lambda m: m["type"] == "hello")["session"]["watch_id"]
        _send(teacher, {"type": "configure", "preset": "ring"})
        _until(teacher, lambda m: m["type"] == "config")
        _send(teacher, {"type": "speed", "iterations_per_second": None})
        _send(teacher, {"type": "play"})
        _until(teacher, lambda m: m["type"] == "frame" and m["status"] == "playing")

        def phase(urls: dict[str, str]) -> tuple[dict, dict, float, float]:
            counts: dict[str, float] = {}
            errors: list[str] = []
            ready = threading.Barrier(len(urls) + 1)
            threads = [threading.Thread(target=_count_frames, args=(u, seconds, counts, n, ready, errors), daemon=True) for n, u in urls.items()]
            for t in threads:
                t.start()
            ready.wait(60)
            cpu0 = [lab.cpu_seconds() for lab in (owner, other)]
            pub0 = owner.health()["cluster"]
            t0, teacher_frames = time.monotonic(), 0
            while time.monotonic() < t0 + seconds:  # the presenter reads on (it paces the run)
                try:
                    teacher_frames += is_frame(teacher.recv(timeout=0.5))
                except TimeoutError:
                    continue
            took = time.monotonic() - t0
            cpu = [(lab.cpu_seconds() - c) / took for lab, c in zip((owner, other), cpu0)]
            pub = owner.health()["cluster"]
            for t in threads:
                t.join(30)
            assert not errors, errors
            counts["presenter"] = teacher_frames / took
            published = {"messages": (pub["published"] - pub0["published"]) / took, "bytes": (pub["published_bytes"] - pub0["published_bytes"]) / took}
            return counts, published, cpu[0], cpu[1]

        local_only, pub_none, cpu_a0, _ = phase({"here": f"{owner.ws}?watch={watch_id}"})
        both, pub, cpu_a, cpu_b = phase({"here": f"{owner.ws}?watch={watch_id}", "elsewhere": f"{other.ws}?watch={watch_id}"})
    print(
        f"\nring, playing: a watcher alone on the run's process {local_only['here']:.1f} frames/s "
        f"(presenter {local_only['presenter']:.1f}), run's process CPU {100 * cpu_a0:.0f} %, nothing published; "
        f"with a watcher on the other process too: here {both['here']:.1f} frames/s, elsewhere {both['elsewhere']:.1f} "
        f"(presenter {both['presenter']:.1f}), published {pub['messages']:.1f} messages/s = {pub['bytes'] / 1e3:.0f} kB/s; "
        f"CPU: run's process {100 * cpu_a:.0f} %, other process {100 * cpu_b:.0f} % of one core"
    )
    assert pub_none["messages"] == 0  # nothing is published for a run nobody watches elsewhere
    assert both["elsewhere"] >= 0.5 * both["here"] and both["elsewhere"] >= 3.0


def test_workers_start_processes_that_share_runs_and_need_redis(cluster: dict, tmp_path: Path) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--workers", "2", "--max-cost", "3e10"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 2 and "--workers needs --redis" in refused.stderr, refused.stderr
    while True:  # two consecutive free ports
        port = _free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
                break
            except OSError:
                continue
    args = ["serve", "--workers", "2", "--port", str(port), "--log-level", "warning", "--max-cost", "3e10", "--max-sessions", "4", "--redis", cluster["redis"]]
    parent = subprocess.Popen([sys.executable, "-m", "server.cli", *args], cwd=ROOT, env={**os.environ, "GANLAB_TOKEN": TOKEN})
    try:
        bases = [f"http://127.0.0.1:{p}" for p in (port, port + 1)]
        for base in bases:
            _wait_for(f"worker {base}", lambda b=base: _answers(f"{b}/healthz"), parent)
        healths = [json.loads(_get(f"{b}/healthz")[2]) for b in bases]
        assert [h["max_sessions"] for h in healths] == [2, 2]  # --max-sessions is for all of them
        assert healths[0]["cluster"]["node"] != healths[1]["cluster"]["node"]
        with connect(f"ws://127.0.0.1:{port}/ws?token={TOKEN}", max_size=None) as teacher:
            watch_id = _until(teacher, lambda m: m["type"] == "hello")["session"]["watch_id"]
            with connect(f"ws://127.0.0.1:{port + 1}/ws?watch={watch_id}", max_size=None) as watcher:
                assert _until(watcher, lambda m: m["type"] == "hello")["role"] == "watcher"
                _send(teacher, {"type": "step"})
                assert _until(watcher, lambda m: m["type"] == "frame" and m["iteration"] == 1)
        started = time.monotonic()
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(15) == 0
        assert time.monotonic() - started < 5
        for base in bases:
            assert not _answers(f"{base}/healthz")
    finally:
        _stop(parent, signal.SIGTERM)


def test_without_redis_nothing_imports_it() -> None:
    code = (
        "import sys\n"
        "from server.app import create_app\n"
        "from server.cli import build_parser\n"
        "from server.limits import Limits\n"
        "app = create_app(limits=Limits(max_cost=1e10))\n"
        "build_parser().parse_args(['serve'])\n"
        "assert 'redis' not in sys.modules and 'server.cluster' not in sys.modules, sorted(m for m in sys.modules if 'redis' in m)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
