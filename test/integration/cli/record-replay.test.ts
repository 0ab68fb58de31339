import { afterEach, describe, expect, test } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { createTestServer, type TestServer } from '../../helpers/http-test-server.js';
import { killAllSpawned, spawnCli } from '../../helpers/spawn-cli.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';

const servers: TestServer[] = [];

async function backend(listener: http.RequestListener): Promise<TestServer> {
  const server = await createTestServer(listener);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await killAllSpawned();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await removeTempDirs();
});

/** Every file under `dir`, relative to it, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** A backend with a JSON route and a text route; counts the requests it serves. */
async function usersApi(): Promise<TestServer & { hits: () => number }> {
  let hits = 0;
  const api = await backend((req, res) => {
    hits += 1;
    if (req.url === '/api/users?page=1') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify([{ id: 1, name: 'Ada' }]));
      return;
    }
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(`hello from ${req.method} ${req.url}`);
  });
  return Object.assign(api, { hits: () => hits });
}

describe('proxytape record, then replay without the backend', () => {
  test('records JSON and text through the CLI, then replays them byte for byte with the backend gone', async () => {
    const fixtures = await makeTempDir();
    const api = await usersApi();

    const recorder = spawnCli(['record', '--target', api.url, '--fixtures', fixtures, '--port', '0']);
    const recordUrl = await recorder.waitForUrl();
    expect(recorder.stdout()).toBe(`proxytape record listening on ${recordUrl} → ${api.url} (fixtures: ${fixtures}, cassette: default)\n`);
    const live = await fetch(`${recordUrl}/api/users?page=1`);
    const liveJson = await live.text();
    const liveText = await (await fetch(`${recordUrl}/hello`)).text();
    expect(live.headers.get('x-proxytape')).toBe('recorded');
    const [line] = await recorder.waitFor(/^recorded GET \/api\/users\?page=1 .*$/m, { stream: 'stderr' });
    expect(line).toMatch(
      new RegExp(`^recorded GET /api/users\\?page=1 200 \\d+ms ${fixtures}/default/127\\.0\\.0\\.1/GET-api-users-[0-9a-f]{8}-0\\.json$`),
    );
    recorder.kill('SIGTERM');
    await expect(recorder.waitForExit()).resolves.toEqual({ code: 0, signal: null });
    expect(recorder.stdout()).toContain(
      'proxytape stopped: 2 requests served (2 recorded, 0 replayed, 0 missed), 0 errors, 0 unused fixtures.\n',
    );
    expect(await listFiles(fixtures)).toEqual([
      expect.stringMatching(/^default\/127\.0\.0\.1\/GET-api-users-[0-9a-f]{8}-0\.json$/),
      expect.stringMatching(/^default\/127\.0\.0\.1\/GET-hello-[0-9a-f]{8}-0\.json$/),
    ]);

    await api.close();
    const hitsWhileRecording = api.hits();
    const replayer = spawnCli(['replay', '--fixtures', fixtures, '--port', '0']);
    const replayUrl = await replayer.waitForUrl();
    expect(replayer.stdout()).toBe(`proxytape replay listening on ${replayUrl} (fixtures: ${fixtures}, cassette: default)\n`);

    const replayedJson = await fetch(`${replayUrl}/api/users?page=1`);
    const replayedText = await fetch(`${replayUrl}/hello`);

    expect(replayedJson.status).toBe(200);
    expect(replayedJson.headers.get('x-proxytape')).toBe('replayed');
    expect(replayedJson.headers.get('content-type')).toBe('application/json');
    expect(await replayedJson.text()).toBe(liveJson);
    expect(await replayedText.text()).toBe(liveText);
    await replayer.waitFor(/^replayed GET \/hello 200 \d+ms \S+GET-hello-[0-9a-f]{8}-0\.json$/m, { stream: 'stderr' });
    replayer.kill('SIGTERM');
    await expect(replayer.waitForExit()).resolves.toEqual({ code: 0, signal: null });
    expect(replayer.stdout()).toContain(
      'proxytape stopped: 2 requests served (0 recorded, 2 replayed, 0 missed), 0 errors, 0 unused fixtures.\n',
    );
    expect(api.hits()).toBe(hitsWhileRecording);
  });

  test('a replay miss answers 502 x-proxytape: miss and prints the explanation, indented, on stderr', async () => {
    const fixtures = await makeTempDir();
    const api = await usersApi();
    const recorder = spawnCli(['record', '--target', api.url, '--fixtures', fixtures, '--port', '0']);
    await fetch(`${await recorder.waitForUrl()}/api/users?page=1`).then((r) => r.text());
    recorder.kill('SIGTERM');
    await recorder.waitForExit();

    const replayer = spawnCli(['replay', '--fixtures', fixtures, '--port', '0']);
    const url = await replayer.waitForUrl();
    const response = await fetch(`${url}/api/users?page=2`);
    const body = await response.text();

    expect(response.status).toBe(502);
    expect(response.headers.get('x-proxytape')).toBe('miss');
    expect(response.headers.get('x-proxytape-error')).toBe('PROXYTAPE_REPLAY_MISS');
    const [statusLine, ...explanation] = body.trimEnd().split('\n');
    expect(statusLine).toBe('502 Bad Gateway (PROXYTAPE_REPLAY_MISS)');
    expect(explanation[0]).toBe('Failed to replay GET /api/users?page=2 (mode: replay, cassette: default): no fixture matches.');
    expect(explanation.join('\n')).toContain('Nearest: GET /api/users');
    const indented = explanation.map((line) => (line === '' ? '' : `    ${line}`)).join('\n');
    await replayer.waitFor(/^miss .*PROXYTAPE_REPLAY_MISS$/m, { stream: 'stderr' });
    expect(replayer.stderr()).toMatch(/^miss {5}GET \/api\/users\?page=2 502 \d+ms PROXYTAPE_REPLAY_MISS\n/m);
    expect(replayer.stderr()).toContain(`PROXYTAPE_REPLAY_MISS\n${indented}\n`);

    replayer.kill('SIGTERM');
    await expect(replayer.waitForExit()).resolves.toEqual({ code: 0, signal: null });
    expect(replayer.stdout()).toContain('(0 recorded, 0 replayed, 1 missed), 0 errors, 1 unused fixture.\n');
  });

  test('secrets in the query are redacted in the request log', async () => {
    const fixtures = await makeTempDir();
    const api = await backend((_req, res) => res.end('results'));
    const recorder = spawnCli(['record', '--target', api.url, '--fixtures', fixtures, '--port', '0']);
    const url = await recorder.waitForUrl();

    await (await fetch(`${url}/search?q=cats&api_key=s3cr3t-value`)).text();

    const [line] = await recorder.waitFor(/^recorded .*$/m, { stream: 'stderr' });
    expect(line).toMatch(/^recorded GET \/search\?q=cats&api_key=\[REDACTED\] 200 \d+ms /);
    expect(recorder.stderr()).not.toContain('s3cr3t-value');
    recorder.kill('SIGTERM');
    await recorder.waitForExit();
    for (const file of await listFiles(fixtures)) {
      expect(await readFile(path.join(fixtures, file), 'utf8')).not.toContain('s3cr3t-value');
    }
  });

  test('auto mode replays what exists and records what is missing', async () => {
    const fixtures = await makeTempDir();
    const api = await usersApi();
    const first = spawnCli(['auto', '--target', api.url, '--fixtures', fixtures, '--port', '0']);
    const firstUrl = await first.waitForUrl();
    expect((await fetch(`${firstUrl}/hello`)).headers.get('x-proxytape')).toBe('recorded');
    first.kill('SIGTERM');
    await expect(first.waitForExit()).resolves.toEqual({ code: 0, signal: null });

    const second = spawnCli(['auto', '--target', api.url, '--fixtures', fixtures, '--port', '0']);
    const url = await second.waitForUrl();
    const known = await fetch(`${url}/hello`);
    await known.text();
    const added = await fetch(`${url}/api/users?page=1`);
    await added.text();

    expect([known.headers.get('x-proxytape'), added.headers.get('x-proxytape')]).toEqual(['replayed', 'recorded']);
    expect(api.hits()).toBe(2);
    second.kill('SIGTERM');
    await expect(second.waitForExit()).resolves.toEqual({ code: 0, signal: null });
    expect(second.stdout()).toContain('(1 recorded, 1 replayed, 0 missed), 0 errors, 0 unused fixtures.\n');
  });
});
