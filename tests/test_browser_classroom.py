"""Browser tests of the page in a classroom (issue 9): layouts at a projector's, a laptop's and
a big screen's size, presentation mode, the tour's panels, the keyboard, links that carry the
view or a bad value, messages in the page's words, the watch link on a phone and resuming a
run. Same server and browser fixtures as test_browser.py (one server for this module).

Every tab fails its test on a console error or warning, an uncaught exception or a
Content-Security-Policy violation (the server sends a strict policy)."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from test_browser import COUNT_PIXELS, CSP_WATCH, IN_CI, _missing, browser, expect, record_console, server  # noqa: F401 (fixtures)

if _missing and not IN_CI:
    pytestmark = pytest.mark.skip(reason="; ".join(_missing))

# Smallest sizes the view may have, in CSS pixels, so it reads from the back of a room: the
# 2-D canvas's shorter side (its data square is ~40 px less, the tick labels' room) and the
# 1-D figure's width and height. Measured sizes are ~15 % above these.
SIZES = {
    (1024, 768): {"plane": 340, "figure": (700, 290)},  # a projector
    (1280, 720): {"plane": 330, "figure": (700, 260)},  # a laptop
    (1920, 1080): {"plane": 640, "figure": (1000, 500)},  # a big screen
}
PHONE = (390, 844)

# Each selector's box: inside the viewport, and the element itself is what is on top at its
# centre and near two corners (nothing covers it).
VISIBLE_AND_CLEAR = """(sels) => sels.map((sel) => {
    const el = document.querySelector(sel);
    if (!el) return {sel, missing: true};
    const r = el.getBoundingClientRect();
    const inside = r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
    const points = [[r.left + r.width / 2, r.top + r.height / 2], [r.left + 3, r.top + 3], [r.right - 3, r.bottom - 3]];
    const clear = points.every(([x, y]) => { const hit = document.elementFromPoint(x, y); return !!hit && (hit === el || el.contains(hit)); });
    return {sel, inside, clear, box: [r.left, r.top, r.width, r.height].map(Math.round)};
})"""

KEY_CONTROLS = ["#iteration", "#play", "#step", "#reset", ".dim-switch"]


class Tab:
    """A page in its own browser context (its own sessionStorage, cookies and viewport), with
    everything it logged, every command it sent and every tour message it received."""

    def __init__(self, chromium, base: str, path: str, size: tuple[int, int], storage: dict[str, str] | None = None) -> None:
        self.base = base
        self.problems: list[str] = []
        self.sent: list[dict] = []
        self.tours: list[dict] = []
        self.context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
        self.page = self.context.new_page()
        self.page.add_init_script(CSP_WATCH)
        if storage:  # what a duplicated tab brings along in its sessionStorage
            self.page.add_init_script(f"Object.entries({json.dumps(storage)}).forEach(([k, v]) => sessionStorage.setItem(k, v));")
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.problems.append(f"pageerror: {err}"))
        self.page.on("websocket", self._socket)
        self.page.goto(base + path)

    def _console(self, msg) -> None:
        record_console(self.problems, msg)

    def _socket(self, ws) -> None:
        ws.on("framesent", lambda payload: self.sent.append(json.loads(payload)))
        # frames are binary (bytes here); tours are JSON text
        ws.on("framereceived", lambda payload: self.tours.append(json.loads(payload)) if isinstance(payload, str) and payload.startswith('{"type":"tour"') else None)

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def iteration(self) -> int:
        return int(self.page.get_by_test_id("iteration").inner_text())

    def ready(self, preset: str | None = None) -> Tab:
        expect(self.page.locator("#status-text")).to_have_text(re.compile(r"paused|live|watching"), timeout=30_000)
        if preset:
            expect(self.page.locator("#preset")).to_have_value(preset, timeout=20_000)
        return self

    def blur(self) -> None:
        self.page.evaluate("() => document.activeElement && document.activeElement.blur()")

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def open_tab(browser, server):  # noqa: F811 (the fixtures imported above)
    """Opens the lab at a path and size; every tab must end its test without a console error,
    an uncaught exception or a CSP violation."""
    opened: list[Tab] = []

    def open_at(path: str = "/", size: tuple[int, int] = (1366, 768), storage: dict[str, str] | None = None) -> Tab:
        tab = Tab(browser, server, path, size, storage)
        opened.append(tab)
        return tab

    yield open_at
    problems = [p for tab in opened for p in tab.problems]
    for tab in opened:
        tab.close()
    assert not problems, problems


def protocol_version(base: str) -> int:
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
        return int(json.load(r).get("protocol", 0))


@pytest.fixture()
def classroom_server(server):  # noqa: F811
    """The server, when it speaks protocol 4 (watch links, resume, `dropped`)."""
    if protocol_version(server) < 4:
        pytest.skip("the server does not speak protocol 4 yet (watch links, resume, dropped link values)")
    return server


def assert_controls_shown(tab: Tab, extra: list[str]) -> None:
    for item in tab.page.evaluate(VISIBLE_AND_CLEAR, KEY_CONTROLS + extra):
        assert not item.get("missing") and item["inside"] and item["clear"], item


def box(tab: Tab, selector: str) -> dict:
    return tab.page.locator(selector).bounding_box()


# -- layouts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", list(SIZES), ids=lambda s: f"{s[0]}x{s[1]}")
def test_layout_keeps_the_controls_and_a_large_view(open_tab, size):
    want = SIZES[size]
    # 2-D: the ring with its "What to watch" text and the model overview above the plane
    tab = open_tab("/?preset=ring", size).ready("ring")
    expect(tab.page.get_by_test_id("view-2d")).to_be_visible()
    assert_controls_shown(tab, ["#view2d-main"])
    plane = box(tab, "#view2d-main")
    assert min(plane["width"], plane["height"]) >= want["plane"], plane
    # 1-D: Figure 1 with its legend, explanation and the tour's four panels
    tab = open_tab("/?preset=figure1", size).ready("figure1")
    assert_controls_shown(tab, ["#figure1", "#tour"])
    figure = box(tab, "#figure1")
    assert figure["width"] >= want["figure"][0] and figure["height"] >= want["figure"][1], figure
    for panel in "abcd":
        assert box(tab, f"#panel-{panel} canvas")["height"] >= 70


def test_narrow_screens_open_the_settings_on_demand(open_tab):
    tab = open_tab("/?preset=ring", (1024, 768)).ready("ring")
    page = tab.page
    expect(page.locator("#config-form")).to_be_hidden()
    toggle = tab.button("Settings")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#cfg-lr_g")).to_be_in_viewport()
    assert_controls_shown(tab, ["#view2d-main", "#cfg-lr_g"])
    page.keyboard.press("Escape")
    expect(page.locator("#config-form")).to_be_hidden()


# -- presentation mode --------------------------------------------------------------------------


def test_presentation_mode_by_key_and_button(open_tab):
    tab = open_tab("/?preset=ring", (1366, 768)).ready("ring")
    page = tab.page
    body = page.locator("body")
    before = box(tab, "#view2d-main")
    expect(page.locator("#config-form")).to_be_visible()
    tab.blur()
    page.keyboard.press("p")
    expect(body).to_have_class(re.compile(r"\bpresent\b"))
    expect(page.locator("#config-form")).to_be_hidden()
    page.wait_for_function("() => new URLSearchParams(location.search).get('present') === '1'")
    page.wait_for_function(f"() => document.getElementById('view2d-main').getBoundingClientRect().height > {before['height'] + 40}")
    assert_controls_shown(tab, ["#view2d-main"])
    # larger type: the explanation under the view and the charts' canvas type
    assert float(page.evaluate("getComputedStyle(document.getElementById('explain2d')).fontSize")[:-2]) >= 19
    page.keyboard.press("Escape")
    expect(body).not_to_have_class(re.compile(r"\bpresent\b"))
    expect(page.locator("#config-form")).to_be_visible()
    page.wait_for_function("() => !new URLSearchParams(location.search).has('present')")
    # the button does the same, and P leaves again
    page.get_by_test_id("present").click()
    expect(body).to_have_class(re.compile(r"\bpresent\b"))
    expect(page.get_by_test_id("present")).to_have_attribute("aria-pressed", "true")
    tab.blur()
    page.keyboard.press("p")
    expect(body).not_to_have_class(re.compile(r"\bpresent\b"))


# -- the tour -----------------------------------------------------------------------------------


def test_tour_panel_c_shows_the_generators_move_and_panels_open_large(open_tab):
    tab = open_tab("/?preset=figure1", (1280, 720)).ready("figure1")
    page = tab.page
    tab.button("Figure 1 tour").click()
    expect(page.locator("#panel-c")).to_have_attribute("data-filled", "true", timeout=60_000)
    caption = page.locator("#panel-c figcaption")
    # the number of G updates the server's panel (c) shows (protocol 4), named in the caption
    shown = next((p.get("g_updates_shown") for m in tab.tours for p in m["panels"] if p["panel"] == "c"), None)
    if protocol_version(tab.base) >= 4:
        assert shown and shown > 1, tab.tours[-1]["panels"][-1].keys()
    if shown and shown > 1:
        expect(caption).to_contain_text(f"{shown} G updates with D frozen (one is too small to see)")
    else:
        expect(caption).to_contain_text("One G update with D frozen")
    expect(caption).to_contain_text("uphill on D")
    # (d) says where D is ½ and where nothing pulls it there, not "everywhere"
    expect(page.locator("#panel-d figcaption")).to_contain_text("on the data")
    expect(page.locator("#panel-d figcaption")).not_to_contain_text("everywhere")
    # panel (c) draws the move: arrows in its own colour (COLORS.move, #c2410c)
    page.wait_for_function(
        """() => {
            const c = document.querySelector('#panel-c canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] > 160 && d[i + 1] > 40 && d[i + 1] < 110 && d[i + 2] < 60) n++;
            return n > 6;
        }""",
        timeout=10_000,
    )
    # a click opens the panel large, with the full caption; Esc closes it
    page.locator("#panel-c").click()
    lightbox = page.get_by_test_id("lightbox")
    expect(lightbox).to_be_visible()
    expect(lightbox).to_contain_text("Faint and dashed")
    big = box(tab, "#lightbox-canvas")
    assert big["width"] >= 900 and big["height"] >= 400, big
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    # opened with the mouse, closed: the page has the focus again, so its shortcuts work
    page.keyboard.press("p")
    expect(page.locator("body")).to_have_class(re.compile(r"\bpresent\b"))
    page.keyboard.press("p")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bpresent\b"))
    # Enter on a focused panel opens it too; the Close button shuts it
    page.locator("#panel-a").focus()
    page.keyboard.press("Enter")
    expect(lightbox).to_be_visible()
    page.get_by_test_id("lightbox-close").click()
    expect(lightbox).to_be_hidden()


# -- the keyboard --------------------------------------------------------------------------------


def test_space_presses_the_focused_control_and_plays_otherwise(open_tab):
    tab = open_tab("/?preset=figure1", (1366, 768)).ready("figure1")
    page = tab.page
    # the 1-D | 2-D switch comes right after the transport in the tab order
    focused = "() => document.activeElement.id"
    order = []
    for _ in range(12):
        page.keyboard.press("Tab")
        order.append(page.evaluate(focused))
    assert order.index("dim-1") == order.index("reset") + 1, order
    # back to Step with Shift+Tab; Space and Enter press it: one iteration each, no play
    for _ in range(12):
        if page.evaluate(focused) == "step":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(page.get_by_test_id("iteration")).to_have_text("1", timeout=10_000)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("iteration")).to_have_text("2", timeout=10_000)
    expect(tab.button("Play")).to_be_visible()
    assert not any(c.get("type") == "play" for c in tab.sent), tab.sent
    # a checkbox: Enter toggles it, as Space does
    page.locator("#show-samples").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#show-samples")).not_to_be_checked()
    page.keyboard.press("Space")
    expect(page.locator("#show-samples")).to_be_checked()
    # no control focused: Space plays and pauses
    tab.blur()
    page.keyboard.press("Space")
    expect(tab.button("Pause")).to_be_visible(timeout=5_000)
    page.keyboard.press("Space")
    expect(tab.button("Play")).to_be_visible(timeout=5_000)
    # after a mouse click on a button the page has the focus again: Space still plays
    tab.button("Step").click()
    page.keyboard.press("Space")
    expect(tab.button("Pause")).to_be_visible(timeout=5_000)
    tab.button("Pause").click()


# -- links -------------------------------------------------------------------------------------


def test_link_with_a_bad_value_keeps_the_rest_and_names_it(open_tab, classroom_server):
    tab = open_tab("/?preset=ring&lr_g=0&lr_d=0.0005&speed=fast", (1366, 768)).ready("ring")
    page = tab.page
    alert = page.locator("[data-code=from_link]")
    expect(alert).to_contain_text("From the link, not applied", timeout=10_000)
    expect(alert).to_contain_text("G learning rate = 0")
    expect(alert).to_contain_text("Speed = fast")
    assert "lr_g" not in alert.inner_text()
    # the rest of the link applied: the preset and the good value
    expect(page.locator("#cfg-lr_d")).to_have_value("0.0005")
    # the page's own keys never went to the server
    configure = next(c for c in tab.sent if c.get("type") == "configure")
    assert configure["preset"] == "ring" and "speed" not in configure["config"], configure
    # an unknown preset: the default one stays, and the page says which name it did not know
    tab = open_tab("/?preset=nope&lr_d=0.0005", (1366, 768)).ready("figure1")
    expect(tab.page.locator("[data-code=from_link]")).to_contain_text("Preset = nope", timeout=10_000)
    expect(tab.page.locator("#cfg-lr_d")).to_have_value("0.0005")


def test_view_keys_in_the_link_restore_what_was_shown(open_tab):
    tab = open_tab("/?preset=ring&layers=real,fake,gradients&speed=300&present=1", (1366, 768)).ready("ring")
    page = tab.page
    for layer, on in {"heatmap": False, "manifold": False, "real": True, "fake": True, "gradients": True, "modes": False}.items():
        (expect(page.get_by_test_id(f"layer-{layer}")).to_be_checked if on else expect(page.get_by_test_id(f"layer-{layer}")).not_to_be_checked)()
    expect(page.locator("#speed-value")).to_have_text("300/s")
    expect(page.locator("body")).to_have_class(re.compile(r"\bpresent\b"))
    page.wait_for_function("() => location.search === '?preset=ring&layers=real,fake,gradients&speed=300&present=1'", timeout=10_000)
    assert any(c == {"type": "speed", "iterations_per_second": 300} for c in tab.sent), tab.sent
    configure = next(c for c in tab.sent if c.get("type") == "configure")
    assert set(configure["config"]) <= {"preset"} and configure.get("preset") == "ring", configure
    # a layer turned back on is written back into the link
    page.get_by_test_id("layer-heatmap").check()
    page.wait_for_function("() => new URLSearchParams(location.search).get('layers') === 'heatmap,real,fake,gradients'")
    # 1-D: the overlays
    tab = open_tab("/?preset=figure1&show=pdata", (1366, 768)).ready("figure1")
    expect(tab.page.get_by_test_id("show-pdata")).to_be_checked()
    expect(tab.page.get_by_test_id("show-dstar")).not_to_be_checked()
    expect(tab.page.get_by_test_id("show-samples")).not_to_be_checked()
    tab.page.get_by_test_id("show-samples").check()
    tab.page.wait_for_function("() => new URLSearchParams(location.search).get('show') === 'pdata,samples'")


# -- messages ----------------------------------------------------------------------------------


def test_errors_name_settings_by_their_labels_and_cover_no_control(open_tab, classroom_server):
    tab = open_tab("/?preset=figure1", (1024, 768)).ready("figure1")
    page = tab.page
    tab.button("Settings").click()
    page.locator("#cfg-lr_g").fill("0")
    page.locator("#cfg-lr_g").press("Tab")
    alert = page.locator("[data-code=bad_config]")
    expect(alert).to_contain_text("G learning rate", timeout=10_000)
    assert "lr_g" not in alert.inner_text()
    expect(page.locator("#cfg-lr_g")).not_to_have_value("0")  # the run's true value is back
    # in the page's flow: it covers none of the controls, and its text wraps inside it
    assert_controls_shown(tab, ["#figure1", "#cfg-lr_g", "#cfg-lr_d", "#preset"])
    fit = page.evaluate("() => { const t = document.querySelector('[data-code=bad_config] .alert-text'); return t.scrollWidth <= t.clientWidth + 1; }")
    assert fit


def test_charts_draw_a_moving_average_over_the_raw_values(open_tab):
    tab = open_tab("/?preset=figure1", (1366, 768)).ready("figure1")
    # the average itself: a centred window over iterations, nulls skipped
    result = tab.page.evaluate(
        """async () => {
            const { movingAverage } = await import('/static/charts.js');
            return movingAverage([0, 1, 2, 3, 10], [1, null, 3, 5, 7], 2);
        }"""
    )
    assert result == [1, None, 4, 4, 7], result
    # drawn once a chart holds a few hundred points: ~2 % of the span shown
    tab.page.locator("#speed").fill("9")  # as fast as possible
    tab.blur()
    tab.page.keyboard.press("Space")
    tab.page.wait_for_function("() => document.querySelector('#chart-loss canvas').dataset.smoothSpan > 0", timeout=60_000)
    tab.page.keyboard.press("Space")
    span = int(tab.page.locator("#chart-loss canvas").get_attribute("data-smooth-span"))
    first, last = (int(v) for v in tab.page.locator("#chart-loss canvas").get_attribute("data-iterations").split())
    assert abs(span - 0.02 * (last - first)) <= 1 + 0.01 * (last - first), (span, first, last)


# -- the watch link, resume and take-over (protocol 4) ---------------------------------------------


def test_watch_link_on_a_phone_is_read_only_and_follows_the_run(open_tab, classroom_server):
    teacher = open_tab("/?preset=figure1", (1024, 768)).ready("figure1")
    share = teacher.page.get_by_test_id("share")
    expect(share).to_be_visible(timeout=10_000)
    share.click()
    dialog = teacher.page.get_by_test_id("share-dialog")
    expect(dialog).to_be_visible()
    url = teacher.page.get_by_test_id("share-url").input_value()
    assert re.search(r"/watch/[A-Za-z0-9_-]+$", url), url
    # 127.0.0.1: students cannot reach it, and the page says how to fix that
    expect(teacher.page.get_by_test_id("share-note")).to_contain_text("--host 0.0.0.0")
    # the QR code renders as an image (the server's qr.svg must be a standalone SVG document)
    qr_width = teacher.page.evaluate(
        "async () => { const img = document.querySelector('[data-testid=share-qr]'); await img.decode().catch(() => {}); return img.naturalWidth; }"
    )
    assert qr_width > 0, "the QR code image does not render: /watch/ID/qr.svg needs xmlns='http://www.w3.org/2000/svg' to be an <img>"
    teacher.page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    student = open_tab(url[url.index("/watch/") :], PHONE)
    page = student.page
    expect(page.locator("#status-text")).to_contain_text("watching", timeout=30_000)
    expect(page.get_by_test_id("watch-banner")).to_contain_text("read-only")
    expect(page.get_by_test_id("view-1d")).to_be_visible()
    figure = box(student, "#figure1")
    assert figure["width"] >= 300 and figure["height"] >= 250, figure
    for hidden in ("#play", "#step", "#reset", "#config-form", "#tour", "#share", "#settings-toggle"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(teacher.page.get_by_test_id("watchers")).to_contain_text("1", timeout=10_000)
    # the student follows the teacher's run: steps, then the switch to 2-D
    teacher.blur()
    teacher.page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("iteration")).to_have_text("1", timeout=10_000)
    teacher.page.get_by_test_id("dim-2").click()
    expect(page.get_by_test_id("view-2d")).to_be_visible(timeout=15_000)
    plane = box(student, "#view2d-main")
    assert plane["width"] >= 300, plane
    page.wait_for_function(f"() => ({COUNT_PIXELS})('view2d-main').fakeDot > 50", timeout=10_000)
    # keys do nothing but locally: the student's page sends nothing but pings
    student.blur()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    assert all(c.get("type") == "ping" for c in student.sent), student.sent
    # the teacher's page goes away: the student is told the run is paused
    teacher.page.close()
    expect(page.locator("[data-code=presenter]")).to_contain_text("disconnected", timeout=15_000)


def test_reload_resumes_the_same_run_and_its_play(open_tab, classroom_server):
    tab = open_tab("/?preset=figure1", (1366, 768)).ready("figure1")
    page = tab.page
    tab.blur()
    for n in range(1, 4):
        page.keyboard.press("ArrowRight")
        expect(page.get_by_test_id("iteration")).to_have_text(str(n), timeout=10_000)
    page.reload()
    expect(page.locator("[data-code=reconnected]")).to_contain_text("Reconnected: same run, iteration 3", timeout=20_000)
    expect(page.get_by_test_id("iteration")).to_have_text("3")
    # the link's configure was not sent again (it would have reset the run)
    tab.sent.clear()
    page.wait_for_timeout(300)
    assert not any(c.get("type") == "configure" for c in tab.sent), tab.sent
    # the charts came back from the hello's history
    page.wait_for_function("() => (document.querySelector('#chart-js canvas').dataset.iterations || '').endsWith(' 3')", timeout=10_000)
    # playing before the reload: playing again after it
    tab.blur()
    page.keyboard.press("Space")
    expect(tab.button("Pause")).to_be_visible(timeout=5_000)
    page.reload()
    expect(page.locator("[data-code=reconnected]")).to_be_visible(timeout=20_000)
    expect(tab.button("Pause")).to_be_visible(timeout=10_000)
    before = tab.iteration()
    page.wait_for_function(f"() => Number(document.querySelector('[data-testid=iteration]').textContent) > {before}", timeout=10_000)
    tab.button("Pause").click()


def test_the_same_run_opened_in_another_tab_takes_it_over(open_tab, classroom_server):
    first = open_tab("/?preset=figure1", (1366, 768)).ready("figure1")
    first.blur()
    first.page.keyboard.press("ArrowRight")
    expect(first.page.get_by_test_id("iteration")).to_have_text("1", timeout=10_000)
    saved = first.page.evaluate("() => sessionStorage.getItem('ganlab.run')")
    assert saved and json.loads(saved)["key"], saved
    # a second tab that knows the run's key (a duplicated tab copies sessionStorage), on the
    # same link: it resumes the run and takes it over
    second = open_tab("/?preset=figure1", (1366, 768), storage={"ganlab.run": saved}).ready("figure1")
    expect(second.page.get_by_test_id("iteration")).to_have_text("1")
    # the first tab does not reconnect by itself: it says why and offers a new run
    alert = first.page.locator("[data-code=closed]")
    expect(alert).to_contain_text("another tab", timeout=15_000)
    expect(first.page.locator("#status-text")).to_have_text("disconnected")
    first.page.wait_for_timeout(1_500)
    expect(first.page.locator("#status-text")).to_have_text("disconnected")
    alert.get_by_role("button", name="Start a new run here").click()
    expect(first.page.locator("#status-text")).to_have_text("paused", timeout=30_000)
    expect(first.page.get_by_test_id("iteration")).to_have_text("0")
    expect(second.page.get_by_test_id("iteration")).to_have_text("1")


def test_a_run_the_server_no_longer_has_is_named_and_the_link_applies(open_tab, classroom_server):
    # this tab's stored run is gone (the server restarted): a new run, said plainly, from the link
    stale = json.dumps({"key": "a-run-the-server-never-had", "link": "preset=ring"})
    tab = open_tab("/?preset=ring", (1366, 768), storage={"ganlab.run": stale}).ready("ring")
    expect(tab.page.locator("[data-code=resume]")).to_contain_text("no longer had your run", timeout=10_000)
    expect(tab.page.locator("[data-code=resume]")).to_contain_text("new run from iteration 0")
    assert any(c.get("type") == "configure" and c.get("preset") == "ring" for c in tab.sent), tab.sent
