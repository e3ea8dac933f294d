// Compare mode's charts: one set of axes per quantity with every run's curve on it, a colour
// per run (charts.js draws one run; here each run keeps its own iterations, since runs that
// play at the same speed still send frames at their own moments).

import { movingAverage, robustRange } from "./charts.js";
import { fitCanvas, tracePath } from "./canvas.js";
import { el } from "./dom.js";

const FONT = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';
const MAX_POINTS = 3000; // per run and quantity; then every other point goes
const SMOOTH_SHARE = 0.02; // as charts.js: a moving average over 2 % of the iterations shown
const SMOOTH_MIN_POINTS = 5;
const LOG2 = Math.log(2);

function fmt(v) {
  if (v == null || !Number.isFinite(v)) return "–";
  if (Number.isInteger(v)) return String(v).replace(/^-/, "−");
  const a = Math.abs(v);
  if (a >= 1000) return v.toExponential(1).replace("e+", "e");
  return v.toFixed(a >= 100 ? 1 : a >= 10 ? 2 : 3).replace(/^-/, "−");
}

export class OverlayChart {
  /**
   * spec: {title, tip, keys: [{key, name, dash}] (one line per run and key; a second key is
   * drawn dashed), range: [lo, hi] or floor / ceil, refs: [{value, label, color}]}
   */
  constructor(host, spec) {
    this.host = host;
    this.spec = spec;
    const head = el("div", "chart-head");
    this.titleNode = el("span", "chart-title", spec.title);
    this.styleNode = el("span", "cmp-chart-keys");
    this.readoutsNode = el("span", "cmp-readouts");
    head.append(this.titleNode, this.styleNode, this.readoutsNode);
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    host.append(head, this.canvas);
    this.runs = [];
    this.setSpec({});
  }

  setSpec(patch) {
    this.spec = { ...this.spec, ...patch };
    this.titleNode.textContent = this.spec.title;
    this.host.title = this.spec.tip || "";
    this.canvas.setAttribute("aria-label", `${this.spec.title} of every run over iterations`);
    // with two quantities per run, say which line style is which
    this.styleNode.replaceChildren();
    if (this.spec.keys.length > 1) {
      for (const k of this.spec.keys) {
        const sw = el("span", "sw-line");
        sw.setAttribute("aria-hidden", "true");
        sw.style.borderTopColor = "#374151";
        sw.style.borderTopStyle = k.dash ? "dashed" : "solid";
        const item = el("span", "readout");
        item.append(sw, el("span", null, k.name));
        this.styleNode.append(item);
      }
    }
    this.dirty = true;
  }

  /** The runs to draw: [{label, color}]; every history starts empty. */
  setRuns(runs) {
    this.runs = runs.map((r) => ({ ...r, its: [], values: this.spec.keys.map(() => []) }));
    this.readoutsNode.replaceChildren();
    this.readouts = this.runs.map((r) => {
      const value = el("span", "num cmp-readout", "–");
      value.style.color = r.color;
      value.title = r.label;
      if (this.spec.keys.length === 1) this.readoutsNode.append(value);
      return value;
    });
    this.dirty = true;
  }

  clearRun(i) {
    const r = this.runs[i];
    if (!r) return;
    r.its = [];
    r.values = this.spec.keys.map(() => []);
    this.readouts[i].textContent = "–";
    this.dirty = true;
  }

  push(i, iteration, scalars) {
    const r = this.runs[i];
    if (!r) return;
    const n = r.its.length;
    if (n && iteration < r.its[n - 1]) this.clearRun(i); // a reset: the run starts again
    if (r.its.length && iteration === r.its[r.its.length - 1]) {
      this.spec.keys.forEach((k, j) => (r.values[j][r.its.length - 1] = scalars[k.key] ?? null));
    } else {
      r.its.push(iteration);
      this.spec.keys.forEach((k, j) => r.values[j].push(scalars[k.key] ?? null));
    }
    if (r.its.length > MAX_POINTS) {
      const keep = (_, j) => j % 2 === 0 || j === r.its.length - 1;
      r.its = r.its.filter(keep);
      r.values = r.values.map((arr) => arr.filter(keep));
    }
    this.readouts[i].textContent = fmt(scalars[this.spec.keys[0].key]);
    this.dirty = true;
  }

  setShown(on) {
    if (this.host.hidden === !on) return;
    this.host.hidden = !on;
    this.dirty = true;
  }

  /** Fixed, or the 1st–99th percentile of every run's values, padded, within floor / ceil. */
  yRange() {
    if (this.spec.range) return this.spec.range;
    const all = [];
    for (const r of this.runs) for (const arr of r.values) for (const v of arr) if (v != null && Number.isFinite(v)) all.push(v);
    return robustRange(all, this.spec);
  }

  draw() {
    this.dirty = false;
    if (this.host.hidden) return;
    const { ctx, w, h } = fitCanvas(this.canvas);
    const fs = parseFloat(getComputedStyle(this.host).getPropertyValue("--chart-font")) || 13;
    const x0 = Math.round(fs * 3.6);
    const x1 = w - 8;
    const y0 = h - Math.round(fs + 6);
    const y1 = 6;
    const [lo, hi] = this.yRange();
    const starts = this.runs.filter((r) => r.its.length).map((r) => r.its[0]);
    const ends = this.runs.filter((r) => r.its.length).map((r) => r.its[r.its.length - 1]);
    const itLo = starts.length ? Math.min(...starts) : 0;
    const itHi = ends.length ? Math.max(Math.max(...ends), itLo + 1) : 1;
    this.canvas.dataset.iterations = ends.length ? `${itLo} ${Math.max(...ends)}` : "";
    this.canvas.dataset.runs = String(this.runs.filter((r) => r.its.length).length);
    const X = (it) => x0 + ((it - itLo) / (itHi - itLo)) * (x1 - x0);
    const Y = (v) => (v == null || !Number.isFinite(v) ? null : y0 - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * (y0 - y1));

    ctx.strokeStyle = "#999";
    ctx.lineWidth = 1;
    ctx.strokeRect(x0 + 0.5, y1 + 0.5, x1 - x0, y0 - y1);
    ctx.font = `${fs}px ${FONT}`;
    ctx.fillStyle = "#333";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const refs = (this.spec.refs || []).filter((r) => r.value >= lo && r.value <= hi);
    const taken = [];
    for (const ref of refs) {
      const y = Math.min(Math.max(Y(ref.value), y1 + fs / 2), y0 - fs / 2);
      ctx.font = `bold ${fs}px ${FONT}`;
      ctx.fillStyle = ref.color;
      ctx.fillText(ref.label, x0 - 4, y);
      taken.push(y);
      ctx.strokeStyle = ref.color;
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      ctx.moveTo(x0, Math.round(Y(ref.value)) + 0.5);
      ctx.lineTo(x1, Math.round(Y(ref.value)) + 0.5);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.font = `${fs}px ${FONT}`;
    ctx.fillStyle = "#333";
    for (const [v, y] of [[lo, y0 - fs / 2], [hi, y1 + fs / 2]]) {
      if (taken.some((t) => Math.abs(t - y) < fs + 1)) continue;
      ctx.fillText(Number.isInteger(v) ? String(v) : fmt(v).replace(/0+$/, "").replace(/\.$/, ""), x0 - 4, y);
    }
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    ctx.fillText(String(itLo), x0, y0 + 3);
    ctx.textAlign = "right";
    ctx.fillText(ends.length ? `iteration ${Math.max(...ends)}` : "iteration", x1, y0 + 3);

    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, y1, x1 - x0, y0 - y1);
    ctx.clip();
    ctx.lineJoin = "round";
    const span = SMOOTH_SHARE * (itHi - itLo);
    for (const r of this.runs) {
      const n = r.its.length;
      if (!n) continue;
      const xs = r.its.map(X);
      const smooth = n * SMOOTH_SHARE >= SMOOTH_MIN_POINTS;
      this.spec.keys.forEach((k, j) => {
        ctx.strokeStyle = r.color;
        ctx.setLineDash(k.dash ? [6, 4] : []);
        ctx.globalAlpha = smooth ? 0.25 : 1;
        ctx.lineWidth = smooth ? 1.2 : 2.4;
        tracePath(ctx, xs, r.values[j].map(Y));
        ctx.stroke();
        ctx.globalAlpha = 1;
        if (!smooth) return;
        ctx.lineWidth = 2.6;
        tracePath(ctx, xs, movingAverage(r.its, r.values[j], span).map(Y));
        ctx.stroke();
      });
    }
    ctx.restore();
    ctx.setLineDash([]);
  }
}

/** The compare page's charts, keyed like the element ids (chart-KEY). */
export function makeOverlayCharts(byId) {
  return {
    loss: new OverlayChart(byId("chart-loss"), {
      title: "Losses",
      tip: "Each run's discriminator (or critic) loss, solid, and generator loss, dashed, on the latest batch. Different objectives have different scales: compare shapes, not levels",
      keys: [{ key: "loss_d", name: "D" }, { key: "loss_g", name: "G", dash: true }],
      floor: 0,
    }),
    dout: new OverlayChart(byId("chart-dout"), {
      title: "Mean D",
      tip: "Each run's mean D on real data (solid) and on G's samples (dashed); both tend to ½ at equilibrium. A critic's score is unbounded: it shares the axis",
      keys: [{ key: "d_real", name: "real" }, { key: "d_fake", name: "fake", dash: true }],
    }),
    modes: new OverlayChart(byId("chart-modes"), {
      title: "Modes covered",
      tip: "Modes of the data that received at least 20 of 2,500 generated samples within 3 standard deviations of their centre",
      keys: [{ key: "modes_covered", name: "modes" }],
      floor: 0,
    }),
    js: new OverlayChart(byId("chart-js"), {
      title: "JS(p_data‖p_g)",
      tip: "Jensen–Shannon divergence between the data and each run's generator, in nats: 0 when p_g = p_data, log 2 when their supports are apart",
      keys: [{ key: "js", name: "JS" }],
      range: [0, 0.72],
      refs: [{ value: LOG2, label: "log 2", color: "#6b6b6b" }],
    }),
    w1: new OverlayChart(byId("chart-w1"), {
      title: "W₁(p_data, p_g)",
      tip: "Wasserstein-1 distance between the data and each run's generator, in data units: it keeps falling as G moves towards the data even while JS is stuck at log 2",
      keys: [{ key: "wasserstein", name: "W₁" }],
      floor: 0,
    }),
    gnorm: new OverlayChart(byId("chart-gnorm"), {
      title: "‖∇G‖",
      tip: "Size of each run's generator gradient at its last update: near 0, G has stopped learning (e.g. the saturating minimax loss while D rejects every fake)",
      keys: [{ key: "g_grad_norm", name: "‖∇G‖" }],
      floor: 0,
    }),
  };
}

/** Titles and which charts show for the runs' data: 1-D, or 2-D (sliced W₁, modes). */
export function configureOverlayCharts(charts, { dim, modesTotal, kinds }) {
  charts.w1.setSpec({ title: dim === 2 ? "sliced W₁" : "W₁(p_data, p_g)" });
  charts.modes.setShown(modesTotal != null);
  if (modesTotal != null) charts.modes.setSpec({ range: [0, modesTotal + 0.5], refs: [{ value: modesTotal, label: String(modesTotal), color: "#6b6b6b" }] });
  // all probabilities: D's axis is [0, 1] with ½ marked; a critic or LSGAN score: its own scale
  const allProb = kinds.length > 0 && kinds.every((k) => k.key === "prob");
  const anyCritic = kinds.some((k) => k.noun === "critic");
  charts.dout.setSpec({
    title: anyCritic ? (allProb ? "Mean D" : "Mean D / C") : "Mean D",
    range: allProb ? [0, 1] : undefined,
    refs: allProb ? [{ value: 0.5, label: "½", color: "#6b6b6b" }] : [],
  });
  charts.dout.setShown(!kinds.length || kinds.some((k) => k.key !== "witness"));
}
