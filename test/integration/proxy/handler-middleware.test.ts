import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createEchoBackend, headerValues } from '../../helpers/echo-backend.js';
import { type ProxyEvent, createProxyHandler, textResponse } from '../../../src/index.js';
import { Chain } from '../../../src/middleware/index.js';

type Backend = Awaited<ReturnType<typeof createEchoBackend>>;

describe('createProxyHandler with middleware', () => {
  let backend: Backend;
  beforeEach(async () => {
    backend = await createEchoBackend();
  });
  afterEach(async () => {
    await backend.close();
  });

  it('forwards the URL a Before hook rewrote and lets an After hook add a response header', async () => {
    const handler = createProxyHandler(
      { target: backend.url },
      {
        middleware: {
          before: [{ before: (ctx) => void (ctx.url = ctx.url.replace(/^\/v1/, '/internal')) }],
          after: [{ after: (_ctx, res) => void res.setHeader('x-after', 'ran') }],
        },
      },
    );
    try {
      const res = await request(handler).get('/v1/users?x=1');
      expect(res.status).toBe(200);
      expect(res.headers['x-after']).toBe('ran');
      expect(res.headers['x-proxytape']).toBe('proxied');
      expect(backend.last().url).toBe('/internal/users?x=1');
    } finally {
      await handler.close();
    }
  });

  it('forwards headers a Before hook sets or removes with ctx.setHeader / ctx.removeHeader', async () => {
    const handler = createProxyHandler(
      { target: backend.url },
      {
        middleware: {
          before: [
            {
              before: (ctx) => {
                ctx.setHeader('X-Tenant', 'acme');
                ctx.setHeader('x-trace', 'replaced');
                ctx.removeHeader('x-debug');
              },
            },
          ],
        },
      },
    );
    try {
      await request(handler).get('/users').set('X-Trace', 'original').set('X-Debug', '1');
      const seen = backend.last().rawHeaders;
      expect(headerValues(seen, 'x-tenant')).toEqual(['acme']);
      expect(headerValues(seen, 'x-trace')).toEqual(['replaced']);
      expect(headerValues(seen, 'x-debug')).toEqual([]);
    } finally {
      await handler.close();
    }
  });

  it('lets a Before hook answer without contacting the backend', async () => {
    const events: ProxyEvent[] = [];
    const chain = new Chain().linkBefore({
      before: (ctx) => (ctx.req.headers.authorization ? undefined : textResponse(401, 'token required\n', { source: 'error' })),
    });
    const handler = createProxyHandler({ target: backend.url }, { middleware: chain, onResponse: (e) => events.push(e) });
    try {
      const denied = await request(handler).get('/secret');
      expect(denied.status).toBe(401);
      expect(denied.text).toBe('token required\n');
      expect(backend.requests).toHaveLength(0);
      const allowed = await request(handler).get('/secret').set('Authorization', 'Bearer t');
      expect(allowed.status).toBe(200);
      expect(headerValues(backend.last().rawHeaders, 'authorization')).toEqual(['Bearer t']);
      expect(events.map((e) => e.status)).toEqual([401, 200]);
    } finally {
      await handler.close();
    }
  });

  it('answers 500 naming the failure when a middleware error is not recovered', async () => {
    const handler = createProxyHandler(
      { target: backend.url },
      {
        middleware: {
          before: [
            {
              before: () => {
                throw new Error('quota store unreachable');
              },
            },
          ],
        },
      },
    );
    try {
      const res = await request(handler).get('/any');
      expect(res.status).toBe(500);
      expect(res.headers['x-proxytape']).toBe('error');
      expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_MIDDLEWARE_ERROR');
      expect(res.text).toBe(
        '500 Internal Server Error (PROXYTAPE_MIDDLEWARE_ERROR)\nMiddleware failed for GET /any: quota store unreachable. Fix the failing hook, or add a catch hook that returns a response.\n',
      );
      expect(backend.requests).toHaveLength(0);
    } finally {
      await handler.close();
    }
  });
});
