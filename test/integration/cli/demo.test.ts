import { afterEach, describe, expect, test } from '@jest/globals';
import { createTestServer } from '../../helpers/http-test-server.js';
import { DEMO_START_PATH, killAllSpawned, spawnNode } from '../../helpers/spawn-cli.js';

afterEach(killAllSpawned);

describe('npm start (dist/demo/start.js)', () => {
  test('serves the demo API through proxytape passthrough and stops gracefully on SIGTERM', async () => {
    const demo = spawnNode(DEMO_START_PATH, [], { env: { PORT: '0' } });
    const url = await demo.waitForUrl();

    const response = await fetch(`${url}/api/users`);

    expect(response.status).toBe(200);
    expect(response.headers.get('x-proxytape')).toBe('proxied');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const users = (await response.json()) as { id: number; name: string }[];
    expect(users.map((u) => u.name)).toEqual(['Ada Lovelace', 'Alan Turing', 'Grace Hopper']);
    await demo.waitFor(/^proxied {2}GET \/api\/users 200 \d+ms$/m, { stream: 'stderr' });

    demo.kill('SIGTERM');
    await expect(demo.waitForExit()).resolves.toEqual({ code: 0, signal: null });
    expect(demo.stdout()).toContain('proxytape stopped: 1 request served, 0 errors.\n');
  });

  test('prints the proxy URL, the backend URL and ready-to-paste curl commands', async () => {
    const demo = spawnNode(DEMO_START_PATH, [], { env: { PORT: '0' } });
    const url = await demo.waitForUrl();
    await demo.waitFor(/Press Ctrl\+C to stop\./);

    const lines = demo.stdout().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^proxytape passthrough listening on ${url} → http://127\\.0\\.0\\.1:\\d+ \\(demo backend\\)$`));
    expect(lines.slice(1, 7)).toEqual([
      '',
      'Try it:',
      `  curl -i ${url}/api/users`,
      `  curl -i -X POST ${url}/api/echo -H 'content-type: application/json' -d '{"hello":"proxytape"}'`,
      `  curl -N ${url}/api/events`,
      '',
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
