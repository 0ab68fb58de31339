/**
 * Shape validation of a parsed fixture file. Mirrors docs/fixture.schema.json
 * (a test checks both agree on the sample fixtures); kept by hand rather than
 * generated so the messages can name the exact field: `"response.status" must
 * be an integer from 100 to 999, got "200"`.
 */
import { SUPPORTED_ENCODINGS } from './compression.js';
import { FIXTURE_VERSION, type Fixture, type FixtureRequest, type FixtureResponse, type HeaderPairs, type StoredBody } from './types.js';

/** Thrown by {@link validateFixture}: `problem` says what is wrong, `hint` (optional) how to fix it. */
export class FixtureShapeError extends Error {
  constructor(
    readonly problem: string,
    readonly hint?: string,
  ) {
    super(problem);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A Content-Encoding field value: content codings (tokens) separated by commas. */
export const CODINGS = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?: *, *[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A sidecar is a plain file name next to the fixture: no directory part, not hidden. */
export const SIDECAR_FILE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

type Obj = Record<string, unknown>;

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  if (typeof value === 'string' && value.length > 40) return JSON.stringify(`${value.slice(0, 37)}...`);
  return JSON.stringify(value);
}

function fail(field: string, rule: string, value: unknown): never {
  throw new FixtureShapeError(`"${field}" must be ${rule}, got ${show(value)}`);
}

function object(value: unknown, field: string, allowed: readonly string[], required: readonly string[]): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (field === '') throw new FixtureShapeError(`the file must hold a JSON object, got ${show(value)}`);
    fail(field, 'an object', value);
  }
  const obj = value as Obj;
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new FixtureShapeError(`unknown property "${field === '' ? key : `${field}.${key}`}"`);
  }
  for (const key of required) {
    if (!(key in obj)) throw new FixtureShapeError(`"${field === '' ? key : `${field}.${key}`}" is missing`);
  }
  return obj;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, 'a string', value);
  return value;
}

function integer(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function pairs(value: unknown, field: string, names: RegExp | undefined, what: string): [string, string][] {
  if (!Array.isArray(value)) fail(field, `an array of ${what} pairs`, value);
  return value.map((pair: unknown, index) => {
    const at = `${field}[${index}]`;
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      fail(at, `a ${what} pair of two strings`, pair);
    }
    const [name, val] = pair as [string, string];
    if (names !== undefined && !names.test(name)) fail(`${at}[0]`, 'a header name (an HTTP token)', name);
    return [name, val];
  });
}

function headers(value: unknown, field: string): HeaderPairs {
  return pairs(value, field, TOKEN, '[name, value]');
}

function body(value: unknown, field: string): StoredBody {
  if (value === null) return null;
  const head = object(
    value,
    field,
    ['encoding', 'json', 'indent', 'trailingNewline', 'text', 'base64', 'file', 'size', 'sha256'],
    ['encoding'],
  );
  const encoding = head.encoding;
  switch (encoding) {
    case 'json': {
      const obj = object(value, field, ['encoding', 'json', 'indent', 'trailingNewline'], ['encoding', 'json']);
      const out: StoredBody = { encoding: 'json', json: obj.json };
      if (obj.indent !== undefined) {
        if (obj.indent !== '\t') integer(obj.indent, `${field}.indent`, 1, 10);
        out.indent = obj.indent as number | '\t';
      }
      if (obj.trailingNewline !== undefined) {
        if (obj.trailingNewline !== true) fail(`${field}.trailingNewline`, 'true when present', obj.trailingNewline);
        out.trailingNewline = true;
      }
      return out;
    }
    case 'text': {
      const obj = object(value, field, ['encoding', 'text'], ['encoding', 'text']);
      return { encoding: 'text', text: string(obj.text, `${field}.text`) };
    }
    case 'base64': {
      const obj = object(value, field, ['encoding', 'base64'], ['encoding', 'base64']);
      const data = string(obj.base64, `${field}.base64`);
      if (!BASE64.test(data)) fail(`${field}.base64`, 'padded base64', data);
      return { encoding: 'base64', base64: data };
    }
    case 'file': {
      const obj = object(value, field, ['encoding', 'file', 'size', 'sha256'], ['encoding', 'file', 'size', 'sha256']);
      const file = string(obj.file, `${field}.file`);
      if (!SIDECAR_FILE.test(file)) fail(`${field}.file`, 'a file name next to the fixture (no "/", not starting with ".")', file);
      const sha256 = string(obj.sha256, `${field}.sha256`);
      if (!HEX64.test(sha256)) fail(`${field}.sha256`, '64 lowercase hex characters', sha256);
      return { encoding: 'file', file, size: integer(obj.size, `${field}.size`, 0), sha256 };
    }
    default:
      return fail(`${field}.encoding`, 'one of "json", "text", "base64", "file"', encoding);
  }
}

function request(value: unknown): FixtureRequest {
  const obj = object(value, 'request', ['method', 'path', 'query', 'headers', 'body'], ['method', 'path', 'query', 'headers', 'body']);
  const method = string(obj.method, 'request.method');
  if (!TOKEN.test(method)) fail('request.method', 'an HTTP method (a token)', method);
  return {
    method,
    path: string(obj.path, 'request.path'),
    query: pairs(obj.query, 'request.query', undefined, '[name, value]'),
    headers: headers(obj.headers, 'request.headers'),
    body: body(obj.body, 'request.body'),
  };
}

function response(value: unknown): FixtureResponse {
  const obj = object(
    value,
    'response',
    ['status', 'statusText', 'headers', 'contentEncoding', 'body', 'trailers'],
    ['status', 'statusText', 'headers', 'body'],
  );
  const out: FixtureResponse = {
    status: integer(obj.status, 'response.status', 100, 999),
    statusText: string(obj.statusText, 'response.statusText'),
    headers: headers(obj.headers, 'response.headers'),
    body: body(obj.body, 'response.body'),
  };
  if (obj.contentEncoding !== undefined) {
    const encoding = obj.contentEncoding;
    // gzip/deflate/br bodies are stored decoded; any other coding (zstd, "gzip, br") was stored as received.
    if (typeof encoding !== 'string' || !CODINGS.test(encoding)) {
      fail(
        'response.contentEncoding',
        `a Content-Encoding value (${SUPPORTED_ENCODINGS.join(', ')}, or other codings separated by ", ")`,
        encoding,
      );
    }
    out.contentEncoding = encoding;
  }
  if (obj.trailers !== undefined) out.trailers = headers(obj.trailers, 'response.trailers');
  return out;
}

/**
 * Checks that `value` (a parsed fixture file) is a fixture of the current
 * version and returns it rebuilt field by field, so nothing unchecked slips through.
 * Throws {@link FixtureShapeError} naming the first field that is wrong.
 *
 * @example
 * ```ts
 * validateFixture(JSON.parse(text)); // Fixture, or throws FixtureShapeError('"match" is missing')
 * ```
 */
export function validateFixture(value: unknown): Fixture {
  const top = object(value, '', ['version', 'match', 'request', 'response'], ['version']);
  if (top.version !== FIXTURE_VERSION) {
    if (typeof top.version === 'number' && Number.isInteger(top.version) && top.version > FIXTURE_VERSION) {
      throw new FixtureShapeError(
        `it has fixture format version ${top.version}, this proxytape reads version ${FIXTURE_VERSION}`,
        'Upgrade proxytape, or re-record the fixture with this version.',
      );
    }
    fail('version', `${FIXTURE_VERSION}`, top.version);
  }
  object(value, '', ['version', 'match', 'request', 'response'], ['version', 'match', 'request', 'response']);
  const match = object(top.match, 'match', ['key', 'sequence'], ['key', 'sequence']);
  const key = string(match.key, 'match.key');
  if (!HEX64.test(key)) fail('match.key', '64 lowercase hex characters (a sha256)', key);
  return {
    version: FIXTURE_VERSION,
    match: { key, sequence: integer(match.sequence, 'match.sequence', 0) },
    request: request(top.request),
    response: response(top.response),
  };
}
