// The server's messages in the page's words: config fields are named by the titles the form
// shows (the schema's `title`), never by their internal names, and the connection's closing
// codes say what happened and what the teacher can do.

import { VIEW_KEYS } from "./viewstate.js";

/** The page's label for a config field (or "Preset"). */
export function fieldLabel(hello, field) {
  if (field === "preset") return "Preset";
  if (field in VIEW_KEYS) return VIEW_KEYS[field];
  return hello?.schema?.properties?.[field]?.title || field;
}

/** "G learning rate = 0 (must be greater than 0)" for each part of a link that was left out;
 * `items`: {label} (the page's own) or {field} (the server's), with value and reason. */
export function droppedText(items, hello) {
  const parts = items.map((d) => {
    const label = d.label || fieldLabel(hello, d.field);
    const value = d.value == null ? "" : ` = ${typeof d.value === "string" ? d.value : JSON.stringify(d.value)}`;
    return `${label}${value}${d.reason ? ` (${d.reason})` : ""}`;
  });
  return `From the link, not applied: ${parts.join("; ")}.`;
}

/** A bad_config error's text: one "Label: what is wrong" per problem when the server lists
 * them, else its message. */
export function configErrorText(msg, hello) {
  const problems = Array.isArray(msg.problems) ? msg.problems : [];
  if (!problems.length) return msg.message || "That setting was not accepted.";
  const lines = problems.map((p) => (p.field ? `${fieldLabel(hello, p.field)}: ${p.message}` : p.message));
  const head = msg.code === "too_costly" ? "Too costly to train live, not applied" : "Not applied";
  return `${head}: ${lines.join("; ")}`;
}

// What each error code means for the person at the page, when the server's message needs it.
const ERROR_PREFIX = {
  rate_limited: "Too many commands at once",
  queue_full: "The lab is still busy with earlier commands",
  too_large: "That message was too large",
  read_only: "This page only watches the run",
};

/** The text to show for an `error` message. */
export function errorText(msg, hello) {
  const code = msg.code || "error";
  if (code === "bad_config" || code === "too_costly") return configErrorText(msg, hello);
  const text = msg.message || "Something went wrong.";
  const prefix = ERROR_PREFIX[code];
  return prefix && !text.toLowerCase().startsWith(prefix.toLowerCase()) ? `${prefix}: ${text}` : text;
}

/**
 * Closing codes after which the page does not reconnect by itself: what to say when the
 * server's own message did not come first, and the button that makes sense (`action`:
 * "new" forgets the run's key and starts a new run here).
 */
export const FINAL_CLOSES = {
  4401: { text: "The lab refused the connection: its access token is missing or wrong. Open the link the lab printed when it started (with ?token=…)." },
  4403: { text: "The lab refused the connection from this page's address (a cross-site request)." },
  4404: { text: "This watch link is unknown, or the teacher's run has ended." },
  4408: { text: "The lab closed this run after it sat idle.", action: "new", label: "Start again" },
  4409: { text: "This run is now controlled from another tab.", action: "new", label: "Start a new run here" },
};
