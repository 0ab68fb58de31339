import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';
import { tempFixtures } from '../../helpers/tape-proxy.js';
import { type RunningProxy, isConfigError, startProxy } from '../../../src/index.js';

describe('startProxy: journal and admin API', () => {
  let fixtures: Awaited<ReturnType<typeof tempFixtures>>;
  let backend: TestServer;
  let hits: string[];
  let proxy: RunningProxy | undefined;

  beforeEach(async () => {
    fixtures = await tempFixtures();
    hits = [];
    backend = await createTestServer((req: http.IncomingMessage, res: http.ServerResponse) => {
      hits.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => res.end(`ok ${req.url}`));
    });
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await backend.close();
    await fixtures.remove();
  });

  it('journals each request as forwarded upstream: Host rewritten, X-Forwarded-* added, hop-by-hop stripped, secrets redacted', async () => {
    proxy = await startProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    await (
      await fetch(`${proxy.url}/users?api_key=K-SECRET`, {
        method: 'POST',
        headers: { authorization: 'Bearer T-SECRET', 'content-type': 'application/json', 'x-trace': 'abc' },
        body: JSON.stringify({ name: 'Ann', password: 'P-SECRET' }),
      })
    ).text();
    const [entry] = proxy.journal.entries;
    expect(entry).toMatchObject({
      id: 1,
      method: 'POST',
      url: '/users?api_key=[REDACTED]',
      path: '/users',
      cassette: 'default',
      status: 200,
      source: 'recorded',
      forwarded: { method: 'POST', url: `${backend.url}/users?api_key=[REDACTED]` },
    });
    const forwarded = new Map(entry!.forwarded!.headers);
    expect(forwarded.get('host')).toBe(`127.0.0.1:${backend.port}`);
    expect(forwarded.get('x-forwarded-for')).toBe('127.0.0.1');
    expect(forwarded.get('x-forwarded-host')).toBe(new URL(proxy.url).host);
    expect(forwarded.get('authorization')).toBe('Bearer [REDACTED]');
    expect(forwarded.get('x-trace')).toBe('abc');
    expect(forwarded.has('connection')).toBe(false);
    expect(JSON.parse(entry!.forwarded!.body!)).toEqual({ name: 'Ann', password: '[REDACTED]' });
    expect(JSON.stringify(proxy.journal.entries)).not.toMatch(/SECRET/);
  });

  it('journals a failed request without the secrets of its URL, configured ones included', async () => {
    const down = await createTestServer(() => undefined);
    const deadTarget = down.url;
    await down.close();
    proxy = await startProxy({ mode: 'record', target: deadTarget, fixtures: fixtures.dir, redact: { query: ['tenant_code'] } });
    const res = await fetch(`${proxy.url}/x?api_key=K-SECRET-1&tenant_code=T-SECRET-2&page=1`);
    expect(res.status).toBe(502);
    await res.text();
    const [entry] = proxy.journal.entries;
    expect(entry?.error?.code).toBe('PROXYTAPE_UPSTREAM_REFUSED');
    expect(entry?.error?.message).toContain('/x?api_key=[REDACTED]&tenant_code=[REDACTED]&page=1');
    expect(JSON.stringify(proxy.journal.entries)).not.toMatch(/SECRET/);
  });

  it('passes volatileHeaders, inlineLimit and durable to the fixtures it records', async () => {
    const custom = await createTestServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-request-id': 'abc-123', 'x-kept': 'yes' });
      res.end('x'.repeat(2_000));
    });
    proxy = await startProxy({
      mode: 'record',
      target: custom.url,
      fixtures: fixtures.dir,
      volatileHeaders: ['x-request-id'],
      inlineLimit: 1_000,
      durable: true,
    });
    await (await fetch(`${proxy.url}/big`)).text();
    await proxy.close();
    proxy = undefined;
    await custom.close();
    const files = (await readdir(fixtures.dir, { recursive: true })).map(String).sort();
    expect(files.filter((f) => f.endsWith('.body'))).toHaveLength(1);
    const json = files.find((f) => f.endsWith('.json'))!;
    const text = await readFile(path.join(fixtures.dir, json), 'utf8');
    expect(text).toContain('"x-kept"');
    expect(text).not.toContain('x-request-id');
  });

  it('keeps the journal bounded, oldest dropped, and clears it', async () => {
    proxy = await startProxy({ mode: 'passthrough', target: backend.url, fixtures: fixtures.dir, journalSize: 3 });
    for (let i = 1; i <= 5; i++) await (await fetch(`${proxy.url}/n${i}`)).text();
    expect(proxy.journal.entries.map((e) => [e.id, e.url])).toEqual([
      [3, '/n3'],
      [4, '/n4'],
      [5, '/n5'],
    ]);
    expect([...proxy.journal].map((e) => e.source)).toEqual(['proxied', 'proxied', 'proxied']);
    proxy.journal.clear();
    expect(proxy.journal.size).toBe(0);
  });

  it('shows a target with a secret query parameter redacted in health', async () => {
    proxy = await startProxy({ mode: 'replay', target: `${backend.url}/v1?api_key=TARGET-SECRET-1`, fixtures: fixtures.dir });
    const health = (await (await fetch(`${proxy.url}/__proxytape/health`)).json()) as { target: string };
    expect(health.target).toBe(`${backend.url}/v1?api_key=[REDACTED]`);
  });

  it('serves health and the journal under /__proxytape/, never forwarding nor recording those requests', async () => {
    proxy = await startProxy({ mode: 'auto', target: backend.url, fixtures: fixtures.dir });
    await (await proxy.cassette('suite/a').fetch('/one')).text();
    await (await fetch(`${proxy.url}/two`)).text();

    const health = await fetch(`${proxy.url}/__proxytape/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ mode: 'auto', target: backend.url, fixtures: fixtures.dir });

    const all = (await (await fetch(`${proxy.url}/__proxytape/journal`)).json()) as { url: string; cassette: string }[];
    expect(all.map((e) => [e.url, e.cassette])).toEqual([
      ['/one', 'suite/a'],
      ['/two', 'default'],
    ]);
    const filtered = (await (await fetch(`${proxy.url}/__proxytape/journal?cassette=suite/a`)).json()) as { url: string }[];
    expect(filtered.map((e) => e.url)).toEqual(['/one']);

    const cleared = await fetch(`${proxy.url}/__proxytape/journal`, { method: 'DELETE' });
    expect(cleared.status).toBe(204);
    expect(await (await fetch(`${proxy.url}/__proxytape/journal`)).json()).toEqual([]);

    expect(hits).toEqual(['GET /one', 'GET /two']);
    const summary = await proxy.close();
    proxy = undefined;
    expect(summary.recorded).toBe(2);
    const files = (await readdir(fixtures.dir, { recursive: true })).map(String).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(2);
    expect(files.some((f) => f.includes('__proxytape'))).toBe(false);
  });

  it('answers unknown admin paths with 404 naming the endpoints', async () => {
    proxy = await startProxy({ mode: 'replay', fixtures: fixtures.dir });
    const res = await fetch(`${proxy.url}/__proxytape/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toBe(
      'No admin endpoint GET /__proxytape/nope. Endpoints: GET /__proxytape/health, GET|DELETE /__proxytape/journal.',
    );
  });

  it('rejects unknown options naming the allowed ones', async () => {
    const err = await startProxy({ mode: 'replay', fixtures: fixtures.dir, jornalSize: 5 } as never).catch((e: unknown) => e);
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toBe(
      'Unknown option `jornalSize`. Allowed options: mode, target, fixtures, cassette, port, host, preserveHost, upstreamTimeout, match, redact, sequence, volatileHeaders, inlineLimit, durable, journalSize, adminApi.',
    );
  });
});
