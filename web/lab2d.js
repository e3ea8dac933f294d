// The 2-D panel's controls around the view: the layer toggles, the heatmap's legend, the
// model overview (a click highlights a layer) and "Draw your own" data.

import { DRAW_COLOURS, inkOn, paletteColour } from "./classes.js";
import { Drawing, DRAW_MAX, DRAW_MIN } from "./drawing.js";
import { paletteGradient } from "./heatmap.js";
import { tickText } from "./kinds.js";
import { buildOverview } from "./overview.js";
import { LAYERS, View2D } from "./view2d.js";

// Which layers each overview block stands for.
const PICKS = {
  noise: ["manifold"],
  g: ["manifold"],
  fake: ["fake", "gradients"],
  d: ["heatmap", "regions"],
  real: ["real", "labelled"],
  loss: [],
};

export class Lab2D {
  /**
   * byId: document.getElementById; send(cmd) → bool; onDrawMode(active) when draw mode
   * starts or stops (the page then shows the 2-D view even for 1-D data); onLayers() after
   * the user turns a layer on or off (the link follows).
   */
  constructor(byId, { send, onDrawMode, onLayers }) {
    this.$ = byId;
    this.send = send;
    this.onDrawMode = onDrawMode;
    this.onLayers = onLayers || (() => {});
    this.view = new View2D(byId("view2d-heat"), byId("view2d-main"));
    this.drawing = null;
    this.awaitingUse = false;
    this.checkboxes = new Map();
    this.layerLabels = new Map();
    this.buildLayers(byId("layers2d"));
    byId("legend2d-bar").style.background = paletteGradient();
    this.overview = buildOverview(byId("overview"), (key) => this.pick(key));
    this.kind = null;
    this.view.onScale = (scale) => this.showScale(scale);
    this.wireDrawing();
  }

  /** Name the second network as the frames say: D, a critic C, or (MMD) the witness. */
  setKind(kind) {
    if (this.kind === kind) return;
    this.kind = kind;
    const $ = this.$;
    const heat = {
      prob: ["D(x) heatmap", "The discriminator's verdict at every point: purple = it says real, green = it says fake, white = it cannot tell (D = ½)"],
      ls: ["D(x) heatmap", "The least-squares discriminator's score at every point: purple = real-like (towards 1), green = fake-like (towards 0), white = ½"],
      critic: ["C(x) heatmap", "The critic's score at every point: purple = higher (real-like), green = lower (fake-like), white = 0"],
      witness: ["MMD witness", "The MMD witness at every point: purple where p_data has more mass than p_g, green where p_g has more, white where they balance"],
    }[kind.key];
    this.layerLabels.get("heatmap").textContent = heat[0];
    this.checkboxes.get("heatmap").title = heat[1];
    this.checkboxes.get("heatmap").closest("label").title = heat[1];
    $("legend2d").title = kind.heatTip;
    $("legend2d-title").textContent = kind.heatTitle;
    const notes = $("legend2d-notes");
    notes.hidden = !kind.heatNotes;
    notes.classList.toggle("stack", !!kind.heatNotesStacked);
    if (kind.heatNotes) {
      notes.children[0].textContent = kind.heatNotes[0];
      notes.children[1].textContent = kind.heatNotes[1];
    }
    $("view2d-heat").setAttribute(
      "aria-label",
      { prob: "The discriminator's decision surface D(x) over the data plane", ls: "The least-squares discriminator's score D(x) over the data plane", critic: "The critic's score C(x) over the data plane", witness: "The MMD witness function over the data plane" }[kind.key],
    );
    this.overview.setKind(kind);
    this.showScale(this.view.scale, true);
  }

  /** The legend's numbers under the colour bar (a probability: 0 fake · ½ · real 1). */
  showScale(scale, force = false) {
    const kind = this.kind;
    if (!kind) return;
    const ticks = this.$("legend2d-ticks").children;
    let text;
    if (kind.bounded) text = ["0 fake", "½", "real 1"];
    else if (!scale || scale.kind !== kind) text = ["", "", ""];
    else {
      const step = scale.half / 2;
      const mid = kind.key === "ls" ? "½" : kind.heatCentre === "midpoint" ? tickText(scale.centre, step / 5) : "0";
      text = [tickText(scale.centre - scale.half, step), mid, tickText(scale.centre + scale.half, step)];
    }
    if (!force && [...ticks].every((t, i) => t.textContent === text[i])) return;
    [...ticks].forEach((t, i) => (t.textContent = text[i]));
  }

  /** A new run (reset): an unbounded colour scale starts afresh. */
  newRun() {
    this.view.run += 1;
    this.view.dirty = true;
  }

  buildLayers(host) {
    host.replaceChildren();
    for (const layer of LAYERS) {
      const li = document.createElement("li");
      li.dataset.layer = layer.key;
      if (layer.model) {
        li.dataset.model = layer.model; // listed only while that model runs (showModelLayers)
        li.hidden = true;
      }
      if (layer.notFor) li.dataset.notFor = layer.notFor;
      const label = document.createElement("label");
      label.title = layer.tip;
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `layer-${layer.key}`;
      box.dataset.testid = `layer-${layer.key}`;
      box.checked = !!this.view.layers[layer.key];
      box.title = layer.tip;
      box.addEventListener("change", () => {
        this.view.setLayer(layer.key, box.checked);
        this.onLayers();
      });
      const sw = document.createElement("span");
      sw.className = `lsw lsw-${layer.key}`;
      sw.setAttribute("aria-hidden", "true");
      if (layer.key === "heatmap") sw.style.background = paletteGradient();
      const text = document.createElement("span");
      text.textContent = layer.label;
      this.layerLabels.set(layer.key, text);
      label.append(box, sw, text);
      li.append(label);
      host.append(li);
      this.checkboxes.set(layer.key, box);
    }
  }

  /** List the layers of `model` (the semi-supervised regions, InfoGAN's walk) only while
   * it runs, and not those it has none of (InfoGAN's mesh); the checkboxes stay as they were. */
  showModelLayers(model) {
    for (const li of this.$("layers2d").children) {
      if (li.dataset.model) li.hidden = li.dataset.model !== model;
      else if (li.dataset.notFor) li.hidden = li.dataset.notFor === model;
    }
  }

  /** Show exactly the layers `keys` (a link's view). */
  setLayers(keys) {
    for (const [key, box] of this.checkboxes) {
      box.checked = keys.includes(key);
      this.view.setLayer(key, box.checked);
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
      if (box?.closest("li")?.hidden) continue; // another model's layer
      if (box && !box.checked) {
        box.checked = true;
        this.view.setLayer(k, true);
        this.onLayers();
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
    this.buildColours();

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

  /** The drawing's colour chips (the class of each new point), before its buttons. */
  buildColours() {
    const box = document.createElement("div");
    box.className = "draw-colours";
    box.id = "draw-colours";
    box.dataset.testid = "draw-colours";
    box.setAttribute("role", "radiogroup");
    box.setAttribute("aria-label", "Colour of the points you draw");
    box.title = "The colour of the points you draw next: each colour is a class for the conditional and semi-supervised GANs (one colour: one class, as before)";
    this.colourChips = [];
    for (let k = 0; k < DRAW_COLOURS; k++) {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "draw-colour";
      chip.dataset.testid = `draw-colour-${k}`;
      chip.setAttribute("role", "radio");
      chip.setAttribute("aria-label", `Colour ${k}`);
      chip.title = `Draw in colour ${k}${k === 0 ? " (one colour: one class, as before)" : ""}`;
      chip.style.background = paletteColour(k);
      chip.style.color = inkOn(k);
      chip.textContent = String(k);
      chip.addEventListener("click", () => this.pickColour(k));
      box.append(chip);
      this.colourChips.push(chip);
    }
    const count = this.$("draw-count");
    count.parentElement.insertBefore(box, count);
    this.showColour(0);
  }

  pickColour(k) {
    if (this.drawing) this.drawing.colour = k;
    this.showColour(k);
  }

  showColour(k) {
    this.colourChips.forEach((chip, i) => chip.setAttribute("aria-checked", String(i === k)));
  }

  /** Enter draw mode, starting from the drawing the server trains on (if any). */
  startDrawing(config) {
    this.drawing = new Drawing();
    if (config?.distribution === "drawn") this.drawing.load(config.drawn_points, config.drawn_classes);
    this.showColour(this.drawing.colour);
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
    const colours = this.drawing ? this.drawing.colourCount : 0;
    this.$("draw-count").textContent = `${n} / ${DRAW_MAX} points${colours > 1 ? ` · ${colours} colours` : ""}`;
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
    // the colours go with the points, always: a drawing in one colour clears earlier ones
    if (this.send({ type: "configure", config: { distribution: "drawn", drawn_points: pts, drawn_classes: this.drawing.colours() } })) {
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
