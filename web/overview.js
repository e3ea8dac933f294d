// The model overview above the 2-D view, as GAN Lab draws it: noise z → G → fake samples
// → D ← real samples, D's output feeding the loss, and the two update paths (D's loss
// updates D; G's loss flows back through D to G). Each block is a keyboard-reachable
// button; `onPick(block)` says which one was chosen.

const SVG = "http://www.w3.org/2000/svg";

// x, y, width, height in the diagram's own units (viewBox 0 0 720 100)
const BLOCKS = [
  { key: "noise", label: "noise z", x: 6, y: 6, w: 104, h: 36, cls: "ov-noise", tip: "Random noise z from the prior: the raw material G shapes (shows G's mesh)" },
  { key: "g", label: "G", x: 148, y: 6, w: 58, h: 36, cls: "ov-g", tip: "The generator: turns each z into a sample G(z) (shows the mesh it draws over the noise)" },
  { key: "fake", label: "fake samples", x: 244, y: 6, w: 148, h: 36, cls: "ov-fake", tip: "G's samples and the gradients that will move them (shows the green dots and arrows)" },
  { key: "d", label: "D", x: 430, y: 6, w: 58, h: 36, cls: "ov-d", tip: "The discriminator: D(x) is its probability that x is real (shows the heatmap)" },
  { key: "real", label: "real samples", x: 526, y: 6, w: 150, h: 36, cls: "ov-real", tip: "Samples of the data distribution p_data (shows the black dots)" },
  { key: "loss", label: "loss", x: 414, y: 62, w: 90, h: 32, cls: "ov-loss", tip: "D's and G's losses on the latest batch (see the Losses chart)" },
];

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text != null) node.textContent = text;
  return node;
}

function arrow(d, cls) {
  return el("path", { d, class: `ov-arrow ${cls}`, "marker-end": `url(#ov-head-${cls})` });
}

export function buildOverview(host, onPick) {
  const svg = el("svg", { viewBox: "0 0 720 100", class: "overview-svg", role: "group", "aria-label": "Model overview: click a block to highlight it in the view" });
  const defs = el("defs");
  for (const cls of ["flow", "upd-d", "upd-g"]) {
    const m = el("marker", { id: `ov-head-${cls}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    m.append(el("path", { d: "M0,0 L10,5 L0,10 z", class: `ov-head ${cls}` }));
    defs.append(m);
  }
  svg.append(defs);

  // data flow (solid) and updates (dashed)
  const updD = arrow("M478,62 V44", "upd-d");
  svg.append(
    arrow("M110,24 H146", "flow"),
    arrow("M206,24 H242", "flow"),
    arrow("M392,24 H428", "flow"),
    arrow("M526,24 H490", "flow"),
    arrow("M448,42 V60", "flow"),
    updD,
    arrow("M414,80 H177 V44", "upd-g"),
  );
  const noteD = el("text", { x: 512, y: 84, class: "ov-note upd-d" }, "D's loss updates D");
  const noteThrough = el("text", { x: 166, y: 86, class: "ov-note upd-g", "text-anchor": "end" }, "through D to G");
  svg.append(noteD, el("text", { x: 166, y: 66, class: "ov-note upd-g", "text-anchor": "end" }, "G's loss flows back"), noteThrough);

  const nodes = new Map();
  for (const b of BLOCKS) {
    const g = el("g", { class: `ov-block ${b.cls}`, tabindex: 0, role: "button", "aria-label": b.label, "data-testid": `overview-${b.key}` });
    g.append(el("title", {}, b.tip));
    g.append(el("rect", { x: b.x, y: b.y, width: b.w, height: b.h, rx: 7 }));
    g.append(el("text", { x: b.x + b.w / 2, y: b.y + b.h / 2 + 1 }, b.label));
    const pick = () => onPick(b.key);
    g.addEventListener("click", pick);
    g.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        e.stopPropagation(); // not the page's Space = Play
        pick();
      }
    });
    nodes.set(b.key, g);
    svg.append(g);
  }
  host.replaceChildren(svg);

  return {
    /** Name the second network: D, a critic C, or MMD (no network: nothing updates it). */
    setKind(kind) {
      const g = nodes.get("d");
      const sym = kind.sym || "MMD";
      g.querySelector("text").textContent = sym;
      g.setAttribute("aria-label", kind.noun);
      g.querySelector("title").textContent = {
        prob: "The discriminator: D(x) is its probability that x is real (shows the heatmap)",
        ls: "The least-squares discriminator: D(x) is a score, trained towards 1 on real and 0 on fake samples (shows the heatmap)",
        critic: "The critic: C(x) is an unbounded score, higher for samples it finds more real (shows the heatmap)",
        witness: "No discriminator: G's loss is the MMD between its samples and the data's; the heatmap shows the MMD witness",
      }[kind.key];
      updD.style.display = kind.sym ? "" : "none";
      noteD.textContent = kind.sym ? `${kind.sym}'s loss updates ${kind.sym}` : "";
      noteThrough.textContent = kind.sym ? `through ${kind.sym} to G` : "via the MMD to G";
    },
    /** Briefly mark a block as the one shown. */
    flash(key) {
      const g = nodes.get(key);
      if (!g) return;
      g.classList.remove("picked");
      void g.getBoundingClientRect(); // restart the CSS animation
      g.classList.add("picked");
    },
  };
}
