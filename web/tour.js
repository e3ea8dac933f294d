// The four small multiples (a)–(d), filled from the server's "tour" messages.

import { drawFigure1 } from "./figure1.js";

const LABELS = ["a", "b", "c", "d"];
const WAITING = {
  a: "(a)",
  b: "(b)",
  c: "(c)",
  d: "(d)",
};

function panelNote(frame) {
  const js = frame.scalars?.js;
  return js == null ? `it ${frame.iteration}` : `it ${frame.iteration} · JS ${js.toFixed(2)}`;
}

export class TourPanels {
  constructor(root) {
    this.figures = Object.fromEntries(LABELS.map((l) => [l, root.querySelector(`#panel-${l}`)]));
    this.clear();
  }

  clear() {
    this.frames = {};
    this.running = false;
    this.seenTouring = false;
    for (const l of LABELS) this.figures[l].dataset.filled = "false";
    this.dirty = true;
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
  }

  /** Before any tour, panel (a) "now" mirrors the live state. */
  draw(show, live) {
    this.dirty = false;
    for (const l of LABELS) {
      const recorded = Object.keys(this.frames).length > 0 || this.running;
      const frame = l === "a" && !recorded ? live : this.frames[l];
      const emptyText = this.running ? "recording…" : WAITING[l];
      drawFigure1(this.figures[l].querySelector("canvas"), frame, {
        compact: true,
        show,
        ghost: l === "c" ? this.frames.b : null,
        emptyText,
        note: frame ? panelNote(frame) : "",
      });
    }
  }
}
