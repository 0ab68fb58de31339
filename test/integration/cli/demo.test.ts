import { afterEach, describe, expect, test } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createTestServer } from '../../helpers/http-test-server.js';
import { DEMO_START_PATH, REPO_ROOT, killAllSpawned, spawnNode } from '../../helpers/spawn-cli.js';

afterEach(killAllSpawned);

/** The shipped demo cassette (read only). */
const DEMO_CASSETTE_DIR = path.join(REPO_ROOT, 'fixtures', 'demo');

describe('npm start (dist/demo/start.js)', () => {
  test('replays the shipped demo fixtures with no backend and stops gracefully on SIGTERM', async () => {
    const demo = spawnNode(DEMO_START_PATH, [], { env: { PORT: '0' } });
    const url = await demo.waitForUrl();

    const response = await fetch(`${url}/api/users`);

    expect(response.status).toBe(200);
    expect(response.headers.get('x-proxytape')).toBe('replayed');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const users = (await response.json()) as { id: number; name: string }[];
    expect(users.map((u) => u.name)).toEqual(['Ada Lovelace', 'Alan Turing', 'Grace Hopper']);
    await demo.waitFor(/^replayed GET \/api\/users 200 \d+ms fixtures\/demo\/127\.0\.0\.1\/GET-api-users-[0-9a-f]{8}-0\.json$/m, {
      stream: 'stderr',
    });

    demo.kill('SIGTERM');
    await expect(demo.waitForExit()).resolves.toEqual({ code: 0, signal: null });
    expect(demo.stdout()).toMatch(
      /proxytape stopped: 1 request served \(0 recorded, 1 replayed, 0 missed\), 0 errors, \d+ unused fixtures\.\n$/,
    );
  });

  test('every curl example of the banner hits a recorded fixture; the miss example misses', async () => {
    const demo = spawnNode(DEMO_START_PATH, [], { env: { PORT: '0' } });
    const url = await demo.waitForUrl();
    await demo.waitFor(/Press Ctrl\+C to stop\./);

    expect(demo.stdout().split('\n').slice(0, 11)).toEqual([
      `proxytape replay listening on ${url} (fixtures: fixtures, cassette: demo)`,
      '',
      'Replaying the recorded demo API: no backend, no network. Try it:',
      `  curl -i ${url}/api/users`,
      `  curl -i -X POST ${url}/api/echo -H 'content-type: application/json' -d '{"hello":"proxytape"}'`,
      `  curl -N ${url}/api/events`,
      '',
      'A request that was never recorded is a miss (502 and an explanation):',
      `  curl -i ${url}/api/users/2`,
      '',
      'Every request is logged below (stderr). Press Ctrl+C to stop.',
    ]);
    const echo = await fetch(`${url}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"hello":"proxytape"}',
    });
    const events = await fetch(`${url}/api/events`);
    const miss = await fetch(`${url}/api/users/2`);

    expect([echo.status, echo.headers.get('x-proxytape')]).toEqual([200, 'replayed']);
    expect(await echo.json()).toEqual({ hello: 'proxytape' });
    expect([events.status, events.headers.get('x-proxytape')]).toEqual([200, 'replayed']);
    expect(await events.text()).toBe(
      [
        'id: 1\nevent: build\ndata: {"step":"install","status":"ok"}\n\n',
        'id: 2\nevent: build\ndata: {"step":"test","status":"ok"}\n\n',
        'id: 3\nevent: done\ndata: {"result":"success"}\n\n',
      ].join(''),
    );
    expect([miss.status, miss.headers.get('x-proxytape')]).toEqual([502, 'miss']);
    expect(await miss.text()).toContain('Nearest: GET /api/users/1');
  });

  test('the shipped demo cassette holds one fixture per demo request', async () => {
    const files = (await readdir(DEMO_CASSETTE_DIR, { recursive: true })).filter((f) => f.endsWith('.json'));

    expect(files.map((f) => f.replace(/-[0-9a-f]{8}-0\.json$/, '')).sort()).toEqual([
      '127.0.0.1/GET-api',
      '127.0.0.1/GET-api-events',
      '127.0.0.1/GET-api-hello',
      '127.0.0.1/GET-api-users',
      '127.0.0.1/GET-api-users-1',
      '127.0.0.1/GET-api-users-999',
      '127.0.0.1/POST-api-echo',
    ]);
  });

  test('a taken PORT exits 1 and suggests PORT=0', async () => {
    const taken = await createTestServer((_req, res) => res.end());
    try {
      const demo = spawnNode(DEMO_START_PATH, [], { env: { PORT: String(taken.port) } });

      await expect(demo.waitForExit()).resolves.toEqual({ code: 1, signal: null });
      expect(demo.stderr()).toBe(
        `proxytape demo: Cannot listen on 127.0.0.1:${taken.port}: the port is already in use. Stop the process using it, or choose another port with PORT=<n> npm start (PORT=0 npm start picks a free one).\n`,
      );
    } finally {
      await taken.close();
    }
  });

  test('an invalid PORT exits 2 and says what is expected', async () => {
    const demo = spawnNode(DEMO_START_PATH, [], { env: { PORT: 'eighty' } });

    await expect(demo.waitForExit()).resolves.toEqual({ code: 2, signal: null });
    expect(demo.stderr()).toBe(
      'proxytape demo: Invalid PORT "eighty": expected a port number from 0 to 65535 (0 picks a free port). Example: PORT=0 npm start\n',
    );
  });
});
