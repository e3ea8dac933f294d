// Pictures for slides: the view drawn afresh on white with a caption line under it, at the
// page canvas's device-pixel size, and the Figure-1 tour's four panels side by side with
// their captions. Drawing only: the frames come from the page.

const FONT = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';
const LABELS = ["a", "b", "c", "d"];
// The four panels' picture: each panel's size and the room around it, in CSS pixels.
const PANEL = { w: 440, h: 270, gap: 18, margin: 20, title: 34, caption: 15, lines: 4 };

export function toBlob(canvas) {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser could not encode the PNG"))), "image/png"));
}

/** A canvas off screen (class export-render) of CSS size w×h, for drawing a picture afresh. */
function scratchCanvas(w, h) {
  const c = document.createElement("canvas");
  c.className = "export-render";
  c.style.width = `${w}px`;
  c.style.height = `${h}px`;
  document.body.append(c);
  return c;
}

/** The caption's lines and type size for a picture W CSS px wide: one line where it fits
 * at a readable size, else wrapped. */
function captionLayout(text, W) {
  const ctx = document.createElement("canvas").getContext("2d");
  const px = Math.round(Math.max(11, Math.min(15, W / 60)));
  ctx.font = `${px}px ${FONT}`;
  const lines = wrap(ctx, text, W - 16);
  return { px, lines, height: Math.round(lines.length * px * 1.3 + px * 0.7) };
}

function drawCaption(ctx, { px, lines, height }, H) {
  ctx.font = `${px}px ${FONT}`;
  ctx.fillStyle = "#1f2937";
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  lines.forEach((line, i) => ctx.fillText(line, 8, H - height + Math.round(px * 0.3) + i * Math.round(px * 1.3)));
}

/**
 * The view as a picture of the page canvas's device-pixel size, on white, with a caption
 * line under it: `draw(canvases)` draws the view afresh on scratch canvases (bottom layer
 * first) a caption strip shorter than the page's, so the caption covers nothing.
 */
export function viewPicture(pageCanvas, layers, draw, text) {
  const dpr = window.devicePixelRatio || 1;
  const out = document.createElement("canvas");
  out.width = pageCanvas.width;
  out.height = pageCanvas.height;
  const W = out.width / dpr;
  const H = out.height / dpr;
  const cap = captionLayout(text, W);
  const strip = cap.height;
  const scratch = Array.from({ length: layers }, () => scratchCanvas(W, H - strip));
  try {
    draw(scratch);
    const ctx = out.getContext("2d");
    ctx.scale(dpr, dpr);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, W, H);
    for (const c of scratch) ctx.drawImage(c, 0, 0, W, H - strip);
    drawCaption(ctx, cap, H);
  } finally {
    for (const c of scratch) c.remove();
  }
  return out;
}

/** The 2-D view as `source` (the page's View2D) shows it, with all its state (layers, colour
 * scale, frame, the models' colours), drawn on two other canvases (a heatmap under the
 * samples); no emphasis animation, and the page's legend is left alone. */
export function redrawView2D(source, heat, main) {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(source)), source, {
    heatCanvas: heat,
    mainCanvas: main,
    layers: { ...source.layers },
    emph: null,
    onScale: null,
  });
  copy.draw();
}

/** Caption HTML (tour.js) as plain text: p<sub>g</sub> → p_g, tags dropped. */
export function captionText(html) {
  return html.replace(/<sub>(.*?)<\/sub>/g, "_$1").replace(/<[^>]+>/g, "").replace(/&amp;/g, "&");
}

/** Split `text` into lines no wider than `width` (at the context's font). */
function wrap(ctx, text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Panels (a)–(d) side by side in one picture, each drawn afresh at a slide's size (an
 * off-screen canvas, class export-render) with its letter and caption under it.
 * drawPanel(canvas, label) draws one; captionOf(label) gives its caption's HTML.
 */
export function panelsPicture(drawPanel, captionOf, title) {
  const dpr = window.devicePixelRatio || 1;
  const P = PANEL;
  const lineH = Math.round(P.caption * 1.3);
  const measure = document.createElement("canvas").getContext("2d");
  measure.font = `${P.caption}px ${FONT}`;
  const captions = LABELS.map((label) => wrap(measure, captionText(captionOf(label)), P.w).slice(0, P.lines));
  const W = 2 * P.margin + 4 * P.w + 3 * P.gap;
  const H = P.margin + P.title + P.h + 10 + Math.max(1, ...captions.map((c) => c.length)) * lineH + P.margin;
  const out = document.createElement("canvas");
  out.width = Math.round(W * dpr);
  out.height = Math.round(H * dpr);
  const ctx = out.getContext("2d");
  ctx.scale(dpr, dpr);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = "#1f2937";
  ctx.font = `bold 17px ${FONT}`;
  ctx.textBaseline = "top";
  ctx.fillText(title, P.margin, P.margin);
  const scratch = scratchCanvas(P.w, P.h);
  scratch.classList.add("slide-panel");
  try {
    LABELS.forEach((label, i) => {
      const x = P.margin + i * (P.w + P.gap);
      const y = P.margin + P.title;
      drawPanel(scratch, label);
      ctx.drawImage(scratch, x, y, P.w, P.h);
      ctx.strokeStyle = "#d5d5d5";
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, P.w - 1, P.h - 1);
      captions[i].forEach((line, k) => {
        const ly = y + P.h + 10 + k * lineH;
        const head = k === 0 ? /^\([a-d]\)/.exec(line)?.[0] : null; // the panel's letter, bold
        ctx.font = `bold ${P.caption}px ${FONT}`;
        if (head) ctx.fillText(head, x, ly);
        const hw = head ? ctx.measureText(head).width : 0;
        ctx.font = `${P.caption}px ${FONT}`;
        ctx.fillText(head ? line.slice(head.length) : line, x + hw, ly);
      });
    });
  } finally {
    scratch.remove();
  }
  return out;
}

