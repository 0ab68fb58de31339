import { afterEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { fetchOnce, within } from '../../helpers/http-client.js';
import { createTestServer } from '../../helpers/http-test-server.js';
import { startProxyServer } from '../../helpers/proxy-server.js';

// Test-only certificates (see test/fixtures/tls/README.md): a CA and a server cert for localhost / 127.0.0.1.
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/tls/${name}`, import.meta.url), 'utf8');
const ca = fixture('ca.pem');
const tlsServer = { key: fixture('server-key.pem'), cert: fixture('server.pem') };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Seen {
  servername: string | false | null | undefined;
  host: string | undefined;
}

/** An HTTPS backend on 127.0.0.1 only, recording the SNI name and Host of each request. */
async function startHttpsBackend(): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const backend = await createTestServer(
    (req: http.IncomingMessage, res: http.ServerResponse) => {
      seen.push({ servername: (req.socket as TLSSocket).servername, host: req.headers.host });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hello over tls');
    },
    { tls: tlsServer },
  );
  cleanups.push(() => backend.close());
  return { port: backend.port, seen };
}

async function startProxy(config: Parameters<typeof startProxyServer>[0]): Promise<string> {
  const proxy = await startProxyServer(config);
  cleanups.push(() => proxy.close());
  return proxy.url;
}

describe('TLS backends', () => {
  test('an https target trusted through tls.ca is proxied, with SNI set to the target host name', async () => {
    const backend = await startHttpsBackend();
    // The backend listens on 127.0.0.1 only; "localhost" may resolve to ::1 first, and Node 20's
    // happy-eyeballs connect (autoSelectFamily) falls through to 127.0.0.1 when ::1 refuses.
    const url = await startProxy({ target: `https://localhost:${backend.port}`, tls: { ca } });

    const res = await within(fetchOnce(`${url}/hello`), 2_000, 'the proxied https response');

    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('hello over tls');
    expect(res.headers['x-proxytape']).toBe('proxied');
    expect(backend.seen).toEqual([{ servername: 'localhost', host: `localhost:${backend.port}` }]);
  });

  test('tls.servername overrides the SNI name when the target is an IP address', async () => {
    const backend = await startHttpsBackend();
    const url = await startProxy({ target: `https://127.0.0.1:${backend.port}`, tls: { ca, servername: 'localhost' } });

    const res = await within(fetchOnce(`${url}/`), 2_000, 'the proxied https response');

    expect(res.status).toBe(200);
    expect(backend.seen.map((s) => s.servername)).toEqual(['localhost']);
  });

  test('tls.servername overrides the SNI name of a host-name target too (the certificate is then checked against it)', async () => {
    const backend = await startHttpsBackend();
    // The test certificate is for localhost and 127.0.0.1 only: naming another server fails the check.
    const url = await startProxy({ target: `https://localhost:${backend.port}`, tls: { ca, servername: 'other.test' } });

    const res = await within(fetchOnce(`${url}/`), 2_000, 'the 502 answer');

    expect(res.status).toBe(502);
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_UPSTREAM_TLS');
    expect(res.body.toString()).toContain('other.test');
  });

  test('an https backend with an untrusted certificate answers 502 PROXYTAPE_UPSTREAM_TLS', async () => {
    const backend = await startHttpsBackend();
    const url = await startProxy({ target: `https://localhost:${backend.port}` });

    const res = await within(fetchOnce(`${url}/secret`), 2_000, 'the 502 answer');

    expect(res.status).toBe(502);
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_UPSTREAM_TLS');
    expect(res.headers['x-proxytape']).toBe('error');
    expect(res.body.toString()).toContain('GET /secret');
    expect(backend.seen).toEqual([]);
  });

  test('tls.rejectUnauthorized: false accepts the untrusted certificate', async () => {
    const backend = await startHttpsBackend();
    const url = await startProxy({ target: `https://localhost:${backend.port}`, tls: { rejectUnauthorized: false } });

    const res = await within(fetchOnce(`${url}/`), 2_000, 'the proxied https response');

    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('hello over tls');
  });

  test('a TLS handshake that never completes answers 504 PROXYTAPE_CONNECT_TIMEOUT after timeouts.connect', async () => {
    // A plain TCP server: it accepts the connection but never answers the ClientHello, so only
    // the TLS handshake can time out. undici counts it in its connect timeout: the timer is
    // cleared on 'secureConnect', not on the TCP 'connect'. undici's timers tick every ~500 ms,
    // so a 200 ms timeout fires after 200–1000 ms.
    const silent = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      silent.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => silent.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of silent) s.destroy();
          server.close(() => resolve());
        }),
    );
    const { port } = server.address() as net.AddressInfo;
    const url = await startProxy({ target: `https://127.0.0.1:${port}`, tls: { ca }, timeouts: { connect: 200 } });

    const started = performance.now();
    const res = await within(fetchOnce(`${url}/slow`), 2_000, 'the 504 answer');
    const elapsed = performance.now() - started;

    expect(res.status).toBe(504);
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_CONNECT_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(elapsed).toBeLessThan(1_500);
  });
});
