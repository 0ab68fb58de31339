import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type Dispatcher, fetch, getGlobalDispatcher, request, setGlobalDispatcher } from 'undici';
import { type TapeDispatcher, createTapeDispatcher } from '../../../src/integrations/undici/index.js';
import { type TapeProxy, startTapeProxy, tempFixtures } from '../../helpers/tape-proxy.js';
import {
  ACCESS_TOKEN,
  BIG_BODY,
  BINARY_BODY,
  type Backend,
  COOKIE_SECRET,
  USERS_BODY,
  allFixtureText,
  filesUnder,
  startBackend,
} from './backend.js';

describe('proxytape/undici: record and replay in-process calls', () => {
  let fixtures: Awaited<ReturnType<typeof tempFixtures>>;
  let backend: Backend;
  let previous: Dispatcher;
  let tape: TapeDispatcher | undefined;
  let proxy: TapeProxy | undefined;

  /** A fresh dispatcher installed globally (the previous one is restored after each test). */
  async function install(options: Parameters<typeof createTapeDispatcher>[0]): Promise<TapeDispatcher> {
    if (tape) await tape.close();
    tape = await createTapeDispatcher({ fixtures: fixtures.dir, ...options });
    setGlobalDispatcher(tape);
    return tape;
  }

  beforeEach(async () => {
    previous = getGlobalDispatcher();
    fixtures = await tempFixtures();
    backend = await startBackend();
  });
  afterEach(async () => {
    setGlobalDispatcher(previous);
    await tape?.destroy();
    tape = undefined;
    await proxy?.close();
    proxy = undefined;
    await backend.close();
    await fixtures.remove();
  });

  it('records fetch() calls, then replays them byte for byte with the backend stopped', async () => {
    await install({ mode: 'record' });
    const users = await fetch(`${backend.url}/users`);
    expect(users.headers.get('x-proxytape')).toBe('recorded');
    expect(await users.text()).toBe(USERS_BODY);
    const binary = await fetch(`${backend.url}/binary`);
    expect(Buffer.from(await binary.arrayBuffer()).equals(BINARY_BODY)).toBe(true);
    await tape!.close();
    expect(tape!.summary()).toEqual({ mode: 'record', recorded: 2, replayed: 0, missed: 0, proxied: 0, recordFailures: 0, unused: [] });
    expect(await filesUnder(fixtures.dir)).toEqual([
      expect.stringMatching(/^default\/127\.0\.0\.1\/GET-binary-[0-9a-f]{8}-0\.json$/),
      expect.stringMatching(/^default\/127\.0\.0\.1\/GET-users-[0-9a-f]{8}-0\.json$/),
    ]);
    await backend.close();

    await install({ mode: 'replay' });
    const replayedUsers = await fetch(`${backend.url}/users`);
    expect(replayedUsers.status).toBe(200);
    expect(replayedUsers.headers.get('x-proxytape')).toBe('replayed');
    expect(replayedUsers.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await replayedUsers.text()).toBe(USERS_BODY);
    const replayedBinary = await fetch(`${backend.url}/binary`);
    expect(replayedBinary.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await replayedBinary.arrayBuffer()).equals(BINARY_BODY)).toBe(true);
    await tape!.close();
    expect(tape!.summary()).toMatchObject({ mode: 'replay', replayed: 2, missed: 0, unused: [] });
  });

  it('records and replays undici.request() with an explicit dispatcher (JSON body, query option)', async () => {
    const recorder = await createTapeDispatcher({ mode: 'record', fixtures: fixtures.dir });
    const sent = await request(`${backend.url}/orders`, {
      dispatcher: recorder,
      method: 'POST',
      query: { page: 2, tag: ['a', 'b'] },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'book', qty: 1 }),
    });
    const recorded = await sent.body.text();
    expect(sent.headers['x-proxytape']).toBe('recorded');
    expect(JSON.parse(recorded)).toEqual({ method: 'POST', url: '/orders?page=2&tag=a&tag=b', body: '{"item":"book","qty":1}' });
    await recorder.close();
    await backend.close();

    const player = await createTapeDispatcher({ mode: 'replay', fixtures: fixtures.dir });
    // Same JSON in another key order: the body is matched structurally.
    const replayed = await request(`${backend.url}/orders?page=2&tag=a&tag=b`, {
      dispatcher: player,
      method: 'POST',
      headers: [['content-type', 'application/json']],
      body: Buffer.from('{"qty":1,"item":"book"}'),
    });
    expect(replayed.statusCode).toBe(200);
    expect(replayed.headers['x-proxytape']).toBe('replayed');
    expect(await replayed.body.text()).toBe(recorded);
    await player.close();
    expect(player.summary()).toMatchObject({ replayed: 1, missed: 0 });
  });

  it('replays identical requests in recorded order, then applies the sequence policy', async () => {
    await install({ mode: 'record' });
    for (let i = 0; i < 3; i++) await (await fetch(`${backend.url}/counter`)).text();
    await backend.close();

    await install({ mode: 'replay' });
    const repeatLast: string[] = [];
    for (let i = 0; i < 4; i++) repeatLast.push(await (await fetch(`${backend.url}/counter`)).text());
    expect(repeatLast).toEqual(['1', '2', '3', '3']);

    await install({ mode: 'replay', sequence: 'cycle' });
    const cycle: string[] = [];
    for (let i = 0; i < 4; i++) cycle.push(await (await fetch(`${backend.url}/counter`)).text());
    expect(cycle).toEqual(['1', '2', '3', '1']);

    await install({ mode: 'replay', sequence: 'error' });
    for (let i = 0; i < 3; i++) await (await fetch(`${backend.url}/counter`)).text();
    const exhausted = await fetch(`${backend.url}/counter`);
    expect(exhausted.status).toBe(502);
    expect(exhausted.headers.get('x-proxytape')).toBe('miss');
    expect(exhausted.headers.get('x-proxytape-error')).toBe('PROXYTAPE_SEQUENCE_EXHAUSTED');
    expect(await exhausted.text()).toBe(
      '502 Bad Gateway (PROXYTAPE_SEQUENCE_EXHAUSTED)\n' +
        "Failed to replay GET /counter (mode: replay, cassette: default): all 3 recorded responses were replayed and the sequence policy is 'error'. Record the request once more, or use the sequence policy 'repeat-last' or 'cycle'.\n",
    );
  });

  it('redacts secrets before anything is written, and the redacted fixtures still replay', async () => {
    await install({ mode: 'record', redact: { headers: ['x-tenant'] } });
    const live = await fetch(`${backend.url}/secret?api_key=KEY-SECRET-1`, {
      headers: { authorization: 'Bearer BEARER-SECRET-9', 'x-tenant': 'TENANT-SECRET-3' },
    });
    // The caller gets the real response; only the fixture is redacted.
    expect(await live.json()).toEqual({ access_token: ACCESS_TOKEN, user: 'ann' });
    expect(backend.hits[0]?.headers.authorization).toBe('Bearer BEARER-SECRET-9');
    await tape!.close();

    const text = await allFixtureText(fixtures.dir);
    for (const secret of [ACCESS_TOKEN, COOKIE_SECRET, 'BEARER-SECRET-9', 'TENANT-SECRET-3', 'KEY-SECRET-1'])
      expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');

    await backend.close();
    await install({ mode: 'replay', redact: { headers: ['x-tenant'] } });
    // Another key, another token: redacted values match whatever the live value is.
    const replayed = await fetch(`${backend.url}/secret?api_key=OTHER-KEY`, { headers: { authorization: 'Bearer other' } });
    expect(replayed.headers.get('x-proxytape')).toBe('replayed');
    expect(await replayed.json()).toEqual({ access_token: '[REDACTED]', user: 'ann' });
  });

  it('answers a replay miss with a 502 `x-proxytape: miss` and the explanation, without touching the network', async () => {
    await install({ mode: 'replay' });
    const miss = await fetch(`${backend.url}/users?page=1`);
    expect(miss.status).toBe(502);
    expect(miss.statusText).toBe('Bad Gateway');
    expect(miss.headers.get('x-proxytape')).toBe('miss');
    expect(miss.headers.get('x-proxytape-error')).toBe('PROXYTAPE_REPLAY_MISS');
    expect(await miss.text()).toBe(
      '502 Bad Gateway (PROXYTAPE_REPLAY_MISS)\n' +
        "Failed to replay GET /users?page=1 (mode: replay, cassette: default): no fixture matches — cassette 'default' has no fixtures.\n" +
        'Record it with `proxytape record --target <url>` or run in `auto` mode to record missing requests.\n',
    );
    expect(backend.hits).toEqual([]);
    expect(tape!.summary()).toMatchObject({ missed: 1, replayed: 0 });
  });

  it('auto mode records what is missing once and replays it afterwards', async () => {
    await install({ mode: 'auto' });
    const first = await fetch(`${backend.url}/counter`);
    expect([first.headers.get('x-proxytape'), await first.text()]).toEqual(['recorded', '1']);
    await tape!.close();
    await install({ mode: 'auto' });
    const second = await fetch(`${backend.url}/counter`);
    expect([second.headers.get('x-proxytape'), await second.text()]).toEqual(['replayed', '1']);
    expect(backend.hits).toHaveLength(1);
  });

  it('files requests under the cassette named by the option or the x-proxytape-cassette header, never forwarding the header', async () => {
    await install({ mode: 'record', cassette: 'suite/option' });
    await (await fetch(`${backend.url}/users`)).text();
    await (await fetch(`${backend.url}/binary`, { headers: { 'x-proxytape-cassette': 'suite/header' } })).arrayBuffer();
    await tape!.close();
    expect(await filesUnder(fixtures.dir)).toEqual([
      expect.stringMatching(/^suite\/header\/127\.0\.0\.1\/GET-binary-[0-9a-f]{8}-0\.json$/),
      expect.stringMatching(/^suite\/option\/127\.0\.0\.1\/GET-users-[0-9a-f]{8}-0\.json$/),
    ]);
    expect(backend.hits.map((h) => h.headers['x-proxytape-cassette'])).toEqual([undefined, undefined]);

    await install({ mode: 'replay' });
    expect((await fetch(`${backend.url}/binary`)).status).toBe(502);
    const named = await fetch(`${backend.url}/binary`, { headers: { 'x-proxytape-cassette': 'suite/header' } });
    expect(Buffer.from(await named.arrayBuffer()).equals(BINARY_BODY)).toBe(true);
  });

  it('streams a large body (stored as a sidecar file) both ways', async () => {
    await install({ mode: 'record' });
    expect(Buffer.from(await (await fetch(`${backend.url}/big`)).arrayBuffer()).equals(BIG_BODY)).toBe(true);
    await tape!.close();
    expect(await filesUnder(fixtures.dir)).toEqual([
      expect.stringMatching(/^default\/127\.0\.0\.1\/GET-big-[0-9a-f]{8}-0\.body$/),
      expect.stringMatching(/^default\/127\.0\.0\.1\/GET-big-[0-9a-f]{8}-0\.json$/),
    ]);
    await backend.close();
    await install({ mode: 'replay' });
    const replayed = await fetch(`${backend.url}/big`);
    expect(replayed.headers.get('content-length')).toBe(String(BIG_BODY.length));
    expect(Buffer.from(await replayed.arrayBuffer()).equals(BIG_BODY)).toBe(true);
  });

  it("writes the proxy's fixture format: the proxy replays what the dispatcher recorded, and the other way round", async () => {
    await install({ mode: 'record' });
    await (await fetch(`${backend.url}/users`)).text();
    await tape!.close();
    // From here on the test talks to the proxy over the network.
    setGlobalDispatcher(previous);

    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir, cassette: 'via-proxy' });
    await (await fetch(`${proxy.url}/binary`)).arrayBuffer();
    await proxy.close();
    proxy = undefined;
    await backend.close();

    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    const throughProxy = await fetch(`${proxy.url}/users`);
    expect(throughProxy.headers.get('x-proxytape')).toBe('replayed');
    expect(await throughProxy.text()).toBe(USERS_BODY);

    await install({ mode: 'replay', cassette: 'via-proxy' });
    const inProcess = await fetch(`${backend.url}/binary`);
    expect(inProcess.headers.get('x-proxytape')).toBe('replayed');
    expect(Buffer.from(await inProcess.arrayBuffer()).equals(BINARY_BODY)).toBe(true);
  });

  it("works with Node's built-in fetch given the dispatcher option", async () => {
    const recorder = await createTapeDispatcher({ mode: 'record', fixtures: fixtures.dir });
    // Node's own fetch takes undici's non-standard `dispatcher` init option (typed by Node's bundled
    // undici-types, hence the cast).
    const live = await globalThis.fetch(`${backend.url}/echo`, {
      dispatcher: recorder,
      method: 'PUT',
      body: 'plain text',
    } as unknown as RequestInit);
    expect(live.headers.get('x-proxytape')).toBe('recorded');
    const body = await live.text();
    await recorder.close();
    await backend.close();
    const player = await createTapeDispatcher({ mode: 'replay', fixtures: fixtures.dir });
    const replayed = await globalThis.fetch(`${backend.url}/echo`, {
      dispatcher: player,
      method: 'PUT',
      body: 'plain text',
    } as unknown as RequestInit);
    expect(replayed.headers.get('x-proxytape')).toBe('replayed');
    expect(await replayed.text()).toBe(body);
    await player.close();
  });
});
