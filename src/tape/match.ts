/**
 * What makes two requests "the same": the match key. By default method, path,
 * query (parameters sorted, redacted ones matching any value) and body (JSON
 * compared structurally, other bodies by hash); headers only when configured.
 */
import { ConfigError } from '../errors.js';
import { describe, rejectUnknownKeys } from '../proxy/config.js';
import { canonicalJson } from './canonical-json.js';
import { matchBody, sha256, sortPairs } from './match-body.js';
import { parseQuery, splitUrl } from './query.js';
import type { Redactor } from './redact.js';
import type { Fixture, FixtureRequest, StoredBody } from './types.js';

/**
 * How requests are matched to fixtures. Validated by {@link validateMatchOptions}.
 *
 * @example
 * ```ts
 * const match: MatchOptions = {
 *   headers: ['accept'],                      // Accept is part of the key
 *   ignoreQuery: ['_', 'cacheBust'],          // these never make a difference
 *   normalizeBody: (body) => (typeof body === 'object' && body !== null ? { ...body, sentAt: undefined } : body),
 * };
 * ```
 */
export interface MatchOptions {
  /** Request headers that are part of the match key (case-insensitive names). @default [] */
  headers?: readonly string[];
  /** Query parameters ignored when matching (exact decoded names). @default [] */
  ignoreQuery?: readonly string[];
  /** Ignore the body entirely. @default false */
  ignoreBody?: boolean;
  /**
   * Normalise a body before comparing (e.g. drop a timestamp field). Receives the parsed,
   * redacted JSON value for JSON bodies, else the raw Buffer (form bodies: redacted). Return a
   * JSON-like value (compared structurally), a Buffer (compared by bytes) or `undefined` (no body).
   */
  normalizeBody?: (body: unknown, request: MatchableRequest) => unknown;
  /** Full control: true when `candidate` answers `request`. When given, lookup scans the cassette's fixtures (O(n)). */
  matcher?: (request: MatchableRequest, candidate: Fixture) => boolean;
}

/** The request as matching sees it — already redacted (so redacted fields match whatever the live value was). */
export interface MatchableRequest {
  method: string;
  /** Path as sent, without the query. */
  path: string;
  /** Decoded query parameters in the client's order (see `parseQuery`). */
  query: [string, string][];
  /** Request headers, lower-case names. */
  headers: [string, string][];
  body: Buffer;
  contentType: string | undefined;
}

const OPTION_KEYS = ['headers', 'ignoreQuery', 'ignoreBody', 'normalizeBody', 'matcher'] as const;

/**
 * The match key: hex sha256 of the method (upper-case), the raw path, the decoded query
 * parameters sorted by (name, value) without `ignoreQuery` ones and with redacted values
 * normalised to `[REDACTED]`, the configured headers (lower-case names, sorted; redacted) and
 * the body — JSON bodies as `canonicalJson(redactor.json(parsed))`, form bodies as their
 * sorted redacted fields, other bodies as the sha256 of their bytes, no body as ''.
 * A live request and the fixture recorded from it give the same key
 * (use {@link matchableFromFixture} for the stored side).
 *
 * @example
 * ```ts
 * const a = matchableRequest({ method: 'get', url: '/users?b=2&a=1&token=abc', headers: [] });
 * const b = matchableRequest({ method: 'GET', url: '/users?a=1&token=xyz&b=2', headers: [] });
 * matchKey(a, {}, redactor) === matchKey(b, {}, redactor); // true
 * ```
 */
export function matchKey(request: MatchableRequest, options: MatchOptions, redactor: Redactor): string {
  const parts = [
    request.method.toUpperCase(),
    request.path,
    matchQuery(request, options, redactor),
    matchHeaders(request, options, redactor),
  ];
  const body = matchBody(request, options, redactor);
  let bodyPart: string;
  if (body.kind === 'none') bodyPart = '';
  else if (body.kind === 'json') bodyPart = `json:${canonicalJson(body.value)}`;
  else if (body.kind === 'form') bodyPart = `form:${JSON.stringify(body.fields)}`;
  else bodyPart = `sha256:${sha256(body.bytes)}`;
  return sha256(JSON.stringify([...parts, bodyPart]));
}

/** The query as the key sees it: redacted, ignored names removed, sorted by (name, value). */
export function matchQuery(request: Pick<MatchableRequest, 'query'>, options: MatchOptions, redactor: Redactor): [string, string][] {
  const ignore = options.ignoreQuery;
  let pairs = redactor.query(request.query);
  if (ignore !== undefined && ignore.length > 0) pairs = pairs.filter(([name]) => !ignore.includes(name));
  return sortPairs(pairs);
}

/** The configured headers as the key sees them: `[name, values]` sorted by name, values redacted, in order. */
export function matchHeaders(request: Pick<MatchableRequest, 'headers'>, options: MatchOptions, redactor: Redactor): [string, string[]][] {
  const names = options.headers;
  if (names === undefined || names.length === 0) return [];
  const wanted = [...new Set(names.map((name) => name.toLowerCase()))].sort();
  const redacted = redactor.headers(request.headers.filter(([name]) => wanted.includes(name.toLowerCase())));
  return wanted.map((name) => [name, redacted.filter(([n]) => n.toLowerCase() === name).map(([, value]) => value)]);
}

/**
 * The matching view of a fixture's stored request, so that `matchKey()` gives a stored
 * request the key the live one had. `loadBody` turns the stored body back into bytes.
 *
 * @example
 * ```ts
 * const request = matchableFromFixture(fixture.request, (body) => loadBody(body, fixturePath));
 * matchKey(request, options, redactor) === fixture.match.key; // for a fixture recorded with these options
 * ```
 */
export function matchableFromFixture(req: FixtureRequest, loadBody: (b: StoredBody) => Buffer): MatchableRequest {
  let contentType: string | undefined;
  for (const [name, value] of req.headers) if (name.toLowerCase() === 'content-type') contentType = value;
  return {
    method: req.method,
    path: req.path,
    query: req.query.map(([name, value]) => [name, value]),
    headers: req.headers.map(([name, value]) => [name.toLowerCase(), value]),
    body: req.body === null ? Buffer.alloc(0) : loadBody(req.body),
    contentType,
  };
}

/**
 * Builds a {@link MatchableRequest} from a method, a request target (`/path?query`) and
 * header pairs — handy in tests and custom matchers. Nothing is redacted here: `matchKey()`
 * redacts what it hashes.
 *
 * @example
 * ```ts
 * matchableRequest({ method: 'POST', url: '/login', headers: [['Content-Type', 'application/json']], body: '{"user":"ann"}' });
 * ```
 */
export function matchableRequest(input: {
  method: string;
  url: string;
  headers?: readonly (readonly [string, string])[];
  body?: Buffer | string;
}): MatchableRequest {
  const { path, query } = splitUrl(input.url);
  const headers: [string, string][] = (input.headers ?? []).map(([name, value]) => [name.toLowerCase(), value]);
  const body = input.body === undefined ? Buffer.alloc(0) : typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  return {
    method: input.method,
    path,
    query: parseQuery(query ?? ''),
    headers,
    body,
    contentType: headers.find(([n]) => n === 'content-type')?.[1],
  };
}

/**
 * Checks match options (the `match` option of the tape); throws a `ConfigError` naming the bad
 * option (`match.headers`…) and what it must be. Unknown keys are rejected. Header names are
 * returned lower-case.
 *
 * @example
 * ```ts
 * validateMatchOptions({ headers: ['Accept'] }); // { headers: ['accept'] }
 * validateMatchOptions({ ignoreQueries: ['page'] }); // throws: Unknown option `match.ignoreQueries`. Allowed options in `match`: …
 * ```
 */
export function validateMatchOptions(options: unknown): MatchOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(
      'match',
      `Invalid option \`match\`: ${describe(options)}. Must be an object like { headers: ['accept'], ignoreQuery: ['_'] }.`,
    );
  }
  rejectUnknownKeys('match.', options, OPTION_KEYS);
  const o = options as Record<string, unknown>;
  const out: MatchOptions = {};
  if (o.headers !== undefined) out.headers = names('headers', o.headers, "['accept']").map((name) => name.toLowerCase());
  if (o.ignoreQuery !== undefined) out.ignoreQuery = names('ignoreQuery', o.ignoreQuery, "['_', 'timestamp']");
  if (o.ignoreBody !== undefined) {
    if (typeof o.ignoreBody !== 'boolean') {
      throw new ConfigError('match.ignoreBody', `Invalid option \`match.ignoreBody\`: ${describe(o.ignoreBody)}. Must be true or false.`);
    }
    out.ignoreBody = o.ignoreBody;
  }
  if (o.normalizeBody !== undefined) {
    if (typeof o.normalizeBody !== 'function') {
      throw new ConfigError(
        'match.normalizeBody',
        `Invalid option \`match.normalizeBody\`: ${describe(o.normalizeBody)}. Must be a function (body, request) => normalised body.`,
      );
    }
    out.normalizeBody = o.normalizeBody as NonNullable<MatchOptions['normalizeBody']>;
  }
  if (o.matcher !== undefined) {
    if (typeof o.matcher !== 'function') {
      throw new ConfigError(
        'match.matcher',
        `Invalid option \`match.matcher\`: ${describe(o.matcher)}. Must be a function (request, fixture) => boolean.`,
      );
    }
    out.matcher = o.matcher as NonNullable<MatchOptions['matcher']>;
  }
  return out;
}

function names(option: string, value: unknown, example: string): string[] {
  const valid = Array.isArray(value) && value.every((item) => typeof item === 'string' && item.trim() !== '');
  if (!valid) {
    throw new ConfigError(
      `match.${option}`,
      `Invalid option \`match.${option}\`: ${describe(value)}. Must be an array of non-empty strings, e.g. ${example}.`,
    );
  }
  return (value as string[]).map((item) => item.trim());
}
