import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ProxyError } from '../../../src/errors.js';
import { type AfterMiddleware, type BeforeMiddleware, compose } from '../../../src/middleware/index.js';
import { textResponse } from '../../../src/proxy/response.js';
import { type ProxytapeServer, createServer, toRequestListener } from '../../../src/server/index.js';

// A composed chain served end to end: auth short-circuit, URL rewrite, header post-processing and error recovery.
const requireToken: BeforeMiddleware = {
  name: 'requireToken',
  before(ctx) {
    if (ctx.req.headers.authorization !== 'Bearer test') {
      return textResponse(401, 'token required\n', { source: 'error' });
    }
  },
};
const stripApiPrefix: BeforeMiddleware = {
  before(ctx) {
    ctx.url = ctx.url.replace(/^\/api/, '');
  },
};
const poweredBy: AfterMiddleware = {
  after(_ctx, res) {
    res.setHeader('x-powered-by', 'proxytape');
  },
};
const recoverTeapots: AfterMiddleware = {
  after: () => undefined,
  catch(ctx, err) {
    if ((err as Error).message === 'teapot') return textResponse(418, `recovered ${ctx.method} ${ctx.url}\n`, { source: 'error' });
    throw err;
  },
};

describe('a composed middleware chain behind createServer()', () => {
  let server: ProxytapeServer;
  beforeAll(async () => {
    const handler = compose({ before: [requireToken, stripApiPrefix], after: [recoverTeapots, poweredBy] }, async (ctx) => {
      const path = ctx.url.split('?')[0];
      if (path === '/teapot') throw new Error('teapot');
      if (path === '/crash') throw new Error('database on fire');
      if (path === '/refused') {
        throw new ProxyError('PROXYTAPE_UPSTREAM_REFUSED', `Failed to proxy GET ${ctx.url}: the backend refused the connection.`);
      }
      return textResponse(200, `handled ${ctx.method} ${ctx.url}\n`, { source: 'proxied' });
    });
    server = await createServer(toRequestListener(handler));
  });
  afterAll(async () => {
    await server.close({ drainTimeout: 0 });
  });

  it('runs befores, the handler and afters for a normal request', async () => {
    const res = await request(server.url).get('/api/users').set('authorization', 'Bearer test');
    expect(res.status).toBe(200);
    expect(res.text).toBe('handled GET /users\n');
    expect(res.headers['x-powered-by']).toBe('proxytape');
    expect(res.headers['x-proxytape']).toBe('proxied');
  });

  it('answers early from a before and still runs the afters', async () => {
    const res = await request(server.url).get('/api/users');
    expect(res.status).toBe(401);
    expect(res.text).toBe('token required\n');
    expect(res.headers['x-powered-by']).toBe('proxytape');
  });

  it('recovers from a handler error in an after catch and resumes at the next after', async () => {
    const res = await request(server.url).get('/api/teapot').set('authorization', 'Bearer test');
    expect(res.status).toBe(418);
    expect(res.text).toBe('recovered GET /teapot\n');
    expect(res.headers['x-powered-by']).toBe('proxytape');
  });

  it('answers 500 PROXYTAPE_MIDDLEWARE_ERROR naming the request when no catch recovers', async () => {
    const res = await request(server.url).get('/api/crash?id=7').set('authorization', 'Bearer test');
    expect(res.status).toBe(500);
    expect(res.headers['x-proxytape']).toBe('error');
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_MIDDLEWARE_ERROR');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.text).toBe(
      '500 Internal Server Error (PROXYTAPE_MIDDLEWARE_ERROR)\n' +
        'Failed to handle GET /api/crash?id=7: database on fire. Fix the failing hook, or add a catch hook that returns a response.\n',
    );
  });

  it('answers an unrecovered proxytape error with the status and code of its error', async () => {
    const res = await request(server.url).get('/api/refused').set('authorization', 'Bearer test');
    expect(res.status).toBe(502);
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_UPSTREAM_REFUSED');
    expect(res.text).toBe(
      '502 Bad Gateway (PROXYTAPE_UPSTREAM_REFUSED)\nFailed to proxy GET /refused: the backend refused the connection.\n',
    );
  });
});
