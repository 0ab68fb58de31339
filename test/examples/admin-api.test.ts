import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type RunningProxy, startProxy } from '../../src/index.js';
import { createTestServer, type TestServer } from '../helpers/http-test-server.js';
import { REPO_ROOT, killAllSpawned, spawnNode } from '../helpers/spawn-cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

/** Runs examples/admin-api/check-forwarded.mjs against a proxy started here, as CI would. */
const SCRIPT = path.join(REPO_ROOT, 'examples/admin-api/check-forwarded.mjs');
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let backend: TestServer;
let proxy: RunningProxy;

beforeEach(async () => {
  backend = await createTestServer((req, res) => {
    req.resume();
    res.end('ok');
  });
  proxy = await startProxy({ mode: 'record', target: backend.url, fixtures: await makeTempDir('proxytape-admin-example-') });
});

afterEach(async () => {
  await killAllSpawned();
  await proxy.close();
  await backend.close();
  await removeTempDirs();
});

async function send(cassette: string, pathname: string, headers: Record<string, string>): Promise<void> {
  await (await proxy.cassette(cassette).fetch(pathname, { headers })).text();
}

async function check(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = spawnNode(SCRIPT, args);
  const { code } = await script.waitForExit(10_000);
  return { code, stdout: script.stdout(), stderr: script.stderr() };
}

describe('examples/admin-api/check-forwarded.mjs', () => {
  test('passes when every request sent the required header and none the forbidden one', async () => {
    await send('checkout', '/cart', { 'x-request-id': 'r1' });
    await send('checkout', '/pay', { 'x-request-id': 'r2', authorization: 'Bearer t' });
    const result = await check([proxy.url, '--cassette', 'checkout', '--require', 'X-Request-Id', '--forbid', 'x-internal-debug']);
    expect(result).toEqual({
      code: 0,
      stdout:
        `proxytape ${VERSION} at ${proxy.url}: mode record, target ${backend.url}\n` +
        'ok: 2 forwarded request(s) in cassette "checkout"; every request sent x-request-id; none sent x-internal-debug.\n',
      stderr: '',
    });
  });

  test('fails naming each request and header, and --clear empties the journal', async () => {
    await send('default', '/a', { 'x-request-id': 'r1' });
    await send('default', '/b', { 'x-internal-debug': '1' });
    const result = await check([proxy.url, '--require', 'x-request-id', '--forbid', 'x-internal-debug', '--clear']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        `FAIL #2 GET ${backend.url}/b: missing x-request-id`,
        `FAIL #2 GET ${backend.url}/b: sent x-internal-debug: "1"`,
        '2 problem(s) in 2 forwarded request(s).',
        '',
      ].join('\n'),
    );
    expect(proxy.journal.size).toBe(0);
  });

  test('exits 2 with the usage when nothing is to be checked, and when the proxy is unreachable', async () => {
    const noChecks = await check([proxy.url]);
    expect(noChecks.code).toBe(2);
    expect(noChecks.stderr).toMatch(/^Nothing to check: give --require and\/or --forbid\.\nUsage: node check-forwarded\.mjs/);
    const closed = await createTestServer(() => undefined);
    const deadUrl = closed.url;
    await closed.close();
    const unreachable = await check([deadUrl, '--require', 'x-request-id']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(new RegExp(`^Cannot reach proxytape at ${deadUrl}: .*ECONNREFUSED`));
  });
});
