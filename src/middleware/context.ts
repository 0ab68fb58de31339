import type { IncomingMessage } from 'node:http';
import type { RequestContext } from './types.js';

/**
 * Creates the {@link RequestContext} for a client request: `method` and `url`
 * copied from it, an empty `state`.
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
  };
}
