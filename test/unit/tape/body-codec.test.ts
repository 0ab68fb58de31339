import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadBody, loadBodyAsync, sidecarName, storeBody, isJsonContentType, DEFAULT_INLINE_LIMIT } from '../../../src/tape/body-codec.js';
import { parseFixture, serializeFixture } from '../../../src/tape/fixture-file.js';
import type { StoredBody } from '../../../src/tape/types.js';
import { sampleFixture, thrown } from './sample-fixtures.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Stores a body, puts it through a fixture file (serialise + parse), and loads it back. */
function throughFixtureFile(body: StoredBody): StoredBody {
  const fixture = sampleFixture({ response: { ...sampleFixture().response, body } });
  return parseFixture(serializeFixture(fixture), '/f/x.json').response.body;
}

describe('storeBody / loadBody', () => {
  const binary = randomBytes(64 * 1024);
  it.each<[string, Buffer, string | undefined, StoredBody['encoding' & keyof object] | string | null]>([
    ['compact JSON', Buffer.from('{"id":1,"tags":["a","b"],"n":null}'), JSON_TYPE, 'json'],
    ['2-space pretty JSON', Buffer.from(JSON.stringify({ id: 1, nested: { a: [1, 2] } }, null, 2)), JSON_TYPE, 'json'],
    [
      '4-space pretty JSON with a trailing newline',
      Buffer.from(`${JSON.stringify({ a: [1, {}] }, null, 4)}\n`),
      'application/problem+json',
      'json',
    ],
    ['tab-indented JSON', Buffer.from(JSON.stringify([{ a: 1 }], null, '\t')), JSON_TYPE, 'json'],
    ['compact JSON with a trailing newline (Go json.Encoder)', Buffer.from('{"ok":true}\n'), JSON_TYPE, 'json'],
    ['a JSON scalar', Buffer.from('"hi"'), JSON_TYPE, 'json'],
    ['JSON with unusual spacing', Buffer.from('{"id": 1,"name" :"x"}'), JSON_TYPE, 'text'],
    ['JSON with a number that re-serialises differently', Buffer.from('{"price":1.0}'), JSON_TYPE, 'text'],
    ['JSON whose integer keys would be reordered', Buffer.from('{"b":1,"1":2}'), JSON_TYPE, 'text'],
    ['JSON with \\u escapes', Buffer.from('{"name":"\\u00e9"}'), JSON_TYPE, 'text'],
    ['JSON with two trailing newlines', Buffer.from('{"a":1}\n\n'), JSON_TYPE, 'text'],
    ['JSON with CRLF line ends', Buffer.from('{\r\n  "a": 1\r\n}'), JSON_TYPE, 'text'],
    ['JSON sent as text/plain', Buffer.from('{"id":1}'), 'text/plain', 'text'],
    ['invalid JSON with a JSON type', Buffer.from('{"id":'), JSON_TYPE, 'text'],
    ['UTF-8 text', Buffer.from('héllo wörld ✓ 😀\r\n\ttabbed'), 'text/plain; charset=utf-8', 'text'],
    ['UTF-8 text with a BOM', Buffer.from('\ufeffbom first'), 'text/csv', 'text'],
    ['text with a NUL', Buffer.from('a\u0000b'), 'text/plain', 'base64'],
    ['invalid UTF-8', Buffer.from([0x68, 0xc3, 0x28]), 'text/plain', 'base64'],
    ['64 KiB of random binary', binary, 'application/octet-stream', 'base64'],
    ['a PNG header', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'image/png', 'base64'],
    ['an empty body', Buffer.alloc(0), JSON_TYPE, null],
  ])('%s is stored as %4$s and loads back byte-exact, also through a fixture file', (_name, bytes, contentType, encoding) => {
    const stored = storeBody(bytes, contentType);
    expect(stored === null ? null : stored.encoding).toBe(encoding);
    expect(loadBody(stored, '/f/x.json').equals(bytes)).toBe(true);
    expect(loadBody(throughFixtureFile(stored), '/f/x.json').equals(bytes)).toBe(true);
  });

  it('stores JSON as a readable value with its layout', () => {
    expect(storeBody(Buffer.from('{"id":1}'), JSON_TYPE)).toEqual({ encoding: 'json', json: { id: 1 } });
    expect(storeBody(Buffer.from('{\n  "id": 1\n}\n'), JSON_TYPE)).toEqual({
      encoding: 'json',
      json: { id: 1 },
      indent: 2,
      trailingNewline: true,
    });
    expect(storeBody(Buffer.from('{"id": 1}'), JSON_TYPE)).toEqual({ encoding: 'text', text: '{"id": 1}' });
    expect(storeBody(Buffer.from([0xff, 0x00]), 'application/octet-stream')).toEqual({ encoding: 'base64', base64: '/wA=' });
  });

  it.each([
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/vnd.api+json', true],
    ['application/problem+json;charset=utf-8', true],
    ['text/json', false],
    ['application/jsonl', false],
    ['+json', false],
    [undefined, false],
  ])('isJsonContentType(%j) is %s', (type, expected) => {
    expect(isJsonContentType(type)).toBe(expected);
  });

  it('keeps the inline limit at 256 KiB', () => {
    expect(DEFAULT_INLINE_LIMIT).toBe(262144);
  });
});

describe('sidecar bodies', () => {
  let dir: string;
  const bytes = randomBytes(300 * 1024);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'proxytape-codec-'));
    await writeFile(path.join(dir, 'GET-big-0.body'), bytes);
    await writeFile(path.join(dir, 'GET-short-0.body'), bytes.subarray(1));
    const tampered = Buffer.from(bytes);
    tampered[0] = (tampered[0] ?? 0) ^ 0xff;
    await writeFile(path.join(dir, 'GET-tampered-0.body'), tampered);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the sidecar after the fixture', () => {
    expect(sidecarName('GET-api-big-3fa2c1d9-0.json')).toBe('GET-api-big-3fa2c1d9-0.body');
  });

  it('reads the sidecar next to the fixture, sync and async', async () => {
    const body: StoredBody = { encoding: 'file', file: 'GET-big-0.body', size: bytes.length, sha256 };
    const fixturePath = path.join(dir, 'GET-big-0.json');
    expect(loadBody(body, fixturePath).equals(bytes)).toBe(true);
    expect((await loadBodyAsync(body, fixturePath)).equals(bytes)).toBe(true);
  });

  it.each([
    ['missing', 'GET-none-0.body', (file: string) => `body sidecar ${file} is missing`],
    [
      'shorter than recorded',
      'GET-short-0.body',
      (file: string) => `body sidecar ${file} has ${bytes.length - 1} bytes, the fixture says ${bytes.length}`,
    ],
    [
      'different content',
      'GET-tampered-0.body',
      (file: string) =>
        `body sidecar ${file} does not match the fixture's sha256 (expected ${sha256}, got ${createHash('sha256')
          .update(Buffer.concat([Buffer.from([(bytes[0] ?? 0) ^ 0xff]), bytes.subarray(1)]))
          .digest('hex')})`,
    ],
  ])('refuses a sidecar that is %s, naming it', async (_name, file, problem) => {
    const body: StoredBody = { encoding: 'file', file, size: bytes.length, sha256 };
    const fixturePath = path.join(dir, 'fixture.json');
    const message = `Cannot load fixture ${fixturePath}: ${problem(path.join(dir, file))}. Fix or delete the file named in the message (re-record it), or restore it from version control.`;
    expect(thrown(() => loadBody(body, fixturePath))).toMatchObject({ code: 'PROXYTAPE_FIXTURE_CORRUPT', message });
    await expect(loadBodyAsync(body, fixturePath)).rejects.toMatchObject({ code: 'PROXYTAPE_FIXTURE_CORRUPT', message });
  });

  it('refuses a sidecar name that leaves the fixture directory', () => {
    expect(() => loadBody({ encoding: 'file', file: '../etc/passwd', size: 1, sha256 }, path.join(dir, 'x.json'))).toThrow(
      /is not a plain file name/,
    );
  });
});
