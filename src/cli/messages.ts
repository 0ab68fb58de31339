import { displayUrl } from '../util/scrub-urls.js';
import type { RequestStats } from './request-stats.js';

/**
 * The one stdout line printed once the proxy listens; tests and scripts read
 * the URL after "listening on".
 *
 * @example
 * ```ts
 * listeningLine('passthrough', 'http://127.0.0.1:43123', new URL('http://127.0.0.1:3000'));
 * // 'proxytape passthrough listening on http://127.0.0.1:43123 → http://127.0.0.1:3000'
 * ```
 */
export function listeningLine(command: string, url: string, target: URL): string {
  return `proxytape ${command} listening on ${url} → ${displayUrl(target)}`;
}

/**
 * The listening line of the record, replay and auto modes: the proxy URL, the
 * target when there is one, the fixture root and the cassette.
 *
 * @example
 * ```ts
 * tapeListeningLine('replay', 'http://127.0.0.1:8080', undefined, './fixtures', 'default');
 * // 'proxytape replay listening on http://127.0.0.1:8080 (fixtures: ./fixtures, cassette: default)'
 * ```
 */
export function tapeListeningLine(mode: string, url: string, target: URL | undefined, fixtures: string, cassette: string): string {
  const arrow = target === undefined ? '' : ` → ${displayUrl(target)}`;
  return `proxytape ${mode} listening on ${url}${arrow} (fixtures: ${fixtures}, cassette: ${cassette})`;
}

/** The summary printed on stdout after a graceful shutdown. */
export function summaryLine(stats: RequestStats): string {
  return `proxytape stopped: ${plural(stats.served, 'request')} served, ${plural(stats.errors, 'error')}.`;
}

/** Printed on stderr when the first SIGINT/SIGTERM starts the drain. */
export function drainingLine(signal: string, inFlight: number): string {
  const what = inFlight === 0 ? 'no request in flight' : `finishing ${plural(inFlight, 'in-flight request')}`;
  return `Received ${signal}: no longer accepting connections, ${what}. Press Ctrl+C again to exit immediately.`;
}

/** Printed on stderr when a second signal cuts the drain short. */
export function forcedExitLine(signal: string, inFlight: number): string {
  return `Received ${signal} again: exiting now${inFlight > 0 ? ` with ${plural(inFlight, 'request')} still in flight` : ''}.`;
}

/**
 * Explains why the server could not listen and how to fix it. `portHint` says
 * how the user picks another port (`--port <n>` for the CLI, `PORT=<n>` for the demo).
 */
export function listenErrorLine(error: unknown, host: string, port: number, portHint: { flag: string; ephemeral: string }): string {
  // createServer() rejects with a ListenError whose `syscode` is the system code; plain socket errors carry `code`.
  const e = error as { code?: unknown; syscode?: unknown };
  const code = e.syscode ?? e.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `Cannot listen on ${where}: the port is already in use. Stop the process using it, or choose another port with ${portHint.flag} (${portHint.ephemeral} picks a free one).`;
    case 'EACCES':
      return `Cannot listen on ${where}: permission denied (ports below 1024 need extra privileges). Choose a port above 1023 with ${portHint.flag}.`;
    case 'EADDRNOTAVAIL':
      return `Cannot listen on ${where}: ${host} is not an address of this machine. Use --host 127.0.0.1, or 0.0.0.0 for every interface.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot listen on ${where}: the host name ${host} does not resolve. Use an IP address such as --host 127.0.0.1.`;
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return `Cannot listen on ${where}: ${message}.`;
    }
  }
}

/** `1 request`, `2 requests`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
