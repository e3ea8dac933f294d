// The 2-D panel's controls around the view: the layer toggles, the heatmap's legend, the
// model overview (a click highlights a layer) and "Draw your own" data.

import { Drawing, DRAW_MAX, DRAW_MIN } from "./drawing.js";
import { paletteGradient } from "./heatmap.js";
import { buildOverview } from "./overview.js";
import { LAYERS, View2D } from "./view2d.js";

// Which layers each overview block stands for.
const PICKS = {
  noise: ["manifold"],
  g: ["manifold"],
  fake: ["fake", "gradients"],
  d: ["heatmap"],
  real: ["real"],
  loss: [],
};

export class Lab2D {
  /**
   * byId: document.getElementById; send(cmd) → bool; onDrawMode(active) when draw mode
   * starts or stops (the page then shows the 2-D view even for 1-D data).
   */
  constructor(byId, { send, onDrawMode }) {
    this.$ = byId;
    this.send = send;
    this.onDrawMode = onDrawMode;
    this.view = new View2D(byId("view2d-heat"), byId("view2d-main"));
    this.drawing = null;
    this.awaitingUse = false;
    this.checkboxes = new Map();
    this.buildLayers(byId("layers2d"));
    byId("legend2d-bar").style.background = paletteGradient();
    this.overview = buildOverview(byId("overview"), (key) => this.pick(key));
    this.wireDrawing();
  }

  buildLayers(host) {
    host.replaceChildren();
    for (const layer of LAYERS) {
      const li = document.createElement("li");
      li.dataset.layer = layer.key;
      const label = document.createElement("label");
      label.title = layer.tip;
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `layer-${layer.key}`;
      box.dataset.testid = `layer-${layer.key}`;
      box.checked = !!this.view.layers[layer.key];
      box.title = layer.tip;
      box.addEventListener("change", () => this.view.setLayer(layer.key, box.checked));
      const sw = document.createElement("span");
      sw.className = `lsw lsw-${layer.key}`;
      sw.setAttribute("aria-hidden", "true");
      if (layer.key === "heatmap") sw.style.background = paletteGradient();
      label.append(box, sw, document.createTextNode(layer.label));
      li.append(label);
      host.append(li);
      this.checkboxes.set(layer.key, box);
    }
  }

  /** A block of the overview was chosen: turn its layers on and make them stand out. */
  pick(key) {
    this.overview.flash(key);
    const keys = PICKS[key] || [];
    if (key === "loss") {
      flash(this.$("chart-loss"));
      return;
    }
    for (const k of keys) {
      const box = this.checkboxes.get(k);
      if (box && !box.checked) {
        box.checked = true;
        this.view.setLayer(k, true);
      }
      flash(box?.closest("li"));
    }
    this.view.emphasise(keys);
  }

  setFrame(frame) {
    this.view.setFrame(frame);
  }

  get dirty() {
    return this.view.dirty || this.view.animating;
  }

  draw() {
    this.view.draw();
  }

  // -- draw your own ------------------------------------------------------------------
  wireDrawing() {
    const $ = this.$;
    $("draw-toggle").addEventListener("click", () => (this.drawing ? this.stopDrawing() : this.startDrawing(this.config)));
    $("draw-clear").addEventListener("click", () => {
      this.drawing?.clear();
      this.drawChanged("");
    });
    $("draw-use").addEventListener("click", () => this.useDrawing());

    const canvas = $("view2d-main");
    const at = (e) => {
      const r = canvas.getBoundingClientRect();
      return this.view.toData(e.clientX - r.left, e.clientY - r.top);
    };
    let pressed = false;
    canvas.addEventListener("pointerdown", (e) => {
      if (!this.drawing || e.button !== 0) return;
      const p = at(e);
      if (!p) return;
      pressed = true;
      canvas.setPointerCapture(e.pointerId);
      this.drawing.begin(p[0], p[1]);
      this.drawChanged("");
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!this.drawing || !pressed) return;
      const p = at(e);
      if (!p) return;
      this.drawing.extend(p[0], p[1]);
      this.drawChanged("");
    });
    const up = () => {
      pressed = false;
      this.drawing?.end();
    };
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
  }

  /** Enter draw mode, starting from the drawing the server trains on (if any). */
  startDrawing(config) {
    this.drawing = new Drawing();
    if (config?.distribution === "drawn") this.drawing.load(config.drawn_points);
    this.view.drawing = this.drawing;
    this.awaitingUse = false;
    document.body.classList.add("drawing");
    this.$("draw-toggle").setAttribute("aria-pressed", "true");
    this.$("draw-toggle").querySelector(".label").textContent = "Cancel drawing";
    this.drawChanged("Click or drag in the square to add points, then press Use drawing.");
    this.onDrawMode(true);
  }

  stopDrawing() {
    if (!this.drawing) return;
    this.drawing = null;
    this.view.drawing = null;
    this.view.dirty = true;
    this.awaitingUse = false;
    document.body.classList.remove("drawing");
    this.$("draw-toggle").setAttribute("aria-pressed", "false");
    this.$("draw-toggle").querySelector(".label").textContent = "Draw data";
    this.$("draw-msg").textContent = "";
    this.onDrawMode(false);
  }

  drawChanged(message) {
    const n = this.drawing ? this.drawing.points.length : 0;
    this.$("draw-count").textContent = `${n} / ${DRAW_MAX} points`;
    if (this.drawing?.full) message = `That is the maximum of ${DRAW_MAX} points.`;
    if (message || n) this.$("draw-msg").textContent = message;
    this.view.dirty = true;
  }

  useDrawing() {
    const pts = this.drawing ? this.drawing.rounded() : [];
    if (pts.length < DRAW_MIN) {
      const msg = pts.length === 0 ? "The drawing is empty: draw" : `Only ${pts.length} point${pts.length === 1 ? "" : "s"}: draw`;
      this.$("draw-msg").textContent = `${msg} at least ${DRAW_MIN} points, then press Use drawing.`;
      return;
    }
    if (this.send({ type: "configure", config: { distribution: "drawn", drawn_points: pts } })) {
      this.awaitingUse = true;
      this.$("draw-msg").textContent = "Sending the drawing…";
    }
  }

  /** The server's config; a drawing it accepted ends draw mode. */
  setConfig(config) {
    this.config = config;
    if (this.drawing && this.awaitingUse && config.distribution === "drawn") this.stopDrawing();
  }

  /** The server refused a configure (e.g. a bad drawing): stay in draw mode, say so. */
  configRefused() {
    if (this.drawing && this.awaitingUse) {
      this.awaitingUse = false;
      this.$("draw-msg").textContent = "The lab did not accept the drawing (see the message above).";
    }
  }
}

function flash(node) {
  if (!node) return;
  node.classList.remove("flash");
  void node.getBoundingClientRect(); // restart the CSS animation
  node.classList.add("flash");
}
