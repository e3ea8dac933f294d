// What the "second network" is, and how the page names and scales it. Every frame says
// `d_kind` (what its `d` values are: "probability" | "score" | "witness") and `network`
// ("discriminator" | "critic" | "none"); before the first frame the objective's registry
// entry says the same. Everything that draws or names D goes through `describeKind`.

const KINDS = {
  // D(x) ∈ [0, 1]: minimax, non-saturating
  prob: {
    key: "prob",
    sym: "D",
    fn: "D(x)",
    noun: "discriminator",
    Noun: "Discriminator",
    bounded: true,
    centre: 0.5, // its value where it cannot tell real from fake
    heatTitle: "D(x)",
    heatTip: "The heatmap's colours: the discriminator's probability D(x) that a point is real",
    heatEnds: ["0 fake", "½", "real 1"],
    heatNotes: null,
  },
  // LSGAN's D: a score regressed to 1 (real) and 0 (fake), not bounded
  ls: {
    key: "ls",
    sym: "D",
    fn: "D(x)",
    noun: "discriminator",
    Noun: "Discriminator",
    bounded: false,
    centre: 0.5,
    heatTitle: "D(x) (least squares)",
    heatTip: "The heatmap's colours: the least-squares discriminator's score D(x), trained towards 1 on real data and 0 on fakes; ½ = cannot tell. Its range is not bounded, so the colour scale follows the values shown",
    heatEnds: null, // numbers, from the colour scale
    heatNotes: ["← fake-like", "real-like →"],
  },
  // an unbounded critic score C(x): Wasserstein, hinge, relativistic
  critic: {
    key: "critic",
    sym: "C",
    fn: "C(x)",
    noun: "critic",
    Noun: "Critic",
    bounded: false,
    centre: 0,
    // Where the heatmap is white. A Wasserstein or relativistic critic's loss does not change
    // when a constant is added to C, so its 0 means nothing and the whole map can drift to one
    // colour; white therefore marks the midpoint between the mean scores of real and
    // generated samples ("zero" would centre it at C = 0 instead).
    heatCentre: "midpoint",
    heatTitle: "critic score C(x)",
    heatTip:
      "The heatmap's colours: the critic's score C(x), an unbounded number (higher = more real-like). White is midway between its mean score on real data and on G's samples " +
      "(the number under the bar): only differences of scores matter to a Wasserstein critic, so its level drifts and 0 means nothing",
    heatEnds: null,
    heatNotes: ["← fake-like", "real-like →"],
  },
  // the hinge critic: its margins ±1 make 0 its boundary, so its map is centred at 0
  critic0: null, // filled in below from `critic`
  // MMD: no second network; the view shows the MMD witness function
  witness: {
    key: "witness",
    sym: null,
    fn: "witness",
    noun: "MMD witness",
    Noun: "MMD witness",
    bounded: false,
    centre: 0,
    heatTitle: "MMD witness",
    heatTip: "The heatmap's colours: the MMD witness E k(x_data, ·) − E k(G(z), ·): negative (green) where p_g has more mass than p_data, positive (purple) where p_data has more",
    heatEnds: null,
    heatNotes: ["← p_g has more mass", "p_data has more mass →"],
    heatNotesStacked: true,
  },
};

// (same key as `critic`: every table of names keyed by kind is shared; only the centre differs)
KINDS.critic0 = {
  ...KINDS.critic,
  heatCentre: "zero",
  heatTip:
    "The heatmap's colours: the hinge critic's score C(x), an unbounded number (higher = more real-like). White is 0, its decision boundary: " +
    "the hinge loss wants C ≥ 1 on real data and C ≤ −1 on G's samples",
};

/** The kind of second network for a frame's (d_kind, network, score_centre), or an objective's
 * entry. A critic whose loss fixes its level (score_centre 0: hinge) is centred at 0; one whose
 * loss ignores a constant shift (score_centre null: Wasserstein, relativistic) at the midpoint. */
export function describeKind(dKind, network, scoreCentre = null) {
  if (network === "none" || dKind === "witness") return KINDS.witness;
  if (network === "critic") return scoreCentre === 0 ? KINDS.critic0 : KINDS.critic;
  if (dKind === "score") return KINDS.ls;
  return KINDS.prob;
}

/** The kind a frame shows (frames of an older server carry neither field: probability). */
export function kindOfFrame(frame) {
  return describeKind(frame?.d_kind || "probability", frame?.network || "discriminator", frame?.score_centre ?? null);
}

/** The kind an objective's registry entry describes. */
export function kindOfObjective(entry) {
  return describeKind(entry?.output || "probability", entry?.network || "discriminator", entry?.score_centre ?? null);
}

/** Round-numbered tick labels: as many decimals as the step between ticks needs. */
export function tickText(t, step) {
  if (Math.abs(t) < 1e-12) return "0";
  const digits = step > 0 ? Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))) : 2;
  const text = t.toFixed(digits);
  return t < 0 ? `−${text.slice(1)}` : text;
}

/**
 * A value range that follows the data without jittering from frame to frame: it grows at
 * once when the data leave it, and shrinks only when the data fill less than half of it.
 */
export class StableRange {
  constructor() {
    this.range = null;
    this.key = null;
  }

  /** [lo, hi] for a target range; `key` changes (kind, run) start afresh. */
  follow(lo, hi, key) {
    if (key !== this.key) {
      this.range = null;
      this.key = key;
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return this.range || [0, 1];
    if (hi - lo < 1e-9) {
      const c = (lo + hi) / 2;
      const w = Math.max(Math.abs(c) * 0.1, 1e-3);
      lo = c - w;
      hi = c + w;
    }
    const r = this.range;
    if (!r || lo < r[0] || hi > r[1] || hi - lo < 0.5 * (r[1] - r[0])) {
      const pad = (hi - lo) * 0.12;
      this.range = [lo - pad, hi + pad];
    }
    return this.range;
  }

  reset() {
    this.range = null;
  }
}
