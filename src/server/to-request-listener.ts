import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ERROR_CODES, ProxytapeError, isProxytapeError } from '../errors.js';
import { createContext } from '../middleware/context.js';
import type { Handler, RequestContext } from '../middleware/types.js';
import { isProxytapeResponse } from '../middleware/response-checks.js';
import { type ProxytapeResponse, errorResponse } from '../proxy/response.js';

/** Options of {@link toRequestListener}. */
export interface RequestListenerOptions {
  /**
   * Turns an error no middleware recovered from into the response to send.
   * @default a proxytape error → its error response (status of its code);
   *          anything else → `500` with code `PROXYTAPE_MIDDLEWARE_ERROR`, naming the request and the error.
   */
  onError?: (err: unknown, ctx: RequestContext) => ProxytapeResponse;
}

/**
 * Adapts a {@link Handler} (usually from `compose()`) to a Node request
 * listener for {@link createServer}: builds the context, runs the handler,
 * sends the response. An error that surfaces from the chain is answered with
 * an error response (see `onError`); the listener never rejects.
 *
 * @example
 * ```ts
 * const handler = compose({ after: [poweredBy] }, async (ctx) => textResponse(200, 'hi\n', { source: 'proxied' }));
 * const server = await createServer(toRequestListener(handler));
 * ```
 */
export function toRequestListener(handler: Handler, options: RequestListenerOptions = {}): RequestListener {
  const onError = options.onError ?? defaultErrorResponse;
  return (req: IncomingMessage, res: ServerResponse) => {
    void serve(handler, onError, req, res);
  };
}

async function serve(
  handler: Handler,
  onError: (err: unknown, ctx: RequestContext) => ProxytapeResponse,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const ctx = createContext(req);
  let response: ProxytapeResponse;
  try {
    const result: unknown = await handler(ctx);
    if (!isProxytapeResponse(result)) {
      throw new TypeError(
        `The handler returned ${String(result)} for ${ctx.method} ${ctx.url}. It must resolve to a ProxytapeResponse, or throw.`,
      );
    }
    response = result;
  } catch (err) {
    try {
      response = onError(err, ctx);
    } catch (hookErr) {
      response = defaultErrorResponse(hookErr, ctx);
    }
  }
  await response.send(res);
}

function defaultErrorResponse(err: unknown, ctx: RequestContext): ProxytapeResponse {
  if (isProxytapeError(err)) return errorResponse(err);
  // Name the request as the client sent it: Before hooks may have rewritten ctx.method / ctx.url.
  const method = ctx.req.method ?? ctx.method;
  const url = ctx.req.url ?? ctx.url;
  const what = err instanceof Error ? err.message : String(err);
  const error = new ProxytapeError(
    'PROXYTAPE_MIDDLEWARE_ERROR',
    `Failed to handle ${method} ${url}: ${what}. ${ERROR_CODES.PROXYTAPE_MIDDLEWARE_ERROR.hint}`,
    { method, url, cause: err },
  );
  return errorResponse(error);
}
