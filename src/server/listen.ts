import type { Server } from 'node:http';
import { ProxytapeError, isProxytapeError } from '../errors.js';

/**
 * Thrown (as a rejection of `createServer()`) when the server cannot listen.
 * `code` is `PROXYTAPE_LISTEN_FAILED`; `syscode` is the system error code
 * (`EADDRINUSE`, `EACCES`, …); the message names `host:port` and says how to fix it.
 *
 * @example
 * ```ts
 * try {
 *   await createServer(listener, { port: 8080 });
 * } catch (err) {
 *   if (isListenError(err) && err.syscode === 'EADDRINUSE') console.log(`${err.host}:${err.port} is taken`);
 * }
 * ```
 */
export class ListenError extends ProxytapeError {
  /** System error code from the failed listen, e.g. `EADDRINUSE`. */
  readonly syscode: string;
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, cause: Error & { code?: string }) {
    const syscode = cause.code ?? 'UNKNOWN';
    super(
      'PROXYTAPE_LISTEN_FAILED',
      `Cannot listen on ${formatHostPort(host, port)}: ${explain(syscode, cause.message, port)}`,
      { cause },
      'ListenError',
    );
    this.syscode = syscode;
    this.host = host;
    this.port = port;
  }
}

/** True for a {@link ListenError}, even one from another copy of the module. */
export function isListenError(value: unknown): value is ListenError {
  return isProxytapeError(value) && value.code === 'PROXYTAPE_LISTEN_FAILED';
}

/** `host:port`, with an IPv6 host in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Starts listening; resolves once bound, rejects with a {@link ListenError}. */
export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(new ListenError(host, port, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function explain(code: string, message: string, port: number): string {
  switch (code) {
    case 'EADDRINUSE':
      return 'the address is already in use (EADDRINUSE). Stop the process using it, or pass `port: 0` to get a free ephemeral port.';
    case 'EACCES':
      return port < 1024
        ? `permission denied (EACCES): ports below 1024 need elevated privileges. Use a port from 1024 to 65535, or \`port: 0\`.`
        : 'permission denied (EACCES). Use another port, or `port: 0`.';
    case 'EADDRNOTAVAIL':
      return 'the address is not available on this machine (EADDRNOTAVAIL). Use a local address such as 127.0.0.1 or ::1.';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name could not be resolved (${code}). Check the \`host\` option, or use an IP address.`;
    default:
      return `${message} (${code}).`;
  }
}
