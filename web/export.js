// The Export menu (beside the view, at the top of the charts): the view as a PNG, the
// Figure-1 tour's four panels as one PNG, the charts' metrics as CSV, the run as JSON, and
// "Open run…", which applies a saved run's settings the way a link's are applied and shows
// its history until the new run trains. Files: export_data.js; pictures: export_picture.js.

import { fieldLabel } from "./messages.js";
import { chartHistory, download, fileName, metricsCsv, readRun, RunFileError, runFile } from "./export_data.js";
import { panelsPicture, redrawView2D, toBlob, viewPicture } from "./export_picture.js";

const MAX_RUN_BYTES = 20 * 1024 * 1024;
const LABELS = ["a", "b", "c", "d"];

export class ExportMenu {
  /**
   * byId: document.getElementById. deps: {alerts, charts (the Chart list), tour (TourPanels),
   * run() → {config, preset, iteration, dim, presetTitle, objectiveTitle, hello, online},
   * view2d (the page's View2D), drawFigure(canvas) (Figure 1 as the page shows it),
   * drawPanel(canvas, label), captionOf(label), configure(cmd) → bool (sends a command),
   * showHistory(history) (the charts show it), clearHistory()}.
   */
  constructor(byId, deps) {
    this.$ = byId;
    this.deps = deps;
    this.pending = null; // a run file sent to the server: {name, preset, history}
    this.holding = false; // the charts show a loaded run's history
    this.toggle = byId("export-toggle");
    this.menu = byId("export-menu");
    this.file = byId("export-file");
    this.toggle.addEventListener("click", (e) => this.setOpen(this.menu.hidden, e.detail === 0));
    const actions = {
      "export-view": () => this.saveView(),
      "export-panels": () => this.savePanels(),
      "export-csv": () => this.saveCsv(),
      "export-run": () => this.saveRun(),
      "export-open": () => this.file.click(),
    };
    for (const [id, act] of Object.entries(actions)) {
      byId(id).addEventListener("click", () => {
        this.setOpen(false);
        Promise.resolve()
          .then(act)
          .catch((err) => this.deps.alerts.show(`Export failed: ${err.message || err}`, "export"));
      });
    }
    this.file.addEventListener("change", () => {
      const f = this.file.files?.[0];
      this.file.value = ""; // the same file again is a new choice
      if (f) this.openRun(f);
    });
    // a click elsewhere or Esc closes the menu (before the page's own Esc: presentation mode…)
    document.addEventListener("click", (e) => {
      if (!this.menu.hidden && !e.target.closest?.(".export")) this.setOpen(false);
    });
    document.addEventListener(
      "keydown",
      (e) => {
        if (e.key !== "Escape" || this.menu.hidden) return;
        e.stopPropagation();
        e.preventDefault();
        const inside = this.menu.contains(document.activeElement);
        this.setOpen(false);
        if (inside) this.toggle.focus(); // a keyboard user goes on from the button
      },
      true,
    );
  }

  /** Open or close the menu; `keyboard`: opened from the keyboard (its first item gets the
   * focus; a mouse user keeps the page's shortcuts). */
  setOpen(open, keyboard = false) {
    if (open) this.refresh();
    // under the button, opening towards the side with room
    const r = this.toggle.getBoundingClientRect();
    this.menu.classList.toggle("to-right", r.left + r.width / 2 < window.innerWidth / 2);
    this.menu.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    if (open && keyboard) this.menu.querySelector("button:not(:disabled)")?.focus();
  }

  /** What can be saved now. */
  refresh() {
    const run = this.deps.run();
    const panels = this.$("export-panels");
    const recorded = LABELS.every((l) => this.deps.tour.frames[l]);
    panels.disabled = !recorded || this.deps.tour.running;
    panels.title = recorded
      ? "Panels (a)–(d) of the Figure 1 tour, side by side with their captions, in one PNG"
      : "Record the tour first: press Figure 1 tour, then save its four panels";
    this.$("export-open").disabled = !run.online;
    this.$("export-view").disabled = !run.hasFrame;
  }

  caption(run) {
    const parts = [run.presetTitle || run.preset || "custom settings"];
    if (run.objectiveTitle) parts.push(run.objectiveTitle);
    parts.push(`iteration ${Number(run.iteration || 0).toLocaleString("en")}`);
    return `GAN Lab · ${parts.join(" · ")}`;
  }

  async saveView() {
    const run = this.deps.run();
    const two = run.dim === 2;
    const text = two ? `${this.caption(run)} · heatmap: purple = real, green = fake` : this.caption(run);
    const page = this.$(two ? "view2d-main" : "figure1");
    const draw = two ? ([heat, main]) => redrawView2D(this.deps.view2d, heat, main) : ([canvas]) => this.deps.drawFigure(canvas);
    const picture = viewPicture(page, two ? 2 : 1, draw, text);
    download(await toBlob(picture), fileName(run.preset, run.iteration, "png"));
  }

  async savePanels() {
    const run = this.deps.run();
    const d = this.deps.tour.frames.d;
    const title = `Figure 1 tour · ${[run.presetTitle || run.preset, run.objectiveTitle].filter(Boolean).join(" · ")}`;
    const picture = panelsPicture(this.deps.drawPanel, this.deps.captionOf, title);
    download(await toBlob(picture), fileName(run.preset, d?.iteration ?? run.iteration, "png", "tour"));
  }

  saveCsv() {
    const run = this.deps.run();
    download(new Blob([metricsCsv(this.deps.charts)], { type: "text/csv" }), fileName(run.preset, run.iteration, "csv"));
  }

  saveRun() {
    const run = this.deps.run();
    if (!run.config) throw new Error("not connected to the lab yet: there is no run to save");
    const body = runFile({ config: run.config, preset: run.preset, iteration: run.iteration, history: chartHistory(this.deps.charts) });
    download(new Blob([`${JSON.stringify(body, null, 1)}\n`], { type: "application/json" }), fileName(run.preset, run.iteration, "json"));
  }

  /** Read a run file and apply its settings the way a link's are (each bad or unknown value
   * is left out and named); its history shows once the server has applied them. */
  async openRun(file) {
    const alerts = this.deps.alerts;
    alerts.clear("open_run");
    alerts.clear("from_file");
    let run;
    try {
      if (file.size > MAX_RUN_BYTES) throw new RunFileError(`${file.name} is too large to be a GAN Lab run (${Math.round(file.size / 1e6)} MB).`);
      run = readRun(await file.text(), file.name);
    } catch (err) {
      alerts.show(err instanceof RunFileError ? err.message : `Could not read ${file.name}: ${err.message || err}`, "open_run");
      return;
    }
    const now = this.deps.run();
    // a preset to start from (the file's, else the current one): every field then comes from
    // the file, and the run starts afresh from iteration 0
    const preset = run.preset ?? now.preset ?? now.presets?.[0]?.name;
    // the server applies the fields one by one, in order: lists first (a drawn distribution
    // needs its points before it can be chosen)
    const entries = Object.entries(run.config);
    const config = Object.fromEntries([...entries.filter(([, v]) => Array.isArray(v)), ...entries.filter(([, v]) => !Array.isArray(v))]);
    const cmd = { type: "configure", config, from_url: true };
    if (preset) cmd.preset = preset;
    if (this.deps.configure(cmd)) this.pending = { name: file.name, preset, history: run.history };
  }

  /** After the page handled a config message: the answer to an opened run names what it left
   * out, and the run's saved history fills the charts. */
  afterConfig(msg) {
    const pending = this.pending;
    this.pending = null;
    this.holding = false;
    if (!pending || msg.applied !== "reset") return;
    const dropped = Array.isArray(msg.dropped) ? msg.dropped : [];
    if (msg.preset !== pending.preset && !dropped.some((d) => d.field === "preset")) return; // not its answer
    if (dropped.length) {
      const hello = this.deps.run().hello;
      const parts = dropped.map((d) => `${fieldLabel(hello, d.field)}${d.value == null ? "" : ` = ${d.value}`}${d.reason ? ` (${d.reason})` : ""}`);
      this.deps.alerts.show(`From ${pending.name}, not applied: ${parts.join("; ")}.`, "from_file", { tone: "warn" });
    }
    if (pending.history.length) {
      this.deps.showHistory(pending.history);
      this.holding = true;
    }
  }

  /** A frame came: true while the charts keep a loaded run's history (the new run has not
   * trained yet: its point is not added); its first update puts the live history back. */
  holdHistory(frame) {
    if (!this.holding) return false;
    if (!frame.iteration && !frame.d_updates && !frame.g_updates) return true;
    this.holding = false;
    this.deps.clearHistory();
    return false;
  }
}
