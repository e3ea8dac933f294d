// Line charts over iterations, accumulated from frames (the page never trains).

import { fitCanvas, tracePath } from "./canvas.js";
import { el } from "./dom.js";

const FONT = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';
const MAX_POINTS = 3000;

function fmt(v, digits = 3) {
  if (v == null || !Number.isFinite(v)) return "–";
  if (Math.abs(v) >= 1000) return v.toExponential(1).replace("e+", "e");
  return v.toFixed(digits);
}

export class Chart {
  /**
   * host: an element to fill; spec: {title, tip, series: [{key, label, color, dash}],
   * refs: [{value, label, color}] (dashed lines, named in the left margin), range: [lo, hi]
   * (fixed) or floor / ceil: bounds the automatic range does not cross while the data stays
   * within them, dims: data dimensions where the chart is shown (default both)}
   */
  constructor(host, spec) {
    this.spec = spec;
    this.host = host;
    this.dims = spec.dims || [1, 2];
    host.title = spec.tip;
    const head = el("div", "chart-head");
    head.append(el("span", "chart-title", spec.title));
    this.readouts = spec.series.map((s) => {
      const sw = el("span", "sw-line");
      sw.setAttribute("aria-hidden", "true");
      sw.style.borderTopColor = s.color;
      sw.style.borderTopStyle = s.dash ? "dashed" : "solid";
      const value = el("span", "num", "–");
      const item = el("span", "readout");
      item.append(sw, el("span", null, `${s.label} `), value);
      head.append(item);
      return value;
    });
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", `${spec.title} over iterations`);
    host.append(head, this.canvas);
    this.clear();
  }

  /** Show the chart only for the data dimensions it is about. */
  showFor(dim) {
    const on = this.dims.includes(dim);
    if (this.host.hidden === !on) return;
    this.host.hidden = !on;
    this.dirty = true;
  }

  clear() {
    this.its = [];
    this.values = this.spec.series.map(() => []);
    this.readouts.forEach((r) => (r.textContent = "–"));
    this.dirty = true;
  }

  push(iteration, scalars) {
    const n = this.its.length;
    if (n && iteration === this.its[n - 1]) {
      // same iteration (e.g. Step D): replace the last point
      this.spec.series.forEach((s, i) => (this.values[i][n - 1] = scalars[s.key] ?? null));
    } else {
      this.its.push(iteration);
      this.spec.series.forEach((s, i) => this.values[i].push(scalars[s.key] ?? null));
    }
    if (this.its.length > MAX_POINTS) {
      // keep the whole history at half the resolution
      const keep = (_, i) => i % 2 === 0 || i === this.its.length - 1;
      this.its = this.its.filter(keep);
      this.values = this.values.map((arr) => arr.filter(keep));
    }
    this.spec.series.forEach((s, i) => (this.readouts[i].textContent = fmt(scalars[s.key])));
    this.dirty = true;
  }

  /** The y range: fixed, or the 1st–99th percentile of the data (one early spike does not
   * flatten the rest of the run), padded, never past a bound the quantity cannot cross. */
  yRange() {
    const { range, refs = [], floor, ceil } = this.spec;
    if (range) return range;
    let lo = Infinity;
    let hi = -Infinity;
    const all = [];
    for (const arr of this.values) for (const v of arr) if (v != null && Number.isFinite(v)) all.push(v);
    all.sort((a, b) => a - b);
    if (all.length) {
      lo = all[Math.floor((all.length - 1) * 0.01)];
      hi = all[Math.ceil((all.length - 1) * 0.99)];
    }
    for (const r of refs) { lo = Math.min(lo, r.value); hi = Math.max(hi, r.value); }
    if (!Number.isFinite(lo)) { lo = floor ?? 0; hi = lo + 1; }
    const pad = Math.max((hi - lo) * 0.08, 0.02);
    lo -= pad;
    hi += pad;
    // e.g. losses ≥ 0 (unless the data itself goes below: the minimax G loss is ≤ 0), V ≤ 0
    if (floor != null && (!all.length || all[0] >= floor)) lo = Math.max(lo, floor);
    if (ceil != null && (!all.length || all[all.length - 1] <= ceil)) hi = Math.min(hi, ceil);
    return [lo, hi];
  }

  draw() {
    this.dirty = false;
    if (this.host.hidden) return;
    const { ctx, w, h } = fitCanvas(this.canvas);
    const padL = 52;
    const padR = 8;
    const padT = 7;
    const padB = 19;
    const x0 = padL;
    const x1 = w - padR;
    const y0 = h - padB;
    const y1 = padT;
    const [lo, hi] = this.yRange();
    this.canvas.dataset.yRange = `${lo} ${hi}`; // for tests and curious readers
    const n = this.its.length;
    const itLo = n ? this.its[0] : 0;
    const itHi = n ? Math.max(this.its[n - 1], itLo + 1) : 1;
    const X = (it) => x0 + ((it - itLo) / (itHi - itLo)) * (x1 - x0);
    const Y = (v) => (v == null || !Number.isFinite(v) ? null : y0 - ((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * (y0 - y1));
    const refs = (this.spec.refs || []).filter((r) => r.value >= lo && r.value <= hi);

    ctx.strokeStyle = "#999";
    ctx.lineWidth = 1;
    ctx.strokeRect(x0 + 0.5, y1 + 0.5, x1 - x0, y0 - y1);

    // y labels in the left margin: the reference values (named: ½, log 2, −log 4) take
    // precedence; the range's ends are written only where they do not collide with one
    ctx.font = `13px ${FONT}`;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const tickY = [];
    ctx.font = `bold 13px ${FONT}`;
    for (const r of refs) {
      const y = Math.min(Math.max(Y(r.value), y1 + 6), y0 - 6);
      ctx.fillStyle = r.color;
      ctx.fillText(r.label, x0 - 5, y);
      tickY.push(y);
    }
    ctx.font = `13px ${FONT}`;
    ctx.fillStyle = "#333";
    for (const [v, y] of [[lo, y0 - 6], [hi, y1 + 6]]) {
      if (tickY.some((t) => Math.abs(t - y) < 14)) continue;
      ctx.fillText(Number.isInteger(v) ? String(v) : fmt(v, 2), x0 - 5, y);
    }
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    ctx.fillText(String(itLo), x0, y0 + 3);
    ctx.textAlign = "right";
    ctx.fillText(n ? `iteration ${this.its[n - 1]}` : "iteration", x1, y0 + 3);

    for (const r of refs) {
      const y = Math.round(Y(r.value)) + 0.5;
      ctx.strokeStyle = r.color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      ctx.moveTo(x0 - 3, y);
      ctx.lineTo(x1, y);
      ctx.stroke();
      ctx.setLineDash([]);
    }

    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, y1, x1 - x0, y0 - y1);
    ctx.clip();
    const xs = this.its.map(X);
    this.spec.series.forEach((s, i) => {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2.5;
      ctx.lineJoin = "round";
      ctx.setLineDash(s.dash ? [6, 4] : []);
      tracePath(ctx, xs, this.values[i].map(Y));
      ctx.stroke();
    });
    ctx.restore();
    ctx.setLineDash([]);
  }
}

export function makeCharts(byId) {
  const LOG4 = -Math.log(4);
  return [
    new Chart(byId("chart-loss"), {
      title: "Losses",
      tip: "The discriminator's and generator's losses on the latest batch",
      floor: 0,
      series: [
        { key: "loss_d", label: "D", color: "#1d4ed8" },
        { key: "loss_g", label: "G", color: "#0b8a2f" },
      ],
    }),
    new Chart(byId("chart-dout"), {
      title: "Mean D",
      tip: "Average D on real data and on generated samples; both tend to ½ at equilibrium",
      range: [0, 1],
      refs: [{ value: 0.5, label: "½", color: "#6b6b6b" }],
      series: [
        { key: "d_real", label: "real", color: "#111111" },
        { key: "d_fake", label: "fake", color: "#0b8a2f", dash: true },
      ],
    }),
    new Chart(byId("chart-js"), {
      title: "JS(p_data‖p_g)",
      tip: "Jensen–Shannon divergence between the data and the generator, in nats: log 2 when they do not overlap, 0 when equal",
      range: [0, 0.72],
      refs: [{ value: Math.log(2), label: "log 2", color: "#6b6b6b" }],
      series: [{ key: "js", label: "JS", color: "#9333ea" }],
    }),
    new Chart(byId("chart-value"), {
      title: "V(D,G)",
      dims: [1],
      tip: "The value function E[log D(x)] + E[log(1 − D(G(z)))]; at the game's equilibrium it equals −log 4",
      ceil: 0,
      refs: [{ value: LOG4, label: "−log 4", color: "#b45309" }],
      series: [{ key: "value", label: "V", color: "#c2410c" }],
    }),
    new Chart(byId("chart-kl"), {
      title: "KL(p_data‖p_g)",
      dims: [2],
      tip: "Kullback–Leibler divergence of the generator from the data, in nats, on a 64 × 64 grid over the view: large when G misses part of the data (a dropped mode), 0 when equal",
      floor: 0,
      series: [{ key: "kl", label: "KL", color: "#0e7490" }],
    }),
  ];
}
