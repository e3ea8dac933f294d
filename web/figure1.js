// Figure 1 of Goodfellow et al. (2014), drawn the paper's way from one frame:
// z line at the bottom, x line above it, lines z → G(z), densities and D(x) above.
// Drawing only: every number comes from the server's frame.

import { fitCanvas, fmtTick, haloText, niceTicks, tracePath } from "./canvas.js";
import { classColour, colourMeaning, groupByLabel, paletteRGB, traceDot } from "./classes.js";
import { has, mapValues } from "./frames.js";
import { regionStrength } from "./regions.js";
import { kindOfFrame, tickText } from "./kinds.js";

export const COLORS = {
  data: "#111111",
  pg: "#0b8a2f",
  pgGhost: "rgba(11,138,47,0.30)",
  d: "#1d4ed8",
  dstar: "#9333ea",
  map: "rgba(11,138,47,0.55)",
  fan: "rgba(11,138,47,0.07)",
  before: "rgba(55,65,81,0.42)", // panel (c): G's mapping before its updates
  move: "#c2410c", // panel (c): arrows from G(z) before to G(z) after
  axis: "#222222",
  half: "#8a8a8a",
  muted: "#666666",
};

const FONT = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';

function maxOf(arr) {
  let m = 0;
  for (const v of arr || []) if (has(v) && v > m) m = v;
  return m;
}

function argMax(arr) {
  let best = 0;
  for (let i = 1; i < (arr || []).length; i++) if (has(arr[i]) && (!has(arr[best]) || arr[i] > arr[best])) best = i;
  return best;
}

/** A density where it is known, else 0 (arrays hold NaN, or null in the tour's panels). */
const orZero = (v) => (has(v) ? v : 0);

// Deterministic jitter so dots do not flicker from frame to frame.
function jitter(i) {
  const s = Math.sin(i * 12.9898) * 43758.5453;
  return s - Math.floor(s) - 0.5;
}

/**
 * Draw `frame` on `canvas`.
 * opts.show: {pdata, dstar, samples}; opts.compact: small-multiple style;
 * opts.ghost: an earlier frame whose p_g is drawn faintly; opts.before: an earlier frame whose
 * mapping is drawn faintly, with arrows from its G(z) to this frame's (panel c);
 * opts.emptyText: text when no frame;
 * opts.note: a short line of text in the top-left corner; opts.dRange: a StableRange that
 * keeps the axis of an unbounded D (a critic's score, the MMD witness) steady across frames.
 */
export function drawFigure1(canvas, frame, opts = {}) {
  const { ctx, w, h } = fitCanvas(canvas);
  const compact = !!opts.compact;
  const show = { pdata: true, dstar: true, samples: true, ...(opts.show || {}) };
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, w, h);
  if (!frame || !frame.x) {
    ctx.fillStyle = COLORS.muted;
    ctx.font = `${compact ? 16 : 18}px ${FONT}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(opts.emptyText || "waiting for the lab…", w / 2, h / 2);
    return;
  }

  // font size: larger in presentation mode and in the large panel (CSS --fig-scale)
  const scale = parseFloat(getComputedStyle(canvas).getPropertyValue("--fig-scale")) || 1;
  const fs = Math.round((compact ? 11 : 15) * scale);
  const kind = kindOfFrame(frame);
  const padL = compact ? 8 : Math.round(58 * scale);
  // the second network's scale: [0, 1] for a probability, else its own range (right axis)
  const [dLo, dHi] = kind.bounded ? [0, 1] : dRangeOf(frame, opts.dRange, kind.key);
  const dTicks = kind.bounded ? null : niceTicks(dLo, dHi, 4);
  const dStep = dTicks && dTicks.length > 1 ? dTicks[1] - dTicks[0] : dHi - dLo;
  let padR = compact ? 8 : 44;
  if (!compact && dTicks) {
    ctx.font = `${fs}px ${FONT}`;
    padR = Math.max(44, 14 + Math.max(...dTicks.map((t) => ctx.measureText(tickText(t, dStep)).width)));
  }
  const top = compact ? 8 : 14;
  const zY = h - (compact ? 8 : Math.round(32 * scale));
  const xY = Math.round(top + (zY - top) * (compact ? 0.66 : 0.68));
  const plotTop = top;
  const xL = padL;
  const xR = w - padR;
  const [vLo, vHi] = frame.view;
  const [zLo, zHi] = frame.z_view;
  const X = (v) => xL + ((v - vLo) / (vHi - vLo)) * (xR - xL);
  const Z = (v) => xL + ((v - zLo) / (zHi - zLo)) * (xR - xL);
  // Density scale: fixed by p_data so the target keeps its size; tall p_g is clipped.
  const pMax = maxOf(frame.p_data) || maxOf(frame.p_g) || 1;
  const yMax = pMax * 1.3;
  // frames' arrays may be typed arrays with NaN (binary frames) or lists with null (the tour's
  // JSON panels): both are missing values; curves are mapped into plain arrays (mapValues)
  const dens = (p) => (!has(p) ? null : xY - (Math.min(p, yMax * 1.02) / yMax) * (xY - plotTop));
  const prob = (p) => (!has(p) ? null : xY - ((p - dLo) / (dHi - dLo)) * (xY - plotTop));
  const xs = mapValues(frame.x, X);
  canvas.dataset.dAxis = `${kind.key} ${dLo} ${dHi}`; // for tests and curious readers

  ctx.save();
  ctx.beginPath();
  ctx.rect(xL - 1, plotTop - 2, xR - xL + 2, zY - plotTop + 4);
  ctx.clip();

  // Reference for D: ½ (cannot tell), 0 for the witness (balance); none for a critic,
  // whose level is arbitrary (only differences of scores matter).
  if (kind.key !== "critic" && kind.centre >= dLo && kind.centre <= dHi) {
    ctx.setLineDash([2, 4]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = COLORS.half;
    ctx.beginPath();
    ctx.moveTo(xL, prob(kind.centre));
    ctx.lineTo(xR, prob(kind.centre));
    ctx.stroke();
    ctx.setLineDash([]);
  }

  // With several noise dimensions a line from z₁ is not one x: a light fan from z₁ to the
  // 5–95 % range of G(z₁, other dimensions) shows the spread the line leaves out.
  if (frame.mapping_z && frame.mapping_lo && frame.mapping_hi) {
    ctx.fillStyle = COLORS.fan;
    for (let i = 0; i < frame.mapping_z.length; i++) {
      let lo = frame.mapping_lo[i];
      let hi = frame.mapping_hi[i];
      if (!has(lo) || !has(hi) || hi < vLo || lo > vHi) continue;
      lo = Math.max(lo, vLo);
      hi = Math.min(hi, vHi);
      const zx = Z(frame.mapping_z[i]);
      ctx.beginPath();
      ctx.moveTo(zx, zY);
      ctx.lineTo(X(lo) - 0.5, xY);
      ctx.lineTo(X(hi) + 0.5, xY);
      ctx.closePath();
      ctx.fill();
    }
  }

  // Mapping lines z → G(z), the generator as the paper draws it.
  // Lines whose G(z) is outside the view end at the edge, dashed, with a count.
  let leftOut = 0;
  let rightOut = 0;
  if (frame.mapping_z && frame.mapping_x) {
    ctx.strokeStyle = COLORS.map;
    ctx.lineWidth = compact ? 0.9 : 1.4;
    ctx.beginPath();
    const outside = new Path2D();
    for (let i = 0; i < frame.mapping_z.length; i++) {
      const gz = frame.mapping_x[i];
      if (!has(gz)) continue;
      const zx = Z(frame.mapping_z[i]);
      if (gz < vLo || gz > vHi) {
        if (gz < vLo) leftOut++;
        else rightOut++;
        outside.moveTo(zx, zY);
        outside.lineTo(gz < vLo ? xL : xR, xY);
        continue;
      }
      ctx.moveTo(zx, zY);
      ctx.lineTo(X(gz), xY);
    }
    ctx.stroke();
    ctx.setLineDash([4, 4]);
    ctx.stroke(outside);
    ctx.setLineDash([]);
  }

  // Panel (c): G's mapping before its updates, faint, and arrows to where G(z) went.
  if (opts.before?.mapping_x && frame.mapping_x) drawMoves(ctx, opts.before, frame, { X, Z, xY, zY, vLo, vHi, compact });

  // Faint earlier p_g (panel c shows where G was before its update).
  if (opts.ghost && opts.ghost.p_g) {
    ctx.strokeStyle = COLORS.pgGhost;
    ctx.lineWidth = compact ? 2.5 : 4;
    tracePath(ctx, mapValues(opts.ghost.x, X), mapValues(opts.ghost.p_g, dens));
    ctx.stroke();
  }

  // p_data: black dotted.
  if (show.pdata) {
    ctx.strokeStyle = COLORS.data;
    ctx.lineWidth = compact ? 2 : 3;
    ctx.lineCap = "round";
    ctx.setLineDash(compact ? [0.5, 4] : [0.5, 6]);
    tracePath(ctx, xs, mapValues(frame.p_data, dens));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineCap = "butt";
  }

  // p_g: solid green.
  ctx.strokeStyle = COLORS.pg;
  ctx.lineWidth = compact ? 2.2 : 3.5;
  ctx.lineJoin = "round";
  tracePath(ctx, xs, mapValues(frame.p_g, dens));
  ctx.stroke();

  // D and D* stay in the band above the x line, whatever their scale.
  ctx.save();
  ctx.beginPath();
  ctx.rect(xL - 1, plotTop - 2, xR - xL + 2, xY - plotTop + 2);
  ctx.clip();
  // D*: thin purple dotted (only where theory gives an optimum: the frame's d_star).
  if (show.dstar && frame.d_star) {
    ctx.strokeStyle = COLORS.dstar;
    ctx.lineWidth = compact ? 1.2 : 1.8;
    ctx.setLineDash([1.5, 3]);
    // D* only where there is some mass: far in the empty tails it is 0/0 in all but name.
    const floor = 0.002 * pMax;
    const dStar = mapValues(frame.d_star, (v, i) => (orZero(frame.p_data[i]) + orZero(frame.p_g[i]) > floor ? prob(v) : null));
    tracePath(ctx, xs, dStar);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  // D(x): dashed blue on its scale (0..1 for a probability).
  ctx.strokeStyle = COLORS.d;
  ctx.lineWidth = compact ? 2 : 3;
  ctx.setLineDash(compact ? [5, 3] : [9, 6]);
  tracePath(ctx, xs, mapValues(frame.d, prob));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.restore();

  // The semi-supervised D's classes: a strip under the x line, each bin in its class's colour
  // (paler where D is less sure), the labelled-only classifier's boundaries dashed across it.
  if (frame.classifier?.d) drawClassStrip(ctx, frame, { X, xY, compact, vLo, vHi });

  // Samples: black = real (just above the x line), green = generated (just below); with
  // classes (or InfoGAN's codes) in their colours, real round, fakes diamonds.
  const meaning = colourMeaning(frame);
  if (show.samples && meaning) {
    const realLabels = meaning === "class" ? frame.real_labels : null;
    drawClassDots1d(ctx, frame.real, realLabels, xY - (compact ? 4 : 7), false, { X, compact });
    if (frame.fake_labels) drawClassDots1d(ctx, frame.fake, frame.fake_labels, xY + (compact ? 4 : 7), true, { X, compact });
    else drawClassDots1d(ctx, frame.fake, null, xY + (compact ? 4 : 7), true, { X, compact, colour: COLORS.pg });
    if (frame.labelled?.xy) drawLabelled1d(ctx, frame.labelled, xY - (compact ? 4 : 7), { X, compact });
  } else if (show.samples) {
    const r = compact ? 1.6 : 2.6;
    const band = compact ? 3 : 5;
    const drawDots = (vals, y0, color) => {
      ctx.fillStyle = color;
      ctx.beginPath();
      (vals || []).forEach((v, i) => {
        if (!has(v)) return;
        const px = X(v);
        const py = y0 + jitter(i + (color === COLORS.pg ? 1000 : 0)) * band;
        ctx.moveTo(px + r, py);
        ctx.arc(px, py, r, 0, Math.PI * 2);
      });
      ctx.fill();
    };
    drawDots(frame.real, xY - (compact ? 4 : 7), "rgba(17,17,17,0.75)");
    drawDots(frame.fake, xY + (compact ? 4 : 7), COLORS.pg);
  }
  ctx.restore();

  // Axes: x line and z line.
  ctx.strokeStyle = COLORS.axis;
  ctx.lineWidth = compact ? 1.2 : 2;
  ctx.beginPath();
  ctx.moveTo(xL, xY);
  ctx.lineTo(xR, xY);
  ctx.moveTo(xL, zY);
  ctx.lineTo(xR, zY);
  ctx.stroke();

  // Direct labels at each curve's peak; p_g taller than the drawing is marked off scale.
  const gMax = maxOf(frame.p_g);
  const gPeak = xs[argMax(frame.p_g)];
  ctx.font = `${compact ? "" : "bold "}${fs}px ${FONT}`;
  ctx.textBaseline = "bottom";
  if (gMax > yMax && !compact) {
    ctx.textAlign = gPeak > (xL + xR) / 2 ? "right" : "left";
    const dx = gPeak > (xL + xR) / 2 ? -6 : 6;
    haloText(ctx, "p_g ↑ (off scale)", gPeak + dx, plotTop + fs + 4, COLORS.pg);
  } else if (!compact && gMax > 0) {
    ctx.textAlign = "center";
    haloText(ctx, "p_g", gPeak, dens(gMax) - 4, COLORS.pg);
  }
  ctx.font = `${fs}px ${FONT}`;
  ctx.textBaseline = "middle";
  const outY = (xY + zY) / 2;
  if (leftOut) {
    ctx.textAlign = "left";
    haloText(ctx, compact ? `← ${leftOut}` : `← ${leftOut} of the lines: G(z) left of the view`, xL + 4, outY, COLORS.pg);
  }
  if (rightOut) {
    ctx.textAlign = "right";
    haloText(ctx, compact ? `${rightOut} →` : `${rightOut} of the lines: G(z) right of the view →`, xR - 4, outY + (leftOut ? fs + 4 : 0), COLORS.pg);
  }
  if (opts.note) {
    ctx.font = `${fs}px ${FONT}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    haloText(ctx, opts.note, xL + 2, plotTop, COLORS.axis);
  }
  if (compact) return;
  if (show.pdata) {
    const pPeak = xs[argMax(frame.p_data)];
    const left = Math.abs(pPeak - gPeak) < 60 && gPeak >= pPeak;
    ctx.textAlign = left ? "right" : "left";
    // to the left of the peaks, clear of the p_g label centred on its own peak
    ctx.font = `bold ${fs}px ${FONT}`;
    const gHalf = ctx.measureText("p_g").width / 2;
    ctx.font = `${fs}px ${FONT}`;
    const x = left ? Math.min(pPeak - 10, gPeak - gHalf - 8) : pPeak + 10;
    haloText(ctx, "p_data", x, dens(pMax) - 2, COLORS.data);
  }
  const dLast = frame.d[frame.d.length - 1];
  if (has(dLast)) {
    const high = dLast > (dLo + dHi) / 2;
    ctx.textAlign = "right";
    ctx.textBaseline = high ? "top" : "bottom";
    haloText(ctx, kind.fn, xR - 4, Math.min(Math.max(prob(dLast), plotTop), xY) + (high ? 6 : -6), COLORS.d);
  }

  // Labels and ticks (main figure only).
  ctx.font = `${fs}px ${FONT}`;
  ctx.fillStyle = COLORS.axis;
  ctx.textBaseline = "top";
  ctx.textAlign = "center";
  ctx.lineWidth = 1.5;
  // One tick mark per value on an axis at height y; `label` writes the tick's text.
  const ticks = (values, toPx, y, label) => {
    for (const t of values) {
      const px = toPx(t);
      ctx.beginPath();
      ctx.moveTo(px, y);
      ctx.lineTo(px, y + 5);
      ctx.stroke();
      label(fmtTick(t), px);
    }
  };
  ticks(niceTicks(vLo, vHi, 9), X, xY, (text, px) => haloText(ctx, text, px, xY + 13, COLORS.axis));
  ticks(niceTicks(zLo, zHi, 8), Z, zY, (text, px) => {
    ctx.fillStyle = COLORS.axis;
    ctx.fillText(text, px, zY + 8);
  });
  ctx.font = `bold ${fs + 3}px ${FONT}`;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  ctx.fillStyle = COLORS.axis;
  ctx.fillText("x", xL - 10, xY);
  ctx.fillText(frame.noise_dim > 1 ? "z₁" : "z", xL - 10, zY);
  ctx.font = `${fs - 2}px ${FONT}`;
  ctx.fillStyle = COLORS.muted;
  ctx.fillText("data", xL - 10, xY - Math.round(19 * scale));
  ctx.fillText("noise", xL - 10, zY - Math.round(19 * scale));

  // Right axis: D(x) probability, or the score's / witness's own scale.
  ctx.font = `${fs}px ${FONT}`;
  ctx.textAlign = "left";
  ctx.fillStyle = COLORS.d;
  if (!dTicks) {
    ctx.fillText("1", xR + 8, prob(1) + 2);
    ctx.fillText("½", xR + 8, prob(0.5));
    ctx.fillText("0", xR + 8, prob(0) - 8);
  } else {
    ctx.strokeStyle = COLORS.d;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(xR + 1, plotTop);
    ctx.lineTo(xR + 1, xY);
    for (const t of dTicks) {
      ctx.moveTo(xR + 1, prob(t));
      ctx.lineTo(xR + 5, prob(t));
    }
    ctx.stroke();
    ctx.textBaseline = "middle";
    for (const t of dTicks) ctx.fillText(tickText(t, dStep), xR + 8, Math.min(Math.max(prob(t), plotTop + 6), xY - 8));
  }
  ctx.save();
  ctx.translate(Math.round(14 * scale), (plotTop + xY) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillStyle = COLORS.muted;
  ctx.fillText("density", 0, 0);
  ctx.restore();
}

/** Sample dots on a band around y0 (the plain GAN's jitter): in their label's colour, or
 * `colour` (black for unlabelled real data) where there is no label; fakes are diamonds. */
function drawClassDots1d(ctx, vals, labels, y0, fake, g) {
  const { X, compact } = g;
  const r = (compact ? 1.7 : 3) * (fake ? 1.2 : 1);
  const band = compact ? 3 : 5;
  const n = (vals || []).length;
  const groups = labels ? groupByLabel(labels, n) : new Map([[null, Array.from({ length: n }, (_, i) => i)]]);
  ctx.save();
  ctx.lineJoin = "round";
  for (const [k, idx] of groups) {
    ctx.beginPath();
    for (const i of idx) {
      const v = vals[i];
      if (!has(v)) continue;
      const px = X(v);
      const py = y0 + jitter(i + (fake ? 1000 : 0)) * band;
      traceDot(ctx, px, py, r, fake);
    }
    if (k != null && !compact) {
      ctx.strokeStyle = "rgba(17,17,17,0.75)"; // under the fill: one outline around overlaps
      ctx.lineWidth = 1.8;
      ctx.stroke();
    }
    ctx.fillStyle = k == null ? g.colour || "rgba(17,17,17,0.8)" : classColour(k);
    ctx.fill();
  }
  ctx.restore();
}

/** The semi-supervised labelled points: big dots in their class's colour, ringed. */
function drawLabelled1d(ctx, labelled, y, g) {
  const { X, compact } = g;
  const r = compact ? 3 : 6;
  ctx.save();
  for (const [k, idx] of groupByLabel(labelled.labels, labelled.xy.length)) {
    ctx.beginPath();
    for (const i of idx) {
      if (!has(labelled.xy[i])) continue;
      const px = X(labelled.xy[i]);
      ctx.moveTo(px + r, y);
      ctx.arc(px, y, r, 0, Math.PI * 2);
    }
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 5;
    ctx.stroke();
    ctx.fillStyle = classColour(k);
    ctx.fill();
    ctx.strokeStyle = "#111";
    ctx.lineWidth = compact ? 1.2 : 2;
    ctx.stroke();
  }
  ctx.restore();
}

/** D's class per x bin as a strip under the x line; dashed ticks where the labelled-only
 * classifier's class changes. */
function drawClassStrip(ctx, frame, g) {
  const { X, xY, compact } = g;
  const { d, confidence, baseline } = frame.classifier;
  const xs = frame.x;
  const n = Math.min(xs.length, d.length);
  if (n < 2) return;
  const top = xY + 1;
  const h = compact ? 4 : 11;
  const K = frame.n_classes || 2;
  const half = (X(xs[1]) - X(xs[0])) / 2;
  for (let i = 0; i < n; i++) {
    const [r, gr, b] = paletteRGB(Math.round(d[i]));
    const a = regionStrength(confidence ? confidence[i] : 1, K);
    ctx.fillStyle = `rgb(${Math.round(255 + (r - 255) * a)}, ${Math.round(255 + (gr - 255) * a)}, ${Math.round(255 + (b - 255) * a)})`;
    ctx.fillRect(X(xs[i]) - half, top, 2 * half + 0.5, h);
  }
  if (!baseline) return;
  ctx.save();
  ctx.setLineDash(compact ? [2, 2] : [4, 3]);
  ctx.strokeStyle = "#1f2937";
  ctx.lineWidth = compact ? 1 : 2;
  ctx.beginPath();
  for (let i = 1; i < n; i++) {
    if (baseline[i] === baseline[i - 1]) continue;
    const px = X(xs[i]) - half;
    ctx.moveTo(px, xY - (compact ? 8 : 18));
    ctx.lineTo(px, top + h + (compact ? 2 : 4));
  }
  ctx.stroke();
  ctx.restore();
}

/**
 * Where G(z) moved between two frames (panel c: before and after G's updates): the earlier
 * mapping lines, faint and dashed, and for a sample of the lines an arrow just under the x
 * line from G(z) before to G(z) after, in three staggered rows so that neighbours stay apart.
 */
function drawMoves(ctx, before, after, g) {
  const { X, Z, xY, zY, vLo, vHi, compact } = g;
  const n = Math.min(before.mapping_x.length, after.mapping_x.length, (before.mapping_z || after.mapping_z).length);
  const zs = before.mapping_z || after.mapping_z;
  const inView = (v) => has(v) && v >= vLo && v <= vHi;
  ctx.save();
  ctx.strokeStyle = COLORS.before;
  ctx.lineWidth = compact ? 0.8 : 1.3;
  ctx.setLineDash(compact ? [2, 2] : [4, 4]);
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const b = before.mapping_x[i];
    if (!inView(b)) continue;
    ctx.moveTo(Z(zs[i]), zY);
    ctx.lineTo(X(b), xY);
  }
  ctx.stroke();
  ctx.setLineDash([]);

  const gap = zY - xY;
  const rows = [0.28, 0.48, 0.68].map((f) => xY + f * gap);
  const every = Math.max(1, Math.round(n / (compact ? 9 : 13)));
  const head = compact ? 3.5 : 7;
  ctx.strokeStyle = COLORS.move;
  ctx.fillStyle = COLORS.move;
  ctx.lineWidth = compact ? 1.4 : 2.4;
  ctx.lineCap = "round";
  const lastStart = rows.map(() => -Infinity); // where each row's previous arrow starts
  for (let i = Math.floor(every / 2), k = 0; i < n; i += every) {
    const b = before.mapping_x[i];
    const a = after.mapping_x[i];
    if (!inView(b) || !inView(a)) continue;
    const bx = X(b);
    const ax = X(a);
    // G(z) bunched up (a young G): fewer arrows rather than a pile of heads
    const row = k % rows.length;
    if (Math.abs(bx - lastStart[row]) < head * 3) continue;
    lastStart[row] = bx;
    k++;
    const y = rows[row];
    ctx.beginPath();
    if (Math.abs(ax - bx) < head) {
      ctx.arc(ax, y, compact ? 1.6 : 2.6, 0, Math.PI * 2); // hardly moved: a dot
      ctx.fill();
      continue;
    }
    const dir = Math.sign(ax - bx);
    ctx.moveTo(bx, y);
    ctx.lineTo(ax, y);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(ax, y);
    ctx.lineTo(ax - dir * head * 1.4, y - head * 0.8);
    ctx.lineTo(ax - dir * head * 1.4, y + head * 0.8);
    ctx.closePath();
    ctx.fill();
  }
  ctx.restore();
}

/** The range of an unbounded D curve: where either density has mass (far out a critic
 * extrapolates without meaning), with D* where there is one; steadied by `stable`. */
function dRangeOf(frame, stable, key) {
  const pMax = maxOf(frame.p_data) || 1;
  const floor = 0.002 * pMax;
  let lo = Infinity;
  let hi = -Infinity;
  const take = (arr, all) => {
    (arr || []).forEach((v, i) => {
      if (!has(v)) return;
      if (!all && orZero(frame.p_data[i]) + orZero(frame.p_g[i]) <= floor) return;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    });
  };
  take(frame.d, false);
  if (!Number.isFinite(lo)) take(frame.d, true);
  take(frame.d_star, false);
  if (!Number.isFinite(lo)) return [-1, 1];
  // the reference level (0, or ½ for LSGAN) when it is near enough
  // not to squash the curve: the axis then reads "above / below" at a glance
  const centre = kindOfFrame(frame).centre;
  if (centre < lo && lo - centre < hi - lo) lo = centre;
  if (centre > hi && centre - hi < hi - lo) hi = centre;
  if (stable) return stable.follow(lo, hi, key);
  const pad = Math.max((hi - lo) * 0.12, 1e-3);
  return [lo - pad, hi + pad];
}
