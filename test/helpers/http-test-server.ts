import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/** A loopback server started for one test: its URL and a close that also drops open connections. */
export interface TestServer {
  url: string;
  port: number;
  server: http.Server;
  /** Every socket the server accepted, for fault-injection tests. */
  sockets: Set<Duplex>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Serve HTTPS with this key/cert. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Listen on this port instead of an ephemeral one (only to restart on a port this test got from port 0). */
  port?: number;
  onUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/** Starts a server on 127.0.0.1 port 0 (never a fixed port) and resolves once it listens. */
export async function createTestServer(listener: http.RequestListener, options: TestServerOptions = {}): Promise<TestServer> {
  const server: http.Server = options.tls
    ? (https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) as unknown as http.Server)
    : http.createServer(listener);
  const sockets = new Set<Duplex>();
  server.on('connection', (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  if (options.tls) {
    server.on('secureConnection', (s: Duplex) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
  }
  if (options.onUpgrade) server.on('upgrade', options.onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    server,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
