// The four small multiples (a)–(d), filled from the server's "tour" messages, with captions
// that say what each panel shows in the terms of the second network (D, a critic C, or the
// MMD witness). Panel (c) is recorded after a demonstration of N generator updates with D
// frozen (one update moves G(z) by a few hundredths, too little to see): it draws (b)'s mapping faintly
// and arrows from where G(z) was to where it went.

import { drawFigure1 } from "./figure1.js";

const LABELS = ["a", "b", "c", "d"];

function panelNote(frame) {
  const js = frame.scalars?.js;
  return js == null ? `it ${frame.iteration}` : `it ${frame.iteration} · JS ${js.toFixed(2)}`;
}

/** How many G updates panel (c) shows: the server says (g_updates_shown), else one. */
function updatesShown(frame) {
  const n = frame?.g_updates_shown;
  return Number.isInteger(n) && n > 0 ? n : 1;
}

const PG = "p<sub>g</sub>";
const PDATA = "p<sub>data</sub>";

/**
 * The caption of `panel` for the kind of second network; `n`: panel (c)'s number of G
 * updates (null before a tour recorded it); `long`: the fuller text of the large view.
 */
function caption(panel, kind, n, long) {
  const D = kind.sym || "D";
  const net = kind.sym ? D : "the MMD witness";
  const key = kind.key;
  switch (panel) {
    case "a":
      if (key === "critic") return `<b>(a)</b> Now: ${PG} is off target; the critic C scores where it is.`;
      if (key === "witness") return `<b>(a)</b> Now: ${PG} is off target; the MMD witness shows where.`;
      return `<b>(a)</b> Now: ${PG} is off target and D is only partly right.`;
    case "b":
      if (key === "critic") return `<b>(b)</b> G frozen, the critic C trained: its scores separate real from fake.`;
      if (key === "witness") return `<b>(b)</b> No discriminator to train: the MMD witness is unchanged.`;
      return `<b>(b)</b> G frozen, D trained: D approaches D* = ${PDATA}/(${PDATA}+${PG}).`;
    case "c": {
      const frozen = kind.sym ? ` with ${D} frozen` : "";
      const what = n == null ? `G updated${frozen}` : n === 1 ? `One G update${frozen}` : `${n} G updates${frozen}`;
      const tooSmall = n != null && n > 1 ? " (one is too small to see)" : "";
      const slide = kind.sym ? `G(z) slides uphill on ${D}` : "G(z) slides up the witness";
      if (!long) return `<b>(c)</b> ${what}${tooSmall}: ${slide}.`;
      const single = n != null && n > 1 ? " A single update moves G(z) by a few hundredths of a unit, too little to see, so the tour shows several." : "";
      return (
        `<b>(c)</b> ${what}${tooSmall}: ${slide}.${single} ` +
        `Faint and dashed: G's lines and ${PG} before, as in (b); arrows: where G(z) moved, toward where ${net} is higher.`
      );
    }
    case "d":
      if (key === "critic") {
        return long
          ? `<b>(d)</b> Trained on: ${PG} ≈ ${PDATA}, and the critic's score is flat where the data are. Outside the data no samples constrain it: its level there is whatever the network extrapolates.`
          : `<b>(d)</b> Trained on: ${PG} ≈ ${PDATA}; the critic's score is flat on the data.`;
      }
      if (key === "witness") return `<b>(d)</b> Trained on: ${PG} ≈ ${PDATA} and the witness ≈ 0.`;
      return long
        ? `<b>(d)</b> Trained on: ${PG} ≈ ${PDATA}. Where the data are, D* = ${PDATA}/(${PDATA}+${PG}) = ½ and D is close to it. ` +
            `Outside the data (where ${PDATA} + ${PG} = 0) there are no samples, real or generated, so nothing pulls D to ½: it keeps whatever value the network extrapolates.`
        : `<b>(d)</b> Trained on: ${PG} ≈ ${PDATA}, D ≈ ½ on the data; off the data nothing pulls D to ½.`;
    default:
      return "";
  }
}

export class TourPanels {
  constructor(root) {
    this.figures = Object.fromEntries(LABELS.map((l) => [l, root.querySelector(`#panel-${l}`)]));
    this.kind = null;
    this.clear();
  }

  clear() {
    this.frames = {};
    this.running = false;
    this.seenTouring = false;
    for (const l of LABELS) this.figures[l].dataset.filled = "false";
    this.dirty = true;
    this.showCaptions();
  }

  start() {
    this.clear();
    this.running = true;
  }

  /** A tour message: the panels recorded so far. */
  update(msg) {
    for (const p of msg.panels || []) {
      this.frames[p.panel] = p;
      if (this.figures[p.panel]) this.figures[p.panel].dataset.filled = "true";
    }
    if (msg.done) this.running = false;
    this.dirty = true;
    this.showCaptions();
  }

  /** Name the second network in the captions (kinds.js). */
  setKind(kind) {
    this.kind = kind;
    this.showCaptions();
  }

  /** Panel (c)'s number of G updates, once recorded. */
  get gUpdates() {
    return this.frames.c ? updatesShown(this.frames.c) : null;
  }

  captionOf(panel, long = false) {
    return this.kind ? caption(panel, this.kind, this.gUpdates, long) : "";
  }

  showCaptions() {
    if (!this.kind) return;
    for (const l of LABELS) {
      const node = this.figures[l].querySelector("figcaption");
      const html = this.captionOf(l);
      if (node.innerHTML !== html) node.innerHTML = html;
    }
  }

  /** The frame a panel shows: before any tour, panel (a) "now" mirrors the live state. */
  frameOf(label, live) {
    const recorded = Object.keys(this.frames).length > 0 || this.running;
    return label === "a" && !recorded ? live : this.frames[label];
  }

  /** Draw one panel on `canvas`: small (the row of four) or large (`compact` false). */
  drawPanel(canvas, label, show, live, compact = true) {
    const frame = this.frameOf(label, live);
    drawFigure1(canvas, frame, {
      compact,
      show,
      ghost: label === "c" ? this.frames.b : null,
      before: label === "c" ? this.frames.b : null,
      emptyText: this.running ? "recording…" : compact ? `(${label})` : `(${label}) not recorded yet: press Figure 1 tour`,
      note: frame ? panelNote(frame) : "",
    });
  }

  draw(show, live) {
    this.dirty = false;
    for (const l of LABELS) this.drawPanel(this.figures[l].querySelector("canvas"), l, show, live);
  }
}
