/**
 * Redaction, secure by default: no secret from a request or response may reach
 * a fixture file, the journal or a log line. Every writer passes headers, query
 * parameters, bodies and URLs through a {@link Redactor} first.
 */
import { AUTH_SCHEME_HEADERS, COOKIE_HEADERS, REDACTED, SET_COOKIE_HEADERS, URL_HEADERS, normalizeFieldName } from './redact-defaults.js';
import { type JsonPathStep, formatJsonPath, stepMatches } from './redact-json-path.js';
import { type CompiledRedaction, type RedactionField, type RedactionOptions, compileRedaction, headerIsSecret } from './redact-options.js';
import { decodeQueryComponent, encodeQueryComponent } from './query.js';
import { redactUrlsInText } from '../util/scrub-urls.js';

export { REDACTED, DEFAULT_REDACTED_HEADERS, DEFAULT_REDACTED_QUERY, DEFAULT_REDACTED_JSON_KEYS } from './redact-defaults.js';
export type { RedactionOptions, RedactionField } from './redact-options.js';

/**
 * Replaces secrets by {@link REDACTED}. Every method returns a copy; inputs are
 * never modified. Redacting twice gives the same result as redacting once.
 */
export interface Redactor {
  /**
   * Redacts header values. Cookie names and Set-Cookie attributes stay readable
   * (`Cookie: a=[REDACTED]; b=[REDACTED]`, `Set-Cookie: session=[REDACTED]; Path=/; HttpOnly`),
   * as does the scheme of Authorization (`Bearer [REDACTED]`); other secret headers become
   * `[REDACTED]`. Location, Content-Location and Referer keep their URL with secret query
   * parameters redacted.
   */
  headers(pairs: readonly (readonly [string, string])[]): [string, string][];
  /** Redacts decoded query parameter values (`token=abc` → `token=[REDACTED]`). */
  query(pairs: readonly (readonly [string, string])[]): [string, string][];
  /**
   * Deep copy of a JSON value with secret fields (any JSON type) replaced by `[REDACTED]`,
   * and secret query parameters redacted inside URL-like strings (`"next": "/x?token=[REDACTED]"`).
   */
  json(value: unknown): unknown;
  /** Redacts an `application/x-www-form-urlencoded` body, keeping the other fields byte for byte. */
  form(body: string): string;
  /** True if a header value must never be logged. */
  isSecretHeader(name: string): boolean;
  /**
   * Redacts secrets in a URL's query (and a `#a=b` fragment, and `user:password@`) for logs and
   * messages, keeping everything else as written: `/x?token=abc&q=1` → `/x?token=[REDACTED]&q=1`.
   */
  url(pathAndQuery: string): string;
  /**
   * Redacts every URL inside free text (an error message, a log line) like {@link Redactor.url}:
   * `connect ECONNREFUSED http://127.0.0.1:1/x?token=abc: …` → `… /x?token=[REDACTED]: …`.
   * Text without URLs is returned as is.
   */
  text(message: string): string;
}

/**
 * Creates a redactor. Options are validated here: a bad one throws a `ConfigError`
 * naming it (`redact.headers`…); unknown keys are rejected.
 *
 * @example
 * ```ts
 * const redactor = createRedactor({ headers: ['x-tenant-secret'], jsonPaths: ['$.user.ssn'] });
 * redactor.headers([['Authorization', 'Bearer abc'], ['Cookie', 'sid=1; theme=dark']]);
 * // [['Authorization', 'Bearer [REDACTED]'], ['Cookie', 'sid=[REDACTED]; theme=[REDACTED]']]
 * redactor.url('/search?q=cats&api_key=abc'); // '/search?q=cats&api_key=[REDACTED]'
 * redactor.json({ user: { name: 'Ann', ssn: '123', password: 'pw' } });
 * // { user: { name: 'Ann', ssn: '[REDACTED]', password: '[REDACTED]' } }
 * ```
 */
export function createRedactor(options?: RedactionOptions): Redactor {
  return new RedactorImpl(compileRedaction(options ?? {}));
}

let defaultRedactor: Redactor | undefined;

/** The redactor with default options, shared (it holds no state). */
export function getDefaultRedactor(): Redactor {
  defaultRedactor ??= createRedactor();
  return defaultRedactor;
}

/**
 * Redacts a body for storage or logs: JSON bodies (JSON content type, valid JSON) through
 * `redactor.json`, form bodies through `redactor.form`. Returns the same Buffer when nothing
 * was redacted (so the stored bytes stay byte-exact), else the redacted body (JSON re-serialised
 * compactly). Other bodies are returned unchanged.
 *
 * @example
 * ```ts
 * redactBody(Buffer.from('{"password":"pw","user":"ann"}'), 'application/json', redactor).toString();
 * // '{"password":"[REDACTED]","user":"ann"}'
 * ```
 */
export function redactBody(body: Buffer, contentType: string | undefined, redactor: Redactor): Buffer {
  if (body.length === 0 || contentType === undefined) return body;
  if (isJsonContentType(contentType)) {
    const parsed = parseJsonBody(body);
    if (parsed === NOT_JSON) return body;
    const redacted = redactor.json(parsed.value);
    const text = JSON.stringify(redacted);
    return text === JSON.stringify(parsed.value) ? body : Buffer.from(text, 'utf8');
  }
  if (isFormContentType(contentType)) {
    const text = body.toString('utf8');
    const redacted = redactor.form(text);
    return redacted === text ? body : Buffer.from(redacted, 'utf8');
  }
  return body;
}

/** Marker for a body that is not valid JSON. */
export const NOT_JSON: unique symbol = Symbol('not json');

/** Parses a UTF-8 JSON body (a BOM is allowed); {@link NOT_JSON} when it is not valid JSON. */
export function parseJsonBody(body: Buffer): { value: unknown } | typeof NOT_JSON {
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return NOT_JSON;
  }
}

/** `application/json`, `application/problem+json`, `text/json`… (any `<type>/json` or `<type>/<x>+json`), parameters ignored. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return /^\s*[\w.!#$&^+-]+\/(?:[\w.!#$&^+-]+\+)?json\s*(?:;|$)/i.test(contentType);
}

/** `application/x-www-form-urlencoded`, with or without parameters. */
export function isFormContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return /^\s*application\/x-www-form-urlencoded\s*(?:;|$)/i.test(contentType);
}

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i;

const URL_LIKE = /^(?:https?:\/\/|\/)[^\s]*\?/i;

class RedactorImpl implements Redactor {
  readonly #c: CompiledRedaction;

  constructor(compiled: CompiledRedaction) {
    this.#c = compiled;
  }

  headers(pairs: readonly (readonly [string, string])[]): [string, string][] {
    return pairs.map(([name, value]) => [name, this.#header(name.toLowerCase(), value)]);
  }

  query(pairs: readonly (readonly [string, string])[]): [string, string][] {
    return pairs.map(([name, value]) => [name, this.#queryValue(name, value)]);
  }

  json(value: unknown): unknown {
    return this.#json(value, [], this.#c.jsonPaths);
  }

  form(body: string): string {
    return this.#params(body);
  }

  isSecretHeader(name: string): boolean {
    return headerIsSecret(this.#c, name.toLowerCase());
  }

  url(pathAndQuery: string): string {
    let url = pathAndQuery.replace(USERINFO, (_all, scheme: string) => `${scheme}${REDACTED}@`);
    let fragment = '';
    const hash = url.indexOf('#');
    if (hash !== -1) {
      // OAuth implicit-flow redirects carry tokens in the fragment: `#access_token=…`.
      const raw = url.slice(hash + 1);
      fragment = `#${raw.includes('=') ? this.#params(raw) : raw}`;
      url = url.slice(0, hash);
    }
    const q = url.indexOf('?');
    if (q === -1) return url + fragment;
    return `${url.slice(0, q + 1)}${this.#params(url.slice(q + 1))}${fragment}`;
  }

  text(message: string): string {
    return redactUrlsInText(message, (url) => this.url(url));
  }

  #header(lowerName: string, value: string): string {
    let builtIn = value;
    if (headerIsSecret(this.#c, lowerName)) {
      if (SET_COOKIE_HEADERS.includes(lowerName)) builtIn = redactSetCookie(value);
      else if (COOKIE_HEADERS.includes(lowerName)) builtIn = redactCookie(value);
      else if (AUTH_SCHEME_HEADERS.includes(lowerName)) builtIn = redactAuthorization(value);
      else builtIn = REDACTED;
    } else if (URL_HEADERS.includes(lowerName)) {
      builtIn = this.url(value);
    }
    return this.#custom('header', lowerName, value, builtIn);
  }

  #queryValue(name: string, value: string): string {
    const builtIn = this.#c.query.has(normalizeFieldName(name)) ? REDACTED : value;
    return this.#custom('query', name, value, builtIn);
  }

  /** Redacts `a=1&b=2` keeping the raw bytes of everything that is not a secret. */
  #params(raw: string): string {
    if (raw === '') return raw;
    return raw
      .split('&')
      .map((segment) => {
        if (segment === '') return segment;
        const eq = segment.indexOf('=');
        const rawName = eq === -1 ? segment : segment.slice(0, eq);
        const value = eq === -1 ? '' : decodeQueryComponent(segment.slice(eq + 1));
        const redacted = this.#queryValue(decodeQueryComponent(rawName), value);
        if (redacted === value) return segment;
        return `${rawName}=${redacted === REDACTED ? REDACTED : encodeQueryComponent(redacted)}`;
      })
      .join('&');
  }

  #json(value: unknown, path: (string | number)[], paths: readonly JsonPathStep[][]): unknown {
    if (Array.isArray(value)) {
      const out: unknown[] = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) out[i] = this.#field(value[i], path, i, paths, false);
      return out;
    }
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const item = this.#field((value as Record<string, unknown>)[key], path, key, paths, this.#c.jsonKeys.has(normalizeFieldName(key)));
        // A JSON `__proto__` key is an own property: keep it one instead of setting the prototype.
        if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
        else out[key] = item;
      }
      return out;
    }
    return this.#leaf(value, path, value);
  }

  #field(value: unknown, parent: (string | number)[], at: string | number, paths: readonly JsonPathStep[][], secretKey: boolean): unknown {
    const depth = parent.length;
    const live = paths.length === 0 ? paths : paths.filter((steps) => stepMatches(steps[depth]!, at));
    const path = [...parent, at];
    if (secretKey || live.some((steps) => steps.length === depth + 1)) return this.#leaf(value, path, REDACTED);
    if (typeof value === 'object' && value !== null) {
      return this.#json(
        value,
        path,
        live.filter((steps) => steps.length > depth + 1),
      );
    }
    return this.#leaf(value, path, value);
  }

  #leaf(value: unknown, path: (string | number)[], builtIn: unknown): unknown {
    let result = builtIn;
    if (typeof builtIn === 'string' && builtIn !== REDACTED && URL_LIKE.test(builtIn)) result = this.url(builtIn);
    if (this.#c.custom === undefined || value === REDACTED) return result;
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    const replacement = this.#c.custom({ kind: 'json', name: formatJsonPath(path), value: text });
    return replacement === undefined ? result : replacement;
  }

  #custom(kind: RedactionField['kind'], name: string, value: string, builtIn: string): string {
    if (this.#c.custom === undefined || value === REDACTED) return builtIn;
    const replacement = this.#c.custom({ kind, name, value });
    return replacement === undefined ? builtIn : replacement;
  }
}

/** `a=1; b=2` → `a=[REDACTED]; b=[REDACTED]`. */
function redactCookie(value: string): string {
  return value
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? REDACTED : `${part.slice(0, eq).trim()}=${REDACTED}`;
    })
    .join('; ');
}

/** `session=abc; Path=/; HttpOnly` → `session=[REDACTED]; Path=/; HttpOnly`. */
function redactSetCookie(value: string): string {
  const semi = value.indexOf(';');
  const first = semi === -1 ? value : value.slice(0, semi);
  const attributes = semi === -1 ? '' : value.slice(semi);
  const eq = first.indexOf('=');
  return `${eq === -1 ? REDACTED : `${first.slice(0, eq).trim()}=${REDACTED}`}${attributes}`;
}

/** `Bearer abc` → `Bearer [REDACTED]`; a value without a scheme → `[REDACTED]`. */
function redactAuthorization(value: string): string {
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+\S/.exec(value);
  return match ? `${match[1]} ${REDACTED}` : REDACTED;
}
