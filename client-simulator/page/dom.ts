/**
 * The page's only way to make elements. Text always goes in through `textContent`, so message
 * text from the network is never parsed as HTML (defect 6 of the original simulator).
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A required element of the page, checked for its type. */
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`client simulator: #${id} is missing or not a ${type.name}`);
  return element;
}

/** A required element inside a part of the page (a cloned template), checked for its type. */
export function part<T extends Element>(root: ParentNode, selector: string, type: abstract new () => T): T {
  const element = root.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`client simulator: ${selector} is missing or not a ${type.name}`);
  return element;
}
