"""The classroom server: runs that survive a reconnect, watch links, bounds, who may
connect, and the ways a run ends. The timed parts go through Hub.sweep(now) with a fake
clock; the rest poll real state with a deadline, never a fixed sleep."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from wsutil import decode, frame_at, receive, receive_until, send

from gan_core.config import LabConfig
from gan_core.cost import config_cost
from gan_core.presets import PRESETS
from server import protocol as P
from server.app import create_app
from server.hub import Connection, Hub
from server.limits import Limits, TokenBucket
from server.security import SECURITY_HEADERS, is_loopback, origin_allowed
from server.session import Session

FIXED_COST = 2.5e10  # a fixed cost limit: tests do not measure the machine


def limits(**kw: Any) -> Limits:
    return Limits(**{"max_cost": FIXED_COST, **kw})


def wait_for(condition, timeout: float = 5.0) -> float:
    """Poll `condition` until true; returns the seconds it took (fails after `timeout`)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.005)
    return time.monotonic() - start


# -- resume -------------------------------------------------------------------------------
def test_a_reconnect_resumes_the_same_run_and_says_when_it_could_not() -> None:
    app = create_app(limits=limits())
    with TestClient(app) as client:
        with client.websocket_connect("/ws") as ws:
            hello = receive(ws)
            assert hello["role"] == "presenter" and not hello["resumed"] and not hello["resume_failed"]
            key = hello["session"]["key"]
            send(ws, {"type": "step", "count": 3})
            frame_at(ws, 3)
        run = app.state.hub.runs[key]
        wait_for(lambda: run.detached_since is not None)
        with client.websocket_connect(f"/ws?resume={key}") as ws:
            hello = receive(ws)
            assert hello["resumed"] and hello["iteration"] == 3 and hello["session"]["key"] == key
            assert [h["iteration"] for h in hello["history"]][-1] == 3  # the charts' history comes back
            frame = receive_until(ws, lambda m: m["type"] == "frame")
            assert frame["iteration"] == 3
            send(ws, {"type": "step"})
            frame_at(ws, 4)
        with client.websocket_connect("/ws?resume=no-such-run") as ws:
            hello = receive(ws)
            assert not hello["resumed"] and hello["resume_failed"] and hello["iteration"] == 0


def test_a_second_tab_takes_over_and_the_first_is_told() -> None:
    with TestClient(create_app(limits=limits())) as client:
        with client.websocket_connect("/ws") as first:
            key = receive(first)["session"]["key"]
            with client.websocket_connect(f"/ws?resume={key}") as second:
                assert receive(second)["resumed"]
                msg = receive_until(first, lambda m: m["type"] == "error")
                assert msg["code"] == "taken_over"
                with pytest.raises(WebSocketDisconnect) as closed:
                    receive(first)
                assert closed.value.code == 4409
                send(second, {"type": "step"})
                frame_at(second, 1)


@pytest.mark.parametrize("grace", [60.0, 0.0])
def test_a_disconnect_stops_training_within_a_second_even_mid_iteration(grace: float) -> None:
    """A heavy iteration (~0.3-1 s here) is interrupted between updates: with a resume grace
    the run pauses; without one its worker exits and only then is the slot free."""
    heavy = {"batch_size": 2048, "g_width": 256, "d_width": 256, "g_layers": 3, "d_layers": 3, "d_steps": 5, "lr_halflife": 0}
    app = create_app(limits=limits(resume_grace=grace, max_cost=1e12))
    hub = app.state.hub
    with TestClient(app) as client:
        with client.websocket_connect("/ws") as ws:
            key = receive(ws)["session"]["key"]
            send(ws, {"type": "configure", "config": heavy})
            receive_until(ws, lambda m: m["type"] == "config")
            send(ws, {"type": "speed", "iterations_per_second": None})
            send(ws, {"type": "play"})
            session = hub.runs[key].session
            wait_for(lambda: session.trainer.d_updates >= 2, timeout=30)  # inside an iteration
            start = time.monotonic()  # the disconnect follows
            updates = session.trainer.d_updates + session.trainer.g_updates
        if grace:
            wait_for(lambda: not session.playing, timeout=2)
            took = time.monotonic() - start
            assert session.trainer.d_updates + session.trainer.g_updates <= updates + 2  # the updates in flight
            assert session.alive and key in hub.runs  # kept for a resume
        else:
            wait_for(lambda: not session.alive, timeout=2)
            took = time.monotonic() - start
            assert key not in hub.runs
            wait_for(lambda: hub.slots_used == 0, timeout=2)
        print(f"\ngrace {grace:g}: training stopped {took:.2f} s after the disconnect (heavy config, mid-iteration)")
        assert took < 1.0


# -- the hub's timers, with a fake clock -----------------------------------------------------
class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.closed: int | None = None

    async def send_text(self, data: str) -> None:
        self.sent.append(json.loads(data))

    async def send_bytes(self, data: bytes) -> None:  # frames
        self.sent.append(decode(data))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed = code


def test_resume_grace_and_idle_timeout_end_runs_and_free_slots() -> None:
    async def scenario() -> None:
        now = [0.0]
        lim = limits(resume_grace=30, idle_timeout=600)
        hub = Hub(lim, lambda emit: Session(LabConfig(), "cpu", emit), clock=lambda: now[0])
        detached, idle = await hub.create(), await hub.create()
        assert detached is not None and idle is not None and hub.slots_used == 2
        sock = FakeSocket()
        presenter = Connection(sock, "presenter", 1.0)
        hub.attach_presenter(idle, presenter)
        hub.attach_presenter(detached, Connection(FakeSocket(), "presenter", 1.0))
        hub.detach_presenter(detached, detached.presenter)
        now[0] = 29.0
        hub.sweep()
        assert detached.key in hub.runs  # still within its grace
        now[0] = 31.0
        for reap in hub.sweep():
            await reap
        assert detached.key not in hub.runs and idle.key in hub.runs
        await asyncio.to_thread(detached.session.join, 5)
        hub.sweep()
        assert hub.slots_used == 1  # freed once the worker is gone
        now[0] = 700.0
        for reap in hub.sweep():
            await reap
        assert idle.key not in hub.runs
        sender = asyncio.create_task(presenter.run())
        await asyncio.wait_for(sender, 2)
        assert sock.closed == 4408 and sock.sent[-1]["code"] == "idle_timeout"
        await hub.shutdown()
        assert hub.slots_used == 0

    asyncio.run(scenario())


def test_token_bucket_limits_the_rate_without_sleeping() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=10, burst=20, clock=lambda: now[0])
    assert sum(bucket.take() for _ in range(100)) == 20
    now[0] = 1.0
    assert sum(bucket.take() for _ in range(100)) == 10


# -- watch links ------------------------------------------------------------------------------
def test_watchers_follow_the_run_read_only() -> None:
    app = create_app(limits=limits())
    with TestClient(app) as client:
        with client.websocket_connect("/ws") as teacher:
            hello = receive(teacher)
            watch_id = hello["session"]["watch_id"]
            assert hello["session"]["watch_url"].endswith(f"/watch/{watch_id}") and "key" in hello["session"]
            send(teacher, {"type": "step", "count": 2})
            frame_at(teacher, 2)
            with client.websocket_connect(f"/ws?watch={watch_id}") as student:
                welcome = receive(student)
                assert welcome["role"] == "watcher" and "key" not in welcome["session"] and welcome["iteration"] == 2
                assert receive_until(teacher, lambda m: m["type"] == "watchers")["count"] == 1
                assert receive_until(student, lambda m: m["type"] == "frame")["iteration"] == 2
                for cmd in ({"type": "play"}, {"type": "reset"}, {"type": "configure", "preset": "ring"}):
                    send(student, cmd)
                    assert receive_until(student, lambda m: m["type"] == "error")["code"] == "read_only"
                send(teacher, {"type": "configure", "preset": "ring"})
                assert receive_until(student, lambda m: m["type"] == "config")["preset"] == "ring"
                send(teacher, {"type": "step"})
                assert frame_at(student, 1)["dim"] == 2
                assert app.state.hub.by_watch[watch_id].session.trainer.iteration == 1
            assert receive_until(teacher, lambda m: m["type"] == "watchers")["count"] == 0
        with client.websocket_connect("/ws?watch=unknown-id") as lost:
            assert receive(lost)["code"] == "no_such_session"
            with pytest.raises(WebSocketDisconnect) as closed:
                receive(lost)
            assert closed.value.code == 4404


def test_watch_page_and_qr_code() -> None:
    app = create_app(limits=limits())
    with TestClient(app) as client:
        with client.websocket_connect("/ws") as teacher:
            watch_id = receive(teacher)["session"]["watch_id"]
            page = client.get(f"/watch/{watch_id}")
            assert page.status_code == 200 and "<html" in page.text.lower()
            qr = client.get(f"/watch/{watch_id}/qr.svg")
            assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
            assert qr.text.lstrip().startswith("<svg") and "<path" in qr.text
        assert client.get("/watch/unknown-id/qr.svg").status_code == 404
        assert client.get("/watch/<script>").status_code == 404


# -- bounds and bad values ------------------------------------------------------------------------
def test_the_command_queue_is_bounded_and_the_session_keeps_working() -> None:
    app = create_app(limits=limits(queue=2, commands_per_second=10_000))
    with TestClient(app) as client:
        with client.websocket_connect("/ws") as ws:
            key = receive(ws)["session"]["key"]
            for _ in range(200):
                send(ws, {"type": "configure", "config": {"lr_d": 0.001}})
            assert "slow down" in receive_until(ws, lambda m: m["type"] == "error" and m["code"] == "queue_full")["message"]
            session = app.state.hub.runs[key].session
            assert session.commands.maxsize == 2
            wait_for(lambda: session.commands.empty())
            send(ws, {"type": "step"})
            frame_at(ws, 1)


def test_command_rate_and_message_size_are_answered() -> None:
    with TestClient(create_app(limits=limits(commands_per_second=5, message_bytes=1000))) as client:
        with client.websocket_connect("/ws") as ws:
            receive(ws)
            send(ws, {"type": "configure", "config": {"drawn_points": [[0.1, 0.2]] * 200}})
            msg = receive_until(ws, lambda m: m["type"] == "error")
            assert msg["code"] == "too_large" and "1000 bytes" in msg["message"]
            for _ in range(40):
                send(ws, {"type": "ping"})
            msg = receive_until(ws, lambda m: m["type"] == "error")
            assert msg["code"] == "rate_limited" and "5 a second" in msg["message"]


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ({"type": "speed", "iterations_per_second": 1e-12}, "greater than or equal to 0.1"),
        ('{"type": "step", "count": ' + "9" * 5000 + "}", "invalid JSON"),
        ({"type": "step", "count": 10**30}, "less than or equal to 1000"),
        ({"type": "configure", "config": {"seed": 10**40}}, "seed"),
        ({"type": "configure", "config": {"lr_g": 1e308}}, "lr_g"),
    ],
)
def test_values_out_of_range_get_an_error_and_the_worker_lives(command, fragment) -> None:
    with TestClient(create_app(limits=limits())) as client:
        with client.websocket_connect("/ws") as ws:
            receive(ws)
            send(ws, {"type": "play"})
            send(ws, command)
            assert fragment in receive_until(ws, lambda m: m["type"] == "error")["message"]
            send(ws, {"type": "pause"})
            send(ws, {"type": "reset"})
            send(ws, {"type": "step"})
            frame_at(ws, 1)


def test_the_largest_valid_configuration_is_refused_as_too_costly() -> None:
    largest = {"batch_size": 4096, "g_width": 512, "d_width": 512, "g_layers": 6, "d_layers": 6, "d_steps": 50, "g_steps": 50}
    assert config_cost(LabConfig(**largest)).iteration > 100 * FIXED_COST  # minutes, not a second
    with TestClient(create_app(limits=limits())) as client:
        with client.websocket_connect("/ws") as ws:
            receive(ws)
            send(ws, {"type": "configure", "config": largest})
            msg = receive_until(ws, lambda m: m["type"] == "error")
            assert msg["code"] == "too_costly" and "too heavy" in msg["message"] and msg["problems"][0]["field"] is None
            send(ws, {"type": "step"})
            assert frame_at(ws, 1)["dim"] == 1  # still the figure1 run


def test_every_preset_fits_the_cost_limit_of_this_machine() -> None:
    from gan_core.cost import measure_rate

    limit = measure_rate() * 1.0
    for name in PRESETS:
        config = PRESETS.get(name).config
        dim = 2 if name not in ("figure1", "minimax", "bimodal", "skewed", "strong-d", "saturation", "disjoint") else 1
        assert config_cost(config, dim).worst < limit / 4, name


def test_a_link_with_bad_values_keeps_the_rest_and_names_what_was_dropped() -> None:
    with TestClient(create_app(limits=limits())) as client:
        with client.websocket_connect("/ws") as ws:
            receive(ws)
            send(ws, {"type": "configure", "preset": "ring", "config": {"lr_g": "0", "lr_d": "0.0005", "bogus": "1"}, "from_url": True})
            msg = receive_until(ws, lambda m: m["type"] == "config")
            assert msg["preset"] == "ring" and msg["config"]["lr_d"] == 0.0005
            assert msg["config"]["lr_g"] == PRESETS.get("ring").config.lr_g
            dropped = {d["field"]: d for d in msg["dropped"]}
            assert set(dropped) == {"lr_g", "bogus"} and "greater than 0" in dropped["lr_g"]["reason"]
            send(ws, {"type": "configure", "preset": "no-such-preset", "config": {"seed": "3"}, "from_url": True})
            msg = receive_until(ws, lambda m: m["type"] == "config")
            assert [d["field"] for d in msg["dropped"]] == ["preset"] and msg["config"]["seed"] == 3 and msg["preset"] == "ring"


def test_bad_config_errors_name_their_fields() -> None:
    with TestClient(create_app(limits=limits())) as client:
        with client.websocket_connect("/ws") as ws:
            receive(ws)
            send(ws, {"type": "configure", "config": {"lr_g": 0, "batch_size": -1}})
            msg = receive_until(ws, lambda m: m["type"] == "error")
            assert msg["code"] == "bad_config" and {p["field"] for p in msg["problems"]} == {"lr_g", "batch_size"}


# -- who may connect --------------------------------------------------------------------------
def test_cross_site_origins_are_refused_unless_allowed() -> None:
    assert origin_allowed({"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"}, [])
    assert origin_allowed({"host": "127.0.0.1:8000"}, [])  # a script, not a browser
    assert not origin_allowed({"host": "127.0.0.1:8000", "origin": "https://evil.example"}, [])
    assert origin_allowed({"host": "127.0.0.1:8000", "origin": "https://lms.school"}, ["https://lms.school"])
    with TestClient(create_app(limits=limits())) as client:
        with client.websocket_connect("/ws", headers={"origin": "https://evil.example"}) as ws:
            assert receive(ws)["code"] == "origin_refused"
            with pytest.raises(WebSocketDisconnect) as closed:
                receive(ws)
            assert closed.value.code == 4403
        with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as ws:
            assert receive(ws)["type"] == "hello"
    with TestClient(create_app(limits=limits(), allow_origins=["https://lms.school"])) as client:
        with client.websocket_connect("/ws", headers={"origin": "https://lms.school"}) as ws:
            assert receive(ws)["type"] == "hello"


def test_a_token_guards_the_page_and_the_socket_but_not_watch_links() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and not is_loopback("0.0.0.0")
    app = create_app(limits=limits(), token="s3cret")
    with TestClient(app, follow_redirects=False) as client:
        assert client.get("/").status_code == 401
        assert client.get("/?token=wrong").status_code == 401
        r = client.get("/?token=s3cret&preset=ring")
        assert r.status_code == 303 and r.headers["location"] == "/?preset=ring" and "httponly" in r.headers["set-cookie"].lower()
        assert client.get("/").status_code == 200  # the cookie
        assert client.get("/healthz").status_code == 200 and client.get("/static/app.js").status_code == 200
        with client.websocket_connect("/ws") as ws:  # the cookie again
            watch_id = receive(ws)["session"]["watch_id"]
            client.cookies.clear()
            with client.websocket_connect("/ws") as intruder:
                assert receive(intruder)["code"] == "token"
                with pytest.raises(WebSocketDisconnect) as closed:
                    receive(intruder)
                assert closed.value.code == 4401
            with client.websocket_connect("/ws?token=s3cret") as ok:
                assert receive(ok)["type"] == "hello"
            assert client.get(f"/watch/{watch_id}").status_code == 200
            with client.websocket_connect(f"/ws?watch={watch_id}") as student:
                assert receive(student)["role"] == "watcher"


def test_responses_carry_strict_security_headers() -> None:
    with TestClient(create_app(limits=limits())) as client:
        for path in ("/", "/static/app.js", "/healthz"):
            headers = client.get(path).headers
            for name, value in SECURITY_HEADERS.items():
                assert headers[name] == value
        csp = client.get("/").headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "http" not in csp


def test_protocol_rejects_speeds_below_the_minimum() -> None:
    with pytest.raises(P.ProtocolError):
        P.parse_command(json.dumps({"type": "speed", "iterations_per_second": 0.01}))
    assert P.parse_command(json.dumps({"type": "speed", "iterations_per_second": 0.1})).iterations_per_second == 0.1
