// Icons of the console's own beside dom.js's set (searching, labels, reports), drawn the
// same way: stroked paths on the 24×24 grid, decorative.

import { icon } from '../js/dom.js';

const PATHS = {
  search: ['M10.5 18a7.5 7.5 0 1 0 0-15 7.5 7.5 0 0 0 0 15z', 'M16 16l5 5'],
  chart: ['M4 20h16', 'M7 16v-5', 'M12 16V6', 'M17 16v-8'],
  tag: ['M3 12.2V4a1 1 0 0 1 1-1h8.2l8.4 8.4a1.4 1.4 0 0 1 0 2l-7.2 7.2a1.4 1.4 0 0 1-2 0z', 'M7.5 7.5h.01'],
};

/** An icon of PATHS (`name`), as dom.js icon() draws its own. */
export function consoleIcon(name, { size = 20, className = 'icon' } = {}) {
  const svg = icon('none', { size, className });
  for (const d of PATHS[name] || []) {
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}
