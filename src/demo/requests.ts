/** One request the demo records, and that `npm start` can then replay. */
export interface DemoRequest {
  method: 'GET' | 'POST';
  path: string;
  /** Request headers, fixed so the recorded fixtures do not depend on the client. */
  headers: Record<string, string>;
  body?: string;
}

/** The JSON body of the recorded `POST /api/echo`; the curl example in the banner sends the same. */
export const DEMO_ECHO_BODY = '{"hello":"proxytape"}';

/**
 * The traffic `npm run demo:record` sends through `proxytape record` to the
 * demo backend, in this order. Headers are spelled out (no client defaults
 * such as a version-dependent User-Agent) so re-recording gives the same bytes.
 */
export const DEMO_REQUESTS: readonly DemoRequest[] = Object.freeze([
  { method: 'GET', path: '/api', headers: { accept: 'application/json' } },
  { method: 'GET', path: '/api/users', headers: { accept: 'application/json' } },
  { method: 'GET', path: '/api/users/1', headers: { accept: 'application/json' } },
  { method: 'GET', path: '/api/users/999', headers: { accept: 'application/json' } },
  { method: 'POST', path: '/api/echo', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: DEMO_ECHO_BODY },
  { method: 'GET', path: '/api/hello', headers: { accept: 'text/plain' } },
  { method: 'GET', path: '/api/events', headers: { accept: 'text/event-stream' } },
]);
