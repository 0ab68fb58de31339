/** A user of the demo API. Plain data: the fixtures recorded from the demo depend on it staying stable. */
export interface DemoUser {
  id: number;
  name: string;
  email: string;
  role: 'admin' | 'member';
}

/** The demo API's users, in id order. Never random, never time-dependent. */
export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', role: 'admin' },
  { id: 2, name: 'Alan Turing', email: 'alan@example.com', role: 'member' },
  { id: 3, name: 'Grace Hopper', email: 'grace@example.com', role: 'member' },
]);

/** The three events `GET /api/events` streams, in order. */
export const DEMO_EVENTS: readonly { id: number; event: string; data: Record<string, unknown> }[] = Object.freeze([
  { id: 1, event: 'build', data: { step: 'install', status: 'ok' } },
  { id: 2, event: 'build', data: { step: 'test', status: 'ok' } },
  { id: 3, event: 'done', data: { result: 'success' } },
]);

/** Pause between two events of `GET /api/events`, in ms. */
export const DEMO_EVENT_INTERVAL_MS = 100;

/** The routes, for the index and for 404 messages. */
export const DEMO_ROUTES: readonly string[] = Object.freeze([
  'GET /api/users',
  'GET /api/users/:id',
  'POST /api/echo',
  'GET /api/hello',
  'GET /api/events',
]);
