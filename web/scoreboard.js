// Big numbers for mode-based 2-D data: how many of the data's modes G covers and the
// share of its samples that land near a mode ("high quality"), as the GAN literature
// reports them. Hidden when the frame has no modes.

import { el } from "./dom.js";

function cell(label, tip) {
  const value = el("div", "score-value num", "–");
  const box = el("div", "score", null, { title: tip });
  box.append(value, el("div", "score-label", label));
  return { box, value };
}

export class Scoreboard {
  constructor(host) {
    this.host = host;
    this.modes = cell("modes covered", "Modes of the data that received at least 20 of 2,500 generated samples within 3 standard deviations of their centre");
    this.hq = cell("high-quality samples", "Share of 2,500 generated samples within 3 standard deviations of the nearest mode centre");
    this.modes.value.dataset.testid = "modes-covered";
    this.hq.value.dataset.testid = "hq-fraction";
    host.replaceChildren(this.modes.box, this.hq.box);
  }

  /** Show the frame's mode scores; hide the board for 1-D data or data without modes. */
  update(frame) {
    const s = frame?.dim === 2 ? frame.scalars || {} : {};
    const has = s.modes_total != null && s.modes_covered != null;
    this.host.hidden = !has;
    if (!has) return;
    this.modes.value.textContent = `${s.modes_covered} / ${s.modes_total}`;
    this.modes.box.classList.toggle("all", s.modes_covered === s.modes_total);
    this.hq.value.textContent = s.hq_fraction == null ? "–" : `${Math.round(s.hq_fraction * 100)} %`;
  }

  hide() {
    this.host.hidden = true;
  }
}
