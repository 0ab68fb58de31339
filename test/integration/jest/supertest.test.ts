import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import supertest from 'supertest';
import { CASSETTE_HEADER, type ProxyEvent, createProxyHandler, createTape, startProxy } from '../../../src/index.js';
import { createTestServer } from '../../helpers/http-test-server.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';

/**
 * docs/supertest.md: the proxy handler is a plain Node request listener, so
 * `supertest(handler)` replays fixtures with no proxy port to manage.
 */
describe('supertest(handler) replays fixtures with no port to manage', () => {
  let fixtures: string;

  beforeAll(async () => {
    // Record the fixtures once through a real backend (what `proxytape record` does).
    fixtures = await makeTempDir('proxytape-supertest-');
    const backend = await createTestServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.method === 'POST' ? { id: 3 } : [{ id: 1, name: 'Ann' }]));
      });
    });
    const recorder = await startProxy({ mode: 'record', target: backend.url, fixtures });
    await (await recorder.cassette('users').fetch('/users')).text();
    await (
      await recorder.cassette('users').fetch('/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Bob' }),
      })
    ).text();
    await recorder.close();
    await backend.close();
  });

  afterAll(removeTempDirs);

  test('replays a GET and a POST, and reports the fixtures used', async () => {
    const tape = await createTape({ mode: 'replay', fixtures, cassette: 'users' });
    const events: ProxyEvent[] = [];
    const handler = createProxyHandler({ target: 'http://api.invalid', transport: tape.transport }, { onResponse: (e) => events.push(e) });
    try {
      await supertest(handler)
        .get('/users')
        .expect(200)
        .expect('content-type', /json/)
        .expect('x-proxytape', 'replayed')
        .expect([{ id: 1, name: 'Ann' }]);
      await supertest(handler).post('/users').send({ name: 'Bob' }).expect(201, { id: 3 });
      expect(events.map((e) => `${e.method} ${e.url} ${e.source}`)).toEqual(['GET /users replayed', 'POST /users replayed']);
    } finally {
      await handler.close();
      expect(await tape.close()).toMatchObject({ replayed: 2, missed: 0, unused: [] });
    }
  });

  test('a request with no fixture gets the 502 miss explanation', async () => {
    const tape = await createTape({ mode: 'replay', fixtures });
    const handler = createProxyHandler({ target: 'http://api.invalid', transport: tape.transport });
    try {
      const res = await supertest(handler).get('/users/42').set(CASSETTE_HEADER, 'users').expect(502).expect('x-proxytape', 'miss');
      expect(res.text).toContain('GET /users/42');
    } finally {
      await handler.close();
      expect(await tape.close()).toMatchObject({ missed: 1 });
    }
  });
});
