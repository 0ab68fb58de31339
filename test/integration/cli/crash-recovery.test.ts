import { readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
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

describe('a recording proxy killed with SIGKILL', () => {
  test('leaves nothing that breaks the next start: no half fixture is served, the request is a plain miss', async () => {
    const fixtures = await makeTempDir();
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    // 2 MiB announced, sent slowly: the recorder has spilled to a temp file when the proxy dies.
    api = await createTestServer((req, res) => {
      if (req.url === '/small') return void res.end('small body');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(32 * chunk.length) });
      const timer = setInterval(() => {
        if (res.destroyed || sent >= 32) return clearInterval(timer);
        res.write(chunk);
        sent++;
      }, 20);
      res.on('close', () => clearInterval(timer));
    });
    const recorder = spawnCli(['record', '--target', api.url, '--fixtures', fixtures, '--port', '0']);
    const url = await recorder.waitForUrl();
    await (await fetch(`${url}/small`)).text();
    await recorder.waitFor(/recorded\s+GET \/small/, { stream: 'stderr' });

    const partial = await new Promise<number>((resolve, reject) => {
      http
        .get(`${url}/big`, (res) => {
          let received = 0;
          res.on('data', (c: Buffer) => {
            received += c.length;
            // Half-way through the body: kill the proxy without any chance to clean up.
            if (received >= 8 * chunk.length && !recorder.child.killed) {
              recorder.kill('SIGKILL');
              resolve(received);
            }
          });
          res.on('error', () => undefined);
        })
        .on('error', reject);
    });
    expect(partial).toBeLessThan(32 * chunk.length);
    await expect(recorder.waitForExit()).resolves.toMatchObject({ signal: 'SIGKILL' });

    const replayer = spawnCli(['replay', '--fixtures', fixtures, '--port', '0']);
    const replayUrl = await replayer.waitForUrl();
    const small = await fetch(`${replayUrl}/small`);
    expect(small.headers.get('x-proxytape')).toBe('replayed');
    expect(await small.text()).toBe('small body');
    const big = await fetch(`${replayUrl}/big`);
    expect(big.status).toBe(502);
    expect(big.headers.get('x-proxytape')).toBe('miss');
    await big.text();
    replayer.kill('SIGTERM');
    await expect(replayer.waitForExit()).resolves.toEqual({ code: 0, signal: null });

    const names = (await readdir(fixtures, { recursive: true })).map((n) => path.basename(String(n)));
    expect(names.filter((n) => n.endsWith('.json'))).toHaveLength(1);
  });
});
