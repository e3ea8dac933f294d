// Main wiring: the socket's messages go to the figure (1-D) or the 2-D view, the charts,
// form and URL; the buttons and keys become commands. The page only draws; the server trains.

import { makeCharts } from "./charts.js";
import { buildForm } from "./controls.js";
import { explain, explain2d } from "./explain.js";
import { drawFigure1 } from "./figure1.js";
import { watchResize } from "./canvas.js";
import { LabSocket } from "./socket.js";
import { TourPanels } from "./tour.js";
import { configDiff, urlConfigureCommand, writeUrlConfig } from "./url.js";
import { Alerts } from "./alerts.js";
import { Lab2D } from "./lab2d.js";
import { Scoreboard } from "./scoreboard.js";

const $ = (id) => document.getElementById(id);

const state = {
  hello: null,
  presets: [],
  config: null,
  preset: null,
  frame: null,
  lastIteration: -1,
  serverStatus: null, // paused | playing | diverged | touring (from frames)
  optimistic: null, // {status, until}: what a click asked for, until the server agrees
  link: "connecting", // connecting | open | retrying | full
  speeds: [],
  speedIndex: null, // the user's choice, re-applied after a reconnect
  form: null,
  figureDirty: true,
  dim: 1, // the data dimension the page shows (2 also while drawing)
};

// The presets the 1-D | 2-D switch loads.
const DIM_PRESET = { 1: "figure1", 2: "gaussians" };

const alerts = new Alerts($("alerts"));
const charts = makeCharts($);
const tour = new TourPanels(document);
const show = { pdata: true, dstar: true, samples: true };
const scoreboard = new Scoreboard($("scoreboard"));
const lab2d = new Lab2D($, { send, onDrawMode: () => updateDim() });

const socket = new LabSocket(`${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/ws`, {
  onMessage: handleMessage,
  onState: (link) => {
    state.link = link;
    if (link !== "open") state.serverStatus = null;
    state.figureDirty = true;
    renderStatus();
  },
});

function send(cmd) {
  if (!socket.send(cmd)) {
    alerts.show("Not connected to the lab right now; it reconnects by itself in a moment.", "offline");
    return false;
  }
  return true;
}

// -- incoming --------------------------------------------------------------------------
function handleMessage(msg) {
  switch (msg.type) {
    case "hello":
      onHello(msg);
      break;
    case "frame":
      onFrame(msg);
      break;
    case "config":
      onConfig(msg);
      break;
    case "tour":
      tour.update(msg);
      if (msg.done) $("tour-note").textContent = tourVerdict(msg);
      break;
    case "error":
      onError(msg);
      break;
    default:
      break; // pong and anything newer
  }
}

function tourVerdict(msg) {
  const d = (msg.panels || []).find((p) => p.panel === "d");
  const js = d?.scalars?.js;
  if (js == null) return "done: compare (a) → (d)";
  if (js < 0.1) return `done · JS ${js.toFixed(3)}: compare (a) → (d)`;
  return `done · JS still ${js.toFixed(2)}: Play trains on`;
}

function onHello(msg) {
  state.hello = msg;
  state.presets = msg.presets || [];
  state.speeds = msg.speeds || [];
  state.config = msg.config;
  state.preset = msg.preset;
  alerts.clear("offline");
  alerts.clear("lab_full");
  state.form = buildForm($("config-form"), msg.schema, msg.registries, onFieldChange);
  fillPresets();
  showConfig();
  lab2d.setConfig(state.config);
  updateDim();
  setupSpeed(msg.speed);
  clearHistory();
  tour.clear();
  const fromUrl = urlConfigureCommand();
  if (fromUrl) send(fromUrl);
}

function onFrame(f) {
  if (f.iteration < state.lastIteration) clearHistory();
  state.lastIteration = f.iteration;
  state.frame = f;
  state.serverStatus = f.status;
  if (state.optimistic && (f.status === state.optimistic.status || performance.now() > state.optimistic.until)) {
    state.optimistic = null;
  }
  if (f.scalars) for (const c of charts) c.push(f.iteration, f.scalars);
  $("iteration").textContent = String(f.iteration);
  $("updates").textContent = `D ${f.d_updates} · G ${f.g_updates}`;
  if (f.dim === 2) $("explain2d").textContent = explain2d(f);
  else $("explain").textContent = explain(f);
  if (f.dim === 2) lab2d.setFrame(f);
  scoreboard.update(f);
  if (tour.running) {
    if (f.status === "touring") tour.seenTouring = true;
    else if (tour.seenTouring) {
      tour.running = false; // another command interrupted it
      tour.dirty = true;
      $("tour-note").textContent = "interrupted: press the tour again";
    }
  }
  state.figureDirty = true;
  if (!tour.running && !tour.frames.a) tour.dirty = true; // panel (a) follows the live state
  renderStatus();
}

/** The data dimension of a config's distribution (registry entries carry `dim`). */
function dimOf(config) {
  const entry = (state.hello?.registries?.distribution || []).find((d) => d.name === config?.distribution);
  return entry?.dim === 2 ? 2 : 1;
}

/** Show the 1-D or the 2-D view; the frame's dimension follows the config's. */
function updateDim() {
  const dim = lab2d.drawing ? 2 : dimOf(state.config);
  if (dim !== state.dim) {
    if (dim === 2) lab2d.setFrame(state.frame?.dim === 2 ? state.frame : null);
    state.figureDirty = true;
    tour.dirty = true;
  }
  state.dim = dim;
  document.body.dataset.dim = String(dim);
  $("dim-1").setAttribute("aria-pressed", String(dim === 1));
  $("dim-2").setAttribute("aria-pressed", String(dim === 2));
  for (const c of charts) c.showFor(dim);
  if (dim !== 2) scoreboard.hide();
  $("center").setAttribute("aria-label", dim === 2 ? "2-D view" : "Figure 1");
}

function switchDim(dim) {
  if (lab2d.drawing && dim === 1) lab2d.stopDrawing();
  if (dimOf(state.config) === dim) return;
  send({ type: "configure", preset: DIM_PRESET[dim] });
}

function onConfig(msg) {
  state.config = msg.config;
  state.preset = msg.preset;
  showConfig();
  lab2d.setConfig(msg.config);
  updateDim();
  writeUrlConfig(msg.config, msg.preset, state.presets);
  clearHistory();
  if (!tour.running) {
    tour.clear();
    $("tour-note").textContent = "";
  }
  alerts.clear("bad_config");
}

function onError(msg) {
  const code = msg.code || "error";
  alerts.show(msg.message || "Something went wrong.", code);
  if (code === "bad_config") {
    showConfig(); // put the true values back in the form
    lab2d.configRefused();
  }
  if (code === "diverged") state.serverStatus = "diverged";
  if (code === "lab_full") {
    state.link = "full";
    state.figureDirty = true;
  }
  state.optimistic = null;
  renderStatus();
}

// -- showing state ---------------------------------------------------------------------
// Presets grouped by the dimension of their data: Figure 1's 1-D ones, then GAN Lab's 2-D.
function fillPresets() {
  const sel = $("preset");
  sel.replaceChildren();
  for (const [dim, label] of [[1, "1-D · Figure 1"], [2, "2-D · GAN Lab"]]) {
    const group = document.createElement("optgroup");
    group.label = label;
    for (const p of state.presets.filter((q) => dimOf(q.config) === dim)) {
      const opt = document.createElement("option");
      opt.value = p.name;
      opt.textContent = p.title;
      opt.title = p.description;
      group.append(opt);
    }
    if (group.children.length) sel.append(group);
  }
}

function showConfig() {
  if (!state.config) return;
  state.form?.setConfig(state.config);
  const sel = $("preset");
  const preset = state.presets.find((p) => p.name === state.preset);
  if (preset) sel.value = preset.name;
  $("preset-desc").textContent = preset ? preset.description : "";
  const diff = configDiff(state.config, preset ? preset.config : null);
  const changed = Object.keys(diff);
  const mod = $("preset-mod");
  mod.hidden = !preset || changed.length === 0;
  const names = changed.map((k) => state.hello?.schema?.properties?.[k]?.title || k);
  mod.textContent = `Changed: ${names.join(", ")}`;
  mod.title = `Changed from the preset, highlighted below: ${names.join(", ")}`;
  for (const [name, input] of state.form?.inputs || []) input.classList.toggle("changed", name in diff && !!preset);
}

function clearHistory() {
  for (const c of charts) c.clear();
  state.lastIteration = -1;
}

function effectiveStatus() {
  if (state.optimistic) return state.optimistic.status;
  return state.serverStatus;
}

const STATUS_TEXT = {
  connecting: "connecting…",
  retrying: "disconnected — reconnecting…",
  full: "lab full",
};

function renderStatus() {
  const el = $("status");
  let key = state.link;
  let text = STATUS_TEXT[key];
  const st = effectiveStatus();
  if (state.link === "open") {
    if (st === "diverged") [key, text] = ["diverged", "diverged — press Reset"];
    else if (st === "paused") [key, text] = ["paused", "paused"];
    else if (st === "touring") [key, text] = ["live", "live · tour"];
    else if (st === "stepping") [key, text] = ["live", "live · stepping"];
    else [key, text] = ["live", "live"];
  }
  el.className = `status ${key}`;
  $("status-text").textContent = text;
  const playing = state.link === "open" && st === "playing";
  const play = $("play");
  play.setAttribute("aria-label", playing ? "Pause" : "Play");
  play.querySelector(".label").textContent = playing ? "Pause" : "Play";
  play.classList.toggle("playing", playing);
  play.title = playing ? "Stop training; the networks keep their state (Space)" : "Train continuously at the chosen speed (Space)";
  const offline = state.link !== "open";
  for (const id of ["play", "step", "step-d", "step-g", "reset", "tour", "preset", "dim-1", "dim-2", "draw-use"]) $(id).disabled = offline;
  document.body.classList.toggle("offline", offline);
}

// -- speed -----------------------------------------------------------------------------
function speedLabel(v) {
  if (v == null) return "max";
  return v <= 5 ? `${v}/s slow` : `${v}/s`;
}

function setupSpeed(serverSpeed) {
  const input = $("speed");
  input.max = String(Math.max(0, state.speeds.length - 1));
  let idx = state.speedIndex;
  if (idx == null || idx >= state.speeds.length) {
    idx = state.speeds.indexOf(serverSpeed);
    if (idx < 0) idx = 0;
  } else if (state.speeds[idx] !== serverSpeed) {
    send({ type: "speed", iterations_per_second: state.speeds[idx] });
  }
  input.value = String(idx);
  showSpeed(idx);
}

function showSpeed(idx) {
  const v = state.speeds[idx];
  $("speed-value").textContent = speedLabel(v);
  $("speed").setAttribute("aria-valuetext", v == null ? "as fast as possible" : `${v} iterations per second${v <= 5 ? ", slow motion" : ""}`);
}

$("speed").addEventListener("input", () => {
  const idx = Number($("speed").value);
  state.speedIndex = idx;
  showSpeed(idx);
  send({ type: "speed", iterations_per_second: state.speeds[idx] ?? null });
});

// -- commands --------------------------------------------------------------------------
function togglePlay() {
  const playing = effectiveStatus() === "playing";
  if (send({ type: playing ? "pause" : "play" })) {
    if (!playing && state.serverStatus === "diverged") return;
    state.optimistic = { status: playing ? "paused" : "playing", until: performance.now() + 1500 };
    renderStatus();
  }
}

function step(target) {
  const cmd = target ? { type: "step", target } : { type: "step" };
  if (send(cmd)) {
    state.optimistic = null;
    if (state.serverStatus === "playing") state.optimistic = { status: "paused", until: performance.now() + 1500 };
    renderStatus();
  }
}

function reset() {
  if (send({ type: "reset" })) {
    alerts.clear("diverged");
    state.optimistic = { status: "paused", until: performance.now() + 1500 };
    renderStatus();
  }
}

function onFieldChange(name, value) {
  if (value === undefined) {
    showConfig();
    return;
  }
  // "Draw your own" needs a drawing first: open draw mode instead of a refused configure.
  if (name === "distribution" && value === "drawn" && (state.config?.drawn_points || []).length < 3) {
    showConfig();
    lab2d.startDrawing(state.config);
    return;
  }
  state.form?.markPending(name);
  send({ type: "configure", config: { [name]: value } });
}

$("play").addEventListener("click", togglePlay);
$("step").addEventListener("click", () => step(null));
$("step-d").addEventListener("click", () => step("discriminator"));
$("step-g").addEventListener("click", () => step("generator"));
$("reset").addEventListener("click", reset);
$("preset").addEventListener("change", () => send({ type: "configure", preset: $("preset").value }));
$("dim-1").addEventListener("click", () => switchDim(1));
$("dim-2").addEventListener("click", () => switchDim(2));
$("tour").addEventListener("click", () => {
  if (send({ type: "tour" })) {
    tour.start();
    $("tour-note").textContent = "recording: D alone, G once, then both…";
  }
});
for (const [id, key] of [["show-pdata", "pdata"], ["show-dstar", "dstar"], ["show-samples", "samples"]]) {
  $(id).addEventListener("change", () => {
    show[key] = $(id).checked;
    state.figureDirty = true;
    tour.dirty = true;
  });
}

function typingIn(el) {
  if (!el) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
}

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
  if (e.key === " " || e.code === "Space") {
    e.preventDefault(); // not a click on the focused button too
    if (!e.repeat) togglePlay();
  } else if (e.key === "ArrowRight") {
    e.preventDefault();
    step(null);
  } else if (e.key === "r" || e.key === "R") {
    e.preventDefault();
    reset();
  }
});
// A focused button would also "click" on Space's keyup; the keydown above already acted.
document.addEventListener("keyup", (e) => {
  if ((e.key === " " || e.code === "Space") && !typingIn(e.target)) e.preventDefault();
});

// -- drawing ---------------------------------------------------------------------------
// Each display frame redraws only what changed since the last one (a frame arrived, a
// toggle flipped, the window resized), and only the view that is visible.
function drawAll() {
  const emptyText = { full: "the lab is full — trying again shortly…", retrying: "reconnecting…", open: "waiting for the lab…" }[state.link] || "connecting to the lab…";
  if (state.dim === 2) {
    lab2d.view.emptyText = emptyText;
    if (lab2d.dirty || state.figureDirty) {
      state.figureDirty = false;
      lab2d.draw();
    }
  } else {
    if (state.figureDirty) {
      state.figureDirty = false;
      drawFigure1($("figure1"), state.frame?.dim === 2 ? null : state.frame, { show, emptyText });
    }
    if (tour.dirty) tour.draw(show, state.frame?.dim === 2 ? null : state.frame);
  }
  for (const c of charts) if (c.dirty) c.draw();
  requestAnimationFrame(drawAll);
}

watchResize([$("figure1"), $("view2d-main"), ...document.querySelectorAll(".panel canvas, .chart canvas")], () => {
  state.figureDirty = true;
  lab2d.view.dirty = true;
  tour.dirty = true;
  for (const c of charts) c.dirty = true;
});

renderStatus();
socket.connect();
requestAnimationFrame(drawAll);
