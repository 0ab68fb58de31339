import { inspect } from 'node:util';
import { ConfigError } from '../errors.js';
import type { Chain } from './chain.js';
import { type ChainPlan, runChain } from './run-chain.js';
import type { Handler, MiddlewareSpec } from './types.js';
import { checkSpec } from './validate.js';

/**
 * Joins middleware and a handler into one {@link Handler} that runs the whole
 * flow for each request, with hyper_middleware / Iron semantics:
 *
 * ```plain
 * before[0] -> before[1] -> around[1](around[0](handler)) -> after[0] -> after[1]
 * ```
 *
 * - A Before may answer early by returning a response: later Befores and the
 *   handler are skipped, every After still runs on it.
 * - When a Before, the handler or an After throws, the error flow starts: the
 *   remaining normal hooks and the handler are skipped, and the `catch` hooks
 *   of the middleware *after* the failing one are called with the error
 *   (later Befores' catches, then every After's catch).
 * - A `catch` that recovers (a Before catch returning nothing or a response,
 *   an After catch returning a response) resumes the normal flow at the
 *   middleware immediately after it; skipped middleware is never gone back to.
 * - A `catch` that throws continues the error flow with what it threw; if the
 *   flow ends in error, the returned handler rejects with that error.
 *
 * Each `around(next)` is called once, here; the last listed is outermost.
 * The lists are copied: changing the Chain or spec later does not affect the
 * returned handler. The returned handler rejects with the original error when
 * no `catch` hook recovers.
 *
 * @throws {ConfigError} for a malformed spec or middleware, naming it.
 *
 * @example
 * ```ts
 * const handler = compose({ before: [requireToken], after: [poweredBy] }, async (ctx) =>
 *   textResponse(200, `you asked for ${ctx.url}\n`, { source: 'proxied' }),
 * );
 * const response = await handler(createContext(req));
 * await response.send(res);
 * ```
 */
export function compose(middleware: Chain | MiddlewareSpec, handler: Handler): Handler {
  if (typeof handler !== 'function') {
    throw new ConfigError(
      'handler',
      `Invalid handler for compose(): ${inspect(handler, { depth: 0 })}. Must be a function (ctx) => Promise<ProxytapeResponse>.`,
    );
  }
  // By shape, not instanceof: a Chain from another copy of the module must not be read as an empty spec.
  const toSpec = (middleware as { toSpec?: unknown }).toSpec;
  const spec = checkSpec(typeof toSpec === 'function' ? (toSpec as () => unknown).call(middleware) : middleware);

  let wrapped: Handler = handler;
  spec.around.forEach((m, i) => {
    const next: unknown = m.around(wrapped);
    if (typeof next !== 'function') {
      throw new ConfigError(
        `around[${i}]`,
        `Invalid around middleware \`around[${i}]\`: around(next) returned ${inspect(next, { depth: 0 })}. Must return a handler function (ctx) => Promise<ProxytapeResponse>.`,
      );
    }
    wrapped = next as Handler;
  });

  const plan: ChainPlan = { before: spec.before, handler: wrapped, after: spec.after };
  return (ctx) => runChain(plan, ctx);
}
