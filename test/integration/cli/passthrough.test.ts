import { afterEach, describe, expect, test } from '@jest/globals';
import type http from 'node:http';
import { createTestServer, type TestServer } from '../../helpers/http-test-server.js';
import { killAllSpawned, spawnCli } from '../../helpers/spawn-cli.js';

const servers: TestServer[] = [];

async function backend(listener: http.RequestListener): Promise<TestServer> {
  const server = await createTestServer(listener);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await killAllSpawned();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('proxytape passthrough', () => {
  test('prints exactly one stdout line: the listening URL and the target', async () => {
    const api = await backend((_req, res) => res.end('ok'));
    const cli = spawnCli(['passthrough', '--target', api.url, '--port', '0']);
    const url = await cli.waitForUrl();

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.stdout()).toBe(`proxytape passthrough listening on ${url} → ${api.url}\n`);
  });

  test('forwards a GET to the backend and marks the response x-proxytape: proxied', async () => {
    const api = await backend((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url }));
    });
    const cli = spawnCli(['passthrough', '--target', api.url, '--port', '0']);
    const url = await cli.waitForUrl();

    const response = await fetch(`${url}/api/users?page=2`);

    expect(response.status).toBe(200);
    expect(response.headers.get('x-proxytape')).toBe('proxied');
    expect(await response.json()).toEqual({ method: 'GET', url: '/api/users?page=2' });
  });

  test('logs each request on stderr with source, method, URL, status and duration', async () => {
    const api = await backend((_req, res) => {
      res.statusCode = 201;
      res.end('created');
    });
    const cli = spawnCli(['passthrough', '--target', api.url, '--port', '0']);
    const url = await cli.waitForUrl();

    await (await fetch(`${url}/items?x=1`, { method: 'POST', body: 'new item' })).text();

    const [line] = await cli.waitFor(/^proxied.*$/m, { stream: 'stderr' });
    expect(line).toMatch(/^proxied {2}POST \/items\?x=1 201 \d+ms$/);
    expect(line).not.toContain('\u001b['); // NO_COLOR=1: plain text
  });

  test('answers 502 for an unreachable backend and logs it as an error with its code', async () => {
    const gone = await createTestServer((_req, res) => res.end());
    await gone.close(); // nothing listens on this port any more
    const cli = spawnCli(['passthrough', '--target', gone.url, '--port', '0']);
    const url = await cli.waitForUrl();

    const response = await fetch(`${url}/down`);

    expect(response.status).toBe(502);
    expect(response.headers.get('x-proxytape')).toBe('error');
    const [line] = await cli.waitFor(/^error.*$/m, { stream: 'stderr' });
    expect(line).toMatch(
      /^error {4}GET \/down 502 \d+ms PROXYTAPE_UPSTREAM_REFUSED Failed to proxy GET \/down: The backend refused the connection\./,
    );
  });

  test('sends the target host upstream by default and the client Host with --preserve-host', async () => {
    const api = await backend((req, res) => res.end(req.headers.host));

    const rewriting = spawnCli(['passthrough', '--target', api.url, '--port', '0']);
    const rewritingUrl = await rewriting.waitForUrl();
    const preserving = spawnCli(['passthrough', '--target', api.url, '--port', '0', '--preserve-host']);
    const preservingUrl = await preserving.waitForUrl();

    expect(await (await fetch(`${rewritingUrl}/`)).text()).toBe(new URL(api.url).host);
    expect(await (await fetch(`${preservingUrl}/`)).text()).toBe(new URL(preservingUrl).host);
  });

  test('--upstream-timeout answers 504 when the backend is slower', async () => {
    const api = await backend((_req, res) => {
      const timer = setTimeout(() => res.end('too late'), 2_000);
      res.once('close', () => clearTimeout(timer));
    });
    const cli = spawnCli(['passthrough', '--target', api.url, '--port', '0', '--upstream-timeout', '200']);
    const url = await cli.waitForUrl();

    const response = await fetch(`${url}/slow?api_key=K-SECRET-1`);

    expect(response.status).toBe(504);
    expect(response.headers.get('x-proxytape-error')).toBe('PROXYTAPE_HEADERS_TIMEOUT');
    const [line] = await cli.waitFor(/^error.*$/m, { stream: 'stderr' });
    expect(line).toMatch(/^error {4}GET \/slow\?api_key=\[REDACTED\] 504 \d+ms PROXYTAPE_HEADERS_TIMEOUT /);
    // The error message names the URL too (the client's and the backend's): redacted as well.
    expect(cli.stderr()).not.toContain('K-SECRET-1');
    expect(await response.text()).not.toContain('K-SECRET-1');
  });
});
