"""Browser tests of the lab's page: a real server, a real Chromium (via Playwright).

Skipped when Chromium or Playwright is missing, except with CI=true, where they fail."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from gan_core.config import LabConfig

ROOT = Path(__file__).resolve().parent.parent
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
IN_CI = os.environ.get("CI") == "true"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None
    expect = None

_missing = []
if sync_playwright is None:
    _missing.append("playwright is not installed")
if not Path(CHROMIUM).exists():
    _missing.append(f"{CHROMIUM} is missing")
if _missing and not IN_CI:
    pytestmark = pytest.mark.skip(reason="; ".join(_missing))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    assert not _missing, "; ".join(_missing)  # with CI=true a missing browser fails
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early with code {proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    assert not _missing, "; ".join(_missing)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Watched:
    """A page plus everything it logged or requested."""

    def __init__(self, browser, base: str, path: str = "/") -> None:
        self.problems: list[str] = []
        self.foreign: list[str] = []
        self.page = browser.new_page(viewport={"width": 1366, "height": 768})
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.problems.append(f"pageerror: {err}"))
        self.page.on("request", self._request)
        self.page.goto(base + path)

    def _console(self, msg) -> None:
        if msg.type in ("error", "warning"):
            self.problems.append(f"console {msg.type}: {msg.text}")

    def _request(self, req) -> None:
        url = urlparse(req.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname != "127.0.0.1":
            self.foreign.append(req.url)

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def iteration(self) -> int:
        return int(self.page.get_by_test_id("iteration").inner_text())

    def close(self) -> None:
        self.page.close()


@pytest.fixture()
def lab(browser, server):
    w = Watched(browser, server)
    expect(w.page.locator("#status-text")).to_have_text("paused", timeout=20_000)
    yield w
    w.close()


def test_page_loads_clean_and_stays_local(lab):
    page = lab.page
    expect(page.get_by_test_id("iteration")).to_have_text("0")
    # the form is built from the schema: one control per config field, grouped
    expect(page.locator("#config-form select, #config-form input")).to_have_count(len(LabConfig.model_fields))  # one control per config field
    assert page.locator("#cfg-lr_g").get_attribute("title")
    # Figure 1 is drawn: many pixels that are neither white nor transparent, and some green
    expect(page.locator("#iteration")).to_have_text("0")
    page.wait_for_function(
        """() => {
            const c = document.getElementById('figure1');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let ink = 0, green = 0;
            for (let i = 0; i < d.length; i += 4) {
                if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) ink++;
                if (d[i + 1] > 100 && d[i] < 80 && d[i + 2] < 90) green++;
            }
            return ink > 2000 && green > 100;
        }""",
        timeout=10_000,
    )
    for name in ("Play", "Step", "Step D", "Step G", "Reset", "Figure 1 tour"):
        assert lab.button(name).get_attribute("title"), f"{name} needs a tooltip"
    assert not lab.problems, lab.problems
    assert not lab.foreign, lab.foreign


def test_step_play_pause_reset(lab):
    page = lab.page
    counter = page.get_by_test_id("iteration")
    lab.button("Step").click()
    expect(counter).to_have_text("1", timeout=10_000)

    lab.button("Play").click()
    expect(lab.button("Pause")).to_be_visible(timeout=5_000)
    start = time.monotonic()
    page.wait_for_function("() => Number(document.querySelector('[data-testid=iteration]').textContent) >= 20", timeout=15_000)
    assert time.monotonic() - start < 10
    page.wait_for_timeout(1_500)
    assert lab.iteration() >= 20

    lab.button("Pause").click()
    expect(lab.button("Play")).to_be_visible(timeout=5_000)
    expect(page.locator("#status-text")).to_have_text("paused", timeout=5_000)
    page.wait_for_timeout(300)  # a frame already on its way may still land
    before = lab.iteration()
    page.wait_for_timeout(1_000)
    assert lab.iteration() == before, "the counter moved while paused"

    lab.button("Reset").click()
    expect(counter).to_have_text("0", timeout=10_000)
    assert not lab.problems, lab.problems


def test_keyboard_shortcuts(lab):
    page = lab.page
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("iteration")).to_have_text("1", timeout=10_000)
    page.keyboard.press("r")
    expect(page.get_by_test_id("iteration")).to_have_text("0", timeout=10_000)


def test_preset_from_url_and_config_in_url(browser, server):
    w = Watched(browser, server, "/?preset=minimax&lr_g=0.002")
    try:
        expect(w.page.locator("#preset")).to_have_value("minimax", timeout=20_000)
        expect(w.page.locator("#cfg-lr_g")).to_have_value("0.002", timeout=10_000)
        expect(w.page.locator("#cfg-objective")).to_have_value("minimax")
        # the URL keeps the preset and only what differs from it
        w.page.wait_for_function("() => location.search === '?preset=minimax&lr_g=0.002'", timeout=10_000)
        # a change in the form goes to the server and comes back into the URL
        w.page.locator("#cfg-d_steps").fill("3")
        w.page.locator("#cfg-d_steps").press("Tab")
        w.page.wait_for_function("() => new URLSearchParams(location.search).get('d_steps') === '3'", timeout=10_000)
        assert not w.problems, w.problems
    finally:
        w.close()


def test_bad_url_value_shows_an_error(browser, server):
    w = Watched(browser, server, "/?preset=figure1&lr_g=banana")
    try:
        alert = w.page.get_by_role("alert")
        expect(alert).to_contain_text("lr_g", timeout=20_000)
        # the message can be dismissed
        w.page.get_by_role("button", name="Dismiss").first.click()
        expect(alert).not_to_contain_text("lr_g")
    finally:
        w.close()


def test_unknown_preset_shows_an_error(browser, server):
    w = Watched(browser, server, "/?preset=nope")
    try:
        expect(w.page.get_by_role("alert")).to_contain_text("unknown preset", timeout=20_000)
    finally:
        w.close()


def test_figure1_tour_fills_the_panels(lab):
    page = lab.page
    lab.button("Figure 1 tour").click()
    expect(page.locator("#panel-a")).to_have_attribute("data-filled", "true", timeout=10_000)
    expect(page.locator("#panel-b")).to_have_attribute("data-filled", "true", timeout=30_000)
    ink = page.evaluate(
        """() => {
            const c = document.querySelector('#panel-a canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
            return n;
        }"""
    )
    assert ink > 300
    assert not lab.problems, lab.problems
