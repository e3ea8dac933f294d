// The keyboard. Space and Enter press the focused control (a button, a checkbox, a select…);
// the page's shortcuts (Space = play/pause, → = step, R = reset, P = presentation) apply only
// when no control has focus: the focus is on the page itself or on the view.

// What counts as a control: anything that takes the keyboard's focus to be used.
const CONTROL = "button, input, select, textarea, summary, a[href], [role=button], [tabindex]";
// Controls that give the focus back to the page after a mouse click.
const MOUSE_BLUR = "button, input[type=checkbox], input[type=radio], input[type=range], [role=button]";

/** The focused control, or null when the focus is on the page (body) or on the view. */
export function focusedControl(doc = document) {
  const el = doc.activeElement;
  if (!el || el === doc.body || el === doc.documentElement) return null;
  if (el.closest("[data-view]")) return null; // the view itself: the shortcuts are for it
  if (el.isContentEditable || el.matches(CONTROL)) return el;
  return null;
}

/**
 * Install the page's keys. `shortcuts`: {key: action} for keys pressed with no control
 * focused (keys are KeyboardEvent.key values, letters lower-case); `onEscape()` returns true
 * when it handled Esc (leave presentation mode, cancel a pending change…).
 */
export function installKeys({ shortcuts, onEscape }, doc = document) {
  doc.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      // a modal dialog closes itself (its "cancel" event); otherwise the page decides
      if (!doc.querySelector("dialog[open]") && onEscape()) e.preventDefault();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const control = focusedControl(doc);
    if (control) {
      // Enter presses a checkbox too, as Space does (browsers only do Space)
      if (e.key === "Enter" && control.matches("input[type=checkbox], input[type=radio]")) {
        e.preventDefault();
        control.click();
      }
      return; // the control gets Space, Enter and the arrows as usual
    }
    if (doc.querySelector("dialog[open]")) return; // a panel or the share box is in front
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const action = shortcuts[key === "Spacebar" ? " " : key];
    if (!action) return;
    e.preventDefault(); // no page scroll on Space or the arrows
    if (!e.repeat || key === "ArrowRight") action();
  });

  // A button, checkbox or slider used with the mouse gives the focus back to the page, so
  // Space still plays right after a click on Step (a slider dragged with the mouse ends with
  // a click too); keyboard users keep their focus. A dialog used with the mouse does the
  // same when it closes (the browser would put the focus back on the button that opened it).
  doc.addEventListener("click", (e) => {
    if (e.detail === 0) return; // a click made by the keyboard (Space, Enter)
    const el = doc.activeElement;
    if (!el || el === doc.body) return;
    const dialog = el.closest("dialog");
    if (dialog) dialog.dataset.pointer = "1";
    else if (el.matches(MOUSE_BLUR)) el.blur();
  });
  // Esc on a dialog used with the mouse: close it here, so the focus goes back to the page
  doc.addEventListener(
    "cancel", // does not bubble: caught on its way down
    (e) => {
      if (e.target.dataset?.pointer !== "1") return;
      e.preventDefault();
      closeDialog(e.target);
    },
    true,
  );
}

/** Close a modal dialog. Opened or used with the mouse, it gives the focus to the page
 * rather than back to the button that opened it (the browser's choice), synchronously, so
 * the very next key is a shortcut again. */
export function closeDialog(dialog) {
  const pointer = dialog.dataset.pointer === "1";
  delete dialog.dataset.pointer;
  dialog.close(); // the browser puts the focus back where it was, now
  const el = dialog.ownerDocument.activeElement;
  if (pointer && el?.matches?.(MOUSE_BLUR)) el.blur();
}
