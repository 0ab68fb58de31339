import { afterEach, describe, expect, test } from '@jest/globals';
import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { type ParsedHead, parseHead, rawExchange, within } from '../../helpers/http-client.js';
import { createTestServer } from '../../helpers/http-test-server.js';
import { startProxyServer } from '../../helpers/proxy-server.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startProxy(target: string): Promise<number> {
  const proxy = await startProxyServer({ target });
  cleanups.push(() => proxy.close());
  return proxy.port;
}

/** Collects what a socket receives and whether it saw the peer's FIN. */
class Received {
  data: Buffer;
  ended = false;
  #waiters: Array<() => void> = [];

  constructor(socket: Duplex, initial: Buffer = Buffer.alloc(0)) {
    this.data = initial;
    socket.on('data', (c: Buffer) => {
      this.data = Buffer.concat([this.data, c]);
      this.#notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.#notify();
    });
  }

  get text(): string {
    return this.data.toString('latin1');
  }

  /** Resolves once `predicate` holds (checked on every data/end event). */
  until(predicate: (r: this) => boolean, what: string, ms = 2_000): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (predicate(this)) resolve();
          else this.#waiters.push(check);
        };
        check();
      }),
      ms,
      what,
    );
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * A backend that accepts any upgrade with a raw 101 and hands the tunnel socket to `onTunnel`.
 * Node's http.Server is allowHalfOpen, so the handed-over socket stays writable after the peer's FIN.
 */
async function startRawUpgradeBackend(onTunnel: (socket: Duplex, received: Received) => void): Promise<number> {
  const tunnels = new Set<Duplex>();
  const backend = await createTestServer((_req, res) => res.writeHead(426).end(), {
    onUpgrade: (_req, socket, head) => {
      tunnels.add(socket);
      socket.on('error', () => {});
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n');
      onTunnel(socket, new Received(socket, head));
    },
  });
  cleanups.push(() => {
    for (const s of tunnels) s.destroy();
    return backend.close();
  });
  return backend.port;
}

/** Opens a raw upgrade through the proxy; resolves with the 101 head once it arrived. */
async function openRawTunnel(proxyPort: number, early = ''): Promise<{ socket: net.Socket; head: ParsedHead; received: Received }> {
  // allowHalfOpen: the client keeps writing after the tunnel's FIN (the reverse half-close test).
  const socket = net.connect({ port: proxyPort, host: '127.0.0.1', allowHalfOpen: true });
  socket.on('error', () => {});
  cleanups.push(() => void socket.destroy());
  const received = new Received(socket);
  socket.write(`GET /tunnel HTTP/1.1\r\nHost: proxy.test\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n${early}`);
  await received.until((r) => r.data.includes('\r\n\r\n'), 'the 101 head');
  const head = parseHead(received.data);
  received.data = Buffer.from(head.rest);
  return { socket, head, received };
}

/** Writes a little every 20 ms until the socket closes (a write into a closed peer fails). */
function writeUntilClosed(socket: Duplex): void {
  const timer = setInterval(() => socket.write('anyone there?'), 20);
  socket.once('close', () => clearInterval(timer));
  socket.write('anyone there?');
}

describe('protocol upgrades (WebSocket tunnels)', () => {
  test('WebSocket messages travel both ways through the proxy, and the close handshake reaches the backend', async () => {
    const wss = new WebSocketServer({ noServer: true });
    const backendClosed = new Promise<{ code: number; reason: string }>((resolve) => {
      wss.on('connection', (ws, req) => {
        ws.send(`welcome ${req.url}`);
        ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo:${data.toString()}`, { binary: isBinary }));
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      });
    });
    const backend = await createTestServer((_req, res) => res.writeHead(426).end(), {
      onUpgrade: (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
    });
    cleanups.push(() => backend.close());
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    const proxyPort = await startProxy(backend.url);

    const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/chat?room=1`);
    cleanups.push(() => ws.terminate());
    const messages: Array<string | Buffer> = [];
    let upgradeHeaders: http.IncomingHttpHeaders | undefined;
    ws.on('upgrade', (res) => (upgradeHeaders = res.headers));
    const got = (n: number): Promise<void> =>
      within(
        new Promise<void>((resolve) => {
          const check = (): void => void (messages.length >= n ? resolve() : ws.once('message', check));
          check();
        }),
        2_000,
        `${n} WebSocket message(s)`,
      );
    ws.on('message', (data, isBinary) => messages.push(isBinary ? (data as Buffer) : data.toString()));
    await within(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 2_000, 'the WebSocket to open');

    ws.send('hello');
    ws.send(Buffer.from([0, 1, 2, 255]));
    await got(3);
    ws.close(4000, 'bye');
    const closed = await within(backendClosed, 2_000, 'the backend to see the close frame');

    expect(upgradeHeaders?.['x-proxytape']).toBe('proxied');
    expect(messages).toEqual(['welcome /chat?room=1', 'echo:hello', Buffer.from([0, 1, 2, 255])]);
    expect(closed).toEqual({ code: 4000, reason: 'bye' });
  });

  test('bytes sent right behind the upgrade request reach the backend', async () => {
    const backendPort = await startRawUpgradeBackend((socket, received) => {
      void received
        .until((r) => r.text === 'early-bytes', 'the early bytes')
        .then(
          () => socket.end('ok'),
          () => socket.destroy(),
        );
    });
    const proxyPort = await startProxy(`http://127.0.0.1:${backendPort}`);

    const { head, received } = await openRawTunnel(proxyPort, 'early-bytes');
    await received.until((r) => r.ended, 'the tunnel to end');

    expect(head.status).toBe(101);
    expect(head.headers.upgrade).toBe('raw');
    expect(received.text).toBe('ok');
  });

  test('a client half-close is passed on: the backend still answers after the client ended its side', async () => {
    let backendSaw: { text: string; ended: boolean } | undefined;
    const backendPort = await startRawUpgradeBackend((socket, received) => {
      void received
        .until((r) => r.ended, 'the client FIN at the backend')
        .then(
          () => {
            backendSaw = { text: received.text, ended: received.ended };
            socket.end('pong');
          },
          () => socket.destroy(),
        );
    });
    const proxyPort = await startProxy(`http://127.0.0.1:${backendPort}`);

    const { socket, head, received } = await openRawTunnel(proxyPort);
    expect(head.status).toBe(101);
    socket.end('ping');
    await received.until((r) => r.ended, 'pong and the end of the tunnel');

    expect(backendSaw).toEqual({ text: 'ping', ended: true });
    expect(received.text).toBe('pong');
  });

  test('a backend half-close is passed on: the client keeps writing and the backend still receives', async () => {
    let backendReceived: Received | undefined;
    const backendPort = await startRawUpgradeBackend((socket, received) => {
      backendReceived = received;
      socket.end('bye-from-backend');
    });
    const proxyPort = await startProxy(`http://127.0.0.1:${backendPort}`);

    const { socket, received } = await openRawTunnel(proxyPort);
    await received.until((r) => r.ended, "the backend's FIN at the client");
    expect(received.text).toBe('bye-from-backend');
    expect(socket.writable).toBe(true);

    socket.write('still-');
    socket.end('writing');
    await backendReceived!.until((r) => r.ended, "the client's data and FIN at the backend");

    expect(backendReceived!.text).toBe('still-writing');
  });

  test('a large burst the backend writes just before closing reaches the client completely', async () => {
    const burst = Buffer.alloc(4 * 1024 * 1024, 'z');
    const backendPort = await startRawUpgradeBackend((socket, received) => {
      void received
        .until((r) => r.ended, 'the client FIN')
        .then(
          () => socket.end(burst),
          () => socket.destroy(),
        );
    });
    const proxyPort = await startProxy(`http://127.0.0.1:${backendPort}`);

    const { socket, received } = await openRawTunnel(proxyPort);
    // A slow reader: the proxy's client-side socket is still full of data when the upstream closes.
    socket.pause();
    socket.end();
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.resume();
    await received.until((r) => r.ended, 'the whole burst and the end of the tunnel', 3_000);

    expect(received.data.length).toBe(burst.length);
  });

  // Both ends here are half-open capable, so a FIN alone does not close them: each test waits for
  // the FIN, then keeps writing — into a connection the proxy really closed, which answers with a
  // reset (then EPIPE) — and expects it to close. Into a mere half-close the writes would succeed.
  test('a backend that resets the tunnel closes the client connection', async () => {
    const backendPort = await startRawUpgradeBackend((socket) => {
      setTimeout(() => (socket as net.Socket).resetAndDestroy(), 20);
    });
    const proxyPort = await startProxy(`http://127.0.0.1:${backendPort}`);

    const { socket, received } = await openRawTunnel(proxyPort);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await received.until((r) => r.ended, 'the proxy to close the client connection');
    writeUntilClosed(socket);

    await within(closed, 2_000, 'the client connection to close');
  });

  test('a client that resets the tunnel closes the upstream connection', async () => {
    let onBackendClose!: () => void;
    const backendClosed = new Promise<void>((resolve) => (onBackendClose = resolve));
    const backendPort = await startRawUpgradeBackend((socket, received) => {
      socket.once('close', onBackendClose);
      void received
        .until((r) => r.ended, 'the proxy to close the upstream connection')
        .then(
          () => writeUntilClosed(socket),
          () => {},
        );
    });
    const proxyPort = await startProxy(`http://127.0.0.1:${backendPort}`);

    const { socket } = await openRawTunnel(proxyPort);
    socket.resetAndDestroy();

    await within(backendClosed, 2_000, 'the backend side of the tunnel to close');
  });

  test('a backend that refuses the upgrade gets its answer relayed to the client', async () => {
    const backend = await createTestServer((req, res) => {
      // No 'upgrade' listener: Node hands the upgrade request to the request listener.
      res.writeHead(400, { 'content-type': 'text/plain', 'x-upgrade-seen': String(req.headers.upgrade) }).end('no tunnels here');
    });
    cleanups.push(() => backend.close());
    const proxyPort = await startProxy(backend.url);

    const answer = await within(
      rawExchange(proxyPort, 'GET /ws HTTP/1.1\r\nHost: proxy.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'),
      2_000,
      'the relayed refusal',
    );
    const head = parseHead(answer.data);

    expect(head.status).toBe(400);
    expect(head.headers['x-upgrade-seen']).toBe('websocket');
    expect(head.headers['x-proxytape']).toBe('proxied');
    expect(head.headers['content-length']).toBe('15');
    expect(head.rest.toString()).toBe('no tunnels here');
    expect(answer.ended).toBe(true);
  });

  test('a WebSocket client sees the refusal status through the proxy', async () => {
    const backend = await createTestServer((_req, res) => res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden'));
    cleanups.push(() => backend.close());
    const proxyPort = await startProxy(backend.url);

    const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/ws`);
    cleanups.push(() => ws.terminate());
    const status = await within(
      new Promise<number | undefined>((resolve) => {
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode);
          res.resume();
        });
        ws.on('error', () => resolve(undefined));
      }),
      2_000,
      'the unexpected response',
    );

    expect(status).toBe(403);
  });

  test('a backend that is down gets a 502 written on the raw socket', async () => {
    // A port that was just free: listen on port 0, then close.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port: deadPort } = probe.address() as net.AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const proxyPort = await startProxy(`http://127.0.0.1:${deadPort}`);

    const answer = await within(
      rawExchange(proxyPort, 'GET /ws HTTP/1.1\r\nHost: proxy.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'),
      2_000,
      'the 502 answer',
    );
    const head = parseHead(answer.data);

    expect(head.status).toBe(502);
    expect(head.headers['x-proxytape-error']).toBe('PROXYTAPE_UPSTREAM_REFUSED');
    expect(head.headers['x-proxytape']).toBe('error');
    expect(head.headers.connection).toBe('close');
    expect(head.rest.length).toBe(Number(head.headers['content-length']));
    expect(head.rest.toString()).toContain('GET /ws');
    expect(answer.ended).toBe(true);
  });
});
