/**
 * Small DOM helpers. Text always goes in through `textContent` (never `innerHTML`), so nothing
 * read from a file can become markup, and no inline style is ever set: the page's CSP allows
 * only its own style sheet.
 */

type Child = Node | string | null | undefined | false;
type Props = Record<string, string | boolean | number | undefined>;

/**
 * Creates `<tag>` with `props` as attributes (`true` = present, `false`/`undefined` = absent,
 * `class` included) and `children` appended (strings as text nodes, falsy ones skipped).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends `children` to `parent` (strings as text nodes, falsy ones skipped). */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** Replaces the children of `parent` with `children`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

let counter = 0;

/** A document-unique id with `prefix`, for label/`aria-describedby` links. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * A labelled form field: `<div class="field"><label for=…>label</label>control<p>help</p></div>`.
 * The control gets an id if it has none, and the help text is linked by `aria-describedby`.
 */
export function field(label: string, control: HTMLElement, help?: string): HTMLDivElement {
  if (!control.id) control.id = uid("f");
  const wrapper = h("div", { class: "field" }, h("label", { for: control.id }, label), control);
  if (help) {
    const helpId = `${control.id}-help`;
    control.setAttribute("aria-describedby", helpId);
    append(wrapper, h("p", { class: "help", id: helpId }, help));
  }
  return wrapper;
}

/** A `<button type="button">` that runs `onClick`; `kind` picks the style (`primary`, `secondary`). */
export function button(label: string, onClick: () => void, kind: "primary" | "secondary" = "secondary") {
  const element = h("button", { type: "button", class: `button ${kind}` }, label);
  element.addEventListener("click", onClick);
  return element;
}

/** A section of a view: heading (level 2) and content, labelled by its heading. */
export function panel(title: string, ...children: Child[]): HTMLElement {
  const id = uid("s");
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/**
 * Runs `work` while `trigger` shows it is busy (disabled, `aria-busy`), then re-enables it;
 * returns what `work` returned. A second click while busy does nothing.
 */
export async function busy<T>(trigger: HTMLButtonElement, work: () => Promise<T>): Promise<T> {
  trigger.disabled = true;
  trigger.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    trigger.disabled = false;
    trigger.removeAttribute("aria-busy");
  }
}
