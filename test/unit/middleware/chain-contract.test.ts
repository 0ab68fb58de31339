import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { isConfigError } from '../../../src/errors.js';
import { type BeforeMiddleware, type RequestContext, Chain, compose, createContext } from '../../../src/middleware/index.js';
import { ProxytapeResponse, textResponse } from '../../../src/proxy/response.js';

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

function streamed(chunks: string[]): ProxytapeResponse {
  return new ProxytapeResponse({ status: 200, body: Readable.from(chunks), source: 'proxied' });
}

describe('middleware chain: response bodies', () => {
  it('destroys the body stream of a response an after replaces', async () => {
    const upstream = streamed(['a', 'b']);
    const res = await compose({ after: [{ after: () => ok('replacement') }] }, async () => upstream)(fakeContext());
    expect(bodyText(res)).toBe('replacement');
    expect((upstream.body as Readable).destroyed).toBe(true);
  });

  it('keeps the body stream when the replacing response reuses it', async () => {
    const upstream = streamed(['a', 'b']);
    const res = await compose(
      { after: [{ after: (_ctx, r) => new ProxytapeResponse({ status: 203, body: r.body, source: 'proxied' }) }] },
      async () => upstream,
    )(fakeContext());
    expect(res.status).toBe(203);
    expect((upstream.body as Readable).destroyed).toBe(false);
    (res.body as Readable).destroy();
  });

  it('destroys the body stream of a response dropped because an after threw', async () => {
    const upstream = streamed(['a']);
    const handler = compose(
      {
        after: [
          {
            after: () => {
              throw new Error('nope');
            },
          },
        ],
      },
      async () => upstream,
    );
    await expect(handler(fakeContext())).rejects.toThrow('nope');
    expect((upstream.body as Readable).destroyed).toBe(true);
  });
});

describe('middleware chain: hooks that return the wrong thing', () => {
  it('enters the error flow with a message naming the before that returned a non-response', async () => {
    const handler = compose({ before: [{ name: 'auth', before: () => true as unknown as void }] }, async () => ok('x'));
    await expect(handler(fakeContext())).rejects.toThrow(
      'before middleware #0 (auth): before() returned true. Return nothing to continue, or a ProxytapeResponse to answer early.',
    );
  });

  it('names the class of a middleware without a name', async () => {
    class Logger {
      after(): void {}
      catch(): ProxytapeResponse {
        return undefined as unknown as ProxytapeResponse;
      }
    }
    const handler = compose({ after: [new Logger()] }, async () => {
      throw new Error('boom');
    });
    const err = (await handler(fakeContext()).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe(
      'after middleware #0 (Logger): catch() returned undefined. Return a ProxytapeResponse to recover, or throw to pass the error on.',
    );
    expect((err.cause as Error).message).toBe('boom');
  });

  it('rejects with a message naming the request when the handler resolves to something else', async () => {
    const handler = compose({}, async () => ({ status: 200 }) as unknown as ProxytapeResponse);
    await expect(handler(fakeContext('POST', '/orders'))).rejects.toThrow(
      'The handler returned an object ({ status: 200 }) for POST /orders. It must resolve to a ProxytapeResponse, or throw.',
    );
  });
});

describe('compose() and Chain validation', () => {
  const handler = async (): Promise<ProxytapeResponse> => ok('x');

  it('rejects an unknown key in the middleware spec, listing the allowed keys', () => {
    expect(() => compose({ befores: [] } as never, handler)).toThrow(
      'Unknown key `befores` in middleware. Allowed keys: before, around, after.',
    );
  });

  it('rejects a spec entry without its method, naming the entry', () => {
    let caught: unknown;
    try {
      compose({ after: [{ after: () => undefined }, { before: () => undefined } as never] }, handler);
    } catch (err) {
      caught = err;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as Error).message).toBe(
      'Invalid after middleware `after[1]`: { before: [Function: before] }. Must be an object with an after(ctx, res) method.',
    );
  });

  it('rejects a non-array list', () => {
    expect(() => compose({ before: {} as never }, handler)).toThrow(
      'Invalid middleware `before`: {}. Must be an array of before middleware.',
    );
  });

  it('rejects an around that does not return a handler', () => {
    expect(() => compose({ around: [{ around: () => undefined as never }] }, handler)).toThrow(
      'Invalid around middleware `around[0]`: around(next) returned undefined. Must return a handler function (ctx) => Promise<ProxytapeResponse>.',
    );
  });

  it('rejects a handler that is not a function', () => {
    expect(() => compose({}, 'nope' as never)).toThrow(
      "Invalid handler for compose(): 'nope'. Must be a function (ctx) => Promise<ProxytapeResponse>.",
    );
  });

  it('rejects a middleware with a catch that is not a function when linked', () => {
    expect(() => new Chain().linkBefore({ before: () => undefined, catch: 5 } as never)).toThrow(
      'Invalid before middleware #0 passed to linkBefore(): its `catch` is 5. Must be a catch(ctx, err) method, or left out.',
    );
  });

  it('links a before and an after at once with link()', async () => {
    const log: string[] = [];
    const chain = new Chain().link({ before: () => void log.push('before') }, { after: () => void log.push('after') });
    await compose(chain, handler)(fakeContext());
    expect(log).toEqual(['before', 'after']);
  });

  it('does not change a composed handler when the chain is linked to later', async () => {
    const log: string[] = [];
    const chain = new Chain().linkBefore({ before: () => void log.push('first') });
    const composed = compose(chain, handler);
    chain.linkBefore({ before: () => void log.push('second') });
    await composed(fakeContext());
    expect(log).toEqual(['first']);
  });

  it('accepts a before whose hooks are all optional except before', async () => {
    const onlyBefore: BeforeMiddleware = { before: () => undefined };
    expect(bodyText(await compose({ before: [onlyBefore] }, handler)(fakeContext()))).toBe('x');
  });
});

describe('createContext()', () => {
  it('copies method and url from the request and starts with empty state', () => {
    const req = { method: 'PUT', url: '/a?b=1' } as Parameters<typeof createContext>[0];
    const ctx = createContext(req);
    expect(ctx).toMatchObject({ req, method: 'PUT', url: '/a?b=1', state: new Map() });
  });

  it('setHeader / removeHeader edit the raw header list the proxy forwards, and req.headers with it', () => {
    const req = {
      method: 'GET',
      url: '/',
      rawHeaders: ['Host', 'h', 'X-Trace', 'a', 'x-trace', 'b'],
      headers: { host: 'h', 'x-trace': 'a, b' },
    };
    const ctx = createContext(req as unknown as Parameters<typeof createContext>[0]);
    ctx.setHeader('X-Trace', 'c');
    ctx.setHeader('x-new', '1');
    ctx.removeHeader('HOST');
    expect(req.rawHeaders).toEqual(['X-Trace', 'c', 'x-new', '1']);
    expect(req.headers).toEqual({ 'x-trace': 'c', 'x-new': '1' });
  });
});
