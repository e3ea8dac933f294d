// How each run of the Dirac-GAN page looks, wherever it is drawn (the plane, the distance
// chart, the legend): a colour from the Okabe–Ito / Tol sets that colour-blind viewers tell
// apart, and, so that colour is never the only cue, a marker shape and a line dash.

export const RUN_STYLES = [
  { color: "#0072B2", marker: "circle", dash: [] }, // blue
  { color: "#D55E00", marker: "square", dash: [11, 5] }, // vermillion
  { color: "#009E73", marker: "triangle", dash: [12, 4, 3, 4] }, // bluish green
  { color: "#AA4499", marker: "diamond", dash: [3, 4] }, // purple
];

/** The marker's outline around (x, y), radius r, as a path on ctx. */
export function markerPath(ctx, kind, x, y, r) {
  ctx.beginPath();
  if (kind === "square") ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
  else if (kind === "triangle") {
    ctx.moveTo(x, y - r * 1.1);
    ctx.lineTo(x + r, y + r * 0.75);
    ctx.lineTo(x - r, y + r * 0.75);
    ctx.closePath();
  } else if (kind === "diamond") {
    ctx.moveTo(x, y - r * 1.15);
    ctx.lineTo(x + r * 1.15, y);
    ctx.lineTo(x, y + r * 1.15);
    ctx.lineTo(x - r * 1.15, y);
    ctx.closePath();
  } else ctx.arc(x, y, r, 0, 2 * Math.PI);
}

/** A filled marker with a white rim (readable on the arrows and on the other runs' paths). */
export function drawMarker(ctx, style, x, y, r) {
  markerPath(ctx, style.marker, x, y, r);
  ctx.fillStyle = style.color;
  ctx.fill();
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = "#fff";
  ctx.setLineDash([]);
  ctx.stroke();
}

const SVG = "http://www.w3.org/2000/svg";

/** The legend's swatch: a stretch of the run's line with its marker (SVG attributes, no inline style). */
export function swatch(style) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 40 20");
  svg.setAttribute("class", "run-swatch");
  svg.setAttribute("aria-hidden", "true");
  const line = document.createElementNS(SVG, "line");
  for (const [k, v] of Object.entries({ x1: 1, y1: 10, x2: 39, y2: 10, stroke: style.color, "stroke-width": 3.5 })) line.setAttribute(k, v);
  if (style.dash.length) line.setAttribute("stroke-dasharray", style.dash.map((d) => d * 0.6).join(" "));
  const shapes = {
    circle: ["circle", { cx: 20, cy: 10, r: 6.5 }],
    square: ["rect", { x: 14, y: 4, width: 12, height: 12 }],
    triangle: ["polygon", { points: "20,2.5 27,15.5 13,15.5" }],
    diamond: ["polygon", { points: "20,2 28,10 20,18 12,10" }],
  };
  const [tag, attrs] = shapes[style.marker];
  const mark = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries({ ...attrs, fill: style.color, stroke: "#fff", "stroke-width": 1.5 })) mark.setAttribute(k, v);
  svg.append(line, mark);
  return svg;
}
