// The experiment lives in the URL: ?preset=NAME plus only the fields that differ from
// that preset, so a copied link reproduces the run. The view's own keys (viewstate.js) and
// an access token ride along in the same query but never go to the server as settings.

import { VIEW_KEYS } from "./viewstate.js";

/** Query keys that are not settings of the experiment. */
const NOT_CONFIG = new Set([...Object.keys(VIEW_KEYS), "token"]);

/** What the address bar asks for: {preset, config: {field: "raw text"}} or null. */
export function readUrlConfig(search = window.location.search) {
  const params = new URLSearchParams(search);
  let preset = null;
  const config = {};
  for (const [key, value] of params) {
    if (NOT_CONFIG.has(key)) continue;
    if (key === "preset") preset = value;
    else config[key] = value;
  }
  if (preset === null && !Object.keys(config).length) return null;
  return { preset, config };
}

/** The configure command that re-applies the URL (values stay text: from_url). */
export function urlConfigureCommand(search = window.location.search) {
  const wanted = readUrlConfig(search);
  if (!wanted) return null;
  const cmd = { type: "configure", config: wanted.config, from_url: true };
  if (wanted.preset !== null) cmd.preset = wanted.preset;
  return cmd;
}

// Values compare by content: lists (the drawn points) are new objects in every message.
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Fields of `config` that differ from `base` (all of them when there is no base). */
export function configDiff(config, base) {
  const diff = {};
  for (const [key, value] of Object.entries(config)) {
    if (!base || !same(base[key], value)) diff[key] = value;
  }
  return diff;
}

/** One config value as URL text, as the server reads it back: lists of [x, y] pairs become
 * "x,y;x,y" (the drawing), lists of names "a,b" (the regularisers). */
export function urlText(value) {
  if (Array.isArray(value)) {
    if (value.every((p) => Array.isArray(p))) return value.map((p) => p.join(",")).join(";");
    return value.map(String).join(",");
  }
  return String(value);
}

// Query text with "," and ";" left readable (they need no escaping in a query value).
function encodeQuery(params) {
  return params
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%2C/g, ",").replace(/%3B/g, ";")}`)
    .join("&");
}

/** The experiment's part of a query (view keys and token left out), in a normal form: two
 * queries that ask for the same run give the same text. */
export function configLink(search = window.location.search) {
  const params = [...new URLSearchParams(search)].filter(([k]) => !NOT_CONFIG.has(k));
  return encodeQuery(params);
}

// A link's fields are applied one by one, in the link's order, each checked with the ones
// before it (the server's updated_leniently): the drawing goes before the data that uses it,
// the model after the data whose classes it needs.
const LINK_FIRST = ["drawn_points", "drawn_classes"];
const LINK_LAST = ["model"];

function linkOrder([a], [b]) {
  const rank = (k) => (LINK_FIRST.includes(k) ? -1 : LINK_LAST.includes(k) ? 1 : 0);
  return rank(a) - rank(b);
}

/**
 * Rewrite the query: the experiment (`config` against its preset; null on a watch page,
 * whose link names no experiment), then the view's keys (`view`: [key, text] pairs), then
 * the token the page was opened with, if any.
 */
export function writeUrl(config, presetName, presets, view = []) {
  const params = [];
  if (config) {
    const preset = (presets || []).find((p) => p.name === presetName);
    if (preset) params.push(["preset", preset.name]);
    const diff = configDiff(config, preset ? preset.config : null);
    for (const [key, value] of Object.entries(diff).sort(linkOrder)) {
      // an empty list (no drawn points, no regularisers) is every config's default: nothing
      // worth a URL field, unless the preset's list is not empty ("regularizers=" turns it off)
      if (Array.isArray(value) && value.length === 0 && !(preset?.config?.[key] || []).length) continue;
      params.push([key, urlText(value)]);
    }
  }
  params.push(...view);
  const token = new URLSearchParams(window.location.search).get("token");
  if (token) params.push(["token", token]);
  const query = encodeQuery(params);
  const next = `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`;
  if (next !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    window.history.replaceState(null, "", next);
  }
}
