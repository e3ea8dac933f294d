"""The Dirac-GAN view: its API (server/dirac_api.py) against gan_core.dirac, the access rules
it shares with the lab's page, and the page itself in Chromium (two runs, with and without
R1, driven by one Play / Step / Reset). Same server and browser fixtures as test_browser.py."""

from __future__ import annotations

import json
import math
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from test_browser import CSP_WATCH, IN_CI, Watched, _missing, browser, expect, record_console, server  # noqa: F401 (fixtures)

from gan_core.dirac import DiracConfig, Grid, field, trajectory
from gan_core.objectives import OBJECTIVES
from server.app import create_app
from server.dirac_api import MAX_STEPS
from server.security import TOKEN_COOKIE


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def strict_json(text: str):
    """JSON as a browser reads it: NaN or Infinity would be a syntax error there."""
    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


# -- the API --------------------------------------------------------------------------------


def test_describe_lists_the_registrys_objectives_with_a_second_network(client: TestClient) -> None:
    info = client.get("/api/dirac").json()
    names = [o["name"] for o in info["objectives"]]
    assert names == [n for n in OBJECTIVES if OBJECTIVES.get(n).network != "none"]
    assert "mmd" not in names and {"minimax", "wasserstein", "wasserstein-gp"} <= set(names)
    uses = {o["name"]: o["uses"] for o in info["objectives"]}
    assert uses["wasserstein-gp"]["gp_weight"] and not uses["minimax"]["gp_weight"]
    assert uses["wasserstein"]["clip_value"] and not uses["wasserstein-gp"]["clip_value"]
    assert info["defaults"]["objective"] == "minimax"  # the paper's plain GAN
    assert info["max_steps"] == MAX_STEPS


@pytest.mark.parametrize(
    "settings",
    [
        {"objective": "minimax"},
        {"objective": "minimax", "r1_gamma": 0.5, "lr": 0.2, "mode": "alternating", "theta": 0.3, "psi": -1.2},
        {"objective": "wasserstein", "clip_value": 0.4, "theta": -0.5, "psi": 0.25},
        {"objective": "wasserstein-gp", "gp_weight": 2.0},
    ],
    ids=lambda s: s["objective"] + ("-alt" if s.get("mode") else ""),
)
def test_trajectory_is_gan_cores(client: TestClient, settings: dict) -> None:
    r = client.post("/api/dirac", json={**settings, "steps": 300})
    assert r.status_code == 200, r.text
    got = r.json()
    want = trajectory(DiracConfig(**settings), 300)
    assert len(got["theta"]) == 301 and not got["diverged"]
    assert got["theta"] == [p["theta"] for p in want]
    assert got["psi"] == [p["psi"] for p in want]
    assert got["distance"] == [p["distance"] for p in want]
    assert got["config"] == {**DiracConfig(objective="minimax").__dict__, **settings}


def test_the_next_stretch_continues_from_the_last_point(client: TestClient) -> None:
    """The page asks in stretches, each from its last point: together they are one trajectory."""
    settings = {"objective": "minimax", "r1_gamma": 0.3}
    first = client.post("/api/dirac", json={**settings, "steps": 120}).json()
    second = client.post("/api/dirac", json={**settings, "theta": first["theta"][-1], "psi": first["psi"][-1], "steps": 80}).json()
    whole = trajectory(DiracConfig(**settings), 200)
    assert first["theta"] + second["theta"][1:] == [p["theta"] for p in whole]
    assert first["psi"] + second["psi"][1:] == [p["psi"] for p in whole]


def test_field_on_a_grid_is_gan_cores_field(client: TestClient) -> None:
    settings = {"objective": "non-saturating", "r1_gamma": 0.7}
    box = {"theta_lo": -2.0, "theta_hi": 3.0, "psi_lo": -1.5, "psi_hi": 1.0, "n_theta": 6, "n_psi": 4}
    got = client.post("/api/dirac", json={**settings, "field": box}).json()
    f = got["field"]
    assert f["theta"] == pytest.approx([-2, -1, 0, 1, 2, 3]) and f["psi"] == pytest.approx([-1.5, -2 / 3, 1 / 6, 1.0])
    assert len(f["v_theta"]) == len(f["v_psi"]) == 24
    config = DiracConfig(**settings)
    for j, psi in enumerate(f["psi"]):
        for i, theta in enumerate(f["theta"]):
            assert (f["v_theta"][j * 6 + i], f["v_psi"][j * 6 + i]) == pytest.approx(field(theta, psi, config), rel=1e-12, abs=1e-15)
    assert len(got["theta"]) == 1  # steps 0: only the start point
    assert Grid(-1, 1, -1, 1).axes()[0][0] == -1


@pytest.mark.parametrize(
    ("body", "status", "name"),
    [
        ({"steps": MAX_STEPS + 1}, 422, "steps"),
        ({"steps": -1}, 422, "steps"),
        ({"steps": 2.5}, 422, "steps"),
        ({"r1_gamma": "abc"}, 422, "r1_gamma"),
        ({"r1_gamma": -1}, 422, "r1_gamma"),
        ({"lr": 0}, 422, "lr"),
        ({"lr": 11}, 422, "lr"),
        ({"objective": "mmd"}, 422, "objective"),
        ({"objective": "nope"}, 422, "objective"),
        ({"mode": "sideways"}, 422, "mode"),
        ({"colour": "red"}, 422, "colour"),
        ({"field": {"theta_lo": 1, "theta_hi": 0, "psi_lo": 0, "psi_hi": 1}}, 422, "field.theta_hi"),
        ({"field": {"theta_lo": 0, "theta_hi": 1, "psi_lo": 0, "psi_hi": 1, "n_theta": 1000}}, 422, "field.n_theta"),
        ({"field": {"theta_lo": 0, "theta_hi": 1e9, "psi_lo": 0, "psi_hi": 1}}, 422, "field.theta_hi"),
        ({"field": {"theta_lo": 0, "theta_hi": 1}}, 422, "field.psi_lo"),
        ({"field": "everywhere"}, 422, "field"),
    ],
)
def test_bad_requests_name_the_field(client: TestClient, body: dict, status: int, name: str) -> None:
    r = client.post("/api/dirac", json=body)
    assert r.status_code == status, r.text
    assert r.json()["field"] == name
    assert r.json()["error"].startswith(f"{name}: "), r.json()


@pytest.mark.parametrize(
    ("raw", "name"),
    [(b"not json", "body"), (b"[1, 2]", "body"), (b'{"theta": NaN}', "theta"), (b'{"psi": -Infinity}', "psi"), (b" " * 5000, "body")],
)
def test_bodies_that_are_not_settings_are_4xx(client: TestClient, raw: bytes, name: str) -> None:
    r = client.post("/api/dirac", content=raw, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"].startswith(f"{name}: ")


def test_a_run_that_leaves_float_range_ends_with_null_not_a_500(client: TestClient) -> None:
    # WGAN's field is a rotation; with h = 10 each update multiplies the distance by √101
    r = client.post("/api/dirac", json={"objective": "wasserstein", "theta": 1e300, "psi": 1e300, "lr": 10, "steps": 50})
    assert r.status_code == 200
    got = strict_json(r.text)
    assert got["diverged"] and got["distance"][-1] is None
    assert all(d is not None and math.isfinite(d) for d in got["distance"][:-1])
    r = client.post("/api/dirac", json={"objective": "minimax", "theta": 1e300, "psi": 1e300, "field": {"theta_lo": -1e6, "theta_hi": 1e6, "psi_lo": -1e6, "psi_hi": 1e6}})
    assert r.status_code == 200 and strict_json(r.text)["field"]


def test_the_page_has_the_labs_headers(client: TestClient) -> None:
    page = client.get("/dirac?runs=objective=minimax")
    lab = client.get("/")
    assert page.status_code == 200 and "dirac.js" in page.text
    for header in ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy", "cache-control"):
        assert page.headers[header] == lab.headers[header]


def test_token_guards_the_page_and_the_api_as_it_does_the_lab() -> None:
    guarded = TestClient(create_app(token="s3cret"))
    assert guarded.get("/dirac").status_code == 401
    assert guarded.get("/api/dirac").status_code == 401
    assert guarded.post("/api/dirac", json={}).status_code == 401
    assert guarded.get("/dirac?token=wrong").status_code == 401
    r = guarded.get("/dirac?token=s3cret&runs=objective=minimax|objective=minimax,r1_gamma=1", follow_redirects=False)
    assert r.status_code == 303 and unquote(r.headers["location"]) == "/dirac?runs=objective=minimax|objective=minimax,r1_gamma=1"
    assert TOKEN_COOKIE in r.cookies
    guarded.cookies.set(TOKEN_COOKIE, "s3cret")  # (the client keeps the cookie it was sent)
    assert guarded.get("/dirac").status_code == 200
    assert guarded.post("/api/dirac", json={"steps": 2}).status_code == 200
    # a page on another site cannot use it, cookie or not (as the socket refuses it)
    foreign = guarded.post("/api/dirac", json={}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and "other sites" in foreign.json()["error"]


# -- the page in Chromium ---------------------------------------------------------------------

browser_test = pytest.mark.skipif(bool(_missing) and not IN_CI, reason="; ".join(_missing))
TWO_RUNS = "/dirac?runs=objective=minimax|objective=minimax,r1_gamma=1"


def steps_shown(w: Watched) -> int:
    return int(w.page.get_by_test_id("step-count").inner_text())


def distance(w: Watched, i: int) -> float:
    return float(w.page.get_by_test_id(f"distance-{i}").get_attribute("data-value"))


@browser_test
def test_two_runs_play_step_reset_and_r1_converges(browser, server) -> None:  # noqa: F811
    w = Watched(browser, server, TWO_RUNS + "&speed=200")
    try:
        page = w.page
        expect(page.locator("body[data-ready]")).to_have_count(1, timeout=20_000)
        expect(page.locator("#runs li")).to_have_count(2)
        expect(page.locator("#runs li").nth(1)).to_contain_text("R1 γ = 1")
        assert steps_shown(w) == 0
        start = distance(w, 0)
        assert distance(w, 1) == start == pytest.approx(math.sqrt(2))

        w.button("Play").click()
        page.wait_for_function("() => Number(document.querySelector('[data-testid=step-count]').textContent) >= 150", timeout=15_000)
        w.button("Pause").click()
        expect(w.button("Play")).to_be_visible()
        # both runs are at the same step: R1 has come in, the plain GAN has not
        plain, r1 = distance(w, 0), distance(w, 1)
        assert r1 < 0.1 * plain, (plain, r1)
        assert plain > start
        expect(page.get_by_test_id("trend-1")).to_have_text("converges")

        # Step: exactly one update, from the button and from →
        n = steps_shown(w)
        w.button("Step").click()
        expect(page.get_by_test_id("step-count")).to_have_text(str(n + 1), timeout=5_000)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.keyboard.press("ArrowRight")
        expect(page.get_by_test_id("step-count")).to_have_text(str(n + 2), timeout=5_000)
        page.keyboard.press("r")
        expect(page.get_by_test_id("step-count")).to_have_text("0")
        assert distance(w, 0) == pytest.approx(math.sqrt(2))
        page.keyboard.press(" ")
        expect(w.button("Pause")).to_be_visible()
        page.keyboard.press(" ")
        expect(w.button("Play")).to_be_visible()
        assert page.evaluate("() => location.search") == "?runs=objective=minimax|objective=minimax,r1_gamma=1&speed=200"
        assert not w.problems, w.problems
        assert not w.foreign, w.foreign
    finally:
        w.close()


@browser_test
def test_bad_link_values_are_named_and_settings_go_into_the_link(browser, server) -> None:  # noqa: F811
    w = Watched(browser, server, "/dirac?runs=objective=minimax,r1_gamma=abc|objective=nope,lr=0.2|colour=red&speed=7")
    try:
        page = w.page
        expect(page.locator("body[data-ready]")).to_have_count(1, timeout=20_000)
        expect(page.locator("#runs li")).to_have_count(3)  # every run still loads
        alerts = page.locator("#alerts")
        expect(alerts).to_contain_text("r1_gamma")
        expect(alerts).to_contain_text("objective")
        expect(alerts).to_contain_text("speed")
        expect(page.locator("#runs li").nth(1)).to_contain_text("lr 0.2")  # the rest of run 2 stays
        # a setting changed in the form goes into the address; the server names a bad one
        page.locator("#runs .run-pick").nth(1).click()
        expect(page.locator("#settings-run")).to_have_text("run 2")
        page.locator("#r1_gamma").fill("0.5")
        page.locator("#r1_gamma").press("Enter")
        page.wait_for_function("() => location.search.includes('objective=minimax,r1_gamma=0.5,lr=0.2|')", timeout=5_000)
        page.locator("#lr").fill("-3")
        page.locator("#lr").press("Enter")
        expect(alerts).to_contain_text("lr: must be in (0, 10]")
        expect(page.locator("#lr")).to_have_class("invalid")
        # a click on the plane starts every run there
        box = page.locator("#plane").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.3)
        page.wait_for_function("() => location.search.includes('theta=')", timeout=5_000)
        assert page.locator("#theta").input_value() not in ("", "1")
        assert not [p for p in w.problems if "the server responded with a status of 422" not in p], w.problems
    finally:
        w.close()


@browser_test
@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_layout_fits_a_projector_and_a_big_screen(browser, server, size) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    problems: list[str] = []
    page.add_init_script(CSP_WATCH)
    page.on("console", lambda msg: record_console(problems, msg))
    try:
        page.goto(server + TWO_RUNS)
        expect(page.locator("body[data-ready]")).to_have_count(1, timeout=20_000)
        sel = ["#play", "#step", "#reset", "#speed", "[data-testid=step-count]", ".back-link", "#add-run", "#objective", "#psi", "#distance-chart"]
        boxes = page.evaluate(
            """(sels) => sels.map((s) => { const r = document.querySelector(s).getBoundingClientRect();
                 const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                 return {s, ok: r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight,
                         clear: !!hit && (hit === document.querySelector(s) || document.querySelector(s).contains(hit))}; })""",
            sel,
        )
        assert all(b["ok"] and b["clear"] for b in boxes), boxes
        plane = page.locator("#plane").bounding_box()
        assert min(plane["width"], plane["height"]) >= 0.6 * size[1], plane  # the plane is the page
        assert not problems, problems
    finally:
        page.close()
