// The sites that may show the chat (Settings → Widget, `widget.allowed_origins`):
// what an admin types, checked and put the way browsers write an origin, so
// that what is saved is what a shop's page sends (`https://shop.example`,
// lowercase, no path, no default port). The server checks again; this only
// says what is wrong before anything is sent.

/** `*`: any site may show the chat. */
export const ANY = '*';
export const MAX_ORIGINS = 20;

// A host as the stack's own check takes it (scripts/env.sh): letters, digits, dots and
// dashes, or an IPv6 address in brackets; labels neither empty nor starting or ending with "-".
const NAME = /^(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;

/**
 * `text` as an origin: {origin} (normalised), or {error} in plain words.
 * Accepts "https://Shop.Example/" (→ "https://shop.example") and a non-ASCII name
 * (→ its punycode, as a browser sends it); refuses a path, a query, a user name,
 * another scheme or no scheme at all, and says what to write instead.
 */
export function parseOrigin(text) {
  const raw = String(text ?? '').trim();
  if (!raw) return { error: 'Enter a site, like https://shop.example.' };
  if (raw === ANY) return { error: 'To let any site show the chat, choose “Any website” instead.' };
  if (raw.includes('*')) return { error: 'List each site on its own (https://shop.example, https://www.shop.example): patterns with * are not supported.' };
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    const guess = parseOrigin(`https://${raw}`);
    return { error: guess.origin ? `Start with https:// (or http://): ${guess.origin}` : 'Write the site like https://shop.example.' };
  }
  let url;
  try {
    url = new URL(raw);
  } catch {
    return { error: `“${raw}” is not a web address. Write it like https://shop.example.` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: 'Only https:// and http:// sites can show the chat.' };
  if (url.username || url.password) return { error: 'Leave out the user name and password: just https://shop.example.' };
  if (url.port === '0') return { error: 'A port is a number from 1 to 65535.' };
  const origin = `${url.protocol}//${url.host}`;
  if (!NAME.test(url.hostname) && !IPV6.test(url.hostname)) return { error: `“${url.hostname}” is not a host name.` };
  if (url.pathname !== '/' || url.search || url.hash || /[?#]$/.test(raw)) {
    return { error: `Just the site, without a path: ${origin}` };
  }
  return { origin };
}

/**
 * The whole list as it would be saved: {origins} (`["*"]` for any site), or
 * {error, index} (index: the entry at fault, or -1 for the list as a whole).
 */
export function checkOrigins(list, { any = false } = {}) {
  if (any) return { origins: [ANY] };
  if (!list.length) return { error: 'Add at least one site, or choose “Any website”.', index: -1 };
  if (list.length > MAX_ORIGINS) return { error: `At most ${MAX_ORIGINS} sites. Remove ${list.length - MAX_ORIGINS} first.`, index: -1 };
  const origins = [];
  for (const [index, entry] of list.entries()) {
    const { origin, error } = parseOrigin(entry);
    if (error) return { error, index };
    if (origins.includes(origin)) return { error: `${origin} is in the list twice.`, index };
    origins.push(origin);
  }
  return { origins };
}

/**
 * Adds `text` to `list`: {list} (a new array), or {error}. Entries keep their
 * order; a site already listed is not added twice.
 */
export function addOrigin(list, text) {
  const { origin, error } = parseOrigin(text);
  if (error) return { error };
  if (list.includes(origin)) return { error: `${origin} is already in the list.` };
  if (list.length >= MAX_ORIGINS) return { error: `At most ${MAX_ORIGINS} sites. Remove one you no longer use first.` };
  return { list: [...list, origin], origin };
}

/** Splits the saved setting into what the form shows: {any, list}. */
export function fromSetting(origins) {
  const all = Array.isArray(origins) ? origins.filter((o) => typeof o === 'string') : [];
  return { any: all.includes(ANY), list: all.filter((o) => o !== ANY) };
}
