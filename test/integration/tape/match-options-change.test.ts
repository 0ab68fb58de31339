import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';
import { type TapeProxy, startTapeProxy, tempFixtures } from '../../helpers/tape-proxy.js';

/**
 * Match options apply to the fixtures already on disk: a fixture recorded under other
 * options answers when its stored request matches under the current ones, so the fix a
 * miss explanation offers (`--ignore-query page`) works without re-recording.
 */
describe('changing match options after recording', () => {
  let fixtures: Awaited<ReturnType<typeof tempFixtures>>;
  let backend: TestServer;
  let hits: number;
  let proxy: TapeProxy | undefined;

  beforeEach(async () => {
    fixtures = await tempFixtures();
    hits = 0;
    backend = await createTestServer((req: http.IncomingMessage, res: http.ServerResponse) => {
      hits++;
      req.resume();
      req.on('end', () => res.end(`answer for ${req.url}`));
    });
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await backend.close();
    await fixtures.remove();
  });

  async function record(urls: string[], options: Parameters<typeof startTapeProxy>[0]['match'] = {}): Promise<void> {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir, match: options });
    for (const url of urls) await (await fetch(`${proxy.url}${url}`)).text();
    await proxy.close();
    proxy = undefined;
  }

  async function replay(url: string): Promise<{ source: string | null; text: string }> {
    const res = await fetch(`${proxy!.url}${url}`);
    return { source: res.headers.get('x-proxytape'), text: await res.text() };
  }

  it('the ignore option a miss suggests makes the request replay, without re-recording', async () => {
    await record(['/q?a=1&page=2']);
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    const miss = await replay('/q?a=1&page=3');
    expect(miss.source).toBe('miss');
    expect(miss.text).toContain('--ignore-query page');
    await proxy.close();

    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir, match: { ignoreQuery: ['page'] } });
    expect(await replay('/q?a=1&page=3')).toEqual({ source: 'replayed', text: 'answer for /q?a=1&page=2' });
    expect(await replay('/q?a=1&page=2')).toEqual({ source: 'replayed', text: 'answer for /q?a=1&page=2' });
    expect((await replay('/q?a=2&page=2')).source).toBe('miss');
  });

  it('a fixture recorded with an ignore option matches on that field again once the option is gone', async () => {
    await record(['/q?a=1&page=2'], { ignoreQuery: ['page'] });
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir });
    expect((await replay('/q?a=1&page=2')).source).toBe('replayed');
    expect((await replay('/q?a=1&page=3')).source).toBe('miss');
  });

  it('ignoring the body replays a POST recorded with another body, in recorded order', async () => {
    proxy = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: fixtures.dir });
    for (const body of ['{"n":1}', '{"n":2}']) {
      await (await fetch(`${proxy.url}/orders`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).text();
    }
    await proxy.close();
    proxy = await startTapeProxy({ mode: 'replay', fixtures: fixtures.dir, match: { ignoreBody: true } });
    const post = async (): Promise<string | null> =>
      (
        await fetch(`${proxy!.url}/orders`, { method: 'POST', body: '{"n":99}', headers: { 'content-type': 'application/json' } })
      ).headers.get('x-proxytape');
    expect(await post()).toBe('replayed');
    expect(hits).toBe(2);
  });

  it('auto mode replays an old fixture that matches under the new options instead of recording it again', async () => {
    await record(['/items?_ts=111']);
    proxy = await startTapeProxy({ mode: 'auto', target: backend.url, fixtures: fixtures.dir, match: { ignoreQuery: ['_ts'] } });
    expect(await replay('/items?_ts=222')).toEqual({ source: 'replayed', text: 'answer for /items?_ts=111' });
    expect(hits).toBe(1);
  });
});
