// Which run this tab drives or watches, and how to reach it again.
// A presenter's tab keeps its run's key (hello.session.key) in sessionStorage, one per tab,
// and reconnects with /ws?resume=KEY: after a dropped connection, a page reload, or the same
// link opened again in this tab. A different link in this tab starts a new run, as the link
// asks. A watch page (/watch/WATCH_ID) connects with /ws?watch=WATCH_ID and sends nothing.

const KEY = "ganlab.run"; // {key, link}: the run's key and the link (config part) it was on
const PLAYING = "ganlab.playing"; // "1" while the run plays: a resumed run is set playing again

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage blocked: no resume, every connection is a new run
  }
}

/** The watch id of a /watch/WATCH_ID page, or null. */
export function watchIdFromPath(pathname = window.location.pathname) {
  const m = /^\/watch\/([^/]+)\/?$/.exec(pathname);
  return m ? decodeURIComponent(m[1]) : null;
}

/** How this page was opened: "navigate", "reload", "back_forward" (Navigation Timing). */
function navigationType() {
  const nav = performance.getEntriesByType?.("navigation")?.[0];
  return nav?.type || "navigate";
}

export class SessionLink {
  /** `linkOf()` returns the config part of the page's link (view keys left out). */
  constructor(linkOf) {
    this.linkOf = linkOf;
    this.watchId = watchIdFromPath();
    this.store = storage();
    this.connections = 0;
    const saved = this.read();
    // resume after a reload, or when the same link is opened again in this tab
    const again = navigationType() !== "navigate" || (saved && saved.link === linkOf());
    this.resumeKey = !this.watchId && saved && again ? saved.key : null;
    if (!this.resumeKey && !this.watchId) this.forget(); // a new link in this tab: a new run
    this.playing = this.store?.getItem(PLAYING) === "1";
  }

  get watching() {
    return this.watchId != null;
  }

  read() {
    try {
      const saved = JSON.parse(this.store?.getItem(KEY) || "null");
      return saved && typeof saved.key === "string" ? saved : null;
    } catch {
      return null;
    }
  }

  /** The websocket address for the next connection. */
  wsUrl() {
    const loc = window.location;
    const params = new URLSearchParams();
    if (this.watchId) params.set("watch", this.watchId);
    else if (this.resumeKey) params.set("resume", this.resumeKey);
    // a lab opened beyond localhost may need its token on the socket as on the page
    const token = new URLSearchParams(loc.search).get("token");
    if (token) params.set("token", token);
    const query = params.toString();
    this.connections += 1;
    return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ws${query ? `?${query}` : ""}`;
  }

  /** A presenter's hello: keep its run's key for the next connection. */
  remember(key) {
    if (this.watchId || !key) return;
    this.resumeKey = key;
    this.save();
  }

  /** The page's link changed: the saved run goes with it. */
  save() {
    if (!this.resumeKey) return;
    try {
      this.store?.setItem(KEY, JSON.stringify({ key: this.resumeKey, link: this.linkOf() }));
    } catch {
      // storage full or blocked: the run just will not be resumed
    }
  }

  /** Start afresh: the next connection is a new run. */
  forget() {
    this.resumeKey = null;
    this.playing = false;
    try {
      this.store?.removeItem(KEY);
      this.store?.removeItem(PLAYING);
    } catch {
      // nothing stored
    }
  }

  /** Whether the run was playing when this tab last saw it (kept across a reload). */
  get wasPlaying() {
    return this.playing;
  }

  set wasPlaying(on) {
    if (this.watchId || on === this.playing) return; // every frame sets it: store changes only
    this.playing = on;
    try {
      this.store?.setItem(PLAYING, on ? "1" : "0");
    } catch {
      // not kept: a resumed run stays paused
    }
  }
}
