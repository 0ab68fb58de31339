import { afterEach, describe, expect, test } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { type ProxyEvent, HttpTransport, createProxyHandler, createServer, proxy } from '../../../src/index.js';
import { delay, within } from '../../helpers/http-client.js';
import { createTestServer } from '../../helpers/http-test-server.js';
import { startProxyServer } from '../../helpers/proxy-server.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Starts a backend and a proxy in front of it (both closed after the test); `events` fills as requests finish. */
async function proxied(listener: http.RequestListener): Promise<{ url: string; events: ProxyEvent[] }> {
  const backend = await createTestServer(listener);
  cleanups.push(() => backend.close());
  const events: ProxyEvent[] = [];
  const proxy = await startProxyServer({ target: backend.url }, { onResponse: (e) => events.push(e) });
  cleanups.push(() => proxy.close());
  return { url: proxy.url, events };
}

/** Resolves with the first onResponse event once the proxy reported it. */
function firstEvent(events: ProxyEvent[]): Promise<ProxyEvent> {
  return within(
    new Promise<ProxyEvent>((resolve) => {
      const check = (): void => void (events[0] ? resolve(events[0]) : setTimeout(check, 10));
      check();
    }),
    2_000,
    "the proxy's onResponse event",
  );
}

/**
 * A backend that never answers an upload, behind proxytape's own server (createServer):
 * `received` resolves with the first body bytes upstream, `backendClosed` when the upstream
 * request is gone.
 */
async function uploadThroughProxytapeServer(): Promise<{
  front: Awaited<ReturnType<typeof createServer>>;
  events: ProxyEvent[];
  received: Promise<void>;
  backendClosed: Promise<void>;
}> {
  const received = signal();
  const backendClosed = signal();
  const backend = await createTestServer((req, res) => {
    req.once('data', () => received.resolve());
    res.on('close', () => backendClosed.resolve());
  });
  cleanups.push(() => backend.close());
  const events: ProxyEvent[] = [];
  const front = await createServer(createProxyHandler({ target: backend.url }, { onResponse: (e) => events.push(e) }));
  cleanups.push(() => front.close());
  return { front, events, received: received.promise, backendClosed: backendClosed.promise };
}

/** A promise with its resolve function, to make a backend wait for the test. */
function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Starts a request through the proxy and resolves with the response (headers received). */
function get(url: string, headers: http.OutgoingHttpHeaders = {}): { req: http.ClientRequest; response: Promise<http.IncomingMessage> } {
  let req!: http.ClientRequest;
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req = http.request(url, { agent: false, headers }, resolve);
    req.on('error', reject);
    req.end();
  });
  return { req, response };
}

/** How a response stream finished, observed from the client. */
interface Outcome {
  body: Buffer;
  /** 'end' was emitted: the client saw a clean, complete end of body. */
  ended: boolean;
  /** IncomingMessage.complete: the whole message (per its framing) was received. */
  complete: boolean;
  error: Error | undefined;
}

/** Reads a response until it ends or fails (never rejects). */
function readOutcome(res: http.IncomingMessage): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let ended = false;
    let error: Error | undefined;
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => (ended = true));
    res.on('error', (err) => (error = err));
    res.on('close', () => resolve({ body: Buffer.concat(chunks), ended, complete: res.complete, error }));
  });
}

/** Resolves with the accumulated body once `predicate` holds for it. */
function readUntil(res: http.IncomingMessage, predicate: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer): void => {
      text += c.toString();
      if (predicate(text)) {
        res.off('data', onData);
        res.pause();
        resolve(text);
      }
    };
    res.on('data', onData);
    res.once('error', reject);
    res.once('end', () => reject(new Error(`response ended before the expected data; got ${JSON.stringify(text)}`)));
  });
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('streaming responses', () => {
  test('the first text/event-stream event reaches the client while the backend is still stalled', async () => {
    const release = signal();
    let wroteSecond = false;
    const { url } = await proxied((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: one\n\n');
      void release.promise.then(() => {
        wroteSecond = true;
        res.end('data: two\n\n');
      });
    });

    const { response } = get(`${url}/events`);
    const res = await within(response, 2_000, 'the event-stream headers');
    expect(res.headers['content-type']).toBe('text/event-stream');
    const first = await within(
      readUntil(res, (t) => t.includes('\n\n')),
      2_000,
      'the first SSE event while the backend stalls',
    );
    expect(first).toBe('data: one\n\n');
    expect(wroteSecond).toBe(false);

    release.resolve();
    res.resume();
    const rest = await within(readOutcome(res), 2_000, 'the end of the event stream');
    expect(rest.body.toString()).toBe('data: two\n\n');
    expect(rest.ended).toBe(true);
  });

  test('a chunked body of unknown length is flushed to the client chunk by chunk', async () => {
    const release = signal();
    const { url } = await proxied((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }); // no Content-Length: chunked
      res.write('part-1;');
      void release.promise.then(() => res.end('part-2;'));
    });

    const { response } = get(`${url}/chunks`);
    const res = await within(response, 2_000, 'the response headers');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const first = await within(
      readUntil(res, (t) => t.includes('part-1;')),
      2_000,
      'the first chunk while the backend stalls',
    );
    expect(first).toBe('part-1;');

    release.resolve();
    res.resume();
    const rest = await within(readOutcome(res), 2_000, 'the end of the body');
    expect(rest.body.toString()).toBe('part-2;');
    expect(rest.complete).toBe(true);
  });

  test('an 8 MiB body arrives byte-exact', async () => {
    const payload = randomBytes(8 * 1024 * 1024);
    const { url } = await proxied((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(payload.length) });
      res.end(payload);
    });

    const { response } = get(`${url}/big`);
    const res = await within(response, 2_000, 'the response headers');
    expect(res.headers['content-length']).toBe(String(payload.length));
    const out = await within(readOutcome(res), 3_000, 'the 8 MiB body');

    expect(out.complete).toBe(true);
    expect(out.body.length).toBe(payload.length);
    expect(sha256(out.body)).toBe(sha256(payload));
  });

  test('a client that stops reading pauses the backend instead of the proxy buffering the body', async () => {
    const chunk = randomBytes(64 * 1024);
    const total = 1024 * chunk.length; // 64 MiB, far more than the socket buffers along the way
    let written = 0;
    let waitingForDrain = false;
    const { url } = await proxied((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      const pump = (): void => {
        waitingForDrain = false;
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            waitingForDrain = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });

    const { response } = get(`${url}/huge`);
    const res = await within(response, 2_000, 'the response headers');
    res.pause(); // a client that reads nothing for now

    // Wait until the backend stalls: no progress for 200 ms.
    let last = -1;
    const deadline = performance.now() + 2_000;
    while (written !== last && performance.now() < deadline) {
      last = written;
      await delay(200);
    }
    // Typically stalls at ~8 MiB on Linux loopback (kernel socket buffers of both hops); a proxy
    // buffering the body in memory would let the backend write all 64 MiB without ever waiting.
    expect(waitingForDrain).toBe(true);
    expect(written).toBe(last);
    expect(written).toBeLessThan(total / 2);

    const received = createHash('sha256');
    let receivedBytes = 0;
    res.on('data', (c: Buffer) => {
      received.update(c);
      receivedBytes += c.length;
    });
    res.resume();
    const out = await within(
      new Promise<boolean>((resolve) => res.on('close', () => resolve(res.complete))),
      5_000,
      'the rest of the body',
    );
    expect(out).toBe(true);
    expect(receivedBytes).toBe(total);
    const expected = createHash('sha256');
    for (let i = 0; i < 1024; i++) expected.update(chunk);
    expect(received.digest('hex')).toBe(expected.digest('hex'));
  });

  test('a client that disconnects mid-response cancels the upstream request', async () => {
    const backendClosed = signal<{ finished: boolean }>();
    const { url, events } = await proxied((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      // Never finishes on its own; only a cancelled upstream request closes it.
      res.on('close', () => backendClosed.resolve({ finished: res.writableFinished }));
    });

    const { req, response } = get(`${url}/long`);
    const res = await within(response, 2_000, 'the response headers');
    await within(
      readUntil(res, (t) => t.includes('first;')),
      2_000,
      'the first chunk',
    );
    res.on('error', () => {});
    req.destroy();

    const closed = await within(backendClosed.promise, 2_000, "the backend's response to close after the client left");
    expect(closed.finished).toBe(false);
    expect((await firstEvent(events)).error?.code).toBe('PROXYTAPE_CLIENT_ABORTED');
  });

  test('a client that disconnects before the backend answers cancels the upstream request', async () => {
    const backendClosed = signal();
    const arrived = signal();
    const { url } = await proxied((_req, res) => {
      arrived.resolve();
      res.on('close', () => backendClosed.resolve());
    });

    const { req, response } = get(`${url}/slow`);
    response.catch(() => {}); // the client gives up before any response
    await within(arrived.promise, 2_000, 'the request to reach the backend');
    req.destroy();

    await within(backendClosed.promise, 2_000, 'the upstream request to be cancelled');
  });

  test.each([
    ['a fixed-length body', 'Content-Length: 10\r\n\r\nhello'],
    ['a chunked body', 'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'],
  ])('a client that disconnects while sending %s cancels the upstream request', async (_what, rest) => {
    // proxytape's own server (its 'clientError' handling is part of what is tested), with a drain
    // deadline that would show if the abandoned upload kept it busy.
    const { front, events, received, backendClosed } = await uploadThroughProxytapeServer();

    const socket = net.connect(front.port, '127.0.0.1', () => socket.write(`POST /upload HTTP/1.1\r\nHost: a\r\n${rest}`));
    socket.on('error', () => undefined);
    await within(received, 2_000, 'the first body bytes to reach the backend');
    socket.destroy();

    await within(backendClosed, 2_000, 'the upstream request to be cancelled');
    expect((await firstEvent(events)).error?.code).toBe('PROXYTAPE_CLIENT_ABORTED');
    await within(front.close({ drainTimeout: 5_000 }), 1_000, 'the server to close at once');
  });

  test('a malformed chunk in the middle of an upload gets the client a 400 and cancels the half-sent upstream request', async () => {
    const { front, received, backendClosed } = await uploadThroughProxytapeServer();

    let answer = '';
    const socket = net.connect(front.port, '127.0.0.1', () =>
      socket.write('POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'),
    );
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    await within(received, 2_000, 'the first body bytes to reach the backend');
    socket.write('zz\r\nnot a chunk\r\n');

    await within(backendClosed, 2_000, 'the upstream request to be cancelled');
    await within(new Promise((resolve) => socket.once('close', resolve)), 2_000, 'the client connection to close');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  test("aborting proxy()'s signal after the headers cancels the upstream request, even with the body never read", async () => {
    const backendClosed = signal<{ finished: boolean }>();
    const backend = await createTestServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('unread;');
      res.on('close', () => backendClosed.resolve({ finished: res.writableFinished }));
    });
    cleanups.push(() => backend.close());
    const transport = new HttpTransport();
    cleanups.push(() => transport.destroy());
    const ac = new AbortController();

    const response = await within(
      proxy({ method: 'GET', url: '/unread' }, { target: backend.url, transport }, { signal: ac.signal }),
      2_000,
      'proxy() to resolve',
    );
    // Nobody listens to the body: the abort must fail it without an unhandled 'error' event.
    ac.abort(new Error('caller gave up'));
    const closed = await within(backendClosed.promise, 2_000, 'the upstream request to be cancelled');
    await delay(20);

    expect(closed.finished).toBe(false);
    const body = response.body as Readable;
    expect(body.destroyed).toBe(true);
    expect(body.errored).toBeTruthy();
  });

  for (const framing of ['content-length', 'chunked'] as const) {
    test(`a backend that dies mid-body (${framing}) aborts the client connection instead of ending it cleanly`, async () => {
      const { url, events } = await proxied((_req, res) => {
        res.writeHead(200, framing === 'content-length' ? { 'content-length': '100000' } : { 'content-type': 'text/plain' });
        res.write(Buffer.alloc(1000, 'a'), () => {
          // The first bytes are on the wire; now the backend crashes.
          setTimeout(() => res.socket?.destroy(), 50);
        });
      });

      const { response } = get(`${url}/partial`);
      const res = await within(response, 2_000, 'the response headers');
      if (framing === 'content-length') expect(res.headers['content-length']).toBe('100000');
      else expect(res.headers['transfer-encoding']).toBe('chunked');
      const out = await within(readOutcome(res), 2_000, 'the client response to end or fail');

      expect(out.body.length).toBe(1000);
      expect(out.ended).toBe(false);
      expect(out.complete).toBe(false);
      expect(out.error).toBeDefined();
      expect((await firstEvent(events)).error?.code).toBe('PROXYTAPE_UPSTREAM_BODY_ABORTED');
    });
  }

  test('trailers are forwarded to a client that sent TE: trailers', async () => {
    let teSeen: string | string[] | undefined;
    const { url } = await proxied((req, res) => {
      teSeen = req.headers.te;
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write('body-with-trailer');
      res.addTrailers({ 'x-checksum': 'sha256-abc' });
      res.end();
    });

    const { response } = get(`${url}/trailers`, { te: 'trailers' });
    const res = await within(response, 2_000, 'the response headers');
    const out = await within(readOutcome(res), 2_000, 'the body and trailers');

    expect(teSeen).toBe('trailers');
    expect(res.headers.trailer).toBe('x-checksum');
    expect(out.body.toString()).toBe('body-with-trailer');
    expect(out.complete).toBe(true);
    expect(res.trailers).toEqual({ 'x-checksum': 'sha256-abc' });
  });

  test('103 Early Hints reach the client before the backend sends its final response', async () => {
    const hintsReceived = signal();
    const { url } = await proxied((_req, res) => {
      res.writeEarlyHints({ link: '</a.css>; rel=preload' });
      // The final response waits until the client saw the 103: the hint must be relayed immediately.
      void within(hintsReceived.promise, 1_500, 'the client to see the 103')
        .catch(() => {})
        .then(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('final'));
    });

    const events: string[] = [];
    let hints: http.InformationEvent | undefined;
    const req = http.request(`${url}/page`, { agent: false });
    req.on('information', (info) => {
      events.push(`information ${info.statusCode}`);
      hints = info;
      hintsReceived.resolve();
    });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', (res) => {
        events.push(`response ${res.statusCode}`);
        resolve(res);
      });
      req.on('error', reject);
    });
    req.end();
    const res = await within(response, 2_000, 'the final response');
    const out = await within(readOutcome(res), 2_000, 'the body');

    expect(events).toEqual(['information 103', 'response 200']);
    expect(hints?.headers.link).toBe('</a.css>; rel=preload');
    expect(out.body.toString()).toBe('final');
  });
});

describe('requests cut by the server shutdown', () => {
  /** A backend that sends `head` (headers and a first chunk, or nothing) and never finishes, behind proxytape's own server. */
  async function stuckBehindProxytape(mode: 'before headers' | 'mid-body'): Promise<{
    front: Awaited<ReturnType<typeof createServer>>;
    events: ProxyEvent[];
    arrived: Promise<void>;
  }> {
    const arrived = signal();
    const backend = await createTestServer((_req, res) => {
      if (mode === 'mid-body') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
      }
      arrived.resolve();
    });
    cleanups.push(() => backend.close());
    const events: ProxyEvent[] = [];
    const front = await createServer(createProxyHandler({ target: backend.url }, { onResponse: (e) => events.push(e) }));
    cleanups.push(() => front.close({ drainTimeout: 0 }));
    return { front, events, arrived: arrived.promise };
  }

  test.each(['before headers', 'mid-body'] as const)(
    'a request still in flight %s at the drain deadline is reported as PROXYTAPE_DRAIN_TIMEOUT, not as a client that left',
    async (mode) => {
      const { front, events, arrived } = await stuckBehindProxytape(mode);
      const { response } = get(`${front.url}/stuck?for=ever`);
      const answered = response.then(
        (res) =>
          new Promise<void>((resolve) =>
            res
              .on('error', () => resolve())
              .on('close', () => resolve())
              .resume(),
          ),
        () => undefined,
      );
      await within(arrived, 2_000, 'the request to reach the backend');
      if (mode === 'mid-body') await within(response, 2_000, 'the response headers');

      await within(front.close({ drainTimeout: 50 }), 2_000, 'the server to close at its drain deadline');
      await within(answered, 2_000, 'the client to see its connection closed');
      const event = await firstEvent(events);
      expect(event.error?.code).toBe('PROXYTAPE_DRAIN_TIMEOUT');
      expect(event.error?.message).toBe(
        'The server was stopped while GET /stuck?for=ever was in flight, and its drain timeout passed before the response was complete: the connection was closed and the upstream request cancelled.',
      );
    },
  );

  test('a client that leaves while the server drains is still reported as PROXYTAPE_CLIENT_ABORTED', async () => {
    const { front, events, arrived } = await stuckBehindProxytape('before headers');
    const { req, response } = get(`${front.url}/stuck`);
    response.catch(() => undefined);
    await within(arrived, 2_000, 'the request to reach the backend');
    const closing = front.close({ drainTimeout: 5_000 });
    req.destroy();
    expect((await firstEvent(events)).error?.code).toBe('PROXYTAPE_CLIENT_ABORTED');
    await within(closing, 2_000, 'the server to close once the request is gone');
  });
});
