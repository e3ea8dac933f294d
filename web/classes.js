// Colours of classes (cgan, semi-supervised), InfoGAN's codes and the drawing's colours: the
// one palette every view uses, so class 3 is the same colour in the 2-D view, Figure 1, the
// class picker, the per-class bars and the drawing tool.
//
// The first 8 are Okabe & Ito's palette ("Color Universal Design", 2008), chosen to stay
// apart for the common kinds of colour blindness; their order puts the most distinct pair
// (blue, orange) first, so two-class data (moons, bimodal) gets it. Beyond 8 (the grid's 25
// modes, InfoGAN's up to 16 codes) the palette continues with Paul Tol's "muted" and "light"
// schemes, ordered so that neighbours on the 5 × 5 grid (classes k ± 1 and k ± 5) differ
// clearly; no palette keeps 25 colours apart for every viewer, so the views also write the
// class numbers where they name a class (picker, bars, legend).

export const CLASS_COLOURS = [
  // Okabe–Ito
  "#0072B2", // blue
  "#E69F00", // orange
  "#009E73", // bluish green
  "#D55E00", // vermillion
  "#56B4E9", // sky blue
  "#CC79A7", // reddish purple
  "#F0E442", // yellow
  "#000000", // black
  // Tol muted
  "#882255", // wine
  "#44AA99", // teal
  "#DDCC77", // sand
  "#332288", // indigo
  "#CC6677", // rose
  "#117733", // green
  "#88CCEE", // cyan
  "#999933", // olive
  // Tol light and a grey
  "#AA4499", // purple
  "#BBCC33", // pear
  "#77AADD", // light blue
  "#EE8866", // light orange
  "#44BB99", // mint
  "#AAAA00", // olive yellow
  "#FFAABB", // pink
  "#666666", // grey
  "#99DDFF", // light cyan
];

/** How many colours the drawing tool offers (the server's DRAW_CLASSES). */
export const DRAW_COLOURS = 8;

/** Palette colour `k` as a CSS hex string (a colour past the palette's end: grey). */
export function paletteColour(k) {
  return CLASS_COLOURS[k] || "#8a8a8a";
}

/** Palette colour `k` as [r, g, b] (0–255). */
export function paletteRGB(k) {
  const hex = paletteColour(k);
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** A dark or a light ink to write on palette colour `k` (the class number on a chip). */
export function inkOn(k) {
  const [r, g, b] = paletteRGB(k);
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#111111" : "#ffffff";
}

/**
 * Which palette colour each class of the data takes: class k is palette colour k, except on
 * a drawing in colours, whose classes are the colours used, in increasing order (the
 * server numbers them so: gan_core/labels.py), so each class keeps the colour it was drawn
 * in. Returns an array (class → palette index) or null for the identity.
 */
export function classColourMap(config) {
  const drawn = config?.distribution === "drawn" ? config.drawn_classes : null;
  if (!Array.isArray(drawn) || !drawn.length) return null;
  return [...new Set(drawn)].sort((a, b) => a - b);
}

/** How many classes the data of `config` has: the registry's count, or a drawing's colours. */
export function classCount(config, registries) {
  if (config?.distribution === "drawn") {
    const used = new Set(config.drawn_classes || []);
    return used.size >= 2 ? used.size : 0;
  }
  const entry = (registries?.distribution || []).find((d) => d.name === config?.distribution);
  return entry?.classes || 0;
}

/** The palette index of class `k` under `map` (classColourMap's answer). */
export function paletteIndex(k, map) {
  return map && map[k] != null ? map[k] : k;
}

/** CSS colour of class `k` (a drawing's classes keep their colours: see classColourMap). */
export function classColour(k, map = null) {
  return paletteColour(paletteIndex(k, map));
}

/** What the colours of a frame mean: "class" (cgan, semi-supervised: real and fakes by
 * class), "code" (InfoGAN: fakes by code; the data has no labels it may use) or null. */
export function colourMeaning(frame) {
  if (!frame?.model || frame.model === "gan") return null;
  return frame.model === "infogan" ? "code" : "class";
}

/**
 * Group the indices of `labels` (a frame's label array) by their integer value: a Map from
 * label to an array of indices, so a view draws one path per colour. Missing values (NaN)
 * are left out.
 */
export function groupByLabel(labels, count = labels?.length || 0) {
  const out = new Map();
  if (!labels) return out;
  for (let i = 0; i < count; i++) {
    const v = labels[i];
    if (v == null || !Number.isFinite(v)) continue;
    const k = Math.round(v);
    if (!out.has(k)) out.set(k, []);
    out.get(k).push(i);
  }
  return out;
}

/** A sample's mark, added to the current path: real data a circle, a fake a diamond, so real
 * and fake stay apart when both wear a class's colour. */
export function traceDot(ctx, px, py, r, fake) {
  if (fake) {
    ctx.moveTo(px, py - r);
    ctx.lineTo(px + r, py);
    ctx.lineTo(px, py + r);
    ctx.lineTo(px - r, py);
    ctx.closePath();
  } else {
    ctx.moveTo(px + r, py);
    ctx.arc(px, py, r, 0, Math.PI * 2);
  }
}
