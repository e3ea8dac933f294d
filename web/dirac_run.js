// One run of the Dirac-GAN as the page keeps it: its settings and the trajectory computed so
// far (index = step), extended by asking the server for the next stretch from its last
// point. The path is deterministic, so Reset only moves the page's step counter back.

import { computeDirac } from "./dirac_api.js";

export class DiracRun {
  constructor(config) {
    this.config = { ...config };
    this.restart();
  }

  /** Forget the path (new settings or start): only the start point is known. */
  restart() {
    this.gen = (this.gen || 0) + 1; // answers to requests made before this are dropped
    this.theta = [this.config.theta];
    this.psi = [this.config.psi];
    this.distance = [Math.hypot(this.config.theta, this.config.psi)];
    this.divergedAt = null; // the step whose update left float range, if one did
    this.inflight = false;
    this.error = null;
  }

  /** The last step known. */
  known() {
    return this.theta.length - 1;
  }

  /** The last step that can be shown: a diverged run stops at its last finite point. */
  last() {
    return this.divergedAt === null ? this.known() : this.divergedAt - 1;
  }

  /** The step shown when the page is at `step`. */
  at(step) {
    return Math.min(step, this.last());
  }

  /** Ask for the path up to `upto` (at most `chunk` updates a request, one request at a time). */
  async extend(upto, chunk) {
    if (this.divergedAt !== null || this.inflight || this.error || this.known() >= upto) return;
    const from = this.known();
    const gen = this.gen;
    this.inflight = true;
    let res;
    try {
      res = await computeDirac({ ...this.config, theta: this.theta[from], psi: this.psi[from], steps: Math.min(chunk, upto - from) });
    } catch (err) {
      if (gen === this.gen) {
        this.error = err;
        this.inflight = false;
      }
      return;
    }
    if (gen !== this.gen) return;
    this.inflight = false;
    for (let i = 1; i < res.theta.length; i++) {
      if (res.distance[i] === null) {
        this.divergedAt = from + i;
        break;
      }
      this.theta.push(res.theta[i]);
      this.psi.push(res.psi[i]);
      this.distance.push(res.distance[i]);
    }
    if (res.diverged && this.divergedAt === null) this.divergedAt = this.known() + 1;
  }

  /**
   * What the path did by `step`, in words: it diverged, converges (distance down by a tenth
   * since half-way), spirals out (up by a tenth) or circles.
   */
  trend(step) {
    if (this.divergedAt !== null && step >= this.divergedAt) return `diverged (step ${this.divergedAt})`;
    const s = this.at(step);
    if (s < 20) return "";
    const now = this.distance[s];
    const before = this.distance[Math.floor(s / 2)];
    if (now < 0.9 * before || now < 1e-6) return "converges";
    if (now > 1.1 * before) return "spirals out";
    return "circles";
  }
}
