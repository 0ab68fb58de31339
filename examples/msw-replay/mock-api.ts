/**
 * The test setup this example is about: the fixtures next to this file, recorded once
 * through the proxy, replayed in-process by msw — no proxy process, no port, no network.
 */
import { fileURLToPath } from 'node:url';
import { type SetupServer, setupServer } from 'msw/node';
// In your project: import { handlersFromFixtures } from 'proxytape/msw';
import { handlersFromFixtures } from '../../src/integrations/msw/index.js';
import { API_URL } from './client.js';

/** Recorded with `proxytape record --target https://api.example.com/v1 --fixtures examples/msw-replay/fixtures`. */
export const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

/**
 * Starts msw answering `API_URL` from the fixtures. Fresh handlers each time, so
 * repeated requests replay from their first recorded response. Close it after the test.
 *
 * @example
 * ```ts
 * let api: SetupServer;
 * beforeEach(async () => (api = await startMockApi()));
 * afterEach(() => api.close());
 * ```
 */
export async function startMockApi(): Promise<SetupServer> {
  // baseUrl: the proxy recorded paths relative to its --target (/users/1), so the /v1 base path is removed.
  const server = setupServer(...(await handlersFromFixtures(FIXTURES, { baseUrl: API_URL })));
  // Anything else leaving the process is a test bug: fail loudly.
  server.listen({ onUnhandledRequest: 'error' });
  return server;
}
