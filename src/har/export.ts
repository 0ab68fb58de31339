/**
 * Fixtures → HAR 1.2, deterministic: the same fixtures always give the same
 * bytes (fixed dates and timings, a stable entry order), so an exported HAR
 * can be committed and diffed like the fixtures themselves.
 */
import path from 'node:path';
import { loadBody } from '../tape/body-codec.js';
import { formatQuery } from '../tape/query.js';
import type { StoredBody, StoredFixture } from '../tape/types.js';
import type { Har, HarContent, HarEntry, HarNameValue, HarPostData, HarProxytapeField } from './types.js';

/** Options of {@link fixturesToHar}. */
export interface HarExportOptions {
  /** The fixture root the fixtures' paths are under (for `_proxytape.fixture`). */
  root: string;
  /** `log.creator.version`: the proxytape version. */
  version: string;
}

/** Fixtures record the host directory, not the scheme and port: exported URLs are `http://<host dir><path>?<query>`. */
export const EXPORT_SCHEME = 'http';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// eslint-disable-next-line no-control-regex
const BINARY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A body as HAR text: UTF-8 when it reads as text, else base64. */
function asText(stored: StoredBody, bytes: Buffer): { text: string; base64: boolean } {
  if (stored !== null && (stored.encoding === 'json' || stored.encoding === 'text')) return { text: bytes.toString('utf8'), base64: false };
  if (stored !== null && stored.encoding === 'file') {
    try {
      const text = utf8.decode(bytes);
      if (!BINARY_CONTROL.test(text)) return { text, base64: false };
    } catch {
      // not UTF-8: base64 below
    }
  }
  return { text: bytes.toString('base64'), base64: true };
}

function header(pairs: readonly (readonly [string, string])[], name: string): string | undefined {
  let value: string | undefined;
  for (const [n, v] of pairs) if (n.toLowerCase() === name) value = v;
  return value;
}

function nameValues(pairs: readonly (readonly [string, string])[]): HarNameValue[] {
  return pairs.map(([name, value]) => ({ name, value }));
}

/** Sort key: cassette, directory, file name without the sequence, then the sequence as a number. */
function compare(a: StoredFixture, b: StoredFixture): number {
  const base = (s: StoredFixture): string => s.path.replace(/-\d+\.json$/, '');
  const order = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return (
    order(a.cassette, b.cassette) || order(base(a), base(b)) || a.fixture.match.sequence - b.fixture.match.sequence || order(a.path, b.path)
  );
}

function entryOf(stored: StoredFixture, index: number, root: string): HarEntry {
  const { request, response } = stored.fixture;
  const hostDir = path.basename(path.dirname(stored.path));
  const query = formatQuery(request.query);
  const requestBytes = loadBody(request.body, stored.path);
  const requestType = header(request.headers, 'content-type');
  let postData: HarPostData | undefined;
  if (request.body !== null) {
    const { text, base64 } = asText(request.body, requestBytes);
    // '' rather than a guess: an import would otherwise add a Content-Type the request never had.
    postData = { mimeType: requestType ?? '', text, ...(base64 ? { _encoding: 'base64' as const } : {}) };
  }
  const responseHeaders = [...response.headers];
  if (response.contentEncoding !== undefined) responseHeaders.push(['content-encoding', response.contentEncoding]);
  const responseBytes = loadBody(response.body, stored.path);
  const content: HarContent = { size: responseBytes.length, mimeType: header(response.headers, 'content-type') ?? 'x-unknown' };
  if (response.body !== null) {
    const { text, base64 } = asText(response.body, responseBytes);
    content.text = text;
    if (base64) content.encoding = 'base64';
  }
  const own: HarProxytapeField = {
    cassette: stored.cassette,
    sequence: stored.fixture.match.sequence,
    fixture: path.relative(root, stored.path).split(path.sep).join('/'),
  };
  if (response.trailers !== undefined && response.trailers.length > 0) own.trailers = response.trailers.map(([n, v]) => [n, v]);
  // Stored with a coding proxytape cannot decode: content.text is the encoded bytes (a browser's HAR would hold decoded text).
  if (response.contentEncoding === undefined && header(response.headers, 'content-encoding') !== undefined) own.rawContent = true;
  return {
    startedDateTime: new Date(index).toISOString(),
    time: 0,
    request: {
      method: request.method,
      url: `${EXPORT_SCHEME}://${hostDir}${request.path}${query === '' ? '' : `?${query}`}`,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: nameValues(request.headers),
      queryString: nameValues(request.query),
      ...(postData === undefined ? {} : { postData }),
      headersSize: -1,
      bodySize: requestBytes.length,
    },
    response: {
      status: response.status,
      statusText: response.statusText,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: nameValues(responseHeaders),
      content,
      redirectURL: header(response.headers, 'location') ?? '',
      headersSize: -1,
      // The bytes on the wire: unknown once re-encoded.
      bodySize: response.contentEncoding === undefined ? responseBytes.length : -1,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
    _proxytape: own,
  };
}

/**
 * Builds a HAR 1.2 log from fixtures (e.g. `store.list()` or `store.list('checkout')`). Entries are
 * ordered by cassette, then request file, then sequence; `startedDateTime` is the epoch plus the
 * entry index in milliseconds and every timing is 0, so the output is deterministic. Each entry
 * carries `_proxytape: { cassette, sequence, fixture }` so an import puts it back in its cassette.
 * Reads sidecar bodies (throws `PROXYTAPE_FIXTURE_CORRUPT` for a missing one).
 *
 * @example
 * ```ts
 * const store = await FixtureStore.open('test/fixtures');
 * const har = fixturesToHar(store.list('checkout'), { root: store.root, version: '0.1.0' });
 * await writeFile('checkout.har', `${JSON.stringify(har, null, 2)}\n`);
 * ```
 */
export function fixturesToHar(fixtures: readonly StoredFixture[], options: HarExportOptions): Har {
  const sorted = [...fixtures].sort(compare);
  return {
    log: {
      version: '1.2',
      creator: { name: 'proxytape', version: options.version },
      pages: [],
      entries: sorted.map((stored, index) => entryOf(stored, index, options.root)),
    },
  };
}

/** HAR text as the CLI writes it: 2-space JSON with a trailing newline. */
export function serializeHar(har: Har): string {
  return `${JSON.stringify(har, null, 2)}\n`;
}
