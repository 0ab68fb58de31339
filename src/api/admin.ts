import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Journal } from '../journal/journal.js';
import { SOURCE_HEADER } from '../proxy/response.js';

/** Requests under this prefix are proxytape's own API: never forwarded, never recorded. */
export const ADMIN_PREFIX = '/__proxytape/';

/** What `GET /__proxytape/health` reports. */
export interface AdminInfo {
  mode: string;
  target: string | null;
  fixtures: string | null;
  cassette: string | null;
  version: string;
}

/** A request listener with optional upgrade and close hooks (what createServer accepts). */
export interface Listener {
  (req: IncomingMessage, res: ServerResponse): void;
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  close?: () => Promise<void> | void;
}

/**
 * Puts the admin API in front of a proxy listener:
 * - `GET /__proxytape/health` → `{ mode, target, fixtures, cassette, version }`;
 * - `GET /__proxytape/journal[?cassette=name]` → the journal entries (redacted), oldest first;
 * - `DELETE /__proxytape/journal[?cassette=name]` → 204, journal emptied.
 * Everything else goes to `listener`.
 *
 * @example
 * ```sh
 * curl -s http://127.0.0.1:8080/__proxytape/journal | jq '.[0].forwarded.headers'
 * curl -s -X DELETE http://127.0.0.1:8080/__proxytape/journal
 * ```
 */
export function withAdminApi(listener: Listener, journal: Journal, info: () => AdminInfo): Listener {
  const wrapped = ((req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    if (!url.startsWith(ADMIN_PREFIX)) return listener(req, res);
    // Drain any body so the connection stays usable; the API takes none.
    req.resume();
    const q = url.indexOf('?');
    const route = q === -1 ? url : url.slice(0, q);
    const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const cassette = params.get('cassette') ?? undefined;
    if (route === `${ADMIN_PREFIX}health`) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET');
      return json(res, 200, info());
    }
    if (route === `${ADMIN_PREFIX}journal`) {
      if (req.method === 'GET' || req.method === 'HEAD') return json(res, 200, journal.filter(cassette));
      if (req.method === 'DELETE') {
        journal.clear(cassette);
        res.writeHead(204, { [SOURCE_HEADER]: 'admin' }).end();
        return;
      }
      return methodNotAllowed(res, 'GET, DELETE');
    }
    json(res, 404, {
      error: 'PROXYTAPE_ADMIN_NOT_FOUND',
      message: `No admin endpoint ${req.method} ${route}. Endpoints: GET ${ADMIN_PREFIX}health, GET|DELETE ${ADMIN_PREFIX}journal.`,
    });
  }) as Listener;
  if (listener.upgrade) wrapped.upgrade = listener.upgrade;
  if (listener.close) wrapped.close = listener.close;
  return wrapped;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    [SOURCE_HEADER]: 'admin',
  });
  res.end(text);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  json(res, 405, { error: 'PROXYTAPE_ADMIN_METHOD', message: `Method not allowed; use ${allow}.` });
}
