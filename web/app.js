// Main wiring: the socket's messages go to the figure (1-D) or the 2-D view, the charts,
// form and URL; the buttons and keys become commands. The page only draws; the server trains.
// A presenter's page drives its run (and may share it); a watch page (/watch/ID) follows
// someone else's run, read-only, and sends nothing but pings.

import { configureCharts, makeCharts } from "./charts.js";
import { buildForm } from "./controls.js";
import { explain, explain2d } from "./explain.js";
import { drawFigure1 } from "./figure1.js";
import { watchResize } from "./canvas.js";
import { LabSocket } from "./socket.js";
import { TourPanels } from "./tour.js";
import { configDiff, configLink, urlConfigureCommand, writeUrl } from "./url.js";
import { Alerts } from "./alerts.js";
import { Lab2D } from "./lab2d.js";
import { Scoreboard } from "./scoreboard.js";
import { kindOfFrame, kindOfObjective, StableRange } from "./kinds.js";
import { installKeys } from "./keys.js";
import { Presentation } from "./present.js";
import { Lightbox } from "./lightbox.js";
import { SharePanel } from "./share.js";
import { SessionLink } from "./session.js";
import { OVERLAYS, readView, viewParams } from "./viewstate.js";
import { droppedText, errorText, FINAL_CLOSES } from "./messages.js";
import { LAYERS } from "./view2d.js";
import { ExportMenu } from "./export.js";
import { ModelPanel } from "./models.js";

const $ = (id) => document.getElementById(id);

// The link the page was opened with: its experiment is applied once the server says hello
// (the page rewrites its address as the run changes, so it is read here, first).
const LINK_SEARCH = window.location.search;

const state = {
  hello: null,
  presets: [],
  config: null,
  preset: null,
  frame: null,
  lastIteration: -1,
  serverStatus: null, // paused | playing | diverged | touring (from frames)
  optimistic: null, // {status, until}: what a click asked for, until the server agrees
  link: "connecting", // connecting | open | retrying | full | closed
  role: "presenter", // presenter (drives its run) | watcher (follows one, read-only)
  speeds: [],
  speedIndex: null, // the user's (or the link's) choice, re-applied after a reconnect
  form: null,
  figureDirty: true,
  dim: 1, // the data dimension the page shows (2 also while drawing)
  kind: null, // the second network the frames show (kinds.js): D, a critic, or MMD's witness
  marks: [], // settings changed during this run: [{iteration, label}] for the charts
  pendingReset: null, // {changes}: changes that need new networks, awaiting Apply / Cancel
  watchFolded: new Set(), // presets whose "What to watch" box the user folded
  linkView: null, // the view the link asked for, applied once the hello says what exists
  linkDropped: [], // parts of the link left out by the page itself: [{label, value, reason}]
  awaitingLinkConfig: false, // the link's configure was sent; its answer names what it dropped
  lastError: null, // {code, message, at}: the server's last error, shown again if it closes
  ready: false, // the first hello has decided what the link applies: the address may be rewritten
  ended: false, // a watcher was told the run ended
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
const lab2d = new Lab2D($, { send, onDrawMode: () => updateDim(), onLayers: () => writeLink() });
const LAYER_DEFAULTS = { ...lab2d.view.layers };
// cgan, InfoGAN, the semi-supervised GAN: colours' legend, class picker, walk slider (models.js)
const models = new ModelPanel($, {
  configure: (name, value) => onFieldChange(name, value),
  lab2d,
  charts,
  onView: () => {
    lab2d.view.dirty = true;
  },
});
const presentation = new Presentation({ onChange: onPresentChange });
const share = new SharePanel($);
const lightbox = new Lightbox($, Object.values(tour.figures), {
  draw: (canvas, label) => tour.drawPanel(canvas, label, show, liveFrame1d(), false),
  captionOf: (label) => tour.captionOf(label, true),
});
const session = new SessionLink(() => configLink());
// Export: figures, metrics and run files (export.js); "Open run…" configures like a link does
const exporter = new ExportMenu($, {
  alerts,
  charts: chartList,
  tour,
  run: () => ({
    config: state.config,
    preset: state.preset,
    presets: state.presets,
    presetTitle: state.presets.find((p) => p.name === state.preset)?.title,
    objectiveTitle: objectiveEntry(state.config)?.title,
    iteration: state.frame?.iteration ?? 0,
    dim: state.dim,
    hasFrame: !!state.frame,
    online: state.link === "open" && state.role === "presenter",
    hello: state.hello,
  }),
  view2d: lab2d.view,
  drawFigure: (canvas) => drawFigure1(canvas, liveFrame1d(), { show, dRange }),
  drawPanel: (canvas, label) => tour.drawPanel(canvas, label, show, liveFrame1d(), true),
  captionOf: (label) => tour.captionOf(label),
  configure: (cmd) => {
    dropPendingReset();
    return send(cmd);
  },
  showHistory: (history) => {
    clearHistory();
    fillHistory(history);
  },
  clearHistory: () => clearHistory(),
});
if (session.watching) state.role = "watcher";
document.body.classList.toggle("watching", session.watching);

const socket = new LabSocket(() => session.wsUrl(), {
  onMessage: handleMessage,
  onState: onLinkState,
  finalCodes: Object.keys(FINAL_CLOSES),
});

function send(cmd) {
  // a watch page only watches: the server would answer any command with "read_only"
  if (state.role === "watcher" && cmd.type !== "ping") return false;
  if (!socket.send(cmd)) {
    if (state.link === "closed") return false; // the closing message already says what to do
    alerts.show("Not connected to the lab right now; it reconnects by itself in a moment.", "offline");
    return false;
  }
  return true;
}

function onLinkState(link, code) {
  const was = state.link;
  state.link = link;
  if (link !== "open") state.serverStatus = null;
  if (was === "open" && link !== "open" && state.role === "presenter") alerts.clear("reconnected");
  if (link === "closed") onFinalClose(code);
  state.figureDirty = true;
  renderStatus();
}

/** The server closed for good (a refused token, an idle run, another tab took over…): say
 * why, with its own words when it sent them, and offer what makes sense. */
function onFinalClose(code) {
  const info = FINAL_CLOSES[code];
  const recent = state.lastError && performance.now() - state.lastError.at < 5000 ? state.lastError : null;
  if (recent) alerts.clear(recent.code);
  if (code === 4404 && state.ended) return; // the "ended" message already said it
  const text = recent?.message || info.text;
  const action = info.action === "new" && state.role === "presenter" ? { label: info.label, run: startNewRun } : null;
  alerts.show(text, "closed", { tone: "warn", action });
}

/** Forget this tab's run and connect again: a new run, from the link's settings. */
function startNewRun() {
  session.forget();
  alerts.clear("closed");
  socket.connect();
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
      lightbox.dirty = true;
      if (msg.done) $("tour-note").textContent = tourVerdict(msg);
      else if (state.role === "watcher") $("tour-note").textContent = "recording…";
      break;
    case "error":
      onError(msg);
      break;
    case "watchers":
      share.setWatchers(msg.count);
      break;
    case "presenter":
      // to watchers: the teacher's page went away (the server pauses the run) or came back
      if (msg.connected) alerts.clear("presenter");
      else alerts.show("The teacher's page is disconnected; the run is paused.", "presenter", { tone: "warn" });
      break;
    case "ended":
      // to watchers: the run is gone (the server closes the link next)
      state.ended = true;
      alerts.clear("presenter");
      alerts.show(`The teacher's run has ended${msg.reason ? ` (${msg.reason})` : ""}: this watch link no longer shows anything new.`, "ended", { tone: "warn" });
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
  const firstHello = !state.hello;
  state.hello = msg;
  state.role = msg.role === "watcher" || session.watching ? "watcher" : "presenter";
  document.body.classList.toggle("watching", state.role === "watcher");
  state.presets = msg.presets || [];
  state.speeds = msg.speeds || [];
  state.config = msg.config;
  state.preset = msg.preset;
  for (const code of ["offline", "lab_full", "closed", "resume", "reconnected", "ended"]) alerts.clear(code);
  state.form = buildForm($("config-form"), msg.schema, msg.registries, onFieldChange);
  models.setHello(msg, state.role === "watcher");
  state.pendingReset = null;
  showResetNotice();
  state.kind = null;
  applyKind(kindOfObjective(objectiveEntry(state.config)));
  fillPresets();
  showConfig();
  lab2d.setConfig(state.config);
  updateDim();
  if (firstHello) applyLinkView();
  setupSpeed(msg.speed);
  clearHistory();
  tour.clear();
  fillHistory(msg.history);
  if (msg.iteration != null) showIteration(msg.iteration);
  if (msg.status) state.serverStatus = msg.status;
  share.setSession(state.role === "presenter" ? msg.session : null);
  if (state.role === "watcher") {
    if (msg.presenter_connected === false) alerts.show("The teacher's page is disconnected; the run is paused.", "presenter", { tone: "warn" });
    state.ready = true;
    writeLink();
    if (firstHello) showLinkDropped([]);
    renderStatus();
    return;
  }
  session.remember(msg.session?.key);
  if (msg.resumed) {
    // the same run came back: the link's settings are already its own (re-applying them
    // would reset it); the server paused it while we were away
    alerts.show(`Reconnected: same run, iteration ${(msg.iteration ?? 0).toLocaleString("en")}.`, "reconnected", { tone: "info", seconds: 10 });
    if (session.wasPlaying) send({ type: "play" });
    if (firstHello) showLinkDropped([]);
  } else {
    if (msg.resume_failed) {
      alerts.show("The server no longer had your run (it may have restarted): this is a new run from iteration 0.", "resume", { tone: "warn" });
    }
    session.wasPlaying = false;
    // a new run: the link's experiment (on a reconnect too: it is the run's own, as the
    // page keeps its address in step with the run)
    const fromUrl = urlConfigureCommand(firstHello ? LINK_SEARCH : window.location.search);
    state.awaitingLinkConfig = !!fromUrl && send(fromUrl);
    if (!state.awaitingLinkConfig && firstHello) showLinkDropped([]);
  }
  state.ready = true;
  writeLink();
  renderStatus();
}

/** A late watcher or a reconnect gets the run's chart history in the hello. */
function fillHistory(history) {
  if (!Array.isArray(history)) return;
  for (const point of history) {
    if (point?.scalars && Number.isFinite(point.iteration)) for (const c of chartList) c.push(point.iteration, point.scalars);
  }
  if (history.length) state.lastIteration = history[history.length - 1].iteration;
}

// -- the view in the link (viewstate.js) ----------------------------------------------------
/** Apply the view the link asks for (layers, overlays, speed, presentation); what it got
 * wrong is named with the rest of the link's problems. */
function applyLinkView() {
  const { view, dropped } = readView(LINK_SEARCH, { speeds: state.speeds, layers: LAYERS.map((l) => l.key) });
  state.linkDropped = dropped;
  if (view.layers) lab2d.setLayers(view.layers);
  if (view.show) for (const key of OVERLAYS) setOverlay(key, view.show.includes(key));
  if (view.speed != null) state.speedIndex = view.speed;
  if (view.present) presentation.set(true);
}

/** Name what the link asked for and did not get: the page's own view keys and what the
 * server left out of the link's configure (`dropped`, in the server's field names). */
function showLinkDropped(serverDropped) {
  const all = [...serverDropped, ...state.linkDropped];
  state.linkDropped = [];
  if (all.length) alerts.show(droppedText(all, state.hello), "from_link", { tone: "warn" });
}

/** Keep the address in step: the experiment (presenter only), then the view. */
function writeLink() {
  if (!state.ready || state.awaitingLinkConfig) return;
  const view = viewParams({
    layers: lab2d.view.layers,
    layerDefaults: LAYER_DEFAULTS,
    show,
    speed: state.speedIndex == null ? undefined : state.speeds[state.speedIndex],
    present: presentation.on,
  });
  writeUrl(state.role === "watcher" ? null : state.config, state.preset, state.presets, view);
  session.save();
}

function setOverlay(key, on) {
  show[key] = on;
  $(`show-${key}`).checked = on;
  state.figureDirty = true;
  tour.dirty = true;
  lightbox.dirty = true;
}

function onPresentChange(on) {
  const button = $("present");
  button.setAttribute("aria-pressed", String(on));
  button.setAttribute("aria-label", on ? "Leave presentation mode" : "Presentation mode");
  button.querySelector(".label").textContent = on ? "Leave" : "Present";
  button.title = on
    ? "Leave presentation mode: the settings come back (P or Esc)"
    : "Presentation mode: hide the settings, enlarge the view and the charts, full screen where the browser allows (P; Esc leaves)";
  writeLink();
}

function showIteration(iteration, dUpdates, gUpdates) {
  $("iteration").textContent = String(iteration);
  if (dUpdates != null) $("updates").textContent = `D ${dUpdates} · G ${gUpdates}`;
}

function onFrame(f) {
  showMeasuredSpeed(f.measured_speed);
  const heldHistory = exporter.holdHistory(f); // an opened run's saved curves stay until this run trains
  if (!heldHistory && f.iteration < state.lastIteration) clearHistory();
  state.lastIteration = f.iteration;
  state.frame = f;
  state.serverStatus = f.status;
  applyKind(kindOfFrame(f));
  showNoOptimum();
  showMappingLegend(f);
  if (state.optimistic && (f.status === state.optimistic.status || performance.now() > state.optimistic.until)) {
    state.optimistic = null;
  }
  if (f.scalars && !heldHistory) for (const c of chartList) c.push(f.iteration, f.scalars);
  showIteration(f.iteration, f.d_updates, f.g_updates);
  // frames older than a pending Play/Pause must not undo the press (see togglePlay)
  if (state.role === "presenter" && state.link === "open" && !state.optimistic) session.wasPlaying = f.status === "playing";
  let sentence = f.dim === 2 ? explain2d(f) : explain(f);
  if (state.role === "watcher") sentence = sentence.replace(/ Press Play or Step\.$/, ""); // nothing to press
  $(f.dim === 2 ? "explain2d" : "explain").textContent = sentence;
  if (f.dim === 2) lab2d.setFrame(f);
  models.setFrame(f);
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
  if (!tour.running && !tour.frames.a) {
    tour.dirty = true; // panel (a) follows the live state
    if (lightbox.label === "a") lightbox.dirty = true;
  }
  renderStatus();
}

/** The live frame when it is a 1-D one (panel (a) mirrors it before any tour). */
function liveFrame1d() {
  return state.frame?.dim === 2 ? null : state.frame;
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
  models.setConfig(msg.config);
  updateDim();
  writeLink();
  alerts.clear("bad_config");
  if (state.awaitingLinkConfig) {
    // the answer to the link's configure: name what it left out (bad values, an unknown preset)
    state.awaitingLinkConfig = false;
    showLinkDropped(Array.isArray(msg.dropped) ? msg.dropped : []);
  }
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
  exporter.afterConfig(msg); // an opened run: what it left out, and its saved history
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
  tour.setKind(kind); // the captions name D, the critic C or the MMD witness
  lightbox.dirty = true;
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
  const model = f.model && f.model !== "gan" ? (state.hello?.registries?.model || []).find((m) => m.name === f.model) : null;
  const text = model
    ? `The ${model.title}'s D is not the paper's D(x): D* = p_data/(p_data + p_g) is the plain GAN's optimum, so none is drawn.`
    : entry?.no_optimum || "No optimum is drawn for this objective: theory gives none for a fixed G.";
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
  if (name === "show_class" && value < 0) return "all";
  const reg = { distribution: "distribution", prior: "prior", objective: "objective", model: "model" }[name];
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
  const text = errorText(msg, state.hello);
  state.lastError = { code, message: text, at: performance.now() };
  const tone = ["rate_limited", "queue_full", "idle_timeout", "taken_over", "lab_full"].includes(code) ? "warn" : "error";
  alerts.show(text, code === "too_costly" ? "bad_config" : code, { tone });
  if (code === "bad_config" || code === "too_costly") {
    showConfig(); // put the true values back in the form
    lab2d.configRefused();
    if (state.awaitingLinkConfig) {
      // the link's configure was refused as a whole (a server without `dropped`)
      state.awaitingLinkConfig = false;
      showLinkDropped([]);
    }
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
    // on a student's phone the view comes first: the notes start folded
    const phoneWatcher = state.role === "watcher" && window.matchMedia("(max-width: 760px)").matches;
    box.open = !state.watchFolded.has(preset.name) && !phoneWatcher;
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
  closed: "disconnected",
};

function renderStatus() {
  const el = $("status");
  let key = state.link;
  let text = STATUS_TEXT[key];
  const st = effectiveStatus();
  const watching = state.role === "watcher";
  if (state.link === "open") {
    if (st === "diverged") [key, text] = ["diverged", watching ? "diverged" : "diverged — press Reset"];
    else if (st === "paused") [key, text] = ["paused", "paused"];
    else if (st === "touring") [key, text] = ["live", "live · tour"];
    else if (st === "stepping") [key, text] = ["live", "live · stepping"];
    else [key, text] = ["live", "live"];
  }
  if (watching && state.link === "open") text = `watching · ${text}`;
  el.className = `status ${key}`;
  $("status-text").textContent = text;
  const playing = state.link === "open" && st === "playing";
  const play = $("play");
  play.setAttribute("aria-label", playing ? "Pause" : "Play");
  play.querySelector(".label").textContent = playing ? "Pause" : "Play";
  play.classList.toggle("playing", playing);
  play.title = playing ? "Stop training; the networks keep their state (Space)" : "Train continuously at the chosen speed (Space)";
  const offline = state.link !== "open";
  // a watcher's page shows the run's controls' state but cannot use them
  for (const id of ["play", "step", "step-d", "step-g", "reset", "tour", "preset", "dim-1", "dim-2", "draw-use", "reset-apply"]) $(id).disabled = offline || watching;
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

/** What the server actually runs while playing, beside the chosen speed (honest speed). */
function showMeasuredSpeed(v) {
  const el = $("speed-measured");
  el.textContent = v == null ? "" : `${v < 10 ? v.toFixed(1) : Math.round(v)}/s now`;
  el.setAttribute("aria-label", v == null ? "" : `running ${Math.round(v)} iterations per second`);
}

$("speed").addEventListener("input", () => {
  const idx = Number($("speed").value);
  state.speedIndex = idx;
  showSpeed(idx);
  send({ type: "speed", iterations_per_second: state.speeds[idx] ?? null });
  writeLink();
});

// -- commands --------------------------------------------------------------------------
function togglePlay() {
  const playing = effectiveStatus() === "playing";
  if (send({ type: playing ? "pause" : "play" })) {
    if (!playing && state.serverStatus === "diverged") return;
    if (state.role === "presenter") session.wasPlaying = !playing; // a reload right after the press keeps the intent
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
for (const key of OVERLAYS) {
  $(`show-${key}`).addEventListener("change", () => {
    setOverlay(key, $(`show-${key}`).checked);
    writeLink();
  });
}
$("present").addEventListener("click", () => presentation.toggle());
$("settings-toggle").addEventListener("click", () => setSettingsOpen(!document.body.classList.contains("settings-open")));
// the settings form applies each field on change; Enter must not submit (reload) the page
$("config-form").addEventListener("submit", (e) => e.preventDefault());

/** Narrow screens: the settings column opens on demand (wide ones always show it). */
function setSettingsOpen(open) {
  document.body.classList.toggle("settings-open", open);
  $("settings-toggle").setAttribute("aria-expanded", String(open));
}

installKeys({
  shortcuts: {
    " ": togglePlay,
    ArrowRight: () => step(null),
    r: reset,
    p: () => presentation.toggle(),
  },
  onEscape: () => {
    if (state.pendingReset) dropPendingReset();
    else if (presentation.on) presentation.set(false);
    else if (document.body.classList.contains("settings-open")) setSettingsOpen(false);
    else return false;
    return true;
  },
});

// -- drawing ---------------------------------------------------------------------------
// Each display frame redraws only what changed since the last one (a frame arrived, a
// toggle flipped, the window resized), and only the view that is visible.
function drawAll() {
  const emptyText = { full: "the lab is full — trying again shortly…", retrying: "reconnecting…", open: "waiting for the lab…", closed: "disconnected from the lab" }[state.link] || "connecting to the lab…";
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
    if (tour.dirty) tour.draw(show, liveFrame1d());
  }
  if (lightbox.dirty) lightbox.draw();
  for (const c of chartList) if (c.dirty) c.draw();
  requestAnimationFrame(drawAll);
}

watchResize([$("figure1"), $("view2d-main"), $("lightbox-canvas"), ...document.querySelectorAll(".panel canvas, .chart canvas")], () => {
  state.figureDirty = true;
  lab2d.view.dirty = true;
  tour.dirty = true;
  lightbox.dirty = true;
  for (const c of chartList) c.dirty = true;
});

renderStatus();
socket.connect();
requestAnimationFrame(drawAll);
