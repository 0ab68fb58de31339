import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createEchoBackend, headerNames, headerValues } from '../../helpers/echo-backend.js';
import { createTestServer } from '../../helpers/http-test-server.js';
import { type ProxyServer, startProxyServer } from '../../helpers/proxy-server.js';
import { rawExchange } from '../../helpers/raw-client.js';
import { fullProxy, isFullProxyError, isProxyError, proxy } from '../../../src/index.js';

type Backend = Awaited<ReturnType<typeof createEchoBackend>>;

describe('request bodies', () => {
  let backend: Backend;
  let front: ProxyServer;

  beforeEach(async () => {
    backend = await createEchoBackend();
    front = await startProxyServer({ target: backend.url });
  });
  afterEach(async () => {
    await front.close();
    await backend.close();
  });

  it('forwards a fixed-length body exactly, with its Content-Length', async () => {
    const body = 'name=proxytape&x=%00';
    const answer = await rawExchange(
      front.port,
      `POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(backend.last().body).toBe(body);
    expect(headerValues(backend.last().rawHeaders, 'content-length')).toEqual([String(body.length)]);
  });

  it('forwards a chunked body exactly, re-framed upstream by the proxy', async () => {
    const answer = await rawExchange(
      front.port,
      'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(backend.last().body).toBe('hello, world');
    // Framing is per hop: the proxy sends its own (chunked, or a length once it knows it), never both.
    const names = headerNames(backend.last().rawHeaders);
    expect(names.includes('content-length') && names.includes('transfer-encoding')).toBe(false);
  });

  it('forwards a 4 MiB binary body byte-exact', async () => {
    const payload = randomBytes(4 * 1024 * 1024);
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${front.url}/bin`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      });
      req.on('error', reject);
      req.end(payload);
    });
    expect(received).toContain('"method":"PUT"');
    const seen = Buffer.from(backend.last().body, 'latin1');
    expect(createHash('sha256').update(seen).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it('streams the body upstream as it arrives instead of buffering it', async () => {
    let firstChunkAt = 0;
    const streaming = await createTestServer((req, res) => {
      req.once('data', () => (firstChunkAt = Date.now()));
      req.resume();
      req.on('end', () => res.end('done'));
    });
    const p = await startProxyServer({ target: streaming.url });
    try {
      const req = http.request(`${p.url}/slow-upload`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
      const done = new Promise<string>((resolve) => req.on('response', (res) => res.setEncoding('utf8').on('data', resolve)));
      req.write('first part');
      const secondSentAt = await new Promise<number>((resolve) => setTimeout(() => resolve(Date.now()), 300));
      req.end('second part');
      expect(await done).toBe('done');
      expect(firstChunkAt).toBeGreaterThan(0);
      expect(firstChunkAt).toBeLessThan(secondSentAt);
    } finally {
      await p.close();
      await streaming.close();
    }
  });

  it('answers Expect: 100-continue without hanging when the backend is down', async () => {
    const dead = await startProxyServer({ target: 'http://127.0.0.1:1' });
    try {
      const answer = await rawExchange(
        dead.port,
        'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello',
        { timeoutMs: 3_000 },
      );
      expect(answer).toMatch(/HTTP\/1\.1 502 Bad Gateway/);
      expect(answer).toContain('PROXYTAPE_UPSTREAM_REFUSED');
    } finally {
      await dead.close();
    }
  });

  it('does not forward Expect upstream but still delivers the body', async () => {
    const answer = await rawExchange(
      front.port,
      'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello',
    );
    expect(answer).toMatch(/HTTP\/1\.1 200 OK/);
    expect(backend.last().body).toBe('hello');
    expect(headerNames(backend.last().rawHeaders)).not.toContain('expect');
  });
});

describe('a request body that was already consumed', () => {
  /** Runs `fn` inside a real request whose body a "body parser" read first. */
  async function withConsumedRequest(fn: (req: http.IncomingMessage) => Promise<unknown>): Promise<unknown> {
    let outcome: unknown;
    const server = await createTestServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => {
        fn(req)
          .then(
            (v) => (outcome = v),
            (e: unknown) => (outcome = e),
          )
          .finally(() => res.end());
      });
    });
    try {
      await fetch(`${server.url}/x`, { method: 'POST', body: '{"a":1}' });
      return outcome;
    } finally {
      await server.close();
    }
  }

  it('makes fullProxy() throw FullProxyError before connecting, even when the backend is down', async () => {
    const err = await withConsumedRequest((req) => fullProxy(req, { target: 'http://127.0.0.1:1' }));
    expect(isFullProxyError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'PROXYTAPE_BODY_CONSUMED', method: 'POST', url: '/x' });
    expect((err as Error).message).toBe(
      'Cannot proxy POST /x: the request body was already read (by a body parser or an earlier handler), so it cannot be forwarded. ' +
        'Proxy the request before any body parser runs (mount proxytape before express.json()), or pass the bytes as `body`.',
    );
  });

  it('makes proxy() reject with a ProxyError of the same code', async () => {
    const err = await withConsumedRequest((req) => proxy(req, { target: 'http://127.0.0.1:1' }));
    expect(isProxyError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'PROXYTAPE_BODY_CONSUMED' });
  });

  it('is not an error for a request without a body', async () => {
    const backend = await createEchoBackend();
    const server = await createTestServer((req, res) => {
      req.resume();
      req.on('end', () => void fullProxy(req, { target: backend.url }).then((r) => r.send(res)));
    });
    try {
      const res = await fetch(`${server.url}/no-body`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-proxytape')).toBe('proxied');
    } finally {
      await server.close();
      await backend.close();
    }
  });

  it('can be forwarded when the caller passes the bytes it read as `body`', async () => {
    const backend = await createEchoBackend();
    const server = await createTestServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void fullProxy(
          { method: req.method, url: req.url, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) },
          { target: backend.url },
        ).then((r) => r.send(res));
      });
    });
    try {
      const res = await fetch(`${server.url}/parsed`, { method: 'POST', body: '{"a":1}' });
      expect(res.status).toBe(200);
      expect(backend.last().body).toBe('{"a":1}');
    } finally {
      await server.close();
      await backend.close();
    }
  });
});
