import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { http as mswHttp } from 'msw';
import { type SetupServer, setupServer } from 'msw/node';
import { isConfigError } from '../../../src/errors.js';
import { type MswReplayOptions, handlersFromFixtures } from '../../../src/integrations/msw/index.js';
import type { TapeOptions } from '../../../src/tape/tape.js';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';
import { startTapeProxy, tempFixtures } from '../../helpers/tape-proxy.js';

const big = randomBytes(300 * 1024);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('handlersFromFixtures', () => {
  let fixtures: Awaited<ReturnType<typeof tempFixtures>>;
  let backend: TestServer;
  let server: SetupServer | undefined;
  let counter: number;

  beforeEach(async () => {
    fixtures = await tempFixtures();
    counter = 0;
    backend = await createTestServer((req: http.IncomingMessage, res: http.ServerResponse) => {
      req.resume();
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://backend');
        if (url.pathname.endsWith('/counter')) return void res.end(`count ${++counter}`);
        if (url.pathname.endsWith('/big')) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(big);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: url.pathname, query: url.search }));
      });
    });
  });
  afterEach(async () => {
    server?.close();
    server = undefined;
    await backend.close();
    await fixtures.remove();
  });

  /** Records GET `paths` through a recording proxy in front of `target`. */
  async function record(paths: string[], options: Partial<TapeOptions> = {}, target = backend.url): Promise<void> {
    const proxy = await startTapeProxy({ mode: 'record', target, fixtures: fixtures.dir, ...options });
    try {
      for (const p of paths) {
        const response = await fetch(`${proxy.url}${p}`);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    } finally {
      await proxy.close();
    }
  }

  /** msw with our handlers, then a fallback that shows when ours stepped aside. */
  async function listen(options: MswReplayOptions = {}): Promise<void> {
    const fallback = mswHttp.all('*', async ({ request }) => new Response(`fallback ${request.method} ${await request.text()}`));
    server = setupServer(...(await handlersFromFixtures(fixtures.dir, options)), fallback);
    server.listen({ onUnhandledRequest: 'error' });
  }

  async function text(url: string, init?: RequestInit): Promise<{ status: number; source: string | null; body: string }> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
    return { status: response.status, source: response.headers.get('x-proxytape'), body: await response.text() };
  }

  it('handles only requests under baseUrl, matching their path without its base path (like --target)', async () => {
    await record(['/users?page=1'], {}, `${backend.url}/api`);
    await listen({ baseUrl: `${backend.url}/api/` });
    const replayed = await text(`${backend.url}/api/users?page=1`);
    expect(replayed).toEqual({ status: 200, source: 'replayed', body: '{"path":"/api/users","query":"?page=1"}' });
    expect(await text(`${backend.url}/users?page=1`)).toEqual({ status: 200, source: null, body: 'fallback GET ' });
    expect(await text(`http://other.invalid/api/users?page=1`)).toEqual({ status: 200, source: null, body: 'fallback GET ' });
    expect((await text(`${backend.url}/api/users?page=2`)).source).toBe('miss');
  });

  it("onUnhandled: 'bypass' leaves a miss, body intact, to the next handler; the default answers 502", async () => {
    await record(['/users']);
    await listen({ onUnhandled: 'bypass' });
    expect(await text(`${backend.url}/users`)).toMatchObject({ status: 200, source: 'replayed' });
    expect(await text(`${backend.url}/orders`, { method: 'POST', body: 'the body' })).toEqual({
      status: 200,
      source: null,
      body: 'fallback POST the body',
    });
    server!.close();
    await listen();
    const miss = await text(`${backend.url}/orders`, { method: 'POST', body: 'the body' });
    expect(miss.status).toBe(502);
    expect(miss.source).toBe('miss');
    expect(miss.body).toMatch(
      /^502 Bad Gateway \(PROXYTAPE_REPLAY_MISS\)\nFailed to replay POST \/orders \(mode: replay, cassette: default\)/,
    );
  });

  it.each([
    ['repeat-last', ['count 1', 'count 2', 'count 3', 'count 3']],
    ['cycle', ['count 1', 'count 2', 'count 3', 'count 1']],
  ] as const)("sequence '%s' replays %j", async (sequence, expected) => {
    await record(['/counter', '/counter', '/counter']);
    await listen({ sequence });
    const bodies: string[] = [];
    for (let i = 0; i < 4; i++) bodies.push((await text(`${backend.url}/counter`)).body);
    expect(bodies).toEqual(expected);
  });

  it("sequence 'error' answers the proxy's 502 once every recorded response was replayed", async () => {
    await record(['/counter', '/counter']);
    await listen({ sequence: 'error' });
    await text(`${backend.url}/counter`);
    await text(`${backend.url}/counter`);
    const response = await fetch(`${backend.url}/counter`);
    expect(response.status).toBe(502);
    expect(response.headers.get('x-proxytape')).toBe('miss');
    expect(response.headers.get('x-proxytape-error')).toBe('PROXYTAPE_SEQUENCE_EXHAUSTED');
    expect(await response.text()).toBe(
      "502 Bad Gateway (PROXYTAPE_SEQUENCE_EXHAUSTED)\nFailed to replay GET /counter (mode: replay, cassette: default): all 2 recorded responses were replayed and the sequence policy is 'error'. Record the request once more, or use the sequence policy 'repeat-last' or 'cycle'.\n",
    );
  });

  it('streams a sidecar body from disk byte-exact, with its Content-Length', async () => {
    await record(['/big'], { inlineLimit: 1024 });
    const files = await readdir(fixtures.dir, { recursive: true });
    expect(files.some((f) => f.endsWith('.body'))).toBe(true);
    await listen();
    const response = await fetch(`${backend.url}/big`);
    expect(response.headers.get('content-length')).toBe(String(big.length));
    expect(sha(Buffer.from(await response.arrayBuffer()))).toBe(sha(big));
  });

  it('replays the cassette option, or the one the x-proxytape-cassette header names; refuses a bad name with 400', async () => {
    await record(['/who'], { cassette: 'alice' });
    await listen({ cassette: 'alice' });
    expect((await text(`${backend.url}/who`)).source).toBe('replayed');
    server!.close();
    await listen();
    expect((await text(`${backend.url}/who`)).source).toBe('miss');
    expect((await text(`${backend.url}/who`, { headers: { 'x-proxytape-cassette': 'alice' } })).source).toBe('replayed');
    const bad = await text(`${backend.url}/who`, { headers: { 'x-proxytape-cassette': '../etc' } });
    expect(bad.status).toBe(400);
    expect(bad.source).toBe('error');
    expect(bad.body).toContain('Cannot serve GET /who: Invalid cassette name "../etc": it has a ".." segment.');
  });

  it('matches with the match options given (the ones the fixtures were recorded with)', async () => {
    await record(['/search?q=cats&_=111'], { match: { ignoreQuery: ['_'] } });
    await listen({ match: { ignoreQuery: ['_'] } });
    expect((await text(`${backend.url}/search?q=cats&_=999`)).source).toBe('replayed');
    expect((await text(`${backend.url}/search?q=dogs&_=999`)).source).toBe('miss');
  });

  it.each([
    [{ cassete: 'x' }, 'cassete', 'Unknown option `cassete`. Allowed options: cassette, match, sequence, redact, onUnhandled, baseUrl.'],
    [{ onUnhandled: 'warn' }, 'onUnhandled', 'Invalid option `onUnhandled`: "warn". Must be one of: miss, bypass.'],
    [{ sequence: 'loop' }, 'sequence', 'Invalid option `sequence`: "loop". Must be one of: repeat-last, cycle, error.'],
    [
      { baseUrl: 'api.example.com' },
      'baseUrl',
      'Invalid option `baseUrl`: "api.example.com" is not a URL. Must be an absolute http: or https: URL like \'https://api.example.com/v1\'.',
    ],
    [
      { baseUrl: 'https://api.example.com/v1?key=1' },
      'baseUrl',
      'Invalid option `baseUrl`: "https://api.example.com/v1?key=[REDACTED]" has a query or fragment. Must be an absolute http: or https: URL like \'https://api.example.com/v1\'.',
    ],
    [{ match: { ignoreQueries: ['_'] } }, 'match.ignoreQueries', 'Unknown option `match.ignoreQueries`. Allowed options in `match`:'],
    [{ cassette: '../x' }, 'cassette', 'Invalid option `cassette`: Invalid cassette name "../x": it has a ".." segment.'],
  ])('rejects the options %j naming %s', async (options, option, message) => {
    const error: unknown = await handlersFromFixtures(fixtures.dir, options as MswReplayOptions).catch((err: unknown) => err);
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ option, code: 'PROXYTAPE_INVALID_CONFIG' });
    expect((error as Error).message.startsWith(message)).toBe(true);
  });

  it('refuses a fixture directory that does not exist instead of missing every request', async () => {
    const missing = path.join(fixtures.dir, 'nope');
    const error: unknown = await handlersFromFixtures(missing).catch((err: unknown) => err);
    expect(error).toMatchObject({ option: 'dir' });
    expect((error as Error).message).toBe(
      `Invalid fixtures directory ${JSON.stringify(missing)}: ${missing} does not exist. Pass the directory the proxy recorded into (its --fixtures), relative to ${process.cwd()} or absolute.`,
    );
  });
});
