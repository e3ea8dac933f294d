// One run of compare mode: its own socket (an ordinary session on /ws), its card (title,
// colour chip, iteration counter, status) and its view, drawn by the lab's own modules
// (figure1.js in 1-D, view2d.js in 2-D). Each socket has its own resume key, kept by the page
// (compare.js) apart from the lab page's, so no socket takes over another run.

import { drawFigure1 } from "./figure1.js";
import { el } from "./dom.js";
import { kindOfFrame, StableRange } from "./kinds.js";
import { errorText, FINAL_CLOSES } from "./messages.js";
import { LabSocket } from "./socket.js";
import { View2D } from "./view2d.js";

const STATUS_TEXT = {
  connecting: "connecting…",
  retrying: "reconnecting…",
  full: "lab full — retrying",
  closed: "disconnected",
  configuring: "loading…",
  failed: "not loaded",
  paused: "paused",
  playing: "playing",
  stepping: "stepping",
  touring: "busy",
  diverged: "diverged",
};

export class RunView {
  /**
   * index: the run's place (0…3); spec: {label, preset, overrides, config, dim}; color: its
   * colour in the charts; host: the grid it joins; resumeKey: the run to reconnect to (or
   * null: a new run); hooks: {onHello(view, msg), onFrame(view, frame), onReset(view),
   * onChange(view), onKey(view)}.
   */
  constructor(index, spec, color, host, resumeKey, hooks) {
    this.index = index;
    this.spec = spec;
    this.color = color;
    this.hooks = hooks;
    this.key = resumeKey;
    // the spec the session holds: a stored run (a reload of the same link) holds this one
    this.appliedSpec = resumeKey ? spec : null;
    this.link = "connecting";
    this.status = null; // the server's: paused | playing | stepping | diverged | …
    this.frame = null;
    this.iteration = 0;
    this.frames = 0; // frames drawn so far (the page waits for one after a Pause)
    this.ready = false; // configured as the spec says (or resumed): frames count
    this.awaiting = false; // our configure is on its way
    this.failed = null; // why the spec could not be loaded
    this.note = "";
    this.noteTone = "";
    this.info = "";
    this.infoTip = "";
    this.dirty = true;
    this.dRange = new StableRange();
    this.closed = false;
    this.build(host);
    this.socket = new LabSocket(() => this.wsUrl(), {
      onMessage: (msg) => this.onMessage(msg),
      onState: (state, code) => this.onState(state, code),
      finalCodes: Object.keys(FINAL_CLOSES),
    });
    this.socket.connect();
  }

  // -- the card -----------------------------------------------------------------------------
  build(host) {
    const i = this.index;
    this.card = el("article", "cmp-run");
    this.card.dataset.testid = `compare-run-${i}`;
    const head = el("header", "cmp-run-head");
    const chip = el("span", "cmp-chip");
    chip.style.background = this.color;
    chip.setAttribute("aria-hidden", "true");
    this.titleNode = el("h2", "cmp-run-title");
    this.titleNode.dataset.testid = `compare-label-${i}`;
    this.statusNode = el("span", "cmp-run-status");
    this.statusNode.dataset.testid = `compare-status-${i}`;
    this.statusNode.setAttribute("role", "status");
    const counter = el("span", "cmp-run-counter", null, { title: "Training iterations of this run (each is k D updates and one G update)" });
    this.iterNode = el("span", "num cmp-run-iter", "0");
    this.iterNode.dataset.testid = `compare-iteration-${i}`;
    counter.append(el("span", "cmp-run-it", "it "), this.iterNode);
    head.append(chip, this.titleNode, this.statusNode, counter);
    this.viewNode = el("div", "cmp-view");
    this.viewNode.dataset.view = "";
    this.noteNode = el("p", "cmp-run-note");
    this.noteNode.dataset.testid = `compare-note-${i}`;
    this.card.append(head, this.viewNode, this.noteNode);
    this.card.style.setProperty("--run-color", this.color);
    host.append(this.card);
    this.showSpec();
  }

  /** The card's title and view for the spec (1-D: Figure 1; 2-D: heatmap under the samples). */
  showSpec() {
    const s = this.spec;
    this.titleNode.textContent = s.label;
    this.titleNode.title = `${s.label}: the ${s.preset} preset${Object.keys(s.overrides).length ? ` with ${Object.entries(s.overrides).map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(", ") || "none" : v}`).join(", ")}` : ""}`;
    this.card.dataset.dim = String(s.dim);
    this.viewNode.replaceChildren();
    this.view2d = null;
    this.canvas = null;
    if (s.dim === 2) {
      const heat = el("canvas", "cmp-heat");
      const main = el("canvas", "cmp-main-canvas");
      main.setAttribute("role", "img");
      main.setAttribute("aria-label", `${s.label}: real and generated samples, G's mesh and the second network's surface`);
      heat.setAttribute("aria-hidden", "true");
      this.viewNode.append(heat, main);
      this.view2d = new View2D(heat, main);
    } else {
      this.canvas = el("canvas", "cmp-fig");
      this.canvas.setAttribute("role", "img");
      this.canvas.setAttribute("aria-label", `${s.label}: Figure 1 — p_data, p_g, G's mapping and D`);
      this.viewNode.append(this.canvas);
    }
    this.dirty = true;
  }

  /** New runs for this card (the picker chose another comparison): configure the session. */
  retarget(spec) {
    this.spec = spec;
    this.frame = null;
    this.iteration = 0;
    this.iterNode.textContent = "0";
    this.failed = null;
    this.setNote("");
    this.setInfo("");
    this.dRange.reset();
    this.kindKey = null;
    this.showSpec();
    this.ready = false;
    if (this.socket.open) this.configure();
    this.render();
  }

  /** A problem or warning for this run (diverged, refused settings…); "" clears it. */
  setNote(text, tone = "") {
    this.note = text;
    this.noteTone = tone;
    this.showLine();
  }

  /** What the card says when nothing is wrong (what the colours mean, modes covered). */
  setInfo(text, tip = "") {
    if (text === this.info && tip === this.infoTip) return;
    this.info = text;
    this.infoTip = tip;
    this.showLine();
  }

  showLine() {
    const text = this.note || this.info || "";
    if (this.noteNode.textContent !== text) this.noteNode.textContent = text;
    this.noteNode.className = `cmp-run-note ${this.note ? this.noteTone : "info"}`;
    this.noteNode.title = this.note || this.infoTip || "";
  }

  /** What the card's status says: the connection's state, else the run's. */
  get state() {
    if (this.failed) return "failed";
    if (this.link !== "open") return this.link;
    if (!this.ready) return "configuring";
    return this.status || "paused";
  }

  render() {
    const st = this.state;
    this.statusNode.textContent = STATUS_TEXT[st] || st;
    this.statusNode.className = `cmp-run-status st-${st}`;
    this.card.dataset.state = st;
    this.hooks.onChange(this);
  }

  // -- the socket ---------------------------------------------------------------------------
  wsUrl() {
    const loc = window.location;
    const params = new URLSearchParams();
    if (this.key) params.set("resume", this.key);
    const token = new URLSearchParams(loc.search).get("token");
    if (token) params.set("token", token);
    const query = params.toString();
    return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ws${query ? `?${query}` : ""}`;
  }

  /** Send to this run once it is configured; false otherwise. */
  send(cmd) {
    if (!this.ready || this.failed) return false;
    return this.socket.send(cmd);
  }

  configure() {
    this.ready = false;
    this.awaiting = this.socket.send({ type: "configure", preset: this.spec.preset, config: this.spec.overrides });
  }

  onState(state, code) {
    this.link = state;
    if (state !== "open") this.status = null;
    if (state === "closed") this.setNote(FINAL_CLOSES[code]?.text || "The connection to the lab closed.", "bad");
    this.dirty = true;
    this.render();
  }

  onMessage(msg) {
    if (this.closed) return;
    switch (msg.type) {
      case "hello":
        this.onHello(msg);
        break;
      case "config":
        if (this.awaiting && msg.applied === "reset") {
          this.awaiting = false;
          this.ready = true;
          this.appliedSpec = this.spec;
          this.frame = null;
          this.hooks.onReset(this);
          if (msg.dropped?.length) this.setNote(`Not applied: ${msg.dropped.map((d) => `${d.field} (${d.reason})`).join("; ")}`, "warn");
        }
        break;
      case "frame":
        this.onFrame(msg);
        break;
      case "error":
        this.onError(msg);
        break;
      default:
        break;
    }
    this.render();
  }

  onHello(msg) {
    this.key = msg.session?.key || null;
    this.hooks.onKey(this);
    this.status = msg.status;
    if (msg.resumed && this.appliedSpec === this.spec) {
      // the same run came back (a reload, a dropped connection): it is already configured
      this.ready = true;
      this.iteration = msg.iteration ?? 0;
      this.iterNode.textContent = String(this.iteration);
      this.hooks.onHello(this, msg);
      return;
    }
    if (msg.resume_failed && this.appliedSpec) this.setNote("The server no longer had this run: it starts again from iteration 0.", "warn");
    this.hooks.onHello(this, msg);
    this.configure();
  }

  onFrame(f) {
    // the session's first frames, before our configure, are of another preset
    if (!this.ready || f.dim !== this.spec.dim) return;
    if (f.iteration < this.iteration) this.hooks.onReset(this);
    this.frame = f;
    this.frames += 1;
    this.iteration = f.iteration;
    this.status = f.status;
    this.iterNode.textContent = String(f.iteration);
    if (f.status !== "diverged" && this.noteTone.includes("diverged")) this.setNote("");
    this.view2d?.setFrame(f);
    this.dirty = true;
    this.hooks.onFrame(this, f);
  }

  onError(msg) {
    const text = errorText(msg, null);
    if (msg.code === "diverged") {
      this.status = "diverged";
      this.setNote(msg.message?.replace(/\. Press Reset.*$/, ". Reset starts it again.") || "Training diverged.", "bad diverged");
    } else if (msg.code === "bad_config" || msg.code === "too_costly") {
      if (this.awaiting) {
        this.awaiting = false;
        this.failed = text;
      }
      this.setNote(text, "bad");
    } else if (msg.code === "taken_over" || msg.code === "lab_full") {
      this.setNote(text, "warn");
    } else if (msg.code !== "rate_limited") {
      this.setNote(text, "warn");
    }
  }

  // -- drawing ------------------------------------------------------------------------------
  /** The kind of second network the frames show (D, a critic, MMD's witness), once known. */
  get kind() {
    return this.frame ? kindOfFrame(this.frame) : null;
  }

  draw() {
    const emptyText = this.failed ? "not loaded" : this.link === "open" ? "loading the run…" : STATUS_TEXT[this.link] || "connecting…";
    if (this.view2d) {
      if (!(this.dirty || this.view2d.dirty || this.view2d.animating)) return;
      this.view2d.emptyText = emptyText;
      this.view2d.draw();
    } else if (this.canvas && this.dirty) {
      drawFigure1(this.canvas, this.ready ? this.frame : null, { emptyText, dRange: this.dRange });
    }
    this.dirty = false;
  }

  resized() {
    this.dirty = true;
    if (this.view2d) this.view2d.dirty = true;
  }

  /** Leave the run (its session waits out the server's resume grace, then ends). */
  close() {
    this.closed = true;
    clearTimeout(this.socket.timer);
    const ws = this.socket.ws;
    this.socket.ws = null; // no reconnect
    clearInterval(this.socket.pinger);
    ws?.close(1000);
    this.card.remove();
  }
}
