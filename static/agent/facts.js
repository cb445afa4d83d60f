// Facts about one thing (a delivery, an API key) as a list of a term above its
// value, as many side by side as fit (integrations.css .facts).

import { h } from '../js/dom.js';

/**
 * Facts as a list of a term above its value, as many side by side as fit: [[term, value,
 * title?]] (value: text or a node). A list, not a <dl>: a <dl> may not wrap each pair in an
 * element the grid can place, and axe-core's dlitem rule holds to that.
 */
export function factList(facts, className) {
  return h('ul', { class: `facts ${className}` }, facts.map(([term, value, title]) => h('li', {},
    h('span', { class: 'fact-term' }, term), ' ', h('span', { class: 'fact-value', title: title || null }, value))));
}
