// The configuration form, built from the JSON schema the server publishes:
// one control per property, grouped by its `group`; properties marked "hidden" are edited
// elsewhere (the drawing on the 2-D canvas). The server's config is the truth.

const GROUPS = [
  ["data", "Data & noise"],
  ["training", "Training"],
  ["generator", "Generator G"],
  ["discriminator", "Discriminator D"],
];

// Registry-backed fields whose option titles the hello message lists.
const REGISTRY_OF = { distribution: "distribution", prior: "prior", objective: "objective" };

function numberStep(name, prop) {
  if (prop.type === "integer") return "1";
  return "any";
}

/** Build the form; `onChange(name, value)` fires with a typed value for one field. */
export function buildForm(form, schema, registries, onChange) {
  form.replaceChildren();
  const inputs = new Map();
  const props = schema.properties || {};
  const groups = [...GROUPS];
  for (const prop of Object.values(props)) {
    if (prop.group && !groups.some(([g]) => g === prop.group)) groups.push([prop.group, prop.group]);
  }
  for (const [group, heading] of groups) {
    const names = Object.keys(props).filter((n) => !props[n].hidden && (props[n].group || "training") === group);
    if (!names.length) continue;
    const fs = document.createElement("fieldset");
    fs.className = `group group-${group}`;
    const legend = document.createElement("legend");
    legend.className = "group-title";
    legend.textContent = heading;
    fs.append(legend);
    for (const name of names) {
      const prop = props[name];
      const id = `cfg-${name}`;
      const row = document.createElement("div");
      row.className = "field";
      row.title = prop.description || prop.title || name;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = prop.title || name;
      label.title = row.title;
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
        input.step = numberStep(name, prop);
        if (prop.minimum != null) input.min = String(prop.minimum);
        if (prop.maximum != null) input.max = String(prop.maximum);
        input.className = "num";
      } else {
        input = document.createElement("input");
        input.type = "text";
      }
      input.id = id;
      input.name = name;
      input.title = row.title;
      input.dataset.type = prop.type || "string";
      input.addEventListener("change", () => {
        // undefined = nothing usable typed; the caller puts the true value back
        onChange(name, readValue(input, prop));
      });
      row.append(label, input);
      fs.append(row);
      inputs.set(name, input);
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
