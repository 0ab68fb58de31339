import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type Dispatcher, fetch, request } from 'undici';
import { type TapeDispatcher, createTapeDispatcher } from '../../../src/integrations/undici/index.js';
import { REPO_ROOT, spawnNode } from '../../helpers/spawn-cli.js';
import { tempFixtures } from '../../helpers/tape-proxy.js';
import { BIG_BODY, type Backend, USERS_BODY, filesUnder, startBackend } from './backend.js';

/** Resolves after `ms` (bounded waits in backpressure checks). */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('proxytape/undici: the Dispatcher contract', () => {
  let fixtures: Awaited<ReturnType<typeof tempFixtures>>;
  let backend: Backend;
  const opened: TapeDispatcher[] = [];

  async function open(options: Parameters<typeof createTapeDispatcher>[0]): Promise<TapeDispatcher> {
    const tape = await createTapeDispatcher({ fixtures: fixtures.dir, ...options });
    opened.push(tape);
    return tape;
  }

  beforeEach(async () => {
    fixtures = await tempFixtures();
    backend = await startBackend();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((tape) => tape.destroy()));
    await backend.close();
    await fixtures.remove();
  });

  it("drives undici 7's controller API (onRequestStart…), which compose() interceptors use", async () => {
    const recorder = await open({ mode: 'record' });
    // An interceptor makes undici wrap every handler in the controller API.
    const seen: string[] = [];
    const composed = recorder.compose((dispatch) => (opts, handler) => {
      seen.push(`${opts.method} ${opts.path}`);
      return dispatch(opts, handler);
    });
    const response = await request(`${backend.url}/users`, { dispatcher: composed });
    expect(response.headers['x-proxytape']).toBe('recorded');
    expect(await response.body.text()).toBe(USERS_BODY);
    expect(seen).toEqual(['GET /users']);
    await recorder.close();

    const player = await open({ mode: 'replay' });
    const events: string[] = [];
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      player.dispatch(
        { origin: backend.url, path: '/users', method: 'GET' },
        {
          onRequestStart: () => events.push('start'),
          onResponseStart: (_controller, status, headers) => events.push(`response ${status} ${String(headers['x-proxytape'])}`),
          onResponseData: (_controller, chunk) => void chunks.push(chunk),
          onResponseEnd: () => {
            events.push('end');
            resolve();
          },
          onResponseError: (_controller, err) => reject(err),
        },
      );
    });
    expect(events).toEqual(['start', 'response 200 replayed', 'end']);
    expect(Buffer.concat(chunks).toString()).toBe(USERS_BODY);
  });

  it('honours backpressure: onData returning false pauses the body until resume()', async () => {
    const recorder = await open({ mode: 'record' });
    await (await fetch(`${backend.url}/big`, { dispatcher: recorder })).arrayBuffer();
    await recorder.close();
    const player = await open({ mode: 'replay' });

    let resume: () => void = () => {};
    let received = 0;
    let callsWhilePaused = 0;
    let paused = false;
    const done = new Promise<Buffer[]>((resolve, reject) => {
      const chunks: Buffer[] = [];
      player.dispatch(
        { origin: backend.url, path: '/big', method: 'GET' },
        {
          onConnect: () => {},
          onHeaders: (_status, _headers, resumeBody) => {
            resume = resumeBody;
            return true;
          },
          onData: (chunk) => {
            if (paused) callsWhilePaused++;
            chunks.push(chunk);
            received += chunk.length;
            // Pause after the first chunk.
            if (chunks.length === 1) paused = true;
            return chunks.length !== 1;
          },
          onComplete: () => resolve(chunks),
          onError: reject,
        },
      );
    });
    while (received === 0) await sleep(5);
    await sleep(50);
    expect(received).toBeLessThan(BIG_BODY.length);
    expect(callsWhilePaused).toBe(0);
    paused = false;
    resume();
    expect(Buffer.concat(await done).equals(BIG_BODY)).toBe(true);
  });

  it('aborting mid-body cancels the backend request and discards the unfinished recording', async () => {
    const recorder = await open({ mode: 'record' });
    const controller = new AbortController();
    const response = await fetch(`${backend.url}/slow`, { dispatcher: recorder, signal: controller.signal });
    expect(response.headers.get('x-proxytape')).toBe('recorded');
    const reader = response.body!.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toBe('first chunk\n');
    controller.abort();
    await expect(reader.read()).rejects.toThrow(/aborted/i);
    await recorder.close();
    for (let i = 0; i < 100 && backend.aborted === 0; i++) await sleep(10);
    expect(backend.aborted).toBe(1);
    expect(await filesUnder(fixtures.dir)).toEqual([]);
    expect(recorder.summary()).toMatchObject({ recorded: 0, recordFailures: 0 });
  });

  it('a handler that aborts in onConnect gets onError(reason) and the backend is never called', async () => {
    const recorder = await open({ mode: 'record' });
    const reason = new Error('changed my mind');
    const error = await new Promise<Error>((resolve) => {
      recorder.dispatch(
        { origin: backend.url, path: '/users', method: 'GET' },
        {
          onConnect: (abort) => abort(reason),
          onHeaders: () => {
            throw new Error('no headers expected');
          },
          onData: () => true,
          onComplete: () => {},
          onError: resolve,
        },
      );
    });
    expect(error).toBe(reason);
    await recorder.close();
    expect(backend.hits).toEqual([]);
  });

  it("passes the backend's own network errors through, as a plain Agent would", async () => {
    const recorder = await open({ mode: 'record' });
    await backend.close();
    const failure = await fetch(`${backend.url}/users`, { dispatcher: recorder }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });

  it('close() waits for running requests and refuses new ones; destroy() aborts them', async () => {
    const recorder = await open({ mode: 'record' });
    const controller = new AbortController();
    const slow = await fetch(`${backend.url}/slow`, { dispatcher: recorder, signal: controller.signal });
    const reading = slow.text().catch((err: unknown) => err);
    let closed = false;
    const closing = recorder.close().then(() => (closed = true));
    await sleep(50);
    // /slow never ends by itself: close() waits for it, as undici's own close() does.
    expect(closed).toBe(false);
    await expect(fetch(`${backend.url}/users`, { dispatcher: recorder })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'UND_ERR_CLOSED' }) as unknown,
    });
    controller.abort();
    expect(await reading).toMatchObject({ name: 'AbortError' });
    await closing;
    expect(closed).toBe(true);

    const other = await open({ mode: 'record' });
    const stalled = await fetch(`${backend.url}/slow`, { dispatcher: other });
    const stalledText = stalled.text().catch((err: unknown) => err);
    await other.destroy();
    expect(await stalledText).toMatchObject({
      message: 'terminated',
      cause: expect.objectContaining({ code: 'UND_ERR_DESTROYED' }) as unknown,
    });
    expect(other.summary()).toMatchObject({ recorded: 0 });
    await expect(fetch(`${backend.url}/users`, { dispatcher: other })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'UND_ERR_DESTROYED' }) as unknown,
    });
  });

  it('rejects bad options at construction, naming the option and the allowed values', async () => {
    await expect(createTapeDispatcher({ mode: 'rewind' as never })).rejects.toThrow(
      'Invalid option `mode`: "rewind". Must be one of: record, replay, auto, passthrough.',
    );
    await expect(createTapeDispatcher({ target: 'http://x' } as never)).rejects.toThrow(
      'Unknown option `target`: a tape dispatcher forwards every request to its own origin (the URL given to fetch), so it takes no target. Remove the option.',
    );
    await expect(createTapeDispatcher({ fixture: 'x' } as never)).rejects.toThrow(
      'Unknown option `fixture`. Allowed options: mode, fixtures, cassette, match, redact, sequence, volatileHeaders, inlineLimit, upstream, onRecordError.',
    );
    await expect(createTapeDispatcher({ upstream: {} as Dispatcher })).rejects.toThrow(
      'Invalid option `upstream`: {}. Must be an undici Dispatcher such as `new Agent()`.',
    );
  });

  it('a synchronous dispatch failure reaches the handler, like any undici dispatcher', async () => {
    const player = await open({ mode: 'replay' });
    const error = await new Promise<Error>((resolve) => {
      const ok = player.dispatch(
        { path: '/users', method: 'GET' },
        { onConnect() {}, onHeaders: () => true, onData: () => true, onComplete() {}, onError: resolve },
      );
      expect(ok).toBe(false);
    });
    expect(error.message).toBe("proxytape's tape dispatcher needs an absolute URL: GET /users has no origin.");
    expect(error).toBeInstanceOf(TypeError);
  });

  it("records Node's global fetch() after setGlobalDispatcher (outside Jest's module sandbox)", async () => {
    // Jest runs tests in a VM context whose globalThis is not the one Node's built-in fetch
    // reads its dispatcher from, so this runs in a child process against the built package.
    const script = path.join(fixtures.dir, 'global-fetch.mjs');
    const entry = pathToFileURL(path.join(REPO_ROOT, 'dist/integrations/undici/index.js')).href;
    const undici = pathToFileURL(path.join(REPO_ROOT, 'node_modules/undici/index.js')).href;
    await writeFile(
      script,
      [
        `import { createTapeDispatcher } from ${JSON.stringify(entry)};`,
        `import undici from ${JSON.stringify(undici)};`,
        `const [url, dir, mode] = process.argv.slice(2);`,
        `const tape = await createTapeDispatcher({ mode, fixtures: dir });`,
        `undici.setGlobalDispatcher(tape);`,
        `const response = await fetch(url + '/users');`,
        `console.log(JSON.stringify({ source: response.headers.get('x-proxytape'), body: await response.text() }));`,
        `await tape.close();`,
      ].join('\n'),
    );
    const run = async (mode: string): Promise<{ source: string; body: string }> => {
      const child = spawnNode(script, [backend.url, path.join(fixtures.dir, 'store'), mode]);
      const status = await child.waitForExit(10_000);
      expect({ status, stderr: child.stderr() }).toEqual({ status: { code: 0, signal: null }, stderr: '' });
      return JSON.parse(child.stdout()) as { source: string; body: string };
    };
    expect(await run('record')).toEqual({ source: 'recorded', body: USERS_BODY });
    await backend.close();
    expect(await run('replay')).toEqual({ source: 'replayed', body: USERS_BODY });
  });
});
