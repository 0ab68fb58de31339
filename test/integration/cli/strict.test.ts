import { afterEach, describe, expect, test } from '@jest/globals';
import { createTestServer, type TestServer } from '../../helpers/http-test-server.js';
import { killAllSpawned, spawnCli } from '../../helpers/spawn-cli.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';

let api: TestServer | undefined;

afterEach(async () => {
  await killAllSpawned();
  await api?.close();
  api = undefined;
  await removeTempDirs();
});

/** Records GET /a and GET /b into a fresh fixture root and returns it. */
async function recordTwoFixtures(): Promise<string> {
  const fixtures = await makeTempDir();
  api = await createTestServer((req, res) => res.end(`answer for ${req.url}`));
  const recorder = spawnCli(['record', '--target', api.url, '--fixtures', fixtures, '--port', '0']);
  const url = await recorder.waitForUrl();
  await (await fetch(`${url}/a`)).text();
  await (await fetch(`${url}/b`)).text();
  recorder.kill('SIGTERM');
  await expect(recorder.waitForExit()).resolves.toEqual({ code: 0, signal: null });
  return fixtures;
}

/** Replays `paths` with `args`, stops with SIGTERM and returns how it ended. */
async function replay(fixtures: string, paths: string[], args: string[] = []) {
  const replayer = spawnCli(['replay', '--fixtures', fixtures, '--port', '0', ...args]);
  const url = await replayer.waitForUrl();
  for (const p of paths) await (await fetch(`${url}${p}`)).text();
  replayer.kill('SIGTERM');
  const { code } = await replayer.waitForExit();
  return { code, stdout: replayer.stdout(), stderr: replayer.stderr() };
}

describe('proxytape replay --strict', () => {
  test('exits 0 when every request replayed and every fixture was used', async () => {
    const fixtures = await recordTwoFixtures();

    const { code, stdout, stderr } = await replay(fixtures, ['/a', '/b'], ['--strict']);

    expect(code).toBe(0);
    expect(stdout).toContain('proxytape stopped: 2 requests served (0 recorded, 2 replayed, 0 missed), 0 errors, 0 unused fixtures.\n');
    expect(stderr).not.toContain('--strict');
  });

  test('exits 1 when a request missed', async () => {
    const fixtures = await recordTwoFixtures();

    const { code, stderr } = await replay(fixtures, ['/a', '/b', '/c'], ['--strict']);

    expect(code).toBe(1);
    expect(stderr).toContain('proxytape: --strict: 1 request missed. Exiting with code 1.\n');
  });

  test('exits 1 when a fixture went unused, and lists it', async () => {
    const fixtures = await recordTwoFixtures();

    const { code, stdout, stderr } = await replay(fixtures, ['/a'], ['--strict']);

    expect(code).toBe(1);
    expect(stdout).toMatch(
      new RegExp(
        `proxytape stopped: 1 request served \\(0 recorded, 1 replayed, 0 missed\\), 0 errors, 1 unused fixture\\.\\n` +
          `Unused fixtures \\(no request replayed them\\):\\n  ${fixtures}/default/127\\.0\\.0\\.1/GET-b-[0-9a-f]{8}-0\\.json\\n$`,
      ),
    );
    expect(stderr).toContain('proxytape: --strict: 1 fixture unused. Exiting with code 1.\n');
  });

  test('names both reasons when a request missed and a fixture went unused', async () => {
    const fixtures = await recordTwoFixtures();

    const { code, stderr } = await replay(fixtures, ['/a', '/zzz'], ['--strict']);

    expect(code).toBe(1);
    expect(stderr).toContain('proxytape: --strict: 1 request missed and 1 fixture unused. Exiting with code 1.\n');
  });

  test('without --strict, misses and unused fixtures still exit 0', async () => {
    const fixtures = await recordTwoFixtures();

    const { code, stdout } = await replay(fixtures, ['/zzz']);

    expect(code).toBe(0);
    expect(stdout).toContain('(0 recorded, 0 replayed, 1 missed), 0 errors, 2 unused fixtures.\n');
  });

  test('counts only the cassettes requests went to: the default one goes unchecked when every request named another', async () => {
    const fixtures = await recordTwoFixtures();
    const recorder = spawnCli(['record', '--target', api!.url, '--fixtures', fixtures, '--port', '0']);
    const recordUrl = await recorder.waitForUrl();
    await (await fetch(`${recordUrl}/c`, { headers: { 'x-proxytape-cassette': 'other' } })).text();
    recorder.kill('SIGTERM');
    await expect(recorder.waitForExit()).resolves.toEqual({ code: 0, signal: null });

    const replayer = spawnCli(['replay', '--fixtures', fixtures, '--port', '0', '--strict']);
    const url = await replayer.waitForUrl();
    expect(await (await fetch(`${url}/c`, { headers: { 'x-proxytape-cassette': 'other' } })).text()).toBe('answer for /c');
    replayer.kill('SIGTERM');
    expect((await replayer.waitForExit()).code).toBe(0);
    expect(replayer.stdout()).toContain('(0 recorded, 1 replayed, 0 missed), 0 errors, 0 unused fixtures.\n');

    // No request at all: the proxy's own cassette is checked, so tests that never reached the proxy fail --strict.
    const { code, stdout } = await replay(fixtures, [], ['--strict']);
    expect(code).toBe(1);
    expect(stdout).toContain('(0 recorded, 0 replayed, 0 missed), 0 errors, 2 unused fixtures.\n');
  });

  test('record --strict exits 0: fixtures recorded in this run are not unused', async () => {
    const fixtures = await makeTempDir();
    api = await createTestServer((_req, res) => res.end('ok'));
    const recorder = spawnCli(['record', '--target', api.url, '--fixtures', fixtures, '--port', '0', '--strict']);
    await (await fetch(`${await recorder.waitForUrl()}/a`)).text();

    recorder.kill('SIGTERM');

    await expect(recorder.waitForExit()).resolves.toEqual({ code: 0, signal: null });
    expect(recorder.stdout()).toContain('(1 recorded, 0 replayed, 0 missed), 0 errors, 0 unused fixtures.\n');
  });
});
