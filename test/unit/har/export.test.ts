import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fixturesToHar, serializeHar } from '../../../src/har/export.js';
import { type HarError, isHarError } from '../../../src/har/har-error.js';
import { harToFixtures } from '../../../src/har/import.js';
import { readHarEntries } from '../../../src/har/validate.js';
import { writeImportedFixtures } from '../../../src/har/write.js';
import { loadBody } from '../../../src/tape/body-codec.js';
import { matchKey, matchableFromFixture } from '../../../src/tape/match.js';
import { createRedactor } from '../../../src/tape/redact.js';
import { FixtureStore } from '../../../src/tape/store.js';
import type { Fixture } from '../../../src/tape/types.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';
import { pollyHar } from './samples.js';

afterEach(removeTempDirs);

/** Every file under `dir` with its bytes, relative paths sorted. */
async function tree(dir: string): Promise<[string, string][]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(
    files.sort().map(async (file): Promise<[string, string]> => [path.relative(dir, file), await readFile(file, 'latin1')]),
  );
}

const e = (method: string, url: string, response: Record<string, unknown>, request: Record<string, unknown> = {}): unknown => ({
  request: { method, url, headers: [], ...request },
  response: { statusText: 'OK', headers: [], ...response },
});

/** A HAR with one of each kind of body, twelve repeats of one request (sequence 10 must sort after 9), two hosts. */
function variedHar(): unknown {
  const repeats = Array.from({ length: 12 }, (_, i) => e('GET', 'http://api.test/tick', { status: 200, content: { text: `tick ${i}` } }));
  return {
    log: {
      version: '1.2',
      entries: [
        e('GET', 'http://api.test/users?q=a%20b&token=s3cret', {
          status: 200,
          headers: [
            { name: 'Content-Type', value: 'application/json' },
            { name: 'Content-Encoding', value: 'gzip' },
            { name: 'Location', value: '/users/1?token=x' },
          ],
          content: { mimeType: 'application/json', text: '{\n  "id": 1\n}\n' },
        }),
        e(
          'PUT',
          'http://api.test/blob',
          { status: 200, content: { text: 'AP8AAQ==', encoding: 'base64' } },
          {
            headers: [{ name: 'content-type', value: 'application/octet-stream' }],
            postData: { mimeType: 'application/octet-stream', text: '/wA=', _encoding: 'base64' },
          },
        ),
        e('GET', 'http://api.test/big', {
          status: 200,
          headers: [{ name: 'content-type', value: 'text/plain' }],
          content: { text: 'x'.repeat(100) },
        }),
        e('DELETE', 'http://other.test/users/1', { status: 204 }),
        ...repeats,
      ],
    },
  };
}

async function importInto(root: string, har: unknown): Promise<FixtureStore> {
  const store = await FixtureStore.open(root, { inlineLimit: 64 });
  await writeImportedFixtures(store, harToFixtures(readHarEntries(har)).fixtures);
  return FixtureStore.open(root, { inlineLimit: 64 });
}

describe('fixturesToHar', () => {
  test('writes a deterministic HAR 1.2 log with every field browser devtools require', async () => {
    const store = await importInto(await makeTempDir(), variedHar());
    const har = fixturesToHar(store.list(), { root: store.root, version: '9.9.9' });
    expect(serializeHar(fixturesToHar(store.list(), { root: store.root, version: '9.9.9' }))).toBe(serializeHar(har));
    expect(har.log).toMatchObject({ version: '1.2', creator: { name: 'proxytape', version: '9.9.9' }, pages: [] });
    expect(har.log.entries.map((entry) => entry.startedDateTime).slice(0, 2)).toEqual([
      '1970-01-01T00:00:00.000Z',
      '1970-01-01T00:00:00.001Z',
    ]);
    const users = har.log.entries.find((entry) => entry.request.url.includes('/users?'))!;
    expect(users).toEqual({
      startedDateTime: expect.any(String),
      time: 0,
      request: {
        method: 'GET',
        url: 'http://api.test/users?q=a%20b&token=[REDACTED]',
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: [],
        queryString: [
          { name: 'q', value: 'a b' },
          { name: 'token', value: '[REDACTED]' },
        ],
        headersSize: -1,
        bodySize: 0,
      },
      response: {
        status: 200,
        statusText: 'OK',
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: [
          { name: 'content-type', value: 'application/json' },
          { name: 'location', value: '/users/1?token=[REDACTED]' },
          { name: 'content-encoding', value: 'gzip' },
        ],
        content: { size: 14, mimeType: 'application/json', text: '{\n  "id": 1\n}\n' },
        redirectURL: '/users/1?token=[REDACTED]',
        headersSize: -1,
        bodySize: -1,
      },
      cache: {},
      timings: { send: 0, wait: 0, receive: 0 },
      _proxytape: {
        cassette: 'default',
        sequence: 0,
        fixture: expect.stringMatching(/^default\/api\.test\/GET-users-[0-9a-f]{8}-0\.json$/),
      },
    });
  });

  test('binary bodies are base64 (postData._encoding, content.encoding), large ones are read from their sidecar', async () => {
    const store = await importInto(await makeTempDir(), variedHar());
    const { entries } = fixturesToHar(store.list(), { root: store.root, version: '1' }).log;
    const blob = entries.find((entry) => entry.request.method === 'PUT')!;
    expect(blob.request.postData).toEqual({ mimeType: 'application/octet-stream', text: '/wA=', _encoding: 'base64' });
    expect(blob.response.content).toEqual({ size: 4, mimeType: 'x-unknown', text: 'AP8AAQ==', encoding: 'base64' });
    const big = entries.find((entry) => entry.request.url.endsWith('/big'))!;
    expect(store.list().some((s) => s.fixture.response.body?.encoding === 'file')).toBe(true);
    expect(big.response.content).toEqual({ size: 100, mimeType: 'text/plain', text: 'x'.repeat(100) });
  });

  test('orders identical requests by sequence number, not by file name', async () => {
    const store = await importInto(await makeTempDir(), variedHar());
    const ticks = fixturesToHar(store.list(), { root: store.root, version: '1' }).log.entries.filter((entry) =>
      entry.request.url.endsWith('/tick'),
    );
    expect(ticks.map((entry) => entry._proxytape?.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(ticks.map((entry) => entry.response.content.text)).toEqual(Array.from({ length: 12 }, (_, i) => `tick ${i}`));
  });

  test('round trip: importing the export rewrites byte-identical fixture files', async () => {
    const first = await importInto(await makeTempDir(), variedHar());
    const text = serializeHar(fixturesToHar(first.list(), { root: first.root, version: '1' }));
    const second = await importInto(await makeTempDir(), JSON.parse(text));
    expect(await tree(second.root)).toEqual(await tree(first.root));
  });

  test('round trip keeps trailers, the root cassette, and bodies with a coding proxytape cannot decode', async () => {
    const root = await makeTempDir();
    const store = await FixtureStore.open(root);
    const redactor = createRedactor();
    const base: Fixture = {
      version: 1,
      match: { key: '', sequence: 0 },
      request: { method: 'GET', path: '/z', query: [], headers: [], body: null },
      response: {
        status: 200,
        statusText: 'OK',
        headers: [
          ['content-type', 'application/octet-stream'],
          ['content-encoding', 'zstd'],
        ],
        body: { encoding: 'base64', base64: 'KLUv/QBYAQAA' },
        trailers: [['x-checksum', 'abc']],
      },
    };
    base.match.key = matchKey(
      matchableFromFixture(base.request, (b) => loadBody(b, '')),
      {},
      redactor,
    );
    await store.write('', 'zstd.test', base);
    const har = fixturesToHar((await FixtureStore.open(root)).list(), { root, version: '1' });
    expect(har.log.entries[0]!._proxytape).toEqual({
      cassette: '',
      sequence: 0,
      fixture: expect.stringMatching(/^zstd\.test\/GET-z-/),
      trailers: [['x-checksum', 'abc']],
      rawContent: true,
    });
    const copy = await makeTempDir();
    await importInto(copy, JSON.parse(serializeHar(har)));
    expect(await tree(copy)).toEqual(await tree(root));
  });
});

describe('writeImportedFixtures', () => {
  test('a failed write removes what the import wrote and restores a fixture it had replaced', async () => {
    const root = await makeTempDir();
    const polly = harToFixtures(readHarEntries(pollyHar())).fixtures;
    const store = await FixtureStore.open(root);
    const [old] = (await writeImportedFixtures(store, polly.slice(0, 1))).written;
    const before = await tree(root);
    // A file where the host directory of the second host must go: its write fails.
    await mkdir(path.join(root, 'default'), { recursive: true });
    await writeFile(path.join(root, 'default', 'blocked.test'), 'not a directory');
    const blocked = { ...polly[1]!, hostDir: 'blocked.test', index: 7 };
    const replacing = {
      ...polly[0]!,
      fixture: { ...polly[0]!.fixture, response: { ...polly[0]!.fixture.response, statusText: 'Replaced' } },
    };
    let error: unknown;
    try {
      await writeImportedFixtures(await FixtureStore.open(root), [replacing, blocked]);
    } catch (err) {
      error = err;
    }
    expect(isHarError(error)).toBe(true);
    expect((error as HarError).code).toBe('PROXYTAPE_HAR_WRITE_FAILED');
    expect((error as HarError).message).toMatch(
      /^Failed to write the fixture of log\.entries\[7\] to .*\/default\/blocked\.test\/GET-api-counter-[0-9a-f]{8}-1\.json: .* The 1 fixture file\(s\) this import had written were removed or restored\. Check that the fixtures directory is writable and the disk is not full\.$/,
    );
    const expected: [string, string][] = [...before, ['default/blocked.test', 'not a directory']];
    expect(await tree(root)).toEqual(expected.sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(await readFile(old!, 'utf8')).toContain('"statusText": "OK"');
  });

  test('older responses of an imported request beyond the imported sequences are removed', async () => {
    const root = await makeTempDir();
    const polly = harToFixtures(readHarEntries(pollyHar())).fixtures;
    await writeImportedFixtures(await FixtureStore.open(root), polly);
    const { written, removed } = await writeImportedFixtures(await FixtureStore.open(root), polly.slice(0, 1));
    expect(written).toHaveLength(1);
    expect(removed.map((file) => path.basename(file))).toEqual([expect.stringMatching(/-1\.json$/), expect.stringMatching(/-2\.json$/)]);
    expect((await FixtureStore.open(root)).list().map((s) => s.fixture.match.sequence)).toEqual([0]);
  });
});
