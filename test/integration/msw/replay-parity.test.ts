/**
 * One fixture directory, two ways to replay it: through the proxy (mode replay) and
 * in-process through msw (`handlersFromFixtures`). Both must answer every request alike.
 */
import { readFile, readdir } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type SetupServer, setupServer } from 'msw/node';
import { handlersFromFixtures } from '../../../src/integrations/msw/index.js';
import { createTestServer } from '../../helpers/http-test-server.js';
import { startTapeProxy, tempFixtures } from '../../helpers/tape-proxy.js';

interface Step {
  method?: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

interface Seen {
  status: number;
  statusText: string;
  /** Sorted by name (Fetch Headers order), without the volatile ones. */
  headers: [string, string][];
  body: Buffer;
}

/** Set per connection or per response by the server, never by the fixture. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

const user = { id: 1, name: 'Ann', team: { id: 7, name: 'Engines' } };

function backendRoutes(): http.RequestListener {
  let counter = 0;
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://backend');
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /users/1') {
        res.setHeader('set-cookie', ['session=s3cr3t; Path=/; HttpOnly', 'theme=dark; Path=/']);
        res.setHeader('x-backend', 'users');
        return void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(`${JSON.stringify(user, null, 2)}\n`);
      }
      if (route === 'DELETE /users/1') return void res.writeHead(204, { 'x-deleted': '1' }).end();
      if (route === 'GET /hello' || route === 'HEAD /hello')
        return void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('héllo wörld ✓\n');
      if (route === 'GET /counter') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`count ${++counter}`);
      if (route === 'GET /search') {
        const body = JSON.stringify({ q: url.searchParams.get('q'), results: ['cat-1', 'cat-2'] });
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      }
      if (route === 'POST /echo') {
        const received = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        return void res.writeHead(201, 'Created Here', { 'content-type': 'application/json' }).end(JSON.stringify({ received }));
      }
      if (route === 'GET /gzip') {
        return void res
          .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
          .end(gzipSync(JSON.stringify({ compressed: true, user })));
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
  };
}

const json = { 'content-type': 'application/json' };

/** What the recording run sent. */
const RECORDED: Step[] = [
  { path: '/users/1' },
  { path: '/hello' },
  { path: '/counter' },
  { path: '/counter' },
  { path: '/counter' },
  { path: '/search?q=cats&api_key=recorded-key-123' },
  { method: 'POST', path: '/echo', body: '{"b":2,"a":1}', headers: json },
  { path: '/gzip' },
  { method: 'DELETE', path: '/users/1' },
  { method: 'HEAD', path: '/hello' },
];

/** What the replay runs send: the same traffic, with the live variations matching must absorb. */
const REPLAYED: Step[] = [
  { path: '/users/1' },
  { path: '/hello' },
  { path: '/counter' },
  { path: '/counter' },
  { path: '/counter' },
  { path: '/counter' },
  // Another value of a redacted parameter, the parameters in another order.
  { path: '/search?api_key=live-key-456&q=cats' },
  // The same JSON with its keys in another order.
  { method: 'POST', path: '/echo', body: '{"a":1,"b":2}', headers: json },
  { path: '/gzip' },
  { method: 'DELETE', path: '/users/1' },
  { method: 'HEAD', path: '/hello' },
];

async function send(base: string, step: Step): Promise<Seen> {
  const response = await fetch(`${base}${step.path}`, {
    method: step.method ?? 'GET',
    ...(step.headers ? { headers: step.headers } : {}),
    ...(step.body !== undefined ? { body: step.body } : {}),
    signal: AbortSignal.timeout(5_000),
  });
  const headers = [...response.headers].filter(([name]) => !VOLATILE.has(name));
  return { status: response.status, statusText: response.statusText, headers, body: Buffer.from(await response.arrayBuffer()) };
}

async function sendAll(base: string, steps: readonly Step[]): Promise<Seen[]> {
  const seen: Seen[] = [];
  for (const step of steps) seen.push(await send(base, step));
  return seen;
}

function header(seen: Seen, name: string): string[] {
  return seen.headers.filter(([n]) => n === name).map(([, value]) => value);
}

function without(seen: Seen, names: readonly string[]): Seen {
  return { ...seen, headers: seen.headers.filter(([name]) => !names.includes(name)) };
}

async function fixtureFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.json')).map((e) => path.join(e.parentPath, e.name));
}

describe('one fixture directory replays identically through the proxy and through msw', () => {
  let fixtures: Awaited<ReturnType<typeof tempFixtures>>;
  /** The backend's URL when it recorded; nothing listens there any more during replay. */
  let target: string;
  let server: SetupServer | undefined;

  beforeAll(async () => {
    fixtures = await tempFixtures();
    const backend = await createTestServer(backendRoutes());
    target = backend.url;
    const proxy = await startTapeProxy({ mode: 'record', target, fixtures: fixtures.dir });
    try {
      const recorded = await sendAll(proxy.url, RECORDED);
      expect(recorded.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 201, 200, 204, 200]);
    } finally {
      const summary = await proxy.close();
      await backend.close();
      expect(summary.recorded).toBe(RECORDED.length);
    }
  });
  afterEach(() => {
    server?.close();
    server = undefined;
  });
  afterAll(async () => {
    await fixtures.remove();
  });

  /** Replays `steps` through a fresh replay proxy. */
  async function throughProxy(steps: readonly Step[]): Promise<Seen[]> {
    const proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    try {
      return await sendAll(proxy.url, steps);
    } finally {
      await proxy.close();
    }
  }

  /** Replays `steps` through msw against the original target URL, with fresh handlers. */
  async function throughMsw(steps: readonly Step[]): Promise<Seen[]> {
    server = setupServer(...(await handlersFromFixtures(fixtures.dir)));
    server.listen({ onUnhandledRequest: 'error' });
    try {
      return await sendAll(target, steps);
    } finally {
      server.close();
      server = undefined;
    }
  }

  it('answers every recorded request with the same status, headers and body bytes', async () => {
    const proxied = await throughProxy(REPLAYED);
    const mocked = await throughMsw(REPLAYED);

    expect(mocked.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 201, 200, 204, 200]);
    for (const seen of [...proxied, ...mocked]) expect(header(seen, 'x-proxytape')).toEqual(['replayed']);
    const gzip = REPLAYED.findIndex((s) => s.path === '/gzip');
    for (const [i, step] of REPLAYED.entries()) {
      const label = `${step.method ?? 'GET'} ${step.path} (#${i})`;
      if (i === gzip) continue;
      expect({ label, ...mocked[i]! }).toEqual({ label, ...proxied[i]! });
    }

    // Compressed recordings: the proxy gzips again for fetch's Accept-Encoding and fetch decodes it;
    // msw serves the decoded bytes as identity. The application reads the same body either way.
    expect(header(proxied[gzip]!, 'content-encoding')).toEqual(['gzip']);
    expect(header(mocked[gzip]!, 'content-encoding')).toEqual([]);
    expect(header(mocked[gzip]!, 'content-length')).toEqual([String(mocked[gzip]!.body.length)]);
    expect(without(mocked[gzip]!, ['content-length'])).toEqual(without(proxied[gzip]!, ['content-encoding', 'content-length']));
    expect(JSON.parse(mocked[gzip]!.body.toString('utf8'))).toEqual({ compressed: true, user });
    const head = mocked[REPLAYED.length - 1]!;
    expect(head.body.length).toBe(0);
    expect(header(head, 'content-type')).toEqual(['text/plain; charset=utf-8']);
  });

  it('replays the recorded bytes and headers, redacted as stored', async () => {
    const [first] = await throughMsw([{ path: '/users/1' }]);
    expect(first!.body.toString('utf8')).toBe(`${JSON.stringify(user, null, 2)}\n`);
    expect(header(first!, 'set-cookie')).toEqual(['session=[REDACTED]; Path=/; HttpOnly', 'theme=[REDACTED]; Path=/']);
    expect(header(first!, 'x-backend')).toEqual(['users']);
    const [created] = await throughMsw([{ method: 'POST', path: '/echo', body: '{"a":1,"b":2}', headers: json }]);
    expect(created!.statusText).toBe('Created Here');
    expect(JSON.parse(created!.body.toString('utf8'))).toEqual({ received: { b: 2, a: 1 } });
    // The redacted query parameter never reached the fixtures, yet any live value matches.
    const stored = await Promise.all((await fixtureFiles(fixtures.dir)).map((file) => readFile(file, 'utf8')));
    expect(stored.join('\n')).not.toContain('recorded-key-123');
  });

  it('replays a repeated request in recorded order, then repeats the last, in both', async () => {
    const steps = Array.from({ length: 5 }, (): Step => ({ path: '/counter' }));
    const bodies = (seen: Seen[]): string[] => seen.map((s) => s.body.toString('utf8'));
    expect(bodies(await throughProxy(steps))).toEqual(['count 1', 'count 2', 'count 3', 'count 3', 'count 3']);
    expect(bodies(await throughMsw(steps))).toEqual(['count 1', 'count 2', 'count 3', 'count 3', 'count 3']);
  });

  it('answers a miss with the proxy’s 502, x-proxytape: miss and the same explanation', async () => {
    const step: Step = { path: '/users/2?api_key=live-key' };
    const [proxied] = await throughProxy([step]);
    const [mocked] = await throughMsw([step]);

    expect(mocked).toEqual(proxied);
    expect(mocked!.status).toBe(502);
    expect(header(mocked!, 'x-proxytape')).toEqual(['miss']);
    expect(header(mocked!, 'x-proxytape-error')).toEqual(['PROXYTAPE_REPLAY_MISS']);
    const [nearest] = (await fixtureFiles(fixtures.dir)).filter((file) => path.basename(file).startsWith('GET-users-1-'));
    expect(mocked!.body.toString('utf8')).toBe(
      [
        '502 Bad Gateway (PROXYTAPE_REPLAY_MISS)',
        'Failed to replay GET /users/2?api_key=[REDACTED] (mode: replay, cassette: default): no fixture matches.',
        `Nearest: GET /users/1 in ${nearest}`,
        '  - path: /users/2 ≠ /users/1',
        '  - query api_key: "[REDACTED]" ≠ (absent)',
        'Record it with `proxytape record --target <url>`, run in `auto` mode to record missing requests, or ignore the differing field (e.g. --ignore-query api_key).',
        '',
      ].join('\n'),
    );
  });

  it('answers a HEAD miss with the same status and headers, and no body', async () => {
    const step: Step = { method: 'HEAD', path: '/users/9' };
    const [proxied] = await throughProxy([step]);
    const [mocked] = await throughMsw([step]);
    expect(mocked).toEqual(proxied);
    expect(mocked!.status).toBe(502);
    expect(header(mocked!, 'x-proxytape')).toEqual(['miss']);
    expect(mocked!.body.length).toBe(0);
  });
});
