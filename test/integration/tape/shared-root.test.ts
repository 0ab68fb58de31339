import { mkdir, writeFile } from 'node:fs/promises';
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
});
