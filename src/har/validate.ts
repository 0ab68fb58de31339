/**
 * Reading a HAR file for import: checks every field the conversion uses and
 * returns a normalised view. Lenient where real exporters differ (a missing
 * `headers`, `statusText` or `content` reads as empty), strict where a guess
 * would record the wrong interaction. Every message names the field:
 * `Invalid HAR: log.entries[3].request.url is missing`.
 */
import { locateJsonError } from '../tape/json-syntax.js';
import { HarError, invalidHar } from './har-error.js';
import type { HarProxytapeField } from './types.js';

/** One HAR entry as the import needs it. */
export interface HarInputEntry {
  /** Index in `log.entries`. */
  index: number;
  method: string;
  /** The absolute URL, as written in the HAR. */
  url: string;
  /** Request headers in order (HTTP/2 pseudo-headers like `:authority` left out). */
  headers: [string, string][];
  /** The request body, when the entry has one. */
  postData?: { mimeType: string; body: Buffer };
  response: {
    status: number;
    statusText: string;
    headers: [string, string][];
    mimeType: string;
    /** The body as `content.text` gives it (decoded by the browser); `undefined` when the HAR has no text. */
    body: Buffer | undefined;
  };
  /** proxytape's own field, on HARs proxytape exported. */
  proxytape?: HarProxytapeField;
}

type Obj = Record<string, unknown>;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string' && value.length > 40) return JSON.stringify(`${value.slice(0, 37)}...`);
  return JSON.stringify(value) ?? String(value);
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function need(value: unknown, field: string, rule: string): never {
  throw invalidHar(field, value === undefined ? 'is missing' : `must be ${rule}, got ${show(value)}`);
}

function object(value: unknown, field: string): Obj {
  if (!isObj(value)) need(value, field, 'an object');
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') need(value, field, 'a string');
  return value;
}

function optionalString(value: unknown, field: string, fallback: string): string {
  return value === undefined || value === null ? fallback : string(value, field);
}

/** `[{ name, value }]` → pairs; a missing list reads as empty. */
function nameValues(value: unknown, field: string): [string, string][] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) need(value, field, 'an array of { name, value }');
  return value.map((item, i): [string, string] => {
    const at = `${field}[${i}]`;
    const pair = object(item, at);
    return [string(pair.name, `${at}.name`), string(pair.value, `${at}.value`)];
  });
}

function headerList(value: unknown, field: string): [string, string][] {
  const pairs = nameValues(value, field);
  const out: [string, string][] = [];
  for (const [i, [name, headerValue]] of pairs.entries()) {
    // HTTP/2 pseudo-headers (:method, :authority…) are not headers of the HTTP/1.1 request the proxy sees.
    if (name.startsWith(':')) continue;
    if (!TOKEN.test(name)) need(name, `${field}[${i}].name`, 'a header name (an HTTP token)');
    out.push([name, headerValue]);
  }
  return out;
}

/** `text` decoded per `encoding` ('base64', or none for UTF-8 text). */
function bodyBytes(text: string, encoding: unknown, field: string): Buffer {
  if (encoding === undefined || encoding === null || encoding === '') return Buffer.from(text, 'utf8');
  if (encoding !== 'base64') need(encoding, field, '"base64" or absent');
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact)) throw invalidHar(field.replace(/(?:_?encoding)$/, 'text'), 'is not valid base64');
  return Buffer.from(compact, 'base64');
}

function url(value: unknown, field: string): string {
  const raw = string(value, field);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return need(raw, field, 'an absolute http:// or https:// URL');
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
    need(raw, field, 'an absolute http:// or https:// URL');
  }
  return raw;
}

function postData(value: unknown, field: string): HarInputEntry['postData'] {
  if (value === undefined || value === null) return undefined;
  const data = object(value, field);
  const mimeType = optionalString(data.mimeType, `${field}.mimeType`, '');
  if (data.text !== undefined && data.text !== null) {
    const text = string(data.text, `${field}.text`);
    const encodingField = data._encoding !== undefined ? '_encoding' : 'encoding';
    return { mimeType, body: bodyBytes(text, data[encodingField], `${field}.${encodingField}`) };
  }
  if (data.params === undefined) return { mimeType, body: Buffer.alloc(0) };
  if (!Array.isArray(data.params)) need(data.params, `${field}.params`, 'an array of { name, value }');
  // Only params (no text): rebuild the urlencoded body a browser sent.
  const fields = data.params.map((item, i) => {
    const at = `${field}.params[${i}]`;
    const param = object(item, at);
    return `${encodeURIComponent(string(param.name, `${at}.name`))}=${encodeURIComponent(optionalString(param.value, `${at}.value`, ''))}`;
  });
  return { mimeType, body: Buffer.from(fields.join('&'), 'utf8') };
}

function proxytapeField(value: unknown, field: string): HarProxytapeField | undefined {
  if (value === undefined) return undefined;
  const data = object(value, field);
  const out: HarProxytapeField = {
    cassette: string(data.cassette, `${field}.cassette`),
    sequence: typeof data.sequence === 'number' ? data.sequence : 0,
    fixture: optionalString(data.fixture, `${field}.fixture`, ''),
  };
  if (data.trailers !== undefined) {
    if (!Array.isArray(data.trailers)) need(data.trailers, `${field}.trailers`, 'an array of [name, value] pairs');
    out.trailers = data.trailers.map((pair, i): [string, string] => {
      const ok = Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string';
      if (!ok) need(pair, `${field}.trailers[${i}]`, 'a [name, value] pair of strings');
      return [pair[0] as string, pair[1] as string];
    });
  }
  if (data.rawContent === true) out.rawContent = true;
  return out;
}

function entry(value: unknown, index: number): HarInputEntry {
  const at = `log.entries[${index}]`;
  const e = object(value, at);
  const request = object(e.request, `${at}.request`);
  const method = string(request.method, `${at}.request.method`);
  if (!TOKEN.test(method)) need(method, `${at}.request.method`, 'an HTTP method (a token such as GET)');
  const response = object(e.response, `${at}.response`);
  const status = response.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 999) {
    need(status, `${at}.response.status`, 'an integer from 100 to 999');
  }
  const content = response.content === undefined ? {} : object(response.content, `${at}.response.content`);
  const text = content.text === undefined || content.text === null ? undefined : string(content.text, `${at}.response.content.text`);
  const out: HarInputEntry = {
    index,
    method,
    url: url(request.url, `${at}.request.url`),
    headers: headerList(request.headers, `${at}.request.headers`),
    response: {
      status,
      statusText: optionalString(response.statusText, `${at}.response.statusText`, ''),
      headers: headerList(response.headers, `${at}.response.headers`),
      mimeType: optionalString(content.mimeType, `${at}.response.content.mimeType`, ''),
      body: text === undefined ? undefined : bodyBytes(text, content.encoding, `${at}.response.content.encoding`),
    },
  };
  const data = postData(request.postData, `${at}.request.postData`);
  if (data !== undefined) out.postData = data;
  const own = proxytapeField(e._proxytape, `${at}._proxytape`);
  if (own !== undefined) out.proxytape = own;
  return out;
}

/**
 * Checks a parsed HAR and returns its entries in file order. Throws a `HarError`
 * (`PROXYTAPE_HAR_INVALID`) naming the first wrong field.
 *
 * @example
 * ```ts
 * readHarEntries({ log: { version: '1.2', entries: [{ request: { method: 'GET' }, response: { status: 200 } }] } });
 * // throws: Invalid HAR: log.entries[0].request.url is missing
 * ```
 */
export function readHarEntries(value: unknown): HarInputEntry[] {
  const root = object(value, 'the top-level value');
  const log = object(root.log, 'log');
  if (log.version !== undefined && log.version !== null) {
    const version = string(log.version, 'log.version');
    // 1.1 and 1.2 share every field proxytape reads; anything else is a different format.
    if (!/^1\.[12]$/.test(version)) need(version, 'log.version', '"1.2" (or "1.1")');
  }
  if (!Array.isArray(log.entries)) need(log.entries, 'log.entries', 'an array');
  return log.entries.map((item, index) => entry(item, index));
}

/**
 * Parses HAR file text: a JSON error is reported with its line and column.
 *
 * @example
 * ```ts
 * parseHar('{"log":'); // throws: Invalid HAR: the file is not valid JSON (line 1, column 8: unexpected end of input)
 * ```
 */
export function parseHar(text: string): HarInputEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const where = locateJsonError(text);
    const detail = where === undefined ? (err as Error).message : `line ${where.line}, column ${where.column}: ${where.problem}`;
    throw new HarError('PROXYTAPE_HAR_INVALID', `Invalid HAR: the file is not valid JSON (${detail})`, { cause: err });
  }
  return readHarEntries(value);
}
