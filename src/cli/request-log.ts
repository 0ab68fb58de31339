import type { ChalkInstance } from 'chalk';
import type { ProxyEvent } from '../proxy/handler.js';
import { displayPath } from './display-path.js';

const SOURCE_WIDTH = 'replayed'.length;
const DETAIL_INDENT = '    ';

/** How {@link formatRequestLine} shows URLs and fixture paths. */
export interface RequestLogOptions {
  /** Hides secrets in the URL (query parameters like `api_key`). @default the URL as received */
  redactUrl?: (url: string) => string;
  /** Hides secrets in URLs inside an error message (`Redactor.text`). @default the message as built */
  redactText?: (text: string) => string;
  /** Fixture paths inside this directory are shown relative to it. @default process.cwd() */
  cwd?: string;
}

/**
 * The log entry for a finished request: one line with source, method, URL,
 * status, duration and the fixture replayed from or recorded to; for failures
 * the error code and message. A multi-line message (the explanation of a
 * replay miss) continues on the following lines, indented. No trailing newline.
 *
 * @example
 * ```ts
 * formatRequestLine({ method: 'GET', url: '/api/users', status: 200, source: 'replayed', durationMs: 2.4, bytes: 80,
 *   fixture: '/repo/fixtures/default/get-api-users.json' }, colors, { cwd: '/repo' });
 * // 'replayed GET /api/users 200 2ms fixtures/default/get-api-users.json'
 * ```
 */
export function formatRequestLine(event: ProxyEvent, colors: ChalkInstance, options: RequestLogOptions = {}): string {
  const source = colorSource(event.source, colors)(event.source.padEnd(SOURCE_WIDTH));
  const status = event.status > 0 ? colorStatus(event.status, colors)(String(event.status)) : colors.gray('---');
  const duration = colors.dim(`${Math.round(event.durationMs)}ms`);
  const url = options.redactUrl === undefined ? event.url : options.redactUrl(event.url);
  const parts = [source, colors.bold(event.method), url, status, duration];
  if (event.fixture !== undefined) parts.push(colors.dim(displayPath(event.fixture, options.cwd)));
  if (event.error === undefined) return parts.join(' ');
  parts.push(colors.red(event.error.code));
  const message = options.redactText === undefined ? event.error.message : options.redactText(event.error.message);
  const [first = '', ...more] = message.split('\n');
  // A miss explanation is several lines long: all of it goes below the request line, indented.
  const detail = event.source === 'miss' ? [first, ...more] : more;
  if (event.source !== 'miss') parts.push(colors.dim(first));
  while (detail.length > 0 && detail.at(-1)?.trim() === '') detail.pop();
  return [parts.join(' '), ...detail.map((line) => (line.trim() === '' ? '' : `${DETAIL_INDENT}${line}`))].join('\n');
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
