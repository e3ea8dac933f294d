// Visible, dismissable messages (the server's errors and connection trouble).

import { el } from "./dom.js";

const MAX_SHOWN = 3;

export class Alerts {
  constructor(root) {
    this.root = root;
  }

  /** Show `message`; a newer message with the same code replaces the older one. */
  show(message, code = "error") {
    this.clear(code);
    const box = el("div", `alert alert-${code}`);
    box.dataset.code = code;
    const close = el("button", "alert-close", "×", { type: "button", title: "Hide this message" });
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", () => box.remove());
    box.append(el("span", "alert-text", message), close);
    this.root.append(box);
    while (this.root.children.length > MAX_SHOWN) this.root.firstElementChild.remove();
  }

  clear(code) {
    for (const node of [...this.root.children]) if (!code || node.dataset.code === code) node.remove();
  }
}
