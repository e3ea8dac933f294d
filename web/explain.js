// One plain-language sentence about the state a frame shows.

export function explain(frame) {
  if (!frame) return "Connecting to the lab…";
  if (frame.status === "diverged") return "Training diverged (the numbers blew up): press Reset or change a setting.";
  const s = frame.scalars || {};
  const { js, d_real: dr, d_fake: df } = s;
  if (frame.iteration === 0 && frame.d_updates === 0 && frame.g_updates === 0) {
    return "Untrained: G squeezes all the noise into one small spot. Press Play or Step.";
  }
  if (frame.status === "touring") return "Figure 1 tour: D trains alone, then G once, then both until p_g ≈ p_data…";
  if (js != null && js < 0.02 && dr != null && Math.abs(dr - 0.5) < 0.06 && Math.abs(df - 0.5) < 0.06) {
    return "D cannot tell real from fake: D ≈ ½ everywhere and p_g ≈ p_data.";
  }
  if (dr != null && df != null && dr > 0.8 && df < 0.2) {
    return "D wins for now: it tells real from fake easily; G must move toward the data.";
  }
  if (js != null && js > 0.6) {
    return "p_g and p_data barely overlap (JS ≈ log 2): D's slope pulls G toward the data.";
  }
  if (js != null && js > 0.15 && dr != null && df != null && Math.abs(dr - 0.5) < 0.05 && Math.abs(df - 0.5) < 0.05) {
    return "D is fooled for now (D ≈ ½ on both), yet p_g still differs from p_data.";
  }
  if (js != null && js < 0.08) {
    return "Nearly there: p_g covers p_data and D flattens toward ½.";
  }
  return "G is closing in: the lines z → G(z) slide toward where D is higher.";
}

/** The same for 2-D data, in the 2-D view's terms (heatmap colours, arrows, modes). */
export function explain2d(frame) {
  if (!frame) return "Connecting to the lab…";
  if (frame.status === "diverged") return "Training diverged (the numbers blew up): press Reset or change a setting.";
  const s = frame.scalars || {};
  const { js, d_real: dr, d_fake: df, modes_covered: mc, modes_total: mt, hq_fraction: hq } = s;
  if (frame.iteration === 0 && frame.d_updates === 0 && frame.g_updates === 0) {
    return "Untrained: G maps the noise to a small blob of green dots. Press Play or Step.";
  }
  if (mt != null && mc != null) {
    if (mc === mt && hq != null && hq >= 0.8 && (js == null || js < 0.1)) return `All ${mt} modes covered and ${Math.round(hq * 100)} % of G's samples sit on one: G has learned the data.`;
    if (mc === mt && js != null && js >= 0.1) return `All ${mt} modes covered, but p_g still differs from p_data (JS ${js.toFixed(2)}): G must spread its samples over each mode.`;
    if (mt > 1 && mc <= 1 && frame.iteration > 1000) return `Mode collapse: G piles its samples on ${mc === 0 ? "none" : "one"} of the ${mt} modes.`;
    if (mc === mt && hq != null) return `All ${mt} modes covered; ${Math.round(hq * 100)} % of G's samples sit on one, the rest still lie between them.`;
  }
  if (dr != null && df != null && dr > 0.8 && df < 0.2) {
    return "D wins for now: purple around the data, green around G's samples; the arrows push G toward purple.";
  }
  if (js != null && js < 0.05 && dr != null && Math.abs(dr - 0.5) < 0.08) {
    return "D can hardly tell real from fake: the heatmap fades to white as p_g ≈ p_data.";
  }
  if (mt != null && mc != null && mc < mt) {
    return `G covers ${mc} of ${mt} modes so far; each G update pushes the green dots toward purple.`;
  }
  return "Each G update pushes the green dots toward where D says \"real\" (purple); then D redraws its boundary.";
}
