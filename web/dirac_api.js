// The Dirac-GAN's server side (server/dirac_api.py): what it can play and stretches of
// trajectory. The page keeps every run's state; the server only computes.

/** A request the server refused, with its message and the setting it names (or null). */
export class DiracApiError extends Error {
  constructor(message, field = null, status = 0) {
    super(message);
    this.field = field;
    this.status = status;
  }
}

async function call(method, body) {
  let res;
  try {
    res = await fetch("/api/dirac", {
      method,
      credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new DiracApiError("The lab's server cannot be reached: is `ganlab serve` still running?");
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    // not JSON: a proxy's error page, say
  }
  if (!res.ok) throw new DiracApiError(data?.error || `The server answered ${res.status}.`, data?.field ?? null, res.status);
  return data;
}

/** {objectives: [{name, title, description, uses}], defaults, modes, max_steps, max_grid} */
export const describeDirac = () => call("GET");

/** {config, theta[], psi[], distance[] (point 0: the start), diverged, field?}; body: a run's
 * settings (theta, psi: where to start), steps, and optionally field: a grid to evaluate. */
export const computeDirac = (body) => call("POST", body);
