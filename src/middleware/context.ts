import type { IncomingMessage } from 'node:http';
import { removeRaw } from '../proxy/headers-util.js';
import type { RequestContext } from './types.js';

/**
 * Creates the {@link RequestContext} for a client request: `method` and `url`
 * copied from it, an empty `state`, and `setHeader`/`removeHeader` editing its headers.
 *
 * @example
 * ```ts
 * http.createServer(async (req, res) => {
 *   const response = await handler(createContext(req));
 *   await response.send(res);
 * });
 * ```
 */
export function createContext(req: IncomingMessage): RequestContext {
  return {
    req,
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    state: new Map<string | symbol, unknown>(),
    setHeader(name: string, value: string): void {
      removeRaw(req.rawHeaders, name);
      req.rawHeaders.push(name, value);
      req.headers[name.toLowerCase()] = value;
    },
    removeHeader(name: string): void {
      removeRaw(req.rawHeaders, name);
      delete req.headers[name.toLowerCase()];
    },
  };
}
