import { createHash, randomBytes } from 'node:crypto';
import { gzipSync, gunzipSync } from 'node:zlib';
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';
import { type TapeProxy, startTapeProxy, tempFixtures } from '../../helpers/tape-proxy.js';

const big = randomBytes(5 * 1024 * 1024);
const binary = randomBytes(64 * 1024);
const json = {
  users: [
    { id: 1, name: 'Ann' },
    { id: 2, name: 'Bob' },
  ],
  total: 2,
};

function routes(req: http.IncomingMessage, res: http.ServerResponse): void {
  switch (req.url) {
    case '/json':
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    case '/text':
      return void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('héllo wörld ✓\n');
    case '/binary':
      return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(binary.length) }).end(binary);
    case '/gzip':
      return void res
        .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
        .end(gzipSync(JSON.stringify(json)));
    case '/big':
      return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(big);
    default:
      res.writeHead(404).end();
  }
}

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('record, stop the backend, replay', () => {
  let fixtures: Awaited<ReturnType<typeof tempFixtures>>;
  let backend: TestServer;
  let proxy: TapeProxy | undefined;

  beforeEach(async () => {
    fixtures = await tempFixtures();
    backend = await createTestServer(routes);
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await backend.close();
    await fixtures.remove();
  });

  it.each([
    ['/json', (b: Buffer) => expect(JSON.parse(b.toString())).toEqual(json)],
    ['/text', (b: Buffer) => expect(b.toString('utf8')).toBe('héllo wörld ✓\n')],
    ['/binary', (b: Buffer) => expect(sha(b)).toBe(sha(binary))],
    ['/big', (b: Buffer) => expect(sha(b)).toBe(sha(big))],
  ])('replays %s byte-exact with no backend', async (path, check) => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    const recorded = await get(`${proxy.url}${path}`);
    expect(recorded.headers['x-proxytape']).toBe('recorded');
    check(recorded.body);
    await proxy.close();
    await backend.close();

    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    const replayed = await get(`${proxy.url}${path}`);
    expect(replayed.status).toBe(200);
    expect(replayed.headers['x-proxytape']).toBe('replayed');
    expect(Number(replayed.headers['content-length'])).toBe(replayed.body.length);
    expect(sha(replayed.body)).toBe(sha(recorded.body));
    expect(replayed.headers['date']).toBeDefined();
  });

  it('replays a HEAD answer with the recorded Content-Length, once, and no body', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    const recorded = await new Promise<http.IncomingMessage>((resolve) =>
      http.request(`${proxy!.url}/binary`, { method: 'HEAD' }, resolve).end(),
    );
    recorded.resume();
    await proxy.close();
    await backend.close();
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    const replayed = await new Promise<http.IncomingMessage>((resolve) =>
      http.request(`${proxy!.url}/binary`, { method: 'HEAD' }, resolve).end(),
    );
    replayed.resume();
    expect(replayed.headers['x-proxytape']).toBe('replayed');
    expect(replayed.rawHeaders.filter((h) => h.toLowerCase() === 'content-length')).toHaveLength(1);
    expect(replayed.headers['content-length']).toBe(String(binary.length));
  });

  it('stores a gzip response decoded and re-encodes it only for clients that accept gzip', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    await get(`${proxy.url}/gzip`, { 'accept-encoding': 'gzip' });
    await proxy.close();
    await backend.close();

    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    const zipped = await get(`${proxy.url}/gzip`, { 'accept-encoding': 'gzip, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length);
    expect(JSON.parse(gunzipSync(zipped.body).toString())).toEqual(json);

    const plain = await get(`${proxy.url}/gzip`, { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString())).toEqual(json);
  });
});
