// The configuration form, built from the JSON schema the server publishes: one control per
// property (properties marked "hidden" are edited elsewhere: the drawing on the 2-D canvas).
// The page only lays them out: short labels (the schema's full title and description are
// the tooltip), two short fields to a row, and G's and D's settings side by side in one
// table. The regularisers are a group of checkboxes from the hello message's registry; a
// setting only one objective, optimizer or regulariser reads is shown only while it is in
// use. A property the layout does not know still gets a row of its own in its group.
// The server's config is the truth.

import { classCount } from "./classes.js";
import { el } from "./dom.js";

// Sections of the form: [key, heading, schema groups it holds, rows]; a row lists one
// field, or two (or three short ones) that share it (for "gd", G's then D's, under the
// columns G and D).
const SECTIONS = [
  ["data", "Data & noise", ["data"], [["distribution"], ["prior"], ["noise_dim"]]],
  [
    "training",
    "Training",
    ["training", "model"],
    // the model first (its own settings under it, while it is chosen), then the objective
    [["model"], ["show_class"], ["info_categories", "info_continuous", "info_weight"], ["labels_per_class"], ["objective"], ["clip_value"], ["gp_weight"], ["batch_size", "seed"], ["optimizer"], ["momentum"], ["beta1", "beta2"], ["lr_halflife"]],
  ],
  ["gd", "Networks", ["generator", "discriminator"], [["g_steps", "d_steps"], ["g_layers", "d_layers"], ["g_width", "d_width"], ["g_activation", "d_activation"], ["lr_g", "lr_d"]]],
  [
    "tricks",
    "Tricks",
    ["tricks"],
    [["regularizers"], ["r1_gamma"], ["label_smoothing"], ["instance_noise", "instance_noise_anneal"], ["historical_weight"], ["mbd_kernels", "mbd_kernel_dims"]],
  ],
];

// Short labels (at most ~95 px at 13.5 px), keyed by a row's first field.
const SHORT = {
  model: "Model",
  show_class: "Class G draws",
  info_categories: "Codes K, c′, λ",
  labels_per_class: "Labels / class",
  distribution: "Data",
  prior: "Noise prior",
  noise_dim: "Noise dim.",
  clip_value: "WGAN clip c",
  gp_weight: "GP weight λ",
  batch_size: "Batch, seed",
  momentum: "Momentum",
  beta1: "Adam β1, β2",
  lr_halflife: "LR half-life",
  r1_gamma: "R1 γ",
  label_smoothing: "Real label α",
  instance_noise: "Noise σ, fade",
  historical_weight: "History w",
  mbd_kernels: "Kernels B, C",
  g_steps: "Steps",
  g_layers: "Layers",
  g_width: "Width",
  g_activation: "Activation",
  lr_g: "Learning rate",
};

// Short names of the regularisers' checkboxes (their title and description are the tooltip).
const SHORT_REG = {
  "spectral-norm": "Spectral norm",
  "gradient-penalty-r1": "R1 penalty",
  "one-sided-label-smoothing": "Label smooth.",
  "instance-noise": "Instance noise",
  "feature-matching": "Feature match.",
  "minibatch-discrimination": "Minibatch disc.",
  "historical-averaging": "Hist. averaging",
};

// Fields only one optimizer reads: hidden under the others (β1 only blanked: β2 is RMSProp's α).
const ONLY_FOR_OPTIMIZER = { momentum: ["sgd"], beta1: ["adam"], beta2: ["adam", "rmsprop"] };

// Fields the form lists but does not show: the class G draws has its own picker above the
// view, in the classes' colours (models.js), where it is at hand while the run plays.
const SHOWN_ELSEWHERE = new Set(["show_class"]);

// Fields only one objective reads (used when the objective's registry entry lists no
// `settings` of its own).
const OBJECTIVE_SETTINGS = { wasserstein: ["clip_value"], "wasserstein-gp": ["gp_weight"] };

// Registry-backed fields whose option titles the hello message lists.
const REGISTRY_OF = { distribution: "distribution", prior: "prior", objective: "objective", model: "model" };

function tipOf(name, prop) {
  const title = prop.title || name;
  const text = prop.description ? `${title}: ${prop.description}` : title;
  return prop.reset ? `${text} (Changing it starts a new run with new networks.)` : text;
}

function makeInput(name, prop, registries) {
  let input;
  if (Array.isArray(prop.enum)) {
    input = document.createElement("select");
    const reg = registries?.[REGISTRY_OF[name]] || [];
    const groupsByDim = new Map(); // distributions: one <optgroup> per data dimension
    for (const value of prop.enum) {
      const opt = document.createElement("option");
      opt.value = value;
      const entry = reg.find((r) => r.name === value);
      opt.textContent = entry ? entry.title : value;
      if (entry?.description) opt.title = entry.description;
      if (entry?.dim) {
        if (!groupsByDim.has(entry.dim)) {
          const og = document.createElement("optgroup");
          og.label = entry.dim === 1 ? "1-D data (Figure 1)" : `${entry.dim}-D data`;
          groupsByDim.set(entry.dim, og);
          input.append(og);
        }
        groupsByDim.get(entry.dim).append(opt);
      } else input.append(opt);
    }
  } else if (prop.type === "integer" || prop.type === "number") {
    input = document.createElement("input");
    input.type = "number";
    input.inputMode = prop.type === "integer" ? "numeric" : "decimal";
    input.step = prop.type === "integer" ? "1" : "any";
    const lo = prop.minimum ?? prop.exclusiveMinimum;
    const hi = prop.maximum ?? prop.exclusiveMaximum;
    if (lo != null) input.min = String(lo);
    if (hi != null) input.max = String(hi);
    input.className = "num";
  } else {
    input = document.createElement("input");
    input.type = "text";
  }
  input.id = `cfg-${name}`;
  input.name = name;
  input.title = tipOf(name, prop);
  input.setAttribute("aria-label", prop.title || name); // the full name, not the short label
  input.dataset.type = prop.type || "string";
  return input;
}

/** The rows of each section: the layout's rows for fields the schema has, then the rest. */
function planRows(props) {
  const shown = Object.keys(props).filter((n) => !props[n].hidden);
  const placed = new Set();
  const plan = [];
  for (const [key, heading, groups, rows] of SECTIONS) {
    const out = [];
    for (const row of rows) {
      const names = row.filter((n) => shown.includes(n) && !placed.has(n));
      names.forEach((n) => placed.add(n));
      if (names.length) out.push({ names, short: names.length === row.length ? SHORT[row[0]] : null });
    }
    plan.push({ key, heading, groups, rows: out });
  }
  for (const name of shown) {
    if (placed.has(name)) continue;
    const group = props[name].group || "training";
    let section = plan.find((s) => s.groups.includes(group));
    if (!section) {
      section = { key: group, heading: group, groups: [group], rows: [] };
      plan.push(section);
    }
    section.rows.push({ names: [name], short: null });
  }
  return plan.filter((s) => s.rows.length);
}

/**
 * Build the form; `onChange(name, value)` fires with a typed value for one field (for the
 * regularisers: the whole new list). `registries` is the hello message's.
 */
export function buildForm(form, schema, registries, onChange) {
  form.replaceChildren();
  const inputs = new Map();
  const rows = []; // {row, names}: for showing only the rows in use
  const regBoxes = new Map(); // regulariser name -> checkbox
  const props = schema.properties || {};
  const regEntries = regularizerEntries(props, registries);
  // which regulariser reads a field (its rows show only while it is on)
  const regOf = new Map();
  for (const r of regEntries) for (const f of r.settings || []) regOf.set(f, r.name);
  const objectiveOf = new Map();
  for (const entry of registries?.objective || []) for (const f of entry.settings || OBJECTIVE_SETTINGS[entry.name] || []) objectiveOf.set(f, entry.name);
  for (const [obj, fields] of Object.entries(OBJECTIVE_SETTINGS)) for (const f of fields) if (!objectiveOf.has(f)) objectiveOf.set(f, obj);
  // which model reads a field (its rows show only while that model is chosen)
  const modelOf = new Map();
  for (const m of registries?.model || []) for (const f of m.settings || []) modelOf.set(f, m.name);
  let current = null; // the config shown

  for (const section of planRows(props)) {
    const fs = el("fieldset", `group group-${section.key}`);
    fs.append(el("legend", "group-title", section.heading));
    if (section.key === "gd") {
      // column heads: G and D, coloured as on the buttons and in the model overview
      const head = el("div", "field pair gd-head");
      head.setAttribute("aria-hidden", "true");
      head.append(el("span"), el("span", "gd-col badge-g", "G", { title: "Generator" }), el("span", "gd-col badge-d", "D", { title: "Discriminator" }));
      fs.append(head);
    }
    for (const { names, short } of section.rows) {
      if (names[0] === "regularizers" && props.regularizers?.type === "array") {
        fs.append(buildRegularizers(props.regularizers, regEntries, regBoxes, () => onChange("regularizers", checkedRegs())));
        continue;
      }
      const row = el("div", names.length > 2 ? "field pair triple" : names.length > 1 ? "field pair" : "field");
      row.title = names.map((n) => tipOf(n, props[n])).join("\n");
      const text = short || SHORT[names[0]] || props[names[0]].title || names[0];
      row.append(el("label", null, text, { htmlFor: `cfg-${names[0]}`, title: row.title }));
      for (const name of names) {
        const prop = props[name];
        const input = makeInput(name, prop, registries);
        input.addEventListener("change", () => {
          // undefined = nothing usable typed; the caller puts the true value back
          onChange(name, readValue(input, prop));
        });
        row.append(input);
        inputs.set(name, input);
      }
      rows.push({ row, names, label: row.firstElementChild, short: text });
      fs.append(row);
    }
    form.append(fs);
  }

  function checkedRegs() {
    // registry order, so the same set is always the same list (and the same URL)
    return regEntries.filter((r) => regBoxes.get(r.name)?.checked).map((r) => r.name);
  }

  /** Whether a row is in use under `config` (its regulariser on, its objective chosen, …). */
  function rowInUse(names, config) {
    return names.some((n) => {
      if (SHOWN_ELSEWHERE.has(n)) return false;
      const reg = regOf.get(n);
      if (reg && !(config.regularizers || []).includes(reg)) return false;
      const obj = objectiveOf.get(n);
      if (obj && config.objective !== obj) return false;
      const model = modelOf.get(n);
      if (model && (config.model || "gan") !== model) return false;
      const only = ONLY_FOR_OPTIMIZER[n];
      if (only && config.optimizer != null && !only.includes(config.optimizer)) return false;
      return true;
    });
  }

  function showRows(config) {
    for (const { row, names, label, short } of rows) {
      row.hidden = !rowInUse(names, config);
      for (const n of names) {
        const only = ONLY_FOR_OPTIMIZER[n];
        const unused = !!only && config.optimizer != null && !only.includes(config.optimizer);
        inputs.get(n)?.classList.toggle("blank", unused); // β1 under RMSProp: the row shows α
      }
      if (names[0] === "beta1") {
        label.textContent = config.optimizer === "rmsprop" ? "RMSProp α" : short;
      }
    }
  }

  /** The models that need classes are offered only on data with classes (the option says
   * why it is greyed out, the select's tooltip too); a model's objectives and the data
   * without classes are greyed out while it runs. */
  function showModelChoices(config, model) {
    const classes = classCount(config, registries);
    const dataTitle = (registries?.distribution || []).find((d) => d.name === config.distribution)?.title || config.distribution;
    const select = inputs.get("model");
    const refused = [];
    for (const opt of select?.options || []) {
      const entry = (registries?.model || []).find((m) => m.name === opt.value);
      if (!entry) continue;
      const no = !!entry.needs_classes && classes < 2 && opt.value !== config.model;
      opt.disabled = no;
      opt.textContent = no ? `${entry.title} (needs classes)` : entry.title;
      opt.title = no ? `${entry.description} — needs data with classes: ${dataTitle} has none` : entry.description || "";
      if (no) refused.push(entry.title);
    }
    if (select) {
      const base = tipOf("model", props.model || {});
      select.title = refused.length
        ? `${base}\n${dataTitle} has no classes: ${refused.join(" and ")} need labelled data (ring, ring-wide, grid, clusters, moons, bimodal, or a drawing in two or more colours).`
        : base;
      select.dataset.refused = refused.join(",");
    }
    const objectiveSelect = inputs.get("objective");
    for (const opt of objectiveSelect?.options || []) {
      const entry = (registries?.objective || []).find((o) => o.name === opt.value);
      const why = modelObjectiveConflict(entry, model);
      opt.disabled = !!why && opt.value !== config.objective;
      opt.title = why ? `${entry?.description || opt.textContent} — ${why}` : entry?.description || "";
    }
    const dataSelect = inputs.get("distribution");
    for (const opt of dataSelect?.options || []) {
      const entry = (registries?.distribution || []).find((d) => d.name === opt.value);
      // a drawing brings its own classes (its colours); the page checks it when it is used
      const no = !!model?.needs_classes && !!entry && opt.value !== "drawn" && !entry.classes && opt.value !== config.distribution;
      opt.disabled = no;
      opt.title = no ? `${entry.description || entry.title} — no classes: ${model.title} needs labelled data` : entry?.description || "";
    }
  }

  return {
    /** Show the server's config (the truth) in the form; `display` may override values that
     * wait for the user's confirmation. */
    setConfig(config, display = config) {
      current = config;
      for (const [name, input] of inputs) {
        if (!(name in display)) continue;
        const v = display[name];
        const text = v == null ? "" : String(v);
        if (document.activeElement === input && input.value === text) continue;
        input.value = text;
        input.classList.remove("pending");
      }
      const regs = display.regularizers || [];
      const objective = (registries?.objective || []).find((o) => o.name === display.objective);
      const model = (registries?.model || []).find((m) => m.name === display.model);
      showModelChoices(display, model);
      for (const [name, box] of regBoxes) {
        box.checked = regs.includes(name);
        const label = box.closest("label");
        label?.classList.remove("pending");
        // a trick the objective or the model cannot take (when the registry says so) is greyed out
        const why = box.checked ? null : regConflict(regEntries.find((r) => r.name === name), objective) || modelRegConflict(name, model);
        box.disabled = !!why;
        label?.classList.toggle("disabled", !!why);
        if (label) label.title = why ? `${box.dataset.tip} — ${why}` : box.dataset.tip;
      }
      showRows(display);
    },
    markPending(name) {
      if (name === "regularizers") for (const box of regBoxes.values()) box.closest("label")?.classList.add("pending");
      else inputs.get(name)?.classList.add("pending");
    },
    /** Mark inputs whose new value waits for Apply / Cancel. */
    markAwaiting(names) {
      for (const [name, input] of inputs) input.classList.toggle("awaiting", names.includes(name));
      for (const box of regBoxes.values()) box.closest("label")?.classList.toggle("awaiting", names.includes("regularizers"));
    },
    /** The D column's heading: "D", or "C" for a critic; D's settings dimmed when there is no D. */
    setSecondNetwork(sym, noun) {
      const head = form.querySelector(".gd-head .badge-d");
      if (head) {
        head.textContent = sym || "D";
        head.title = noun;
      }
      for (const [name, input] of inputs) if (/^d_(layers|width|activation)$|^lr_d$|^d_steps$/.test(name)) input.classList.toggle("unused", !sym);
    },
    get config() {
      return current;
    },
    inputs,
    regBoxes,
  };
}

/** The regularisers' registry entries (or bare names from the schema's enum). */
function regularizerEntries(props, registries) {
  const fromRegistry = registries?.regularizer || [];
  const names = props.regularizers?.items?.enum || fromRegistry.map((r) => r.name);
  return names.map((n) => fromRegistry.find((r) => r.name === n) || { name: n, title: n, description: "", settings: [], new_networks: false });
}

/** Why regulariser `r` cannot be combined with objective `o`, from the registries' flags
 * (absent flags: no objection; the server validates every combination anyway). */
function regConflict(r, o) {
  if (!r || !o) return null;
  if (r.needs_discriminator && o.network === "none") return `not available: ${o.title} has no discriminator`;
  if (r.needs_label_targets && !o.label_targets) return `not available: ${o.title} has no real/fake labels`;
  if ((r.not_with || []).includes(o.name)) return `not available with ${o.title}`;
  return null;
}

/** Why the model (a registry entry) cannot take regulariser `name`, or null. */
function modelRegConflict(name, model) {
  if (!model || !Array.isArray(model.regularizers) || model.regularizers.includes(name)) return null;
  return `not available with the ${model.title}`;
}

/** Why the model cannot train with objective `o` (a registry entry), or null. */
function modelObjectiveConflict(o, model) {
  if (!o || !model || model.name === "gan") return null;
  if (o.network === "none") return `the ${model.title} needs a discriminator`;
  if (Array.isArray(model.objectives) && !model.objectives.includes(o.name)) return `the ${model.title} trains with ${model.objectives.join(" or ")}`;
  return null;
}

function buildRegularizers(prop, entries, boxes, onToggle) {
  const box = el("div", "regs");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", prop.title || "Regularisers");
  box.title = `${prop.title || "Regularisers"}: tricks added to the objective; several can be on at once`;
  for (const r of entries) {
    const tip = `${r.title}: ${r.description}${r.new_networks ? " (Turning it on or off starts a new run with new networks.)" : ""}`;
    const label = el("label", "reg", null, { title: tip });
    const input = el("input", null, null, { type: "checkbox", value: r.name, id: `reg-${r.name}`, title: tip });
    input.name = "regularizers";
    input.dataset.testid = `reg-${r.name}`;
    input.dataset.tip = tip;
    input.setAttribute("aria-label", r.title);
    input.addEventListener("change", onToggle);
    label.append(input, el("span", null, SHORT_REG[r.name] || r.title));
    box.append(label);
    boxes.set(r.name, input);
  }
  return box;
}

function readValue(input, prop) {
  if (input.tagName === "SELECT") return input.value;
  if (prop.type === "integer" || prop.type === "number") {
    const text = input.value.trim();
    if (text === "") return undefined;
    const v = Number(text);
    // Let the server judge ranges and types; it answers with an error we show.
    return Number.isFinite(v) ? v : text;
  }
  return input.value;
}
