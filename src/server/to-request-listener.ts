import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isProxytapeError } from '../errors.js';
import { createContext } from '../middleware/context.js';
import type { Handler, RequestContext } from '../middleware/types.js';
import { isProxytapeResponse } from '../middleware/response-checks.js';
import { type ProxytapeResponse, errorResponse, textResponse } from '../proxy/response.js';

/** Options of {@link toRequestListener}. */
export interface RequestListenerOptions {
  /**
   * Turns an error no middleware recovered from into the response to send.
   * @default a proxytape error → its error response (status of its code);
   *          anything else → `500` naming the request and the error.
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
      throw new TypeError(`The handler returned ${String(result)} for ${ctx.method} ${ctx.url}. It must resolve to a ProxytapeResponse, or throw.`);
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
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return textResponse(
    500,
    `500 Internal Server Error\nFailed to handle ${ctx.req.method ?? ctx.method} ${ctx.req.url ?? ctx.url}: ${what}. ` +
      'No middleware recovered from this error; add an After middleware whose catch(ctx, err) returns a response.\n',
    { method: ctx.method, url: ctx.url },
  );
}
