import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createEchoBackend } from '../../helpers/echo-backend.js';
import { type ProxyServer, startProxyServer } from '../../helpers/proxy-server.js';
import { rawExchange } from '../../helpers/raw-client.js';

type Backend = Awaited<ReturnType<typeof createEchoBackend>>;

describe('request target forwarded upstream', () => {
  let backend: Backend;
  let proxy: ProxyServer | undefined;

  beforeEach(async () => {
    backend = await createEchoBackend();
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await backend.close();
  });

  async function pathSeenFor(requestTarget: string, targetSuffix = ''): Promise<string> {
    proxy ??= await startProxyServer({ target: backend.url + targetSuffix });
    const answer = await rawExchange(proxy.port, `GET ${requestTarget} HTTP/1.1\r\nHost: front.test\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    return backend.last().url;
  }

  it.each([
    ['/a%2Fb/c', 'an encoded slash'],
    ['/items;jsessionid=1;x=2', 'matrix parameters'],
    ['/bad%zzescape%', 'invalid percent escapes'],
    ['/q?b=2&a=1&a=%20&empty=&flag', 'an unsorted query with repeats and empties'],
    ['/%E2%82%AC?x=%2B+y', 'encoded UTF-8 and plus signs'],
    ['/a//b/./c/../d', 'dot segments and double slashes'],
  ])('forwards %s byte-for-byte (%s)', async (target) => {
    expect(await pathSeenFor(target)).toBe(target);
  });

  it("joins the target's base path in front of the request path", async () => {
    expect(await pathSeenFor('/users/1?x=1', '/api/v2')).toBe('/api/v2/users/1?x=1');
  });

  it('does not double the slash when the base path ends with one', async () => {
    expect(await pathSeenFor('/users', '/api/')).toBe('/api/users');
  });

  it("merges the target's query in front of the request query", async () => {
    expect(await pathSeenFor('/users?page=2', '/api?key=k1')).toBe('/api/users?key=k1&page=2');
    expect(await pathSeenFor('/users', '/api?key=k1')).toBe('/api/users?key=k1');
  });

  it('takes only the path from an absolute-form request target', async () => {
    expect(await pathSeenFor('http://elsewhere.test/abs/path?q=1')).toBe('/abs/path?q=1');
  });

  it('does not follow redirects: the 3xx reaches the client', async () => {
    const { createTestServer } = await import('../../helpers/http-test-server.js');
    let hits = 0;
    const redirecting = await createTestServer((req, res) => {
      hits++;
      res.writeHead(302, { location: '/elsewhere', 'content-length': '0' }).end();
    });
    const p = await startProxyServer({ target: redirecting.url });
    try {
      const res = await fetch(`${p.url}/start`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/elsewhere');
      expect(hits).toBe(1);
    } finally {
      await p.close();
      await redirecting.close();
    }
  });
});
