import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';
import { type TapeProxy, startTapeProxy, tempFixtures } from '../../helpers/tape-proxy.js';

/**
 * Proxies for two backends sharing one fixture root and cassette: each backend's fixtures live
 * in their own host directory (`default/127.0.0.1`, `default/api.orders.test`), and the same
 * request to both (GET /health, one match key) never mixes them up.
 */
describe('one cassette, two backends', () => {
  let fixtures: Awaited<ReturnType<typeof tempFixtures>>;
  let users: TestServer;
  const proxies: TapeProxy[] = [];

  beforeEach(async () => {
    fixtures = await tempFixtures();
    let count = 0;
    users = await createTestServer((_req, res) => void res.end(`users ${++count}`));
  });
  afterEach(async () => {
    while (proxies.length > 0) await proxies.pop()!.close();
    await users.close();
    await fixtures.remove();
  });

  async function start(mode: 'record' | 'replay', target: string): Promise<TapeProxy> {
    const proxy = await startTapeProxy({ mode, target, fixtures: fixtures.dir });
    proxies.push(proxy);
    return proxy;
  }
  const text = async (url: string): Promise<string> => (await fetch(url)).text();

  async function recordUsersTwice(): Promise<void> {
    const proxy = await start('record', users.url);
    await text(`${proxy.url}/health`);
    await text(`${proxy.url}/health`);
    await proxy.close();
    proxies.pop();
  }

  it('re-recording one backend keeps the other backend’s fixtures of the same request, and each replays its own', async () => {
    await recordUsersTwice();
    // The orders API's recordings of the same request, as another proxy (target http://api.orders.test) would have made them.
    const usersDir = path.join(fixtures.dir, 'default', '127.0.0.1');
    const ordersDir = path.join(fixtures.dir, 'default', 'api.orders.test');
    await mkdir(ordersDir);
    for (const name of await readdir(usersDir)) {
      const fixture = await readFile(path.join(usersDir, name), 'utf8');
      await writeFile(path.join(ordersDir, name), fixture.replace(/"users (\d)"/, '"orders $1"'));
    }

    await recordUsersTwice();
    expect((await readdir(ordersDir)).sort()).toEqual((await readdir(usersDir)).sort());

    const usersReplay = await start('replay', users.url);
    const ordersReplay = await start('replay', 'http://api.orders.test');
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push(await text(`${usersReplay.url}/health`), await text(`${ordersReplay.url}/health`));
    expect(seen).toEqual(['users 3', 'orders 1', 'users 4', 'orders 2', 'users 4', 'orders 2']);
  });
});
