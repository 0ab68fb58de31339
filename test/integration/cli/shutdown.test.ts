import { afterEach, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import { createTestServer, type TestServer } from '../../helpers/http-test-server.js';
import { killAllSpawned, spawnCli } from '../../helpers/spawn-cli.js';

const servers: TestServer[] = [];

afterEach(async () => {
  await killAllSpawned();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A backend that answers after `delayMs`; `received` resolves when the first request arrives. */
async function slowBackend(delayMs: number): Promise<{ url: string; received: Promise<void> }> {
  let onRequest!: () => void;
  const received = new Promise<void>((resolve) => (onRequest = resolve));
  const server = await createTestServer((_req, res) => {
    onRequest();
    const timer = setTimeout(() => res.end('slow but complete'), delayMs);
    res.once('close', () => clearTimeout(timer));
  });
  servers.push(server);
  return { url: server.url, received };
}

/** One GET on a fresh connection (no keep-alive pool), so a refused connection shows as an error. */
function getOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('proxytape passthrough shutdown', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)('%s lets the in-flight request finish, then exits 0 with a summary', async (signal) => {
    const api = await slowBackend(300);
    const cli = spawnCli(['passthrough', '--target', api.url, '--port', '0']);
    const url = await cli.waitForUrl();

    const pending = getOnNewConnection(`${url}/slow`);
    await api.received;
    cli.kill(signal);

    await expect(pending).resolves.toEqual({ status: 200, body: 'slow but complete' });
    await expect(cli.waitForExit()).resolves.toEqual({ code: 0, signal: null });
    expect(cli.stderr()).toContain(
      `Received ${signal}: no longer accepting connections, finishing 1 in-flight request. Press Ctrl+C again to exit immediately.\n`,
    );
    expect(cli.stdout().split('\n').at(-2)).toBe('proxytape stopped: 1 request served, 0 errors.');
  });

  test('refuses new connections while draining', async () => {
    const api = await slowBackend(1_000);
    const cli = spawnCli(['passthrough', '--target', api.url, '--port', '0']);
    const url = await cli.waitForUrl();
    const pending = getOnNewConnection(`${url}/slow`);
    await api.received;

    cli.kill('SIGTERM');
    await cli.waitFor(/no longer accepting connections/, { stream: 'stderr' });

    await expect(getOnNewConnection(`${url}/late`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(pending).resolves.toMatchObject({ status: 200 });
    await expect(cli.waitForExit()).resolves.toEqual({ code: 0, signal: null });
  });

  test('a second signal during the drain exits 130 at once', async () => {
    const api = await slowBackend(10_000);
    const cli = spawnCli(['passthrough', '--target', api.url, '--port', '0']);
    const url = await cli.waitForUrl();
    const pending = getOnNewConnection(`${url}/never`).catch((error: unknown) => error);
    await api.received;

    cli.kill('SIGTERM');
    await cli.waitFor(/no longer accepting connections/, { stream: 'stderr' });
    const started = Date.now();
    cli.kill('SIGINT');

    await expect(cli.waitForExit()).resolves.toEqual({ code: 130, signal: null });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(cli.stderr()).toContain('Received SIGINT again: exiting now with 1 request still in flight.\n');
    expect(cli.stdout()).not.toContain('proxytape stopped');
    await expect(pending).resolves.toMatchObject({ code: 'ECONNRESET' });
  });

  test('the summary counts requests that failed', async () => {
    const gone = await createTestServer((_req, res) => res.end());
    await gone.close();
    const cli = spawnCli(['passthrough', '--target', gone.url, '--port', '0']);
    const url = await cli.waitForUrl();

    await getOnNewConnection(`${url}/a`);
    await getOnNewConnection(`${url}/b`);
    cli.kill('SIGTERM');

    await expect(cli.waitForExit()).resolves.toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toContain('proxytape stopped: 2 requests served, 2 errors.\n');
  });
});
