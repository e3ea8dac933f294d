// The 2-D lab's main view, drawn from one dim == 2 frame on two stacked canvases:
// the bottom one holds the discriminator's heatmap (an image, see heatmap.js), the top one
// the axes, the generator's mesh, the samples, the gradient arrows and the mode centres.
// Everything is batched into a few paths per layer: no DOM node per point.

import { fitCanvas, fmtTick, haloText, niceTicks } from "./canvas.js";
import { classColour, colourMeaning, groupByLabel, paletteColour, traceDot } from "./classes.js";
import { DRAW_AREA } from "./drawing.js";
import { has } from "./frames.js";
import { HeatmapImage } from "./heatmap.js";
import { kindOfFrame } from "./kinds.js";
import { boundaryPolylines, RegionsImage } from "./regions.js";

export const COLORS_2D = {
  real: "#111111",
  fake: "#0a7a2a",
  mesh: "rgba(31, 41, 55, 0.5)", // dark neutral: visible on both ends of the heatmap
  arrow: "#e8590c",
  mode: "#111111",
  axis: "#222222",
  muted: "#555555",
  drawn: "#111111",
  outline: "rgba(17,17,17,0.85)", // around the dots drawn in class colours (a yellow one too)
};

/** What the model layers read besides the frame: the InfoGAN walk's step (null: c′₁ = 0) and
 * the class → colour map of a drawing in colours (classes.js). One object shared by every
 * View2D, so a copy (the export's) draws what the page shows. */
export const MODEL_VIEW = { walkStep: null, classMap: null };

/** The layers, each a checkbox in the page (drawing order: see View2D.draw); a layer with
 * `model` exists only for that model, one with `notFor` not for that one (the page lists
 * each only where it exists). */
export const LAYERS = [
  { key: "heatmap", label: "D(x) heatmap", tip: "The discriminator's verdict at every point: purple = it says real, green = it says fake, white = it cannot tell (D = ½)" },
  {
    key: "regions",
    label: "D's classes",
    model: "semi-supervised",
    tip: "The class D gives each point, in its class's colour (paler where D is less sure; they cover the D(x) heatmap). Dashed: the boundary of the same network trained on the labelled points alone",
  },
  {
    key: "manifold",
    label: "G's mesh",
    notFor: "infogan", // G(·, c, c′) has a mesh per code: the walk takes its place
    tip: "A grid laid over the noise z, carried through G: where the mesh bunches up, G puts many samples (conditional GAN: of the class picked)",
  },
  { key: "real", label: "real samples", tip: "Samples of the data distribution p_data (black, or round dots in their class's colour)" },
  { key: "labelled", label: "labelled data", model: "semi-supervised", tip: "The only points whose class D is told: big dots with a dark ring, in their class's colour" },
  { key: "fake", label: "fake samples", tip: "Samples G(z) of the generator (green dots, or diamonds in the colour of the class or code G was given); they move only when G is updated" },
  {
    key: "walk",
    label: "walk c′₁",
    model: "infogan",
    tip: "InfoGAN: a few fixed noise points per code as the continuous code c′₁ slides from −1 to 1 (faint lines: the whole walk; big dots: the slider's value)",
  },
  { key: "gradients", label: "G's gradients", tip: "The direction each fake sample would move in a generator update (arrows scaled for display)" },
  { key: "modes", label: "mode centres", tip: "Centres of the data's modes, with a dashed circle of 3 standard deviations (a sample inside is 'high quality')" },
];

const FONT = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';
const ARROW_SHARE = 0.06; // a typical gradient arrow is 6% of the view's width
const EMPHASIS_MS = 1400;

function percentile(sorted, q) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}

/** One path of circles of radius r (pixels) around flat data pairs x0, y0, x1, y1, …
 * (a typed array from a binary frame; a pair with a missing value, NaN, is left out) */
function traceCircles(ctx, g, flat, r) {
  ctx.beginPath();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (!has(flat[i]) || !has(flat[i + 1])) continue;
    const px = g.X(flat[i]);
    const py = g.Y(flat[i + 1]);
    ctx.moveTo(px + r, py);
    ctx.arc(px, py, r, 0, Math.PI * 2);
  }
}

/** One polyline through `count` points; point k is (xy[at(k)], xy[at(k) + 1]) in data units
 * (g.X, g.Y map them to pixels); a point with a missing value (NaN) breaks the line. */
function tracePolyline(ctx, g, xy, count, at) {
  let pen = false;
  for (let k = 0; k < count; k++) {
    const i = at(k);
    if (!has(xy[i]) || !has(xy[i + 1])) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(g.X(xy[i]), g.Y(xy[i + 1]));
    else ctx.moveTo(g.X(xy[i]), g.Y(xy[i + 1]));
    pen = true;
  }
}

export class View2D {
  constructor(heatCanvas, mainCanvas) {
    this.heatCanvas = heatCanvas;
    this.mainCanvas = mainCanvas;
    this.heat = new HeatmapImage();
    this.layers = { heatmap: true, regions: true, manifold: true, real: true, labelled: true, fake: true, walk: true, gradients: false, modes: true };
    this.regions = new RegionsImage();
    this.modelView = MODEL_VIEW;
    this.frame = null;
    this.drawing = null; // a Drawing while in draw mode
    this.emph = null; // {keys: Set, until: ms}: layers a click on the overview points at
    this.emptyText = "waiting for the lab…";
    this.geom = null;
    this.dirty = true;
    this.scale = { key: null, centre: 0.5, half: 0.5 }; // the heatmap's colour scale
    this.onScale = null; // called with the scale when it changes (the legend follows)
    this.run = 0; // bumped on each new run: an unbounded scale starts afresh
  }

  /** The heatmap's colour scale for `frame`: a probability spans [0, 1]; a score or the
   * witness spans centre ± half (centre: ½ for LSGAN, 0 for the witness, for a critic the
   * midpoint of its mean real and fake scores, see kinds.js), half a robust max
   * |value − centre| (95th percentile over the grid), grown at once and shrunk only when
   * the values fill well under half of it. */
  heatScaleFor(frame) {
    const kind = kindOfFrame(frame);
    const key = `${kind.key}:${this.run}`;
    let { centre, half } = this.scale;
    if (kind.bounded) {
      centre = 0.5;
      half = 0.5;
    } else {
      centre = kind.centre;
      const sc = frame.scalars || {};
      if (kind.heatCentre === "midpoint" && sc.d_real != null && sc.d_fake != null) {
        // midway between the mean scores of real and fake samples, smoothed over frames
        const mid = (sc.d_real + sc.d_fake) / 2;
        centre = key === this.scale.key && this.scale.mid != null ? this.scale.mid + 0.25 * (mid - this.scale.mid) : mid;
      }
      const d = frame.heatmap?.d || [];
      const dev = [];
      for (const v of d) if (has(v)) dev.push(Math.abs(v - centre));
      dev.sort((a, b) => a - b);
      let target = percentile(dev, 0.95);
      if (!(target > 0)) target = 1e-3;
      if (key !== this.scale.key || target > half || target < 0.5 * half) half = target * 1.1;
    }
    if (key !== this.scale.key || centre !== this.scale.centre || half !== this.scale.half) {
      this.scale = { key, kind, centre, half, mid: kind.heatCentre === "midpoint" ? centre : null };
      this.onScale?.(this.scale);
    }
    return this.scale;
  }

  setFrame(frame) {
    this.frame = frame;
    this.dirty = true;
  }

  setLayer(key, on) {
    this.layers[key] = on;
    this.dirty = true;
  }

  /** Make `keys` stand out for a moment (the others fade); the caller turns them on. */
  emphasise(keys) {
    this.emph = { keys: new Set(keys), until: performance.now() + EMPHASIS_MS };
    this.dirty = true;
  }

  /** True while something animates and the view needs drawing every display frame. */
  get animating() {
    return !!this.emph;
  }

  /** Canvas pixel (CSS px, relative to the canvas) → data coordinates, or null outside. */
  toData(px, py) {
    const g = this.geom;
    if (!g) return null;
    return [g.xLo + (px - g.x0) / g.scale, g.yHi - (py - g.y0) / g.scale];
  }

  draw(now = performance.now()) {
    this.dirty = false;
    if (this.emph && now > this.emph.until) this.emph = null;
    const heat = fitCanvas(this.heatCanvas);
    const main = fitCanvas(this.mainCanvas);
    const { ctx: hctx, w, h } = heat;
    const ctx = main.ctx;
    hctx.fillStyle = "#ffffff";
    hctx.fillRect(0, 0, w, h);

    const frame = this.frame && this.frame.dim === 2 ? this.frame : null;
    const view = this.drawing ? DRAW_AREA : frame?.view;
    if (!view) {
      this.geom = null;
      ctx.fillStyle = COLORS_2D.muted;
      ctx.font = `18px ${FONT}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(this.emptyText, w / 2, h / 2);
      return;
    }
    // the type follows the page's (larger in presentation mode and on big screens)
    this.fontScale = parseFloat(getComputedStyle(this.mainCanvas).getPropertyValue("--fig-scale")) || 1;
    const g = this.layout(view, w, h);
    this.geom = g;

    if (this.drawing) {
      this.drawGrid(hctx, g);
      this.drawAxes(ctx, g);
      this.drawDrawing(ctx, g);
      return;
    }
    const scale = this.heatScaleFor(frame);
    if (this.layers.heatmap && this.heat.update(frame.heatmap, scale.centre, scale.half)) {
      hctx.save();
      hctx.globalAlpha = this.alpha("heatmap");
      hctx.imageSmoothingEnabled = true;
      hctx.drawImage(this.heat.canvas, g.x0, g.y0, g.x1 - g.x0, g.y1 - g.y0);
      hctx.restore();
    }
    const classMap = this.modelView.classMap;
    if (this.layers.regions && this.regions.update(frame.classifier, frame.n_classes, classMap)) {
      hctx.save();
      hctx.globalAlpha = this.alpha("regions");
      hctx.imageSmoothingEnabled = true;
      hctx.drawImage(this.regions.canvas, g.x0, g.y0, g.x1 - g.x0, g.y1 - g.y0);
      hctx.restore();
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(g.x0, g.y0, g.x1 - g.x0, g.y1 - g.y0);
    ctx.clip();
    // mode markers under the samples: with narrow modes the real dots sit right on them
    // (in grey when the dots wear class colours: the colours are what to look at)
    if (this.layers.modes && frame.modes) this.drawModes(ctx, g, frame.modes, !!colourMeaning(frame));
    if (this.layers.regions && frame.classifier) this.drawBoundary(ctx, g, frame.classifier);
    if (this.layers.manifold) this.drawMesh(ctx, g, frame.manifold);
    // with classes (or codes) the dots take their colours: real round, fakes diamonds
    const meaning = colourMeaning(frame);
    const real = () => {
      if (!this.layers.real) return;
      if (meaning === "class" && frame.real_labels) this.drawClassDots(ctx, g, frame.real, frame.real_labels, "real", classMap);
      else this.drawDots(ctx, g, frame.real, COLORS_2D.real, "real");
    };
    const fake = () => {
      if (!this.layers.fake) return;
      if (meaning && frame.fake_labels) this.drawClassDots(ctx, g, frame.fake, frame.fake_labels, "fake", meaning === "class" ? classMap : null);
      else this.drawDots(ctx, g, frame.fake, COLORS_2D.fake, "fake");
    };
    // the semi-supervised GAN's fakes have no class: they go under the data's colours
    if (frame.model === "semi-supervised") [fake, real].forEach((f) => f());
    else [real, fake].forEach((f) => f());
    if (this.layers.labelled && frame.labelled) this.drawLabelled(ctx, g, frame.labelled, classMap);
    if (this.layers.walk && frame.code_walk) this.drawWalk(ctx, g, frame.code_walk);
    if (this.layers.gradients) this.drawArrows(ctx, g, frame.fake, frame.gradients);
    ctx.restore();
    this.drawAxes(ctx, g);
  }

  // Data square with equal units on both axes, centred in the canvas, room for tick labels.
  layout(view, w, h) {
    const [[xLo, xHi], [yLo, yHi]] = view;
    const k = this.fontScale || 1;
    const padL = Math.round(40 * k);
    const padR = 10;
    const padT = 8;
    const padB = Math.round(30 * k);
    const pw = w - padL - padR;
    const ph = h - padT - padB;
    const scale = Math.max(1e-6, Math.min(pw / (xHi - xLo), ph / (yHi - yLo)));
    const x0 = padL + (pw - (xHi - xLo) * scale) / 2;
    const y0 = padT + (ph - (yHi - yLo) * scale) / 2;
    return {
      xLo, xHi, yLo, yHi, scale, x0, y0,
      x1: x0 + (xHi - xLo) * scale,
      y1: y0 + (yHi - yLo) * scale,
      X: (v) => x0 + (v - xLo) * scale,
      Y: (v) => y0 + (yHi - v) * scale,
    };
  }

  alpha(key) {
    return this.emph && !this.emph.keys.has(key) ? 0.18 : 1;
  }

  boost(key) {
    return this.emph && this.emph.keys.has(key) ? 1.6 : 1;
  }

  /** Start a stroked layer: its emphasis (fade or boost), colour and line width. */
  beginLayer(ctx, key, color, width) {
    ctx.globalAlpha = this.alpha(key);
    ctx.strokeStyle = color;
    ctx.lineWidth = width * this.boost(key);
    ctx.beginPath();
  }

  drawMesh(ctx, g, manifold) {
    if (!manifold || !manifold.xy) return;
    const { nu, nv, xy } = manifold;
    this.beginLayer(ctx, "manifold", COLORS_2D.mesh, 1.3);
    ctx.lineJoin = "round";
    // one polyline through `count` points of the grid; point k is xy[2 * at(k)]; a point
    // with a missing value (NaN) breaks the line
    const polyline = (count, at) => tracePolyline(ctx, g, xy, count, (k) => at(k) * 2);
    // rows (u varies fastest in the frame's layout), then columns
    for (let v = 0; v < nv; v++) polyline(nu, (u) => v * nu + u);
    if (nv > 1) for (let u = 0; u < nu; u++) polyline(nv, (v) => v * nu + u);
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  drawDots(ctx, g, flat, color, key) {
    if (!flat || !flat.length) return;
    const r = 3.2 * this.boost(key);
    ctx.globalAlpha = this.alpha(key);
    traceCircles(ctx, g, flat, r);
    // a white rim first, so dots stay visible on either end of the heatmap's palette
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  /** Dots in the colour of their label (class or code): real ones round, fakes diamonds,
   * each with a dark outline (so a pale colour shows on white) inside a white rim. One
   * path per colour. */
  drawClassDots(ctx, g, flat, labels, key, map) {
    if (!flat || !flat.length) return;
    const fake = key === "fake";
    const r = (fake ? 4.8 : 3.8) * this.boost(key);
    ctx.globalAlpha = this.alpha(key);
    ctx.lineJoin = "round";
    for (const [k, idx] of groupByLabel(labels, flat.length >> 1)) {
      ctx.beginPath();
      for (const i of idx) {
        const x = flat[2 * i];
        const y = flat[2 * i + 1];
        if (!has(x) || !has(y)) continue;
        const px = g.X(x);
        const py = g.Y(y);
        traceDot(ctx, px, py, r, fake);
      }
      // rims first, the fill over them: overlapping dots (a sharp mode) show one outline
      // around their union, not a tangle of outlines over their colour
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.lineWidth = 5;
      ctx.stroke();
      ctx.strokeStyle = COLORS_2D.outline;
      ctx.lineWidth = fake ? 2.6 : 2;
      ctx.stroke();
      ctx.fillStyle = classColour(k, map);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }

  /** The semi-supervised labelled points: big dots in their class's colour, ringed. */
  drawLabelled(ctx, g, labelled, map) {
    const { xy, labels } = labelled;
    if (!xy || !labels) return;
    const r = 7 * this.boost("labelled");
    ctx.globalAlpha = this.alpha("labelled");
    for (const [k, idx] of groupByLabel(labels, xy.length >> 1)) {
      ctx.beginPath();
      for (const i of idx) {
        if (!has(xy[2 * i]) || !has(xy[2 * i + 1])) continue;
        const px = g.X(xy[2 * i]);
        const py = g.Y(xy[2 * i + 1]);
        ctx.moveTo(px + r, py);
        ctx.arc(px, py, r, 0, Math.PI * 2);
      }
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 6;
      ctx.stroke();
      ctx.fillStyle = classColour(k, map);
      ctx.fill();
      ctx.strokeStyle = "#111111";
      ctx.lineWidth = 2.2;
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  /** The labelled-only classifier's boundary: dashed along the cell edges where its class
   * changes (classifier.baseline, on the heatmap's grid), on a white halo. */
  drawBoundary(ctx, g, classifier) {
    const { nx, ny, baseline } = classifier;
    if (!baseline || !(nx > 0 && ny > 0)) return;
    if (this.boundarySource !== baseline) {
      this.boundarySource = baseline;
      this.boundaryLines = boundaryPolylines(baseline, nx, ny);
    }
    const dx = (g.xHi - g.xLo) / nx;
    const dy = (g.yHi - g.yLo) / ny;
    ctx.beginPath();
    for (const line of this.boundaryLines) {
      line.forEach(([c, r], i) => {
        const px = g.X(g.xLo + c * dx);
        const py = g.Y(g.yLo + r * dy);
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      });
    }
    ctx.globalAlpha = this.alpha("regions");
    ctx.lineJoin = "round";
    ctx.strokeStyle = "rgba(255,255,255,0.85)";
    ctx.lineWidth = 4.5;
    ctx.stroke();
    ctx.setLineDash([7, 5]);
    ctx.strokeStyle = "#1f2937";
    ctx.lineWidth = 2.2;
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  /** InfoGAN's walk along c′₁: for each code and fixed z a faint line through G(z, c, c′₁)
   * as c′₁ goes from −1 to 1, and a big dot at the slider's step (MODEL_VIEW.walkStep). */
  drawWalk(ctx, g, walk) {
    const { codes, steps, points, xy } = walk;
    if (!xy || !(codes > 0 && steps > 0 && points > 0)) return;
    const at = (c, s, p) => ((c * steps + s) * points + p) * 2;
    const step = Math.min(steps - 1, Math.max(0, this.modelView.walkStep ?? Math.floor((steps - 1) / 2)));
    const r = 6.5 * this.boost("walk");
    ctx.globalAlpha = this.alpha("walk");
    ctx.lineJoin = "round";
    for (let c = 0; c < codes; c++) {
      const colour = paletteColour(c);
      ctx.beginPath();
      for (let p = 0; p < points; p++) {
        tracePolyline(ctx, g, xy, steps, (s) => at(c, s, p));
      }
      ctx.strokeStyle = colour;
      ctx.globalAlpha = 0.45 * this.alpha("walk");
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.globalAlpha = this.alpha("walk");
    }
    for (let c = 0; c < codes; c++) {
      ctx.beginPath();
      for (let p = 0; p < points; p++) {
        const i = at(c, step, p);
        if (!has(xy[i]) || !has(xy[i + 1])) continue;
        const px = g.X(xy[i]);
        const py = g.Y(xy[i + 1]);
        ctx.moveTo(px + r, py);
        ctx.arc(px, py, r, 0, Math.PI * 2);
      }
      // rims under the fill: one white-and-dark outline around each code's dots
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 7;
      ctx.stroke();
      ctx.strokeStyle = "#111111";
      ctx.lineWidth = 3.2;
      ctx.stroke();
      ctx.fillStyle = paletteColour(c);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }

  drawArrows(ctx, g, fake, grads) {
    if (!fake || !grads || grads.length < 2) return;
    const n = Math.min(fake.length, grads.length) >> 1;
    const mags = [];
    for (let i = 0; i < n; i++) mags.push(Math.hypot(grads[2 * i], grads[2 * i + 1]));
    const sorted = mags.filter(Number.isFinite).sort((a, b) => a - b);
    // a robust reference length (95th percentile), so one huge gradient does not shrink the rest
    const ref = percentile(sorted, 0.95);
    if (!(ref > 0)) return;
    const full = ARROW_SHARE * (g.x1 - g.x0); // pixels for a reference-length gradient
    const head = 4.5 * this.boost("gradients");
    this.beginLayer(ctx, "gradients", COLORS_2D.arrow, 1.7);
    ctx.lineCap = "round";
    for (let i = 0; i < n; i++) {
      const m = mags[i];
      if (!(m > 0) || !has(fake[2 * i]) || !has(fake[2 * i + 1])) continue;
      const len = Math.min(m / ref, 1.3) * full;
      const ux = grads[2 * i] / m;
      const uy = -grads[2 * i + 1] / m; // screen y points down
      const sx = g.X(fake[2 * i]);
      const sy = g.Y(fake[2 * i + 1]);
      const ex = sx + ux * len;
      const ey = sy + uy * len;
      ctx.moveTo(sx, sy);
      ctx.lineTo(ex, ey);
      if (len > head * 1.5) {
        ctx.moveTo(ex - head * (ux - uy * 0.6), ey - head * (uy + ux * 0.6));
        ctx.lineTo(ex, ey);
        ctx.lineTo(ex - head * (ux + uy * 0.6), ey - head * (uy - ux * 0.6));
      }
    }
    ctx.stroke();
    ctx.lineCap = "butt";
    ctx.globalAlpha = 1;
  }

  drawModes(ctx, g, modes, muted = false) {
    const c = modes.centres || [];
    const s = 9 * this.boost("modes"); // arms longer than a narrow mode's cluster of dots
    ctx.globalAlpha = this.alpha("modes");
    if (modes.radius != null) {
      const r = Math.max(3, modes.radius * g.scale);
      traceCircles(ctx, g, c, r);
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = "rgba(17,17,17,0.8)";
      ctx.lineWidth = 1.4 * this.boost("modes");
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.beginPath();
    for (let i = 0; i + 1 < c.length; i += 2) {
      const px = g.X(c[i]);
      const py = g.Y(c[i + 1]);
      ctx.moveTo(px - s, py - s);
      ctx.lineTo(px + s, py + s);
      ctx.moveTo(px - s, py + s);
      ctx.lineTo(px + s, py - s);
    }
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.lineWidth = muted ? 3.5 : 4.5;
    ctx.stroke();
    ctx.strokeStyle = muted ? "#6b7280" : COLORS_2D.mode;
    ctx.lineWidth = muted ? 1.5 : 2;
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  drawAxes(ctx, g) {
    ctx.strokeStyle = COLORS_2D.axis;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(g.x0, g.y0, g.x1 - g.x0, g.y1 - g.y0);
    const k = this.fontScale || 1;
    ctx.font = `${Math.round(14 * k)}px ${FONT}`;
    ctx.fillStyle = COLORS_2D.axis;
    ctx.beginPath();
    const xt = niceTicks(g.xLo, g.xHi, 6);
    const yt = niceTicks(g.yLo, g.yHi, 6);
    for (const t of xt) {
      ctx.moveTo(g.X(t), g.y1);
      ctx.lineTo(g.X(t), g.y1 + 5);
    }
    for (const t of yt) {
      ctx.moveTo(g.x0 - 5, g.Y(t));
      ctx.lineTo(g.x0, g.Y(t));
    }
    ctx.stroke();
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xt) ctx.fillText(fmtTick(t), g.X(t), g.y1 + 7);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of yt) ctx.fillText(fmtTick(t), g.x0 - 8, g.Y(t));
    // axis names between the last two ticks, where no tick label sits
    ctx.font = `italic bold ${Math.round(15 * k)}px ${FONT}`;
    ctx.fillStyle = COLORS_2D.muted;
    if (xt.length > 1) {
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.fillText("x₁", g.X((xt[xt.length - 1] + xt[xt.length - 2]) / 2), g.y1 + 7);
    }
    if (yt.length > 1) {
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ctx.fillText("x₂", g.x0 - 8, g.Y((yt[yt.length - 1] + yt[yt.length - 2]) / 2));
    }
  }

  // Draw mode: a faint unit grid on white so students can place points deliberately.
  drawGrid(ctx, g) {
    ctx.strokeStyle = "#e3e3e3";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let v = Math.ceil(g.xLo); v <= g.xHi; v++) {
      ctx.moveTo(g.X(v), g.y0);
      ctx.lineTo(g.X(v), g.y1);
    }
    for (let v = Math.ceil(g.yLo); v <= g.yHi; v++) {
      ctx.moveTo(g.x0, g.Y(v));
      ctx.lineTo(g.x1, g.Y(v));
    }
    ctx.stroke();
  }

  drawDrawing(ctx, g) {
    const pts = this.drawing.points;
    if (!pts.length) {
      ctx.font = `bold 18px ${FONT}`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      haloText(ctx, "Click or drag here to draw the data", (g.x0 + g.x1) / 2, (g.y0 + g.y1) / 2, COLORS_2D.muted);
      return;
    }
    // each point in the colour it was drawn in (its class, for the models that use classes)
    const r = 4;
    for (const [k, idx] of groupByLabel(this.drawing.classes, pts.length)) {
      ctx.beginPath();
      for (const i of idx) {
        const [x, y] = pts[i];
        ctx.moveTo(g.X(x) + r, g.Y(y));
        ctx.arc(g.X(x), g.Y(y), r, 0, Math.PI * 2);
      }
      ctx.strokeStyle = COLORS_2D.outline;
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.fillStyle = paletteColour(k);
      ctx.fill();
    }
  }
}
