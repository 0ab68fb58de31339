/**
 * Connections a server cut because its shutdown drain deadline passed. The request paths
 * that see such a connection close report it as `PROXYTAPE_DRAIN_TIMEOUT` (the proxy's own
 * doing), not as a client that went away.
 */
import { ProxyError } from '../errors.js';

const cut = new WeakSet<object>();

/** Marks a socket the server is about to destroy at its drain deadline. */
export function markCutByShutdown(socket: object): void {
  cut.add(socket);
}

/** Whether this socket was cut by the server's shutdown (see {@link markCutByShutdown}). */
export function cutByShutdown(socket: object | null | undefined): boolean {
  return socket != null && cut.has(socket);
}

/** The error of a request whose connection the shutdown cut. */
export function shutdownCut(method: string | undefined, url: string | undefined): ProxyError {
  return new ProxyError(
    'PROXYTAPE_DRAIN_TIMEOUT',
    `The server was stopped while ${method} ${url} was in flight, and its drain timeout passed before the response was complete: the connection was closed and the upstream request cancelled.`,
    { method, url },
  );
}
