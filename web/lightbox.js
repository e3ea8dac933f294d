// A tour panel drawn large: a click (or Enter / Space) on one of the panels (a)–(d) opens it
// in a modal dialog with its full caption; Esc, a click outside it or Close shut it.

import { closeDialog } from "./keys.js";

export class Lightbox {
  /** `draw(canvas, label)` draws panel `label` large; `captionOf(label)` gives its HTML. */
  constructor(byId, panels, { draw, captionOf }) {
    this.dialog = byId("lightbox");
    this.canvas = byId("lightbox-canvas");
    this.caption = byId("lightbox-caption");
    this.drawPanel = draw;
    this.captionOf = captionOf;
    this.label = null;
    this.dirty = false;
    for (const fig of panels) {
      const label = fig.dataset.panel;
      fig.addEventListener("click", () => this.open(label));
      fig.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          this.open(label);
        }
      });
    }
    byId("lightbox-close").addEventListener("click", () => closeDialog(this.dialog));
    // a click on the backdrop (outside the dialog's box) closes it
    this.dialog.addEventListener("click", (e) => {
      if (e.target === this.dialog) closeDialog(this.dialog);
    });
    this.dialog.addEventListener("close", () => {
      this.label = null;
      this.dialog.dataset.panel = "";
    });
  }

  get isOpen() {
    return this.dialog.open;
  }

  open(label) {
    this.label = label;
    this.dialog.dataset.panel = label;
    this.caption.innerHTML = this.captionOf(label);
    if (!this.dialog.open) this.dialog.showModal();
    this.draw();
  }

  /** Redraw (a tour message arrived, the window resized); cheap when closed. */
  draw() {
    this.dirty = false;
    if (!this.label) return;
    this.caption.innerHTML = this.captionOf(this.label);
    this.drawPanel(this.canvas, this.label);
  }
}
