import type http from 'node:http';
import { type ProxyConfig, type ProxyHandler, type ProxyHandlerOptions, HttpTransport, createProxyHandler } from '../../src/index.js';
import { createTestServer } from './http-test-server.js';

/** A proxy listening on 127.0.0.1 (ephemeral port) for one test. */
export interface ProxyServer {
  url: string;
  port: number;
  server: http.Server;
  handler: ProxyHandler;
  /** The transport this proxy forwards with (a fresh one per proxy unless the config names one). */
  transport: HttpTransport | undefined;
  /** Closes the listening server, drops its connections and destroys the transport's upstream connections. */
  close(): Promise<void>;
}

export interface StartProxyOptions extends ProxyHandlerOptions {
  /**
   * 'fresh' (default): give the proxy its own HttpTransport, destroyed by close(), so no
   * upstream connection outlives the test. 'default': use the shared process-wide transport.
   * Ignored when the config names a transport.
   */
  transport?: 'fresh' | 'default';
}

/** Starts an http.Server running createProxyHandler(config), with the upgrade listener wired. */
export async function startProxyServer(config: ProxyConfig, options: StartProxyOptions = {}): Promise<ProxyServer> {
  const { transport: which = 'fresh', ...handlerOptions } = options;
  let transport: HttpTransport | undefined;
  let effective = config;
  if (config.transport === undefined && which === 'fresh') {
    transport = new HttpTransport();
    effective = { ...config, transport };
  }
  const handler = createProxyHandler(effective, handlerOptions);
  const test = await createTestServer(handler, { onUpgrade: (req, socket, head) => handler.upgrade(req, socket, head) });
  return {
    url: test.url,
    port: test.port,
    server: test.server,
    handler,
    transport,
    close: async () => {
      await test.close();
      // destroy(), not close(): close() waits for running upstream requests, which a failing test may leave stalled.
      await transport?.destroy();
    },
  };
}
