import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type RequestHandler, http } from 'msw';
import { ConfigError, isProxyError } from '../../errors.js';
import { describe } from '../../proxy/config.js';
import { FixtureStore } from '../../tape/store.js';
import { relativePath, viewFetchRequest } from './fetch-request.js';
import { fixtureResponse, proxytapeErrorResponse } from './fetch-response.js';
import { FixtureReplayer } from './fixture-replayer.js';
import { type MswReplayOptions, resolveMswReplayOptions } from './options.js';

/**
 * msw 2 request handlers that replay a proxytape fixture directory in-process: the
 * fixtures the proxy recorded, matched with the proxy's matcher (same match key over the
 * same redacted request), replayed in the same sequences, and a miss answered with the
 * proxy's 502 and explanation. Every fixture is read and checked here, so a corrupt one
 * rejects with `PROXYTAPE_FIXTURE_CORRUPT` naming it; bad options reject with a `ConfigError`.
 *
 * Sequences are counted per call: build the handlers again (or call this in `beforeEach`)
 * to start every sequence from its first response.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 * import { handlersFromFixtures } from 'proxytape/msw';
 *
 * const server = setupServer(...(await handlersFromFixtures('test/fixtures', { baseUrl: 'https://api.example.com' })));
 * server.listen({ onUnhandledRequest: 'error' });
 * const users = await (await fetch('https://api.example.com/users')).json(); // from the fixture
 * server.close();
 * ```
 */
export async function handlersFromFixtures(dir: string, options: MswReplayOptions = {}): Promise<RequestHandler[]> {
  const resolved = resolveMswReplayOptions(options);
  const root = await existingDirectory(dir);
  const store = await FixtureStore.open(root);
  const replayer = new FixtureReplayer({
    store,
    cassette: resolved.cassette,
    match: resolved.match,
    redactor: resolved.redactor,
    sequences: resolved.sequences,
  });

  const handler = http.all('*', async ({ request }) => {
    const relative = relativePath(new URL(request.url), resolved.base);
    // Not under baseUrl: returning nothing lets the next handler (or msw's onUnhandledRequest) decide.
    if (relative === undefined) return undefined;
    const view = await viewFetchRequest(request, relative, resolved.redactor);
    try {
      return fixtureResponse(replayer.replay(view), request.method);
    } catch (err) {
      if (!isProxyError(err)) throw err;
      if (err.code === 'PROXYTAPE_REPLAY_MISS' && resolved.onUnhandled === 'bypass') return undefined;
      return proxytapeErrorResponse(err, request.method);
    }
  });
  return [handler];
}

/**
 * The fixture directory, absolute. Unlike the proxy (which creates it to record into), replay-only
 * handlers refuse a missing directory: it is a wrong path, and every request would be a miss.
 */
async function existingDirectory(dir: unknown): Promise<string> {
  if (typeof dir !== 'string' || dir === '') {
    throw new ConfigError('dir', `Invalid fixtures directory: ${describe(dir)}. Must be the path of a proxytape fixture directory.`);
  }
  const root = path.resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new ConfigError(
      'dir',
      `Invalid fixtures directory ${JSON.stringify(dir)}: ${root} ${info === undefined ? 'does not exist' : 'is not a directory'}. Pass the directory the proxy recorded into (its --fixtures), relative to ${process.cwd()} or absolute.`,
    );
  }
  return root;
}
