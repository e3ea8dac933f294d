// A small element builder for the page's hand-made widgets.

/** <tag class=className>text</tag>, with `props` (title, type, …) assigned. */
export function el(tag, className, text, props = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return Object.assign(node, props);
}
