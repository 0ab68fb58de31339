import http from 'node:http';
import net from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { type ProxytapeServer, type ServerListener, type ServerOptions, createServer as create } from '../../../src/server/index.js';

// Every server and agent a test opens is closed even when an assertion fails first.
const servers: ProxytapeServer[] = [];
const agents: http.Agent[] = [];
async function createServer(listener: ServerListener, options?: ServerOptions): Promise<ProxytapeServer> {
  const server = await create(listener, options);
  servers.push(server);
  return server;
}
function keepAliveAgent(): http.Agent {
  const agent = new http.Agent({ keepAlive: true });
  agents.push(agent);
  return agent;
}
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close({ drainTimeout: 0 })));
});

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  socket: Socket;
}

/** GET through `agent` (or a one-off connection); resolves once the whole body arrived. */
function get(url: string, agent: http.Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        // Captured now: a keep-alive agent takes the socket back once the body ended.
        const socket = res.socket;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), socket }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

function closed(socket: Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** True if `promise` is still pending after pending I/O callbacks ran. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, 20));
  return !settled;
}

describe('ProxytapeServer.close(): graceful drain', () => {
  it('stops accepting new connections at once', async () => {
    const entered = deferred();
    const release = deferred();
    const server = await createServer(async (_req, res) => {
      entered.resolve();
      await release.promise;
      res.end('slow done');
    });
    const slow = get(`${server.url}/slow`);
    await entered.promise;
    const closing = server.close();
    await expect(connect(server.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    release.resolve();
    await slow;
    await closing;
  });

  it('waits for an in-flight request, which completes with Connection: close', async () => {
    const entered = deferred();
    const release = deferred();
    const server = await createServer(async (_req, res) => {
      entered.resolve();
      await release.promise;
      res.end('slow done');
    });
    const slow = get(`${server.url}/slow`, keepAliveAgent());
    await entered.promise;
    expect(server.inFlight).toBe(1);

    const closing = server.close();
    expect(await isPending(closing)).toBe(true);

    release.resolve();
    const reply = await slow;
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('slow done');
    expect(reply.headers.connection).toBe('close');
    await closing;
    expect(server.inFlight).toBe(0);
    expect(server.server.listening).toBe(false);
  });

  it('destroys a request that outlasts the drain deadline', async () => {
    const entered = deferred();
    const server = await createServer(() => {
      entered.resolve(); // never answers
    });
    const stuck = get(`${server.url}/stuck`).catch((err: unknown) => err);
    await entered.promise;

    const started = Date.now();
    await server.close({ drainTimeout: 100 });
    const elapsed = Date.now() - started;

    expect(await stuck).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(2_000);
    expect(server.inFlight).toBe(0);
  });

  it('closes idle keep-alive sockets at once instead of waiting for the drain timeout', async () => {
    const server = await createServer((_req, res) => res.end('ok'), { drainTimeout: 10_000 });
    const reply = await get(`${server.url}/`, keepAliveAgent());
    expect(reply.headers.connection).toBe('keep-alive');
    expect(reply.socket.destroyed).toBe(false);

    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await closed(reply.socket);
    expect(reply.socket.destroyed).toBe(true);
  });

  it('closes a busy keep-alive socket as soon as its response (started before close) finishes', async () => {
    const release = deferred();
    const server = await createServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part one, ');
      await release.promise;
      res.end('part two');
    });
    const agent = keepAliveAgent();
    const headersIn = deferred<Socket>();
    const reply = new Promise<string>((resolve, reject) => {
      http
        .get(`${server.url}/`, { agent }, (res) => {
          headersIn.resolve(res.socket);
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    const socket = await headersIn.promise;

    const started = Date.now();
    const closing = server.close();
    release.resolve();
    await expect(reply).resolves.toBe('part one, part two');
    await closing;
    await closed(socket);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('awaits listener.close() after the drain, once, and returns the same promise to every caller', async () => {
    const events: string[] = [];
    const listener = Object.assign((_req: http.IncomingMessage, res: http.ServerResponse) => res.end('ok'), {
      close: async () => {
        events.push(`listener.close (listening=${String(server.server.listening)})`);
        await new Promise((r) => setTimeout(r, 10));
        events.push('listener.close done');
      },
    });
    const server = await createServer(listener);
    const first = server.close();
    const second = server.close({ drainTimeout: 0 });
    expect(second).toBe(first);
    await first;
    events.push('close resolved');
    expect(events).toEqual(['listener.close (listening=false)', 'listener.close done', 'close resolved']);
  });

  it('counts pipelined requests on one connection one by one and drains them all', async () => {
    const release = deferred();
    const server = await createServer((req, res) => {
      // The first response waits, so the second request is in flight behind it on the same socket.
      if (req.url === '/first') void release.promise.then(() => res.end('first'));
      else res.end('second');
    });
    const socket = await connect(server.port);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.write(`GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n`);
    for (let i = 0; i < 100 && server.inFlight < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(server.inFlight).toBe(2);
    const closing = server.close({ drainTimeout: 5_000 });
    expect(await isPending(closing)).toBe(true);
    release.resolve();
    await closing;
    await closed(socket);
    expect(server.inFlight).toBe(0);
    // Both answered, in order, before the connection closed.
    expect(received.indexOf('first')).toBeGreaterThan(-1);
    expect(received.indexOf('second')).toBeGreaterThan(received.indexOf('first'));
  });

  it('stops counting a pipelined request whose connection a previous response closed', async () => {
    const server = await createServer((req, res) => {
      // The first response closes the connection, so the second is never written and Node emits no 'close' for it.
      if (req.url === '/first') res.writeHead(200, { connection: 'close' }).end('first');
      else setTimeout(() => res.end('second'), 50);
    });
    const socket = await connect(server.port);
    socket.on('data', () => undefined);
    socket.write(`GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n`);
    await closed(socket);
    for (let i = 0; i < 100 && server.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(server.inFlight).toBe(0);
    // Nothing left in flight: close() does not wait for the drain deadline.
    const started = Date.now();
    await server.close({ drainTimeout: 10_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects invalid close() options without starting to close', async () => {
    const server = await createServer((_req, res) => res.end('ok'));
    await expect(server.close({ drainTimeout: -5 })).rejects.toThrow(
      'Invalid option `drainTimeout`: -5. Must be an integer number of milliseconds, 0 or more (0 destroys in-flight requests at once).',
    );
    expect(server.server.listening).toBe(true);
    await server.close();
    expect(server.server.listening).toBe(false);
  });
});
