// The discriminator's decision surface as a picture: D(x) on the server's nx × ny grid,
// coloured through a diverging palette and painted with ImageData (one pixel per grid
// cell), then scaled up by drawImage with smoothing. No per-cell drawing calls.
// A probability maps 0 → green, ½ → white, 1 → purple; a critic's score or the MMD witness
// maps onto the same palette around its centre (0) on a symmetric scale `centre ± half`.

// ColorBrewer PRGn (purple–green), which stays distinguishable for the common kinds of
// colour blindness: green where D says "fake" (the colour of G's samples), purple where
// it says "real", near-white at D = 1/2. The ends stop short of the darkest classes so
// the sample dots on top stay readable.
export const PALETTE_STOPS = [
  [0.0, [77, 163, 88]], // D = 0: fake (between PRGn's #5aae61 and #1b7837)
  [0.25, [166, 219, 160]],
  [0.5, [247, 247, 247]], // D = 1/2: cannot tell
  [0.75, [194, 165, 207]],
  [1.0, [140, 81, 160]], // D = 1: real (between PRGn's #9970ab and #762a83)
];

function lerpStops(t) {
  for (let i = 1; i < PALETTE_STOPS.length; i++) {
    const [t1, c1] = PALETTE_STOPS[i];
    if (t <= t1) {
      const [t0, c0] = PALETTE_STOPS[i - 1];
      const a = (t - t0) / (t1 - t0);
      return c0.map((v, k) => Math.round(v + (c1[k] - v) * a));
    }
  }
  return PALETTE_STOPS[PALETTE_STOPS.length - 1][1];
}

// 256-entry lookup table, so painting a frame is one table read per cell.
const LUT = (() => {
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) out.set(lerpStops(i / 255), i * 3);
  return out;
})();

/** CSS colour of D = t (legend strips and swatches use the same palette). */
export function paletteCss(t) {
  const [r, g, b] = lerpStops(Math.min(1, Math.max(0, t)));
  return `rgb(${r}, ${g}, ${b})`;
}

/** A CSS linear-gradient from D = 0 (left) to D = 1 (right). */
export function paletteGradient() {
  const stops = PALETTE_STOPS.map(([t, [r, g, b]]) => `rgb(${r}, ${g}, ${b}) ${t * 100}%`);
  return `linear-gradient(to right, ${stops.join(", ")})`;
}

/** One small canvas holding an nx × ny grid of the server's cells (row 0 at y_min, the
 * bottom of the picture; images count from the top), painted with ImageData and scaled up
 * by whoever draws it. */
export class GridImage {
  constructor() {
    this.canvas = document.createElement("canvas");
    this.source = null;
  }

  /** Paint every cell: fill(k, px, i) writes the RGBA of the frame's cell k at px[i..i+3]. */
  paint(nx, ny, fill) {
    if (this.canvas.width !== nx || this.canvas.height !== ny) {
      this.canvas.width = nx;
      this.canvas.height = ny;
      this.image = null;
    }
    const ctx = this.canvas.getContext("2d");
    this.image ||= ctx.createImageData(nx, ny);
    const px = this.image.data;
    for (let row = 0; row < ny; row++) {
      const out = (ny - 1 - row) * nx;
      for (let col = 0; col < nx; col++) fill(row * nx + col, px, (out + col) * 4);
    }
    ctx.putImageData(this.image, 0, 0);
  }
}

/** Keeps one small canvas with the latest heatmap; `update` repaints it from a frame. */
export class HeatmapImage extends GridImage {

  /** Repaint from frame.heatmap ({nx, ny, d}) with values centre ± half spanning the
   * palette; cheap to call again with the same object and scale. */
  update(heatmap, centre = 0.5, half = 0.5) {
    if (!heatmap || (heatmap === this.source && centre === this.centre && half === this.half)) return !!heatmap;
    const { nx, ny, d } = heatmap;
    if (!(nx > 0 && ny > 0) || !d || d.length < nx * ny) return false;
    this.source = heatmap;
    this.centre = centre;
    this.half = half;
    const lo = centre - half;
    const span = 2 * half;
    this.paint(nx, ny, (cell, px, i) => {
      const v = d[cell];
      if (v == null || !Number.isFinite(v)) {
        px[i + 3] = 0;
        return;
      }
      const k = Math.round(Math.min(1, Math.max(0, (v - lo) / span)) * 255) * 3;
      px[i] = LUT[k];
      px[i + 1] = LUT[k + 1];
      px[i + 2] = LUT[k + 2];
      px[i + 3] = 255;
    });
    return true;
  }
}
