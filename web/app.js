// Main wiring: the socket's messages go to the figure (1-D) or the 2-D view, the charts,
// form and URL; the buttons and keys become commands. The page only draws; the server trains.

import { configureCharts, makeCharts } from "./charts.js";
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
import { kindOfFrame, kindOfObjective, StableRange } from "./kinds.js";

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
  kind: null, // the second network the frames show (kinds.js): D, a critic, or MMD's witness
  marks: [], // settings changed during this run: [{iteration, label}] for the charts
  pendingReset: null, // {changes}: changes that need new networks, awaiting Apply / Cancel
  watchFolded: new Set(), // presets whose "What to watch" box the user folded
};

// The presets the 1-D | 2-D switch loads.
const DIM_PRESET = { 1: "figure1", 2: "gaussians" };

const alerts = new Alerts($("alerts"));
const charts = makeCharts($);
const chartList = Object.values(charts);
const dRange = new StableRange(); // Figure 1's axis for an unbounded D (score, witness)
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
  state.pendingReset = null;
  showResetNotice();
  state.kind = null;
  applyKind(kindOfObjective(objectiveEntry(state.config)));
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
  applyKind(kindOfFrame(f));
  showNoOptimum();
  showMappingLegend(f);
  if (state.optimistic && (f.status === state.optimistic.status || performance.now() > state.optimistic.until)) {
    state.optimistic = null;
  }
  if (f.scalars) for (const c of chartList) c.push(f.iteration, f.scalars);
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
  configureCharts(charts, dim, state.kind || kindOfObjective(objectiveEntry(state.config)));
  if (dim !== 2) scoreboard.hide();
  $("center").setAttribute("aria-label", dim === 2 ? "2-D view" : "Figure 1");
}

function switchDim(dim) {
  if (lab2d.drawing && dim === 1) lab2d.stopDrawing();
  if (dimOf(state.config) === dim) return;
  loadPreset(DIM_PRESET[dim]);
}

function loadPreset(name) {
  dropPendingReset();
  send({ type: "configure", preset: name });
}

function onConfig(msg) {
  const live = msg.applied === "live";
  const presetChanged = msg.preset !== state.preset;
  const previous = state.config;
  state.config = msg.config;
  state.preset = msg.preset;
  if (presetChanged) dropPendingReset();
  showConfig();
  lab2d.setConfig(msg.config);
  updateDim();
  writeUrlConfig(msg.config, msg.preset, state.presets);
  alerts.clear("bad_config");
  if (live) {
    // same networks, play goes on: the charts keep their history and mark the change
    const label = changeLabel(msg.changed || [], previous, msg.config);
    if (label) {
      state.marks = [...state.marks, { iteration: msg.iteration ?? state.lastIteration, label }];
      for (const c of chartList) c.setMarks(state.marks, c === charts.loss); // labels on the first chart, lines on all
    }
    return;
  }
  clearHistory();
  dRange.reset();
  lab2d.newRun();
  if (!tour.running) {
    tour.clear();
    $("tour-note").textContent = "";
  }
}

// -- what names the second network (D, a critic C, MMD's witness) ---------------------------
function objectiveEntry(config) {
  return (state.hello?.registries?.objective || []).find((o) => o.name === config?.objective) || null;
}

/** Rename and rescale everything that draws or names D when the kind changes. */
function applyKind(kind) {
  if (state.kind === kind) return;
  document.body.dataset.dKind = kind.key;
  state.kind = kind;
  configureCharts(charts, state.dim, kind);
  lab2d.setKind(kind);
  state.form?.setSecondNetwork(kind.sym, kind.noun);
  const legend = $("legend-d");
  $("legend-d-text").textContent = kind.fn;
  legend.title = {
    prob: "D(x): the discriminator's probability that x is real data, on the right-hand 0–1 scale",
    ls: "D(x): the least-squares discriminator's score (trained towards 1 on real data, 0 on fakes), on its own right-hand scale",
    critic: "C(x): the critic's score, an unbounded number (higher = more real-like), on its own right-hand scale",
    witness: "The MMD witness E k(x_data, ·) − E k(G(z), ·): positive where p_data has more mass than p_g, on its own right-hand scale (there is no discriminator)",
  }[kind.key];
  const stepD = $("step-d");
  const sym = kind.sym || "D";
  stepD.querySelector(".badge").textContent = sym;
  stepD.querySelector(".label").textContent = `Step ${sym}`;
  stepD.setAttribute("aria-label", `Step ${sym}`);
  stepD.title = kind.sym
    ? `Update only the ${kind.noun} once, with the generator held fixed`
    : "MMD has no discriminator: there is nothing to step but G";
  const captions = {
    a: {
      prob: "<b>(a)</b> Now: p<sub>g</sub> is off target and D is only partly right.",
      ls: "<b>(a)</b> Now: p<sub>g</sub> is off target and D is only partly right.",
      critic: "<b>(a)</b> Now: p<sub>g</sub> is off target; the critic C scores where it is.",
      witness: "<b>(a)</b> Now: p<sub>g</sub> is off target; the MMD witness shows where.",
    },
    b: {
      prob: "<b>(b)</b> G frozen, D trained: D approaches D* = p<sub>data</sub>/(p<sub>data</sub>+p<sub>g</sub>).",
      ls: "<b>(b)</b> G frozen, D trained: D approaches D* = p<sub>data</sub>/(p<sub>data</sub>+p<sub>g</sub>).",
      critic: "<b>(b)</b> G frozen, the critic C trained: its scores separate real from fake.",
      witness: "<b>(b)</b> No discriminator to train: the MMD witness is unchanged.",
    },
    c: {
      prob: "<b>(c)</b> One G update: G(z) slides uphill on D (faint: before).",
      ls: "<b>(c)</b> One G update: G(z) slides uphill on D (faint: before).",
      critic: "<b>(c)</b> One G update: G(z) slides uphill on C (faint: before).",
      witness: "<b>(c)</b> One G update: G(z) slides up the witness (faint: before).",
    },
    d: {
      prob: "<b>(d)</b> Trained on: p<sub>g</sub> ≈ p<sub>data</sub> and D ≈ ½ everywhere.",
      ls: "<b>(d)</b> Trained on: p<sub>g</sub> ≈ p<sub>data</sub> and D ≈ ½ everywhere.",
      critic: "<b>(d)</b> Trained on: p<sub>g</sub> ≈ p<sub>data</sub> and the critic's score flattens.",
      witness: "<b>(d)</b> Trained on: p<sub>g</sub> ≈ p<sub>data</sub> and the witness ≈ 0.",
    },
  };
  for (const [panel, byKind] of Object.entries(captions)) document.querySelector(`#panel-${panel} figcaption`).innerHTML = byKind[kind.key];
  $("figure1").setAttribute("aria-label", `Figure 1: the data density, the generator's density and mapping, and ${kind.sym ? `the ${kind.noun} ${kind.fn}` : "the MMD witness"}`);
  state.figureDirty = true;
  tour.dirty = true;
  renderStatus();
}

/** D* is drawn only where theory gives one; otherwise the objective's sentence says why. */
function showNoOptimum() {
  const f = state.frame;
  const none = !!f && f.dim === 1 && f.d_star == null;
  $("legend-dstar").hidden = none;
  const p = $("no-optimum");
  p.hidden = !none;
  if (!none) return;
  const entry = objectiveEntry(state.config);
  const text = entry?.no_optimum || "No optimum is drawn for this objective: theory gives none for a fixed G.";
  if (p.textContent !== text) p.textContent = text;
}

/** With several noise dimensions, say what the lines and the bands are. */
function showMappingLegend(f) {
  if (f.dim !== 1) return;
  const many = (f.noise_dim ?? 1) > 1;
  const key = many ? "many" : "one";
  const li = $("legend-map");
  if (li.dataset.mode === key) return;
  li.dataset.mode = key;
  li.classList.toggle("fan", many);
  $("legend-map-text").textContent = many ? "G(z₁, ·): line + band" : "z → G(z)";
  li.title = many
    ? `The generator's mapping with ${f.noise_dim} noise numbers: each line goes from z₁ to G(z₁, 0, …) (the other noise numbers at their median), and the light band around it covers 5–95 % of G(z₁, ·) as the other noise numbers vary. A line alone would hide that spread.`
    : "The generator's mapping: a line from each noise value z up to G(z) on the x line";
}

// -- changes: live, or after Apply when they need new networks ------------------------------
function fieldTitle(name) {
  return state.hello?.schema?.properties?.[name]?.title || name;
}

function regTitle(name) {
  return (state.hello?.registries?.regularizer || []).find((r) => r.name === name)?.title || name;
}

/** How the page names a live change of `names` (the titles it shows, never field names),
 * with the new value: "D learning rate → 0.001", "+ R1 gradient penalty". */
function changeLabel(names, previous, config) {
  const parts = [];
  for (const name of names) {
    if (name === "regularizers") {
      const before = previous?.regularizers || [];
      const after = config.regularizers || [];
      const on = after.filter((r) => !before.includes(r)).map((r) => `+ ${regTitle(r)}`);
      const off = before.filter((r) => !after.includes(r)).map((r) => `− ${regTitle(r)}`);
      parts.push(...(on.length || off.length ? [...on, ...off] : [fieldTitle(name)]));
    } else if (name === "objective") {
      const entry = objectiveEntry(config);
      parts.push(`${fieldTitle(name)} → ${entry ? shortObjective(entry.title) : config.objective}`);
    } else parts.push(`${fieldTitle(name)} → ${displayValue(name, config[name])}`);
  }
  return parts.join(", ");
}

/** "Wasserstein + gradient penalty (WGAN-GP)" → "WGAN-GP": the short name in brackets. */
function shortObjective(title) {
  const m = /\(([^)]+)\)\s*$/.exec(title);
  return m && m[1].length <= 12 && !/^eq\./.test(m[1]) ? m[1] : title;
}

function runStarted() {
  const f = state.frame;
  return !!f && (f.iteration > 0 || f.d_updates > 0 || f.g_updates > 0);
}

/** Whether applying `changes` to the current config needs new networks (mirrors the
 * schema's "reset" marks; a regulariser's settings count only while it is on). */
function needsNewNetworks(changes) {
  const props = state.hello?.schema?.properties || {};
  const regs = state.hello?.registries?.regularizer || [];
  const before = state.config?.regularizers || [];
  const after = changes.regularizers ?? before;
  for (const [name, value] of Object.entries(changes)) {
    if (name === "regularizers") {
      const toggled = regs.filter((r) => before.includes(r.name) !== value.includes(r.name));
      if (toggled.some((r) => r.new_networks)) return true;
      continue;
    }
    if (!props[name]?.reset) continue;
    const owner = regs.find((r) => (r.settings || []).includes(name));
    if (owner && !before.includes(owner.name) && !after.includes(owner.name)) continue;
    if (JSON.stringify(state.config?.[name]) !== JSON.stringify(value)) return true;
  }
  return false;
}

function resetLabels(changes) {
  const before = state.config?.regularizers || [];
  const out = [];
  for (const [name, value] of Object.entries(changes)) {
    if (name === "regularizers") {
      for (const r of state.hello?.registries?.regularizer || []) {
        if (before.includes(r.name) !== value.includes(r.name) && r.new_networks) out.push(`${value.includes(r.name) ? "turning on" : "turning off"} ${r.title}`);
      }
      const live = value.filter((r) => !before.includes(r)).length + before.filter((r) => !value.includes(r)).length;
      if (!out.length && live) out.push(fieldTitle(name));
    } else out.push(`${fieldTitle(name)} (${displayValue(name, value)})`);
  }
  return out;
}

function displayValue(name, value) {
  const reg = { distribution: "distribution", prior: "prior", objective: "objective" }[name];
  const entry = reg && (state.hello?.registries?.[reg] || []).find((e) => e.name === value);
  return entry ? entry.title : String(value);
}

function askForReset(changes) {
  const pending = { ...(state.pendingReset?.changes || {}), ...changes };
  // a field set back to the run's value no longer waits
  for (const [name, value] of Object.entries(pending)) if (JSON.stringify(state.config?.[name]) === JSON.stringify(value)) delete pending[name];
  state.pendingReset = Object.keys(pending).length ? { changes: pending } : null;
  showResetNotice();
  showConfig();
}

function showResetNotice() {
  const box = $("reset-notice");
  const pending = state.pendingReset;
  box.hidden = !pending;
  state.form?.markAwaiting(pending ? Object.keys(pending.changes) : []);
  if (!pending) return;
  const labels = resetLabels(pending.changes);
  const it = state.frame ? state.frame.iteration : 0;
  $("reset-notice-text").textContent = `${sentenceCase(listText(labels))} needs new networks: Apply restarts the run at iteration 0 (now ${it.toLocaleString("en")}).`;
  $("reset-notice").title = "Settings that shape the networks (their layers, widths, activations, the data, the noise, the seed) need new networks. Learning rates, the objective and most tricks change live, without a restart.";
}

function sentenceCase(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

function listText(items) {
  if (items.length <= 1) return items[0] || "This change";
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function applyPendingReset() {
  const pending = state.pendingReset;
  if (!pending) return;
  if (send({ type: "configure", config: pending.changes })) {
    for (const name of Object.keys(pending.changes)) state.form?.markPending(name);
    state.pendingReset = null;
    showResetNotice();
  }
}

function dropPendingReset() {
  if (!state.pendingReset) return;
  state.pendingReset = null;
  showResetNotice();
  showConfig(); // the form shows the run's true settings again
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
  state.form?.setConfig(state.config, { ...state.config, ...(state.pendingReset?.changes || {}) });
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
  const presetRegs = preset?.config?.regularizers || [];
  for (const [name, box] of state.form?.regBoxes || []) {
    box.closest("label")?.classList.toggle("changed", !!preset && presetRegs.includes(name) !== (state.config.regularizers || []).includes(name));
  }
  showWatch(preset, names);
}

/** The preset's "What to watch" text near the view; it stays while the user changes
 * settings, saying so (the text was written for the preset's own settings). */
function showWatch(preset, changedNames) {
  const box = $("watch");
  const text = preset?.watch || "";
  box.hidden = !text;
  if (!text) return;
  if (box.dataset.preset !== preset.name) {
    box.dataset.preset = preset.name;
    box.open = !state.watchFolded.has(preset.name);
  }
  $("watch-preset").textContent = `· ${preset.title}`;
  $("watch-text").textContent = text;
  const mod = $("watch-mod");
  mod.textContent = changedNames.length ? " · you changed settings since" : "";
  mod.title = changedNames.length ? `The text is written for the preset's own settings. Changed from the preset: ${changedNames.join(", ")}` : "";
}

function clearHistory() {
  for (const c of chartList) c.clear();
  state.marks = [];
  for (const c of chartList) c.setMarks(state.marks, c === charts.loss); // labels on the first chart, lines on all
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
  for (const id of ["play", "step", "step-d", "step-g", "reset", "tour", "preset", "dim-1", "dim-2", "draw-use", "reset-apply"]) $(id).disabled = offline;
  if (state.kind && !state.kind.sym) $("step-d").disabled = true; // MMD: no discriminator to step
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
  const changes = { [name]: value };
  // a change that needs new networks would throw the run away: ask first (in the page)
  if (needsNewNetworks(changes) && runStarted()) {
    askForReset(changes);
    return;
  }
  if (state.pendingReset && name in state.pendingReset.changes) {
    // changed back, or again, before Apply: keep it with the others that wait
    askForReset(changes);
    return;
  }
  state.form?.markPending(name);
  send({ type: "configure", config: changes });
}

$("play").addEventListener("click", togglePlay);
$("step").addEventListener("click", () => step(null));
$("step-d").addEventListener("click", () => step("discriminator"));
$("step-g").addEventListener("click", () => step("generator"));
$("reset").addEventListener("click", reset);
$("preset").addEventListener("change", () => loadPreset($("preset").value));
$("reset-apply").addEventListener("click", applyPendingReset);
$("reset-cancel").addEventListener("click", dropPendingReset);
$("watch").addEventListener("toggle", () => {
  const name = $("watch").dataset.preset;
  if (!name) return;
  if ($("watch").open) state.watchFolded.delete(name);
  else state.watchFolded.add(name);
});
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
  if (e.key === "Escape" && state.pendingReset) {
    dropPendingReset();
    return;
  }
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
      drawFigure1($("figure1"), state.frame?.dim === 2 ? null : state.frame, { show, emptyText, dRange });
    }
    if (tour.dirty) tour.draw(show, state.frame?.dim === 2 ? null : state.frame);
  }
  for (const c of chartList) if (c.dirty) c.draw();
  requestAnimationFrame(drawAll);
}

watchResize([$("figure1"), $("view2d-main"), ...document.querySelectorAll(".panel canvas, .chart canvas")], () => {
  state.figureDirty = true;
  lab2d.view.dirty = true;
  tour.dirty = true;
  for (const c of chartList) c.dirty = true;
});

renderStatus();
socket.connect();
requestAnimationFrame(drawAll);
