// Visible, dismissable messages (the server's errors, connection news). They sit in the
// page's flow above the view, so they never cover a control, and long ones wrap.

import { el } from "./dom.js";

const MAX_SHOWN = 3;

export class Alerts {
  constructor(root) {
    this.root = root;
  }

  /**
   * Show `message`; a newer message with the same code replaces the older one.
   * opts.tone: "error" (default), "warn" or "info"; opts.action: {label, run} adds a button;
   * opts.seconds: hide it by itself after that long.
   */
  show(message, code = "error", opts = {}) {
    this.clear(code);
    const box = el("div", `alert alert-${code} tone-${opts.tone || "error"}`);
    box.dataset.code = code;
    const close = el("button", "alert-close", "×", { type: "button", title: "Hide this message" });
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", () => box.remove());
    box.append(el("span", "alert-text", message));
    if (opts.action) {
      const act = el("button", "alert-action primary", opts.action.label, { type: "button" });
      act.addEventListener("click", () => {
        box.remove();
        opts.action.run();
      });
      box.append(act);
    }
    box.append(close);
    this.root.append(box);
    while (this.root.children.length > MAX_SHOWN) this.root.firstElementChild.remove();
    if (opts.seconds) setTimeout(() => box.remove(), opts.seconds * 1000);
    return box;
  }

  clear(code) {
    for (const node of [...this.root.children]) if (!code || node.dataset.code === code) node.remove();
  }

  /** The text of the message with `code`, if one is shown. */
  text(code) {
    return this.root.querySelector(`[data-code="${code}"] .alert-text`)?.textContent || null;
  }
}
