import { afterEach, describe, expect, test } from '@jest/globals';
import { readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
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

/** One GET on a fresh connection (no keep-alive pool). */
function getOnNewConnection(url: string): Promise<{ status: number; body: string; source: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, source: res.headers['x-proxytape'] as string | undefined }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('proxytape record shutdown', () => {
  test('SIGTERM lets the in-flight request finish, flushes its fixture, prints the summary and exits 0', async () => {
    let onRequest!: () => void;
    const received = new Promise<void>((resolve) => (onRequest = resolve));
    api = await createTestServer((_req, res) => {
      onRequest();
      res.setHeader('content-type', 'text/plain');
      res.write('slow ');
      const timer = setTimeout(() => res.end('but complete'), 400);
      res.once('close', () => clearTimeout(timer));
    });
    const fixtures = await makeTempDir();
    const cli = spawnCli(['record', '--target', api.url, '--fixtures', fixtures, '--port', '0']);
    const url = await cli.waitForUrl();

    const pending = getOnNewConnection(`${url}/slow`);
    await received;
    cli.kill('SIGTERM');

    await expect(pending).resolves.toEqual({ status: 200, body: 'slow but complete', source: 'recorded' });
    await expect(cli.waitForExit()).resolves.toEqual({ code: 0, signal: null });
    expect(cli.stderr()).toContain('Received SIGTERM: no longer accepting connections, finishing 1 in-flight request.');
    expect(cli.stdout()).toContain(
      'proxytape stopped: 1 request served (1 recorded, 0 replayed, 0 missed), 0 errors, 0 unused fixtures.\n',
    );
    const dir = path.join(fixtures, 'default', '127.0.0.1');
    const files = await readdir(dir);
    expect(files).toEqual([expect.stringMatching(/^GET-slow-[0-9a-f]{8}-0\.json$/)]);
    const fixture = JSON.parse(await readFile(path.join(dir, files[0]!), 'utf8')) as { response: { body: unknown } };
    expect(fixture.response.body).toEqual({ encoding: 'text', text: 'slow but complete' });
  });
});
