// What the page adds for the models beyond the plain GAN (gan_core/models.py): a bar above
// the view with the colours' legend and the model's own control — the conditional GAN's
// "Class G draws" picker (it sends `configure {show_class}`), InfoGAN's walk slider (drawn
// from the frame's `code_walk`, no round trip) — the per-class accuracy bars under their
// chart, and which model charts and 2-D layers are listed. The views draw the colours
// themselves (view2d.js, figure1.js); this module tells them the class → colour map.

import { fitCanvas, watchResize } from "./canvas.js";
import { classColour, classColourMap, classCount, inkOn, paletteIndex } from "./classes.js";
import { showModelCharts } from "./charts.js";
import { el } from "./dom.js";
import { MODEL_VIEW } from "./view2d.js";

const FONT = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';

/** Set a data-* attribute of the page's body (for the CSS) only when it changes. */
function setData(key, value) {
  if (document.body.dataset[key] !== value) document.body.dataset[key] = value;
}

export class ModelPanel {
  /**
   * byId: document.getElementById; deps: {configure(name, value) (a setting changed in the
   * page, as the form's fields do), lab2d (the 2-D panel), charts (makeCharts' object),
   * onView() (a view needs drawing again)}.
   */
  constructor(byId, deps) {
    this.$ = byId;
    this.deps = deps;
    this.registries = null;
    this.config = null;
    this.frame = null;
    this.readOnly = false;
    this.key = null; // what the bar was built for
    this.bar = byId("model-bar");
    this.bars = byId("class-bars");
    this.barsCanvas = this.bars.querySelector("canvas");
    watchResize([this.barsCanvas], () => this.drawBars());
    byId("layer-regions")?.addEventListener("change", () => this.showRegions());
  }

  /** While D's classes cover the heatmap, the heatmap's colour bar makes way (the bar above
   * the view is the classes' legend). */
  showRegions() {
    const on = this.model === "semi-supervised" && !!this.deps.lab2d.view.layers.regions;
    setData("regions", on ? "on" : "off");
  }

  setHello(hello, readOnly) {
    this.registries = hello?.registries || null;
    this.readOnly = !!readOnly;
    this.key = null;
    this.frame = null;
    this.setConfig(hello?.config);
  }

  /** The server's config: the model, its data's classes and the class shown. */
  setConfig(config) {
    if (!config) return;
    this.config = config;
    MODEL_VIEW.classMap = classColourMap(config);
    // a frame of another model (before the new run's first) no longer counts
    if (this.frame && this.frame.model !== config.model) this.frame = null;
    this.render();
  }

  setFrame(frame) {
    this.frame = frame;
    this.render();
    this.drawBars();
  }

  /** The model shown: the frame's (what is drawn), else the config's. */
  get model() {
    return this.frame?.model || this.config?.model || "gan";
  }

  render() {
    const model = this.model;
    const frame = this.frame;
    // what the dots' colours say: cgan real and fakes by class, InfoGAN fakes by code, the
    // semi-supervised GAN real dots by class (its fakes have none); the swatches follow
    setData("model", model);
    setData("colours", { cgan: "class", infogan: "code", "semi-supervised": "real" }[model] || "none");
    this.showRegions();
    this.deps.lab2d.showModelLayers(model);
    showModelCharts(this.deps.charts, model);
    this.bars.hidden = model !== "cgan";
    const count = this.countOf(model);
    const walk = model === "infogan" ? frame?.code_walk || null : null;
    const key = JSON.stringify([model, count, MODEL_VIEW.classMap, this.readOnly, walk ? [walk.steps, walk.values] : null]);
    if (key !== this.key) {
      this.key = key;
      this.build(model, count, walk);
    }
    this.bar.hidden = model === "gan";
    this.showPicked();
  }

  /** Classes (cgan, semi-supervised) or codes (InfoGAN) to list. */
  countOf(model) {
    if (this.frame?.n_classes > 0) return this.frame.n_classes;
    if (model === "infogan") return this.config?.info_categories || 0;
    return classCount(this.config, this.registries);
  }

  build(model, count, walk) {
    this.bar.replaceChildren();
    this.chips = [];
    this.walk = null;
    if (model === "gan") return;
    const map = model === "infogan" ? null : MODEL_VIEW.classMap;
    if (model === "cgan") {
      const group = el("div", "mb-group class-picker", null, { title: "Ask G for one class: the fakes are then all of that class, and the D(x) heatmap shows D(x | that class). All: every class in turn" });
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Class G draws");
      group.dataset.testid = "class-picker";
      group.append(el("span", "mb-label", "Class G draws"));
      const chips = el("span", "chips");
      chips.append(this.chip("All", -1, null, "Every class in turn, each in its colour"));
      for (let k = 0; k < count; k++) chips.append(this.chip(String(k), k, paletteIndex(k, map), `Only class ${k}: G(z | ${k}), and D's map D(x | ${k})`));
      group.append(chips);
      this.bar.append(group);
    } else {
      const noun = model === "infogan" ? "Codes" : "Classes";
      const group = el("div", "mb-group", null, {
        title: model === "infogan" ? "InfoGAN's categorical code c: each fake is drawn in the colour of the code G was given (the codes are not classes: nobody told G what they mean)" : "The classes of the data, in their colours",
      });
      group.append(el("span", "mb-label", noun));
      const chips = el("span", "chips");
      for (let k = 0; k < count; k++) chips.append(this.swatch(k, paletteIndex(k, map)));
      group.append(chips);
      this.bar.append(group);
    }
    this.bar.append(this.keyOf(model));
    if (walk) this.bar.append(this.walkControl(walk));
  }

  /** A chip of the class picker: a button in the class's colour. */
  chip(text, value, palette, tip) {
    const b = el("button", "class-chip", text, { type: "button", title: tip });
    b.dataset.testid = `class-chip-${value < 0 ? "all" : value}`;
    b.dataset.value = String(value);
    if (palette != null) {
      b.style.background = classColour(palette);
      b.style.color = inkOn(palette);
      b.style.borderColor = classColour(palette);
    } else b.classList.add("all");
    b.disabled = this.readOnly;
    b.setAttribute("aria-pressed", "false");
    b.addEventListener("click", () => {
      if (this.config?.show_class === value) return;
      this.deps.configure("show_class", value);
    });
    this.chips.push(b);
    return b;
  }

  swatch(k, palette) {
    const s = el("span", "class-chip static", String(k));
    s.style.background = classColour(palette);
    s.style.color = inkOn(palette);
    s.style.borderColor = classColour(palette);
    return s;
  }

  /** What the shapes mean: round = real, diamond = fake, and the model's own marks. */
  keyOf(model) {
    const key = el("div", "mb-group mb-key");
    const item = (cls, text, tip) => {
      const span = el("span", "mb-item", null, { title: tip });
      span.append(el("span", `mk ${cls}`), el("span", null, text));
      return span;
    };
    if (model === "infogan") key.append(item("mk-real plain", "real (no labels)", "Real data: InfoGAN uses no labels, so the real dots stay black"));
    else key.append(item("mk-real", "real", "Real data, round, in its class's colour"));
    if (model === "semi-supervised") {
      key.append(item("mk-fake plain", "fake", "G's samples: green, as in the plain GAN (G is given no class)"));
      key.append(item("mk-labelled", "labelled", "The only points whose class D is told (labels per class n)"));
      key.append(item("mk-pale", "paler: less sure", "D's classes: each point in the colour of the class D gives it, paler where D is less sure"));
      key.append(item("mk-dash", "labels only", "The boundary of the same network trained on the labelled points alone (the baseline)"));
    } else {
      key.append(item("mk-fake", "fake", model === "infogan" ? "G's samples: diamonds in the colour of their code" : "G's samples: diamonds in the colour of the class G was asked for"));
    }
    return key;
  }

  /** InfoGAN's slider: which value of c′₁ the walk's big dots show. */
  walkControl(walk) {
    const steps = walk.steps;
    const [lo, hi] = walk.values || [-1, 1];
    const label = el("label", "mb-group walk", null, {
      title: "Slide the continuous code c′₁ from −1 to 1 with the noise z and the code c held: the big dots show G(z, c, c′₁) at this value, the faint lines the whole walk (drawn from the last frame: no training, no waiting)",
    });
    label.append(el("span", "mb-label", "walk c′₁"));
    const input = el("input", null, null, { type: "range", min: "0", max: String(steps - 1), step: "1", id: "walk-slider" });
    input.dataset.testid = "walk-slider";
    input.setAttribute("aria-label", "walk c′₁");
    const step = MODEL_VIEW.walkStep ?? Math.floor((steps - 1) / 2);
    input.value = String(Math.min(steps - 1, step));
    const out = el("output", "num walk-value");
    const show = () => {
      const s = Number(input.value);
      const v = lo + ((hi - lo) * s) / Math.max(1, steps - 1);
      out.textContent = (Math.abs(v) < 1e-9 ? 0 : v).toFixed(2).replace(/^-/, "−");
      input.setAttribute("aria-valuetext", `c′₁ = ${out.textContent}`);
    };
    input.addEventListener("input", () => {
      MODEL_VIEW.walkStep = Number(input.value);
      show();
      this.deps.onView();
    });
    show();
    label.append(input, out);
    this.walk = input;
    return label;
  }

  showPicked() {
    const shown = this.config?.show_class ?? -1;
    for (const b of this.chips || []) {
      const on = Number(b.dataset.value) === shown || (shown < 0 && b.dataset.value === "-1");
      b.setAttribute("aria-pressed", String(on));
    }
  }

  /** cgan: one bar per class, its share of fakes on its own modes (0–1), in its colour. */
  drawBars() {
    if (this.bars.hidden) return;
    const { ctx, w, h } = fitCanvas(this.barsCanvas);
    const acc = this.frame?.model === "cgan" ? this.frame.class_accuracy : null;
    const fs = parseFloat(getComputedStyle(this.bars).getPropertyValue("--chart-font")) || 13;
    ctx.font = `${fs - 1}px ${FONT}`;
    ctx.textBaseline = "middle";
    if (!acc || !acc.length) {
      ctx.fillStyle = "#555";
      ctx.textAlign = "left";
      ctx.fillText("per class: after the first step", 4, h / 2);
      this.barsCanvas.dataset.values = "";
      return;
    }
    const n = acc.length;
    const padL = Math.round(fs * 4);
    const labels = (w - padL) / n >= fs * 1.1; // room for the class numbers under the bars
    const bottom = h - (labels ? fs + 2 : 2);
    const top = 3;
    const slot = (w - padL - 4) / n;
    const bw = Math.max(2, Math.min(slot * 0.72, 3 * fs));
    const map = MODEL_VIEW.classMap;
    ctx.strokeStyle = "#999";
    ctx.lineWidth = 1;
    ctx.strokeRect(padL + 0.5, top + 0.5, w - padL - 4, bottom - top);
    ctx.fillStyle = "#333";
    ctx.textAlign = "right";
    ctx.fillText("1", padL - 5, top + fs / 2);
    ctx.fillText("0", padL - 5, bottom - fs / 2 + 2);
    for (let k = 0; k < n; k++) {
      const v = Number.isFinite(acc[k]) ? Math.min(1, Math.max(0, acc[k])) : 0;
      const x = padL + 2 + k * slot + (slot - bw) / 2;
      const y = bottom - v * (bottom - top);
      ctx.fillStyle = classColour(k, map);
      ctx.fillRect(x, y, bw, bottom - y);
      ctx.strokeStyle = "rgba(17,17,17,0.6)";
      ctx.strokeRect(x + 0.5, y + 0.5, bw - 1, Math.max(0, bottom - y - 1));
      if (labels) {
        ctx.fillStyle = "#333";
        ctx.textAlign = "center";
        ctx.fillText(String(k), x + bw / 2, bottom + fs / 2 + 2);
      }
    }
    const pct = Array.from(acc, (v) => (Number.isFinite(v) ? Math.round(v * 100) : "–"));
    this.barsCanvas.dataset.values = pct.join(",");
    this.barsCanvas.setAttribute("aria-label", `Per class, the share of its fakes on its own modes: ${pct.map((p, k) => `class ${k} ${p} %`).join(", ")}`);
  }
}
