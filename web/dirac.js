// The Dirac-GAN page (Mescheder et al. 2018): up to four runs of the (θ, ψ) game side by side,
// driven by one Play / Step / Reset. The server computes stretches of each run's path
// (server/dirac_api.py); this page keeps them, shows them at the chosen speed and keeps its
// settings in the address (dirac_url.js), so a link reproduces the comparison.

import { Alerts } from "./alerts.js";
import { watchResize } from "./canvas.js";
import { computeDirac, DiracApiError, describeDirac } from "./dirac_api.js";
import { DistanceChart } from "./dirac_chart.js";
import { RUN_STYLES, swatch } from "./dirac_marks.js";
import { niceHalf, Plane } from "./dirac_plane.js";
import { DiracRun } from "./dirac_run.js";
import { diracSearch, MAX_RUNS, readDiracUrl } from "./dirac_url.js";
import { el } from "./dom.js";
import { installKeys } from "./keys.js";

const SPEEDS = [1, 2, 5, 10, 20, 50, 100, 200, 500]; // updates a second
const DEFAULT_SPEED = 50;
const MAX_STEP = 100_000; // a run's path the page keeps (a few MB): beyond it, Reset
const MAX_HALF = 1e5; // the view grows no further (the server draws the field within ±1e6)
const START_FIELDS = ["theta", "psi"]; // shared by every run: a click on the plane sets them
const NUMBER_FIELDS = ["lr", "r1_gamma", "gp_weight", "clip_value", "theta", "psi"];

const $ = (id) => document.getElementById(id);
const alerts = new Alerts($("alerts"));
const plane = new Plane($("plane"));
const chart = new DistanceChart($("distance-chart"));

const state = {
  info: null, // GET /api/dirac: objectives, defaults, bounds
  runs: [],
  selected: 0, // the run whose settings the form shows and whose field the arrows draw
  step: 0,
  playing: false,
  speed: DEFAULT_SPEED,
  owed: 0, // updates the clock owes while playing (fractions carry over)
  target: null, // the step Step asked for
  lastTime: null,
  field: null,
  fieldGen: 0,
  fieldTimer: 0,
  dirty: true,
};

// -- settings -----------------------------------------------------------------------------

function objectiveInfo(name) {
  return state.info.objectives.find((o) => o.name === name);
}

function fmtNumber(v) {
  return String(+Number(v).toPrecision(6));
}

/** "2 · minimax · R1 γ = 1": what differs, in the paper's symbols. */
function runLabel(config, i) {
  const d = state.info.defaults;
  const uses = objectiveInfo(config.objective).uses;
  const parts = [`${i + 1}`, config.objective];
  if (config.r1_gamma > 0) parts.push(`R1 γ = ${fmtNumber(config.r1_gamma)}`);
  if (uses.gp_weight) parts.push(`λ = ${fmtNumber(config.gp_weight)}`);
  if (uses.clip_value && config.clip_value > 0) parts.push(`c = ${fmtNumber(config.clip_value)}`);
  if (config.mode !== d.mode) parts.push(config.mode);
  if (config.lr !== d.lr) parts.push(`lr ${fmtNumber(config.lr)}`);
  return parts.map((part) => part.replace(/ /g, "\u00a0")).join(" · "); // a part never breaks across lines
}

function fmtDistance(d) {
  if (d == null || !Number.isFinite(d)) return "–";
  if (d >= 1000) return d.toExponential(2).replace("e+", "e");
  if (d >= 0.001) return d.toFixed(3);
  return d.toExponential(1).replace("e-", "e−");
}

/** The address for the current state (replaces the entry: no history of every tweak). */
function writeUrl() {
  const configs = state.runs.map((r) => r.config);
  history.replaceState(null, "", `${location.pathname}${diracSearch(configs, state.info.defaults, state.speed, DEFAULT_SPEED)}`);
}

/** Back to step 0 for every run (each run's path is deterministic: only changed ones recompute). */
function restartView() {
  state.step = 0;
  state.target = null;
  state.owed = 0;
  const far = Math.max(...state.runs.map((r) => Math.max(Math.abs(r.config.theta), Math.abs(r.config.psi))));
  plane.half = niceHalf(Math.max(2, 1.25 * far));
  state.dirty = true;
  requestField();
}

// -- the form -------------------------------------------------------------------------------

function fillForm() {
  const run = state.runs[state.selected];
  const uses = objectiveInfo(run.config.objective).uses;
  $("settings-run").textContent = `run ${state.selected + 1}`;
  $("objective").value = run.config.objective;
  $("objective").title = objectiveInfo(run.config.objective).description;
  $("mode").value = run.config.mode;
  for (const name of NUMBER_FIELDS) {
    const input = $(name);
    input.value = fmtNumber(run.config[name]);
    input.classList.remove("invalid");
    const used = uses[name] ?? true;
    input.disabled = !used;
    input.closest(".dfield").classList.toggle("unused", !used);
  }
}

/** A control changed: the server checks the value (its message names it), then the run restarts. */
async function applySetting(name, value) {
  const run = state.runs[state.selected];
  const targets = START_FIELDS.includes(name) ? state.runs : [run];
  const input = $(name);
  try {
    const checked = await computeDirac({ ...run.config, [name]: value, steps: 0 });
    input.classList.remove("invalid");
    alerts.clear("setting");
    for (const r of targets) {
      r.config = { ...r.config, [name]: checked.config[name] };
      r.restart();
    }
  } catch (err) {
    input.classList.add("invalid");
    alerts.show(err.message, "setting");
    return;
  }
  fillForm();
  renderRuns();
  restartView();
  writeUrl();
}

function setStart(theta, psi) {
  for (const r of state.runs) {
    r.config = { ...r.config, theta, psi };
    r.restart();
  }
  fillForm();
  restartView();
  writeUrl();
}

function buildForm() {
  const select = $("objective");
  for (const o of state.info.objectives) select.append(el("option", null, o.title, { value: o.name }));
  for (const name of ["objective", "mode"]) $(name).addEventListener("change", (e) => applySetting(name, e.target.value));
  for (const name of NUMBER_FIELDS) {
    // the text as typed: the server reads it (and names it when it is not a number)
    $(name).addEventListener("change", (e) => applySetting(name, e.target.value));
  }
  $("settings").addEventListener("submit", (e) => e.preventDefault());
}

// -- the runs' legend -----------------------------------------------------------------------

function renderRuns() {
  const list = $("runs");
  list.replaceChildren();
  state.runs.forEach((run, i) => {
    const li = el("li", `run${i === state.selected ? " selected" : ""}`);
    const pick = el("button", "run-pick", null, { type: "button", title: "Show this run's settings and its update field" });
    pick.setAttribute("aria-pressed", String(i === state.selected));
    pick.append(swatch(RUN_STYLES[i]), el("span", "run-name", runLabel(run.config, i)));
    pick.addEventListener("click", () => {
      state.selected = i;
      fillForm();
      renderRuns();
      requestField();
    });
    const dist = el("span", "run-dist num", "–");
    dist.dataset.testid = `distance-${i}`;
    const trend = el("span", "run-trend", "");
    trend.dataset.testid = `trend-${i}`;
    const read = el("span", "run-read");
    read.append(el("span", "muted", "distance "), dist, trend);
    li.append(pick, read);
    if (state.runs.length > 1) {
      const remove = el("button", "run-remove", "×", { type: "button", title: `Remove run ${i + 1}` });
      remove.setAttribute("aria-label", `Remove run ${i + 1}`);
      remove.addEventListener("click", () => removeRun(i));
      li.append(remove);
    }
    list.append(li);
  });
  $("add-run").disabled = state.runs.length >= MAX_RUNS;
  updateReadouts();
}

function updateReadouts() {
  $("step-count").textContent = String(state.step);
  state.runs.forEach((run, i) => {
    const s = run.at(state.step);
    const dist = document.querySelector(`[data-testid="distance-${i}"]`);
    if (!dist) return;
    dist.textContent = fmtDistance(run.distance[s]);
    dist.dataset.value = String(run.distance[s]);
    document.querySelector(`[data-testid="trend-${i}"]`).textContent = run.trend(state.step);
  });
}

function addRun() {
  if (state.runs.length >= MAX_RUNS) return;
  state.runs.push(new DiracRun(state.runs[state.selected].config));
  state.selected = state.runs.length - 1;
  fillForm();
  renderRuns();
  restartView();
  writeUrl();
}

function removeRun(i) {
  if (state.runs.length <= 1) return;
  plane.cache.delete(state.runs[i]);
  state.runs.splice(i, 1);
  state.selected = Math.min(state.selected === i ? 0 : state.selected - (state.selected > i ? 1 : 0), state.runs.length - 1);
  fillForm();
  renderRuns();
  state.dirty = true;
  requestField();
  writeUrl();
}

// -- the field's arrows ---------------------------------------------------------------------

function requestField() {
  clearTimeout(state.fieldTimer);
  state.fieldTimer = setTimeout(loadField, 50);
}

async function loadField() {
  const run = state.runs[state.selected];
  if (!run) return;
  const gen = ++state.fieldGen;
  try {
    const res = await computeDirac({ ...run.config, steps: 0, field: plane.box() });
    if (gen !== state.fieldGen) return;
    state.field = res.field;
    state.dirty = true;
  } catch (err) {
    alerts.show(`The field could not be drawn: ${err.message}`, "field");
  }
}

// -- transport ------------------------------------------------------------------------------

function setPlaying(on) {
  state.playing = on;
  state.owed = 0;
  const play = $("play");
  play.classList.toggle("playing", on);
  play.setAttribute("aria-label", on ? "Pause" : "Play");
  play.querySelector(".label").textContent = on ? "Pause" : "Play";
  play.title = on ? "Stop updating (Space)" : "Update both players continuously at the chosen speed (Space)";
  if (on) {
    for (const r of state.runs) r.error = null; // after a failed request, Play tries again
    alerts.clear("server");
  }
}

function togglePlay() {
  setPlaying(!state.playing);
}

function stepOnce() {
  if (state.playing) setPlaying(false);
  state.target = (state.target ?? state.step) + 1;
}

function reset() {
  setPlaying(false);
  restartView();
}

function setSpeed(index) {
  state.speed = SPEEDS[index];
  $("speed").value = String(index);
  $("speed-value").textContent = `${state.speed}/s`;
}

// -- the clock ------------------------------------------------------------------------------

function tick(now) {
  const dt = state.lastTime == null ? 0 : Math.min(0.25, (now - state.lastTime) / 1000);
  state.lastTime = now;
  let goal = state.step;
  if (state.playing) {
    state.owed += dt * state.speed;
    goal = state.step + Math.floor(state.owed);
  }
  if (state.target !== null) goal = Math.max(goal, state.target);
  goal = Math.min(goal, MAX_STEP);
  // ask a second ahead (paused: a little, so Step answers at once), a request at a time per run
  const ahead = state.playing ? Math.max(20, state.speed) : 20;
  const chunk = Math.min(state.info.max_steps, Math.max(50, state.speed));
  for (const run of state.runs) run.extend(Math.min(goal + ahead, MAX_STEP), chunk);
  const live = state.runs.filter((r) => r.divergedAt === null);
  const reach = live.length ? Math.min(...live.map((r) => r.known())) : state.step;
  const next = Math.min(goal, reach);
  if (next > state.step) {
    state.owed = Math.max(0, state.owed - (next - state.step));
    state.step = next;
    state.dirty = true;
  }
  if (state.playing) state.owed = Math.min(state.owed, Math.max(1, state.speed / 4)); // waiting banks no time
  if (state.target !== null && (state.step >= state.target || !live.length)) state.target = null;
  if (state.playing && !live.length) {
    setPlaying(false);
    alerts.show("Every run has diverged (left the range of numbers): Reset, or lower the learning rate.", "server", { tone: "warn" });
  }
  if (state.playing && state.step >= MAX_STEP) {
    setPlaying(false);
    alerts.show(`${MAX_STEP.toLocaleString("en")} steps is as far as this page goes: Reset to watch again.`, "server", { tone: "info" });
  }
  const failed = state.runs.find((r) => r.error);
  if (failed) {
    if (state.playing) setPlaying(false);
    state.target = null;
    alerts.show(failed.error.message, "server");
    failed.error = null;
  }
  if (state.dirty) draw();
  requestAnimationFrame(tick);
}

function draw() {
  state.dirty = false;
  // the view grows (1, 2, 3, 5, 10, …) to keep every current point in sight
  let far = 0;
  for (const r of state.runs) {
    const s = r.at(state.step);
    if (!plane.holds(r.theta[s], r.psi[s])) far = Math.max(far, Math.abs(r.theta[s]), Math.abs(r.psi[s]));
  }
  if (far > 0 && Number.isFinite(far) && plane.half < MAX_HALF) {
    plane.half = Math.min(niceHalf(far / 0.8), MAX_HALF);
    requestField();
  }
  const sel = state.runs[state.selected];
  const clip = objectiveInfo(sel.config.objective).uses.clip_value ? sel.config.clip_value : 0;
  plane.draw({ runs: state.runs, step: state.step, field: state.field, selected: state.selected, clip });
  chart.draw(state.runs, state.step);
  updateReadouts();
}

// -- start ----------------------------------------------------------------------------------

/** One run of the link: each bad value is named (in `problems`), dropped and left at its default. */
async function checkLinkRun(raw, i, problems) {
  const body = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key in state.info.defaults) body[key] = value;
    else problems.push(`Run ${i + 1}: ${key}: not a Dirac-GAN setting (choose from ${Object.keys(state.info.defaults).join(", ")}); ignored.`);
  }
  for (;;) {
    try {
      return (await computeDirac({ ...body, steps: 0 })).config;
    } catch (err) {
      if (!(err instanceof DiracApiError) || !err.status) throw err; // the server is unreachable
      const key = err.field in body ? err.field : null;
      problems.push(`Run ${i + 1}: ${err.message}; ${key ? `using the default ${key} (${state.info.defaults[key]}).` : "using the defaults."}`);
      if (key === null) return { ...state.info.defaults };
      delete body[key];
    }
  }
}

async function boot() {
  try {
    state.info = await describeDirac();
  } catch (err) {
    alerts.show(err.message, "server");
    return;
  }
  buildForm();
  const wanted = readDiracUrl();
  const problems = [...wanted.problems];
  let speedIndex = SPEEDS.indexOf(DEFAULT_SPEED);
  if (wanted.speed !== null) {
    const i = SPEEDS.indexOf(Number(wanted.speed));
    if (i >= 0) speedIndex = i;
    else problems.push(`speed: ${JSON.stringify(wanted.speed)} is not one of ${SPEEDS.join(", ")} (updates a second); using ${DEFAULT_SPEED}.`);
  }
  setSpeed(speedIndex);
  try {
    for (const [i, raw] of wanted.runs.entries()) state.runs.push(new DiracRun(await checkLinkRun(raw, i, problems)));
  } catch (err) {
    alerts.show(err.message, "server");
    return;
  }
  // one message for the whole link, a line per value it could not use
  if (problems.length) alerts.show(`This link has values the page cannot use; the rest is loaded.\n${problems.join("\n")}`, "link", { tone: "warn" });
  fillForm();
  renderRuns();
  restartView();

  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", stepOnce);
  $("reset").addEventListener("click", reset);
  $("add-run").addEventListener("click", addRun);
  $("speed").addEventListener("input", (e) => {
    setSpeed(Number(e.target.value));
    writeUrl();
  });
  const canvas = $("plane");
  canvas.addEventListener("mousemove", (e) => {
    plane.hover = plane.toData(e.offsetX, e.offsetY);
    state.dirty = true;
  });
  canvas.addEventListener("mouseleave", () => {
    plane.hover = null;
    state.dirty = true;
  });
  canvas.addEventListener("click", (e) => {
    const p = plane.toData(e.offsetX, e.offsetY);
    if (p) setStart(+p[0].toFixed(2), +p[1].toFixed(2));
  });
  installKeys({ shortcuts: { " ": togglePlay, ArrowRight: stepOnce, r: reset }, onEscape: () => false });
  watchResize([canvas, $("distance-chart")], () => {
    state.dirty = true;
    requestField();
  });
  for (const id of ["play", "step", "reset"]) $(id).disabled = false;
  document.body.dataset.ready = "1";
  requestAnimationFrame(tick);
}

boot();
