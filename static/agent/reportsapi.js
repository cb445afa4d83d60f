// The Reports routes (docs/API.md "Reports"): the admins' overview and CSV of
// the conversations, and every agent's own numbers. Over api.js's request()
// with the bearer token in the Authorization header, as every agent route;
// a 401 signs out like any other. The CSV is no JSON: it is fetched with the
// same header (a token never goes into an address, where logs and history
// would keep it) and handed back as a Blob with its file name, for the page
// to save (download.js).

import { ApiError, request } from '../js/api.js';
import { csvName } from './reportdata.js';

const BASE = '/api/v1';
// A long range's CSV is streamed by the server; give it time, but not forever.
const CSV_TIMEOUT_MS = 120000;

/** "?a=1&b=2" of the members that have a value ('' when none). */
export function query(params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * @param {() => string} token the bearer token now
 * @param {(err: ApiError) => void} onUnauthorized any 401, before the error is thrown
 */
export function reportsApi(token, onUnauthorized = () => {}) {
  const auth = () => ({ Authorization: `Bearer ${token()}` });
  const fail = (err) => {
    if (err instanceof ApiError && err.status === 401) onUnauthorized(err);
    return err;
  };
  const get = async (path) => {
    try {
      return await request('GET', path, { headers: auth() });
    } catch (err) {
      throw fail(err);
    }
  };
  return {
    /** {range, totals, first_response, resolution, csat, series, agents, busiest_hours}: admins. */
    overview: (params) => get('/admin/reports/overview' + query(params)),
    /** {range, agent, conversations, first_response_median_seconds, resolution_median_seconds, csat_average}: the caller's. */
    mine: (params) => get('/agent/reports/me' + query(params)),
    /** {blob, filename}: the conversations as CSV (admins); fails with ApiError (the API's `detail`). */
    async csv(params) {
      const ctrl = new AbortController();
      const timer = setTimeout(() => ctrl.abort(), CSV_TIMEOUT_MS);
      try {
        let res;
        try {
          res = await fetch(BASE + '/admin/reports/conversations.csv' + query(params), {
            headers: { Accept: 'text/csv', ...auth() }, cache: 'no-store', signal: ctrl.signal,
          });
        } catch {
          throw new ApiError(0);
        }
        if (!res.ok) {
          let data = null;
          try {
            data = await res.json();
          } catch {
            // not JSON: the status says it
          }
          throw fail(new ApiError(res.status, data?.code, data?.detail));
        }
        let blob;
        try {
          blob = await res.blob();
        } catch {
          throw new ApiError(0); // the stream broke off
        }
        return { blob, filename: csvName(res.headers.get('Content-Disposition'), params) };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
