"""Compare mode without a browser: the registry of comparisons (gan_core/compare.py), the
parser of a compare link's runs, and the HTTP side (server/compare_api.py): the page, the
listing, a link resolved into runs, the token and origin rules, and each listed run applied
over an ordinary /ws socket exactly as the page sends it."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from wsutil import receive_until

from gan_core.compare import (
    COMPARISONS,
    MAX_RUNS,
    CompareError,
    Comparison,
    DiracRun,
    LabRun,
    check_comparison,
    dirac_run,
    format_runs,
    lab_run,
    parse_runs,
    parse_runs_strict,
)
from gan_core.dirac import DiracConfig
from gan_core.distributions import DISTRIBUTIONS
from gan_core.presets import get_preset
from server.app import create_app
from server.limits import Limits
from server.security import SECURITY_HEADERS, TOKEN_COOKIE

LAB = [n for n in COMPARISONS if COMPARISONS.get(n).kind == "lab"]


def _app(**kw):
    # a fixed cost limit: no measuring of this machine's speed for HTTP tests
    return create_app(limits=Limits(max_cost=1e12), **kw)


# -- the registry ---------------------------------------------------------------------------------
def test_the_registry_holds_the_four_comparisons():
    assert {"minimax-vs-non-saturating", "gan-vs-wgan-gp-ring", "k1-vs-k5", "dirac-r1"} <= set(COMPARISONS.names())


@pytest.mark.parametrize("name", COMPARISONS.names())
def test_every_entry_is_valid_and_its_runs_share_data_and_seed(name):
    c = COMPARISONS.get(name)
    assert 2 <= len(c.runs) <= MAX_RUNS
    assert c.title and c.description.endswith(".")
    assert len({r.label for r in c.runs}) == len(c.runs)
    if c.kind == "dirac":
        for r in c.runs:
            assert isinstance(r, DiracRun) and r.config == DiracConfig(**r.settings)
        return
    for r in c.runs:
        assert isinstance(r, LabRun)
        assert r.config == get_preset(r.preset).config.updated(r.overrides)  # what the page asks the server for
    for field in ("distribution", "drawn_points", "seed"):
        assert len({json.dumps(getattr(r.config, field)) for r in c.runs}) == 1, field


def test_each_entry_differs_in_what_it_is_about():
    mm = COMPARISONS.get("minimax-vs-non-saturating").runs
    assert {r.preset for r in mm} == {"figure1"}
    assert mm[0].config.changed_fields(mm[1].config) == ["objective"]
    assert {r.config.objective for r in mm} == {"minimax", "non-saturating"}

    ring = COMPARISONS.get("gan-vs-wgan-gp-ring").runs
    assert [r.preset for r in ring] == ["ring", "wgan-gp"]
    assert ring[0].config == get_preset("ring").config and ring[1].config == get_preset("wgan-gp").config
    assert DISTRIBUTIONS.get(ring[0].config.distribution).dim == 2

    k = COMPARISONS.get("k1-vs-k5").runs
    assert k[0].config.changed_fields(k[1].config) == ["d_steps"]
    assert [r.config.d_steps for r in k] == [1, 5]


def test_the_dirac_entry_is_a_link_to_the_dirac_page():
    c = COMPARISONS.get("dirac-r1")
    assert c.kind == "dirac"
    assert c.link == "/dirac?runs=objective=minimax|objective=minimax,r1_gamma=1"
    assert [r.config.r1_gamma for r in c.runs] == [0.0, 1.0]
    assert COMPARISONS.get("k1-vs-k5").link == "/compare?c=k1-vs-k5"


def test_bad_entries_fail_naming_the_bad_part():
    with pytest.raises(CompareError, match=r"run 'x': unknown preset 'nope'"):
        lab_run("x", "nope")
    with pytest.raises(CompareError, match=r"run 'fast': lr_g"):
        lab_run("fast", "figure1", {"lr_g": 5.0})
    with pytest.raises(CompareError, match=r"run 'y': r1: not a Dirac-GAN setting"):
        dirac_run("y", {"r1": 1})
    with pytest.raises(CompareError, match=r"run 'z': lr: must be in"):
        dirac_run("z", {"lr": -1.0})
    a, b = lab_run("a", "ring"), lab_run("b", "ring", {"seed": 3})
    with pytest.raises(CompareError, match=r"differ in seed \(0 vs 3\)"):
        check_comparison(Comparison("c", "t", "d.", (a, b)))
    with pytest.raises(CompareError, match=r"differ in distribution \(gaussian vs ring\)"):
        check_comparison(Comparison("c", "t", "d.", (lab_run("a", "figure1"), lab_run("b", "ring"))))
    with pytest.raises(CompareError, match="1 runs; a comparison has 2–4"):
        check_comparison(Comparison("c", "t", "d.", (a,)))
    with pytest.raises(CompareError, match="share a label"):
        check_comparison(Comparison("c", "t", "d.", (a, lab_run("a", "ring", {"lr_g": 1e-4}))))
    with pytest.raises(ValueError, match="registered twice"):
        COMPARISONS.register("k1-vs-k5", COMPARISONS.get("k1-vs-k5"))


# -- compare links ------------------------------------------------------------------------------------
def test_runs_link_builds_the_stated_runs():
    text = "ring:lr_d=0.002,regularizers=spectral-norm,instance-noise,batch_size=128|wgan-gp"
    runs = parse_runs_strict(text)
    assert [r.preset for r in runs] == ["ring", "wgan-gp"]
    assert runs[0].overrides == {"lr_d": 0.002, "regularizers": ["spectral-norm", "instance-noise"], "batch_size": 128}
    assert runs[0].config == get_preset("ring").config.updated(runs[0].overrides)
    assert runs[1].config == get_preset("wgan-gp").config and runs[1].overrides == {}
    assert runs[0].label == "ring · lr_d=0.002, regularizers=spectral-norm,instance-noise, batch_size=128"
    assert format_runs(runs) == text  # the page writes this back into its address
    # "regularizers=" (empty) turns the preset's off; a drawing keeps its own separators
    off = parse_runs_strict("ring:regularizers=|ring")[0]
    assert off.config.regularizers == [] and get_preset("ring").config.regularizers
    drawn = "1,1;1.5,1;2,1;2.5,1;3,1"
    run = parse_runs_strict(f"gaussians:distribution=drawn,drawn_points={drawn}|gaussians:distribution=drawn,drawn_points={drawn},lr_g=0.01")[0]
    assert run.config.drawn_points == [(1, 1), (1.5, 1), (2, 1), (2.5, 1), (3, 1)]


@pytest.mark.parametrize("name", LAB)
def test_a_registry_entry_as_a_runs_link_gives_the_same_runs(name):
    c = COMPARISONS.get(name)
    again = parse_runs_strict(format_runs(c.runs))
    assert [r.config for r in again] == [r.config for r in c.runs]


@pytest.mark.parametrize(
    ("text", "loaded", "fragments"),
    [
        ("ring|rign:lr_g=1|wgan-gp", ["ring", "wgan-gp"], ["run 2 'rign:lr_g=1': no preset 'rign'; choose one of: figure1"]),
        ("ring:lr_g=abc,d_steps=2|wgan-gp", ["ring", "wgan-gp"], ["run 1 'ring:lr_g=abc,d_steps=2': lr_g=abc left out (must be"]),
        ("ring:colour=red|ring", ["ring", "ring"], ["colour=red left out (unknown setting"]),
        ("ring:lr_g|ring", ["ring", "ring"], ["'lr_g' is not key=value"]),
        ("ring||ring", ["ring", "ring"], ["run 2 is empty"]),
        (":lr_g=1|ring|ring", ["ring", "ring"], ["run 1 ':lr_g=1': no preset before ':'"]),
        ("ring:lr_g=1e-4,lr_g=2e-4|ring", ["ring", "ring"], ["lr_g is set twice; the last value (2e-4) is used"]),
        ("ring|ring|ring|ring|wgan-gp", ["ring"] * 4, ["5 runs; a comparison shows at most 4"]),
        ("ring", ["ring"], ["only 1 run loads; a comparison needs 2–4"]),
        ("figure1|ring", ["figure1", "ring"], ["differ in distribution (gaussian vs ring)", "not like for like"]),
        ("", [], ["runs is empty; the format is PRESET:key=value"]),
    ],
)
def test_bad_links_name_the_bad_part_and_load_the_rest(text, loaded, fragments):
    parsed = parse_runs(text)
    assert [r.preset for r in parsed.runs] == loaded
    joined = "; ".join(parsed.problems)
    for fragment in fragments:
        assert fragment in joined, joined
    with pytest.raises(CompareError):
        parse_runs_strict(text)


def test_the_same_run_twice_gets_two_labels():
    parsed = parse_runs("ring|ring:lr_g=0.0001|ring")
    assert [r.label for r in parsed.runs] == ["ring (#1)", "ring · lr_g=0.0001", "ring (#3)"]
    assert parsed.problems == []


# -- HTTP -------------------------------------------------------------------------------------------------
def test_the_page_is_served_with_the_labs_headers():
    client = TestClient(_app())
    r = client.get("/compare?c=k1-vs-k5")
    assert r.status_code == 200 and 'src="/static/compare.js"' in r.text
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value
    assert "<script>" not in r.text and "style=" not in r.text  # the strict CSP allows neither
    assert client.get("/static/compare.js").status_code == 200


def test_api_lists_the_registry():
    body = TestClient(_app()).get("/api/comparisons").json()
    assert [c["name"] for c in body["comparisons"]] == COMPARISONS.names()
    assert (body["min_runs"], body["max_runs"]) == (2, 4)
    for c in body["comparisons"]:
        entry = COMPARISONS.get(c["name"])
        assert (c["title"], c["description"], c["kind"], c["link"]) == (entry.title, entry.description, entry.kind, entry.link)
        assert [r["label"] for r in c["runs"]] == [r.label for r in entry.runs]
        for listed, run in zip(c["runs"], entry.runs):
            if entry.kind == "lab":
                assert listed["config"] == run.config.model_dump(mode="json") and listed["preset"] == run.preset
                assert listed["dim"] == DISTRIBUTIONS.get(run.config.distribution).dim
            else:
                assert DiracConfig(**listed["config"]) == run.config


def test_api_resolves_a_link():
    client = TestClient(_app())
    named = client.get("/api/compare", params={"c": "gan-vs-wgan-gp-ring"}).json()
    assert named["name"] == "gan-vs-wgan-gp-ring" and named["problems"] == [] and len(named["runs"]) == 2
    custom = client.get("/api/compare", params={"runs": "ring|nope|wgan-gp:lr_g=x"}).json()
    assert [r["preset"] for r in custom["runs"]] == ["ring", "wgan-gp"]
    assert custom["runs_text"] == "ring|wgan-gp" and custom["link"] == "/compare?runs=ring|wgan-gp"
    assert any("no preset 'nope'" in p for p in custom["problems"]) and any("lr_g=x left out" in p for p in custom["problems"])
    unknown = client.get("/api/compare", params={"c": "nope"})
    assert unknown.status_code == 200  # (the page shows the problem; a browser logs any 4xx as an error)
    assert unknown.json()["runs"] == [] and "there is no comparison of that name; choose one of: minimax-vs-non-saturating" in unknown.json()["problems"][0]
    both = client.get("/api/compare", params={"c": "k1-vs-k5", "runs": "ring|ring"}).json()
    assert both["name"] == "k1-vs-k5" and "both c= and runs=" in both["problems"][0]
    assert "names no comparison" in client.get("/api/compare").json()["problems"][0]
    assert "characters long" in client.get("/api/compare", params={"runs": "ring|" * 2000}).json()["problems"][0]


def test_token_and_origin_rules_follow_the_labs_page():
    client = TestClient(_app(token="s3cret"))
    assert client.get("/compare").status_code == 401
    assert client.get("/api/comparisons").status_code == 401
    r = client.get("/compare?token=s3cret&runs=ring:lr_g=0.001|wgan-gp", follow_redirects=False)
    assert r.status_code == 303 and unquote(r.headers["location"]) == "/compare?runs=ring:lr_g=0.001|wgan-gp"
    assert TOKEN_COOKIE in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    client.cookies.set(TOKEN_COOKIE, "s3cret")
    assert client.get("/compare").status_code == 200
    assert client.get("/api/comparisons").status_code == 200
    assert client.get("/api/comparisons", headers={"origin": "http://evil.example"}).status_code == 403
    client.cookies.set(TOKEN_COOKIE, "wrong")
    assert client.get("/api/compare?c=k1-vs-k5").status_code == 401


@pytest.mark.parametrize("name", LAB)
def test_each_listed_run_applies_over_the_socket_as_the_page_sends_it(name):
    """The page sends {type: configure, preset, config: overrides} from the listing (JSON,
    strictly validated): the session must end up with exactly the listed config."""
    with TestClient(_app()) as client:
        listed = next(c for c in client.get("/api/comparisons").json()["comparisons"] if c["name"] == name)
        for run in listed["runs"]:
            with client.websocket_connect("/ws") as ws:
                receive_until(ws, lambda m: m["type"] == "hello")
                ws.send_text(json.dumps({"type": "configure", "preset": run["preset"], "config": run["overrides"]}))
                msg = receive_until(ws, lambda m: m["type"] in ("config", "error"))
                assert msg["type"] == "config", msg
                assert msg["applied"] == "reset" and msg["config"] == run["config"]
