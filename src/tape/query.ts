/**
 * Query strings as matching and redaction see them: a list of decoded
 * `[name, value]` pairs in the client's order, repeats kept.
 */

const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Decodes one query component for comparison: `+` is a space, `%xx` escapes are
 * decoded as UTF-8. A run of escapes that is not valid UTF-8 (`%FF`) is kept
 * literally, as is a stray `%` — it never throws.
 *
 * @example
 * ```ts
 * decodeQueryComponent('a+b%20c'); // 'a b c'
 * decodeQueryComponent('100%');    // '100%'
 * ```
 */
export function decodeQueryComponent(raw: string): string {
  const spaced = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  if (!spaced.includes('%')) return spaced;
  return spaced.replace(ESCAPE_RUN, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * Splits a raw query string (with or without its leading `?`) into decoded
 * `[name, value]` pairs, keeping order and repeated names. `a` and `a=` both give
 * `['a', '']`; empty segments (`a=1&&b=2`) are skipped. Never throws.
 *
 * @example
 * ```ts
 * parseQuery('?tag=a&tag=b&q=hello+world&x=%E2%9C%93');
 * // [['tag', 'a'], ['tag', 'b'], ['q', 'hello world'], ['x', '✓']]
 * ```
 */
export function parseQuery(rawQuery: string): [string, string][] {
  const query = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  const pairs: [string, string][] = [];
  if (query === '') return pairs;
  for (const segment of query.split('&')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    if (eq === -1) pairs.push([decodeQueryComponent(segment), '']);
    else pairs.push([decodeQueryComponent(segment.slice(0, eq)), decodeQueryComponent(segment.slice(eq + 1))]);
  }
  return pairs;
}

/**
 * Encodes one component for display, leaving `[` and `]` readable so that the
 * redaction placeholder reads `token=[REDACTED]`.
 */
export function encodeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(/%5B/g, '[').replace(/%5D/g, ']');
}

/**
 * Formats decoded pairs back into a query string (no leading `?`), for messages.
 *
 * @example
 * ```ts
 * formatQuery([['q', 'a b'], ['token', '[REDACTED]']]); // 'q=a%20b&token=[REDACTED]'
 * ```
 */
export function formatQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([name, value]) => `${encodeQueryComponent(name)}=${encodeQueryComponent(value)}`).join('&');
}

/** A request target split into its parts; `query` and `fragment` exclude their `?` / `#`. */
export interface SplitUrl {
  path: string;
  query: string | undefined;
  fragment: string | undefined;
}

/**
 * Splits `path?query#fragment` (or an absolute URL) without decoding anything.
 *
 * @example
 * ```ts
 * splitUrl('/users?page=2'); // { path: '/users', query: 'page=2', fragment: undefined }
 * ```
 */
export function splitUrl(url: string): SplitUrl {
  let rest = url;
  let fragment: string | undefined;
  const hash = rest.indexOf('#');
  if (hash !== -1) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const q = rest.indexOf('?');
  if (q === -1) return { path: rest, query: undefined, fragment };
  return { path: rest.slice(0, q), query: rest.slice(q + 1), fragment };
}
