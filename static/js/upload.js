// Sending one file (docs/API.md, "Files and images"): the raw bytes POSTed to
// a conversation's `attachments` route with XMLHttpRequest, because fetch
// reports no upload progress. What the browser can tell before sending (the
// size, the type the file claims, an empty file) is checked here against the
// server's own limits, in the words the server would use; what only the
// server can tell (the type found in the bytes, its rate limits) comes back
// as its `detail`, shown as it is.

import { ApiError } from './api.js';

const BASE = '/api/v1';
const KB = 1024;
const MB = 1024 * 1024;

/** At most this many files go with one message (the server's limit too). */
export const MAX_FILES_PER_MESSAGE = 10;

/** "14 MB", "1.5 MB", "300 KB", "12 bytes". */
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < KB) return n === 1 ? '1 byte' : `${n} bytes`;
  if (n < MB) return `${Math.max(1, Math.round(n / KB))} KB`;
  const mb = n / MB;
  // One decimal below 10 MB where it says something (1.5 MB); whole megabytes above.
  const shown = mb < 10 ? Math.round(mb * 10) / 10 : Math.round(mb);
  return `${shown} MB`;
}

// What people call the usual types; anything else by its MIME type.
const TYPE_NAMES = {
  'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/gif': 'GIF', 'image/webp': 'WebP',
  'application/pdf': 'PDF', 'text/plain': 'text',
};

/** A type in words: "PDF", "PNG", or the MIME type itself. */
export function typeName(type) {
  return TYPE_NAMES[type] || type || 'unknown';
}

/**
 * widget-config's (or the console's) `attachments`, checked member by member:
 * without it (an older server) or with `enabled` not true, nothing may be sent.
 */
export function parseAttachmentLimits(raw) {
  const a = raw && typeof raw === 'object' ? raw : {};
  const types = Array.isArray(a.allowed_types) ? a.allowed_types.filter((t) => typeof t === 'string' && t) : [];
  return {
    enabled: a.enabled === true,
    maxBytes: Number.isInteger(a.max_bytes) && a.max_bytes > 0 ? a.max_bytes : null,
    allowedTypes: types,
  };
}

/** The `accept` attribute for a file input: the allowed types ('' when unknown: anything). */
export function acceptList(limits) {
  return (limits?.allowedTypes || []).join(',');
}

// The server judges a file by its bytes, not by the type it claims; so the
// browser refuses only a type that is surely not allowed. Plain text is found
// in many a file that claims another text type (text/csv, text/markdown).
function surelyNotAllowed(type, allowed) {
  if (!type || allowed.length === 0 || allowed.includes(type)) return false;
  if (type.startsWith('text/') && allowed.includes('text/plain')) return false;
  return true;
}

/** What the server would refuse about `file` ({name, size, type}) that the browser can tell, in words; null when nothing. */
export function fileProblem(file, limits) {
  if (!limits?.enabled) return "Files can't be sent here.";
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (limits.maxBytes !== null && file.size > limits.maxBytes) {
    return `That file is ${formatBytes(file.size)}; the limit is ${formatBytes(limits.maxBytes)}.`;
  }
  if (surelyNotAllowed(file.type, limits.allowedTypes)) {
    return `${typeName(file.type)} files can't be sent here. You can send ${limits.allowedTypes.map(typeName).join(', ')}.`;
  }
  return null;
}

// Words for a refusal that came without the server's own (a proxy's bare error page).
function fallbackWords(status) {
  if (status === 0) return 'The upload failed. Check your connection and try again.';
  if (status === 413) return 'That file is too large to send.';
  if (status === 415) return "That kind of file can't be sent here.";
  if (status === 403) return "Files can't be sent here.";
  if (status === 409) return 'This conversation has ended.';
  if (status === 429) return 'Too many files at once. Wait a moment and try again.';
  return `The upload failed (HTTP ${status}). Try again.`;
}

/** The words for a failed upload: the server's `detail` when it gave one. */
export function uploadErrorWords(err) {
  if (err instanceof ApiError && err.code === 'cancelled') return 'Cancelled.';
  if (err instanceof ApiError && err.status !== 0 && err.detail && !/^Something went wrong \(HTTP/.test(err.detail)) return err.detail;
  return fallbackWords(err instanceof ApiError ? err.status : 0);
}

/**
 * Uploads `file` to `path` (below /api/v1, e.g. /customer/conversations/ID/attachments)
 * with `headers` (the credential). `onProgress(loaded, total)` follows the bytes sent.
 * Returns {done, cancel}: `done` resolves to the server's Attachment and rejects with an
 * ApiError (code `cancelled` after cancel(); the server's code and detail otherwise).
 */
export function uploadFile(path, file, { headers = {}, onProgress = () => {} } = {}) {
  const xhr = new XMLHttpRequest();
  let cancelled = false;
  const done = new Promise((resolve, reject) => {
    xhr.open('POST', `${BASE}${path}?filename=${encodeURIComponent(file.name || 'file')}`);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.addEventListener('progress', (event) => {
      onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    });
    xhr.addEventListener('load', () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: a proxy's page, or nothing
      }
      if (xhr.status === 201 || xhr.status === 200) {
        if (data && typeof data.id === 'string') resolve(data);
        else reject(new ApiError(xhr.status, 'bad_response', 'The server sent an unreadable answer.'));
        return;
      }
      reject(new ApiError(xhr.status, data?.code, data?.detail));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0)));
    xhr.addEventListener('timeout', () => reject(new ApiError(0)));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'cancelled', cancelled ? 'Cancelled.' : undefined)));
    xhr.send(file);
  });
  return {
    done,
    cancel() {
      cancelled = true;
      xhr.abort();
    },
  };
}
