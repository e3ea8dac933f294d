// One plain-language sentence about the state a frame shows.

export function explain(frame) {
  if (!frame) return "Connecting to the lab…";
  if (frame.status === "diverged") return "Training diverged (numbers blew up): press Reset or change the settings.";
  const s = frame.scalars || {};
  const { js, d_real: dr, d_fake: df } = s;
  if (frame.iteration === 0 && frame.d_updates === 0 && frame.g_updates === 0) {
    return "Untrained: G squeezes all the noise into a small spot. Press Play, or Step to go one iteration at a time.";
  }
  if (frame.status === "touring") return "Figure 1 tour: training D alone, then G once, then both until p_g ≈ p_data…";
  if (js != null && js < 0.02 && dr != null && Math.abs(dr - 0.5) < 0.06 && Math.abs(df - 0.5) < 0.06) {
    return "D cannot tell real from fake: D ≈ ½ everywhere and p_g ≈ p_data — the game's equilibrium.";
  }
  if (dr != null && df != null && dr > 0.8 && df < 0.2) {
    return "D wins for now: it separates real from fake easily, so G must move its samples toward the data.";
  }
  if (js != null && js > 0.6) {
    return "p_g and p_data barely overlap (JS near log 2): D's slope is what pulls G toward the data.";
  }
  if (js != null && js < 0.08) {
    return "Nearly there: p_g covers p_data and D is flattening toward ½.";
  }
  return "G is closing in: the green mapping lines shift G(z) to where D is higher (more “real”).";
}
