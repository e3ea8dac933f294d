"""Websocket protocol tests through FastAPI's test client: frames, every class of bad
message (each gets an error reply and the session keeps stepping), divergence and recovery."""

from __future__ import annotations

import math
import time

import pytest
from fastapi.testclient import TestClient
from wsutil import error, frame_at, receive, receive_until, send

from gan_core.config import LabConfig
from gan_core.distributions import DISTRIBUTIONS
from server.app import create_app
from server.protocol import MAX_MESSAGE_BYTES, PROTOCOL_VERSION


@pytest.fixture()
def client() -> TestClient:
    return TestClient(create_app())


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["device"] == "cpu" and body["protocol"] == PROTOCOL_VERSION


def test_index_is_served(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "<html" in r.text.lower()


def test_hello_then_step_gives_frame_with_iteration_1(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        hello = receive(ws)
        assert hello["type"] == "hello" and hello["version"] == PROTOCOL_VERSION
        assert "lr_g" in hello["schema"]["properties"]
        assert {p["name"] for p in hello["presets"]} >= {"figure1", "wgan-gp", "disjoint"}
        objectives = {o["name"]: o for o in hello["registries"]["objective"]}
        assert objectives["wasserstein-gp"]["output"] == "score" and objectives["wasserstein-gp"]["network"] == "critic"
        assert objectives["non-saturating"]["has_optimum"] and objectives["hinge"]["no_optimum"]
        assert {r["name"] for r in hello["registries"]["regularizer"]} >= {"spectral-norm", "minibatch-discrimination"}
        assert hello["schema"]["properties"]["g_width"]["reset"] is True and "reset" not in hello["schema"]["properties"]["lr_d"]
        assert next(p for p in hello["presets"] if p["name"] == "disjoint")["watch"]
        assert hello["config"]["distribution"] == "gaussian"
        first = frame_at(ws, 0)
        assert first["status"] == "paused"
        send(ws, {"type": "step"})
        frame = frame_at(ws, 1)
        assert frame["d_updates"] == 1 and frame["g_updates"] == 1
        n = len(frame["x"])
        for key in ("p_data", "p_g", "d", "d_star"):
            assert len(frame[key]) == n
        assert len(frame["mapping_z"]) == len(frame["mapping_x"]) > 10
        assert all(0 <= v <= 1 for v in frame["d"])
        s = frame["scalars"]
        assert s["value_optimum"] == pytest.approx(-1.3862943611)
        assert s["loss_d"] > 0 and 0 <= s["js"] <= 0.7


def test_step_targets_and_counts(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        send(ws, {"type": "step", "target": "discriminator", "count": 3})
        f = receive_until(ws, lambda m: m["type"] == "frame" and m["d_updates"] == 3)
        assert f["iteration"] == 0 and f["g_updates"] == 0
        send(ws, {"type": "step", "target": "generator"})
        f = receive_until(ws, lambda m: m["type"] == "frame" and m["g_updates"] == 1)
        assert f["iteration"] == 0
        send(ws, {"type": "step", "count": 5})
        f = frame_at(ws, 5)
        assert f["d_updates"] == 8


BAD_MESSAGES = [
    ("not json at all", "invalid JSON"),
    ("[1, 2, 3]", "JSON object"),
    ('"step"', "JSON object"),
    ('{"kind": "step"}', "unknown command type"),
    ('{"type": "launch-missiles"}', "unknown command type"),
    ('{"type": 7}', "unknown command type"),
    ('{"type": "step", "count": "ten"}', "count"),
    ('{"type": "step", "count": 1.5}', "count"),
    ('{"type": "step", "count": 0}', "count"),
    ('{"type": "step", "count": 1000000}', "count"),
    ('{"type": "step", "count": NaN}', "NaN"),
    ('{"type": "step", "count": Infinity}', "Infinity"),
    ('{"type": "step", "target": "both"}', "target"),
    ('{"type": "step", "extra": 1}', "unknown field"),
    ('{"type": "speed", "iterations_per_second": -5}', "iterations_per_second"),
    ('{"type": "speed", "iterations_per_second": 1e999}', "finite"),
    ('{"type": "configure", "config": {"lr_g": -1}}', "lr_g"),
    ('{"type": "configure", "config": {"batch_size": "big"}}', "batch_size"),
    ('{"type": "configure", "config": {"batch_size": true}}', "batch_size"),
    ('{"type": "configure", "config": {"wings": 2}}', "unknown setting"),
    ('{"type": "configure", "config": {"distribution": "dragon"}}', "gaussian"),
    ('{"type": "configure", "config": "lr=1"}', "config"),
    ('{"type": "configure", "preset": "no-such-preset"}', "unknown preset"),
    ("x" * (MAX_MESSAGE_BYTES + 1), "too large"),
    ("[" * 10_000, "invalid JSON"),
]


@pytest.mark.parametrize("text, fragment", BAD_MESSAGES)
def test_bad_message_gets_error_and_session_keeps_working(client: TestClient, text: str, fragment: str) -> None:
    with client.websocket_connect("/ws") as ws:
        send(ws, text)
        err = error(ws)
        assert fragment.lower() in err["message"].lower(), err
        send(ws, {"type": "step"})
        assert frame_at(ws, 1)["iteration"] == 1


def test_deeply_nested_json_is_an_error(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        send(ws, '{"type": "configure", "config": ' + "[" * 5000 + "]" * 5000 + "}")
        assert "invalid json" in error(ws)["message"].lower()
        send(ws, {"type": "step"})
        frame_at(ws, 1)


def test_binary_message_is_an_error(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_bytes(b"\x00\x01")
        assert "binary" in error(ws)["message"]
        send(ws, {"type": "step"})
        frame_at(ws, 1)


def test_configure_applies_and_resets(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        send(ws, {"type": "step", "count": 2})
        frame_at(ws, 2)
        send(ws, {"type": "configure", "config": {"distribution": "bimodal", "lr_g": 0.002}})
        cfg = receive_until(ws, lambda m: m["type"] == "config")
        assert cfg["config"]["distribution"] == "bimodal" and cfg["config"]["lr_g"] == 0.002
        assert frame_at(ws, 0)["iteration"] == 0
        send(ws, {"type": "configure", "preset": "minimax", "config": {"seed": "3"}, "from_url": True})
        cfg = receive_until(ws, lambda m: m["type"] == "config")
        assert cfg["preset"] == "minimax" and cfg["config"]["objective"] == "minimax" and cfg["config"]["seed"] == 3


def test_live_changes_carry_on_while_playing(client: TestClient) -> None:
    """Lowering D's learning rate and switching the objective mid-run keep the networks and
    the iteration count; a change that needs new networks resets and says so."""
    with client.websocket_connect("/ws") as ws:
        send(ws, {"type": "speed", "iterations_per_second": None})
        send(ws, {"type": "play"})
        before = receive_until(ws, lambda m: m["type"] == "frame" and m["iteration"] >= 10)
        send(ws, {"type": "configure", "config": {"lr_d": 0.0005}})
        cfg = receive_until(ws, lambda m: m["type"] == "config")
        assert cfg["applied"] == "live" and cfg["changed"] == ["lr_d"] and cfg["iteration"] >= before["iteration"]
        send(ws, {"type": "configure", "config": {"objective": "wasserstein-gp", "d_steps": 2}})
        cfg2 = receive_until(ws, lambda m: m["type"] == "config")
        assert cfg2["applied"] == "live" and sorted(cfg2["changed"]) == ["d_steps", "objective"]
        assert cfg2["iteration"] >= cfg["iteration"]
        after = receive_until(ws, lambda m: m["type"] == "frame" and m["d_kind"] == "score" and m["iteration"] > cfg2["iteration"] + 5)
        assert after["status"] == "playing" and after["network"] == "critic" and after["d_star"] is None
        assert after["scalars"]["value"] is None and after["scalars"]["wasserstein"] is not None
        send(ws, {"type": "configure", "config": {"g_width": 16}})
        cfg3 = receive_until(ws, lambda m: m["type"] == "config")
        assert cfg3["applied"] == "reset" and cfg3["changed"] == ["g_width"] and cfg3["iteration"] == 0
        assert receive_until(ws, lambda m: m["type"] == "frame" and m["status"] == "paused")["iteration"] == 0


def test_nonsense_combination_is_refused_and_the_run_keeps_going(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        send(ws, {"type": "step", "count": 3})
        frame_at(ws, 3)
        send(ws, {"type": "configure", "config": {"objective": "mmd", "regularizers": ["feature-matching"]}})
        err = error(ws)
        assert err["code"] == "bad_config" and "Feature matching" in err["message"] and "MMD" in err["message"]
        send(ws, {"type": "step"})
        assert frame_at(ws, 4)["d_kind"] == "probability"


def test_play_pause_and_reset(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        send(ws, {"type": "speed", "iterations_per_second": None})
        send(ws, {"type": "play"})
        playing = receive_until(ws, lambda m: m["type"] == "frame" and m["status"] == "playing" and m["iteration"] >= 20)
        assert playing["iteration"] >= 20
        send(ws, {"type": "pause"})
        paused = receive_until(ws, lambda m: m["type"] == "frame" and m["status"] == "paused")
        send(ws, {"type": "ping"})
        receive_until(ws, lambda m: m["type"] == "pong")
        send(ws, {"type": "step"})
        assert frame_at(ws, paused["iteration"] + 1)["status"] == "paused"
        send(ws, {"type": "reset"})
        assert frame_at(ws, 0)["iteration"] == 0


def test_play_respects_speed(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        send(ws, {"type": "speed", "iterations_per_second": 20})
        send(ws, {"type": "play"})
        start = time.perf_counter()
        receive_until(ws, lambda m: m["type"] == "frame" and m["iteration"] >= 10, limit=5000)
        assert time.perf_counter() - start > 0.35  # 10 iterations at 20/s take ~0.5 s
        send(ws, {"type": "pause"})


def test_divergence_pauses_and_reset_recovers(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        send(ws, {"type": "configure", "config": {"optimizer": "sgd", "lr_d": 1.0, "lr_g": 1.0, "momentum": 0.99, "d_width": 256, "g_width": 256}})
        receive_until(ws, lambda m: m["type"] == "config")
        send(ws, {"type": "speed", "iterations_per_second": None})
        send(ws, {"type": "play"})
        err = receive_until(ws, lambda m: m["type"] == "error", limit=20000)
        assert err["code"] == "diverged" and "Reset" in err["message"]
        frame = receive_until(ws, lambda m: m["type"] == "frame" and m["status"] == "diverged")
        assert all(not math.isfinite(v) or abs(v) < 1e30 for v in frame["p_g"])  # still drawable (NaN: missing)
        send(ws, {"type": "step"})
        assert error(ws)["code"] == "diverged"
        send(ws, {"type": "reset"})
        frame = frame_at(ws, 0)
        assert frame["status"] == "paused"
        send(ws, {"type": "step"})
        assert frame_at(ws, 1)["status"] == "paused"


def test_tour_records_four_panels(client: TestClient, monkeypatch) -> None:
    from server import session

    monkeypatch.setattr(session, "TOUR_D_STEPS", 20)
    monkeypatch.setattr(session, "TOUR_MAX_ITERATIONS", 30)
    with client.websocket_connect("/ws") as ws:
        send(ws, {"type": "tour"})
        tour = receive_until(ws, lambda m: m["type"] == "tour" and m["done"], limit=5000)
        panels = tour["panels"]
        assert [p["panel"] for p in panels] == ["a", "b", "c", "d"]
        a, b, c, d = panels
        assert b["d_updates"] == a["d_updates"] + 20 and b["g_updates"] == a["g_updates"]
        shown = session.TOUR_G_UPDATES_SHOWN
        assert c["g_updates_shown"] == shown and c["g_updates"] == b["g_updates"] + shown and c["d_updates"] == b["d_updates"]
        assert d["iteration"] == 30


def test_lab_full(client: TestClient) -> None:
    small = TestClient(create_app(max_sessions=1))
    with small.websocket_connect("/ws") as first:
        receive(first)
        with small.websocket_connect("/ws") as second:
            msg = receive(second)
            assert msg["type"] == "error" and msg["code"] == "lab_full"
        send(first, {"type": "step"})
        frame_at(first, 1)


def test_2d_frames_from_a_preset(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        hello = receive(ws)
        dims = {d["name"]: d["dim"] for d in hello["registries"]["distribution"]}
        assert dims["gaussian"] == 1 and dims["ring"] == 2
        assert hello["schema"]["properties"]["drawn_points"]["hidden"] is True
        send(ws, {"type": "configure", "preset": "ring"})
        config = receive_until(ws, lambda m: m["type"] == "config")
        assert config["preset"] == "ring" and config["config"]["distribution"] == "ring"
        send(ws, {"type": "step", "count": 2})
        frame = frame_at(ws, 2)
        assert frame["dim"] == 2 and frame["version"] == PROTOCOL_VERSION
        heat = frame["heatmap"]
        assert len(heat["d"]) == heat["nx"] * heat["ny"] and all(0 <= v <= 1 for v in heat["d"])
        assert len(frame["real"]) == len(frame["fake"]) == len(frame["gradients"]) == 600
        assert len(frame["manifold"]["xy"]) == 2 * frame["manifold"]["nu"] * frame["manifold"]["nv"]
        assert len(frame["modes"]["centres"]) == 16
        s = frame["scalars"]
        assert s["modes_total"] == 8 and 0 <= s["hq_fraction"] <= 1 and s["wasserstein"] >= 0
        assert frame["d_kind"] == "probability" and frame["network"] == "discriminator"
        # the Figure-1 tour is 1-D only: a clear error, and the session keeps working
        send(ws, {"type": "tour"})
        assert "1-D" in error(ws)["message"]
        send(ws, {"type": "step"})
        assert frame_at(ws, 3)["dim"] == 2
        # back to 1-D in the same session
        send(ws, {"type": "configure", "preset": "figure1"})
        assert receive_until(ws, lambda m: m["type"] == "frame" and m["iteration"] == 0)["dim"] == 1


def test_drawn_distribution_over_the_socket(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        send(ws, {"type": "configure", "config": {"distribution": "drawn"}})
        assert "at least 3 drawn points" in error(ws)["message"]
        send(ws, {"type": "configure", "config": {"distribution": "drawn", "drawn_points": [[0, 0], [5, 5], [1, 1]]}})
        assert "outside the drawing area" in error(ws)["message"]
        points = [[x / 10, (x / 10) ** 2 - 1] for x in range(-15, 16)]
        send(ws, {"type": "configure", "config": {"distribution": "drawn", "drawn_points": points}})
        config = receive_until(ws, lambda m: m["type"] == "config")
        assert len(config["config"]["drawn_points"]) == len(points)
        send(ws, {"type": "step", "count": 3})
        frame = frame_at(ws, 3)
        assert frame["dim"] == 2 and frame["modes"] is None and frame["view"] == [[-3, 3], [-3, 3]]
        # the URL form: text pairs
        send(ws, {"type": "configure", "config": {"distribution": "drawn", "drawn_points": "0,0;1,1;2,0"}, "from_url": True})
        assert receive_until(ws, lambda m: m["type"] == "config")["config"]["drawn_points"] == [[0, 0], [1, 1], [2, 0]]


def test_play_does_not_sprint_after_a_slow_step(monkeypatch) -> None:
    """A slow first step (warm-up, busy machine) must not be 'caught up' with a burst faster
    than the chosen speed: slow motion stays slow."""
    import server.session as S
    from server import protocol as P

    class SlowFirstStepTrainer:
        p_data = DISTRIBUTIONS.get("gaussian")

        def __init__(self, config, device) -> None:
            self.config, self.iteration, self.diverged = config, 0, None

        def step(self, target: str, count: int) -> None:
            time.sleep(0.6 if self.iteration == 0 else 0.001)
            self.iteration += count

        def reset(self, config=None) -> None:
            self.iteration = 0

    monkeypatch.setattr(S, "Trainer", SlowFirstStepTrainer)
    monkeypatch.setattr(S, "make_probe_set", lambda trainer: None)
    monkeypatch.setattr(S, "probe", lambda trainer, ps, max_age=0.0: {"iteration": trainer.iteration, "scalars": {}})
    session = None

    def emit(msg: dict) -> None:
        if msg["type"] == "frame":
            session.frame_sent()

    session = S.Session(LabConfig(), "cpu", emit)
    try:
        session.submit(P.parse_command('{"type": "speed", "iterations_per_second": 20}'))
        session.submit(P.parse_command('{"type": "play"}'))
        deadline = time.perf_counter() + 5
        while session.trainer.iteration < 1 and time.perf_counter() < deadline:
            time.sleep(0.01)
        before = session.trainer.iteration
        time.sleep(0.5)
        # 0.5 s at 20 it/s is ~10 iterations; catching up the 0.6 s stall would add ~12 more
        assert 5 <= session.trainer.iteration - before <= 14
        assert session._thread.is_alive()
    finally:
        session.close()
        session.join(5)


def test_a_long_step_shows_progress_and_pause_interrupts_it(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        send(ws, {"type": "configure", "preset": "ring", "config": {"d_steps": 10, "batch_size": 1024}})
        receive_until(ws, lambda m: m["type"] == "config")
        send(ws, {"type": "step", "count": 1000})  # minutes of work on this machine
        progress = receive_until(ws, lambda m: m["type"] == "frame" and m["status"] == "stepping" and m["iteration"] >= 1, limit=5000)
        assert progress["iteration"] < 1000
        send(ws, {"type": "pause"})
        stopped = receive_until(ws, lambda m: m["type"] == "frame" and m["status"] == "paused", limit=5000)
        assert stopped["iteration"] < 1000
        send(ws, {"type": "step"})  # and the session still steps
        frame_at(ws, stopped["iteration"] + 1)


def test_frames_carry_the_measured_speed_while_playing(client: TestClient) -> None:
    """Honest speed: the chosen speed is a ceiling; frames say what actually runs."""
    with client.websocket_connect("/ws") as ws:
        receive(ws)
        send(ws, {"type": "speed", "iterations_per_second": 30})
        send(ws, {"type": "play"})
        frame = receive_until(ws, lambda m: m["type"] == "frame" and m["iteration"] >= 45 and m["measured_speed"] is not None)
        assert frame["speed"] == 30 and 15 <= frame["measured_speed"] <= 40  # paced at 30/s (after 1.5 s of play)
        send(ws, {"type": "pause"})
        paused = receive_until(ws, lambda m: m["type"] == "frame" and m["status"] == "paused")
        assert paused["measured_speed"] is None
