/**
 * Secrets in URLs inside free text. Error messages name the request they are
 * about, and a URL can carry secrets (`?api_key=…`, `user:password@`): every
 * proxytape error message goes through {@link scrubMessage}, so the query
 * parameters redacted by default never reach a message, a log line or the
 * journal, whatever the redaction settings of the code that built it.
 */
import { DEFAULT_REDACTED_QUERY, REDACTED, normalizeFieldName } from '../tape/redact-defaults.js';
import { decodeQueryComponent } from '../tape/query.js';

/**
 * An absolute URL, or a path starting with `/`, up to a space, a quote, a parenthesis or a
 * brace (square brackets stay: IPv6 hosts, and `[REDACTED]` from an earlier pass).
 */
const URL_IN_TEXT = /(?:\b[a-z][a-z0-9+.-]*:\/\/|(?<![\w/.])\/)[^\s"'<>(){}`]*/gi;
/** Punctuation that ends a sentence rather than a URL (`…/x?token=abc: ECONNREFUSED`). */
const TRAILING_PUNCTUATION = /[:.,;!]+$/;
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;
const DEFAULT_NAMES: ReadonlySet<string> = new Set(DEFAULT_REDACTED_QUERY.map(normalizeFieldName));

/**
 * Passes every URL found in `text` through `redactUrl` (sentence punctuation after
 * a URL stays outside it). Text without `?`, `#` or `@` is returned as is.
 *
 * @example
 * ```ts
 * redactUrlsInText('GET http://h/x?token=abc: refused', (url) => url.replace('abc', 'xyz'));
 * // 'GET http://h/x?token=xyz: refused'
 * ```
 */
export function redactUrlsInText(text: string, redactUrl: (url: string) => string): string {
  if (!mayHoldSecrets(text)) return text;
  return text.replace(URL_IN_TEXT, (token) => {
    if (!mayHoldSecrets(token)) return token;
    const trail = TRAILING_PUNCTUATION.exec(token)?.[0] ?? '';
    return redactUrl(token.slice(0, token.length - trail.length)) + trail;
  });
}

/**
 * `text` with the user info of absolute URLs and the default secret query (and
 * fragment) parameters of every URL replaced by `[REDACTED]`.
 *
 * @example
 * ```ts
 * scrubMessage('Failed to proxy GET /x?token=abc&q=1 (http://127.0.0.1:1/x?token=abc&q=1: ECONNREFUSED)');
 * // 'Failed to proxy GET /x?token=[REDACTED]&q=1 (http://127.0.0.1:1/x?token=[REDACTED]&q=1: ECONNREFUSED)'
 * ```
 */
export function scrubMessage(text: string): string {
  return redactUrlsInText(text, scrubUrl);
}

function mayHoldSecrets(text: string): boolean {
  return text.includes('?') || text.includes('#') || text.includes('@');
}

function scrubUrl(url: string): string {
  const bare = url.replace(USERINFO, (_all, scheme: string) => `${scheme}${REDACTED}@`);
  return bare.replace(/([?#&;])([^=&#;?]*)=([^&#;]*)/g, (all, sep: string, name: string) =>
    DEFAULT_NAMES.has(normalizeFieldName(decodeQueryComponent(name))) ? `${sep}${name}=${REDACTED}` : all,
  );
}

/**
 * A URL as users typed it — a bare origin without its trailing `/` — with secrets redacted
 * (by default the default secret query parameters; pass a configured redactor's `url`).
 * The CLI's listening line and the admin API's health show targets this way.
 *
 * @example
 * ```ts
 * displayUrl(new URL('http://127.0.0.1:3000'));            // 'http://127.0.0.1:3000'
 * displayUrl(new URL('http://api.local/v1?api_key=abc'));  // 'http://api.local/v1?api_key=[REDACTED]'
 * ```
 */
export function displayUrl(url: URL, redact: (href: string) => string = scrubMessage): string {
  return url.pathname === '/' && url.search === '' ? url.origin : redact(url.href);
}
