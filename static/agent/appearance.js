// Settings → Appearance: brand name, the widget's title, subtitle, greeting
// bubble, colour and corner (PATCH /api/v1/admin/settings), a live sketch of
// the widget (preview.js) and the one-line embed snippet to copy.

import { $ } from '../js/dom.js';
import { parseHex, toHex } from '../js/color.js';
import { clearInvalid, copyField, invalid, loadSettings, onSubmit, saveSettings, showError } from './forms.js';
import { drawWidget } from './preview.js';

/** "#abc" / "#aabbcc" (any case, with or without "#") → "#aabbcc", else null. */
export function hexColor(text) {
  const t = text.trim();
  const rgb = parseHex(t.startsWith('#') ? t : `#${t}`);
  return rgb ? toHex(rgb) : null;
}

/** A colour picker beside a "#rrggbb" field: each follows the other. */
export function pairColor(picker, field) {
  picker.addEventListener('input', () => {
    field.value = picker.value;
    field.dispatchEvent(new Event('input', { bubbles: true }));
  });
  field.addEventListener('input', () => {
    const hex = hexColor(field.value);
    if (hex) picker.value = hex;
  });
}

export class Appearance {
  /** @param {{store, toast}} deps  store: the shared Settings (settings.js) */
  constructor({ store, toast }) {
    Object.assign(this, { store, toast });
    this.el = {
      form: $('look-form'), brand: $('look-brand'), title: $('look-title-input'), subtitle: $('look-subtitle'),
      greeting: $('look-greeting'), color: $('look-color'), picker: $('look-color-picker'),
      left: $('look-left'), right: $('look-right'), error: $('look-error'), save: $('look-save'),
      preview: $('look-preview'), snippet: $('embed-snippet'), copy: $('embed-copy'),
    };
    const { el } = this;
    el.snippet.value = `<script src="${location.origin}/widget.js" async></script>`;
    pairColor(el.picker, el.color);
    el.form.addEventListener('input', () => this.preview());
    onSubmit(el.form, () => this.#submit());
    el.copy.addEventListener('click', () => this.#copy());
    store.onChange(() => this.preview());
  }

  async show() {
    const { el } = this;
    await loadSettings(this.store, el, (s) => {
      el.brand.value = s.brand_name;
      el.title.value = s.widget.title;
      el.subtitle.value = s.widget.subtitle;
      el.greeting.value = s.widget.greeting;
      el.color.value = s.widget.color;
      el.picker.value = hexColor(s.widget.color) || '#1a56db';
      (s.widget.position === 'left' ? el.left : el.right).checked = true;
    });
    this.preview();
  }

  #look() {
    const { el } = this;
    const s = this.store.get();
    return {
      brand: el.brand.value.trim(), title: el.title.value.trim(), subtitle: el.subtitle.value.trim(),
      greeting: el.greeting.value.trim(), color: hexColor(el.color.value), position: el.left.checked ? 'left' : 'right',
      botName: s?.bot_name, welcome: s?.welcome_message,
    };
  }

  preview() {
    const look = this.#look();
    drawWidget(this.el.preview, { ...look, color: look.color || this.store.get()?.widget.color });
  }

  async #submit() {
    const { el } = this;
    clearInvalid(el.form);
    const look = this.#look();
    if (!look.brand) return this.#fail('Enter your brand name.', el.brand);
    if (!look.title) return this.#fail('Give the chat a title.', el.title);
    if (!look.color) return this.#fail('Colour: six hex digits like #1a56db.', el.color);
    el.color.value = look.color;
    const body = {
      brand_name: look.brand,
      widget: { title: look.title, subtitle: look.subtitle, greeting: look.greeting, color: look.color, position: look.position },
    };
    await saveSettings(this.store, el, body, {
      done: 'Appearance saved. Shoppers see it the next time a page loads.',
      toast: this.toast,
      fields: {
        brand_name: { input: el.brand, label: 'Brand name' }, 'widget.title': { input: el.title, label: 'Chat title' },
        'widget.subtitle': { input: el.subtitle, label: 'Subtitle' }, 'widget.greeting': { input: el.greeting, label: 'Greeting bubble' },
        'widget.color': { input: el.color, label: 'Colour' }, 'widget.position': { input: el.right, label: 'Position' },
      },
    });
  }

  #fail(text, input) {
    showError(this.el.error, text);
    invalid(input);
  }

  #copy() {
    return copyField(this.el.snippet, { toast: this.toast, done: 'Copied the embed code.' });
  }
}
