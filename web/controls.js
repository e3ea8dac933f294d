// The configuration form, built from the JSON schema the server publishes: one control per
// property (properties marked "hidden" are edited elsewhere: the drawing on the 2-D canvas).
// The page only lays them out: short labels (the schema's full title and description are
// the tooltip), two short fields to a row, and G's and D's settings side by side in one
// table. A property the layout does not know still gets a row of its own in its group.
// The server's config is the truth.

import { el } from "./dom.js";

// Sections of the form: [key, heading, schema groups it holds, rows]; a row lists one
// field, or two that share it (for "gd", G's then D's, under the columns G and D).
const SECTIONS = [
  ["data", "Data & noise", ["data"], [["distribution"], ["prior"], ["noise_dim"]]],
  ["training", "Training", ["training"], [["objective"], ["batch_size"], ["optimizer"], ["momentum"], ["beta1", "beta2"], ["lr_halflife"], ["seed"]]],
  ["gd", "Networks", ["generator", "discriminator"], [["g_steps", "d_steps"], ["g_layers", "d_layers"], ["g_width", "d_width"], ["g_activation", "d_activation"], ["lr_g", "lr_d"]]],
];

// Short labels (at most ~95 px at 13.5 px), keyed by a row's first field.
const SHORT = {
  distribution: "Data",
  prior: "Noise prior",
  noise_dim: "Noise dim.",
  batch_size: "Batch size",
  momentum: "Momentum",
  beta1: "Adam β1, β2",
  lr_halflife: "LR half-life",
  g_steps: "Steps",
  g_layers: "Layers",
  g_width: "Width",
  g_activation: "Activation",
  lr_g: "Learning rate",
};

// Fields that only matter for one optimizer: shown dimmed under the other.
const ONLY_FOR_OPTIMIZER = { momentum: "sgd", beta1: "adam", beta2: "adam" };

// Registry-backed fields whose option titles the hello message lists.
const REGISTRY_OF = { distribution: "distribution", prior: "prior", objective: "objective" };

function tipOf(name, prop) {
  const title = prop.title || name;
  return prop.description ? `${title}: ${prop.description}` : title;
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
    if (prop.minimum != null) input.min = String(prop.minimum);
    if (prop.maximum != null) input.max = String(prop.maximum);
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

/** Build the form; `onChange(name, value)` fires with a typed value for one field. */
export function buildForm(form, schema, registries, onChange) {
  form.replaceChildren();
  const inputs = new Map();
  const props = schema.properties || {};
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
      const row = el("div", names.length > 1 ? "field pair" : "field");
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
      fs.append(row);
    }
    form.append(fs);
  }

  return {
    /** Show the server's config (the truth) in the form. */
    setConfig(config) {
      for (const [name, input] of inputs) {
        if (!(name in config)) continue;
        const v = config[name];
        const text = v == null ? "" : String(v);
        const only = ONLY_FOR_OPTIMIZER[name];
        input.classList.toggle("unused", !!only && config.optimizer != null && config.optimizer !== only);
        if (document.activeElement === input && input.value === text) continue;
        input.value = text;
        input.classList.remove("pending");
      }
    },
    markPending(name) {
      inputs.get(name)?.classList.add("pending");
    },
    inputs,
  };
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
