// The Dirac-GAN page's state in its address: ?runs=RUN|RUN&speed=N, each RUN being
// key=value,key=value of DiracConfig's fields (objective always, the rest where they differ
// from the defaults), so a copied link reproduces the comparison. Values stay text here:
// the server reads and checks them (a bad one comes back with a message naming it).

export const MAX_RUNS = 4;

/**
 * What the address asks for: {runs: [{key: "text"}], speed: "text" | null, problems: [message]}.
 * A part that is not key=value, a key given twice or runs beyond MAX_RUNS are problems; the
 * rest still loads. No `runs` (or an empty one): one run from the defaults.
 */
export function readDiracUrl(search = window.location.search) {
  const params = new URLSearchParams(search);
  const problems = [];
  const runs = [];
  const text = params.get("runs");
  const parts = text ? text.split("|").filter((p) => p.trim()) : []; // (a trailing "|" adds no run)
  if (parts.length > MAX_RUNS) problems.push(`runs: ${parts.length} runs; the page shows up to ${MAX_RUNS}, the first ones.`);
  parts.slice(0, MAX_RUNS).forEach((part, i) => {
    const run = {};
    for (const item of part.split(",")) {
      if (!item.trim()) continue;
      const eq = item.indexOf("=");
      if (eq < 1) {
        problems.push(`Run ${i + 1}: "${item}" is not key=value; ignored.`);
        continue;
      }
      const key = item.slice(0, eq).trim();
      if (key in run) problems.push(`Run ${i + 1}: ${key} is given twice; using the last.`);
      run[key] = item.slice(eq + 1).trim();
    }
    runs.push(run);
  });
  if (!runs.length) runs.push({});
  return { runs, speed: params.get("speed"), problems };
}

function show(value) {
  return typeof value === "number" ? String(+value.toPrecision(12)) : String(value);
}

/** One run as URL text: objective first, then the fields that differ from `defaults`. */
export function runText(config, defaults) {
  const parts = [`objective=${config.objective}`];
  for (const [key, value] of Object.entries(config)) {
    if (key !== "objective" && value !== defaults[key]) parts.push(`${key}=${show(value)}`);
  }
  return parts.join(",");
}

/** The query for these runs and speed ("=", "," and "|" left readable: a query value may hold them). */
export function diracSearch(configs, defaults, speed, defaultSpeed) {
  const enc = (s) => encodeURIComponent(s).replace(/%3D/g, "=").replace(/%2C/g, ",").replace(/%7C/g, "|");
  let q = `?runs=${enc(configs.map((c) => runText(c, defaults)).join("|"))}`;
  if (speed !== defaultSpeed) q += `&speed=${speed}`;
  return q;
}
