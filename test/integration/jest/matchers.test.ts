import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type http from 'node:http';
import { stripVTControlCharacters } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type RunningProxy, Journal, startProxy } from '../../../src/index.js';
import { setupProxytapeMatchers } from '../../../src/integrations/jest/index.js';
import { createTestServer, type TestServer } from '../../helpers/http-test-server.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';

setupProxytapeMatchers(expect);

/** The message of the assertion `run` makes fail, colours stripped. */
function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return stripVTControlCharacters((error as Error).message);
  }
  throw new Error('the assertion passed, but it was expected to fail');
}

const echo: http.RequestListener = (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true }));
  });
};

let backend: TestServer;
let proxy: RunningProxy;

beforeEach(async () => {
  backend = await createTestServer(echo);
  proxy = await startProxy({ mode: 'record', target: backend.url, fixtures: await makeTempDir('proxytape-jest-') });
});

afterEach(async () => {
  await proxy.close();
  await backend.close();
  await removeTempDirs();
});

async function createUser(): Promise<void> {
  const res = await proxy.cassette('users').fetch('/users?page=2', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret', 'X-Trace-Id': 'trace-1' },
    body: JSON.stringify({ name: 'Ann', roles: ['admin'] }),
  });
  expect(res.status).toBe(200);
  await res.text();
}

describe('toHaveForwarded', () => {
  test('passes on a partial match: method any case, path, header names any case, JSON body', async () => {
    await createUser();
    expect(proxy).toHaveForwarded({ method: 'post', path: '/users' });
    expect(proxy).toHaveForwarded({ headers: { 'x-trace-id': 'trace-1', 'Content-Type': 'application/json' } });
    expect(proxy).toHaveForwarded({ body: { name: 'Ann', roles: ['admin'] }, cassette: 'users' });
    expect(proxy).toHaveForwarded({ url: `${backend.url}/users?page=2` });
    expect(proxy).not.toHaveForwarded({ method: 'GET' });
    expect(proxy).not.toHaveForwarded({ body: { name: 'Ann' } });
  });

  test('accepts asymmetric matchers anywhere', async () => {
    await createUser();
    expect(proxy).toHaveForwarded({
      method: expect.any(String),
      path: expect.stringMatching(/^\/users$/),
      headers: { authorization: expect.stringMatching(/^Bearer /), host: `127.0.0.1:${backend.port}` },
      body: expect.objectContaining({ name: 'Ann' }),
    });
    expect(proxy).toHaveForwarded({ headers: expect.objectContaining({ 'x-trace-id': 'trace-1' }) });
    expect(proxy).not.toHaveForwarded({ body: expect.objectContaining({ name: 'Bob' }) });
  });

  test('sees secrets as redacted: the journal never holds them', async () => {
    await createUser();
    expect(proxy).toHaveForwarded({ headers: { authorization: 'Bearer [REDACTED]' } });
    expect(proxy).not.toHaveForwarded({ headers: { authorization: 'Bearer s3cret' } });
  });

  test('compares a non-JSON body as text', async () => {
    await proxy.cassette('users').fetch('/notes', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '123' });
    expect(proxy).toHaveForwarded({ path: '/notes', body: '123' });
    expect(proxy).not.toHaveForwarded({ body: 123 });
  });

  test('accepts a Journal, an array of entries, and the admin API JSON', async () => {
    await createUser();
    expect(proxy.journal).toBeInstanceOf(Journal);
    expect(proxy.journal).toHaveForwarded({ method: 'POST' });
    expect(proxy.journal.filter('users')).toHaveForwarded({ method: 'POST' });
    expect(proxy.journal.filter('other')).not.toHaveForwarded({ method: 'POST' });
    const res = await fetch(`${proxy.url}/__proxytape/journal?cassette=users`);
    expect(await res.json()).toHaveForwarded({ method: 'POST', body: { name: 'Ann', roles: ['admin'] } });
  });

  test('failure shows the closest entry and a diff', async () => {
    await proxy.cassette('users').fetch('/health');
    await createUser();
    await proxy.cassette('users').fetch('/users/7');
    const message = failure(() => expect(proxy).toHaveForwarded({ method: 'PUT', path: '/users', body: { name: 'Bob' } }));
    expect(message).toBe(
      [
        'expect(received).toHaveForwarded(expected)',
        '',
        'Expected: a forwarded request matching {"body": {"name": "Bob"}, "method": "PUT", "path": "/users"}',
        'Received: 3 forwarded requests; the closest is',
        `          #2 POST ${backend.url}/users?page=2 → 200 recorded, cassette "users"`,
        '',
        '- Expected  - 2',
        '+ Received  + 5',
        '',
        '  Object {',
        '    "body": Object {',
        '-     "name": "Bob",',
        '+     "name": "Ann",',
        '+     "roles": Array [',
        '+       "admin",',
        '+     ],',
        '    },',
        '-   "method": "PUT",',
        '+   "method": "POST",',
        '    "path": "/users",',
        '  }',
      ].join('\n'),
    );
  });

  test('failure with asymmetric matchers diffs only what did not match', async () => {
    await createUser();
    const message = failure(() =>
      expect(proxy).toHaveForwarded({ path: expect.stringMatching(/^\/users/), headers: { 'X-Trace-Id': 'trace-2' } }),
    );
    expect(message).toContain('-     "x-trace-id": "trace-2",\n+     "x-trace-id": "trace-1",');
    expect(message).toContain('    "path": StringMatching /^\\/users/,');
  });

  test('.not failure names the entry that matched', async () => {
    await createUser();
    const message = failure(() => expect(proxy).not.toHaveForwarded({ method: 'POST', headers: { 'x-trace-id': 'trace-1' } }));
    expect(message).toBe(
      [
        'expect(received).not.toHaveForwarded(expected)',
        '',
        'Expected: no forwarded request matching {"headers": {"x-trace-id": "trace-1"}, "method": "POST"}',
        `Received: #1 POST ${backend.url}/users?page=2 → 200 recorded, cassette "users"`,
        '          {"headers": {"x-trace-id": "trace-1"}, "method": "POST"}',
      ].join('\n'),
    );
  });

  test('an empty journal says so', () => {
    expect(failure(() => expect(proxy).toHaveForwarded({ path: '/x' }))).toBe(
      'expect(received).toHaveForwarded(expected)\n\nExpected: a forwarded request matching {"path": "/x"}\nReceived: an empty journal',
    );
  });

  test('misuse is a matcher error naming what is accepted', () => {
    expect(failure(() => expect({ nope: true }).toHaveForwarded({}))).toBe(
      [
        'expect(received).toHaveForwarded(expected)',
        '',
        'Matcher error: received value must be a RunningProxy, a Journal or an array of journal entries',
        '',
        'Received has type:  object',
        'Received has value: {"nope": true}',
      ].join('\n'),
    );
    // @ts-expect-error -- `methd` is not an expectation field; the types catch it before the run does
    expect(failure(() => expect(proxy).toHaveForwarded({ methd: 'GET' }))).toContain(
      'Matcher error: expected value has unknown key "methd"; allowed: method, url, path, cassette, headers, body',
    );
  });
});

describe('toHaveForwardedHeader', () => {
  test('passes when some forwarded request carried the header, names any case, value optional', async () => {
    await createUser();
    expect(proxy).toHaveForwardedHeader('X-TRACE-ID');
    expect(proxy).toHaveForwardedHeader('x-trace-id', 'trace-1');
    expect(proxy).toHaveForwardedHeader('x-trace-id', expect.stringMatching(/^trace-/));
    expect(proxy).not.toHaveForwardedHeader('x-trace-id', 'trace-2');
    expect(proxy).not.toHaveForwardedHeader('x-debug');
    // Hop-by-hop headers are stripped before forwarding.
    expect(proxy).not.toHaveForwardedHeader('connection');
  });

  test('.not failure shows the request that sent it, redacted', async () => {
    await createUser();
    expect(failure(() => expect(proxy).not.toHaveForwardedHeader('Authorization'))).toBe(
      [
        'expect(received).not.toHaveForwardedHeader(name)',
        '',
        'Expected: no forwarded request with header "authorization"',
        'Received: 1 of 1 forwarded request, the first',
        `          #1 POST ${backend.url}/users?page=2 → 200 recorded, cassette "users"`,
        '          sent authorization: "Bearer [REDACTED]"',
      ].join('\n'),
    );
  });

  test('failure with a value diffs against the value sent', async () => {
    await createUser();
    expect(failure(() => expect(proxy).toHaveForwardedHeader('x-trace-id', 'trace-2'))).toBe(
      [
        'expect(received).toHaveForwardedHeader(name, value)',
        '',
        'Expected: a forwarded request with header "x-trace-id": "trace-2"',
        'Received: 1 of 1 forwarded request had it with another value; the last',
        `          #1 POST ${backend.url}/users?page=2 → 200 recorded, cassette "users"`,
        '',
        'Expected: "trace-2"',
        'Received: "trace-1"',
      ].join('\n'),
    );
  });

  test('failure without the header lists what the last request sent', async () => {
    await proxy.cassette('users').fetch('/a', { headers: { 'x-one': '1' } });
    const message = failure(() => expect(proxy).toHaveForwardedHeader('x-two'));
    expect(message).toMatch(/^Received: none of 1 forwarded request had it; the last$/m);
    expect(message).toMatch(/^ {10}sent .*\bx-one\b/m);
  });
});

describe('toHaveReplayedAll', () => {
  async function record(fixtures: string): Promise<void> {
    const recorder = await startProxy({ mode: 'record', target: backend.url, fixtures, cassette: 'c' });
    await (await fetch(`${recorder.url}/a`)).text();
    await (await fetch(`${recorder.url}/b`)).text();
    await recorder.close();
  }

  test('passes when everything recorded was replayed and nothing missed', async () => {
    const fixtures = await makeTempDir('proxytape-jest-');
    await record(fixtures);
    const replay = await startProxy({ mode: 'replay', fixtures, cassette: 'c' });
    try {
      await (await fetch(`${replay.url}/a`)).text();
      expect(replay).not.toHaveReplayedAll();
      await (await fetch(`${replay.url}/b`)).text();
      expect(replay).toHaveReplayedAll();
    } finally {
      expect(await replay.close()).toHaveReplayedAll();
    }
  });

  test('passes right after a test recorded its requests (auto mode, gzip and plain), before their files landed', async () => {
    const gzipped = gzipSync(JSON.stringify({ big: 'x'.repeat(5000) }));
    const mixed = await createTestServer((req, res) => {
      req.resume();
      if (req.url === '/gz') res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipped);
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const auto = await startProxy({ mode: 'auto', target: mixed.url, fixtures: await makeTempDir('proxytape-jest-') });
    try {
      const plain = await auto.cassette('c1').fetch('/users', { method: 'POST', body: '{"name":"Ann"}' });
      await plain.text();
      const gz = await auto.cassette('c1').fetch('/gz');
      await gz.text();
      const early = auto.summary();
      expect({ recorded: early.recorded, unused: early.unused }).toEqual({ recorded: 2, unused: [] });
      expect(auto).toHaveReplayedAll();
    } finally {
      expect(await auto.close()).toHaveReplayedAll();
      await mixed.close();
    }
  });

  test('failure lists the misses and the unused fixtures', async () => {
    const fixtures = await makeTempDir('proxytape-jest-');
    await record(fixtures);
    const replay = await startProxy({ mode: 'replay', fixtures, cassette: 'c' });
    try {
      await (await fetch(`${replay.url}/a`)).text();
      expect((await fetch(`${replay.url}/nope`)).status).toBe(502);
      const [unused] = replay.summary().unused;
      expect(unused).toMatch(/b/);
      expect(failure(() => expect(replay).toHaveReplayedAll())).toBe(
        [
          'expect(received).toHaveReplayedAll()',
          '',
          'Expected: every request replayed and every fixture used',
          'Received: 1 missed request, 1 unused fixture (mode replay: 1 replayed, 0 recorded, 0 proxied)',
          '',
          'Missed:',
          '  #2 GET http://replay.invalid/nope → 502 miss, cassette "c"',
          '',
          'Unused fixtures:',
          `  ${unused}`,
        ].join('\n'),
      );
    } finally {
      await replay.close();
    }
  });
});
