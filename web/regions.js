// The semi-supervised discriminator's decision regions, as a picture: each cell of the
// server's nx × ny grid (row 0 at y_min, like the heatmap) in the colour of the class D gives
// it, strong where D is sure and fading to white where it hesitates (near its boundary),
// painted once per frame with ImageData and scaled up with smoothing. Beside it, the
// boundary of the labelled-only classifier: the cell edges where its class changes, joined
// into polylines so that a dashed stroke runs on along them.

import { paletteRGB, paletteIndex } from "./classes.js";
import { GridImage } from "./heatmap.js";

/** How strongly a cell shows its class at confidence `c` (D's largest class probability)
 * with K classes: 1/K (a tie) → faint, 1 (sure) → strong. */
export function regionStrength(c, K) {
  if (!Number.isFinite(c)) return 0;
  const floor = 1 / Math.max(2, K);
  const t = Math.min(1, Math.max(0, (c - floor) / (1 - floor)));
  return 0.08 + 0.4 * t;
}

/** Keeps one small canvas with the latest regions; `update` repaints it from a frame. */
export class RegionsImage extends GridImage {
  constructor() {
    super();
    this.map = null;
  }

  /** Repaint from frame.classifier ({nx, ny, d, confidence}) with `K` classes; `map`: the
   * class → palette index map (classes.js); true when there is a picture. */
  update(classifier, K, map = null) {
    if (!classifier) return false;
    if (classifier === this.source && map === this.map) return true;
    const { nx, ny, d, confidence } = classifier;
    if (!(nx > 0 && ny > 0) || !d || d.length < nx * ny) return false;
    this.source = classifier;
    this.map = map;
    const rgb = new Map();
    this.paint(nx, ny, (cell, px, i) => {
      const k = d[cell];
      if (!rgb.has(k)) rgb.set(k, paletteRGB(paletteIndex(k, map)));
      const [r, g, b] = rgb.get(k);
      const a = regionStrength(confidence ? confidence[cell] : 1, K);
      // mixed with white (opaque): the regions hide D(x)'s heatmap under them
      px[i] = Math.round(255 + (r - 255) * a);
      px[i + 1] = Math.round(255 + (g - 255) * a);
      px[i + 2] = Math.round(255 + (b - 255) * a);
      px[i + 3] = 255;
    });
    return true;
  }
}

/**
 * The edges between cells of a class grid (nx × ny, row 0 at the bottom) whose classes
 * differ, joined into polylines of grid vertices [[col, row], …] (vertex (c, r) is the lower
 * left corner of cell (c, r)). Each edge is used once; a polyline ends where no unused edge
 * goes on.
 */
export function boundaryPolylines(classes, nx, ny) {
  if (!classes || classes.length < nx * ny) return [];
  const W = nx + 1; // vertices per row
  const adj = new Map(); // vertex id → ids of its neighbours along boundary edges
  const link = (a, b) => {
    if (!adj.has(a)) adj.set(a, []);
    if (!adj.has(b)) adj.set(b, []);
    adj.get(a).push(b);
    adj.get(b).push(a);
  };
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      const k = classes[r * nx + c];
      // the edge to the right neighbour: vertical, from (c+1, r) to (c+1, r+1)
      if (c + 1 < nx && classes[r * nx + c + 1] !== k) link(r * W + c + 1, (r + 1) * W + c + 1);
      // the edge to the neighbour above: horizontal, from (c, r+1) to (c+1, r+1)
      if (r + 1 < ny && classes[(r + 1) * nx + c] !== k) link((r + 1) * W + c, (r + 1) * W + c + 1);
    }
  }
  const used = new Set();
  const key = (a, b) => (a < b ? `${a}:${b}` : `${b}:${a}`);
  const walk = (start) => {
    const line = [start];
    let at = start;
    for (;;) {
      const next = (adj.get(at) || []).find((b) => !used.has(key(at, b)));
      if (next == null) break;
      used.add(key(at, next));
      line.push(next);
      at = next;
    }
    return line;
  };
  const lines = [];
  // start at the ends of open lines first (vertices of odd degree), then close the loops
  const starts = [...adj.keys()].sort((a, b) => (adj.get(a).length % 2) - (adj.get(b).length % 2)).reverse();
  for (const v of starts) {
    while ((adj.get(v) || []).some((b) => !used.has(key(v, b)))) {
      const line = walk(v);
      if (line.length > 1) lines.push(line.map((id) => [id % W, Math.floor(id / W)]));
    }
  }
  return lines;
}
