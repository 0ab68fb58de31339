import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';
import { createProxyHandler, createRouter, isConfigError } from '../../../src/index.js';

describe('createRouter', () => {
  let one: TestServer;
  let two: TestServer;
  let api: TestServer;

  beforeAll(async () => {
    const named = (name: string) => (req: IncomingMessage, res: ServerResponse) => res.end(`${name} ${req.url}`);
    one = await createTestServer(named('backend-1'));
    two = await createTestServer(named('backend-2'));
    api = await createTestServer(named('api'));
  });
  afterAll(async () => {
    await Promise.all([one.close(), two.close(), api.close()]);
  });

  function router() {
    return createRouter([
      { host: 'domain1.test', handler: createProxyHandler({ target: one.url }) },
      { host: '*.domain2.test', handler: createProxyHandler({ target: two.url }) },
      { pathPrefix: '/api', stripPrefix: true, handler: createProxyHandler({ target: api.url }) },
    ]);
  }

  it('dispatches by Host header, ignoring the port and case', async () => {
    const res = await request(router()).get('/x').set('Host', 'DOMAIN1.test:8080');
    expect(res.text).toBe('backend-1 /x');
    expect(res.headers['x-proxytape']).toBe('proxied');
  });

  it('matches wildcard subdomains but not the bare domain', async () => {
    expect((await request(router()).get('/w').set('Host', 'eu.domain2.test')).text).toBe('backend-2 /w');
    const bare = await request(router()).get('/w').set('Host', 'domain2.test');
    expect(bare.status).toBe(404);
  });

  it('dispatches by path prefix at a segment boundary and strips it when asked', async () => {
    expect((await request(router()).get('/api/users?x=1').set('Host', 'other.test')).text).toBe('api /users?x=1');
    expect((await request(router()).get('/api').set('Host', 'other.test')).text).toBe('api /');
    expect((await request(router()).get('/apix').set('Host', 'other.test')).status).toBe(404);
  });

  it('answers 404 PROXYTAPE_NO_ROUTE naming the request when nothing matches', async () => {
    const res = await request(router()).get('/nowhere').set('Host', 'unknown.test');
    expect(res.status).toBe(404);
    expect(res.headers['x-proxytape']).toBe('error');
    expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_NO_ROUTE');
    expect(res.text).toBe(
      '404 Not Found (PROXYTAPE_NO_ROUTE)\nNo route for GET /nowhere (Host: unknown.test). Add a route for this host or path prefix, or pass a fallback handler to createRouter().\n',
    );
  });

  it('hands unmatched requests to the fallback when one is given', async () => {
    const withFallback = createRouter(
      [{ host: 'domain1.test', handler: createProxyHandler({ target: one.url }) }],
      createProxyHandler({ target: two.url }),
    );
    expect((await request(withFallback).get('/f').set('Host', 'unknown.test')).text).toBe('backend-2 /f');
  });

  it('rejects a route without host or pathPrefix at construction', () => {
    try {
      createRouter([{ handler: createProxyHandler({ target: one.url }) }]);
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(isConfigError(err)).toBe(true);
      expect((err as Error).message).toBe(
        'Invalid route routes[0]: give `host` and/or `pathPrefix` (use the fallback argument for a catch-all).',
      );
    }
  });
});
