import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type DemoBackend, startDemoBackend } from '../../../src/demo/backend.js';

let backend: DemoBackend;

beforeAll(async () => {
  backend = await startDemoBackend({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await backend.close();
});

describe('demo backend', () => {
  test('GET /api/users lists the three users, identically on every call', async () => {
    const first = await fetch(`${backend.url}/api/users`);
    const second = await fetch(`${backend.url}/api/users`);

    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await first.text();
    expect(await second.text()).toBe(body);
    expect(JSON.parse(body)).toEqual([
      { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', role: 'admin' },
      { id: 2, name: 'Alan Turing', email: 'alan@example.com', role: 'member' },
      { id: 3, name: 'Grace Hopper', email: 'grace@example.com', role: 'member' },
    ]);
  });

  test('GET /api/users/:id returns the user, or 404 naming the known ids', async () => {
    const found = await fetch(`${backend.url}/api/users/2`);
    const missing = await fetch(`${backend.url}/api/users/9`);

    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ id: 2, name: 'Alan Turing', email: 'alan@example.com', role: 'member' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'User "9" not found. Known ids: 1, 2, 3.' });
  });

  test('POST /api/echo echoes a JSON body and rejects one that is not JSON', async () => {
    const sent = { hello: 'proxytape', nested: { list: [1, 2, 3] } };
    const echoed = await fetch(`${backend.url}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sent),
    });
    const invalid = await fetch(`${backend.url}/api/echo`, { method: 'POST', body: 'not json' });

    expect(echoed.status).toBe(200);
    expect(await echoed.json()).toEqual(sent);
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: string }).error).toMatch(/^The request body is not valid JSON\./);
  });

  test('GET /api/hello answers plain text', async () => {
    const response = await fetch(`${backend.url}/api/hello`);

    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('Hello from the proxytape demo backend!\n');
  });

  test('GET /api/events streams three server-sent events about 100 ms apart', async () => {
    const started = Date.now();
    const response = await fetch(`${backend.url}/api/events`);
    const text = await response.text();

    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(text).toBe(
      [
        'id: 1\nevent: build\ndata: {"step":"install","status":"ok"}\n\n',
        'id: 2\nevent: build\ndata: {"step":"test","status":"ok"}\n\n',
        'id: 3\nevent: done\ndata: {"result":"success"}\n\n',
      ].join(''),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  test('a wrong method gets 405 with Allow, an unknown path 404 listing the routes', async () => {
    const wrongMethod = await fetch(`${backend.url}/api/users`, { method: 'DELETE' });
    const unknown = await fetch(`${backend.url}/api/nope`);

    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(await wrongMethod.json()).toEqual({ error: 'DELETE is not allowed on /api/users; use GET.' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: 'No route for GET /api/nope.',
      routes: ['GET /api/users', 'GET /api/users/:id', 'POST /api/echo', 'GET /api/hello', 'GET /api/events'],
    });
  });
});
