import http from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { type ProxytapeServer, type ServerListener, createServer } from '../../../src/server/index.js';

/** A listener whose upgrade hook accepts protocol `echo` and echoes every byte back. */
function echoListener(seen: { head?: string; url?: string } = {}): ServerListener {
  return Object.assign((_req: http.IncomingMessage, res: http.ServerResponse) => res.end('plain request'), {
    upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
      seen.url = req.url ?? '';
      seen.head = head.toString('utf8');
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.pipe(socket);
    },
  });
}

/** Opens an upgraded connection to `url` (protocol `echo`). */
function upgrade(url: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    http
      .request(url, { agent: false, headers: { connection: 'Upgrade', upgrade: 'echo' } })
      .on('upgrade', (_res, socket) => resolve(socket))
      .on('response', (res) => reject(new Error(`expected 101, got ${res.statusCode}`)))
      .on('error', reject)
      .end();
  });
}

function nextData(socket: Duplex): Promise<string> {
  return new Promise((resolve) => socket.once('data', (c: Buffer) => resolve(c.toString('utf8'))));
}

describe('createServer(): upgrade wiring', () => {
  let server: ProxytapeServer | undefined;
  afterEach(async () => {
    await server?.close({ drainTimeout: 0 });
    server = undefined;
  });

  it('hands upgrade requests to listener.upgrade and counts the socket in flight until it closes', async () => {
    const seen: { head?: string; url?: string } = {};
    server = await createServer(echoListener(seen));
    const socket = await upgrade(`${server.url}/ws`);
    expect(seen.url).toBe('/ws');
    expect(server.inFlight).toBe(1);

    const echoed = nextData(socket);
    socket.write('ping');
    expect(await echoed).toBe('ping');

    socket.end();
    await new Promise((r) => socket.once('close', r));
    await new Promise((r) => setTimeout(r, 20));
    expect(server.inFlight).toBe(0);
  });

  it('waits for an upgraded socket during the drain and destroys it at the deadline', async () => {
    server = await createServer(echoListener());
    const socket = await upgrade(`${server.url}/ws`);
    const socketClosed = new Promise((r) => socket.once('close', r));
    const started = Date.now();
    await server.close({ drainTimeout: 100 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await socketClosed;
    expect(server.inFlight).toBe(0);
  });

  it('passes upgrade requests to the request listener when there is no upgrade hook', async () => {
    server = await createServer((_req, res) => res.end('plain request'));
    const status = await new Promise<number>((resolve, reject) => {
      http
        .request(`${server!.url}/ws`, { agent: false, headers: { connection: 'Upgrade', upgrade: 'echo' } })
        .on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('upgrade', () => reject(new Error('unexpected upgrade')))
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
  });
});
