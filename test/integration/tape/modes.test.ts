import { readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';
import { parseHead, rawExchange } from '../../helpers/http-client.js';
import { type TapeProxy, startTapeProxy, tempFixtures } from '../../helpers/tape-proxy.js';
import { createTape } from '../../../src/tape/tape.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
  }
  return out.sort();
}

describe('record/replay modes', () => {
  let fixtures: Awaited<ReturnType<typeof tempFixtures>>;
  let backend: TestServer;
  let hits: string[];
  let counter: number;
  let proxy: TapeProxy | undefined;

  beforeEach(async () => {
    fixtures = await tempFixtures();
    hits = [];
    counter = 0;
    backend = await createTestServer((req: http.IncomingMessage, res: http.ServerResponse) => {
      hits.push(`${req.method} ${req.url}`);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url?.startsWith('/counter')) return void res.end(String(++counter));
        if (req.url?.startsWith('/secrets-echo.bin')) {
          res.setHeader('content-type', 'application/octet-stream');
          return void res.end(Buffer.concat([Buffer.from([0, 0xff, 0xfe]), Buffer.from(`${req.url} ${req.rawHeaders.join(' ')}`)]));
        }
        if (req.url?.startsWith('/secrets-echo.txt')) return void res.end(`you sent ${req.url} with ${req.rawHeaders.join(' ')}`);
        if (req.url?.startsWith('/secrets-echo')) {
          res.setHeader('content-type', 'application/json');
          res.setHeader('x-echo-authorization', req.headers.authorization ?? '');
          return void res.end(JSON.stringify({ url: req.url, headers: req.headers, rawHeaders: req.rawHeaders }, null, 2));
        }
        if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end(`slow answer ${++counter}`), 150);
        if (req.url?.startsWith('/cut')) {
          res.writeHead(200, { 'content-length': '100' });
          res.write('the first part');
          return void setTimeout(() => res.destroy(), 20);
        }
        if (req.url?.startsWith('/secret')) {
          res.setHeader('set-cookie', 'session=s3cr3t-cookie; Path=/; HttpOnly');
          res.setHeader('content-type', 'application/json');
          return void res.end(JSON.stringify({ access_token: 'tok-SECRET-123', user: 'ann' }));
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ url: req.url, body: Buffer.concat(chunks).toString() }));
      });
    });
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await backend.close();
    await fixtures.remove();
  });

  it('replays repeated identical requests in recorded order, then repeats the last', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    for (let i = 0; i < 3; i++) await fetch(`${proxy.url}/counter`);
    await proxy.close();
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) seen.push(await (await fetch(`${proxy.url}/counter`)).text());
    expect(seen).toEqual(['1', '2', '3', '3']);
  });

  it('re-recording the same traffic produces byte-identical files', async () => {
    const record = async (): Promise<Map<string, string>> => {
      counter = 0;
      proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
      await fetch(`${proxy.url}/users?b=2&a=1`);
      await fetch(`${proxy.url}/echo`, {
        method: 'POST',
        body: '{"name":"Ann","tags":["x"]}',
        headers: { 'content-type': 'application/json' },
      });
      await fetch(`${proxy.url}/counter`);
      await fetch(`${proxy.url}/counter`);
      await proxy.close();
      proxy = undefined;
      const out = new Map<string, string>();
      for (const file of await filesUnder(fixtures.dir)) out.set(path.relative(fixtures.dir, file), await readFile(file, 'utf8'));
      return out;
    };
    const first = await record();
    const second = await record();
    expect(first.size).toBe(4);
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [name, text] of first) expect(second.get(name)).toBe(text);
    for (const text of first.values()) {
      expect(text).not.toMatch(/"date"|x-forwarded|"host"/i);
    }
  });

  it('answers a replay miss with 502, x-proxytape: miss and the nearest fixture', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    await fetch(`${proxy.url}/users/1`);
    await proxy.close();
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    const res = await fetch(`${proxy.url}/users/2`);
    expect(res.status).toBe(502);
    expect(res.headers.get('x-proxytape')).toBe('miss');
    expect(res.headers.get('x-proxytape-error')).toBe('PROXYTAPE_REPLAY_MISS');
    const text = await res.text();
    expect(text).toContain('GET /users/2');
    expect(text).toContain('replay');
    expect(text).toContain('default');
    expect(text).toContain('/users/1');
    expect(hits).toEqual(['GET /users/1']);
  });

  it('auto mode replays what exists without touching the backend and records what is new', async () => {
    proxy = await startTapeProxy({ mode: 'auto', target: backend.url, fixtures: fixtures.dir });
    const first = await fetch(`${proxy.url}/a`);
    expect(first.headers.get('x-proxytape')).toBe('recorded');
    await first.text();
    await proxy.close();
    proxy = await startTapeProxy({ mode: 'auto', target: backend.url, fixtures: fixtures.dir });
    const again = await fetch(`${proxy.url}/a`);
    expect(again.headers.get('x-proxytape')).toBe('replayed');
    await again.text();
    const fresh = await fetch(`${proxy.url}/b`);
    expect(fresh.headers.get('x-proxytape')).toBe('recorded');
    await fresh.text();
    expect(hits).toEqual(['GET /a', 'GET /b']);
  });

  it('auto mode replays a fixture recorded in this run from its file, and names that file if it was deleted meanwhile', async () => {
    proxy = await startTapeProxy({ mode: 'auto', target: backend.url, fixtures: fixtures.dir });
    const first = await fetch(`${proxy.url}/kept`);
    expect(first.headers.get('x-proxytape')).toBe('recorded');
    const recordedBody = await first.text();
    const doomed = await fetch(`${proxy.url}/doomed`);
    await doomed.text();
    await proxy.tape.store.flush();
    const doomedFile = (await filesUnder(fixtures.dir)).find((f) => f.includes('GET-doomed-'))!;
    await rm(doomedFile);

    // A new request is still recorded: the deleted file of an earlier recording is not read for it.
    const fresh = await fetch(`${proxy.url}/fresh`);
    expect(fresh.headers.get('x-proxytape')).toBe('recorded');
    await fresh.text();
    const again = await fetch(`${proxy.url}/kept`);
    expect(again.headers.get('x-proxytape')).toBe('replayed');
    expect(await again.text()).toBe(recordedBody);
    const gone = await fetch(`${proxy.url}/doomed`);
    expect(gone.status).toBe(500);
    expect(gone.headers.get('x-proxytape-error')).toBe('PROXYTAPE_FIXTURE_CORRUPT');
    expect(await gone.text()).toContain(
      `Cannot load fixture ${doomedFile}: it was recorded in this run, but its file cannot be read any more`,
    );
    expect(hits).toEqual(['GET /kept', 'GET /doomed', 'GET /fresh']);
  });

  it('auto mode forwards concurrent identical requests once: the others wait for that recording and replay it', async () => {
    proxy = await startTapeProxy({ mode: 'auto', target: backend.url, fixtures: fixtures.dir });
    const url = `${proxy.url}/slow`;
    const answers = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const res = await fetch(url);
        return `${res.headers.get('x-proxytape')}: ${await res.text()}`;
      }),
    );
    expect(hits).toEqual(['GET /slow']);
    expect(answers.sort()).toEqual(['recorded: slow answer 1', ...Array(4).fill('replayed: slow answer 1')]);
    const summary = await proxy.close();
    proxy = undefined;
    expect({ recorded: summary.recorded, replayed: summary.replayed }).toEqual({ recorded: 1, replayed: 4 });
    expect((await filesUnder(fixtures.dir)).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it('auto mode: an identical request waits for a recording that then fails, and forwards on its own after it', async () => {
    const arrivals: number[] = [];
    let failedAt = 0;
    const flaky = await createTestServer((_req, res) => {
      arrivals.push(Date.now());
      if (arrivals.length === 1) {
        return void setTimeout(() => {
          failedAt = Date.now();
          res.destroy();
        }, 100);
      }
      res.end('second try');
    });
    try {
      proxy = await startTapeProxy({ mode: 'auto', target: flaky.url, fixtures: fixtures.dir });
      const [first, second] = await Promise.all([fetch(`${proxy.url}/flaky`), fetch(`${proxy.url}/flaky`)]);
      expect(first.status).toBe(502);
      await first.text();
      expect([second.status, second.headers.get('x-proxytape'), await second.text()]).toEqual([200, 'recorded', 'second try']);
      // The second reached the backend only once the first had failed: it waited, then was released.
      expect(arrivals).toHaveLength(2);
      expect(arrivals[1]!).toBeGreaterThanOrEqual(failedAt);
    } finally {
      await proxy?.close();
      proxy = undefined;
      await flaky.close();
    }
  });

  it('never writes secrets to disk, and redacted fields still match on replay', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    await (
      await fetch(`${proxy.url}/secret?api_key=KEY-SECRET-999&page=1`, {
        headers: { authorization: 'Bearer BEARER-SECRET-456', cookie: 'sid=COOKIE-SECRET-789', 'x-api-key': 'HEADER-SECRET-000' },
      })
    ).text();
    await proxy.close();
    for (const file of await filesUnder(fixtures.dir)) {
      const text = await readFile(file, 'utf8');
      for (const secret of [
        'KEY-SECRET-999',
        'BEARER-SECRET-456',
        'COOKIE-SECRET-789',
        'HEADER-SECRET-000',
        'tok-SECRET-123',
        's3cr3t-cookie',
      ]) {
        expect({ file, leaked: text.includes(secret) ? secret : null }).toEqual({ file, leaked: null });
      }
    }
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    const res = await fetch(`${proxy.url}/secret?api_key=A-DIFFERENT-KEY&page=1`, { headers: { authorization: 'Bearer other' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-proxytape')).toBe('replayed');
  });

  it('keeps secrets a backend echoes back (JSON, text, headers) out of the fixtures, and replays with other secrets', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    const secretHeaders = { authorization: 'Bearer BEARER-ECHO-456', cookie: 'sid=COOKIE-ECHO-789', 'x-api-key': 'HEADER-ECHO-000' };
    for (const route of ['/secrets-echo', '/secrets-echo.txt', '/secrets-echo.bin']) {
      const res = await fetch(`${proxy.url}${route}?api_key=KEY-ECHO-999&page=1`, { headers: secretHeaders });
      // The client itself gets the live answer, secrets included: only what is stored is redacted.
      expect(await res.text()).toContain('BEARER-ECHO-456');
    }
    await proxy.close();
    const files = await filesUnder(fixtures.dir);
    expect(files).toHaveLength(3);
    for (const file of files) {
      const fixture = await readFile(file, 'utf8');
      // The binary echo is stored as base64: look in the decoded bytes too.
      const base64 = /"base64": "([^"]*)"/.exec(fixture)?.[1];
      const text = base64 === undefined ? fixture : `${fixture}${Buffer.from(base64, 'base64').toString('latin1')}`;
      for (const secret of ['KEY-ECHO-999', 'BEARER-ECHO-456', 'COOKIE-ECHO-789', 'HEADER-ECHO-000']) {
        expect({ file, leaked: text.includes(secret) ? secret : null }).toEqual({ file, leaked: null });
      }
    }
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    const res = await fetch(`${proxy.url}/secrets-echo?api_key=OTHER-KEY&page=1`, {
      headers: { authorization: 'Bearer other-token', cookie: 'sid=x' },
    });
    expect(res.headers.get('x-proxytape')).toBe('replayed');
    expect(res.headers.get('x-echo-authorization')).toBe('Bearer [REDACTED]');
    const body = (await res.json()) as { headers: Record<string, string>; rawHeaders: string[] };
    // Stored as JSON still (the layout kept), with the secrets replaced.
    expect(body.headers['authorization']).toBe('[REDACTED]');
    expect(body.rawHeaders).toContain('Bearer [REDACTED]');
  });

  it('logs a recording cut short by the backend as an error, naming no fixture, and writes none', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    await fetch(`${proxy.url}/cut`)
      .then((res) => res.text())
      .catch(() => undefined);
    await proxy.close();
    const event = proxy.events.find((e) => e.url === '/cut');
    expect(event).toMatchObject({ source: 'error', error: { code: 'PROXYTAPE_UPSTREAM_BODY_ABORTED' } });
    expect(event?.fixture).toBeUndefined();
    expect(await filesUnder(fixtures.dir)).toEqual([]);
  });

  it('answers 400 to two x-proxytape-cassette headers that disagree, and writes nothing', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    const port = Number(new URL(proxy.url).port);
    const exchange = await rawExchange(
      port,
      'GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Proxytape-Cassette: good\r\nx-proxytape-cassette: other\r\nConnection: close\r\n\r\n',
    );
    expect(parseHead(exchange.data).status).toBe(400);
    await proxy.close();
    proxy = undefined;
    expect(await filesUnder(fixtures.dir)).toEqual([]);
    expect(hits).toEqual([]);
  });

  it('records 100 concurrent distinct requests, all replayable', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    const ids = Array.from({ length: 100 }, (_, i) => i);
    await Promise.all(ids.map(async (i) => (await fetch(`${proxy!.url}/item/${i}?n=${i}`)).text()));
    const summary = await proxy.close();
    proxy = undefined;
    expect(summary.recorded).toBe(100);
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    const bodies = await Promise.all(ids.map(async (i) => (await fetch(`${proxy!.url}/item/${i}?n=${i}`)).json()));
    bodies.forEach((body, i) => expect(body).toEqual({ url: `/item/${i}?n=${i}`, body: '' }));
  });

  it('keeps cassettes apart: the x-proxytape-cassette header picks one and is never forwarded', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    await (await fetch(`${proxy.url}/counter`, { headers: { 'x-proxytape-cassette': 'suite-a/test-1' } })).text();
    await (await fetch(`${proxy.url}/counter`, { headers: { 'x-proxytape-cassette': 'suite-b' } })).text();
    await proxy.close();
    const files = (await filesUnder(fixtures.dir)).map((f) => path.relative(fixtures.dir, f));
    expect(files.some((f) => f.startsWith(`suite-a${path.sep}test-1${path.sep}`))).toBe(true);
    expect(files.some((f) => f.startsWith(`suite-b${path.sep}`))).toBe(true);
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    expect(await (await fetch(`${proxy.url}/counter`, { headers: { 'x-proxytape-cassette': 'suite-b' } })).text()).toBe('2');
    expect(await (await fetch(`${proxy.url}/counter`, { headers: { 'x-proxytape-cassette': 'suite-a/test-1' } })).text()).toBe('1');
  });

  it.each(['../escape', '/abs', 'a//b', 'a/../b', 'bad name', '.'])(
    'answers 400 to the cassette name %j and writes nothing',
    async (name) => {
      proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
      const res = await fetch(`${proxy.url}/x`, { headers: { 'x-proxytape-cassette': name } });
      expect(res.status).toBe(400);
      expect(res.headers.get('x-proxytape-error')).toBe('PROXYTAPE_INVALID_CASSETTE');
      await res.text();
      await proxy.close();
      proxy = undefined;
      expect(await filesUnder(fixtures.dir)).toEqual([]);
      expect(hits).toEqual([]);
    },
  );

  it('refuses to start on a corrupted fixture, naming its path', async () => {
    const dir = path.join(fixtures.dir, 'default', '127.0.0.1');
    await mkdir(dir, { recursive: true });
    const bad = path.join(dir, 'GET-broken-00000000-0.json');
    await writeFile(bad, '{ "version": 1, "match": ');
    await expect(createTape({ mode: 'replay', fixtures: fixtures.dir })).rejects.toMatchObject({
      code: 'PROXYTAPE_FIXTURE_CORRUPT',
      message: expect.stringContaining(bad),
    });
  });
});
