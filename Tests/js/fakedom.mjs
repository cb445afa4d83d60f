// Just enough of the DOM for the modules under test: elements with
// attributes, children, text, listeners, dataset and style; a document that
// creates them and finds them by id or by an attribute selector. Installed on
// globalThis by installDom(); nothing here parses markup, so a test can tell
// a text node from an element.

export class Node {
  constructor() {
    this.parentNode = null;
    this.childNodes = [];
  }

  get firstChild() {
    return this.childNodes[0] || null;
  }

  get nextSibling() {
    const siblings = this.parentNode?.childNodes || [];
    return siblings[siblings.indexOf(this) + 1] || null;
  }

  append(...nodes) {
    for (const node of nodes) this.insertBefore(typeof node === 'string' ? new Text(node) : node, null);
  }

  insertBefore(node, before) {
    if (node instanceof DocumentFragment) {
      for (const child of [...node.childNodes]) this.insertBefore(child, before);
      return node;
    }
    node.remove();
    node.parentNode = this;
    const i = before ? this.childNodes.indexOf(before) : -1;
    if (i < 0) this.childNodes.push(node);
    else this.childNodes.splice(i, 0, node);
    return node;
  }

  removeChild(node) {
    node.remove();
    return node;
  }

  remove() {
    if (!this.parentNode) return;
    const siblings = this.parentNode.childNodes;
    siblings.splice(siblings.indexOf(this), 1);
    this.parentNode = null;
  }

  get textContent() {
    return this.childNodes.map((c) => c.textContent).join('');
  }

  set textContent(text) {
    for (const child of [...this.childNodes]) child.remove();
    if (text !== '' && text !== null && text !== undefined) this.append(new Text(String(text)));
  }

  /** Every element below this node, depth first. */
  *descendants() {
    for (const child of this.childNodes) {
      if (child instanceof Element) {
        yield child;
        yield* child.descendants();
      }
    }
  }
}

export class Text extends Node {
  constructor(data) {
    super();
    this.data = data;
  }

  get textContent() {
    return this.data;
  }

  set textContent(text) {
    this.data = String(text);
  }
}

export class DocumentFragment extends Node {}

const camelToData = (key) => `data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export class Element extends Node {
  constructor(tagName, namespaceURI = 'http://www.w3.org/1999/xhtml') {
    super();
    this.tagName = tagName.toUpperCase();
    this.namespaceURI = namespaceURI;
    this.attributes = new Map();
    this.listeners = new Map();
    this.hidden = false;
    this.disabled = false;
    this.value = '';
    // style.height = '…' and style.setProperty('height', '…') are the same property.
    const props = new Map();
    const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const methods = {
      setProperty: (name, value) => props.set(name, String(value)),
      removeProperty: (name) => props.delete(name),
      getPropertyValue: (name) => props.get(name) ?? '',
    };
    this.style = new Proxy(methods, {
      get: (target, key) => target[key] ?? props.get(kebab(String(key))) ?? '',
      set: (_, key, value) => {
        props.set(kebab(String(key)), String(value));
        return true;
      },
    });
    this.dataset = new Proxy({}, {
      set: (_, key, value) => {
        this.setAttribute(camelToData(key), value);
        return true;
      },
      get: (_, key) => this.getAttribute(camelToData(String(key))) ?? undefined,
    });
  }

  get id() {
    return this.getAttribute('id') ?? '';
  }

  get className() {
    return this.getAttribute('class') ?? '';
  }

  set className(value) {
    this.setAttribute('class', value);
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  hasAttribute(name) {
    return this.attributes.has(name);
  }

  removeAttribute(name) {
    this.attributes.delete(name);
  }

  addEventListener(type, fn, options = {}) {
    if (options?.signal?.aborted) return;
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
    options?.signal?.addEventListener('abort', () => {
      const list = this.listeners.get(type) || [];
      list.splice(list.indexOf(fn), 1);
    });
  }

  /** Calls the listeners of `event.type` with `event` (a plain object gets preventDefault). */
  dispatchEvent(event) {
    event.defaultPrevented ??= false;
    event.preventDefault ??= () => { event.defaultPrevented = true; };
    for (const fn of [...(this.listeners.get(event.type) || [])]) fn(event);
    return !event.defaultPrevented;
  }

  /** The document's activeElement becomes this element. */
  focus() {
    if (globalThis.document) globalThis.document.activeElement = this;
  }

  select() {}

  /** Only `[attribute]` and `[attribute="value"]` selectors: all the modules under test use. */
  querySelectorAll(selector) {
    const m = /^\[([\w-]+)(?:="([^"]*)")?\]$/.exec(selector);
    if (!m) throw new Error(`fakedom: unsupported selector ${selector}`);
    return [...this.descendants()].filter((el) => el.hasAttribute(m[1]) && (m[2] === undefined || el.getAttribute(m[1]) === m[2]));
  }
}

export class Document {
  constructor() {
    this.body = new Element('body');
    this.activeElement = this.body;
  }

  createElement(tag) {
    return new Element(tag);
  }

  createElementNS(ns, tag) {
    return new Element(tag, ns);
  }

  createTextNode(text) {
    return new Text(text);
  }

  createDocumentFragment() {
    return new DocumentFragment();
  }

  getElementById(id) {
    for (const el of this.body.descendants()) if (el.id === id) return el;
    return null;
  }

  querySelectorAll(selector) {
    return this.body.querySelectorAll(selector);
  }
}

/** A fresh document on globalThis (with Node, for `instanceof`); returns it. */
export function installDom() {
  const document = new Document();
  Object.assign(globalThis, { document, Node });
  return document;
}
