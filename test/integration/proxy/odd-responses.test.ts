import net from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { type ProxyServer, startProxyServer } from '../../helpers/proxy-server.js';
import { rawExchange } from '../../helpers/raw-client.js';
import { rawExchange as rawOutcome } from '../../helpers/http-client.js';

/**
 * Backend answers that are legal but unusual, sent byte for byte from a raw TCP backend: the
 * proxy must relay them (or fail them visibly), never hang and never pass a cut body for whole.
 */
describe('unusual backend responses', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  /** A backend that answers each request on a connection with the next of `replies` (a function may act on the socket). */
  async function rawBackend(...replies: Array<string | ((socket: net.Socket) => void)>): Promise<ProxyServer> {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      let next = 0;
      socket.on('data', () => {
        const reply = replies[Math.min(next++, replies.length - 1)]!;
        if (typeof reply === 'string') socket.write(reply);
        else reply(socket);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const front = await startProxyServer({ target: `http://127.0.0.1:${port}` });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    cleanups.push(() => front.close());
    return front;
  }

  it.each([
    [
      'a fixed-length body',
      'GET',
      'HTTP/1.1',
      'HTTP/1.1 200 OK\r\nTrailer: X-Checksum\r\nContent-Length: 2\r\n\r\nok',
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/,
    ],
    ['a 204', 'GET', 'HTTP/1.1', 'HTTP/1.1 204 No Content\r\nTrailer: X-T\r\n\r\n', /^HTTP\/1\.1 204 No Content\r\n/],
    [
      'a HEAD answer',
      'HEAD',
      'HTTP/1.1',
      'HTTP/1.1 200 OK\r\nTrailer: X-T\r\nTransfer-Encoding: chunked\r\n\r\n',
      /^HTTP\/1\.1 200 OK\r\n/,
    ],
    [
      'an HTTP/1.0 client',
      'GET',
      'HTTP/1.0',
      'HTTP/1.1 200 OK\r\nTrailer: X-T\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n',
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/,
    ],
  ])(
    'relays a Trailer announcement on %s (which cannot carry trailers) without it, instead of hanging',
    async (_what, method, version, reply, expected) => {
      const front = await rawBackend(reply);
      const answer = await rawExchange(front.port, `${method} /t ${version}\r\nHost: a\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(expected);
      expect(answer.toLowerCase()).not.toContain('\r\ntrailer:');
      expect(answer).toContain('\r\nx-proxytape: proxied\r\n');
    },
  );

  it('relays a 204 without the Content-Length or Transfer-Encoding its backend put on it, and keeps the connection usable', async () => {
    const front = await rawBackend((socket) => socket.write('HTTP/1.1 204 No Content\r\nX-Id: 7\r\nContent-Length: 12\r\n\r\n'));
    const answer = await rawExchange(
      front.port,
      'GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    const answers = answer.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    for (const one of answers) {
      expect(one).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
      expect(one).toContain('\r\nX-Id: 7\r\n');
      expect(one.toLowerCase()).not.toMatch(/\r\n(content-length|transfer-encoding):/);
      expect(one.endsWith('\r\n\r\n')).toBe(true);
    }
  });

  it('relays a 304 that carries a Content-Length (RFC 9110 allows it) and keeps the connection usable', async () => {
    // (undici drops the upstream connection after such a 304, so the second request may arrive on a new one.)
    const front = await rawBackend((socket) => socket.write('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 1234\r\n\r\n'));
    const answer = await rawExchange(
      front.port,
      'GET /a HTTP/1.1\r\nHost: a\r\nIf-None-Match: "v1"\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nIf-None-Match: "v1"\r\nConnection: close\r\n\r\n',
    );
    const answers = answer.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    for (const one of answers) {
      expect(one).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/);
      expect(one).toContain('ETag: "v1"');
      expect(one.endsWith('\r\n\r\n')).toBe(true);
    }
    expect(answers[0]).toContain('\r\nConnection: keep-alive\r\n');
  });

  it('answers 502 when the backend status line has a reason phrase Node refuses to send (a control byte)', async () => {
    const front = await rawBackend('HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nok');
    const answer = await rawExchange(front.port, 'GET /bad-reason HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(answer).toContain('\r\nx-proxytape-error: PROXYTAPE_UPSTREAM_INVALID_RESPONSE\r\n');
    expect(answer).toContain('GET /bad-reason: the response head cannot be relayed');
  });

  it('resets the connection of an HTTP/1.0 client when the backend dies mid-body, so the cut body cannot pass for whole', async () => {
    const front = await rawBackend((socket) => {
      // Chunked from the backend: relayed to an HTTP/1.0 client without a length, delimited by the close.
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n');
      setTimeout(() => socket.destroy(), 30);
    });
    // HTTP/1.0: the body is close-delimited, so only a reset (not a FIN) tells the client it was cut.
    const outcome = await rawOutcome(front.port, 'GET /die HTTP/1.0\r\nHost: a\r\n\r\n');
    expect(outcome.data.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\npartial$/);
    expect(outcome.ended).toBe(false);
    expect((outcome.error as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNRESET');
  });
});
