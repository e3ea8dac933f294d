// The experiment lives in the URL: ?preset=NAME plus only the fields that differ from
// that preset, so a copied link reproduces the run.

/** What the address bar asks for: {preset, config: {field: "raw text"}} or null. */
export function readUrlConfig(search = window.location.search) {
  const params = new URLSearchParams(search);
  let preset = null;
  const config = {};
  for (const [key, value] of params) {
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

/** Fields of `config` that differ from `base` (all of them when there is no base). */
export function configDiff(config, base) {
  const diff = {};
  for (const [key, value] of Object.entries(config)) {
    if (!base || base[key] !== value) diff[key] = value;
  }
  return diff;
}

/** Rewrite the query to describe `config` (called after each server config message). */
export function writeUrlConfig(config, presetName, presets) {
  const preset = (presets || []).find((p) => p.name === presetName);
  const params = new URLSearchParams();
  if (preset) params.set("preset", preset.name);
  const diff = configDiff(config, preset ? preset.config : null);
  for (const [key, value] of Object.entries(diff)) params.set(key, String(value));
  const query = params.toString();
  const next = `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`;
  if (next !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    window.history.replaceState(null, "", next);
  }
  return diff;
}
