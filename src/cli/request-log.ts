import type { ChalkInstance } from 'chalk';
import type { ProxyEvent } from '../proxy/handler.js';

const SOURCE_WIDTH = 'replayed'.length;

/**
 * One log line for a finished request: source, method, URL, status, duration,
 * and for failures the error code and message. No trailing newline.
 *
 * @example
 * ```ts
 * formatRequestLine({ method: 'GET', url: '/api/users', status: 200, source: 'proxied', durationMs: 12.4, bytes: 80 }, colors);
 * // 'proxied  GET /api/users 200 12ms'
 * ```
 */
export function formatRequestLine(event: ProxyEvent, colors: ChalkInstance): string {
  const source = colorSource(event.source, colors)(event.source.padEnd(SOURCE_WIDTH));
  const status = event.status > 0 ? colorStatus(event.status, colors)(String(event.status)) : colors.gray('---');
  const duration = colors.dim(`${Math.round(event.durationMs)}ms`);
  const parts = [source, colors.bold(event.method), event.url, status, duration];
  if (event.error !== undefined) parts.push(colors.red(event.error.code), colors.dim(event.error.message));
  return parts.join(' ');
}

function colorSource(source: ProxyEvent['source'], colors: ChalkInstance): ChalkInstance {
  switch (source) {
    case 'proxied':
      return colors.green;
    case 'recorded':
      return colors.blue;
    case 'replayed':
      return colors.cyan;
    case 'miss':
      return colors.yellow;
    case 'error':
      return colors.red;
    default:
      return colors.white;
  }
}

function colorStatus(status: number, colors: ChalkInstance): ChalkInstance {
  if (status >= 500) return colors.red;
  if (status >= 400) return colors.yellow;
  if (status >= 300) return colors.cyan;
  return colors.green;
}
