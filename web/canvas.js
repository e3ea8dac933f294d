// Crisp canvases: size the backing store to CSS pixels × devicePixelRatio and
// hand back a context that draws in CSS pixels.

export function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth));
  const h = Math.max(1, Math.round(canvas.clientHeight));
  const bw = Math.round(w * dpr);
  const bh = Math.round(h * dpr);
  if (canvas.width !== bw || canvas.height !== bh) {
    canvas.width = bw;
    canvas.height = bh;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

// Call `onResize` whenever any of the canvases changes size (layout, zoom, DPR).
export function watchResize(elements, onResize) {
  const ro = new ResizeObserver(() => onResize());
  for (const el of elements) ro.observe(el);
  window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`).addEventListener?.("change", onResize);
  return ro;
}

// A polyline through (xs[i], ys[i]); null/NaN values break the line.
export function tracePath(ctx, xs, ys) {
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x == null || y == null || !Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    pen = true;
  }
}

export function haloText(ctx, text, x, y, color) {
  ctx.lineWidth = 4;
  ctx.strokeStyle = "rgba(255,255,255,0.92)";
  ctx.lineJoin = "round";
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

// About `target` round-numbered ticks (steps of 1, 2 or 5 × 10^n) covering [lo, hi].
export function niceTicks(lo, hi, target) {
  const span = hi - lo;
  if (!(span > 0)) return [];
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((s) => s * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Math.abs(t) < 1e-9 ? 0 : t);
  return out;
}

export function fmtTick(t) {
  return Number.isInteger(t) ? String(t) : t.toFixed(1);
}
