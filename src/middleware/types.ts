import type { IncomingMessage } from 'node:http';
import type { ProxytapeResponse } from '../proxy/response.js';

/**
 * What middleware and the handler share for one request. `method` and `url`
 * start as the client's and may be rewritten by Before middleware (the handler
 * proxies what they say); `state` carries anything else between hooks.
 *
 * @example
 * ```ts
 * const ctx = createContext(req);
 * ctx.url = ctx.url.replace(/^\/api/, '');
 * ctx.state.set('startedAt', Date.now());
 * ```
 */
export interface RequestContext {
  /** The client request, untouched (its body stream is read by the handler). */
  readonly req: IncomingMessage;
  /** Method the handler should use; starts as `req.method`. */
  method: string;
  /** Path and query the handler should use; starts as `req.url`. */
  url: string;
  /** Free-form values shared between hooks (timings…). Use symbols to avoid clashes. */
  readonly state: Map<string | symbol, unknown>;
  /**
   * Sets a request header for the handler to forward, replacing every header of that name
   * (case-insensitive). The proxy forwards `req.rawHeaders`, which this edits (and
   * `req.headers` with it): assigning to `req.headers` alone changes nothing upstream.
   *
   * @example
   * ```ts
   * const inject: BeforeMiddleware = { before: (ctx) => ctx.setHeader('x-tenant', 'acme') };
   * ```
   */
  setHeader(name: string, value: string): void;
  /** Removes every request header of that name (case-insensitive) before it is forwarded. */
  removeHeader(name: string): void;
}

/**
 * Produces the response for a request (hyper_middleware's `Handler`). Throw
 * (or reject) to enter the error flow.
 *
 * @example
 * ```ts
 * const hello: Handler = async (ctx) => textResponse(200, `hello ${ctx.url}`, { source: 'proxied' });
 * ```
 */
export type Handler = (ctx: RequestContext) => Promise<ProxytapeResponse>;

/** What a hook may return: a value now or later. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Runs before the handler, in link order. Alters the context (routing,
 * authorization, header injection with `ctx.setHeader`) or answers early.
 *
 * - `before` returns nothing to continue, or a response to short-circuit:
 *   the remaining Before hooks and the handler are skipped and the response
 *   goes through every After hook, like a handler's.
 * - `before` throws to enter the error flow: the remaining `before` hooks and
 *   the handler are skipped; `catch` of each *later* Before middleware (not
 *   this one's) and then of every After middleware is called with the error.
 * - `catch` (optional; without it the error passes on) is called with an
 *   error raised by an earlier Before middleware. Return nothing to recover:
 *   the normal flow resumes at the next Before middleware, then the handler.
 *   Return a response to recover with it: the handler is skipped and the
 *   response goes through every After hook. Throw (the same or another
 *   error) to continue the error flow.
 *
 * @example
 * ```ts
 * const requireToken: BeforeMiddleware = {
 *   name: 'requireToken',
 *   before(ctx) {
 *     if (!ctx.req.headers.authorization) return textResponse(401, 'token required\n', { source: 'error' });
 *   },
 * };
 * ```
 */
export interface BeforeMiddleware {
  /** Shown in error messages about this middleware. */
  readonly name?: string;
  before(ctx: RequestContext): MaybePromise<ProxytapeResponse | void>;
  catch?(ctx: RequestContext, err: unknown): MaybePromise<ProxytapeResponse | void>;
}

/**
 * Runs after the handler, in link order, on the response (post-processing:
 * headers, logging, recording).
 *
 * - `after` returns nothing to keep the (possibly mutated) response, or a
 *   response to replace it (the replaced response's body stream is destroyed
 *   unless the new response reuses it). Throw to enter the error flow: the
 *   response is dropped and `catch` of each *later* After middleware is called.
 * - `catch` (optional; without it the error passes on) is called with an error
 *   raised by a Before hook, the handler, or an earlier After hook. Return a
 *   response to recover: the normal flow resumes at the next After middleware,
 *   whose `after` receives it. Throw to continue the error flow; if no catch
 *   recovers, the caller of the chain gets the error.
 *
 * @example
 * ```ts
 * const poweredBy: AfterMiddleware = {
 *   after(ctx, res) {
 *     res.setHeader('x-powered-by', 'proxytape');
 *   },
 *   catch(ctx, err) {
 *     return textResponse(502, `upstream failed: ${String(err)}\n`, { source: 'error' });
 *   },
 * };
 * ```
 */
export interface AfterMiddleware {
  /** Shown in error messages about this middleware. */
  readonly name?: string;
  after(ctx: RequestContext, res: ProxytapeResponse): MaybePromise<ProxytapeResponse | void>;
  catch?(ctx: RequestContext, err: unknown): MaybePromise<ProxytapeResponse>;
}

/**
 * Wraps the handler (hyper_middleware's `AroundMiddleware`): `around` gets the
 * current handler and returns the one that replaces it, once, when the chain
 * is composed. Arounds apply in link order, so the last linked is outermost.
 * An error thrown out of the wrapped handler is a handler error.
 *
 * @example
 * ```ts
 * const timing: AroundMiddleware = {
 *   around: (next) => async (ctx) => {
 *     const started = performance.now();
 *     const res = await next(ctx);
 *     res.setHeader('server-timing', `proxy;dur=${(performance.now() - started).toFixed(1)}`);
 *     return res;
 *   },
 * };
 * ```
 */
export interface AroundMiddleware {
  /** Shown in error messages about this middleware. */
  readonly name?: string;
  around(next: Handler): Handler;
}

/**
 * Middleware as plain data, an alternative to building a {@link Chain}.
 * Each list runs in order; see {@link compose}.
 *
 * @example
 * ```ts
 * const spec: MiddlewareSpec = { before: [requireToken], around: [timing], after: [poweredBy] };
 * ```
 */
export interface MiddlewareSpec {
  before?: readonly BeforeMiddleware[];
  around?: readonly AroundMiddleware[];
  after?: readonly AfterMiddleware[];
}
