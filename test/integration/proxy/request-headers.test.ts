import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type EchoedRequest, createEchoBackend, headerNames, headerValues } from '../../helpers/echo-backend.js';
import { type ProxyServer, startProxyServer } from '../../helpers/proxy-server.js';
import { rawExchange } from '../../helpers/raw-client.js';
import type { ProxyConfig } from '../../../src/index.js';

type Backend = Awaited<ReturnType<typeof createEchoBackend>>;

describe('request headers forwarded upstream', () => {
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

  async function send(headerLines: string[], config: Partial<ProxyConfig> = {}): Promise<EchoedRequest> {
    proxy ??= await startProxyServer({ target: backend.url, ...config });
    const head = ['GET /echo HTTP/1.1', 'Host: front.test', ...headerLines, 'Connection: close', '', ''].join('\r\n');
    const answer = await rawExchange(proxy.port, head);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    return backend.last();
  }

  it('strips every hop-by-hop header', async () => {
    const seen = await send([
      'Keep-Alive: timeout=5',
      'Proxy-Connection: keep-alive',
      'Proxy-Authenticate: Basic',
      'Proxy-Authorization: Basic c2VjcmV0',
      'TE: gzip',
      'Trailer: x-sum',
      'Upgrade-Insecure-Requests: 1',
      'X-Kept: yes',
    ]);
    const names = headerNames(seen.rawHeaders);
    for (const hop of [
      'keep-alive',
      'proxy-connection',
      'proxy-authenticate',
      'proxy-authorization',
      'te',
      'trailer',
      'transfer-encoding',
      'upgrade',
    ]) {
      expect(names).not.toContain(hop);
    }
    expect(headerValues(seen.rawHeaders, 'x-kept')).toEqual(['yes']);
    // Not hop-by-hop despite the prefix: must survive.
    expect(headerValues(seen.rawHeaders, 'upgrade-insecure-requests')).toEqual(['1']);
  });

  it('strips headers named in Connection, case-insensitively, across several lines and with empty tokens', async () => {
    const seen = await send(['Connection: X-One, ,x-TWO', 'connection: , X-Three', 'X-One: 1', 'x-two: 2', 'X-THREE: 3', 'X-Four: 4']);
    const names = headerNames(seen.rawHeaders);
    expect(names).not.toContain('x-one');
    expect(names).not.toContain('x-two');
    expect(names).not.toContain('x-three');
    expect(headerValues(seen.rawHeaders, 'x-four')).toEqual(['4']);
  });

  it('forwards TE: trailers only when the client TE lists trailers', async () => {
    const withTrailers = await send(['TE: gzip, trailers']);
    expect(headerValues(withTrailers.rawHeaders, 'te')).toEqual(['trailers']);
    const without = await send(['TE: gzip']);
    expect(headerNames(without.rawHeaders)).not.toContain('te');
  });

  it('appends the client IP to X-Forwarded-For and sets X-Forwarded-Host and -Proto', async () => {
    const seen = await send(['X-Forwarded-For: 203.0.113.7', 'X-Forwarded-For: 198.51.100.2', 'X-Forwarded-Proto: https']);
    expect(headerValues(seen.rawHeaders, 'x-forwarded-for')).toEqual(['203.0.113.7, 198.51.100.2, 127.0.0.1']);
    expect(headerValues(seen.rawHeaders, 'x-forwarded-host')).toEqual(['front.test']);
    expect(headerValues(seen.rawHeaders, 'x-forwarded-proto')).toEqual(['http']);
  });

  it('keeps the headers it adds when the client names them in Connection', async () => {
    const seen = await send(['Connection: X-Forwarded-For, X-Forwarded-Host', 'X-Forwarded-For: 10.9.9.9']);
    // The client's own X-Forwarded-For was hop-by-hop for it and is dropped; the proxy's survives.
    expect(headerValues(seen.rawHeaders, 'x-forwarded-for')).toEqual(['127.0.0.1']);
    expect(headerValues(seen.rawHeaders, 'x-forwarded-host')).toEqual(['front.test']);
  });

  it('adds no X-Forwarded-* headers and leaves the client ones alone when xForwarded is false', async () => {
    const seen = await send(['X-Forwarded-For: 203.0.113.7'], { xForwarded: false });
    expect(headerValues(seen.rawHeaders, 'x-forwarded-for')).toEqual(['203.0.113.7']);
    expect(headerNames(seen.rawHeaders)).not.toContain('x-forwarded-host');
    expect(headerNames(seen.rawHeaders)).not.toContain('x-forwarded-proto');
  });

  it('invents no User-Agent and passes the client one unchanged', async () => {
    const none = await send([]);
    expect(headerNames(none.rawHeaders)).not.toContain('user-agent');
    const some = await send(['User-Agent: my-client/1.0']);
    expect(headerValues(some.rawHeaders, 'user-agent')).toEqual(['my-client/1.0']);
  });

  it('keeps repeated request headers as separate lines in their order', async () => {
    const seen = await send(['X-Multi: a', 'X-Other: o', 'X-Multi: b']);
    expect(headerValues(seen.rawHeaders, 'x-multi')).toEqual(['a', 'b']);
  });

  describe('Host policy', () => {
    it("sends the target's host by default", async () => {
      const seen = await send([]);
      expect(headerValues(seen.rawHeaders, 'host')).toEqual([`127.0.0.1:${backend.port}`]);
    });

    it("preserves the client's Host with host: 'preserve'", async () => {
      const seen = await send([], { host: 'preserve' });
      expect(headerValues(seen.rawHeaders, 'host')).toEqual(['front.test']);
    });

    it('sends an explicit Host with host: { replace }', async () => {
      const seen = await send([], { host: { replace: 'api.example.test' } });
      expect(headerValues(seen.rawHeaders, 'host')).toEqual(['api.example.test']);
    });
  });
});
