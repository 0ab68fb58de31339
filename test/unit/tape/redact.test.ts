import { describe, expect, it } from '@jest/globals';
import { isConfigError } from '../../../src/errors.js';
import {
  DEFAULT_REDACTED_HEADERS,
  REDACTED,
  type RedactionField,
  type RedactionOptions,
  createRedactor,
  isJsonContentType,
  redactBody,
} from '../../../src/tape/redact.js';

const redactor = createRedactor();

describe('headers: secrets redacted by default, names compared case-insensitively', () => {
  it.each([
    ['Authorization', 'Bearer abc.def', 'Bearer [REDACTED]'],
    ['authorization', 'Basic dXNlcjpwYXNz', 'Basic [REDACTED]'],
    ['AUTHORIZATION', 'justatoken', '[REDACTED]'],
    ['Proxy-Authorization', 'Digest username="a", response="b"', 'Digest [REDACTED]'],
    ['X-Api-Key', 'k-123', '[REDACTED]'],
    ['api-key', 'k-123', '[REDACTED]'],
    ['X-Auth-Token', 't', '[REDACTED]'],
    ['x-access-token', 't', '[REDACTED]'],
    ['X-CSRF-Token', 't', '[REDACTED]'],
    ['x-xsrf-token', 't', '[REDACTED]'],
    ['X-Amz-Security-Token', 't', '[REDACTED]'],
    ['X-MyCorp-Session-Token', 't', '[REDACTED]'],
    ['x-client-secret-v2', 's', '[REDACTED]'],
    ['my_api_key', 's', '[REDACTED]'],
    ['Cookie', 'sid=abc; theme=dark', 'sid=[REDACTED]; theme=[REDACTED]'],
    ['cookie', 'lonely', '[REDACTED]'],
    [
      'Set-Cookie',
      'session=abc; Path=/; HttpOnly; Expires=Wed, 21 Oct 2026 07:28:00 GMT',
      'session=[REDACTED]; Path=/; HttpOnly; Expires=Wed, 21 Oct 2026 07:28:00 GMT',
    ],
    ['set-cookie', 'id=1', 'id=[REDACTED]'],
    [
      'Location',
      'https://app.test/cb?code=ok&access_token=abc#id_token=xyz&state=1',
      'https://app.test/cb?code=ok&access_token=[REDACTED]#id_token=[REDACTED]&state=1',
    ],
    ['Accept', 'application/json', 'application/json'],
    ['Content-Type', 'application/json', 'application/json'],
    ['X-Request-Id', 'r-1', 'r-1'],
  ])('%s: %s → %s', (name, value, expected) => {
    expect(redactor.headers([[name, value]])).toEqual([[name, expected]]);
  });

  it('keeps order, names as given and repeated headers', () => {
    const input: [string, string][] = [
      ['Set-Cookie', 'a=1'],
      ['X-Other', 'v'],
      ['Set-Cookie', 'b=2; Secure'],
    ];
    expect(redactor.headers(input)).toEqual([
      ['Set-Cookie', 'a=[REDACTED]'],
      ['X-Other', 'v'],
      ['Set-Cookie', 'b=[REDACTED]; Secure'],
    ]);
    expect(input[0]).toEqual(['Set-Cookie', 'a=1']);
  });

  it('is idempotent', () => {
    const once = redactor.headers([
      ['authorization', 'Bearer x'],
      ['cookie', 'a=1; b=2'],
      ['set-cookie', 'a=1; Path=/'],
    ]);
    expect(redactor.headers(once)).toEqual(once);
  });

  it('isSecretHeader says which values must never be logged', () => {
    expect(DEFAULT_REDACTED_HEADERS.map((name) => redactor.isSecretHeader(name.toUpperCase()))).not.toContain(false);
    expect(redactor.isSecretHeader('X-Team-Token')).toBe(true);
    expect(redactor.isSecretHeader('content-type')).toBe(false);
    expect(redactor.isSecretHeader('location')).toBe(false);
  });
});

describe('query parameters', () => {
  it.each([
    'api_key',
    'apikey',
    'api-key',
    'API_KEY',
    'apiKey',
    'access_token',
    'accessToken',
    'refresh_token',
    'id_token',
    'token',
    'Token',
    'key',
    'password',
    'passwd',
    'secret',
    'client_secret',
    'signature',
    'sig',
    'auth',
    'X-Amz-Signature',
    'X-Amz-Credential',
  ])('%s is redacted', (name) => {
    expect(redactor.query([[name, 'value']])).toEqual([[name, REDACTED]]);
  });

  it('keeps other parameters, order and repeats', () => {
    expect(
      redactor.query([
        ['page', '2'],
        ['token', 'a'],
        ['token', 'b'],
        ['q', 'x y'],
      ]),
    ).toEqual([
      ['page', '2'],
      ['token', REDACTED],
      ['token', REDACTED],
      ['q', 'x y'],
    ]);
  });

  it('url() redacts secrets in a URL and keeps everything else as written', () => {
    expect(redactor.url('/x?token=abc')).toBe('/x?token=[REDACTED]');
    expect(redactor.url('/search?q=a%20b&api%5Fkey=abc&page=2')).toBe('/search?q=a%20b&api%5Fkey=[REDACTED]&page=2');
    expect(redactor.url('/x?flag&token&password=')).toBe('/x?flag&token=[REDACTED]&password=[REDACTED]');
    expect(redactor.url('/plain/path')).toBe('/plain/path');
    expect(redactor.url('http://user:pw@api.test/x?key=1')).toBe('http://[REDACTED]@api.test/x?key=[REDACTED]');
  });

  it('form() redacts form bodies the same way', () => {
    expect(redactor.form('grant_type=password&username=ann&password=s3cret&client_secret=x')).toBe(
      'grant_type=password&username=ann&password=[REDACTED]&client_secret=[REDACTED]',
    );
  });
});

describe('JSON bodies', () => {
  it('redacts default keys at any depth, any value type, as a deep copy', () => {
    const input = {
      user: { name: 'Ann', password: 'pw', profile: { apiKey: 'k', tags: ['a'] } },
      items: [{ token: 't', id: 1 }, { secret: { nested: true } }],
      refresh_token: null,
      count: 3,
    };
    const copy = structuredClone(input);
    expect(redactor.json(input)).toEqual({
      user: { name: 'Ann', password: REDACTED, profile: { apiKey: REDACTED, tags: ['a'] } },
      items: [{ token: REDACTED, id: 1 }, { secret: REDACTED }],
      refresh_token: REDACTED,
      count: 3,
    });
    expect(input).toEqual(copy);
  });

  it('redacts secret query parameters inside URL-like strings', () => {
    expect(redactor.json({ next: 'https://api.test/items?page=2&access_token=abc', self: '/items?page=1' })).toEqual({
      next: 'https://api.test/items?page=2&access_token=[REDACTED]',
      self: '/items?page=1',
    });
  });

  it('extra keys (any depth) and JSON paths', () => {
    const custom = createRedactor({ jsonPaths: ['SSN', '$.items[*].card', '$.owner.phone', "$['odd key']", '$.list[1]', '$.meta.*'] });
    expect(
      custom.json({
        ssn: '1',
        deep: { ssn: '2' },
        items: [{ card: '4111', n: 1 }, { card: '5500' }],
        card: 'top-level card is not on the path',
        owner: { phone: '555', name: 'Ann' },
        other: { phone: 'not on the path' },
        'odd key': 'x',
        list: ['a', 'b', 'c'],
        meta: { a: 1, b: { c: 2 } },
      }),
    ).toEqual({
      ssn: REDACTED,
      deep: { ssn: REDACTED },
      items: [{ card: REDACTED, n: 1 }, { card: REDACTED }],
      card: 'top-level card is not on the path',
      owner: { phone: REDACTED, name: 'Ann' },
      other: { phone: 'not on the path' },
      'odd key': REDACTED,
      list: ['a', REDACTED, 'c'],
      meta: { a: REDACTED, b: REDACTED },
    });
  });

  it('keeps a JSON "__proto__" key as data', () => {
    const out = redactor.json(JSON.parse('{"__proto__":{"password":"pw"},"a":1}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"password":"[REDACTED]"},"a":1}');
  });

  it('redactBody: same Buffer when nothing changed, redacted JSON or form otherwise', () => {
    const clean = Buffer.from('{ "a": 1 }');
    expect(redactBody(clean, 'application/json', redactor)).toBe(clean);
    expect(redactBody(Buffer.from('{"password":"pw","a":1}'), 'application/json; charset=utf-8', redactor).toString()).toBe(
      '{"password":"[REDACTED]","a":1}',
    );
    expect(redactBody(Buffer.from('password=pw&a=1'), 'application/x-www-form-urlencoded', redactor).toString()).toBe(
      'password=[REDACTED]&a=1',
    );
    const text = Buffer.from('password=pw');
    expect(redactBody(text, 'text/plain', redactor)).toBe(text);
    expect(redactBody(Buffer.from('{not json'), 'application/json', redactor).toString()).toBe('{not json');
  });

  it.each([
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/problem+json', true],
    ['application/vnd.api+json', true],
    ['text/json', true],
    ['application/jsonp', false],
    ['text/plain', false],
  ])('isJsonContentType(%s) is %s', (type, expected) => {
    expect(isJsonContentType(type)).toBe(expected);
  });
});

describe('options', () => {
  it('extra header and query names add to the defaults', () => {
    const custom = createRedactor({ headers: ['X-Tenant'], query: ['session_key'] });
    expect(
      custom.headers([
        ['x-tenant', 'a'],
        ['authorization', 'Bearer b'],
      ]),
    ).toEqual([
      ['x-tenant', REDACTED],
      ['authorization', 'Bearer [REDACTED]'],
    ]);
    expect(
      custom.query([
        ['SessionKey', 'a'],
        ['token', 'b'],
      ]),
    ).toEqual([
      ['SessionKey', REDACTED],
      ['token', REDACTED],
    ]);
  });

  it('defaults: false keeps only the explicit lists', () => {
    const custom = createRedactor({ defaults: false, headers: ['x-only'], query: ['only'], jsonPaths: ['only'] });
    expect(
      custom.headers([
        ['authorization', 'Bearer b'],
        ['x-only', 'v'],
        ['x-team-token', 't'],
      ]),
    ).toEqual([
      ['authorization', 'Bearer b'],
      ['x-only', REDACTED],
      ['x-team-token', 't'],
    ]);
    expect(custom.url('/x?token=a&only=b')).toBe('/x?token=a&only=[REDACTED]');
    expect(custom.json({ password: 'p', only: 'o' })).toEqual({ password: 'p', only: REDACTED });
    expect(custom.isSecretHeader('authorization')).toBe(false);
  });

  it('custom has the last say on every field and sees the original value', () => {
    const seen: RedactionField[] = [];
    const custom = createRedactor({
      custom: (field) => {
        seen.push(field);
        if (field.name === 'x-user') return field.value.replace(/@.*/, '@…');
        if (field.name === 'authorization') return 'Bearer <token>';
        if (field.kind === 'query' && field.name === 'email') return REDACTED;
        if (field.kind === 'json' && field.name === '$.user.ssn') return REDACTED;
        return undefined;
      },
    });
    expect(
      custom.headers([
        ['X-User', 'ann@example.com'],
        ['Authorization', 'Bearer abc'],
        ['accept', '*/*'],
      ]),
    ).toEqual([
      ['X-User', 'ann@…'],
      ['Authorization', 'Bearer <token>'],
      ['accept', '*/*'],
    ]);
    expect(custom.url('/x?email=a%40b.test&page=1')).toBe('/x?email=[REDACTED]&page=1');
    expect(custom.json({ user: { ssn: '123', age: 40, password: 'pw' } })).toEqual({
      user: { ssn: REDACTED, age: 40, password: REDACTED },
    });
    expect(seen).toContainEqual({ kind: 'header', name: 'authorization', value: 'Bearer abc' });
    expect(seen).toContainEqual({ kind: 'query', name: 'email', value: 'a@b.test' });
    expect(seen).toContainEqual({ kind: 'json', name: '$.user.age', value: '40' });
    expect(seen).toContainEqual({ kind: 'json', name: '$.user.password', value: 'pw' });
  });

  function configError(options: unknown): [string, string] {
    try {
      createRedactor(options as RedactionOptions);
    } catch (err) {
      if (isConfigError(err)) return [err.option, err.message];
      throw err;
    }
    throw new Error('expected a ConfigError');
  }

  it.each([
    ['x', 'redact', 'Invalid option `redact`: "x". Must be an object like { headers: [\'x-secret\'] }.'],
    [
      { header: ['a'] },
      'redact.header',
      'Unknown option `redact.header`. Allowed options in `redact`: headers, query, jsonPaths, custom, defaults.',
    ],
    [
      { headers: 'x-secret' },
      'redact.headers',
      'Invalid option `redact.headers`: "x-secret". Must be an array of non-empty strings, e.g. [\'x-tenant-secret\'].',
    ],
    [
      { query: [''] },
      'redact.query',
      'Invalid option `redact.query`: [""]. Must be an array of non-empty strings, e.g. [\'session_key\'].',
    ],
    [
      { jsonPaths: [1] },
      'redact.jsonPaths',
      "Invalid option `redact.jsonPaths`: [1]. Must be an array of non-empty strings, e.g. ['ssn', '$.user.card'].",
    ],
    [
      { jsonPaths: ['$..card'] },
      'redact.jsonPaths',
      'Invalid option `redact.jsonPaths`: "$..card": recursive descent (`..`) is not supported; give the bare key name to match it at any depth.',
    ],
    [
      { jsonPaths: ['$.items[x]'] },
      'redact.jsonPaths',
      'Invalid option `redact.jsonPaths`: "$.items[x]": unexpected `[x]` (use .name, [\'name\'], [0] or [*]).',
    ],
    [{ jsonPaths: ['$'] }, 'redact.jsonPaths', 'Invalid option `redact.jsonPaths`: "$": the path must name a field below `$`.'],
    [{ defaults: 'no' }, 'redact.defaults', 'Invalid option `redact.defaults`: "no". Must be true or false.'],
    [
      { custom: 'REDACTED' },
      'redact.custom',
      'Invalid option `redact.custom`: "REDACTED". Must be a function ({ kind, name, value }) => string | undefined.',
    ],
  ])('%j → ConfigError %s', (options, option, message) => {
    expect(configError(options)).toEqual([option, message]);
  });
});
