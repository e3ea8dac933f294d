// The lab's numbers as files: the charts' history as CSV and the run as JSON
// ({"format": "ganlab-run", "version": 1, config, preset, iteration, history}), which the page's
// "Open run…", `ganlab train --config` and `ganlab figure --config` read back; and how a
// download is named and made (a Blob and a temporary <a download>: nothing inline, the CSP).

export const RUN_FORMAT = "ganlab-run";
export const RUN_VERSION = 1;

/** A file name: ganlab-ring-it1200.png (the preset, or "custom", and the iteration). */
export function fileName(preset, iteration, ext, extra = "") {
  const slug = String(preset || "custom").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "custom";
  return `ganlab-${slug}${extra ? `-${extra}` : ""}-it${Math.max(0, Math.round(iteration || 0))}.${ext}`;
}

/** Save `blob` as `name` (a temporary link, clicked, then let go). */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// -- the charts' history ----------------------------------------------------------------
/** The metric columns the charts hold, in the charts' order (each key once). */
export function metricKeys(charts) {
  const keys = [];
  for (const c of charts) for (const s of c.spec.series) if (!keys.includes(s.key)) keys.push(s.key);
  return keys;
}

/** The charts' points as [{iteration, scalars}] (the server's history format), iterations
 * ascending; a value no chart holds for an iteration is left out of its scalars. */
export function chartHistory(charts) {
  const rows = new Map();
  for (const c of charts) {
    c.its.forEach((it, i) => {
      const row = rows.get(it) || {};
      c.spec.series.forEach((s, k) => {
        const v = c.values[k][i];
        if (v != null && Number.isFinite(v)) row[s.key] = v;
      });
      rows.set(it, row);
    });
  }
  return [...rows.keys()].sort((a, b) => a - b).map((iteration) => ({ iteration, scalars: rows.get(iteration) }));
}

/** CSV with a header row: iteration, then every metric column that has a value (a plain
 * GAN's file has no empty columns for the other models' metrics); empty cells where a value
 * is missing. */
export function metricsCsv(charts) {
  const history = chartHistory(charts);
  const keys = metricKeys(charts).filter((k) => history.some((row) => k in row.scalars));
  const lines = [["iteration", ...keys].join(",")];
  for (const { iteration, scalars } of history) {
    lines.push([iteration, ...keys.map((k) => (k in scalars ? String(scalars[k]) : ""))].join(","));
  }
  return `${lines.join("\n")}\n`;
}

// -- runs -------------------------------------------------------------------------------
export function runFile({ config, preset, iteration, history }) {
  return { format: RUN_FORMAT, version: RUN_VERSION, config, preset: preset ?? null, iteration: iteration ?? 0, history };
}

export class RunFileError extends Error {}

/** The run in `text` (a file named `name`), checked: {config, preset, iteration, history};
 * throws RunFileError with a sentence for the page when it is not a GAN Lab run. */
export function readRun(text, name = "The file") {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new RunFileError(`${name} is not a GAN Lab run: it is not JSON. Open a file saved with Export → Save run.`);
  }
  if (!data || typeof data !== "object" || Array.isArray(data) || data.format !== RUN_FORMAT) {
    throw new RunFileError(`${name} is not a GAN Lab run (it has no "format": "${RUN_FORMAT}"). Open a file saved with Export → Save run.`);
  }
  if (!Number.isInteger(data.version) || data.version < 1) {
    throw new RunFileError(`${name} is not a GAN Lab run this page can read: its "version" should be ${RUN_VERSION}.`);
  }
  if (data.version > RUN_VERSION) {
    throw new RunFileError(`${name} was saved by a newer GAN Lab (run format version ${data.version}); this page reads version ${RUN_VERSION}.`);
  }
  if (!data.config || typeof data.config !== "object" || Array.isArray(data.config)) {
    throw new RunFileError(`${name} has no settings to apply (its "config" is missing or not an object).`);
  }
  const history = (Array.isArray(data.history) ? data.history : []).filter(
    (p) => p && Number.isFinite(p.iteration) && p.scalars && typeof p.scalars === "object",
  );
  return {
    config: data.config,
    preset: typeof data.preset === "string" ? data.preset : null,
    iteration: Number.isFinite(data.iteration) ? data.iteration : 0,
    history,
  };
}

