// The (θ, ψ) plane of the Dirac-GAN: equal scales on both axes (a circle looks like one), the
// equilibrium at the centre, the update field of the selected run as arrows, and every run's
// path up to the current step with its current point drawn large.

import { fitCanvas, haloText, niceTicks } from "./canvas.js";
import { drawMarker, RUN_STYLES } from "./dirac_marks.js";

const FONT = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';
const HALF_STEPS = [1, 2, 3, 5]; // the view's half-width: 1, 2, 3, 5, 10, 20, 30, 50, …
const ARROWS_ACROSS = 17; // along the plane's shorter side

/** The smallest half-width of the list that is ≥ x. */
export function niceHalf(x) {
  let mag = 10 ** Math.floor(Math.log10(Math.max(x, 1e-3)));
  for (;;) {
    for (const s of HALF_STEPS) if (s * mag >= x) return s * mag;
    mag *= 10;
  }
}

function fmtTick(t) {
  const s = Math.abs(t) >= 1000 ? t.toExponential(0).replace("e+", "e") : String(+t.toPrecision(6));
  return s.replace(/^-/, "−");
}

export class Plane {
  constructor(canvas) {
    this.canvas = canvas;
    this.half = 2; // data units from the centre to the nearer edge of the plot
    this.hover = null; // [θ, ψ] under the mouse
    this.cache = new Map(); // run → its path in pixels, extended as the step grows
  }

  /** Pixel geometry; the type grows with the canvas (a projector's back row). */
  layout() {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const font = Math.round(Math.max(14, Math.min(19, Math.min(w, h) / 38)));
    const ml = Math.round(font * 4.2);
    const mb = Math.round(font * 3.4);
    const mt = 8;
    const mr = 12;
    const plotW = Math.max(10, w - ml - mr);
    const plotH = Math.max(10, h - mt - mb);
    const px = Math.min(plotW, plotH) / (2 * this.half);
    return { w, h, font, ml, mb, mt, mr, plotW, plotH, px, cx: ml + plotW / 2, cy: mt + plotH / 2 };
  }

  toPixel(L, theta, psi) {
    return [L.cx + theta * L.px, L.cy - psi * L.px];
  }

  /** The data point under pixel (x, y) of the canvas, or null outside the plot. */
  toData(x, y) {
    const L = this.layout();
    if (x < L.ml || x > L.ml + L.plotW || y < L.mt || y > L.mt + L.plotH) return null;
    return [(x - L.cx) / L.px, (L.cy - y) / L.px];
  }

  /** The data box the plot shows, and how many arrows fit each way (for the field request). */
  box() {
    const L = this.layout();
    const tx = L.plotW / 2 / L.px;
    const py = L.plotH / 2 / L.px;
    const spacing = Math.min(L.plotW, L.plotH) / ARROWS_ACROSS;
    const n = (len) => Math.max(2, Math.min(41, Math.round(len / spacing)));
    return { theta_lo: -tx, theta_hi: tx, psi_lo: -py, psi_hi: py, n_theta: n(L.plotW), n_psi: n(L.plotH) };
  }

  /** Whether (θ, ψ) is inside the inner 95 % of the shorter side (else the view grows). */
  holds(theta, psi) {
    return Math.abs(theta) <= 0.95 * this.half && Math.abs(psi) <= 0.95 * this.half;
  }

  /**
   * runs: DiracRun[]; step: the page's step; field: {theta, psi, v_theta, v_psi} or null;
   * selected: the index of the run whose field is drawn; clip: c when that run clips |ψ| ≤ c.
   */
  draw({ runs, step, field, selected, clip }) {
    const { ctx } = fitCanvas(this.canvas);
    const L = this.layout();
    ctx.save();
    ctx.beginPath();
    ctx.rect(L.ml, L.mt, L.plotW, L.plotH);
    ctx.fillStyle = "#fff";
    ctx.fill();
    ctx.clip();
    this.drawGrid(ctx, L);
    if (field) this.drawField(ctx, L, field);
    if (clip > 0) this.drawClip(ctx, L, clip);
    this.drawEquilibrium(ctx, L);
    runs.forEach((run, i) => this.drawPath(ctx, L, run, i, step));
    this.drawStart(ctx, L, runs);
    runs.forEach((run, i) => {
      const s = run.at(step);
      const [x, y] = this.toPixel(L, run.theta[s], run.psi[s]);
      drawMarker(ctx, RUN_STYLES[i], x, y, Math.max(9, L.font * 0.6));
    });
    ctx.font = `600 ${L.font}px ${FONT}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    if (field && runs.length > 1) haloText(ctx, `arrows: run ${selected + 1}'s update field`, L.ml + 8, L.mt + 6, "#374151");
    if (this.hover) {
      const [t, p] = this.hover;
      ctx.textAlign = "right";
      haloText(ctx, `θ ${fmtTick(+t.toFixed(2))}, ψ ${fmtTick(+p.toFixed(2))}: click to start here`, L.ml + L.plotW - 8, L.mt + 6, "#111");
    }
    ctx.restore();
    this.drawFrame(ctx, L);
  }

  drawGrid(ctx, L) {
    const box = this.box();
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#eceff3";
    ctx.beginPath();
    for (const t of niceTicks(box.theta_lo, box.theta_hi, L.plotW / 90)) {
      const [x] = this.toPixel(L, t, 0);
      ctx.moveTo(x, L.mt);
      ctx.lineTo(x, L.mt + L.plotH);
    }
    for (const p of niceTicks(box.psi_lo, box.psi_hi, L.plotH / 70)) {
      const [, y] = this.toPixel(L, 0, p);
      ctx.moveTo(L.ml, y);
      ctx.lineTo(L.ml + L.plotW, y);
    }
    ctx.stroke();
    // the axes through the equilibrium: θ = 0 (G is on the data) and ψ = 0 (D is flat)
    ctx.strokeStyle = "#9aa3ae";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(L.ml, L.cy);
    ctx.lineTo(L.ml + L.plotW, L.cy);
    ctx.moveTo(L.cx, L.mt);
    ctx.lineTo(L.cx, L.mt + L.plotH);
    ctx.stroke();
  }

  drawField(ctx, L, f) {
    let max = 0;
    for (let k = 0; k < f.v_theta.length; k++) {
      const m = Math.hypot(f.v_theta[k] ?? NaN, f.v_psi[k] ?? NaN);
      if (Number.isFinite(m) && m > max) max = m;
    }
    if (!(max > 0)) return;
    const spacing = Math.min(((f.theta[1] - f.theta[0]) * L.px), ((f.psi[1] - f.psi[0]) * L.px));
    ctx.strokeStyle = "rgba(51, 65, 85, 0.62)"; // grey enough to sit behind the paths, dark enough for a projector
    ctx.fillStyle = "rgba(51, 65, 85, 0.62)";
    ctx.lineWidth = Math.max(1.6, L.font / 10);
    ctx.setLineDash([]);
    f.psi.forEach((p, j) => {
      f.theta.forEach((t, i) => {
        const k = j * f.theta.length + i;
        const vt = f.v_theta[k];
        const vp = f.v_psi[k];
        const m = Math.hypot(vt ?? NaN, vp ?? NaN);
        if (!Number.isFinite(m) || m === 0) return;
        // length: the square root of the speed, so slow regions still show their direction
        const len = 0.8 * spacing * Math.sqrt(m / max);
        if (len < 3) return;
        const [x0, y0] = this.toPixel(L, t, p);
        const ux = vt / m;
        const uy = -vp / m;
        const x1 = x0 + ux * len;
        const y1 = y0 + uy * len;
        ctx.beginPath();
        ctx.moveTo(x0 - ux * len * 0.5, y0 - uy * len * 0.5);
        ctx.lineTo(x1 - ux * len * 0.5, y1 - uy * len * 0.5);
        ctx.stroke();
        const head = Math.min(7, 0.45 * len);
        const hx = x1 - ux * len * 0.5;
        const hy = y1 - uy * len * 0.5;
        ctx.beginPath();
        ctx.moveTo(hx, hy);
        ctx.lineTo(hx - ux * head - uy * head * 0.5, hy - uy * head + ux * head * 0.5);
        ctx.lineTo(hx - ux * head + uy * head * 0.5, hy - uy * head - ux * head * 0.5);
        ctx.closePath();
        ctx.fill();
      });
    });
  }

  drawClip(ctx, L, c) {
    ctx.strokeStyle = "#6b7280";
    ctx.lineWidth = 2;
    ctx.setLineDash([8, 6]);
    ctx.beginPath();
    for (const p of [c, -c]) {
      const [, y] = this.toPixel(L, 0, p);
      ctx.moveTo(L.ml, y);
      ctx.lineTo(L.ml + L.plotW, y);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = `${L.font}px ${FONT}`;
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    const [, y] = this.toPixel(L, 0, c);
    haloText(ctx, "clipping: |ψ| ≤ c", L.ml + L.plotW - 8, y - 3, "#374151");
  }

  drawEquilibrium(ctx, L) {
    const r = Math.max(12, L.font * 0.8);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = "#111";
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.arc(L.cx, L.cy, r, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.font = `700 ${L.font}px ${FONT}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    haloText(ctx, "equilibrium (0, 0)", L.cx + r * 0.8, L.cy + r * 0.8, "#111");
  }

  /** The run's path in pixels, skipping points under a pixel apart (long runs stay cheap). */
  pathPixels(L, run, upto) {
    const key = `${run.gen}|${this.half}|${L.w}x${L.h}`;
    let c = this.cache.get(run);
    if (!c || c.key !== key || c.upto > upto) {
      const [x, y] = this.toPixel(L, run.theta[0], run.psi[0]);
      c = { key, upto: 0, xs: [x], ys: [y] };
      this.cache.set(run, c);
    }
    for (let s = c.upto + 1; s <= upto; s++) {
      const [x, y] = this.toPixel(L, run.theta[s], run.psi[s]);
      const n = c.xs.length;
      if (Math.abs(x - c.xs[n - 1]) + Math.abs(y - c.ys[n - 1]) >= 0.75) {
        c.xs.push(x);
        c.ys.push(y);
      }
    }
    c.upto = upto;
    return c;
  }

  drawPath(ctx, L, run, i, step) {
    const upto = run.at(step);
    const c = this.pathPixels(L, run, upto);
    const style = RUN_STYLES[i];
    ctx.beginPath();
    ctx.moveTo(c.xs[0], c.ys[0]);
    for (let k = 1; k < c.xs.length; k++) ctx.lineTo(c.xs[k], c.ys[k]);
    const [x, y] = this.toPixel(L, run.theta[upto], run.psi[upto]);
    ctx.lineTo(x, y);
    ctx.lineJoin = "round";
    ctx.lineWidth = Math.max(2.5, L.font / 6.5);
    ctx.strokeStyle = style.color;
    ctx.setLineDash([]);
    ctx.stroke();
  }

  drawStart(ctx, L, runs) {
    const seen = new Set();
    ctx.font = `${L.font}px ${FONT}`;
    runs.forEach((run) => {
      const k = `${run.config.theta},${run.config.psi}`;
      if (seen.has(k)) return;
      seen.add(k);
      const [x, y] = this.toPixel(L, run.config.theta, run.config.psi);
      ctx.beginPath();
      ctx.arc(x, y, 6, 0, 2 * Math.PI);
      ctx.fillStyle = "#fff";
      ctx.fill();
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#111";
      ctx.stroke();
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      haloText(ctx, "start", x + 9, y - 4, "#111");
    });
  }

  drawFrame(ctx, L) {
    const box = this.box();
    ctx.strokeStyle = "#6b7280";
    ctx.lineWidth = 1.5;
    ctx.strokeRect(L.ml, L.mt, L.plotW, L.plotH);
    ctx.fillStyle = "#111";
    ctx.font = `${L.font}px ${FONT}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of niceTicks(box.theta_lo, box.theta_hi, L.plotW / 90)) {
      const [x] = this.toPixel(L, t, 0);
      ctx.fillText(fmtTick(t), x, L.mt + L.plotH + 5);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const p of niceTicks(box.psi_lo, box.psi_hi, L.plotH / 70)) {
      const [, y] = this.toPixel(L, 0, p);
      ctx.fillText(fmtTick(p), L.ml - 6, y);
    }
    ctx.font = `700 ${L.font + 1}px ${FONT}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    // the axes' names, with what they mean where there is room
    const fit = (long, short, room) => (ctx.measureText(long).width <= room ? long : short);
    ctx.fillText(fit("θ  (generator: where G puts its point)", "θ  (generator)", L.plotW), L.cx, L.h - 2);
    ctx.save();
    ctx.translate(L.font * 1.1, L.cy);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(fit("ψ  (discriminator: D(x) = ψx)", "ψ  (discriminator)", L.plotH), 0, 0);
    ctx.restore();
  }
}
