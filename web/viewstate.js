// What the page shows, as part of the link: the 2-D layers, the 1-D overlays, the speed and
// presentation mode, so a shared link shows what the teacher was showing. These keys are the
// page's own: they never go to the server (the rest of the query is the experiment).
//   layers=heatmap,real,fake   the 2-D layers that are on ("none": all off)
//   show=pdata,samples         the 1-D overlays that are on ("none": all off)
//   speed=300 | speed=max      iterations per second while playing
//   present=1                  presentation mode
// Only what differs from the page's defaults is written.

/** The view keys and how the page names them in a message. */
export const VIEW_KEYS = {
  layers: "2-D layers",
  show: "1-D overlays",
  speed: "Speed",
  present: "Presentation mode",
};

export const OVERLAYS = ["pdata", "dstar", "samples"];

function listParam(text, known, label) {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 1 && names[0] === "none") return { value: [], dropped: [] };
  const good = names.filter((n) => known.includes(n));
  const bad = names.filter((n) => !known.includes(n));
  const dropped = bad.length ? [{ label, value: bad.join(","), reason: `not one of: ${known.join(", ")}, none` }] : [];
  return { value: good.length || !bad.length ? good : null, dropped };
}

function speedText(v) {
  return v == null ? "max" : String(v);
}

/**
 * Read the view keys of `search`. `speeds`: the server's speeds (null = max); `layers`: the
 * 2-D layers' keys. Returns {view: {layers?, show?, speed?, present?}, dropped: [{label,
 * value, reason}]}: a bad value is left out and named, the rest applies.
 */
export function readView(search, { speeds, layers }) {
  const params = new URLSearchParams(search);
  const view = {};
  const dropped = [];
  if (params.has("layers")) {
    const r = listParam(params.get("layers"), layers, VIEW_KEYS.layers);
    if (r.value) view.layers = r.value;
    dropped.push(...r.dropped);
  }
  if (params.has("show")) {
    const r = listParam(params.get("show"), OVERLAYS, VIEW_KEYS.show);
    if (r.value) view.show = r.value;
    dropped.push(...r.dropped);
  }
  if (params.has("speed")) {
    const text = params.get("speed").trim().toLowerCase();
    const wanted = text === "max" ? null : Number(text);
    const index = text !== "" && (wanted === null || Number.isFinite(wanted)) ? speeds.indexOf(wanted) : -1;
    if (index >= 0) view.speed = index;
    else dropped.push({ label: VIEW_KEYS.speed, value: params.get("speed"), reason: `not one of the lab's speeds: ${speeds.map(speedText).join(", ")}` });
  }
  if (params.has("present")) {
    const text = params.get("present").trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(text)) view.present = true;
    else if (["0", "false", "no", "off"].includes(text)) view.present = false;
    else dropped.push({ label: VIEW_KEYS.present, value: params.get("present"), reason: "1 or 0" });
  }
  return { view, dropped };
}

/** The view's URL parameters ([key, text] pairs), only where it differs from the defaults.
 * view: {layers: {key: on}, layerDefaults: {key: on}, show: {pdata, dstar, samples},
 * speed: a speeds entry or undefined (not chosen), present: bool}. */
export function viewParams(view) {
  const out = [];
  const onKeys = (obj) => Object.keys(obj).filter((k) => obj[k]);
  const layers = onKeys(view.layers);
  if (layers.join(",") !== onKeys(view.layerDefaults).join(",")) out.push(["layers", layers.join(",") || "none"]);
  const show = OVERLAYS.filter((k) => view.show[k]);
  if (show.length !== OVERLAYS.length) out.push(["show", show.join(",") || "none"]);
  if (view.speed !== undefined) out.push(["speed", speedText(view.speed)]);
  if (view.present) out.push(["present", "1"]);
  return out;
}
