import { describe, expect, test } from '@jest/globals';
import { harToFixtures } from '../../../src/har/import.js';
import { readHarEntries } from '../../../src/har/validate.js';
import { matchKey, matchableRequest } from '../../../src/tape/match.js';
import { createRedactor } from '../../../src/tape/redact.js';
import { devtoolsHar, pollyHar } from './samples.js';

const redactor = createRedactor();

describe('harToFixtures: a browser devtools HAR', () => {
  const { fixtures, skipped } = harToFixtures(readHarEntries(devtoolsHar()));
  const [users, login] = fixtures;

  test('skips the entry the browser got no response for, naming it', () => {
    expect(fixtures.map((f) => f.index)).toEqual([0, 1]);
    expect(skipped).toEqual([{ index: 2, reason: 'response.status is 0 (no response: the request failed, was blocked or cancelled)' }]);
  });

  test('stores the request as the proxy would: pseudo-headers, Host-like and framing headers out, secrets redacted', () => {
    expect(users!.cassette).toBe('default');
    expect(users!.hostDir).toBe('api.example.com');
    expect(users!.fixture.request).toEqual({
      method: 'GET',
      path: '/v1/users',
      query: [
        ['page', '2'],
        ['token', '[REDACTED]'],
      ],
      headers: [
        ['accept', 'application/json'],
        ['accept-encoding', 'gzip, deflate, br'],
        ['authorization', 'Bearer [REDACTED]'],
        ['cookie', 'sid=[REDACTED]; theme=[REDACTED]'],
        ['user-agent', 'Mozilla/5.0'],
      ],
      body: null,
    });
  });

  test('keeps the decoded body, notes gzip for replay, drops volatile and length headers, redacts JSON secrets and Set-Cookie', () => {
    expect(users!.fixture.response).toEqual({
      status: 200,
      statusText: '',
      headers: [
        ['content-type', 'application/json; charset=utf-8'],
        ['set-cookie', 'sid=[REDACTED]; Path=/; HttpOnly'],
      ],
      contentEncoding: 'gzip',
      body: { encoding: 'json', json: { users: [{ id: 1, name: 'Ada' }], password: '[REDACTED]', page: 2 } },
    });
  });

  test('computes the match key the proxy computes for the same live request', () => {
    const live = matchableRequest({
      method: 'GET',
      url: '/v1/users?token=other-secret&page=2',
      headers: [['accept', 'application/json']],
    });
    expect(users!.fixture.match).toEqual({ key: matchKey(live, {}, redactor), sequence: 0 });
    const post = matchableRequest({
      method: 'POST',
      url: '/v1/login',
      headers: [['content-type', 'application/json']],
      body: '{"user":"ada","password":"another-pw"}',
    });
    expect(login!.fixture.match.key).toBe(matchKey(post, {}, redactor));
  });

  test('redacts the request body and keeps a base64 response body as bytes', () => {
    expect(login!.fixture.request.body).toEqual({ encoding: 'json', json: { user: 'ada', password: '[REDACTED]' } });
    expect(login!.fixture.response.body).toEqual({ encoding: 'base64', base64: 'iVBORw==' });
  });
});

describe('harToFixtures: a Polly.js HAR', () => {
  test('gives repeated identical requests sequences 0, 1, 2 in HAR order, ignoring Polly fields', () => {
    const { fixtures } = harToFixtures(readHarEntries(pollyHar()));
    expect(fixtures.map((f) => [f.hostDir, f.fixture.match.sequence, f.fixture.response.body])).toEqual([
      ['localhost', 0, { encoding: 'json', json: { count: 1 } }],
      ['localhost', 1, { encoding: 'json', json: { count: 2 } }],
      ['localhost', 2, { encoding: 'json', json: { count: 3 } }],
    ]);
    expect(new Set(fixtures.map((f) => f.fixture.match.key)).size).toBe(1);
    expect(fixtures[0]!.fixture.response.headers).toEqual([['content-type', 'application/json; charset=utf-8']]);
  });
});

describe('harToFixtures options and edge cases', () => {
  const entry = (request: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown => ({
    log: {
      version: '1.2',
      entries: [{ request: { headers: [], ...request }, response: { status: 200, content: { text: 'ok' } }, ...extra }],
    },
  });

  test('--cassette wins over _proxytape.cassette, which wins over default', () => {
    const har = entry({ method: 'GET', url: 'http://a.test/x' }, { _proxytape: { cassette: 'users/list', sequence: 0, fixture: 'x' } });
    expect(harToFixtures(readHarEntries(har))).toMatchObject({ fixtures: [{ cassette: 'users/list' }] });
    expect(harToFixtures(readHarEntries(har), { cassette: 'other' })).toMatchObject({ fixtures: [{ cassette: 'other' }] });
  });

  test('a _proxytape.cassette that is not a valid name is refused, naming the field', () => {
    const har = entry({ method: 'GET', url: 'http://a.test/x' }, { _proxytape: { cassette: '../up', sequence: 0, fixture: 'x' } });
    expect(() => harToFixtures(readHarEntries(har))).toThrow(
      /^Invalid HAR: log\.entries\[0\]\._proxytape\.cassette is not a valid cassette name \(Invalid cassette name "\.\.\/up": it has a "\.\." segment/,
    );
  });

  test('a body type only in postData.mimeType becomes the Content-Type header the replaying client sends', () => {
    const har = entry({
      method: 'POST',
      url: 'http://a.test/form',
      postData: { mimeType: 'application/x-www-form-urlencoded', text: 'a=1&password=pw' },
    });
    const [imported] = harToFixtures(readHarEntries(har)).fixtures;
    expect(imported!.fixture.request.headers).toEqual([['content-type', 'application/x-www-form-urlencoded']]);
    expect(imported!.fixture.request.body).toEqual({ encoding: 'text', text: 'a=1&password=[REDACTED]' });
  });

  test('postData with params only is rebuilt as an urlencoded body', () => {
    const har = entry({
      method: 'POST',
      url: 'http://a.test/form',
      headers: [{ name: 'Content-Type', value: 'application/x-www-form-urlencoded' }],
      postData: { mimeType: 'application/x-www-form-urlencoded', params: [{ name: 'q', value: 'a b' }, { name: 'n' }] },
    });
    expect(harToFixtures(readHarEntries(har)).fixtures[0]!.fixture.request.body).toEqual({ encoding: 'text', text: 'q=a%20b&n=' });
  });

  test('the path is kept as written (not re-encoded) and an empty path is /', () => {
    const har = {
      log: {
        entries: ['http://a.test/caf%C3%A9/x%2Fy?', 'http://a.test?x=1'].map((url) => ({
          request: { method: 'GET', url },
          response: { status: 204 },
        })),
      },
    };
    expect(harToFixtures(readHarEntries(har)).fixtures.map((f) => [f.fixture.request.path, f.fixture.request.query])).toEqual([
      ['/caf%C3%A9/x%2Fy', []],
      ['/', [['x', '1']]],
    ]);
  });

  test('ignore options of the replaying proxy go into the key', () => {
    const har = entry({ method: 'GET', url: 'http://a.test/x?_ts=1' });
    const [imported] = harToFixtures(readHarEntries(har), { match: { ignoreQuery: ['_ts'] } }).fixtures;
    expect(imported!.fixture.match.key).toBe(
      matchKey(matchableRequest({ method: 'GET', url: '/x?_ts=999' }), { ignoreQuery: ['_ts'] }, redactor),
    );
  });

  test('an entry that cannot be a fixture is refused with its index', () => {
    const har = { log: { entries: [{ request: { method: 'GET', url: 'http://a.test/' }, response: { status: 42 } }] } };
    expect(() => harToFixtures(readHarEntries(har))).toThrow(
      'Invalid HAR: log.entries[0] cannot be stored as a fixture: "response.status" must be an integer from 100 to 999, got 42',
    );
  });
});
