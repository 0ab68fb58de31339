/**
 * The fixture file format on disk: serialisation with a stable key order,
 * validated parsing, and deterministic file and directory names. Re-recording
 * the same traffic must produce byte-identical files, so nothing here depends
 * on time, randomness or the key order of the object it is given.
 */
import { ERROR_CODES, ProxytapeError } from '../errors.js';
import { FixtureShapeError, validateFixture } from './fixture-validate.js';
import { locateJsonError } from './json-syntax.js';
import type { Fixture, FixtureRequest, FixtureResponse, StoredBody } from './types.js';

/** An object of the fixture structure, its fields in the documented order (`undefined` ones left out). */
class Struct {
  constructor(readonly fields: readonly [string, unknown][]) {}
}

/** A `[name, value]` list (headers, query, trailers): one pair per line, so a review diff shows one line per header. */
class Pairs {
  constructor(readonly pairs: readonly (readonly [string, string])[]) {}
}

/**
 * Renders like `JSON.stringify(value, null, 2)` at nesting `indent`, except that pair lists
 * are one pair per line. Body JSON values go through JSON.stringify itself (re-indented:
 * it escapes newlines inside strings, so every raw newline it emits is layout).
 */
function render(value: unknown, indent: string): string {
  const inner = `${indent}  `;
  if (value instanceof Struct) {
    const lines = value.fields.filter(([, v]) => v !== undefined).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${render(v, inner)}`);
    return lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n${indent}}`;
  }
  if (value instanceof Pairs) {
    if (value.pairs.length === 0) return '[]';
    const lines = value.pairs.map(([name, val]) => `${inner}[${JSON.stringify(name)}, ${JSON.stringify(val)}]`);
    return `[\n${lines.join(',\n')}\n${indent}]`;
  }
  return (JSON.stringify(value, null, 2) ?? 'null').replace(/\n/g, `\n${indent}`);
}

/** A body with its keys in the documented order (encoding first). */
function bodyStruct(body: StoredBody): unknown {
  if (body === null) return null;
  switch (body.encoding) {
    case 'json':
      // The JSON value itself keeps its own key order: replay must reproduce the recorded bytes.
      return new Struct([
        ['encoding', 'json'],
        ['json', body.json],
        ['indent', body.indent],
        ['trailingNewline', body.trailingNewline],
      ]);
    case 'text':
      return new Struct([
        ['encoding', 'text'],
        ['text', body.text],
      ]);
    case 'base64':
      return new Struct([
        ['encoding', 'base64'],
        ['base64', body.base64],
      ]);
    case 'file':
      return new Struct([
        ['encoding', 'file'],
        ['file', body.file],
        ['size', body.size],
        ['sha256', body.sha256],
      ]);
  }
}

function requestStruct(request: FixtureRequest): Struct {
  return new Struct([
    ['method', request.method],
    ['path', request.path],
    ['query', new Pairs(request.query)],
    ['headers', new Pairs(request.headers)],
    ['body', bodyStruct(request.body)],
  ]);
}

function responseStruct(response: FixtureResponse): Struct {
  return new Struct([
    ['status', response.status],
    ['statusText', response.statusText],
    ['headers', new Pairs(response.headers)],
    ['contentEncoding', response.contentEncoding],
    ['body', bodyStruct(response.body)],
    ['trailers', response.trailers === undefined ? undefined : new Pairs(response.trailers)],
  ]);
}

/**
 * The fixture as file text: 2-space pretty JSON, trailing newline, keys in a fixed
 * order whatever the order of the given object — `version, match{key, sequence},
 * request{method, path, query, headers, body}, response{status, statusText, headers,
 * contentEncoding?, body, trailers?}`, bodies `encoding` first — and one `[name, value]`
 * pair per line in query, headers and trailers. Same fixture, same bytes.
 *
 * @example
 * ```ts
 * await writeFile(file, serializeFixture(fixture));
 * ```
 */
export function serializeFixture(fixture: Fixture): string {
  const root = new Struct([
    ['version', fixture.version],
    [
      'match',
      new Struct([
        ['key', fixture.match.key],
        ['sequence', fixture.match.sequence],
      ]),
    ],
    ['request', requestStruct(fixture.request)],
    ['response', responseStruct(fixture.response)],
  ]);
  return `${render(root, '')}\n`;
}

function corrupt(path: string, problem: string, hint: string, cause?: unknown): ProxytapeError {
  return new ProxytapeError(
    'PROXYTAPE_FIXTURE_CORRUPT',
    `Cannot load fixture ${path}: ${problem}. ${hint}`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * Parses and validates fixture file text. Throws `PROXYTAPE_FIXTURE_CORRUPT` with the
 * file path and what is wrong: `Cannot load fixture <path>: JSON parse error at line 3,
 * column 12 (position 40): unexpected character "}". <hint>` or `Cannot load fixture
 * <path>: "response.status" must be an integer from 100 to 999, got "200". <hint>`.
 *
 * @example
 * ```ts
 * const fixture = parseFixture(await readFile(file, 'utf8'), file);
 * ```
 */
export function parseFixture(text: string, path: string): Fixture {
  const hint = ERROR_CODES.PROXYTAPE_FIXTURE_CORRUPT.hint;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const where = locateJsonError(text);
    const problem =
      where === undefined
        ? `JSON parse error: ${(err as Error).message}`
        : `JSON parse error at line ${where.line}, column ${where.column} (position ${where.position}): ${where.problem}`;
    throw corrupt(path, problem, hint, err);
  }
  try {
    return validateFixture(value);
  } catch (err) {
    if (!(err instanceof FixtureShapeError)) throw err;
    throw corrupt(path, err.problem, err.hint ?? hint);
  }
}

const UNSAFE = /[^A-Za-z0-9._-]/g;
/** Keeps names well under common file-name limits (255 bytes) with room for method, hash and sequence. */
const MAX_SLUG = 60;

/** `/api/users/1` → `api-users-1`; `/` → `root`; unsafe characters become `_`. */
export function pathSlug(requestPath: string): string {
  const segments = (requestPath.split('?')[0] ?? '').split('/').filter((s) => s !== '');
  const slug = segments
    .join('-')
    .replace(UNSAFE, '_')
    .slice(0, MAX_SLUG)
    .replace(/[-.]+$/, '');
  return slug === '' ? 'root' : slug;
}

/**
 * The fixture's file name: `${method}-${pathSlug}-${key.slice(0, 8)}-${sequence}.json`.
 * Deterministic, so re-recording overwrites the same file.
 *
 * @example
 * ```ts
 * fixtureFileName(fixture); // 'GET-api-users-1-3fa2c1d9-0.json'
 * ```
 */
export function fixtureFileName(fixture: Fixture): string {
  const method = fixture.request.method.replace(UNSAFE, '_') || 'METHOD';
  const hash = fixture.match.key.slice(0, 8).replace(UNSAFE, '_');
  return `${method}-${pathSlug(fixture.request.path)}-${hash}-${fixture.match.sequence}.json`;
}

/**
 * The directory name for a backend host: its hostname, lower-cased, without the
 * port (a backend on a random port records to the same place), characters outside
 * `[a-z0-9._-]` replaced by `_`. Accepts a URL, a URL string or a bare `host[:port]`.
 *
 * @example
 * ```ts
 * hostDirName('http://API.Example.com:8443/v1'); // 'api.example.com'
 * hostDirName(new URL('http://[::1]:3000'));     // '__1'
 * ```
 */
export function hostDirName(target: URL | string): string {
  let hostname: string;
  if (target instanceof URL) hostname = target.hostname;
  else {
    try {
      hostname = new URL(target.includes('://') ? target : `http://${target}`).hostname;
    } catch {
      hostname = target;
    }
  }
  const name = hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '_')
    // A leading '.' would hide the directory from the index (hidden directories are skipped).
    .replace(/^\./, '_');
  return name === '' || name === '.' || name === '..' ? '_' : name;
}
