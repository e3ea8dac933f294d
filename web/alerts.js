// Visible, dismissable messages (the server's errors and connection trouble).

const MAX_SHOWN = 3;

export class Alerts {
  constructor(root) {
    this.root = root;
  }

  /** Show `message`; a newer message with the same code replaces the older one. */
  show(message, code = "error") {
    this.clear(code);
    const box = document.createElement("div");
    box.className = `alert alert-${code}`;
    box.dataset.code = code;
    const text = document.createElement("span");
    text.className = "alert-text";
    text.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "alert-close";
    close.setAttribute("aria-label", "Dismiss");
    close.title = "Hide this message";
    close.textContent = "×";
    close.addEventListener("click", () => box.remove());
    box.append(text, close);
    this.root.append(box);
    while (this.root.children.length > MAX_SHOWN) this.root.firstElementChild.remove();
  }

  clear(code) {
    for (const el of [...this.root.children]) if (!code || el.dataset.code === code) el.remove();
  }
}
