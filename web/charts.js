// Line charts over iterations, accumulated from frames (the page never trains).

import { fitCanvas, haloText, tracePath } from "./canvas.js";
import { el } from "./dom.js";

const FONT = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';
const MAX_POINTS = 3000;
const SMOOTH_SHARE = 0.02; // the moving average spans 2 % of the iterations shown
const SMOOTH_MIN_POINTS = 5; // …and is drawn only once it averages at least this many points

/**
 * Centred moving average of `values` over a window of `span` iterations (`its` ascending;
 * nulls are skipped and stay null). Two pointers and running sums: linear in the points.
 */
export function movingAverage(its, values, span) {
  const n = its.length;
  const out = new Array(n).fill(null);
  const sum = new Float64Array(n + 1);
  const count = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const ok = v != null && Number.isFinite(v);
    sum[i + 1] = sum[i] + (ok ? v : 0);
    count[i + 1] = count[i] + (ok ? 1 : 0);
  }
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    while (its[lo] < its[i] - span / 2) lo++;
    while (hi < n && its[hi] <= its[i] + span / 2) hi++;
    const c = count[hi] - count[lo];
    if (values[i] != null && c > 0) out[i] = (sum[hi] - sum[lo]) / c;
  }
  return out;
}

function fmt(v, digits = 3) {
  if (v == null || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1000) return v.toExponential(1).replace("e+", "e");
  // about four significant digits, so a readout stays narrow: 0.512, 11.39, 123.4
  const d = Math.min(digits, a >= 100 ? 1 : a >= 10 ? 2 : 3);
  return v.toFixed(d).replace(/^-/, "−");
}

export class Chart {
  /**
   * host: an element to fill; spec: {title, tip, series: [{key, label, color, dash}],
   * refs: [{value, label, color}] (dashed lines, named in the left margin), range: [lo, hi]
   * (fixed) or floor / ceil: bounds the automatic range does not cross while the data stays
   * within them}; `configureCharts` adapts titles, scales and which charts show to the data
   * dimension and the kind of second network (kinds.js)
   */
  constructor(host, spec) {
    this.spec = spec;
    this.host = host;
    this.marks = [];
    const head = el("div", "chart-head");
    this.titleNode = el("span", "chart-title", spec.title);
    head.append(this.titleNode);
    this.labels = [];
    this.readouts = spec.series.map((s) => {
      const sw = el("span", "sw-line");
      sw.setAttribute("aria-hidden", "true");
      sw.style.borderTopColor = s.color;
      sw.style.borderTopStyle = s.dash ? "dashed" : "solid";
      const value = el("span", "num", "–");
      const label = el("span", null, `${s.label} `);
      const item = el("span", "readout");
      item.append(sw, label, value);
      head.append(item);
      this.labels.push(label);
      this.items = [...(this.items || []), item];
      return value;
    });
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    host.append(head, this.canvas);
    this.setSpec({});
    this.clear();
  }

  /** Change the title, tooltip, series labels or the y scale (the history stays). */
  setSpec(patch) {
    const { series, ...rest } = patch;
    this.spec = { ...this.spec, ...rest };
    if (series) this.spec.series = this.spec.series.map((s, i) => ({ ...s, ...(series[i] || {}) }));
    this.titleNode.textContent = this.spec.title;
    this.host.title = this.spec.tip;
    if (this.marks?.length) this.setMarks(this.marks, this.labelMarks);
    this.spec.series.forEach((s, i) => {
      this.labels[i].textContent = `${s.label} `;
      this.items[i].hidden = !!s.hidden;
    });
    this.canvas.setAttribute("aria-label", `${this.spec.title} over iterations`);
    this.dirty = true;
  }

  /** Show or hide the chart (e.g. V(D, G) only for probability objectives in 1-D). */
  setShown(on) {
    if (this.host.hidden === !on) return;
    this.host.hidden = !on;
    this.dirty = true;
  }

  /** Vertical marks at iterations where a setting changed during the run: [{iteration, label}];
   * `labelled`: write the labels on this chart (one chart does; the others show the lines). */
  setMarks(marks, labelled = true) {
    this.marks = marks;
    this.labelMarks = labelled;
    this.canvas.dataset.marks = marks.map((m) => `${m.iteration}: ${m.label}`).join("\n");
    const list = marks.map((m) => `iteration ${m.iteration}: ${m.label}`).join("\n");
    this.host.title = list ? `${this.spec.tip}\n\nChanged during this run (dashed lines):\n${list}` : this.spec.tip;
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
    if (this.spec.range) return this.spec.range;
    const all = [];
    this.values.forEach((arr, i) => {
      if (this.spec.series[i].hidden) return;
      for (const v of arr) if (v != null && Number.isFinite(v)) all.push(v);
    });
    return robustRange(all, this.spec);
  }

  draw() {
    this.dirty = false;
    if (this.host.hidden) return;
    const { ctx, w, h } = fitCanvas(this.canvas);
    // the type follows the page's (larger in presentation mode and on big screens)
    const fs = parseFloat(getComputedStyle(this.host).getPropertyValue("--chart-font")) || 13;
    const padL = Math.round(fs * 4);
    const padR = 8;
    const padT = 7;
    const padB = Math.round(fs + 6);
    const x0 = padL;
    const x1 = w - padR;
    const y0 = h - padB;
    const y1 = padT;
    const [lo, hi] = this.yRange();
    this.canvas.dataset.yRange = `${lo} ${hi}`; // for tests and curious readers
    const n = this.its.length;
    this.canvas.dataset.iterations = n ? `${this.its[0]} ${this.its[n - 1]}` : "";
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
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const tickY = [];
    ctx.font = `bold ${fs}px ${FONT}`;
    for (const r of refs) {
      const y = Math.min(Math.max(Y(r.value), y1 + fs / 2), y0 - fs / 2);
      ctx.fillStyle = r.color;
      ctx.fillText(r.label, x0 - 5, y);
      tickY.push(y);
    }
    ctx.font = `${fs}px ${FONT}`;
    ctx.fillStyle = "#333";
    for (const [v, y] of [[lo, y0 - fs / 2], [hi, y1 + fs / 2]]) {
      if (tickY.some((t) => Math.abs(t - y) < fs + 1)) continue;
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
    // On long runs the raw values (one per frame) turn into a noisy band: they stay, faint,
    // under a moving average over 2 % of the iterations shown, drawn bold.
    const span = SMOOTH_SHARE * (itHi - itLo);
    const smooth = n > 0 && (n * SMOOTH_SHARE >= SMOOTH_MIN_POINTS);
    this.canvas.dataset.smoothSpan = smooth ? String(Math.round(span)) : "";
    ctx.lineJoin = "round";
    this.spec.series.forEach((s, i) => {
      if (s.hidden) return;
      ctx.strokeStyle = s.color;
      ctx.setLineDash(s.dash && !smooth ? [6, 4] : []);
      ctx.globalAlpha = smooth ? 0.28 : 1;
      ctx.lineWidth = smooth ? 1.3 : 2.5;
      tracePath(ctx, xs, this.values[i].map(Y));
      ctx.stroke();
      ctx.globalAlpha = 1;
      if (!smooth) return;
      ctx.lineWidth = 2.8;
      ctx.setLineDash(s.dash ? [6, 4] : []);
      tracePath(ctx, xs, movingAverage(this.its, this.values[i], span).map(Y));
      ctx.stroke();
    });
    ctx.restore();
    ctx.setLineDash([]);
    this.drawMarks(ctx, X, itLo, itHi, x0, x1, y0, y1, fs);
  }

  /** Live changes: a dashed line at each one's iteration, labelled at the top of the plot
   * (the newest first; a label that would overlap an earlier-drawn one moves down a row or
   * is left out, the line stays). */
  drawMarks(ctx, X, itLo, itHi, x0, x1, y0, y1, fs = 13) {
    if (!this.marks.length || !this.its.length) return;
    const color = "#b45309";
    const rowH = fs + 1;
    ctx.font = `bold ${fs - 1}px ${FONT}`;
    ctx.textBaseline = "top";
    const rows = [[], []]; // occupied [left, right] spans per label row
    const shown = this.marks.filter((m) => m.iteration >= itLo && m.iteration <= itHi);
    for (let k = shown.length - 1; k >= 0; k--) {
      const m = shown[k];
      const x = Math.round(X(m.iteration)) + 0.5;
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(x, y1);
      ctx.lineTo(x, y0);
      ctx.stroke();
      ctx.setLineDash([]);
      if (!this.labelMarks) continue;
      const w = ctx.measureText(m.label).width;
      const right = x + 3 + w <= x1;
      const left = right ? x + 3 : Math.max(x0 + 2, x - 3 - w);
      const span = [left - 2, left + w + 2];
      const row = rows.findIndex((r) => r.every(([a, b]) => span[1] < a || span[0] > b));
      if (row < 0 || y1 + 2 + row * rowH + fs > y0) continue;
      rows[row].push(span);
      ctx.textAlign = "left";
      haloText(ctx, m.label, left, y1 + 2 + row * rowH, color);
    }
  }
}

const LOG2 = Math.log(2);
const LOG4 = -Math.log(4);

/** The charts, keyed by their element's id (without "chart-"). */
export function makeCharts(byId) {
  return {
    loss: new Chart(byId("chart-loss"), {
      title: "Losses",
      tip: "",
      floor: 0,
      series: [
        { key: "loss_d", label: "D", color: "#1d4ed8" },
        { key: "loss_g", label: "G", color: "#0b8a2f" },
      ],
    }),
    dout: new Chart(byId("chart-dout"), {
      title: "Mean D",
      tip: "",
      series: [
        { key: "d_real", label: "real", color: "#111111" },
        { key: "d_fake", label: "fake", color: "#0b8a2f", dash: true },
      ],
    }),
    js: new Chart(byId("chart-js"), {
      title: "JS(p_data‖p_g)",
      tip:
        "Jensen–Shannon divergence between the data and the generator, in nats: 0 when p_g = p_data, at most log 2 ≈ 0.693 when their supports are apart. " +
        "Once they do not overlap it stays at log 2 however far apart they are: see W₁ for the distance. " +
        "(In 2-D it is estimated from G's samples by nearest neighbours: a perfect generator reads up to ~0.01)",
      range: [0, 0.72],
      refs: [{ value: LOG2, label: "log 2", color: "#6b6b6b" }],
      series: [{ key: "js", label: "JS", color: "#9333ea" }],
    }),
    w1: new Chart(byId("chart-w1"), {
      title: "W₁(p_data, p_g)",
      tip: "",
      floor: 0,
      series: [{ key: "wasserstein", label: "W₁", color: "#0e7490" }],
    }),
    gnorm: new Chart(byId("chart-gnorm"), {
      title: "‖∇G‖",
      tip:
        "Size of the generator's gradient, ‖∇θ loss_G‖, at its last update. Near 0, G has stopped learning: " +
        "e.g. the saturating minimax loss while D rejects every fake with confidence",
      floor: 0,
      series: [{ key: "g_grad_norm", label: "‖∇G‖", color: "#be185d" }],
    }),
    value: new Chart(byId("chart-value"), {
      title: "V(D,G)",
      tip: "The value function E[log D(x)] + E[log(1 − D(G(z)))]; at the game's equilibrium it equals −log 4",
      ceil: 0,
      refs: [{ value: LOG4, label: "−log 4", color: "#b45309" }],
      series: [{ key: "value", label: "V", color: "#c2410c" }],
    }),
    // the models beyond the plain GAN (shown only for theirs: showModelCharts)
    classacc: new Chart(byId("chart-classacc"), {
      title: "Class accuracy",
      tip:
        "Conditional GAN: for each class, the share of the fakes G draws when asked for it that land within 3σ of one of that class's modes. " +
        "The worst class (min) and the mean over classes; the bars below show every class",
      range: [0, 1],
      series: [
        { key: "class_accuracy_min", label: "min", color: "#b45309" },
        { key: "class_accuracy_mean", label: "mean", color: "#1d4ed8", dash: true },
      ],
    }),
    nmi: new Chart(byId("chart-nmi"), {
      title: "Code–mode NMI",
      tip:
        "InfoGAN: normalised mutual information between the code c G was given and the mode its fake lands on. " +
        "1: each code has a mode of its own; 0: the code says nothing about where the fake lands",
      range: [0, 1],
      series: [{ key: "code_nmi", label: "NMI", color: "#7c3aed" }],
    }),
    ssl: new Chart(byId("chart-ssl"), {
      title: "Test accuracy",
      tip:
        "Semi-supervised GAN: the share of 2,000 held-out points D's K classes get right, beside the same network trained on the labelled points alone. " +
        "The GAN wins where its line is above the dashed one",
      floor: 0,
      ceil: 1,
      series: [
        { key: "test_accuracy", label: "GAN's D", color: "#0b6b26" },
        { key: "labelled_only_accuracy", label: "labels only", color: "#4b5563", dash: true },
      ],
    }),
  };
}

/** Which model charts show: each model's own (the plain GAN has none), in place of ‖∇G‖ (a
 * diagnostic of the saturating loss), so the column keeps room for the model's chart. */
export function showModelCharts(charts, model) {
  shownModel = model || "gan";
  charts.gnorm.setShown(shownModel === "gan");
  charts.classacc?.setShown(model === "cgan");
  charts.nmi?.setShown(model === "infogan");
  charts.ssl?.setShown(model === "semi-supervised");
}

/** Titles, tooltips, scales and which charts show, for the data dimension and the kind of
 * second network (see kinds.js). */
export function configureCharts(charts, dim, kind) {
  const c = kind.sym; // "D", "C" or null (MMD: no second network)
  if (kind.key === "witness") {
    charts.loss.setSpec({
      tip: "G's loss: the (squared) MMD between its samples and the data's, with Gaussian kernels. MMD has no discriminator, so there is no D loss",
      series: [{ label: "D", hidden: true }, { label: "G (MMD²)" }],
    });
  } else {
    charts.loss.setSpec({
      tip:
        kind.noun === "critic"
          ? "The critic's (C) and the generator's (G) losses on the latest batch; a critic's loss may be negative (e.g. −W₁ estimate for WGAN)"
          : "The discriminator's (D) and generator's (G) losses on the latest batch",
      series: [{ label: c, hidden: false }, { label: "G" }],
    });
  }
  const dout = { prob: [0, 1], ls: null, critic: null, witness: null }[kind.key];
  charts.dout.setSpec({
    title: `Mean ${c || "D"}`,
    tip:
      kind.noun === "critic"
        ? "C(real) and C(fake): the critic's mean score on real data and on generated samples, an unbounded number (higher = more real-like). The critic widens the gap C(real) − C(fake); G narrows it"
        : kind.key === "ls"
          ? "D(real) and D(fake): the least-squares discriminator's mean score on real data (target 1) and on generated samples (target 0); both tend to ½ at equilibrium. Not bounded to [0, 1]"
          : "D(real) and D(fake): the discriminator's mean probability on real data and on generated samples; both tend to ½ at equilibrium",
    range: dout,
    refs: kind.noun === "critic" ? [{ value: 0, label: "0", color: "#6b6b6b" }] : [{ value: 0.5, label: "½", color: "#6b6b6b" }],
  });
  charts.w1.setSpec(
    dim === 2
      ? {
          title: "sliced W₁",
          tip:
            "Sliced Wasserstein-1 distance: the 1-D earth mover's distance between the data and G's samples, projected on fixed random directions and averaged, in data units. " +
            "It keeps falling as G moves toward the data even while JS is stuck near log 2. From finite samples (16 directions, ~20,000 points) a perfect generator still reads about 0.01–0.02",
          series: [{ label: "W₁" }],
        }
      : {
          title: "W₁(p_data, p_g)",
          tip:
            "Wasserstein-1 (earth mover's) distance: how far p_g's mass must move, on average, to become p_data, in data units (exact, from the two CDFs). " +
            "It keeps falling as G moves toward the data even while JS is stuck at log 2",
          series: [{ label: "W₁" }],
        },
  );
  charts.dout.setShown(kind.key !== "witness");
  charts.value.setShown(dim === 1 && kind.key === "prob");
  for (const key of ["loss", "js", "w1"]) charts[key].setShown(true);
  showModelCharts(charts, shownModel);
}

let shownModel = "gan"; // the model whose charts show (showModelCharts)

/** A chart's y range from its finite values: their 1st–99th percentile (one early spike does not
 * flatten the rest of the run) and the reference lines, padded, never past `floor` / `ceil`
 * (e.g. losses ≥ 0 unless the data itself goes below: the minimax G loss is ≤ 0; V ≤ 0). */
export function robustRange(values, { refs = [], floor, ceil } = {}) {
  const all = values.slice().sort((a, b) => a - b);
  let lo = Infinity;
  let hi = -Infinity;
  if (all.length) {
    lo = all[Math.floor((all.length - 1) * 0.01)];
    hi = all[Math.ceil((all.length - 1) * 0.99)];
  }
  for (const r of refs) { lo = Math.min(lo, r.value); hi = Math.max(hi, r.value); }
  if (!Number.isFinite(lo)) { lo = floor ?? 0; hi = lo + 1; }
  const pad = Math.max((hi - lo) * 0.08, 0.02);
  lo -= pad;
  hi += pad;
  if (floor != null && (!all.length || all[0] >= floor)) lo = Math.max(lo, floor);
  if (ceil != null && (!all.length || all[all.length - 1] <= ceil)) hi = Math.min(hi, ceil);
  return [lo, hi];
}
