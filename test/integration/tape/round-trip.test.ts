import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';
import { type TapeProxy, startTapeProxy, tempFixtures } from '../../helpers/tape-proxy.js';

const big = randomBytes(5 * 1024 * 1024);
const binary = randomBytes(64 * 1024);
const medium = randomBytes(600 * 1024);
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
    case '/medium':
      return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(medium.length) }).end(medium);
    case '/upload': {
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', (c: Buffer) => (hash.update(c), (size += c.length)));
      return void req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${size} bytes ${hash.digest('hex')}`));
    }
    case '/big-gzip':
      return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }).end(gzipSync(big));
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

  /** Records `route`, then damages one byte in the middle of its sidecar (same size). */
  async function recordAndDamageSidecar(route: string): Promise<string> {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    await get(`${proxy.url}${route}`);
    await proxy.close();
    await backend.close();
    const files = (await readdir(fixtures.dir, { recursive: true })).filter((f) => f.endsWith('.body'));
    expect(files).toHaveLength(1);
    const sidecar = path.join(fixtures.dir, files[0]!);
    const bytes = await readFile(sidecar);
    bytes[4_000_000] = bytes[4_000_000]! ^ 0xff;
    await writeFile(sidecar, bytes);
    return sidecar;
  }

  /** A GET whose outcome is reported even when the response is cut. */
  function getOutcome(url: string, headers: Record<string, string> = {}): Promise<{ status: number; complete: boolean; bytes: number }> {
    return new Promise((resolve, reject) => {
      http
        .get(url, { headers }, (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('error', () => undefined);
          res.on('close', () => resolve({ status: res.statusCode!, complete: res.complete, bytes }));
        })
        .on('error', reject);
    });
  }

  it.each([
    ['as recorded', {}],
    ['re-encoded for a client that accepts gzip', { 'accept-encoding': 'gzip' }],
  ])('never serves a damaged sidecar complete (%s): the response is cut and the log names the sidecar', async (_how, headers) => {
    const route = Object.keys(headers).length === 0 ? '/big' : '/big-gzip';
    const sidecar = await recordAndDamageSidecar(route);
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });

    const outcome = await getOutcome(`${proxy.url}${route}`, headers);

    expect(outcome.status).toBe(200);
    expect(outcome.complete).toBe(false);
    await proxy.close();
    const event = proxy.events.find((e) => e.url === route);
    expect(event?.error?.code).toBe('PROXYTAPE_FIXTURE_CORRUPT');
    expect(event?.error?.message).toContain(sidecar);
    expect(event?.source).toBe('error');
    proxy = undefined;
  });

  it('ignores a Content-Length in a hand-edited fixture and sends the right one', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    await get(`${proxy.url}/json`);
    await proxy.close();
    await backend.close();
    const [file] = (await readdir(fixtures.dir, { recursive: true })).filter((f) => f.endsWith('.json'));
    const fixturePath = path.join(fixtures.dir, file!);
    const fixture = JSON.parse(await readFile(fixturePath, 'utf8')) as { response: { headers: [string, string][] } };
    fixture.response.headers.push(['content-length', '5'], ['transfer-encoding', 'chunked']);
    await writeFile(fixturePath, JSON.stringify(fixture, null, 2));

    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    // Two requests on one keep-alive connection: a wrong length would spill into the second answer.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
          http
            .get(`${proxy!.url}/json`, { agent }, (r) => {
              const chunks: Buffer[] = [];
              r.on('data', (c: Buffer) => chunks.push(c));
              r.on('end', () => resolve({ headers: r.headers, body: Buffer.concat(chunks) }));
            })
            .on('error', reject);
        });
        expect(res.headers['content-length']).toBe(String(res.body.length));
        expect(res.headers['transfer-encoding']).toBeUndefined();
        expect(JSON.parse(res.body.toString())).toEqual(json);
      }
    } finally {
      agent.destroy();
    }
  });

  it('stores a request body above the inline limit in its own sidecar, and matches it on replay', async () => {
    const upload = randomBytes(5 * 1024 * 1024);
    const post = async (url: string, body: Buffer): Promise<{ source: string | undefined; text: string }> =>
      new Promise((resolve, reject) => {
        const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ source: res.headers['x-proxytape'] as string | undefined, text: Buffer.concat(chunks).toString() }),
          );
        });
        req.on('error', reject);
        req.end(body);
      });
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    const recorded = await post(`${proxy.url}/upload`, upload);
    expect(recorded).toEqual({ source: 'recorded', text: `got ${upload.length} bytes ${sha(upload)}` });
    await proxy.close();
    await backend.close();

    const files = (await readdir(fixtures.dir, { recursive: true })).map(String).filter((f) => f.includes('POST-upload'));
    const json = files.find((f) => f.endsWith('.json'))!;
    const sidecar = files.find((f) => f.endsWith('.request.body'))!;
    expect(sha(await readFile(path.join(fixtures.dir, sidecar)))).toBe(sha(upload));
    const fixture = JSON.parse(await readFile(path.join(fixtures.dir, json), 'utf8')) as { request: { body: unknown } };
    expect(fixture.request.body).toEqual({ encoding: 'file', file: path.basename(sidecar), size: upload.length, sha256: sha(upload) });

    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    expect(await post(`${proxy.url}/upload`, upload)).toEqual({ source: 'replayed', text: recorded.text });
    const other = Buffer.from(upload);
    other[0] = other[0]! ^ 1;
    const miss = await post(`${proxy.url}/upload`, other);
    expect(miss.source).toBe('miss');
    expect(miss.text).toContain('POST /upload');
  });

  it('records a large response whose client closes the connection as soon as it has read it all', async () => {
    // curl does this: it has every byte Content-Length announced and closes before the proxy has
    // seen the end of the upstream body (paused while the sidecar file drains). Nothing is cut.
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    const port = Number(new URL(proxy.url).port);
    for (let i = 0; i < 6; i++) {
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET /medium HTTP/1.1\r\nHost: a\r\n\r\n`));
        let received = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          received = Buffer.concat([received, chunk]);
          const headEnd = received.indexOf('\r\n\r\n');
          if (headEnd !== -1 && received.length - headEnd - 4 >= medium.length) {
            socket.destroy();
            resolve();
          }
        });
        socket.on('error', reject);
      });
    }
    const summary = await proxy.close();
    proxy = undefined;
    expect(summary.recorded).toBe(6);
    const sidecars = (await readdir(fixtures.dir, { recursive: true })).map(String).filter((f) => f.endsWith('.body'));
    expect(sidecars).toHaveLength(6);
    for (const sidecar of sidecars) expect(sha(await readFile(path.join(fixtures.dir, sidecar)))).toBe(sha(medium));
  });
});
