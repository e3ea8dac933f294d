// The small chart under the Dirac-GAN's settings: each run's distance to the equilibrium
// (0, 0) over the steps, overlaid, in the run's colour and dash.

import { fitCanvas, haloText, niceTicks } from "./canvas.js";
import { RUN_STYLES } from "./dirac_marks.js";

const FONT = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';

function fmt(t) {
  return (Math.abs(t) >= 1e4 ? t.toExponential(0).replace("e+", "e") : String(+t.toPrecision(6))).replace(/^-/, "−");
}

export class DistanceChart {
  constructor(canvas) {
    this.canvas = canvas;
  }

  /** runs: DiracRun[]; step: the page's step (the x axis spans at least 50 steps). */
  draw(runs, step) {
    const { ctx, w, h } = fitCanvas(this.canvas);
    const font = w > 420 ? 17 : 15;
    const ml = font * 3.3;
    const mb = font * 2.7;
    const mt = 8;
    const mr = 12;
    const plotW = Math.max(10, w - ml - mr);
    const plotH = Math.max(10, h - mt - mb);
    const xmax = Math.max(50, step);
    // one sample a pixel column: the chart costs the same at step 100 and at step 100 000
    const cols = Math.max(2, Math.floor(plotW));
    const series = runs.map((run) => {
      const last = run.at(step);
      const xs = [];
      const ys = [];
      for (let c = 0; c <= cols; c++) {
        const s = Math.round((c / cols) * xmax);
        if (s > last) break;
        xs.push(s);
        ys.push(run.distance[s]);
      }
      if (xs[xs.length - 1] !== last) {
        xs.push(last);
        ys.push(run.distance[last]);
      }
      return { xs, ys };
    });
    // the scale follows the runs that have not diverged (a diverged one leaves at the top)
    const scaled = series.filter((_, i) => runs[i].divergedAt === null);
    let ymax = 0;
    for (const s of scaled.length ? scaled : series) for (const y of s.ys) if (Number.isFinite(y) && y > ymax) ymax = y;
    ymax = ymax > 0 ? ymax * 1.08 : 1;
    const X = (s) => ml + (s / xmax) * plotW;
    const Y = (d) => mt + plotH - (Math.min(d, ymax) / ymax) * plotH;

    ctx.font = `${font}px ${FONT}`;
    ctx.strokeStyle = "#e5e7eb";
    ctx.lineWidth = 1;
    ctx.fillStyle = "#111";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of niceTicks(0, ymax, Math.max(2, plotH / 40))) {
      ctx.beginPath();
      ctx.moveTo(ml, Y(t));
      ctx.lineTo(ml + plotW, Y(t));
      ctx.stroke();
      ctx.fillText(fmt(t), ml - 5, Y(t));
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of niceTicks(0, xmax, Math.max(2, plotW / 80))) ctx.fillText(fmt(t), X(t), mt + plotH + 4);
    ctx.fillText("step", ml + plotW / 2, mt + plotH + font + 8);
    ctx.strokeStyle = "#6b7280";
    ctx.lineWidth = 1.5;
    ctx.strokeRect(ml, mt, plotW, plotH);

    series.forEach(({ xs, ys }, i) => {
      const style = RUN_STYLES[i];
      ctx.beginPath();
      xs.forEach((s, k) => (k ? ctx.lineTo(X(s), Y(ys[k])) : ctx.moveTo(X(s), Y(ys[k]))));
      ctx.strokeStyle = style.color;
      ctx.lineWidth = 3;
      ctx.setLineDash(style.dash);
      ctx.stroke();
      ctx.setLineDash([]);
    });
    if (!runs.length) return;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.font = `600 ${font}px ${FONT}`;
    if (step === 0) haloText(ctx, "Play or Step to start", ml + 8, mt + 6, "#4b5563");
  }
}
