import http from 'node:http';
import net from 'node:net';

/** Rejects with a clear message when `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms` milliseconds. */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A complete response read with http.request. */
export interface FetchedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  trailers: NodeJS.Dict<string>;
}

/**
 * Sends one request with a fresh connection (no keep-alive pool shared between tests) and
 * reads the whole body. Rejects if the response is aborted or incomplete.
 */
export function fetchOnce(url: string, options: http.RequestOptions & { body?: string | Buffer } = {}): Promise<FetchedResponse> {
  const { body, ...requestOptions } = options;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent: false, ...requestOptions }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        if (!res.complete) reject(new Error('response ended incomplete'));
        else resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), trailers: res.trailers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What a raw TCP exchange produced. */
export interface RawExchange {
  /** Every byte received. */
  data: Buffer;
  /** True when the peer closed its side with a FIN ('end'), false on an error/reset. */
  ended: boolean;
  error: Error | undefined;
}

/** Sends raw bytes over a new TCP connection and collects everything until the peer closes. */
export function rawExchange(port: number, request: string | Buffer, host = '127.0.0.1'): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const chunks: Buffer[] = [];
    let ended = false;
    let error: Error | undefined;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      ended = true;
    });
    socket.on('error', (err) => {
      error = err;
    });
    socket.on('close', () => resolve({ data: Buffer.concat(chunks), ended, error }));
    socket.write(request);
  });
}

/** Status line and headers of a raw HTTP/1.1 response head. */
export interface ParsedHead {
  status: number;
  /** Lower-cased names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** Bytes after the blank line. */
  rest: Buffer;
}

/** Parses the first HTTP response head in `data`; throws when there is none. */
export function parseHead(data: Buffer): ParsedHead {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete HTTP head in ${JSON.stringify(data.toString('latin1').slice(0, 200))}`);
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new Error(`not an HTTP status line: ${JSON.stringify(lines[0])}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(m[1]), headers, rest: data.subarray(end + 4) };
}
