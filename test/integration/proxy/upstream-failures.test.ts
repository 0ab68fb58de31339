import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { type ProxyEvent, HttpTransport, isProxyError, proxy } from '../../../src/index.js';
import { delay, fetchOnce, within } from '../../helpers/http-client.js';
import { createTestServer } from '../../helpers/http-test-server.js';
import { startProxyServer } from '../../helpers/proxy-server.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startProxy(config: Parameters<typeof startProxyServer>[0], onResponse?: (event: ProxyEvent) => void): Promise<string> {
  const proxyServer = await startProxyServer(config, onResponse ? { onResponse } : {});
  cleanups.push(() => proxyServer.close());
  return proxyServer.url;
}

/** A raw TCP backend on 127.0.0.1:0 whose connections are handled by `onConnection`. */
async function startTcpBackend(onConnection: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** The first onResponse event (the response ends after the client saw its connection cut). */
function firstEvent(events: ProxyEvent[]): Promise<ProxyEvent> {
  return within(
    new Promise<ProxyEvent>((resolve) => {
      const check = (): void => void (events[0] ? resolve(events[0]) : setTimeout(check, 10));
      check();
    }),
    1_000,
    'the onResponse event',
  );
}

/** A port nothing listens on: bound on port 0, then released. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('upstream failures before the response headers', () => {
  test('a backend that closes the connection before replying answers 502 PROXYTAPE_UPSTREAM_RESET', async () => {
    const port = await startTcpBackend((socket) => socket.once('data', () => socket.destroy()));
    const url = await startProxy({ target: `http://127.0.0.1:${port}` });

    const res = await within(fetchOnce(`${url}/reset?x=1`), 2_000, 'the 502 answer');

    expect(res.status).toBe(502);
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_UPSTREAM_RESET');
    expect(res.headers['x-proxytape']).toBe('error');
    expect(res.body.toString()).toContain('GET /reset?x=1');
  });

  for (const [what, reply] of [
    ['something other than HTTP', 'SSH-2.0-OpenSSH_9.6 this is not http\r\n\r\n'],
    ['a malformed header line', 'HTTP/1.1 200 OK\r\nthis line has no colon\r\n\r\n'],
  ] as const) {
    test(`a backend that answers ${what} answers 502 PROXYTAPE_UPSTREAM_INVALID_RESPONSE`, async () => {
      const port = await startTcpBackend((socket) => socket.once('data', () => socket.end(reply)));
      const url = await startProxy({ target: `http://127.0.0.1:${port}` });

      const res = await within(fetchOnce(`${url}/garbage`), 2_000, 'the 502 answer');

      expect(res.status).toBe(502);
      expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_UPSTREAM_INVALID_RESPONSE');
    });
  }

  test('a backend that sends no headers within timeouts.headers answers 504 PROXYTAPE_HEADERS_TIMEOUT', async () => {
    const backend = await createTestServer(() => {
      /* never answers */
    });
    cleanups.push(() => backend.close());
    const url = await startProxy({ target: backend.url, timeouts: { headers: 300 } });

    const started = performance.now();
    const res = await within(fetchOnce(`${url}/slow`), 2_000, 'the 504 answer');

    expect(res.status).toBe(504);
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_HEADERS_TIMEOUT');
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  test("a short headers timeout fires when it says, not on undici's half-second timer ticks", async () => {
    // undici's own headers timer fires up to a second late (a 100 ms timeout after ~1 s).
    const backend = await createTestServer((_req, res) => {
      setTimeout(() => res.end('late'), 1_500).unref();
    });
    cleanups.push(() => backend.close());
    const url = await startProxy({ target: backend.url, timeouts: { headers: 100 } });

    const started = performance.now();
    const res = await within(fetchOnce(`${url}/slow?api_key=not-in-the-message`), 2_000, 'the 504 answer');
    const elapsed = performance.now() - started;

    expect(res.status).toBe(504);
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_HEADERS_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(700);
    // The message names the request, with its secret query parameters redacted.
    expect(res.body.toString()).toContain('/slow?api_key=[REDACTED]');
    expect(res.body.toString()).not.toContain('not-in-the-message');
  });

  test("a short connect timeout fires when it says, not on undici's timer ticks", async () => {
    // A backend that never accepts: a listener whose process is blocked, its accept queue filled,
    // so the kernel ignores further connection attempts and connect() hangs.
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const s = require('net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => { console.log(s.address().port); setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10000), 50); });",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => void child.kill('SIGKILL'));
    const port = await within(
      new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())))),
      5_000,
      'the blocked listener',
    );
    await delay(150);
    for (let i = 0; i < 4; i++) {
      const filler = net.connect(port, '127.0.0.1');
      filler.on('error', () => undefined);
      cleanups.push(() => void filler.destroy());
    }
    await delay(100);
    const url = await startProxy({ target: `http://127.0.0.1:${port}`, timeouts: { connect: 150 } });

    const started = performance.now();
    const res = await within(fetchOnce(`${url}/hang`), 3_000, 'the 504 answer');
    const elapsed = performance.now() - started;

    expect(res.status).toBe(504);
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_CONNECT_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(700);
  });

  test('a backend host name that does not resolve answers 502 PROXYTAPE_UPSTREAM_DNS', async () => {
    // .invalid is reserved (RFC 6761): it never resolves, and resolvers answer NXDOMAIN at once.
    const url = await startProxy({ target: 'http://does-not-exist.invalid' });

    const res = await within(fetchOnce(`${url}/dns`), 3_000, 'the 502 answer');

    expect(res.status).toBe(502);
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_UPSTREAM_DNS');
    expect(res.body.toString()).toContain('does-not-exist.invalid');
  });

  test('a backend that is not listening answers 502 PROXYTAPE_UPSTREAM_REFUSED', async () => {
    const url = await startProxy({ target: `http://127.0.0.1:${await freePort()}` });

    const res = await within(fetchOnce(`${url}/down`), 2_000, 'the 502 answer');

    expect(res.status).toBe(502);
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_UPSTREAM_REFUSED');
  });
});

describe('upstream failures after the response headers', () => {
  test('a body that stalls longer than timeouts.body aborts the client connection', async () => {
    const backend = await createTestServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('only-the-beginning');
    });
    cleanups.push(() => backend.close());
    const events: ProxyEvent[] = [];
    const url = await startProxy({ target: backend.url, timeouts: { body: 300 } }, (e) => events.push(e));

    const outcome = await within(
      new Promise<{ status: number | undefined; body: string; complete: boolean; ended: boolean; error: Error | undefined }>(
        (resolve, reject) => {
          const req = http.request(`${url}/stall`, { agent: false }, (res) => {
            let body = '';
            let ended = false;
            let error: Error | undefined;
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => (ended = true));
            res.on('error', (err) => (error = err));
            res.on('close', () => resolve({ status: res.statusCode, body, complete: res.complete, ended, error }));
          });
          req.on('error', reject);
          req.end();
        },
      ),
      2_500,
      'the client connection to be aborted',
    );

    expect(outcome.status).toBe(200);
    expect(outcome.body).toBe('only-the-beginning');
    expect(outcome.ended).toBe(false);
    expect(outcome.complete).toBe(false);
    expect(outcome.error).toBeDefined();
    expect((await firstEvent(events)).error?.code).toBe('PROXYTAPE_BODY_TIMEOUT');
  });

  test('a short body timeout fires when it says, counting from the last chunk', async () => {
    const backend = await createTestServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      // Chunks 100 ms apart keep a 250 ms body timeout from firing; then the body stalls.
      let sent = 0;
      const tick = setInterval(() => {
        res.write('chunk;');
        if (++sent === 4) clearInterval(tick);
      }, 100);
      res.on('close', () => clearInterval(tick));
    });
    cleanups.push(() => backend.close());
    const events: ProxyEvent[] = [];
    const url = await startProxy({ target: backend.url, timeouts: { body: 250 } }, (e) => events.push(e));

    const started = performance.now();
    const body = await within(
      new Promise<string>((resolve, reject) => {
        const req = http.request(`${url}/trickle`, { agent: false }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('error', () => undefined);
          res.on('close', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      }),
      2_500,
      'the client connection to be aborted',
    );
    const elapsed = performance.now() - started;

    expect(body).toBe('chunk;'.repeat(4));
    // Last chunk at ~400 ms, timeout 250 ms later; undici's own timer would fire at 1 s or later.
    expect(elapsed).toBeGreaterThanOrEqual(600);
    expect(elapsed).toBeLessThan(1_000);
    expect((await firstEvent(events)).error?.code).toBe('PROXYTAPE_BODY_TIMEOUT');
  });
});

describe('proxy() failures', () => {
  test('proxy() rejects with a ProxyError carrying code, status, method, url and cause', async () => {
    const transport = new HttpTransport();
    cleanups.push(() => transport.destroy());
    const port = await freePort();

    const error = await within(
      proxy(
        { method: 'POST', url: '/orders?id=7', headers: { 'content-type': 'text/plain' }, body: 'order' },
        { target: `http://127.0.0.1:${port}`, transport },
      ).then(
        () => undefined,
        (err: unknown) => err,
      ),
      2_000,
      'proxy() to reject',
    );

    expect(isProxyError(error)).toBe(true);
    if (!isProxyError(error)) return;
    expect(error.code).toBe('PROXYTAPE_UPSTREAM_REFUSED');
    expect(error.status).toBe(502);
    expect(error.method).toBe('POST');
    expect(error.url).toBe('/orders?id=7');
    expect(error.upstream).toBe(`http://127.0.0.1:${port}/orders?id=7`);
    expect((error.cause as { code?: string } | undefined)?.code).toBe('ECONNREFUSED');
    expect(error.message).toContain('POST /orders?id=7');
  });

  test('proxy() rejects with PROXYTAPE_HEADERS_TIMEOUT when the backend never answers', async () => {
    const backend = await createTestServer(() => {
      /* never answers */
    });
    cleanups.push(() => backend.close());
    const transport = new HttpTransport();
    cleanups.push(() => transport.destroy());

    const error = await within(
      proxy({ method: 'GET', url: '/wait' }, { target: backend.url, transport, timeouts: { headers: 200 } }).then(
        () => undefined,
        (err: unknown) => err,
      ),
      2_000,
      'proxy() to reject',
    );

    expect(isProxyError(error) && error.code).toBe('PROXYTAPE_HEADERS_TIMEOUT');
    expect(isProxyError(error) && error.status).toBe(504);
    expect((error as Error).cause).toBeDefined();
  });
});

describe('upstream pool recovery', () => {
  test('after the backend goes down (502) and comes back on the same port, requests succeed again', async () => {
    const first = await createTestServer((_req, res) => res.end('first life'));
    const port = first.port;
    let firstClosed = false;
    cleanups.push(() => (firstClosed ? undefined : first.close()));
    const url = await startProxy({ target: first.url });

    // Two requests: the second may reuse the pooled keep-alive connection.
    expect((await within(fetchOnce(`${url}/`), 2_000, 'the first answer')).body.toString()).toBe('first life');
    expect((await within(fetchOnce(`${url}/`), 2_000, 'the second answer')).body.toString()).toBe('first life');

    await first.close();
    firstClosed = true;
    const down = await within(fetchOnce(`${url}/`), 2_000, 'the answer while the backend is down');
    expect(down.status).toBe(502);
    // Refused; or a reset if the pooled connection's FIN had not been processed yet.
    expect(['PROXYTAPE_UPSTREAM_REFUSED', 'PROXYTAPE_UPSTREAM_RESET']).toContain(down.headers['x-proxytape-error']);

    const second = await createTestServer((_req, res) => res.end('second life'), { port });
    cleanups.push(() => second.close());
    const back = await within(fetchOnce(`${url}/`), 2_000, 'the answer after the restart');

    expect(second.port).toBe(port);
    expect(back.status).toBe(200);
    expect(back.body.toString()).toBe('second life');
  });
});
