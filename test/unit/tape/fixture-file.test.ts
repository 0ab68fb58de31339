import { describe, expect, it } from '@jest/globals';
import { isProxytapeError } from '../../../src/errors.js';
import { fixtureFileName, hostDirName, parseFixture, pathSlug, serializeFixture } from '../../../src/tape/fixture-file.js';
import type { Fixture } from '../../../src/tape/types.js';
import { keyOf, sampleFixture, sampleFixtures } from './sample-fixtures.js';

const HINT = 'Fix or delete the file named in the message (re-record it), or restore it from version control.';

/** Rebuilds plain objects with their keys reversed, recursively (arrays keep their order). */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  ) as T;
}

describe('serializeFixture', () => {
  it('writes 2-space JSON in the documented key order, one header pair per line, with a trailing newline', () => {
    const fixture = sampleFixture({
      response: { ...sampleFixture().response, contentEncoding: 'gzip', trailers: [['x-t', '1']] },
    });
    expect(serializeFixture(fixture)).toBe(
      [
        '{',
        '  "version": 1,',
        '  "match": {',
        `    "key": "${keyOf('GET /api/users/1')}",`,
        '    "sequence": 0',
        '  },',
        '  "request": {',
        '    "method": "GET",',
        '    "path": "/api/users/1",',
        '    "query": [',
        '      ["expand", "team"]',
        '    ],',
        '    "headers": [',
        '      ["accept", "application/json"]',
        '    ],',
        '    "body": null',
        '  },',
        '  "response": {',
        '    "status": 200,',
        '    "statusText": "OK",',
        '    "headers": [',
        '      ["content-type", "application/json; charset=utf-8"],',
        '      ["set-cookie", "a=[REDACTED]"],',
        '      ["set-cookie", "b=[REDACTED]"]',
        '    ],',
        '    "contentEncoding": "gzip",',
        '    "body": {',
        '      "encoding": "json",',
        '      "json": {',
        '        "id": 1,',
        '        "name": "Ada"',
        '      }',
        '    },',
        '    "trailers": [',
        '      ["x-t", "1"]',
        '    ]',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it.each(sampleFixtures())('is byte-stable whatever the key order of the input (%s)', (_name, fixture) => {
    const reversed = reverseKeys(fixture);
    // The body's JSON value is data, not format: its key order is kept (replay must be byte-exact).
    if (reversed.response.body?.encoding === 'json')
      reversed.response.body.json = fixture.response.body?.encoding === 'json' ? fixture.response.body.json : null;
    expect(Object.keys(reversed)).toEqual(['response', 'request', 'match', 'version']);
    expect(serializeFixture(reversed)).toBe(serializeFixture(fixture));
  });

  it("keeps the JSON body's own key order", () => {
    const fixture = sampleFixture({ response: { ...sampleFixture().response, body: { encoding: 'json', json: { z: 1, a: 2 } } } });
    expect(serializeFixture(fixture)).toMatch(/"z": 1,\n\s+"a": 2/);
  });

  it('writes empty pair lists and the body JSON exactly as JSON.stringify would, re-indented', () => {
    const text = serializeFixture(
      sampleFixture({
        request: { ...sampleFixture().request, query: [], headers: [] },
        response: { ...sampleFixture().response, body: { encoding: 'json', json: { s: 'a\nb', list: [['x', 'y']], empty: {} } } },
      }),
    );
    expect(text).toContain('    "query": [],\n    "headers": [],\n');
    expect(text).toContain(
      '      "json": {\n        "s": "a\\nb",\n        "list": [\n          [\n            "x",\n            "y"\n          ]\n        ],\n        "empty": {}\n      }\n',
    );
  });

  it('leaves out absent optional fields', () => {
    const text = serializeFixture(sampleFixture());
    expect(text).not.toContain('contentEncoding');
    expect(text).not.toContain('trailers');
    expect(text).not.toContain('indent');
  });
});

describe('parseFixture', () => {
  it.each(sampleFixtures())('round-trips %s: parse(serialize(f)) equals f and re-serialises identically', (_name, fixture) => {
    const text = serializeFixture(fixture);
    const parsed = parseFixture(text, '/f/x.json');
    expect(parsed).toEqual(fixture);
    expect(serializeFixture(parsed)).toBe(text);
  });

  const valid = JSON.parse(serializeFixture(sampleFixture())) as Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form edits of parsed JSON, invalid on purpose
  const edit = (mutate: (f: Record<string, any>) => void): string => {
    const copy = structuredClone(valid);
    mutate(copy);
    return JSON.stringify(copy, null, 2);
  };

  it.each([
    [
      'syntax error mid-file',
      '{\n  "version": 1,\n  "match": }',
      'JSON parse error at line 3, column 12 (position 29): unexpected character "}"',
    ],
    ['truncated file', '{"version": 1', 'JSON parse error at line 1, column 14 (position 13): unexpected end of input'],
    ['empty file', '', 'JSON parse error at line 1, column 1 (position 0): unexpected end of input'],
    [
      'raw newline in a string',
      '{"a": "x\ny"}',
      'JSON parse error at line 1, column 9 (position 8): bad control character in string (escape it)',
    ],
    ['trailing garbage', '{} x', 'JSON parse error at line 1, column 4 (position 3): unexpected content after the JSON value'],
    ['an array', '[]', 'the file must hold a JSON object, got an array'],
    ['no version', '{}', '"version" is missing'],
    ['version as a string', '{"version": "1"}', '"version" must be 1, got "1"'],
    ['a newer version', edit((f) => (f.version = 2)), 'it has fixture format version 2, this proxytape reads version 1'],
    ['no match', edit((f) => delete f.match), '"match" is missing'],
    ['an unknown top-level property', edit((f) => (f.extra = true)), 'unknown property "extra"'],
    ['a short match key', edit((f) => (f.match.key = 'abc')), '"match.key" must be 64 lowercase hex characters (a sha256), got "abc"'],
    ['a negative sequence', edit((f) => (f.match.sequence = -1)), '"match.sequence" must be an integer >= 0, got -1'],
    ['a method with a space', edit((f) => (f.request.method = 'GET /')), '"request.method" must be an HTTP method (a token), got "GET /"'],
    [
      'a query pair of one string',
      edit((f) => (f.request.query = [['a']])),
      '"request.query[0]" must be a [name, value] pair of two strings, got an array',
    ],
    [
      'headers as an object',
      edit((f) => (f.request.headers = {})),
      '"request.headers" must be an array of [name, value] pairs, got an object',
    ],
    [
      'a header name with a space',
      edit((f) => (f.request.headers[0][0] = 'bad name')),
      '"request.headers[0][0]" must be a header name (an HTTP token), got "bad name"',
    ],
    ['status as a string', edit((f) => (f.response.status = '200')), '"response.status" must be an integer from 100 to 999, got "200"'],
    ['a fractional status', edit((f) => (f.response.status = 20.5)), '"response.status" must be an integer from 100 to 999, got 20.5'],
    ['no statusText', edit((f) => delete f.response.statusText), '"response.statusText" is missing'],
    [
      'a contentEncoding that is not a coding list',
      edit((f) => (f.response.contentEncoding = 'gzip;q=1')),
      '"response.contentEncoding" must be a Content-Encoding value (gzip, deflate, br, or other codings separated by ", "), got "gzip;q=1"',
    ],
    ['an unknown body property', edit((f) => (f.response.body = { encoding: 'hex', hex: 'ff' })), 'unknown property "response.body.hex"'],
    [
      'an unknown body encoding',
      edit((f) => (f.response.body = { encoding: 'hex' })),
      '"response.body.encoding" must be one of "json", "text", "base64", "file", got "hex"',
    ],
    ['a json body without json', edit((f) => (f.response.body = { encoding: 'json' })), '"response.body.json" is missing'],
    [
      'indent 0',
      edit((f) => (f.response.body = { encoding: 'json', json: 1, indent: 0 })),
      '"response.body.indent" must be an integer from 1 to 10, got 0',
    ],
    [
      'text that is not a string',
      edit((f) => (f.response.body = { encoding: 'text', text: 1 })),
      '"response.body.text" must be a string, got 1',
    ],
    [
      'unpadded base64',
      edit((f) => (f.response.body = { encoding: 'base64', base64: 'abc' })),
      '"response.body.base64" must be padded base64, got "abc"',
    ],
    [
      'a sidecar path outside the directory',
      edit((f) => (f.response.body = { encoding: 'file', file: '../secret', size: 1, sha256: keyOf('x') })),
      '"response.body.file" must be a file name next to the fixture (no "/", not starting with "."), got "../secret"',
    ],
    ['a body that is a string', edit((f) => (f.response.body = 'hello')), '"response.body" must be an object, got "hello"'],
  ])('refuses %s with the exact message', (_label, text, problem) => {
    let error: unknown;
    try {
      parseFixture(text, '/fixtures/default/api/GET-x-0.json');
    } catch (err) {
      error = err;
    }
    expect(isProxytapeError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PROXYTAPE_FIXTURE_CORRUPT', status: 500 });
    const hint = problem.startsWith('it has fixture format version')
      ? 'Upgrade proxytape, or re-record the fixture with this version.'
      : HINT;
    expect((error as Error).message).toBe(`Cannot load fixture /fixtures/default/api/GET-x-0.json: ${problem}. ${hint}`);
  });
});

describe('fixtureFileName', () => {
  const named = (method: string, path: string, sequence = 0): string =>
    fixtureFileName({
      ...sampleFixture(),
      match: { key: '3fa2c1d9' + '0'.repeat(56), sequence },
      request: { ...sampleFixture().request, method, path },
    });

  it.each([
    ['GET', '/api/users/1', 0, 'GET-api-users-1-3fa2c1d9-0.json'],
    ['POST', '/api/users', 2, 'POST-api-users-3fa2c1d9-2.json'],
    ['GET', '/', 0, 'GET-root-3fa2c1d9-0.json'],
    ['GET', '', 0, 'GET-root-3fa2c1d9-0.json'],
    ['GET', '//a///b/', 0, 'GET-a-b-3fa2c1d9-0.json'],
    ['GET', '/search/hello world/ü', 0, 'GET-search-hello_world-_-3fa2c1d9-0.json'],
    ['GET', '/a%2Fb/../c', 0, 'GET-a_2Fb-..-c-3fa2c1d9-0.json'],
    ['M-SEARCH', '/x', 0, 'M-SEARCH-x-3fa2c1d9-0.json'],
    ['GET', `/${'a'.repeat(100)}`, 0, `GET-${'a'.repeat(60)}-3fa2c1d9-0.json`],
  ])('%s %s (sequence %d) → %s', (method, path, sequence, expected) => {
    expect(named(method, path, sequence)).toBe(expected);
  });

  it('is deterministic and differs by key and sequence', () => {
    const a = sampleFixture();
    const b: Fixture = { ...a, match: { ...a.match, sequence: 1 } };
    const c: Fixture = { ...a, match: { key: keyOf('other'), sequence: 0 } };
    expect(fixtureFileName(a)).toBe(fixtureFileName(structuredClone(a)));
    expect(new Set([fixtureFileName(a), fixtureFileName(b), fixtureFileName(c)]).size).toBe(3);
  });

  it('slugs never exceed 60 characters nor end with a separator', () => {
    expect(pathSlug(`/${'a'.repeat(59)}/b`)).toBe('a'.repeat(59));
  });
});

describe('hostDirName', () => {
  it.each([
    ['http://API.Example.com:8443/v1', 'api.example.com'],
    ['https://api.example.com', 'api.example.com'],
    ['http://127.0.0.1:49152', '127.0.0.1'],
    ['http://[::1]:3000', '__1'],
    ['localhost:3000', 'localhost'],
    ['api.example.com', 'api.example.com'],
    [new URL('http://Backend_1.internal:80'), 'backend_1.internal'],
  ])('%s → %s', (target, expected) => {
    expect(hostDirName(target)).toBe(expected);
  });

  it('gives a backend on another port the same directory', () => {
    expect(hostDirName('http://127.0.0.1:1111')).toBe(hostDirName('http://127.0.0.1:2222'));
  });
});
