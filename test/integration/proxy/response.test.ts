import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';
import { type ProxyServer, startProxyServer } from '../../helpers/proxy-server.js';
import { rawExchange } from '../../helpers/raw-client.js';
import { proxy } from '../../../src/index.js';

describe('responses passed to the client', () => {
  let backend: TestServer | undefined;
  let front: ProxyServer | undefined;

  afterEach(async () => {
    await front?.close();
    await backend?.close();
    front = backend = undefined;
  });

  async function through(listener: http.RequestListener): Promise<ProxyServer> {
    backend = await createTestServer(listener);
    front = await startProxyServer({ target: backend.url });
    return front;
  }

  it('passes status, reason phrase and body through, marked x-proxytape: proxied', async () => {
    const p = await through((req, res) => {
      res.writeHead(418, 'Short And Stout', { 'content-type': 'text/plain', 'content-length': '6' }).end('teapot');
    });
    const answer = await rawExchange(p.port, 'GET /tea HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 418 Short And Stout\r\n/);
    expect(answer).toMatch(/\r\nx-proxytape: proxied\r\n/);
    expect(answer.endsWith('\r\n\r\nteapot')).toBe(true);
  });

  it('keeps multi-value headers and separate Set-Cookie lines', async () => {
    const p = await through((req, res) => {
      res.writeHead(
        200,
        [
          ['Set-Cookie', 'a=1; Path=/'],
          ['Set-Cookie', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT'],
          ['X-Multi', 'one'],
          ['X-Multi', 'two'],
          ['Content-Length', '0'],
        ].flat(),
      );
      res.end();
    });
    const answer = await rawExchange(p.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(answer).toContain('\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT\r\n');
    expect(answer).toContain('\r\nX-Multi: one\r\nX-Multi: two\r\n');
  });

  it('strips hop-by-hop headers and those named in Connection from the response', async () => {
    const p = await through((req, res) => {
      const socket = res.socket!;
      socket.write(
        'HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Internal\r\nKeep-Alive: timeout=99\r\nX-Internal: secret\r\nProxy-Authenticate: Basic\r\nUpgrade: h2c\r\nX-Proxytape: forged\r\nX-Public: ok\r\nContent-Length: 2\r\n\r\nok',
      );
    });
    const answer = await rawExchange(p.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', { untilIncludes: '\r\n\r\nok' });
    const head = answer.split('\r\n\r\n')[0]!.toLowerCase();
    expect(head).not.toContain('x-internal');
    expect(head).not.toContain('timeout=99');
    expect(head).not.toContain('proxy-authenticate');
    expect(head).not.toContain('upgrade');
    expect(head).not.toContain('forged');
    expect(head).toContain('x-public: ok');
    expect(head).toContain('x-proxytape: proxied');
  });

  it("keeps the backend's Date header instead of adding its own", async () => {
    const p = await through((req, res) => {
      res.sendDate = false;
      res.writeHead(200, { date: 'Tue, 01 Jan 2030 00:00:00 GMT', 'content-length': '0' }).end();
    });
    const answer = await rawExchange(p.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(answer.match(/\r\ndate: /gi)).toHaveLength(1);
    expect(answer).toContain('date: Tue, 01 Jan 2030 00:00:00 GMT');
  });

  it.each([
    ['HEAD', 200, { 'content-length': '11', 'content-type': 'text/plain' }],
    ['GET', 204, {}],
    ['GET', 304, { etag: '"v1"' }],
  ] as const)('answers %s with %i without a body and keeps the client connection usable', async (method, status, headers) => {
    const p = await through((req, res) => {
      if (req.url === '/second') return void res.end('second');
      res.writeHead(status, headers);
      res.end(method === 'HEAD' ? undefined : undefined);
    });
    // Two requests on one keep-alive connection: a stray body byte would corrupt the second answer.
    const answer = await rawExchange(
      p.port,
      `${method} /first HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`,
    );
    const responses = answer.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(responses[0]!.endsWith('\r\n\r\n')).toBe(true);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nsecond$/);
  });

  it('makes proxy() resolve once the headers arrive, while the body is still coming', async () => {
    let finishBody: () => void = () => {};
    backend = await createTestServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part 1;');
      finishBody = () => res.end('part 2');
    });
    const server = await createTestServer((req, res) => {
      void proxy(req, { target: backend!.url }).then(async (response) => {
        // Headers are known now; the body has not ended yet.
        res.setHeader('x-seen-before-end', String(response.status));
        finishBody();
        await response.send(res);
      });
    });
    try {
      const res = await fetch(`${server.url}/`);
      expect(res.headers.get('x-seen-before-end')).toBe('200');
      expect(await res.text()).toBe('part 1;part 2');
    } finally {
      await server.close();
    }
  });

  it('merges headers already set on the ServerResponse without collapsing repeated ones', async () => {
    backend = await createTestServer((req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('x-from', 'backend');
      res.end('ok');
    });
    const server = await createTestServer((req, res) => {
      res.setHeader('x-powered-by', 'express');
      res.setHeader('x-from', 'app');
      void proxy(req, { target: backend!.url }).then((r) => r.send(res));
    });
    try {
      const answer = await new Promise<http.IncomingMessage>((resolve) => http.get(`${server.url}/`, resolve));
      answer.resume();
      expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(answer.headers['x-powered-by']).toBe('express');
      expect(answer.headers['x-from']).toBe('backend');
    } finally {
      await server.close();
    }
  });

  it('answers pipelined requests in the order they were sent, even when an earlier one is slower upstream', async () => {
    const p = await through((req, res) => {
      setTimeout(() => res.end(`<${req.url}>`), req.url === '/slow' ? 150 : 0);
    });
    const answer = await rawExchange(
      p.port,
      'GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\nGET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    expect([...answer.matchAll(/<(\/\w+)>/g)].map((m) => m[1])).toEqual(['/slow', '/fast', '/last']);
    expect(answer.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(3);
  });

  it('reuses the upstream connection for sequential requests (keep-alive pool)', async () => {
    const remotePorts = new Set<number>();
    const p = await through((req, res) => {
      remotePorts.add((req.socket as net.Socket).remotePort!);
      res.end('ok');
    });
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${p.url}/n${i}`);
      expect(await res.text()).toBe('ok');
    }
    expect(remotePorts.size).toBe(1);
  });
});
