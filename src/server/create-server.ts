import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import { ConfigError, ERROR_CODES, ProxytapeError } from '../errors.js';
import { errorResponse } from '../proxy/response.js';
import { type ClientError, answerClientError } from './client-error.js';
import { ConnectionTracker } from './connection-tracker.js';
import { invokeListener } from './listener-failure.js';
import { listen } from './listen.js';
import { type CloseOptions, type ServerOptions, resolveCloseOptions, resolveServerOptions } from './options.js';

/** Receives upgrade requests (WebSocket, h2c…); the socket is the raw connection. */
export type UpgradeListener = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * What {@link createServer} serves: a Node request listener, optionally with an
 * `upgrade` listener and a `close` hook awaited at the end of `server.close()`
 * (release pools, flush journals…).
 *
 * @example
 * ```ts
 * const listener: ServerListener = Object.assign((req: IncomingMessage, res: ServerResponse) => res.end('ok'), {
 *   close: () => pool.close(),
 * });
 * ```
 */
export type ServerListener = http.RequestListener & {
  upgrade?: UpgradeListener;
  close?: () => Promise<void> | void;
};

/** A listening server started by {@link createServer}. */
export interface ProxytapeServer {
  /** URL a local client can use, e.g. `'http://127.0.0.1:54321'` (IPv6 host in brackets). */
  readonly url: string;
  /** The bound address, e.g. `'127.0.0.1'` or `'::1'`. */
  readonly host: string;
  /** The bound port (the ephemeral port the OS picked when `port` was 0). */
  readonly port: number;
  /** The underlying Node server. */
  readonly server: http.Server;
  /** Requests currently in flight, plus upgraded sockets still open. */
  readonly inFlight: number;
  /**
   * Stop accepting, close idle keep-alive sockets at once, let in-flight
   * requests finish (idle sockets closed as each finishes; `Connection: close`
   * on responses written during drain), destroy what is left after the
   * deadline, then await listener.close?.(). Idempotent: later calls return
   * the first call's promise.
   */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * What is wrong with the request's Host header lines, if anything (RFC 9112 §3.2: a server
 * answers 400 to an HTTP/1.1 request without Host, and to any request with more than one).
 * Node's parser accepts both and keeps the first Host, so a second one could make the proxy
 * and the backend disagree on which host the request is for.
 */
function hostProblem(req: http.IncomingMessage): string | undefined {
  // (rawHeaders, not req.headers: that getter builds an object per request.)
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++;
  if (hosts > 1) return `the request has ${hosts} Host header lines; it must have exactly one (RFC 9112 §3.2).`;
  if (hosts === 0 && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
    return 'an HTTP/1.1 request must have a Host header (RFC 9112 §3.2).';
  }
  return undefined;
}

/**
 * Starts an HTTP server and resolves once it is listening (rouille's
 * `Server::new` + `stoppable()`): listen on port 0, read the bound address
 * back, and stop with a graceful drain.
 *
 * Malformed requests are answered `400 Bad Request` (431 for oversized
 * headers) with `x-proxytape-error: PROXYTAPE_BAD_REQUEST` and that connection
 * is closed; a listener that throws or rejects gets a `500` answer.
 *
 * @throws {ConfigError} (as a rejection) for an invalid option or listener.
 * @throws {ListenError} (as a rejection) when the address cannot be bound.
 *
 * @example
 * ```ts
 * const server = await createServer((req, res) => res.end('hello world'));
 * console.log(`Listening on ${server.url}`); // http://127.0.0.1:54321
 * await server.close({ drainTimeout: 1_000 });
 * ```
 */
export async function createServer(listener: ServerListener, options?: ServerOptions): Promise<ProxytapeServer> {
  if (typeof listener !== 'function') {
    throw new ConfigError(
      'listener',
      `Invalid listener for createServer(): ${inspect(listener, { depth: 0 })}. Must be a request listener function (req, res) => void.`,
    );
  }
  const config = resolveServerOptions(options);
  const tracker = new ConnectionTracker();
  // Node answers an HTTP/1.1 request without Host itself, with a bare 400; proxytape's own
  // answer carries `x-proxytape: error` and says what is wrong, like every other response.
  const server = http.createServer({ requireHostHeader: false });

  server.on('connection', (socket: Duplex) => tracker.addSocket(socket));
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    tracker.trackRequest(req, res);
    const problem = hostProblem(req);
    if (problem !== undefined) {
      const error = new ProxytapeError(
        'PROXYTAPE_BAD_REQUEST',
        `Cannot serve ${req.method ?? 'GET'} ${req.url ?? '/'}: ${problem} ${ERROR_CODES.PROXYTAPE_BAD_REQUEST.hint}`,
      );
      res.shouldKeepAlive = false;
      void errorResponse(error).send(res);
      return;
    }
    invokeListener(listener, req, res);
  });
  server.on('clientError', (err: ClientError, socket: Duplex) => {
    answerClientError(err, socket, tracker.isIdle(socket), tracker.unansweredResponse(socket));
  });
  const onUpgrade = listener.upgrade;
  if (onUpgrade) {
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      tracker.trackUpgrade(socket);
      try {
        onUpgrade.call(listener, req, socket, head);
      } catch {
        socket.destroy();
      }
    });
  }

  await listen(server, config.host, config.port);
  const address = server.address() as AddressInfo;
  const url = `http://${urlHost(address)}:${address.port}`;

  let closing: Promise<void> | undefined;
  const shutdown = async (drainTimeout: number): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    tracker.startDrain();
    const drained = await tracker.waitForIdle(drainTimeout);
    if (drained) {
      // Nothing is in flight: whatever socket remains is idle. Give Node a tick to finish writing, then close it.
      setImmediate(() => tracker.destroyAll());
    } else {
      tracker.destroyAll(true);
      // Destroyed sockets report their requests closed asynchronously; resolve only once inFlight is 0.
      await tracker.waitForIdle();
    }
    await closed;
    await listener.close?.();
  };

  return {
    url,
    host: address.address,
    port: address.port,
    server,
    get inFlight() {
      return tracker.inFlight;
    },
    close(closeOptions?: CloseOptions): Promise<void> {
      if (closing) return closing;
      let drainTimeout: number;
      try {
        drainTimeout = resolveCloseOptions(closeOptions, config.drainTimeout);
      } catch (err) {
        return Promise.reject(err);
      }
      closing = shutdown(drainTimeout);
      return closing;
    },
  };
}

/** Host part of a URL for the bound address: IPv6 in brackets, wildcard addresses as loopback. */
function urlHost(address: AddressInfo): string {
  if (address.family === 'IPv6' || address.address.includes(':')) {
    return address.address === '::' ? '[::1]' : `[${address.address}]`;
  }
  return address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
}
