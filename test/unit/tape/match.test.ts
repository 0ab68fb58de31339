import { describe, expect, it } from '@jest/globals';
import { isConfigError } from '../../../src/errors.js';
import { canonicalJson } from '../../../src/tape/canonical-json.js';
import {
  type MatchOptions,
  type MatchableRequest,
  matchKey,
  matchableFromFixture,
  matchableRequest,
  validateMatchOptions,
} from '../../../src/tape/match.js';
import { parseQuery } from '../../../src/tape/query.js';
import { createRedactor } from '../../../src/tape/redact.js';
import type { FixtureRequest, StoredBody } from '../../../src/tape/types.js';

const redactor = createRedactor();
const json: [string, string][] = [['content-type', 'application/json']];

function req(url: string, init: { method?: string; headers?: [string, string][]; body?: string | Buffer } = {}): MatchableRequest {
  return matchableRequest({
    method: init.method ?? 'GET',
    url,
    headers: init.headers ?? [],
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

function key(request: MatchableRequest, options: MatchOptions = {}): string {
  return matchKey(request, options, redactor);
}

describe('parseQuery', () => {
  it.each([
    ['', []],
    ['?', []],
    [
      'a=1&b=2',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    [
      '?tag=a&tag=b',
      [
        ['tag', 'a'],
        ['tag', 'b'],
      ],
    ],
    [
      'q=hello+world&x=%E2%9C%93',
      [
        ['q', 'hello world'],
        ['x', '✓'],
      ],
    ],
    [
      'flag&empty=&=v',
      [
        ['flag', ''],
        ['empty', ''],
        ['', 'v'],
      ],
    ],
    [
      'a=1&&b=2',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    [
      'bad=100%&worse=%zz&bytes=%FF&ok=%41',
      [
        ['bad', '100%'],
        ['worse', '%zz'],
        ['bytes', '%FF'],
        ['ok', 'A'],
      ],
    ],
    ['a%3Db=c%26d', [['a=b', 'c&d']]],
  ])('%j → %j', (raw, expected) => {
    expect(parseQuery(raw)).toEqual(expected);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and ignores white space', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":0}]},"b":1}');
    expect(canonicalJson(JSON.parse('{ "b" : 1,\n "a": [ 2 ] }'))).toBe(canonicalJson({ a: [2], b: 1 }));
    expect(canonicalJson({ a: undefined, b: [undefined], c: NaN })).toBe('{"b":[null],"c":null}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('throws on a cycle', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow('canonicalJson: the value contains a cycle.');
  });
});

describe('matchKey', () => {
  it('is a hex sha256', () => {
    expect(key(req('/users'))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('method (case-insensitive) and path are part of the key', () => {
    expect(key(req('/users', { method: 'get' }))).toBe(key(req('/users')));
    expect(key(req('/users', { method: 'POST' }))).not.toBe(key(req('/users')));
    expect(key(req('/users/1'))).not.toBe(key(req('/users/2')));
    expect(key(req('/users/'))).not.toBe(key(req('/users')));
  });

  it('query order is irrelevant', () => {
    expect(key(req('/s?a=1&b=2&c=3'))).toBe(key(req('/s?c=3&a=1&b=2')));
  });

  it('encoded and unencoded forms are equivalent', () => {
    expect(key(req('/s?q=hello%20world&n=%41'))).toBe(key(req('/s?q=hello+world&n=A')));
    expect(key(req('/s?name=J%C3%BCrgen'))).toBe(key(req('/s?name=Jürgen')));
  });

  it('repeated parameters count: values and multiplicity matter, their order does not', () => {
    expect(key(req('/s?tag=a&tag=b'))).toBe(key(req('/s?tag=b&tag=a')));
    expect(key(req('/s?tag=a&tag=b'))).not.toBe(key(req('/s?tag=a')));
    expect(key(req('/s?tag=a&tag=a'))).not.toBe(key(req('/s?tag=a')));
    expect(key(req('/s?page=2'))).not.toBe(key(req('/s?page=3')));
    expect(key(req('/s?page=2'))).not.toBe(key(req('/s')));
  });

  it('ignored parameters make no difference', () => {
    const options = { ignoreQuery: ['_', 'ts'] };
    expect(key(req('/s?a=1&_=123&ts=9'), options)).toBe(key(req('/s?a=1&_=456'), options));
    expect(key(req('/s?a=1&_=123'), options)).toBe(key(req('/s?a=1'), options));
    expect(key(req('/s?a=1&_=123'))).not.toBe(key(req('/s?a=1')));
  });

  it('redacted parameters match any live value', () => {
    expect(key(req('/s?token=abc'))).toBe(key(req('/s?token=xyz')));
    expect(key(req('/s?token=abc'))).toBe(key(req('/s?token=[REDACTED]')));
    expect(key(req('/s?api_key=1&page=2'))).toBe(key(req('/s?page=2&api_key=2')));
    expect(key(req('/s?token=abc'))).not.toBe(key(req('/s')));
  });

  it('JSON bodies compare structurally: key order and white space are irrelevant', () => {
    const a = req('/u', { method: 'POST', headers: json, body: '{"name":"Ann","tags":["x","y"],"meta":{"a":1,"b":2}}' });
    const b = req('/u', {
      method: 'POST',
      headers: json,
      body: '{\n  "meta": { "b": 2, "a": 1 },\n  "tags": ["x", "y"],\n  "name": "Ann"\n}\n',
    });
    expect(key(a)).toBe(key(b));
    expect(key(req('/u', { method: 'POST', headers: json, body: '{"tags":["y","x"],"name":"Ann","meta":{"a":1,"b":2}}' }))).not.toBe(
      key(a),
    );
    expect(key(req('/u', { method: 'POST', headers: json, body: '{"name":"Bob","tags":["x","y"],"meta":{"a":1,"b":2}}' }))).not.toBe(
      key(a),
    );
  });

  it('redacted JSON fields match any live value', () => {
    const a = req('/login', { method: 'POST', headers: json, body: '{"user":"ann","password":"one"}' });
    const b = req('/login', { method: 'POST', headers: json, body: '{"password":"two","user":"ann"}' });
    expect(key(a)).toBe(key(b));
  });

  it('form bodies compare by field, secrets redacted', () => {
    const form: [string, string][] = [['content-type', 'application/x-www-form-urlencoded']];
    const a = req('/token', { method: 'POST', headers: form, body: 'grant_type=password&username=ann&password=one' });
    const b = req('/token', { method: 'POST', headers: form, body: 'username=ann&password=two&grant_type=password' });
    const c = req('/token', { method: 'POST', headers: form, body: 'username=bob&password=one&grant_type=password' });
    expect(key(a)).toBe(key(b));
    expect(key(a)).not.toBe(key(c));
  });

  it('other bodies compare by bytes; invalid JSON falls back to bytes', () => {
    const text: [string, string][] = [['content-type', 'text/plain']];
    expect(key(req('/t', { method: 'POST', headers: text, body: 'a b' }))).toBe(
      key(req('/t', { method: 'POST', headers: text, body: Buffer.from('a b') })),
    );
    expect(key(req('/t', { method: 'POST', headers: text, body: '{"a":1}' }))).not.toBe(
      key(req('/t', { method: 'POST', headers: text, body: '{ "a": 1 }' })),
    );
    expect(key(req('/t', { method: 'POST', headers: json, body: '{bad' }))).not.toBe(
      key(req('/t', { method: 'POST', headers: json, body: '{bad ' })),
    );
    expect(key(req('/t', { method: 'POST', headers: text, body: '' }))).toBe(key(req('/t', { method: 'POST' })));
  });

  it('ignoreBody ignores the body entirely', () => {
    const a = req('/u', { method: 'POST', headers: json, body: '{"n":1}' });
    const b = req('/u', { method: 'POST', headers: json, body: '{"n":2}' });
    expect(key(a, { ignoreBody: true })).toBe(key(b, { ignoreBody: true }));
    expect(key(a)).not.toBe(key(b));
  });

  it('headers count only when configured (names case-insensitive, values redacted)', () => {
    const a = req('/h', {
      headers: [
        ['Accept', 'application/json'],
        ['X-Trace', '1'],
        ['Authorization', 'Bearer one'],
      ],
    });
    const b = req('/h', {
      headers: [
        ['accept', 'text/html'],
        ['X-Trace', '2'],
        ['authorization', 'Bearer two'],
      ],
    });
    expect(key(a)).toBe(key(b));
    expect(key(a, { headers: ['accept'] })).not.toBe(key(b, { headers: ['accept'] }));
    expect(key(a, { headers: ['authorization'] })).toBe(key(b, { headers: ['authorization'] }));
    expect(key(a, { headers: ['x-absent'] })).toBe(key(b, { headers: ['x-absent'] }));
    expect(key(a, { headers: ['Accept'] })).toBe(key(req('/h', { headers: [['ACCEPT', 'application/json']] }), { headers: ['accept'] }));
  });

  it('normalizeBody sees the parsed, redacted JSON (or the raw Buffer) and decides what is compared', () => {
    const seen: unknown[] = [];
    const options: MatchOptions = {
      normalizeBody: (body) => {
        seen.push(body);
        if (Buffer.isBuffer(body)) return body.toString('utf8').replace(/ts=\d+/, '');
        const { sentAt: _sentAt, ...rest } = body as Record<string, unknown>;
        return rest;
      },
    };
    const a = req('/e', { method: 'POST', headers: json, body: '{"event":"x","sentAt":1,"token":"t1"}' });
    const b = req('/e', { method: 'POST', headers: json, body: '{"event":"x","sentAt":2,"token":"t2"}' });
    expect(key(a, options)).toBe(key(b, options));
    expect(key(a)).not.toBe(key(b));
    expect(seen[0]).toEqual({ event: 'x', sentAt: 1, token: '[REDACTED]' });
    const t1 = req('/e', { method: 'POST', headers: [['content-type', 'text/plain']], body: 'ping ts=1' });
    const t2 = req('/e', { method: 'POST', headers: [['content-type', 'text/plain']], body: 'ping ts=2' });
    expect(key(t1, options)).toBe(key(t2, options));
    expect(Buffer.isBuffer(seen[seen.length - 1])).toBe(true);
  });

  it('a fixture request gives the key its live request had', () => {
    const live = req('/users?b=2&a=x%20y&token=live', {
      method: 'post',
      headers: [
        ['Content-Type', 'application/json'],
        ['Accept', '*/*'],
      ],
      body: '{"b":1,"password":"pw"}',
    });
    const stored: FixtureRequest = {
      method: 'POST',
      path: '/users',
      query: [
        ['b', '2'],
        ['a', 'x y'],
        ['token', '[REDACTED]'],
      ],
      headers: [
        ['content-type', 'application/json'],
        ['accept', '*/*'],
      ],
      body: { encoding: 'json', json: { b: 1, password: '[REDACTED]' } },
    };
    const load = (body: StoredBody): Buffer => {
      if (body !== null && body.encoding === 'json') return Buffer.from(JSON.stringify(body.json, null, 2));
      throw new Error('unexpected body');
    };
    const fromFixture = matchableFromFixture(stored, load);
    expect(fromFixture.contentType).toBe('application/json');
    expect(key(fromFixture, { headers: ['accept'] })).toBe(key(live, { headers: ['accept'] }));
    expect(matchableFromFixture({ ...stored, body: null }, load).body.length).toBe(0);
  });
});

describe('validateMatchOptions', () => {
  it('returns only the given options, header names lower-case', () => {
    expect(validateMatchOptions(undefined)).toEqual({});
    expect(validateMatchOptions({ headers: ['Accept'], ignoreQuery: ['_'], ignoreBody: false })).toEqual({
      headers: ['accept'],
      ignoreQuery: ['_'],
      ignoreBody: false,
    });
  });

  function configError(options: unknown): [string, string] {
    try {
      validateMatchOptions(options);
    } catch (err) {
      if (isConfigError(err)) return [err.option, err.message];
      throw err;
    }
    throw new Error('expected a ConfigError');
  }

  it.each([
    [[], 'match', "Invalid option `match`: []. Must be an object like { headers: ['accept'], ignoreQuery: ['_'] }."],
    [
      { ignoreQueries: ['page'] },
      'match.ignoreQueries',
      'Unknown option `match.ignoreQueries`. Allowed options in `match`: headers, ignoreQuery, ignoreBody, normalizeBody, matcher.',
    ],
    [
      { headers: 'accept' },
      'match.headers',
      'Invalid option `match.headers`: "accept". Must be an array of non-empty strings, e.g. [\'accept\'].',
    ],
    [
      { ignoreQuery: [1] },
      'match.ignoreQuery',
      "Invalid option `match.ignoreQuery`: [1]. Must be an array of non-empty strings, e.g. ['_', 'timestamp'].",
    ],
    [{ ignoreBody: 'yes' }, 'match.ignoreBody', 'Invalid option `match.ignoreBody`: "yes". Must be true or false.'],
    [
      { normalizeBody: {} },
      'match.normalizeBody',
      'Invalid option `match.normalizeBody`: {}. Must be a function (body, request) => normalised body.',
    ],
    [{ matcher: true }, 'match.matcher', 'Invalid option `match.matcher`: true. Must be a function (request, fixture) => boolean.'],
  ])('%j → ConfigError %s', (options, option, message) => {
    expect(configError(options)).toEqual([option, message]);
  });
});
