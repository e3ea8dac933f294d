// Presentation mode: the settings hide, the view and the charts grow, the type gets larger
// (CSS: body.present), and the page goes full screen where the browser allows it. Full
// screen is only a bonus: when the browser refuses it (no user gesture, a headless browser,
// an iframe) the mode works the same inside the window.

export class Presentation {
  /** `onChange(on)` after each switch (the URL and the canvases follow). */
  constructor({ onChange, body = document.body } = {}) {
    this.on = false;
    this.body = body;
    this.onChange = onChange || (() => {});
    this.wentFullscreen = false; // whether this mode asked for full screen and got it
    document.addEventListener("fullscreenchange", () => {
      // leaving full screen (the browser's own Esc) leaves the mode too
      if (!document.fullscreenElement && this.wentFullscreen) {
        this.wentFullscreen = false;
        if (this.on) this.set(false);
      }
    });
  }

  toggle() {
    this.set(!this.on);
  }

  set(on) {
    if (on === this.on) return;
    this.on = on;
    this.body.classList.toggle("present", on);
    if (on) this.requestFullscreen();
    else if (document.fullscreenElement && this.wentFullscreen) {
      this.wentFullscreen = false;
      document.exitFullscreen().catch(() => {});
    }
    this.onChange(on);
  }

  requestFullscreen() {
    const root = document.documentElement;
    // browsers grant full screen only in answer to a click or a key: not for a link's present=1
    if (!root.requestFullscreen || document.fullscreenElement || navigator.userActivation?.isActive === false) return;
    root
      .requestFullscreen({ navigationUI: "hide" })
      .then(() => {
        this.wentFullscreen = true;
        if (!this.on) document.exitFullscreen().catch(() => {}); // left again meanwhile
      })
      .catch(() => {}); // refused: presentation mode in the window
  }
}
