// Labels (docs/API.md "Labels"): the team's words about a conversation
// ("refund", "VIP"), each with a colour. The console reads them once per
// sign-in (GET agent/labels, shared by the lists' filter, the chat header's
// menu, search and Settings) and draws a conversation's as chips: the name on
// the label's colour, in white or near-black, whichever reads (AA) on it.

import { parseHex, textOn, toHex } from '../js/color.js';
import { h } from '../js/dom.js';
import { ReadOnceStore } from './store.js';

/** The team's labels, by name (any case), as the server lists them. */
export class LabelStore extends ReadOnceStore {
  constructor(api) {
    super(() => api.labels(), (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id));
  }

  /** The label with this id, or null (not read yet, or deleted). */
  byId(id) {
    return this.items?.find((label) => label.id === id) || null;
  }
}

// A colour that is not "#rrggbb" (never from this server) is drawn in the muted grey.
const FALLBACK = '#5d6675';

/** A chip's colours for label colour `color`: {background, color} (the text: white or near-black, AA on it). */
export function chipColors(color) {
  const rgb = parseHex(color) || parseHex(FALLBACK);
  return { background: toHex(rgb), color: textOn(rgb) };
}

/** One label as a chip (its name as text, its colours inline). */
export function labelChip(label, { className = 'label-chip' } = {}) {
  const chip = h('span', { class: className, dataset: { labelId: label.id } }, label.name);
  const { background, color } = chipColors(label.color);
  chip.style.setProperty('background-color', background);
  chip.style.setProperty('color', color);
  return chip;
}

/**
 * A conversation's labels as the console knows them now: renamed or recoloured ones as the
 * store has them, deleted ones left out (once the store is read). `store` may be null.
 */
export function labelsOf(conv, store = null) {
  const own = Array.isArray(conv?.labels) ? conv.labels : [];
  if (!store?.items) return own;
  return own.map((label) => store.byId(label.id)).filter(Boolean);
}

/** The chips of `labels` in a span (null when there are none). */
export function labelChips(labels, { className = 'labels' } = {}) {
  return labels.length ? h('span', { class: className }, labels.map((label) => labelChip(label))) : null;
}

/** `list` without the conversations that do not carry label `labelId` ('' or null: all of it). */
export const withLabel = (list, labelId) => (labelId ? list.filter((c) => (c.labels || []).some((l) => l.id === labelId)) : list);

/** What the chips say to a screen reader: ", labelled refund, VIP" ('' without labels). */
export const labelsText = (labels) => (labels.length ? `, labelled ${labels.map((l) => l.name).join(', ')}` : '');

/** What a row's chips depend on, for the lists' change signatures. */
export const labelsKey = (labels) => labels.map((l) => `${l.id}:${l.name}:${l.color}`).join(',');
