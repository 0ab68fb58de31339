/**
 * A Fetch `Request` (what msw hands a resolver) seen the way the proxy sees an
 * inbound request: path relative to the base URL, decoded query, headers
 * filtered and redacted like the proxy's, body bytes — so `matchKey()` gives
 * the key the proxy would have given.
 */
import type { RawHeaders } from '../../proxy/headers-util.js';
import { CASSETTE_HEADER } from '../../tape/tape-transport.js';
import type { MatchableRequest } from '../../tape/match.js';
import { parseQuery } from '../../tape/query.js';
import type { Redactor } from '../../tape/redact.js';
import { storableHeaders } from '../../tape/request-view.js';

/** A Fetch request as record/replay sees it. */
export interface FetchRequestView {
  method: string;
  /** Path and query relative to the base URL, as the proxy's client would have sent them (for messages). */
  url: string;
  /** Redacted query and headers, raw body: what matching compares. */
  matchable: MatchableRequest;
  /** The `x-proxytape-cassette` header, if the request names a cassette. */
  cassette: string | undefined;
}

/**
 * The path a request has relative to `base` (its origin and base path), or `undefined` when the
 * request is not under it. The base path is removed the way the proxy adds its target's base
 * path: `/v1/users` under `/v1` is `/users`; `/v1` itself is `/`.
 *
 * @example
 * ```ts
 * relativePath(new URL('https://api.example.com/v1/users'), { origin: 'https://api.example.com', path: '/v1' }); // '/users'
 * relativePath(new URL('https://other.example.com/v1/users'), { origin: 'https://api.example.com', path: '/v1' }); // undefined
 * ```
 */
export function relativePath(url: URL, base: { origin: string; path: string } | undefined): string | undefined {
  if (base === undefined) return url.pathname;
  if (url.origin !== base.origin) return undefined;
  if (base.path === '') return url.pathname;
  if (url.pathname === base.path) return '/';
  return url.pathname.startsWith(`${base.path}/`) ? url.pathname.slice(base.path.length) : undefined;
}

/**
 * Reads a Fetch request (from a clone, so a handler that steps aside leaves the body to the next
 * one) and builds the redacted view matching uses. `path` comes from {@link relativePath}.
 *
 * @example
 * ```ts
 * const view = await viewFetchRequest(request, '/users', redactor);
 * matchKey(view.matchable, match, redactor);
 * ```
 */
export async function viewFetchRequest(request: Request, path: string, redactor: Redactor): Promise<FetchRequestView> {
  const url = new URL(request.url);
  const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search;
  const raw: RawHeaders = [];
  let cassette: string | undefined;
  for (const [name, value] of request.headers) {
    raw.push(name, value);
    if (name === CASSETTE_HEADER) cassette = value.trim();
  }
  // No body (always so for GET and HEAD): nothing to clone or read.
  const body = request.body === null ? Buffer.alloc(0) : Buffer.from(await request.clone().arrayBuffer());
  const headers = redactor.headers(storableHeaders(raw));
  let contentType: string | undefined;
  for (const [name, value] of headers) if (name === 'content-type') contentType = value;
  return {
    method: request.method,
    url: `${path}${url.search}`,
    matchable: { method: request.method, path, query: redactor.query(parseQuery(rawQuery)), headers, body, contentType },
    cassette,
  };
}
