import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxytapeError } from '../errors.js';
import { errorResponse } from '../proxy/response.js';

/**
 * Calls a request listener and contains its failure: a synchronous throw or a
 * rejected promise answers `500` (or aborts the response if it had already
 * started) instead of crashing the process or leaving the client hanging.
 */
export function invokeListener(
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  try {
    const result = listener(req, res);
    if (isPromiseLike(result)) result.then(undefined, (err: unknown) => answerListenerFailure(err, req, res));
  } catch (err) {
    answerListenerFailure(err, req, res);
  }
}

/** Answers a request whose listener failed. Exported for tests. */
export function answerListenerFailure(err: unknown, req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent || res.writableEnded || res.destroyed) {
    // Part of a response is out: ending it cleanly would pass a truncated body off as complete.
    if (!res.writableFinished) res.destroy();
    return;
  }
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const error = new ProxytapeError(
    'PROXYTAPE_LISTENER_ERROR',
    `Failed to handle ${method} ${url}: the request listener threw (${describeError(err)}). ` +
      'Make the listener catch its errors and answer with an error response.',
    { method, url, cause: err },
  );
  void errorResponse(error).send(res);
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
