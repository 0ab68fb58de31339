import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEMO_EVENTS, DEMO_EVENT_INTERVAL_MS, DEMO_ROUTES, DEMO_USERS } from './data.js';
import { readBody, sendJson, sendText } from './http-util.js';

/**
 * The demo API's request listener: deterministic answers, nothing random or
 * time-dependent beyond what HTTP itself adds (Date header).
 *
 * - `GET /api/users` → JSON list
 * - `GET /api/users/:id` → JSON user, or 404
 * - `POST /api/echo` → the JSON request body, or 400 if it is not JSON
 * - `GET /api/hello` → text/plain
 * - `GET /api/events` → text/event-stream of 3 events, 100 ms apart
 */
export function handleDemoRequest(req: IncomingMessage, res: ServerResponse): void {
  const method = req.method ?? 'GET';
  const { pathname } = new URL(req.url ?? '/', 'http://demo.invalid');
  const route = matchRoute(pathname);
  if (route === undefined) {
    sendJson(res, 404, { error: `No route for ${method} ${pathname}.`, routes: DEMO_ROUTES });
    return;
  }
  if (method !== route.method && !(method === 'HEAD' && route.method === 'GET')) {
    sendJson(res, 405, { error: `${method} is not allowed on ${pathname}; use ${route.method}.` }, { allow: route.method });
    return;
  }
  route.handle(req, res, route.params);
}

interface Route {
  method: 'GET' | 'POST';
  params: string[];
  handle(req: IncomingMessage, res: ServerResponse, params: string[]): void;
}

function matchRoute(pathname: string): Route | undefined {
  if (pathname === '/' || pathname === '/api') return { method: 'GET', params: [], handle: index };
  if (pathname === '/api/users') return { method: 'GET', params: [], handle: (_req, res) => sendJson(res, 200, DEMO_USERS) };
  const user = /^\/api\/users\/([^/]+)$/.exec(pathname);
  if (user?.[1] !== undefined) return { method: 'GET', params: [decodeURIComponent(user[1])], handle: getUser };
  if (pathname === '/api/echo') return { method: 'POST', params: [], handle: echo };
  if (pathname === '/api/hello')
    return { method: 'GET', params: [], handle: (_req, res) => sendText(res, 200, 'Hello from the proxytape demo backend!\n') };
  if (pathname === '/api/events') return { method: 'GET', params: [], handle: events };
  return undefined;
}

function index(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { name: 'proxytape demo backend', routes: DEMO_ROUTES });
}

function getUser(_req: IncomingMessage, res: ServerResponse, [id]: string[]): void {
  const user = DEMO_USERS.find((u) => String(u.id) === id);
  if (user === undefined) {
    sendJson(res, 404, { error: `User ${JSON.stringify(id)} not found. Known ids: ${DEMO_USERS.map((u) => u.id).join(', ')}.` });
    return;
  }
  sendJson(res, 200, user);
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  readBody(req).then(
    (body) => {
      let value: unknown;
      try {
        value = JSON.parse(body.toString('utf8'));
      } catch {
        sendJson(res, 400, {
          error: 'The request body is not valid JSON. Send JSON, e.g. -H "content-type: application/json" -d \'{"hello":"proxytape"}\'.',
        });
        return;
      }
      sendJson(res, 200, value);
    },
    (error: unknown) => {
      if (!res.headersSent) sendJson(res, 413, { error: `Cannot echo: ${(error as Error).message}.` });
    },
  );
}

function events(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  let next = 0;
  const timer = setInterval(() => writeNext(), DEMO_EVENT_INTERVAL_MS);
  const writeNext = (): void => {
    const event = DEMO_EVENTS[next++];
    if (event !== undefined) res.write(`id: ${event.id}\nevent: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
    if (next >= DEMO_EVENTS.length) {
      clearInterval(timer);
      res.end();
    }
  };
  res.once('close', () => clearInterval(timer));
  writeNext();
}
