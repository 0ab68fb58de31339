import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import {
  type AfterMiddleware,
  type AroundMiddleware,
  type BeforeMiddleware,
  type Handler,
  type RequestContext,
  Chain,
  compose,
  createContext,
} from '../../../src/middleware/index.js';
import { type ProxytapeResponse, textResponse } from '../../../src/proxy/response.js';

/** A context without a real socket: the chain never touches `req` itself. */
function fakeContext(method = 'GET', url = '/things'): RequestContext {
  return createContext({ method, url, rawHeaders: [], headers: {} } as unknown as IncomingMessage);
}

/** A small 200 response whose body says who made it. */
function ok(text: string): ProxytapeResponse {
  return textResponse(200, text, { source: 'proxied' });
}

/** Reads a Buffer body as text (these tests only build Buffer bodies). */
function bodyText(res: ProxytapeResponse): string {
  return Buffer.isBuffer(res.body) ? res.body.toString('utf8') : String(res.body);
}

/** Builds middleware that log every call into `log`, with optional behaviour overrides. */
function recorder() {
  const log: string[] = [];
  const before = (name: string, overrides: Partial<BeforeMiddleware> = {}): BeforeMiddleware => ({
    name,
    before: () => {
      log.push(`${name}.before`);
    },
    catch: (_ctx, err) => {
      log.push(`${name}.catch(${String((err as Error).message)})`);
      throw err;
    },
    ...overrides,
  });
  const after = (name: string, overrides: Partial<AfterMiddleware> = {}): AfterMiddleware => ({
    name,
    after: (_ctx, res) => {
      log.push(`${name}.after(${bodyText(res)})`);
    },
    catch: (_ctx, err) => {
      log.push(`${name}.catch(${String((err as Error).message)})`);
      throw err;
    },
    ...overrides,
  });
  const around = (name: string): AroundMiddleware => ({
    around: (next) => async (ctx) => {
      log.push(`${name}.in`);
      const res = await next(ctx);
      log.push(`${name}.out`);
      return res;
    },
  });
  const handler: Handler = async () => {
    log.push('handler');
    return ok('handler');
  };
  return { log, before, after, around, handler };
}

describe('middleware chain: normal flow', () => {
  it('runs befores in order, arounds with the last linked outermost, the handler, then afters in order', async () => {
    const r = recorder();
    const chain = new Chain()
      .linkBefore(r.before('b1'))
      .linkBefore(r.before('b2'))
      .linkAround(r.around('r1'))
      .linkAround(r.around('r2'))
      .linkAfter(r.after('a1'))
      .linkAfter(r.after('a2'));
    const res = await compose(chain, r.handler)(fakeContext());
    expect(bodyText(res)).toBe('handler');
    expect(r.log).toEqual([
      'b1.before',
      'b2.before',
      'r2.in',
      'r1.in',
      'handler',
      'r1.out',
      'r2.out',
      'a1.after(handler)',
      'a2.after(handler)',
    ]);
  });

  it('lets a before rewrite the context the handler sees', async () => {
    const handler = compose({ before: [{ before: (ctx) => void (ctx.url = ctx.url.replace(/^\/api/, '')) }] }, async (ctx) =>
      ok(`${ctx.method} ${ctx.url}`),
    );
    expect(bodyText(await handler(fakeContext('GET', '/api/users')))).toBe('GET /users');
  });

  it('uses the response an after returns in place of the one it received', async () => {
    const handler = compose(
      { after: [{ after: () => ok('replaced') }, { after: (_ctx, res) => void res.setHeader('x-seen', bodyText(res)) }] },
      async () => ok('original'),
    );
    const res = await handler(fakeContext());
    expect(bodyText(res)).toBe('replaced');
    expect(res.getHeader('x-seen')).toBe('replaced');
  });

  it('calls around(next) once, when composing, not per request', async () => {
    let wraps = 0;
    const handler = compose(
      {
        around: [
          {
            around: (next) => {
              wraps++;
              return next;
            },
          },
        ],
      },
      async () => ok('x'),
    );
    await handler(fakeContext());
    await handler(fakeContext());
    expect(wraps).toBe(1);
  });
});

describe('middleware chain: short-circuit', () => {
  it('skips later befores and the handler when a before returns a response, and still runs every after on it', async () => {
    const r = recorder();
    const handler = compose(
      {
        before: [
          r.before('b1'),
          r.before('b2', {
            before: () => {
              r.log.push('b2.before');
              return ok('denied');
            },
          }),
          r.before('b3'),
        ],
        around: [r.around('r1')],
        after: [r.after('a1'), r.after('a2')],
      },
      r.handler,
    );
    const res = await handler(fakeContext());
    expect(bodyText(res)).toBe('denied');
    expect(r.log).toEqual(['b1.before', 'b2.before', 'a1.after(denied)', 'a2.after(denied)']);
  });
});

describe('middleware chain: error flow', () => {
  it('on a before error skips the handler, calls later befores’ catch (not its own) and every after’s catch', async () => {
    const r = recorder();
    const boom = new Error('boom');
    const handler = compose(
      {
        before: [
          r.before('b1'),
          r.before('b2', {
            before: () => {
              r.log.push('b2.before');
              throw boom;
            },
          }),
          r.before('b3'),
        ],
        after: [r.after('a1'), r.after('a2')],
      },
      r.handler,
    );
    await expect(handler(fakeContext())).rejects.toBe(boom);
    expect(r.log).toEqual(['b1.before', 'b2.before', 'b3.catch(boom)', 'a1.catch(boom)', 'a2.catch(boom)']);
  });

  it('resumes at the next before, then the handler, when a before catch recovers by returning nothing', async () => {
    const r = recorder();
    const handler = compose(
      {
        before: [
          r.before('b1', {
            before: () => {
              throw new Error('boom');
            },
          }),
          r.before('b2', {
            catch: (_ctx, err) => {
              r.log.push(`b2.catch(${(err as Error).message})`);
            },
          }),
          r.before('b3'),
        ],
        after: [r.after('a1')],
      },
      r.handler,
    );
    const res = await handler(fakeContext());
    expect(bodyText(res)).toBe('handler');
    expect(r.log).toEqual(['b2.catch(boom)', 'b3.before', 'handler', 'a1.after(handler)']);
  });

  it('skips the handler and runs every after when a before catch recovers with a response', async () => {
    const r = recorder();
    const handler = compose(
      {
        before: [
          r.before('b1', {
            before: () => {
              throw new Error('boom');
            },
          }),
          r.before('b2', { catch: () => ok('fallback') }),
          r.before('b3'),
        ],
        after: [r.after('a1')],
      },
      r.handler,
    );
    expect(bodyText(await handler(fakeContext()))).toBe('fallback');
    expect(r.log).toEqual(['a1.after(fallback)']);
  });

  it('on a handler error calls every after’s catch and none of their after hooks', async () => {
    const r = recorder();
    const handler = compose({ before: [r.before('b1')], after: [r.after('a1'), r.after('a2')] }, async () => {
      r.log.push('handler');
      throw new Error('upstream down');
    });
    await expect(handler(fakeContext())).rejects.toThrow('upstream down');
    expect(r.log).toEqual(['b1.before', 'handler', 'a1.catch(upstream down)', 'a2.catch(upstream down)']);
  });

  it('treats an error thrown out of an around as a handler error', async () => {
    const r = recorder();
    const handler = compose(
      {
        around: [{ around: () => async () => Promise.reject(new Error('wrapped failed')) }],
        after: [r.after('a1')],
      },
      r.handler,
    );
    await expect(handler(fakeContext())).rejects.toThrow('wrapped failed');
    expect(r.log).toEqual(['a1.catch(wrapped failed)']);
  });

  it('resumes the normal flow after the after catch that recovers: later afters run on its response', async () => {
    const r = recorder();
    const handler = compose(
      {
        after: [
          r.after('a1'),
          r.after('a2', {
            catch: (_ctx, err) => {
              r.log.push(`a2.catch(${(err as Error).message})`);
              return ok('recovered');
            },
          }),
          r.after('a3'),
        ],
      },
      async () => {
        throw new Error('boom');
      },
    );
    const res = await handler(fakeContext());
    expect(bodyText(res)).toBe('recovered');
    expect(r.log).toEqual(['a1.catch(boom)', 'a2.catch(boom)', 'a3.after(recovered)']);
  });

  it('on an after error drops the response and calls only later afters’ catch', async () => {
    const r = recorder();
    const handler = compose(
      {
        after: [
          r.after('a1'),
          r.after('a2', {
            after: () => {
              r.log.push('a2.after');
              throw new Error('header rewrite failed');
            },
          }),
          r.after('a3'),
        ],
      },
      r.handler,
    );
    await expect(handler(fakeContext())).rejects.toThrow('header rewrite failed');
    expect(r.log).toEqual(['handler', 'a1.after(handler)', 'a2.after', 'a3.catch(header rewrite failed)']);
  });

  it('gives the caller the very error object that was thrown when no catch recovers', async () => {
    class UpstreamError extends Error {
      readonly code = 'E_UPSTREAM';
    }
    const original = new UpstreamError('no route to host');
    const r = recorder();
    const handler = compose({ before: [r.before('b1')], after: [r.after('a1')] }, async () => {
      throw original;
    });
    const err = await handler(fakeContext()).catch((e: unknown) => e);
    expect(err).toBe(original);
    expect((err as UpstreamError).code).toBe('E_UPSTREAM');
  });

  it('passes on the error a catch throws in place of the one it received', async () => {
    const replacement = new Error('wrapped: boom');
    const seen: unknown[] = [];
    const handler = compose(
      {
        after: [
          {
            after: () => undefined,
            catch: () => {
              throw replacement;
            },
          },
          {
            after: () => undefined,
            catch: (_ctx, err) => {
              seen.push(err);
              throw err;
            },
          },
        ],
      },
      async () => {
        throw new Error('boom');
      },
    );
    await expect(handler(fakeContext())).rejects.toBe(replacement);
    expect(seen).toEqual([replacement]);
  });

  it('passes the error on through middleware without a catch hook', async () => {
    const handler = compose(
      {
        before: [
          {
            before: () => {
              throw new Error('first');
            },
          },
          { before: () => undefined },
        ],
        after: [{ after: () => undefined }, { after: () => undefined, catch: () => ok('caught late') }],
      },
      async () => ok('handler'),
    );
    expect(bodyText(await handler(fakeContext()))).toBe('caught late');
  });

  it('handles hooks that reject asynchronously like hooks that throw', async () => {
    const handler = compose(
      {
        before: [{ before: async () => Promise.reject(new Error('async boom')) }],
        after: [{ after: () => undefined, catch: async (_ctx, err) => ok(`caught ${(err as Error).message}`) }],
      },
      async () => ok('handler'),
    );
    expect(bodyText(await handler(fakeContext()))).toBe('caught async boom');
  });
});
