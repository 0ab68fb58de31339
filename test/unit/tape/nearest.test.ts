import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { type MatchOptions, type MatchableRequest, matchableFromFixture, matchableRequest } from '../../../src/tape/match.js';
import { type MissCandidate, type MissExplanation, explainMiss, missMessage } from '../../../src/tape/nearest.js';
import { FIXTURE_VERSION, type Fixture, type FixtureRequest, type StoredBody } from '../../../src/tape/types.js';

const JSON_TYPE: [string, string][] = [['content-type', 'application/json']];

function live(method: string, url: string, init: { headers?: [string, string][]; body?: string } = {}): MatchableRequest {
  return matchableRequest({ method, url, headers: init.headers ?? [], ...(init.body === undefined ? {} : { body: init.body }) });
}

function fixture(request: Partial<FixtureRequest> & { method: string; path: string }): Fixture {
  return {
    version: FIXTURE_VERSION,
    match: { key: 'k', sequence: 0 },
    request: { query: [], headers: [], body: null, ...request },
    response: { status: 200, statusText: 'OK', headers: [], body: null },
  };
}

function loadBody(body: StoredBody): Buffer {
  if (body === null) return Buffer.alloc(0);
  if (body.encoding === 'json') return Buffer.from(JSON.stringify(body.json));
  if (body.encoding === 'text') return Buffer.from(body.text);
  throw new Error(`unexpected ${body.encoding}`);
}

function candidates(...fixtures: Fixture[]): MissCandidate[] {
  return fixtures.map((f, i) => ({
    fixture: f,
    path: `fixtures/default/${f.request.method}-${i}.json`,
    request: matchableFromFixture(f.request, loadBody),
  }));
}

function explain(request: MatchableRequest, list: MissCandidate[], options: MatchOptions = {}): [string | undefined, string[]] {
  const explanation = explainMiss(request, list, options);
  return [explanation.nearestPath, explanation.differences];
}

describe('explainMiss picks the nearest fixture and lists what differs', () => {
  it('no candidates: no nearest', () => {
    expect(explainMiss(live('GET', '/x'), [], {})).toEqual({ nearest: undefined, nearestPath: undefined, differences: [] });
  });

  it('a different id in the path', () => {
    const list = candidates(
      fixture({ method: 'GET', path: '/orders' }),
      fixture({ method: 'GET', path: '/users/1' }),
      fixture({ method: 'POST', path: '/users' }),
    );
    expect(explain(live('GET', '/users/2'), list)).toEqual(['fixtures/default/GET-1.json', ['path: /users/2 ≠ /users/1']]);
  });

  it('same method and path weigh most, even against many other differences', () => {
    const list = candidates(
      fixture({ method: 'GET', path: '/other', query: [['page', '3']] }),
      fixture({
        method: 'GET',
        path: '/items',
        query: [
          ['page', '2'],
          ['sort', 'asc'],
        ],
      }),
    );
    expect(explain(live('GET', '/items?page=3'), list)).toEqual([
      'fixtures/default/GET-1.json',
      ['query page: "3" ≠ "2"', 'query sort: (absent) ≠ "asc"'],
    ]);
  });

  it('a different method on the same path', () => {
    const list = candidates(fixture({ method: 'GET', path: '/orders' }), fixture({ method: 'GET', path: '/users' }));
    expect(explain(live('POST', '/users'), list)).toEqual(['fixtures/default/GET-1.json', ['method: POST ≠ GET']]);
  });

  it('query: fewest differences win; repeats, absent values and ignored parameters', () => {
    const list = candidates(
      fixture({
        method: 'GET',
        path: '/s',
        query: [
          ['q', 'cats'],
          ['page', '1'],
          ['tag', 'a'],
        ],
      }),
      fixture({
        method: 'GET',
        path: '/s',
        query: [
          ['q', 'cats'],
          ['page', '2'],
          ['_', '1'],
          ['tag', 'a'],
          ['tag', 'b'],
        ],
      }),
    );
    expect(explain(live('GET', '/s?q=cats&page=2&tag=a&tag=c&_=9'), list, { ignoreQuery: ['_'] })).toEqual([
      'fixtures/default/GET-1.json',
      ['query tag: "a", "c" ≠ "a", "b"'],
    ]);
  });

  it('redacted query values are no difference and are never shown', () => {
    const list = candidates(
      fixture({
        method: 'GET',
        path: '/s',
        query: [
          ['token', '[REDACTED]'],
          ['page', '1'],
        ],
      }),
    );
    expect(explain(live('GET', '/s?token=live-secret&page=2'), list)).toEqual(['fixtures/default/GET-0.json', ['query page: "2" ≠ "1"']]);
    const missing = candidates(fixture({ method: 'GET', path: '/s' }));
    expect(explain(live('GET', '/s?api_key=live-secret'), missing)[1]).toEqual(['query api_key: "[REDACTED]" ≠ (absent)']);
  });

  it('JSON bodies: structural differences by JSON path, redacted', () => {
    const list = candidates(
      fixture({ method: 'POST', path: '/users', headers: JSON_TYPE, body: { encoding: 'json', json: { name: 'Zed', age: 1, tags: [] } } }),
      fixture({
        method: 'POST',
        path: '/users',
        headers: JSON_TYPE,
        body: { encoding: 'json', json: { name: 'Ann', password: '[REDACTED]', address: { city: 'Oslo' }, tags: ['a'] } },
      }),
    );
    const request = live('POST', '/users', {
      headers: JSON_TYPE,
      body: '{"tags":["a","b"],"password":"hunter2","address":{"city":"Rome"},"name":"Bob"}',
    });
    expect(explain(request, list)).toEqual([
      'fixtures/default/POST-1.json',
      ['body: $.address.city "Rome" ≠ "Oslo"', 'body: $.name "Bob" ≠ "Ann"', 'body: $.tags[1] "b" ≠ (absent)'],
    ]);
  });

  it('many body differences are summarised', () => {
    const recorded = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, i]));
    const list = candidates(fixture({ method: 'POST', path: '/b', headers: JSON_TYPE, body: { encoding: 'json', json: recorded } }));
    const sent = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, i + 1]));
    expect(explain(live('POST', '/b', { headers: JSON_TYPE, body: JSON.stringify(sent) }), list)[1]).toEqual([
      'body: $.f0 1 ≠ 0',
      'body: $.f1 2 ≠ 1',
      'body: $.f2 3 ≠ 2',
      'body: $.f3 4 ≠ 3',
      'body: $.f4 5 ≠ 4',
      'body: … and 3 more differences',
    ]);
  });

  it('other bodies: sizes and where they differ, never the content', () => {
    const text: [string, string][] = [['content-type', 'text/plain']];
    const list = candidates(fixture({ method: 'PUT', path: '/t', headers: text, body: { encoding: 'text', text: 'secret=one' } }));
    expect(explain(live('PUT', '/t', { headers: text, body: 'secret=two!' }), list)[1]).toEqual([
      'body: 11 bytes ≠ 10 bytes (first difference at byte 7)',
    ]);
    expect(explain(live('PUT', '/t', { headers: text }), list)[1]).toEqual(['body: (empty) ≠ 10 bytes']);
  });

  it('ignoreBody and normalizeBody apply as in matching', () => {
    const list = candidates(fixture({ method: 'POST', path: '/e', headers: JSON_TYPE, body: { encoding: 'json', json: { e: 1, at: 5 } } }));
    const request = live('POST', '/e', { headers: JSON_TYPE, body: '{"e":2,"at":6}' });
    expect(explain(request, list, { ignoreBody: true })[1]).toEqual([]);
    const dropAt = (body: unknown): unknown => ({ ...(body as object), at: undefined });
    expect(explain(request, list, { normalizeBody: dropAt })[1]).toEqual(['body: $.e 2 ≠ 1']);
  });

  it('configured headers are compared, redacted', () => {
    const list = candidates(
      fixture({
        method: 'GET',
        path: '/h',
        headers: [
          ['accept', 'text/html'],
          ['authorization', 'Bearer [REDACTED]'],
        ],
      }),
    );
    const request = live('GET', '/h', {
      headers: [
        ['Accept', 'application/json'],
        ['Authorization', 'Basic c2VjcmV0'],
      ],
    });
    expect(explain(request, list, { headers: ['accept', 'authorization'] })[1]).toEqual([
      'header accept: "application/json" ≠ "text/html"',
      'header authorization: "Basic [REDACTED]" ≠ "Bearer [REDACTED]"',
    ]);
    expect(explain(request, list)[1]).toEqual([]);
  });

  it('a custom matcher that refused is named when nothing else differs', () => {
    const list = candidates(fixture({ method: 'GET', path: '/m' }));
    expect(explain(live('GET', '/m'), list, { matcher: () => false })[1]).toEqual([
      'matcher: the custom matcher did not accept this fixture',
    ]);
  });

  it('bodies load lazily, only for the closest candidates', () => {
    let loads = 0;
    const list: MissCandidate[] = Array.from({ length: 2_000 }, (_, i) => {
      const f = fixture({ method: 'GET', path: `/p/${i}` });
      return {
        fixture: f,
        path: `f${i}.json`,
        request: () => {
          loads++;
          return matchableFromFixture(f.request, loadBody);
        },
      };
    });
    expect(explain(live('GET', '/p/1999'), list)).toEqual(['f1999.json', []]);
    expect(loads).toBeLessThanOrEqual(50);
  });

  it('a body that cannot be loaded is reported, not thrown', () => {
    const f = fixture({ method: 'GET', path: '/gone' });
    const list: MissCandidate[] = [
      {
        fixture: f,
        path: 'gone.json',
        request: () => {
          throw new Error('sidecar missing');
        },
      },
    ];
    expect(explain(live('GET', '/gone'), list)[1]).toEqual(['body: not compared (sidecar missing)']);
  });
});

describe('missMessage', () => {
  const users1 = fixture({ method: 'GET', path: '/users/1' });

  function message(explanation: MissExplanation, url = '/users/2', cassette = 'default'): string {
    return missMessage({ method: 'GET', url, mode: 'replay', cassette, explanation });
  }

  it('names the request, the nearest fixture, the differences and the fix', () => {
    expect(
      message({
        nearest: users1,
        nearestPath: 'fixtures/default/127.0.0.1/GET-users-1-3fa2c1d9-0.json',
        differences: ['path: /users/2 ≠ /users/1'],
      }),
    ).toBe(
      [
        'Failed to replay GET /users/2 (mode: replay, cassette: default): no fixture matches.',
        'Nearest: GET /users/1 in fixtures/default/127.0.0.1/GET-users-1-3fa2c1d9-0.json',
        '  - path: /users/2 ≠ /users/1',
        'Record it with `proxytape record --target <url>` or run in `auto` mode to record missing requests.',
      ].join('\n'),
    );
  });

  it('suggests ignoring a differing query parameter; URLs are redacted', () => {
    const nearest = fixture({
      method: 'GET',
      path: '/users',
      query: [
        ['page', '2'],
        ['token', '[REDACTED]'],
      ],
    });
    expect(message({ nearest, nearestPath: 'f.json', differences: ['query page: "3" ≠ "2"'] }, '/users?page=3&token=s3cret')).toBe(
      [
        'Failed to replay GET /users?page=3&token=[REDACTED] (mode: replay, cassette: default): no fixture matches.',
        'Nearest: GET /users?page=2&token=[REDACTED] in f.json',
        '  - query page: "3" ≠ "2"',
        'Record it with `proxytape record --target <url>`, run in `auto` mode to record missing requests, or ignore the differing field (e.g. --ignore-query page).',
      ].join('\n'),
    );
  });

  it('suggests ignoring the body when only the body differs', () => {
    expect(
      message({ nearest: users1, nearestPath: 'f.json', differences: ['body: $.n 2 ≠ 1'] })
        .split('\n')
        .at(-1),
    ).toBe(
      'Record it with `proxytape record --target <url>`, run in `auto` mode to record missing requests, or ignore the differing field (e.g. --ignore-body, or a `normalizeBody` match option).',
    );
  });

  it('an empty cassette says so', () => {
    expect(message({ nearest: undefined, nearestPath: undefined, differences: [] }, '/users/2', 'x')).toBe(
      [
        "Failed to replay GET /users/2 (mode: replay, cassette: x): no fixture matches — cassette 'x' has no fixtures.",
        'Record it with `proxytape record --target <url>` or run in `auto` mode to record missing requests.',
      ].join('\n'),
    );
  });

  it('no difference in the compared fields, the root cassette, and an absolute path under the working directory', () => {
    const absolute = path.join(process.cwd(), 'fixtures', 'GET-users-1.json');
    expect(message({ nearest: users1, nearestPath: absolute, differences: [] }, '/users/1', '')).toBe(
      [
        'Failed to replay GET /users/1 (mode: replay, cassette: (root)): no fixture matches.',
        `Nearest: GET /users/1 in ${path.join('fixtures', 'GET-users-1.json')}`,
        '  - no difference in the compared fields (was the fixture recorded with other match options? re-record it)',
        'Record it with `proxytape record --target <url>` or run in `auto` mode to record missing requests.',
      ].join('\n'),
    );
  });
});
