/**
 * HAR → fixtures. Each entry becomes the fixture the proxy would have recorded
 * for that request: same stored headers, same redaction, same match key (so it
 * replays through the proxy), sequences 0, 1, 2… for identical requests in HAR
 * order. Pure: nothing is written here (see `writeImportedFixtures`).
 */
import { scrubHeaderValues, scrubSecrets, secretValues } from '../tape/redact-echo.js';
import { storeBody } from '../tape/body-codec.js';
import { validateCassette } from '../tape/cassette.js';
import { normalizeEncoding } from '../tape/compression.js';
import { hostDirName } from '../tape/fixture-file.js';
import { FixtureShapeError, validateFixture } from '../tape/fixture-validate.js';
import { type MatchOptions, type MatchableRequest, matchKey } from '../tape/match.js';
import { parseQuery, splitUrl } from '../tape/query.js';
import { type Redactor, createRedactor, redactBody } from '../tape/redact.js';
import { storableHeaders } from '../tape/request-view.js';
import { DEFAULT_VOLATILE_HEADERS } from '../tape/tape.js';
import { FIXTURE_VERSION, type Fixture, type HeaderPairs } from '../tape/types.js';
import { HOP_BY_HOP_HEADERS } from '../proxy/hop-headers.js';
import { isHarError, invalidHar } from './har-error.js';
import type { HarInputEntry } from './validate.js';

/** Options of {@link harToFixtures}. */
export interface HarImportOptions {
  /**
   * Cassette every entry goes to.
   * @default the entry's `_proxytape.cassette` (HARs proxytape exported), else 'default'
   */
  cassette?: string;
  /** Redaction applied before anything is stored; use the proxy's. @default createRedactor() */
  redactor?: Redactor;
  /** Match options of the proxy that will replay the fixtures (the key depends on them). @default {} */
  match?: MatchOptions;
  /** Response headers never stored (lower-case), like the proxy's `volatileHeaders`. @default DEFAULT_VOLATILE_HEADERS */
  volatileHeaders?: readonly string[];
}

/** One converted entry: the fixture and where it goes. */
export interface ImportedFixture {
  /** Index of the entry in `log.entries`. */
  index: number;
  cassette: string;
  /** Host directory, from the entry URL's hostname (`hostDirName`). */
  hostDir: string;
  fixture: Fixture;
}

/** An entry the import left out, and why. */
export interface SkippedEntry {
  index: number;
  reason: string;
}

/** Result of {@link harToFixtures}. */
export interface HarImport {
  fixtures: ImportedFixture[];
  skipped: SkippedEntry[];
}

/** Response headers the recorder never stores: framing, the coding (noted in `contentEncoding`) and proxytape's own. */
const UNSTORED_RESPONSE_HEADERS: ReadonlySet<string> = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'x-proxytape']);

/** The request target of an absolute URL without normalising it (`new URL()` would re-encode the path). */
function requestTarget(url: string): { path: string; rawQuery: string } {
  const rest = url.slice(url.indexOf('://') + 3);
  const end = rest.search(/[/?#]/);
  const target = end === -1 ? '' : rest.slice(end);
  const { path, query } = splitUrl(target);
  return { path: path === '' ? '/' : path, rawQuery: query ?? '' };
}

function lastHeader(pairs: readonly (readonly [string, string])[], name: string): string | undefined {
  let value: string | undefined;
  for (const [n, v] of pairs) if (n.toLowerCase() === name) value = v;
  return value;
}

function cassetteOf(entry: HarInputEntry, options: HarImportOptions): string {
  if (options.cassette !== undefined) return options.cassette;
  const own = entry.proxytape?.cassette;
  if (own === undefined) return 'default';
  if (own === '') return own;
  try {
    return validateCassette(own);
  } catch (err) {
    throw invalidHar(`log.entries[${entry.index}]._proxytape.cassette`, `is not a valid cassette name (${(err as Error).message})`);
  }
}

/** The request as the proxy's `viewRequest()` sees it: stored headers only, redacted. */
function matchable(entry: HarInputEntry, redactor: Redactor): MatchableRequest {
  const { path, rawQuery } = requestTarget(entry.url);
  const raw: string[] = entry.headers.flat();
  const body = entry.postData?.body ?? Buffer.alloc(0);
  // A client replaying this request sends its Content-Type; HAR exporters sometimes keep it only in postData.
  if (body.length > 0 && entry.postData?.mimeType && lastHeader(entry.headers, 'content-type') === undefined) {
    raw.push('content-type', entry.postData.mimeType);
  }
  const headers = redactor.headers(storableHeaders(raw));
  return {
    method: entry.method.toUpperCase(),
    path,
    query: redactor.query(parseQuery(rawQuery)),
    headers,
    body,
    contentType: lastHeader(headers, 'content-type'),
  };
}

function responseOf(entry: HarInputEntry, method: string, redactor: Redactor, volatile: ReadonlySet<string>): Fixture['response'] {
  const { response } = entry;
  // The request's secrets, kept out of a response that echoes them (as when recording).
  const secrets = secretValues(storableHeaders(entry.headers.flat()), parseQuery(requestTarget(entry.url).rawQuery), redactor);
  const received = lastHeader(response.headers, 'content-encoding')?.trim().toLowerCase();
  const coding = normalizeEncoding(received);
  const headers: HeaderPairs = [];
  for (const [name, value] of response.headers) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(lower) || UNSTORED_RESPONSE_HEADERS.has(lower) || volatile.has(lower)) continue;
    headers.push([lower, value]);
  }
  // An undecodable coding (zstd…): a browser's HAR holds the decoded text, so the coding is dropped;
  // a HAR proxytape exported holds the bytes as recorded, so the coding stays, as the recorder keeps it.
  if (received !== undefined && received !== 'identity' && coding === undefined && entry.proxytape?.rawContent === true) {
    headers.push(['content-encoding', received]);
  }
  if (method === 'HEAD') {
    const length = lastHeader(response.headers, 'content-length');
    if (length !== undefined) headers.push(['content-length', length]);
  }
  const contentType = lastHeader(response.headers, 'content-type') ?? (response.mimeType === '' ? undefined : response.mimeType);
  const bytes = response.body ?? Buffer.alloc(0);
  const trailers = entry.proxytape?.trailers;
  return {
    status: response.status,
    statusText: response.statusText,
    headers: scrubHeaderValues(redactor.headers(headers), secrets),
    body: storeBody(scrubSecrets(redactBody(bytes, contentType, redactor), contentType, secrets), contentType),
    ...(coding !== undefined ? { contentEncoding: coding } : {}),
    ...(trailers !== undefined && trailers.length > 0
      ? { trailers: redactor.headers(trailers.map(([name, value]): [string, string] => [name.toLowerCase(), value])) }
      : {}),
  };
}

/**
 * Converts HAR entries (from `parseHar`/`readHarEntries`) into fixtures, without writing anything.
 * Redaction is applied as when recording; the match key is computed with `matchKey()` over the
 * request the proxy would see. Entries with status 0 (the browser got no response: failed,
 * blocked or cancelled) are skipped and listed in `skipped`. Throws a `HarError`
 * (`PROXYTAPE_HAR_INVALID`) naming the entry when one cannot become a valid fixture.
 *
 * @example
 * ```ts
 * const { fixtures, skipped } = harToFixtures(parseHar(await readFile('app.har', 'utf8')), { cassette: 'browser' });
 * await writeImportedFixtures(await FixtureStore.open('test/fixtures'), fixtures);
 * ```
 */
export function harToFixtures(entries: readonly HarInputEntry[], options: HarImportOptions = {}): HarImport {
  const redactor = options.redactor ?? createRedactor();
  const match = options.match ?? {};
  const volatile = new Set((options.volatileHeaders ?? DEFAULT_VOLATILE_HEADERS).map((name) => name.toLowerCase()));
  const sequences = new Map<string, number>();
  const fixtures: ImportedFixture[] = [];
  const skipped: SkippedEntry[] = [];
  for (const entry of entries) {
    if (entry.response.status === 0) {
      skipped.push({ index: entry.index, reason: 'response.status is 0 (no response: the request failed, was blocked or cancelled)' });
      continue;
    }
    try {
      const cassette = cassetteOf(entry, options);
      const request = matchable(entry, redactor);
      const key = matchKey(request, match, redactor);
      const slot = `${cassette}\0${key}`;
      const sequence = sequences.get(slot) ?? 0;
      sequences.set(slot, sequence + 1);
      const fixture: Fixture = {
        version: FIXTURE_VERSION,
        match: { key, sequence },
        request: {
          method: request.method,
          path: request.path,
          query: request.query,
          headers: request.headers,
          body: storeBody(redactBody(request.body, request.contentType, redactor), request.contentType),
        },
        response: responseOf(entry, request.method, redactor, volatile),
      };
      fixtures.push({ index: entry.index, cassette, hostDir: hostDirName(new URL(entry.url)), fixture: validateFixture(fixture) });
    } catch (err) {
      if (isHarError(err)) throw err;
      const problem = err instanceof FixtureShapeError ? err.problem : (err as Error).message;
      throw invalidHar(`log.entries[${entry.index}]`, `cannot be stored as a fixture: ${problem}`);
    }
  }
  return { fixtures, skipped };
}
