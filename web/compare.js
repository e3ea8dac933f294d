// Compare mode: 2–4 runs side by side, one set of controls. The link (?c=NAME or
// ?runs=PRESET:key=value,…|PRESET:…) is resolved by the server (/api/compare) into each run's
// preset and settings; each run is an ordinary session on its own socket (compare-run.js);
// Play, Step, Reset and the speed go to every run, and their curves share one set of charts.

import { Alerts } from "./alerts.js";
import { watchResize } from "./canvas.js";
import { configureOverlayCharts, makeOverlayCharts } from "./compare-charts.js";
import { RunView } from "./compare-run.js";
import { el } from "./dom.js";
import { paletteGradient } from "./heatmap.js";
import { closeDialog, installKeys } from "./keys.js";

const $ = (id) => document.getElementById(id);

// A colour per run (Okabe–Ito's, safe for colour-blind eyes), apart from the views' own
// green (G) and blue (D).
export const RUN_COLORS = ["#0072B2", "#D55E00", "#8E3C9E", "#B8860B"];
// The page's resume keys, one per run, apart from the lab page's ("ganlab.run"): a reload of
// the same link comes back to the same runs, and no socket ever names another page's run.
const STORE = "ganlab.compare";

const alerts = new Alerts($("alerts"));
const charts = makeOverlayCharts($);
const chartList = Object.values(charts);

const state = {
  list: null, // /api/comparisons
  set: null, // the resolved set shown: {name, title, description, kind, runs, runs_text}
  views: [],
  speeds: [],
  speedIndex: null,
  optimistic: null, // {playing, until}: what Play/Pause asked for, until the runs agree
  align: null, // after a Pause: {marks: Map(view → frames seen then)}, until the runs line up
  maxStep: 1000, // the most iterations one Step may ask for (hello.max_step_count)
  modesTotal: null,
};

function token() {
  return new URLSearchParams(window.location.search).get("token");
}

function withToken(path) {
  const t = token();
  if (!t) return path;
  return `${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(t)}`;
}

async function getJson(path) {
  const response = await fetch(withToken(path), { credentials: "same-origin", cache: "no-store" });
  const body = await response.json().catch(() => null);
  if (!response.ok && !body?.runs) throw new Error(body?.error || `${path}: HTTP ${response.status}`);
  return body;
}

// -- the set in the address bar ----------------------------------------------------------------
/** Query text with the link's own characters (, ; : | =) left readable. */
function queryValue(text) {
  return encodeURIComponent(text).replace(/%2C/g, ",").replace(/%3B/g, ";").replace(/%3A/g, ":").replace(/%7C/g, "|").replace(/%3D/g, "=");
}

function linkOf(set) {
  if (set.name) return `c=${queryValue(set.name)}`;
  return `runs=${queryValue(set.runs_text || "")}`;
}

function writeUrl(set) {
  const params = [linkOf(set)];
  if (token()) params.push(`token=${encodeURIComponent(token())}`);
  const next = `${window.location.pathname}?${params.join("&")}${window.location.hash}`;
  if (next !== `${window.location.pathname}${window.location.search}${window.location.hash}`) window.history.replaceState(null, "", next);
}

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function savedKeys(link) {
  try {
    const saved = JSON.parse(storage()?.getItem(STORE) || "null");
    return saved && saved.link === link && Array.isArray(saved.keys) ? saved.keys : [];
  } catch {
    return [];
  }
}

function saveKeys() {
  if (!state.set) return;
  try {
    storage()?.setItem(STORE, JSON.stringify({ link: linkOf(state.set), keys: state.views.map((v) => v.key || null) }));
  } catch {
    // not kept: a reload starts new runs
  }
}

// -- loading a set -------------------------------------------------------------------------------
function showProblems(problems) {
  alerts.clear("link");
  if (problems?.length) alerts.show(`From the link, not loaded: ${problems.join("; ")}.`, "link", { tone: "warn" });
}

/** Show `set` (resolved by /api/compare): its runs reuse the sessions already open where they
 * can (a new configure), new ones connect, extra ones leave. */
function loadSet(set) {
  if (set.kind === "dirac") {
    window.location.replace(set.link);
    return;
  }
  state.set = set;
  const keys = savedKeys(linkOf(set));
  const host = $("runs");
  const specs = set.runs;
  while (state.views.length > specs.length) state.views.pop().close();
  specs.forEach((spec, i) => {
    if (state.views[i]) state.views[i].retarget(spec);
    else state.views.push(new RunView(i, spec, RUN_COLORS[i], host, keys[i] || null, hooks));
  });
  host.dataset.count = String(specs.length);
  state.modesTotal = null;
  const runs = state.views.map((v) => ({ label: v.spec.label, color: v.color }));
  for (const c of chartList) c.setRuns(runs);
  configureCharts();
  showLegend();
  showDescription();
  fillPicker();
  if (specs.length) writeUrl(set);
  saveKeys();
  render();
}

function showDescription() {
  const set = state.set;
  $("cmp-title").textContent = set.runs.length ? `${set.title}:` : "Nothing to compare";
  $("cmp-description").textContent = set.runs.length
    ? set.description || "Runs from the link, side by side: same controls, one colour each in the charts."
    : "Choose a comparison above, or fix the link (see Links).";
}

function showLegend() {
  const ul = $("legend");
  ul.replaceChildren();
  state.views.forEach((v) => {
    const chip = el("span", "cmp-chip");
    chip.style.background = v.color;
    chip.setAttribute("aria-hidden", "true");
    const li = el("li", null, null, { title: v.titleNode.title });
    li.append(chip, el("span", "cmp-legend-label", v.spec.label));
    ul.append(li);
  });
  // what the views draw: the lab's own colours (the same in every run)
  const dim = state.views[0]?.spec.dim ?? 1;
  const items =
    dim === 2
      ? [["sw-dots-real", "real"], ["sw-dots-fake", "G(z)"], ["sw-mesh", "G's mesh"], ["sw-heat", "D: purple real · green fake (critic: its score)"]]
      : [["sw-pdata", "p_data"], ["sw-pg", "p_g"], ["sw-d", "D(x)"], ["sw-dstar", "D*"], ["sw-map", "z → G(z)"]];
  $("view-legend").replaceChildren(
    ...items.map(([cls, text]) => {
      const li = el("li");
      const sw = el("span", `sw ${cls}`);
      sw.setAttribute("aria-hidden", "true");
      if (cls === "sw-heat") sw.style.background = paletteGradient();
      li.append(sw, el("span", null, text));
      return li;
    }),
  );
}

function fillPicker() {
  const sel = $("picker");
  sel.replaceChildren();
  const set = state.set;
  if (set && !set.name) sel.append(el("option", null, set.runs.length ? "Custom set (from the link)" : "Choose a comparison…", { value: "" }));
  for (const c of state.list?.comparisons || []) {
    const opt = el("option", null, c.kind === "dirac" ? `${c.title} → Dirac-GAN page` : c.title, { value: c.name, title: c.description });
    sel.append(opt);
  }
  sel.value = set?.name || "";
}

function fillHelp() {
  $("help-names").textContent = (state.list?.comparisons || []).map((c) => c.name).join(", ");
}

$("picker").addEventListener("change", async () => {
  const name = $("picker").value;
  const entry = (state.list?.comparisons || []).find((c) => c.name === name);
  if (!entry) return;
  if (entry.kind === "dirac") {
    window.location.assign(entry.link);
    return;
  }
  alerts.clear("link");
  loadSet({ ...entry, problems: [] });
});

// -- the runs' news ------------------------------------------------------------------------------
const hooks = {
  onHello(view, msg) {
    if (!state.speeds.length && Array.isArray(msg.speeds)) setupSpeeds(msg.speeds, msg.speed);
    if (Number.isInteger(msg.max_step_count)) state.maxStep = msg.max_step_count;
    if (!$("help-presets").textContent && Array.isArray(msg.presets)) $("help-presets").textContent = msg.presets.map((p) => p.name).join(", ");
    if (state.speedIndex != null && msg.speed !== state.speeds[state.speedIndex]) view.socket.send({ type: "speed", iterations_per_second: state.speeds[state.speedIndex] ?? null });
    if (msg.resumed && Array.isArray(msg.history)) {
      for (const c of chartList) c.clearRun(view.index);
      for (const point of msg.history) if (point?.scalars) for (const c of chartList) c.push(view.index, point.iteration, point.scalars);
    }
  },
  onFrame(view, frame) {
    const s = frame.scalars || {};
    if (s.modes_total != null && s.modes_total !== state.modesTotal) {
      state.modesTotal = s.modes_total;
      configureCharts();
    }
    const kind = view.kind;
    if (kind && view.kindKey !== kind.key) {
      view.kindKey = kind.key;
      configureCharts();
    }
    for (const c of chartList) c.push(view.index, frame.iteration, s);
    showInfo(view, kind, s);
    lineUp();
  },
  onReset(view) {
    for (const c of chartList) c.clearRun(view.index);
  },
  onChange() {
    renderSoon();
  },
  onKey() {
    saveKeys();
  },
};

/** The line under a run's view: in 2-D what its colours are and the modes covered; in 1-D,
 * for a critic or the MMD witness, where its values are read. */
function showInfo(view, kind, s) {
  if (!kind) return;
  if (view.spec.dim === 2) {
    const modes = s.modes_total == null ? "" : ` · modes ${s.modes_covered} / ${s.modes_total}${s.hq_fraction == null ? "" : ` · HQ ${Math.round(s.hq_fraction * 100)} %`}`;
    view.setInfo(`${kind.heatTitle}${modes}`, `${kind.heatTip}. Modes: covered by at least 20 of 2,500 samples; HQ: share of samples near a mode`);
  } else {
    view.setInfo(kind.key === "prob" ? "" : `${kind.Noun}: ${kind.fn}, right-hand axis`, kind.key === "prob" ? "" : kind.heatTip);
  }
}

function configureCharts() {
  const kinds = state.views.map((v) => v.kind).filter(Boolean);
  configureOverlayCharts(charts, { dim: state.views[0]?.spec.dim ?? 1, modesTotal: state.modesTotal, kinds });
}

// -- controls ------------------------------------------------------------------------------------
let renderQueued = false;
function renderSoon() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => {
    renderQueued = false;
    render();
  });
}

function anyPlaying() {
  if (state.optimistic && performance.now() < state.optimistic.until) return state.optimistic.playing;
  state.optimistic = null;
  return state.views.some((v) => v.state === "playing");
}

function render() {
  const ready = state.views.filter((v) => v.ready && !v.failed && v.link === "open");
  const playing = anyPlaying();
  const play = $("play");
  play.setAttribute("aria-label", playing ? "Pause" : "Play");
  play.querySelector(".label").textContent = playing ? "Pause" : "Play";
  play.classList.toggle("playing", playing);
  play.title = playing ? "Stop every run; the networks keep their state (Space)" : "Train every run at the chosen speed (Space)";
  for (const id of ["play", "step", "reset"]) $(id).disabled = ready.length === 0;
  document.body.dataset.playing = String(playing);
}

/** Send `cmd` to every run that is ready; how many took it. */
function sendAll(cmd) {
  let sent = 0;
  for (const v of state.views) if (v.send(cmd)) sent += 1;
  if (!sent && state.views.length) alerts.show("No run is connected right now; they reconnect by themselves in a moment.", "offline", { tone: "warn", seconds: 6 });
  return sent;
}

function togglePlay() {
  const playing = anyPlaying();
  const live = state.views.filter((v) => v.state !== "diverged");
  let sent = 0;
  for (const v of playing ? state.views : live) if (v.send({ type: playing ? "pause" : "play" })) sent += 1;
  if (!sent) return;
  state.optimistic = { playing: !playing, until: performance.now() + 1500 };
  // after a Pause the runs line up (lineUp); Play forgets it
  state.align = playing ? { marks: new Map(state.views.map((v) => [v, v.frames])) } : null;
  render();
}

/** Runs paced separately stop a few iterations apart (more at "max", where each goes as fast
 * as it can): once every run says it has paused, the runs behind step up to the one ahead, so
 * the views compare the same iteration. */
function lineUp() {
  const align = state.align;
  if (!align) return;
  const live = state.views.filter((v) => v.ready && !v.failed && v.link === "open" && v.status !== "diverged");
  if (!live.length || !live.every((v) => v.status === "paused" && v.frames > (align.marks.get(v) ?? 0))) return;
  state.align = null;
  const top = Math.max(...live.map((v) => v.iteration));
  for (const v of live) if (v.iteration < top) v.send({ type: "step", count: Math.min(top - v.iteration, state.maxStep) });
}

function step() {
  state.align = null;
  if (sendAll({ type: "step" })) {
    state.optimistic = { playing: false, until: performance.now() + 1500 };
    render();
  }
}

function reset() {
  state.align = null;
  if (sendAll({ type: "reset" })) {
    state.optimistic = { playing: false, until: performance.now() + 1500 };
    for (const v of state.views) if (v.noteTone.includes("diverged")) v.setNote("");
    render();
  }
}

function speedLabel(v) {
  if (v == null) return "max";
  return v <= 5 ? `${v}/s slow` : `${v}/s`;
}

function setupSpeeds(speeds, serverSpeed) {
  state.speeds = speeds;
  const input = $("speed");
  input.max = String(Math.max(0, speeds.length - 1));
  const idx = Math.max(0, speeds.indexOf(serverSpeed));
  input.value = String(idx);
  $("speed-value").textContent = speedLabel(speeds[idx]);
}

$("speed").addEventListener("input", () => {
  const idx = Number($("speed").value);
  state.speedIndex = idx;
  const v = state.speeds[idx] ?? null;
  $("speed-value").textContent = speedLabel(v);
  $("speed").setAttribute("aria-valuetext", v == null ? "as fast as possible" : `${v} iterations per second`);
  for (const view of state.views) view.socket.send({ type: "speed", iterations_per_second: v });
});

$("play").addEventListener("click", togglePlay);
$("step").addEventListener("click", step);
$("reset").addEventListener("click", reset);
$("help-open").addEventListener("click", () => $("help").showModal());
$("help-close").addEventListener("click", () => closeDialog($("help")));

installKeys({
  shortcuts: { " ": togglePlay, ArrowRight: step, r: reset },
  onEscape: () => false,
});

// -- drawing -------------------------------------------------------------------------------------
function drawAll() {
  for (const v of state.views) v.draw();
  for (const c of chartList) if (c.dirty) c.draw();
  if (state.optimistic && performance.now() >= state.optimistic.until) render();
  requestAnimationFrame(drawAll);
}

// the charts' canvases, and the grid of runs (each card's canvases follow its size)
watchResize([$("runs"), ...document.querySelectorAll(".chart canvas")], () => {
  for (const c of chartList) c.dirty = true;
  for (const v of state.views) v.resized();
});

// -- start ---------------------------------------------------------------------------------------
async function start() {
  const params = new URLSearchParams(window.location.search);
  const c = params.get("c");
  const runs = params.get("runs");
  try {
    state.list = await getJson("/api/comparisons");
  } catch (err) {
    alerts.show(`Cannot list the comparisons: ${err.message}`, "list");
    state.list = { comparisons: [] };
  }
  fillHelp();
  let query = "";
  if (c != null) query = `c=${encodeURIComponent(c)}`;
  if (runs != null) query += `${query ? "&" : ""}runs=${encodeURIComponent(runs)}`;
  if (!query) query = `c=${encodeURIComponent(state.list.comparisons.find((x) => x.kind === "lab")?.name || "")}`;
  let set;
  try {
    set = await getJson(`/api/compare?${query}`);
  } catch (err) {
    set = { name: null, title: "", description: "", kind: "lab", runs: [], problems: [err.message] };
  }
  showProblems(set.problems);
  loadSet(set);
}

render();
requestAnimationFrame(drawAll);
start();
