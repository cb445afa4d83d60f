// Saving something the console fetched (with its token) as a file: an object
// URL on a link with `download`, clicked, then let go.

import { h } from '../js/dom.js';

/** Saves `blob` as `filename` through the browser's download. */
export function saveFile(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it started; a minute is plenty.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
