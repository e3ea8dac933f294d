"""Compare mode in a real Chromium (the server and browser fixtures of test_browser.py, one
server for this module): one set of controls drives every run, a runs= link builds the runs
it states, a bad link names its bad part, and the page's sockets never take over each other
or the lab page's run. Every page fails its test on a console error or warning, an uncaught
exception or a Content-Security-Policy violation."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pytest
from test_browser import CSP_WATCH, IN_CI, _missing, browser, expect, record_console, server  # noqa: F401 (fixtures)

from gan_core.compare import COMPARISONS, parse_runs

if _missing and not IN_CI:
    pytestmark = pytest.mark.skip(reason="; ".join(_missing))

ITERATION = "[data-testid=compare-iteration-{}]"


class ComparePage:
    """A page in its own context, with everything it logged and every JSON message its
    sockets sent and received (listened to before the page loads)."""

    def __init__(self, chromium, base: str, path: str, size: tuple[int, int] = (1366, 768)) -> None:
        self.problems: list[str] = []
        self.sent: list[dict] = []
        self.received: list[dict] = []
        self.context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
        self.page = self.context.new_page()
        self.page.add_init_script(CSP_WATCH)
        self.page.on("console", lambda msg: record_console(self.problems, msg))
        self.page.on("pageerror", lambda err: self.problems.append(f"pageerror: {err}"))
        self.page.on("websocket", self._socket)
        self.base = base
        self.page.goto(base + path)

    def _socket(self, ws) -> None:
        def keep(into: list[dict], payload) -> None:
            if isinstance(payload, str):  # frames are binary: only the JSON messages are kept
                into.append(json.loads(payload))

        ws.on("framesent", lambda payload: keep(self.sent, payload))
        ws.on("framereceived", lambda payload: keep(self.received, payload))

    def iteration(self, i: int) -> int:
        return int(self.page.locator(ITERATION.format(i)).inner_text())

    def iterations(self, n: int) -> list[int]:
        return [self.iteration(i) for i in range(n)]

    def wait_ready(self, n: int) -> None:
        """Every run configured and paused."""
        expect(self.page.locator(".cmp-run")).to_have_count(n, timeout=15_000)
        for i in range(n):
            expect(self.page.get_by_test_id(f"compare-status-{i}")).to_have_text("paused", timeout=20_000)

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def open_compare(browser, server):  # noqa: F811 (the imported fixtures)
    opened: list[ComparePage] = []

    def open_at(path: str, size: tuple[int, int] = (1366, 768)) -> ComparePage:
        tab = ComparePage(browser, server, path, size)
        opened.append(tab)
        return tab

    yield open_at
    for tab in opened:
        tab.close()


def test_one_set_of_controls_drives_every_run(open_compare):
    tab = open_compare("/compare?c=minimax-vs-non-saturating")
    page = tab.page
    tab.wait_ready(2)
    entry = COMPARISONS.get("minimax-vs-non-saturating")
    for i, run in enumerate(entry.runs):
        expect(page.get_by_test_id(f"compare-label-{i}")).to_have_text(run.label)
    expect(page.get_by_test_id("compare-legend")).to_contain_text(entry.runs[1].label)
    assert tab.iterations(2) == [0, 0]
    # two runs fit 1366×768 without a scrollbar, anywhere
    assert page.evaluate("() => document.documentElement.scrollHeight <= innerHeight && [...document.querySelectorAll('.cmp-main, .cmp-charts')].every(e => e.scrollHeight <= e.clientHeight + 1)")

    tab.button("Play").click()
    expect(tab.button("Pause")).to_be_visible(timeout=5_000)
    page.wait_for_function(f"() => [0, 1].every(i => Number(document.querySelector(`{ITERATION.format('${i}')}`).textContent) >= 10)", timeout=15_000)

    tab.button("Pause").click()
    expect(tab.button("Play")).to_be_visible(timeout=5_000)
    for i in range(2):
        expect(page.get_by_test_id(f"compare-status-{i}")).to_have_text("paused", timeout=10_000)
    # paced apart, lined up after the Pause: both at the same iteration, and they stay there
    page.wait_for_function(f"() => {{ const a = [0, 1].map(i => document.querySelector(`{ITERATION.format('${i}')}`).textContent); return a[0] === a[1]; }}", timeout=10_000)
    page.wait_for_timeout(300)  # a frame already on its way may still land
    stopped = tab.iterations(2)
    page.wait_for_timeout(1_000)
    assert tab.iterations(2) == stopped, "a counter moved while paused"
    assert stopped[0] >= 10

    tab.button("Step").click()
    for i in range(2):
        expect(page.locator(ITERATION.format(i))).to_have_text(str(stopped[i] + 1), timeout=10_000)
    steps = [m for m in tab.sent if m.get("type") == "step"]
    assert steps[-2:] == [{"type": "step"}, {"type": "step"}]  # one iteration in each run

    # the keys: → steps every run, R resets them all (no control has the focus)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    for i in range(2):
        expect(page.locator(ITERATION.format(i))).to_have_text(str(stopped[i] + 2), timeout=10_000)
    page.keyboard.press("r")
    for i in range(2):
        expect(page.locator(ITERATION.format(i))).to_have_text("0", timeout=10_000)
    page.keyboard.press(" ")
    expect(tab.button("Pause")).to_be_visible(timeout=5_000)
    page.keyboard.press(" ")
    expect(tab.button("Play")).to_be_visible(timeout=5_000)
    # every chart holds both runs' curves
    page.wait_for_function("() => document.querySelector('#chart-js canvas').dataset.runs === '2'", timeout=5_000)
    assert not tab.problems, tab.problems


def test_a_runs_link_builds_the_stated_runs(open_compare):
    text = "ring:lr_d=0.002,regularizers=spectral-norm|wgan-gp:gp_weight=0.5"
    tab = open_compare(f"/compare?runs={text}")
    page = tab.page
    tab.wait_ready(2)
    expected = parse_runs(text).runs
    for i, run in enumerate(expected):
        expect(page.get_by_test_id(f"compare-label-{i}")).to_have_text(run.label)
    # each socket asked for its preset and settings, and the server's sessions now hold them
    configures = [m for m in tab.sent if m.get("type") == "configure"]
    assert sorted((m["preset"], json.dumps(m["config"], sort_keys=True)) for m in configures) == sorted(
        (r.preset, json.dumps(r.overrides, sort_keys=True)) for r in expected
    )
    applied = [m["config"] for m in tab.received if m.get("type") == "config"]
    for run in expected:
        assert run.config.model_dump(mode="json") in applied
    # the address keeps the set; the picker says it is a custom one; 2-D views with their kinds
    assert unquote(page.url).endswith(f"/compare?runs={text}")
    expect(page.get_by_test_id("compare-picker")).to_have_value("")
    expect(page.get_by_test_id("compare-note-0")).to_contain_text("D(x)", timeout=10_000)
    expect(page.get_by_test_id("compare-note-1")).to_contain_text("critic", timeout=10_000)
    expect(page.locator("#chart-modes")).to_be_visible(timeout=10_000)
    # the picker loads a named comparison into the same sessions, and the address follows
    page.get_by_test_id("compare-picker").select_option("k1-vs-k5")
    for i, run in enumerate(COMPARISONS.get("k1-vs-k5").runs):
        expect(page.get_by_test_id(f"compare-label-{i}")).to_have_text(run.label)
    page.wait_for_function("() => location.search === '?c=k1-vs-k5'", timeout=5_000)
    tab.wait_ready(2)
    expect(page.locator("#chart-modes")).to_be_hidden()
    assert len({m["session"]["key"] for m in tab.received if m.get("type") == "hello"}) == 2  # no new sessions
    assert not tab.problems, tab.problems


def test_a_bad_link_names_the_bad_part_and_loads_the_rest(open_compare):
    tab = open_compare("/compare?runs=ring|nosuch:lr_g=1|wgan-gp:lr_g=abc")
    page = tab.page
    tab.wait_ready(2)
    alert = page.get_by_test_id("compare-alerts")
    expect(alert).to_contain_text("no preset 'nosuch'")
    expect(alert).to_contain_text("lr_g=abc left out")
    expect(page.get_by_test_id("compare-label-1")).to_have_text("wgan-gp")
    page.wait_for_function("() => decodeURIComponent(location.search) === '?runs=ring|wgan-gp'", timeout=5_000)

    nothing = open_compare("/compare?c=nope")
    expect(nothing.page.get_by_test_id("compare-alerts")).to_contain_text("c=nope: there is no comparison of that name", timeout=10_000)
    expect(nothing.page.locator(".cmp-run")).to_have_count(0)
    expect(nothing.page.get_by_role("button", name="Play", exact=True)).to_be_disabled()
    # the picker still lists every comparison; the Dirac-GAN one opens its own page
    options = nothing.page.get_by_test_id("compare-picker").locator("option")
    expect(options).to_have_count(len(COMPARISONS.names()) + 1)
    nothing.page.get_by_test_id("compare-picker").select_option("dirac-r1")
    nothing.page.wait_for_url(re.compile(r"/dirac\?runs="), timeout=10_000)
    assert unquote(nothing.page.url).endswith(COMPARISONS.get("dirac-r1").link)
    assert not tab.problems, tab.problems


def test_the_page_keeps_its_own_runs(open_compare):
    """The lab page's run survives a visit to the compare page in the same tab, the compare
    page's sockets each have their own run, and a reload comes back to the same runs."""
    tab = open_compare("/")
    page = tab.page
    expect(page.locator("#status-text")).to_have_text("paused", timeout=20_000)
    expect(page.get_by_test_id("compare-link")).to_have_attribute("href", "/compare")
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_test_id("iteration")).to_have_text("1", timeout=10_000)
    lab_key = json.loads(page.evaluate("() => sessionStorage.getItem('ganlab.run')"))["key"]

    tab.problems.clear()  # (the lab page's own console is test_browser.py's to check)
    page.goto(tab.base + "/compare?c=k1-vs-k5")
    tab.wait_ready(2)
    keys = json.loads(page.evaluate("() => sessionStorage.getItem('ganlab.compare')"))["keys"]
    assert len(set(keys)) == 2 and lab_key not in keys
    assert json.loads(page.evaluate("() => sessionStorage.getItem('ganlab.run')"))["key"] == lab_key
    tab.button("Step").click()
    for i in range(2):
        expect(page.locator(ITERATION.format(i))).to_have_text("1", timeout=10_000)

    page.reload()  # the same runs come back, where they were
    tab.wait_ready(2)
    assert tab.iterations(2) == [1, 1]
    assert json.loads(page.evaluate("() => sessionStorage.getItem('ganlab.compare')"))["keys"] == keys
    assert not tab.problems, tab.problems

    page.go_back()  # the lab page resumes its own run, untouched
    expect(page.get_by_test_id("iteration")).to_have_text("1", timeout=20_000)
    expect(page.locator("#status-text")).to_have_text("paused", timeout=10_000)
    assert not [m for m in tab.received if m.get("code") == "taken_over"]


def test_a_diverged_run_says_so_and_the_others_go_on(open_compare):
    tab = open_compare("/compare?runs=figure1:optimizer=sgd,lr_d=1,lr_g=1,momentum=0.99,d_width=256,g_width=256|figure1")
    page = tab.page
    tab.wait_ready(2)
    tab.button("Play").click()
    expect(page.get_by_test_id("compare-status-0")).to_have_text("diverged", timeout=15_000)
    expect(page.get_by_test_id("compare-note-0")).to_contain_text("Training diverged")
    page.wait_for_function(f"() => Number(document.querySelector(`{ITERATION.format(1)}`).textContent) >= 30", timeout=15_000)
    expect(page.get_by_test_id("compare-status-1")).to_have_text("playing")
    blown = tab.iteration(0)  # (its last frame has long arrived)
    assert blown < 10
    tab.button("Pause").click()
    expect(page.get_by_test_id("compare-status-1")).to_have_text("paused", timeout=10_000)
    assert tab.iteration(0) == blown  # nothing lines up with a diverged run
    tab.button("Reset").click()
    for i in range(2):
        expect(page.locator(ITERATION.format(i))).to_have_text("0", timeout=10_000)
        expect(page.get_by_test_id(f"compare-status-{i}")).to_have_text("paused", timeout=10_000)
    expect(page.get_by_test_id("compare-note-0")).not_to_contain_text("diverged")
    assert not tab.problems, tab.problems
