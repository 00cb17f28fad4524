// Tiny DOM helpers for the panel. Text always goes in through textContent (never innerHTML), so
// model output, prompts and file paths can never become markup. No `style` attribute is ever set
// (the CSP forbids inline styles): looks come from media/panel.css classes, sizes through CSSOM.

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  className?: string;
  id?: string;
  text?: string;
  /** Attributes (aria-*, role, type, for, data-*, ...); undefined/false leave one out, true sets it empty. */
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.id) element.id = props.id;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (name === 'style' || name.startsWith('on')) throw new Error(`h(): the ${name} attribute is not allowed (CSP)`);
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [event, listener] of Object.entries(props.on ?? {})) {
    element.addEventListener(event, listener as EventListener);
  }
  if (props.text !== undefined) element.textContent = props.text;
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

let counter = 0;
/** A document-unique id for label/aria wiring. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled form control: <div class="field"><label for=…>…</label>control hint?</div>. */
export function field(label: string, control: HTMLElement, hint?: HTMLElement): HTMLDivElement {
  if (!control.id) control.id = uid('field');
  return h('div', { className: 'field' }, h('label', { attrs: { for: control.id }, text: label }), control, hint);
}

/** A real <button type="button">. */
export function button(label: string, onClick: () => void, props: Props = {}): HTMLButtonElement {
  return h('button', { ...props, attrs: { type: 'button', ...props.attrs }, text: label, on: { click: onClick, ...props.on } });
}

export function option(value: string, label: string, selected: boolean): HTMLOptionElement {
  const element = h('option', { attrs: { value }, text: label });
  element.selected = selected;
  return element;
}

export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible;
}
