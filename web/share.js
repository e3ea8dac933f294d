// "Share with the class": the run's read-only watch link, copyable, and its QR code (an SVG
// the server renders), with the number of students watching next to the button.

import { closeDialog } from "./keys.js";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1", "0.0.0.0"]);

export class SharePanel {
  constructor(byId) {
    this.$ = byId;
    this.dialog = byId("share-dialog");
    this.session = null;
    byId("share").addEventListener("click", () => this.open());
    byId("share-close").addEventListener("click", () => closeDialog(this.dialog));
    // a click on the backdrop (outside the panel's box) closes it
    this.dialog.addEventListener("click", (e) => {
      if (e.target === this.dialog) closeDialog(this.dialog);
    });
    byId("share-copy").addEventListener("click", () => this.copy());
  }

  /** The hello's `session` ({watch_url, qr_url, watchers}); null hides the button. */
  setSession(session) {
    this.session = session?.watch_url ? session : null;
    this.$("share").hidden = !this.session;
    this.setWatchers(this.session ? session.watchers ?? 0 : null);
    if (!this.session && this.dialog.open) this.dialog.close();
  }

  /** "(eye) 3 watching" by the button (nothing while nobody watches). */
  setWatchers(count) {
    const node = this.$("watchers");
    node.hidden = !count;
    this.$("watchers-count").textContent = count ? String(count) : "";
    node.title = count ? `${count} ${count === 1 ? "student is" : "students are"} watching this run through the watch link` : "";
    this.$("share-count").textContent = count == null ? "" : `${count} watching now`;
  }

  open() {
    const s = this.session;
    if (!s) return;
    const url = this.$("share-url");
    url.value = s.watch_url;
    const qr = this.$("share-qr");
    if (s.qr_url && qr.getAttribute("src") !== s.qr_url) qr.src = s.qr_url;
    qr.hidden = !s.qr_url;
    this.$("share-note").textContent = reachNote(s.watch_url);
    this.$("share-note").classList.toggle("warn", isLocal(s.watch_url));
    this.$("share-copy").textContent = "Copy";
    this.dialog.showModal();
    url.focus();
    url.select();
  }

  async copy() {
    const url = this.$("share-url");
    const button = this.$("share-copy");
    try {
      await navigator.clipboard.writeText(url.value);
      button.textContent = "Copied";
    } catch {
      // no clipboard permission (plain http on another machine): select it for Ctrl+C
      url.focus();
      url.select();
      button.textContent = "Press Ctrl+C";
    }
  }
}

function isLocal(watchUrl) {
  try {
    return LOCAL_HOSTS.has(new URL(watchUrl).hostname);
  } catch {
    return false;
  }
}

/** Whether students can reach the link, in plain words. */
function reachNote(watchUrl) {
  if (isLocal(watchUrl)) {
    return (
      "This link points to this computer only (localhost): students' devices cannot reach it. " +
      "Start the lab with `ganlab serve --host 0.0.0.0` and open it at this computer's network address, then share again."
    );
  }
  return "Students' devices must be able to reach this address (the same network as this computer, no firewall in between).";
}
