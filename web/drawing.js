// "Draw your own" data: the points a student sketches become p_data. Strokes are sampled
// to an even spacing so a slow drag and a fast one give the same density of points. Each
// point keeps the colour (0–7) it was drawn in: its class, for the models that use classes.

export const DRAW_AREA = [[-3, 3], [-3, 3]]; // the server accepts points inside this square
export const DRAW_SPACING = 0.08; // data units between points along a stroke
export const DRAW_MAX = 500; // the server's cap
export const DRAW_MIN = 3;

export class Drawing {
  constructor() {
    this.points = [];
    this.classes = []; // the colour of each point, parallel to `points`
    this.colour = 0; // the colour new points get
    this.last = null; // the previous point of the current stroke
  }

  clear() {
    this.points = [];
    this.classes = [];
    this.last = null;
  }

  /** Start from an existing set of points (e.g. the drawing the server trains on now) and
   * their colours (none or a wrong count: all colour 0). */
  load(points, classes = []) {
    this.clear();
    const colours = Array.isArray(classes) && classes.length === (points || []).length ? classes : [];
    (points || []).forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2) return;
      this.points.push([p[0], p[1]]);
      this.classes.push(Number.isInteger(colours[i]) ? colours[i] : 0);
    });
    this.points.length = Math.min(this.points.length, DRAW_MAX);
    this.classes.length = this.points.length;
    if (this.classes.length) this.colour = this.classes[this.classes.length - 1];
  }

  get full() {
    return this.points.length >= DRAW_MAX;
  }

  /** Pointer down at data point (x, y): one point, and the start of a stroke. */
  begin(x, y) {
    this.last = null;
    this.extend(x, y);
  }

  /** Pointer moved while pressed: add points every DRAW_SPACING along the segment. */
  extend(x, y) {
    if (!inside(x, y)) {
      this.last = null; // leaving the area breaks the stroke
      return;
    }
    if (!this.last) {
      this.add(x, y);
      return;
    }
    const [lx, ly] = this.last;
    const dist = Math.hypot(x - lx, y - ly);
    const n = Math.floor(dist / DRAW_SPACING);
    for (let i = 1; i <= n && !this.full; i++) {
      const t = (i * DRAW_SPACING) / dist;
      this.add(lx + (x - lx) * t, ly + (y - ly) * t);
    }
  }

  end() {
    this.last = null;
  }

  add(x, y) {
    if (this.full) return;
    const p = [x, y];
    this.points.push(p);
    this.classes.push(this.colour);
    this.last = p;
  }

  /** The points as the configure command wants them: [x, y] pairs rounded to 3 decimals. */
  rounded() {
    return this.points.map(([x, y]) => [round3(x), round3(y)]);
  }

  /** The colours as the configure command wants them (`drawn_classes`): one per point, or
   * an empty list when every point has colour 0 (one class: the drawing as it always was). */
  colours() {
    return this.classes.some((k) => k !== 0) ? [...this.classes] : [];
  }

  /** How many colours the drawing uses. */
  get colourCount() {
    return new Set(this.classes).size;
  }
}

function inside(x, y) {
  const [[x0, x1], [y0, y1]] = DRAW_AREA;
  return x >= x0 && x <= x1 && y >= y0 && y <= y1;
}

function round3(v) {
  const r = Math.round(v * 1000) / 1000;
  return Object.is(r, -0) ? 0 : r;
}
