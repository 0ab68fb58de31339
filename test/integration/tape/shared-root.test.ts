import { mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';
import { type TapeProxy, startTapeProxy, tempFixtures } from '../../helpers/tape-proxy.js';

/**
 * Two proxies on one fixture root (each with its own store, as two test workers or two
 * processes have): a fixture one of them records is replayed by the other, which looks for
 * new files on a miss instead of answering from the index it built at start.
 */
describe('fixtures recorded by another proxy while this one runs', () => {
  let fixtures: Awaited<ReturnType<typeof tempFixtures>>;
  let backend: TestServer;
  let hits: number;
  const proxies: TapeProxy[] = [];

  beforeEach(async () => {
    fixtures = await tempFixtures();
    hits = 0;
    backend = await createTestServer((req, res) => void res.end(`live ${req.url} #${++hits}`));
  });
  afterEach(async () => {
    while (proxies.length > 0) await proxies.pop()!.close();
    await backend.close();
    await fixtures.remove();
  });

  async function start(options: Parameters<typeof startTapeProxy>[0]): Promise<TapeProxy> {
    const proxy = await startTapeProxy(options);
    proxies.push(proxy);
    return proxy;
  }
  const get = async (url: string): Promise<{ source: string | null; status: number; text: string }> => {
    const res = await fetch(url);
    return { source: res.headers.get('x-proxytape'), status: res.status, text: await res.text() };
  };

  it('replay picks up a fixture another proxy recorded after it started', async () => {
    const replay = await start({ mode: 'replay', fixtures: fixtures.dir });
    expect((await get(`${replay.url}/users`)).source).toBe('miss');

    const recorder = await start({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    await get(`${recorder.url}/users`);
    await recorder.close();

    expect(await get(`${replay.url}/users`)).toEqual({ source: 'replayed', status: 200, text: 'live /users #1' });
    expect(hits).toBe(1);
  });

  it('auto mode replays what another proxy recorded instead of recording it again', async () => {
    const auto = await start({ mode: 'auto', target: backend.url, fixtures: fixtures.dir });
    const other = await start({ mode: 'auto', target: backend.url, fixtures: fixtures.dir });
    expect((await get(`${other.url}/orders`)).source).toBe('recorded');
    await other.tape.transport.flush();

    expect(await get(`${auto.url}/orders`)).toEqual({ source: 'replayed', status: 200, text: 'live /orders #1' });
    expect(hits).toBe(1);
  });

  it('refuses a corrupt fixture that appeared, naming it, instead of a miss', async () => {
    const replay = await start({ mode: 'replay', fixtures: fixtures.dir });
    const dir = path.join(fixtures.dir, 'default', '127.0.0.1');
    await mkdir(dir, { recursive: true });
    const bad = path.join(dir, 'GET-broken-00000000-0.json');
    await writeFile(bad, '{ "version": 1, ');

    const res = await get(`${replay.url}/anything`);

    expect(res.status).toBe(500);
    expect(res.text).toContain(`Cannot load fixture ${bad}`);
  });

  it('two proxies recording the same large-body requests at once leave every fixture paired with its own sidecar', async () => {
    let n = 0;
    const varying = await createTestServer((_req, res) => {
      // A different size (and content) on every hit.
      n++;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(3_000 + (n % 7) * 100, n & 0xff));
    });
    try {
      const a = await start({ mode: 'record', target: varying.url, fixtures: fixtures.dir, inlineLimit: 1_000 });
      const b = await start({ mode: 'record', target: varying.url, fixtures: fixtures.dir, inlineLimit: 1_000 });
      await Promise.all(
        Array.from({ length: 20 }, (_, k) => [a, b].map(async (p) => (await fetch(`${p.url}/file/${k}`)).arrayBuffer())).flat(),
      );
      await a.close();
      await b.close();
      // A fresh store checks every sidecar against its fixture's size; replay checks the sha256.
      const replay = await start({ mode: 'replay', fixtures: fixtures.dir, inlineLimit: 1_000 });
      for (let k = 0; k < 20; k++) {
        const res = await fetch(`${replay.url}/file/${k}`);
        const bytes = Buffer.from(await res.arrayBuffer());
        expect([res.status, bytes.length >= 3_000, bytes.every((x) => x === bytes[0])]).toEqual([200, true, true]);
      }
      expect((await readdir(path.join(fixtures.dir, 'default', '127.0.0.1'))).filter((f) => f.endsWith('.lock'))).toEqual([]);
    } finally {
      await varying.close();
    }
  });

  it('keeps looking at a directory whose new file was corrupt: refused again, then loaded once fixed', async () => {
    const recorder = await start({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    await get(`${recorder.url}/a`);
    await get(`${recorder.url}/b`);
    await recorder.close();
    const dir = path.join(fixtures.dir, 'default', '127.0.0.1');
    const files = (await readdir(dir)).sort();
    const [a, b] = [files.find((f) => f.startsWith('GET-a-'))!, files.find((f) => f.startsWith('GET-b-'))!];
    const [aText, bText] = [await readFile(path.join(dir, a), 'utf8'), await readFile(path.join(dir, b), 'utf8')];
    await rm(path.join(dir, a));
    await rm(path.join(dir, b));

    const replay = await start({ mode: 'replay', fixtures: fixtures.dir });
    // Another process is still writing a (in place, half done) and has written b.
    await writeFile(path.join(dir, a), aText.slice(0, 40));
    await writeFile(path.join(dir, b), bText);
    // (An old directory time, as a while later: recent times are never trusted, see fixture-refresh.)
    const past = new Date(Date.now() - 60_000);
    await utimes(dir, past, past);
    expect((await get(`${replay.url}/b`)).status).toBe(500);
    // The directory did not change since, but its corrupt file must not hide b, nor a once complete.
    const again = await get(`${replay.url}/b`);
    expect(again.status).toBe(500);
    expect(again.text).toContain(`Cannot load fixture ${path.join(dir, a)}`);
    await writeFile(path.join(dir, a), aText);
    expect(await get(`${replay.url}/a`)).toEqual({ source: 'replayed', status: 200, text: 'live /a #1' });
    expect(await get(`${replay.url}/b`)).toEqual({ source: 'replayed', status: 200, text: 'live /b #2' });
  });
});
