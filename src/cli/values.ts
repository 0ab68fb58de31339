import { UsageError } from './usage-error.js';

/**
 * Parses a TCP port: a whole number 0–65535, where 0 asks the OS for a free port.
 * `label` names the source in the message (`--port`, `PORT`).
 *
 * @example
 * ```ts
 * parsePort('8080', '--port'); // 8080
 * parsePort('-1', '--port');   // throws UsageError: Invalid --port "-1": …
 * ```
 */
export function parsePort(raw: string, label: string, command?: string): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > 65_535) {
    throw new UsageError(`Invalid ${label} ${JSON.stringify(raw)}: expected a port number from 0 to 65535 (0 picks a free port).`, command);
  }
  return value;
}

/**
 * Parses a duration in whole milliseconds (>= 0; 0 means no timeout).
 *
 * @example
 * ```ts
 * parseMilliseconds('5000', '--upstream-timeout'); // 5000
 * ```
 */
export function parseMilliseconds(raw: string, label: string, command?: string): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(
      `Invalid ${label} ${JSON.stringify(raw)}: expected a whole number of milliseconds >= 0 (0 disables the timeout), e.g. ${label} 5000.`,
      command,
    );
  }
  return value;
}

/**
 * Parses a backend URL: absolute, `http:` or `https:`. Finer checks (credentials,
 * fragments) are left to the proxy config, whose `ConfigError` the CLI also reports.
 *
 * @example
 * ```ts
 * parseTargetUrl('http://127.0.0.1:3000', '--target').href; // 'http://127.0.0.1:3000/'
 * ```
 */
export function parseTargetUrl(raw: string, label: string, command?: string): URL {
  const example = `e.g. ${label} http://127.0.0.1:3000`;
  // 'localhost:3000' parses as a URL with the scheme 'localhost:'; catch the missing scheme first.
  if (!/^[a-z][a-z\d+.-]*:\/\//i.test(raw)) {
    const guess = /^[\w.-]+(:\d+)?(\/|$)/.test(raw)
      ? ` Did you mean ${label} http://${raw}?`
      : ` Use an http:// or https:// URL, ${example}.`;
    throw new UsageError(`Invalid ${label} ${JSON.stringify(raw)}: not an absolute URL (no http:// or https://).${guess}`, command);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `Invalid ${label} ${JSON.stringify(raw)}: not an absolute URL. Use an http:// or https:// URL, ${example}.`,
      command,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `Invalid ${label} ${JSON.stringify(raw)}: the ${url.protocol.slice(0, -1)}: scheme is not supported. Use an http:// or https:// URL, ${example}.`,
      command,
    );
  }
  return url;
}

/** Checks a bind address is not empty (the OS reports addresses it cannot bind at listen time). */
export function parseHost(raw: string, label: string, command?: string): string {
  const host = raw.trim();
  if (host === '' || /\s/.test(host)) {
    throw new UsageError(
      `Invalid ${label} ${JSON.stringify(raw)}: expected an address to bind, e.g. ${label} 127.0.0.1 or ${label} 0.0.0.0.`,
      command,
    );
  }
  return host;
}
