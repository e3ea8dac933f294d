// One plain-language sentence about the state a frame shows, in the terms of the frame's
// second network: a discriminator D, a critic C (an unbounded score), or, for MMD, no
// network at all (the view shows the MMD witness).

import { kindOfFrame } from "./kinds.js";

function w1Text(w) {
  return w == null ? "" : ` (W₁ ${w.toFixed(2)})`;
}

function common(frame, untrained) {
  if (!frame) return "Connecting to the lab…";
  if (frame.status === "diverged") return "Training diverged (the numbers blew up): press Reset or change a setting.";
  if (frame.iteration === 0 && frame.d_updates === 0 && frame.g_updates === 0) return untrained;
  return null;
}

// -- the models beyond the plain GAN: what to watch, in one or two sentences -------------------
const pct = (v) => `${Math.round(v * 100)} %`;

const UNTRAINED = {
  cgan: "Untrained: G draws every class as the same small blob; watch each colour find its own mode. Press Play or Step.",
  infogan: "Untrained: every code (colour) gives the same small blob; watch the codes take modes of their own. Press Play or Step.",
  "semi-supervised": "Untrained: D's classes (the colours) are a guess; watch its boundary settle into the gap between the classes. Press Play or Step.",
};

/** The sentence for a model other than the plain GAN, or null (then the GAN's own). */
function explainModel(frame) {
  const model = frame?.model;
  if (!model || model === "gan") return null;
  const s = frame.scalars || {};
  if (model === "cgan") {
    const { class_accuracy_min: worst, class_accuracy_mean: mean } = s;
    const k = frame.show_class;
    const on = worst == null ? "" : ` Worst class ${pct(worst)} of its fakes on its own mode, mean ${pct(mean)}.`;
    if (k != null && k >= 0) {
      return `G draws only class ${k}, in its colour, and the map is D(x | ${k}): D calls x real only near class ${k}'s data.${on}`;
    }
    if (worst != null && worst >= 0.9) return `Every class lands on its own mode: ask G for a class (Class G draws) and it draws that class.${on}`;
    return `Each colour is a class: G's fakes (diamonds) must land on the real dots of their own colour.${on}`;
  }
  if (model === "infogan") {
    const nmi = s.code_nmi;
    const v = nmi == null ? "" : ` (code–mode NMI ${nmi.toFixed(2)})`;
    if (nmi != null && nmi >= 0.97) return `Without a single label, each code (colour) has found a mode of its own${v}. Slide c′₁ to move along it.`;
    if (nmi != null && nmi >= 0.85) return `Without a single label, nearly every code (colour) keeps to a mode of its own${v}. Slide c′₁ to move along it.`;
    if (nmi != null && nmi >= 0.4) return `The codes are pulling apart: each colour is taking a mode of its own${v}, as Q must tell them apart.`;
    return `No labels: the codes (colours) still share their modes${v}; Q's need to read the code back pushes them apart.`;
  }
  if (model === "semi-supervised") {
    const { test_accuracy: gan, labelled_only_accuracy: only } = s;
    const n = frame.labelled?.labels?.length;
    const labels = n ? `${n} labels` : "the labels";
    if (gan == null || only == null) return "D classifies as it discriminates: the colours are its classes, the dashed line the labels-only boundary.";
    if (gan > only + 0.02) return `D, trained on ${labels} plus unlabelled data and fakes, gets ${pct(gan)} of test points right; the same network on ${labels} alone, ${pct(only)}.`;
    return `Test accuracy: D ${pct(gan)}, the same network on ${labels} alone ${pct(only)}. G's fakes should fill the gaps between the classes and push D's boundary into them.`;
  }
  return null;
}

export function explain(frame) {
  const early = common(frame, UNTRAINED[frame?.model] || "Untrained: G squeezes all the noise into one small spot. Press Play or Step.");
  if (early) return early;
  const forModel = explainModel(frame);
  if (forModel) return forModel;
  const s = frame.scalars || {};
  const { js, d_real: dr, d_fake: df, wasserstein: w } = s;
  const kind = kindOfFrame(frame);
  if (frame.status === "touring") return `Figure 1 tour: ${kind.sym ? `${kind.sym} trains alone, then G once, then both` : "G trains"} until p_g ≈ p_data…`;
  if (kind.key === "witness") {
    if (js != null && js < 0.02) return "p_g ≈ p_data: the MMD witness is flat near 0 — there is no mass left to move.";
    if (js != null && js > 0.6) return `p_g and p_data barely overlap (JS ≈ log 2), yet the MMD still sees the distance${w1Text(w)}: G follows the witness toward the data.`;
    return "No discriminator: G moves its samples up the MMD witness, which is positive where p_data has more mass than p_g.";
  }
  if (kind.noun === "critic") {
    const gap = dr != null && df != null ? dr - df : null;
    if (js != null && js < 0.02) return "p_g ≈ p_data: the critic scores real and generated samples alike, so G gets no push.";
    if (js != null && js > 0.6) {
      return `p_g and p_data barely overlap: JS is stuck at log 2, but the critic still measures the distance${w1Text(w)} and its slope pulls G toward the data.`;
    }
    if (gap != null && gap > 0) return `The critic scores real samples higher than fakes (C(real) − C(fake) = ${gap.toFixed(2)}): G climbs the critic's slope toward the data.`;
    return "G is closing in: the lines z → G(z) slide toward where the critic's score is higher.";
  }
  // a discriminator: a probability, or LSGAN's score (also ½ where it cannot tell)
  if (js != null && js < 0.02 && dr != null && Math.abs(dr - 0.5) < 0.06 && Math.abs(df - 0.5) < 0.06) {
    return "D cannot tell real from fake: p_g ≈ p_data and D ≈ ½ where the data are.";
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
  const early = common(frame, UNTRAINED[frame?.model] || "Untrained: G maps the noise to a small blob of green dots. Press Play or Step.");
  if (early) return early;
  const forModel = explainModel(frame);
  if (forModel) return forModel;
  const s = frame.scalars || {};
  const { js, d_real: dr, d_fake: df, modes_covered: mc, modes_total: mt, hq_fraction: hq } = s;
  const kind = kindOfFrame(frame);
  if (mt != null && mc != null) {
    if (mc === mt && hq != null && hq >= 0.8 && (js == null || js < 0.1)) return `All ${mt} modes covered and ${Math.round(hq * 100)} % of G's samples sit on one: G has learned the data.`;
    if (mc === mt && js != null && js >= 0.1) return `All ${mt} modes covered, but p_g still differs from p_data (JS ${js.toFixed(2)}): G must spread its samples over each mode.`;
    if (mt > 1 && mc <= 1 && frame.iteration > 1000) return `Mode collapse: G piles its samples on ${mc === 0 ? "none" : "one"} of the ${mt} modes.`;
    if (mc === mt && hq != null) return `All ${mt} modes covered; ${Math.round(hq * 100)} % of G's samples sit on one, the rest still lie between them.`;
  }
  if (kind.key === "witness") {
    return "No discriminator: the heatmap is the MMD witness — purple where the data has more mass than G, green where G has more; G's samples move toward purple.";
  }
  if (kind.noun === "critic") {
    if (dr != null && df != null && dr > df) {
      return "The critic scores the data higher (purple) than G's samples (green); the arrows push G up its slope, toward purple.";
    }
    return "Each G update pushes the green dots up the critic's score (toward purple); then the critic rescores.";
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
