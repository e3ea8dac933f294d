// The websocket to the lab's server, with automatic reconnect (exponential backoff).
// States reported to onState: "connecting", "open", "retrying" (with seconds), "full", and
// "closed" (with the close code) after a close that must not be retried by itself: a refused
// token or origin, an unknown watch link, an idle run, a run taken over by another tab.
// Messages are JSON text, except frames: binary (frames.js), decoded into the same shape.

import { decodeFrame } from "./frames.js";

const MIN_DELAY = 500;
const MAX_DELAY = 10000;
const PING_EVERY = 20000;

export class LabSocket {
  /** `url()` gives the address for each connection (it changes: ?resume=KEY after a hello);
   * `finalCodes`: close codes after which it stays closed. */
  constructor(url, { onMessage, onState, finalCodes = [] }) {
    this.url = url;
    this.onMessage = onMessage;
    this.onState = onState;
    this.finalCodes = new Set(finalCodes.map(Number));
    this.delay = MIN_DELAY;
    this.ws = null;
    this.full = false;
    this.timer = null;
    this.pinger = null;
  }

  connect() {
    clearTimeout(this.timer);
    this.onState("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.binaryType = "arraybuffer"; // frames: typed-array views over the message, no copies
    ws.addEventListener("open", () => {
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ type: "ping" }), PING_EVERY);
    });
    ws.addEventListener("message", (ev) => {
      if (this.ws !== ws) return;
      let msg;
      try {
        msg = typeof ev.data === "string" ? JSON.parse(ev.data) : decodeFrame(ev.data);
      } catch {
        return;
      }
      if (msg.type === "hello") {
        this.delay = MIN_DELAY; // a real session: forget past failures
        this.full = false;
        this.onState("open");
      } else if (msg.type === "error" && msg.code === "lab_full") {
        this.full = true;
      }
      this.onMessage(msg);
    });
    ws.addEventListener("close", (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pinger);
      if (this.finalCodes.has(ev.code)) this.onState("closed", ev.code);
      else this.retry();
    });
    // "error" is always followed by "close"; nothing to do here.
    ws.addEventListener("error", () => {});
  }

  retry() {
    const wait = this.delay * (0.8 + 0.4 * Math.random());
    this.delay = Math.min(this.delay * 2, MAX_DELAY);
    this.onState(this.full ? "full" : "retrying", Math.round(wait / 1000));
    this.timer = setTimeout(() => this.connect(), wait);
  }

  /** Send a command; false when there is no open connection. */
  send(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  get open() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }
}
