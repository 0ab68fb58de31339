import type { ProxytapeResponse } from '../proxy/response.js';
import { discardResponse, expectOptionalResponse, expectResponse } from './response-checks.js';
import type { AfterMiddleware, BeforeMiddleware, Handler, RequestContext } from './types.js';

/** A composed chain, ready to run: arounds are already applied to `handler`. */
export interface ChainPlan {
  readonly before: readonly BeforeMiddleware[];
  readonly handler: Handler;
  readonly after: readonly AfterMiddleware[];
}

/**
 * Runs one request through a composed chain, following hyper_middleware / Iron:
 *
 * ```plain
 * normal flow:  [b] -> [b] -> [b] -> [[[h]]] -> [a] -> [a] -> [a]
 * ```
 *
 * - A hook that throws switches to the error flow: only `catch` hooks run,
 *   starting at the middleware *after* the one that failed (Before catches,
 *   then every After catch); the handler is skipped.
 * - A `catch` that recovers resumes the normal flow at the middleware
 *   immediately after it; it is impossible to go back to a skipped one.
 *   (A Before catch that recovers with a response, like a Before that
 *   short-circuits, skips the handler and continues at the first After.)
 * - If the chain ends in the error flow, the returned promise rejects with
 *   the last error raised (the original one if nothing rethrew another).
 */
export async function runChain(plan: ChainPlan, ctx: RequestContext): Promise<ProxytapeResponse> {
  let failed = false;
  let error: unknown;
  let res: ProxytapeResponse | undefined;

  // Before phase: stops early once a before (or a before catch) produced a response.
  for (let i = 0; i < plan.before.length && res === undefined; i++) {
    const m = plan.before[i]!;
    if (!failed) {
      try {
        res = expectOptionalResponse(
          await m.before(ctx),
          (got) =>
            `${label('before', m, i)}: before() returned ${got}. Return nothing to continue, or a ProxytapeResponse to answer early.`,
        );
      } catch (err) {
        failed = true;
        error = err;
      }
    } else if (m.catch) {
      try {
        res = expectOptionalResponse(
          await m.catch(ctx, error),
          (got) =>
            `${label('before', m, i)}: catch() returned ${got}. Return nothing to resume at the next middleware, ` +
            'a ProxytapeResponse to answer with it, or throw to pass the error on.',
          error,
        );
        failed = false;
      } catch (err) {
        error = err;
      }
    }
  }

  if (!failed && res === undefined) {
    try {
      res = expectResponse(
        await plan.handler(ctx),
        (got) => `The handler returned ${got} for ${ctx.method} ${ctx.url}. It must resolve to a ProxytapeResponse, or throw.`,
      );
    } catch (err) {
      failed = true;
      error = err;
    }
  }

  for (let j = 0; j < plan.after.length; j++) {
    const m = plan.after[j]!;
    if (!failed && res !== undefined) {
      const current: ProxytapeResponse = res;
      try {
        const next = expectOptionalResponse(
          await m.after(ctx, current),
          (got) =>
            `${label('after', m, j)}: after() returned ${got}. Return nothing to keep the response, or a ProxytapeResponse to replace it.`,
        );
        if (next !== undefined && next !== current) {
          discardResponse(current, next);
          res = next;
        }
      } catch (err) {
        discardResponse(current);
        res = undefined;
        failed = true;
        error = err;
      }
    } else if (failed && m.catch) {
      try {
        res = expectResponse(
          await m.catch(ctx, error),
          (got) =>
            `${label('after', m, j)}: catch() returned ${got}. Return a ProxytapeResponse to recover, or throw to pass the error on.`,
          error,
        );
        failed = false;
      } catch (err) {
        error = err;
      }
    }
  }

  if (failed) throw error;
  // Unreachable: without an error, a response was produced by a before, the handler or a catch.
  if (res === undefined) throw new Error('proxytape middleware chain ended without a response or an error (bug).');
  return res;
}

function label(kind: 'before' | 'after', m: { readonly name?: string }, index: number): string {
  const name = m.name ?? constructorName(m);
  return `${kind} middleware #${index}${name ? ` (${name})` : ''}`;
}

function constructorName(m: object): string | undefined {
  const ctor = (m as { constructor?: { name?: unknown } }).constructor;
  return ctor && ctor !== Object && typeof ctor.name === 'string' && ctor.name ? ctor.name : undefined;
}
