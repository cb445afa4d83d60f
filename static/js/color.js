// Theme colours chosen by an admin (any "#rrggbb"): the accent itself, the
// text that reads on it, and an "ink" version of it for text on the page's
// background, each with at least WCAG AA contrast (4.5:1).

const AA = 4.5;
const LIGHT_BG = [255, 255, 255]; // --sb-bg, light
const DARK_BG = [21, 23, 28]; // --sb-bg, dark (#15171c)

/** [r, g, b] (0–255) of a "#rgb"/"#rrggbb" colour, or null. */
export function parseHex(color) {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(color || '').trim());
  if (!m) return null;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** Any CSS colour (as a script tag's data-color may give) as "#rrggbb", or null. */
export function normalizeColor(color) {
  const text = String(color || '').trim();
  if (parseHex(text)) return toHex(parseHex(text));
  if (!text || text.length > 64 || !CSS.supports('color', text)) return null;
  const probe = document.createElement('span');
  probe.hidden = true;
  probe.style.setProperty('color', text);
  document.body.append(probe);
  const parts = (getComputedStyle(probe).color.match(/[\d.]+/g) || []).map(Number);
  probe.remove();
  return parts.length >= 3 ? toHex(parts.slice(0, 3)) : null;
}

export function toHex(rgb) {
  return `#${rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

function luminance(rgb) {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two [r, g, b] colours. */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** White, near-black or (for the few mid tones where neither reaches AA) black text on `rgb`. */
export function textOn(rgb) {
  for (const hex of ['#ffffff', '#111418']) if (contrast(rgb, parseHex(hex)) >= AA) return hex;
  return contrast(rgb, [255, 255, 255]) >= contrast(rgb, [0, 0, 0]) ? '#ffffff' : '#000000';
}

/** `rgb` mixed towards `toward` just enough to read (AA) as text on `bg`. */
function ink(rgb, bg, toward) {
  for (let t = 0; t <= 1; t += 0.05) {
    const mixed = rgb.map((v, i) => v + (toward[i] - v) * t);
    if (contrast(mixed, bg) >= AA + 1) return toHex(mixed); // margin: it also sits on accent tints
  }
  return toHex(toward);
}

/**
 * The custom properties for accent `color` ("#rrggbb"), or null when it is not one:
 * --sb-accent, --sb-on-accent, and the -light/-dark pairs of --sb-accent-soft and
 * --sb-accent-ink (theme.css picks one of each).
 */
export function accentVars(color) {
  const rgb = parseHex(color);
  if (!rgb) return null;
  return {
    '--sb-accent': toHex(rgb),
    '--sb-on-accent': textOn(rgb),
    '--sb-accent-soft-light': `rgb(${rgb.join(' ')} / 0.11)`,
    '--sb-accent-soft-dark': `rgb(${rgb.join(' ')} / 0.22)`,
    '--sb-accent-ink-light': ink(rgb, LIGHT_BG, [0, 0, 0]),
    '--sb-accent-ink-dark': ink(rgb, DARK_BG, [255, 255, 255]),
  };
}

/** Applies accentVars(color) to `el` (default: the page); false when `color` is not "#rrggbb". */
export function applyAccent(color, el = document.documentElement) {
  const vars = accentVars(color);
  if (!vars) return false;
  for (const [name, value] of Object.entries(vars)) el.style.setProperty(name, value);
  return true;
}
