import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ProxyConfig, type ProxyHandler, type ProxyEvent, createProxyHandler } from '../../src/index.js';

/** A proxytape handler on a plain node:http server at 127.0.0.1:0, with upgrade wired. */
export interface ProxyUnderTest {
  url: string;
  port: number;
  server: http.Server;
  handler: ProxyHandler;
  events: ProxyEvent[];
  close(): Promise<void>;
}

export async function startProxyUnderTest(config: ProxyConfig): Promise<ProxyUnderTest> {
  const events: ProxyEvent[] = [];
  const handler = createProxyHandler(config, { onResponse: (e) => events.push(e) });
  const server = http.createServer(handler);
  server.on('upgrade', handler.upgrade);
  const sockets = new Set<Duplex>();
  server.on('connection', (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    handler,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
