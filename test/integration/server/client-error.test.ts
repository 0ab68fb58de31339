import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type ProxytapeServer, createServer } from '../../../src/server/index.js';

/** Sends bytes on a fresh connection and resolves with everything the server sent until it closed. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

function get(url: string, agent: http.Agent | false = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      })
      .on('error', reject);
  });
}

function answer(status: string, body: string): string {
  return (
    `HTTP/1.1 ${status}\r\n` +
    'x-proxytape: error\r\n' +
    'x-proxytape-error: PROXYTAPE_BAD_REQUEST\r\n' +
    'content-type: text/plain; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'connection: close\r\n' +
    '\r\n' +
    body
  );
}

describe('createServer(): malformed requests', () => {
  let server: ProxytapeServer;
  beforeEach(async () => {
    server = await createServer((req, res) => res.end(`ok ${req.url}`));
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers garbage with 400 naming the parser error, closes that connection and keeps serving new ones', async () => {
    const reply = await rawExchange(server.port, 'hello world\r\n\r\n');
    expect(reply).toBe(
      answer(
        '400 Bad Request',
        '400 Bad Request: proxytape could not parse the request (HPE_INVALID_METHOD: Invalid method encountered). ' +
          'Check the client: the request line or headers are not valid HTTP/1.1.\n',
      ),
    );
    await expect(get(`${server.url}/after`)).resolves.toEqual({ status: 200, body: 'ok /after' });
  });

  it('answers an HTTP/1.1 request without Host with 400, marked x-proxytape: error', async () => {
    const reply = await rawExchange(server.port, 'GET /no-host HTTP/1.1\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toContain('\r\nx-proxytape: error\r\n');
    expect(reply).toContain('\r\nx-proxytape-error: PROXYTAPE_BAD_REQUEST\r\n');
    expect(reply).toContain('GET /no-host: an HTTP/1.1 request must have a Host header');
    await expect(get(`${server.url}/after`)).resolves.toEqual({ status: 200, body: 'ok /after' });
  });

  it('answers a request with two Host lines with 400 and never calls the listener', async () => {
    const seen: string[] = [];
    const strict = await createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('served');
    });
    try {
      const reply = await rawExchange(strict.port, 'GET /two-hosts HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n');
      expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(reply).toContain('\r\nx-proxytape-error: PROXYTAPE_BAD_REQUEST\r\n');
      expect(reply).toContain('GET /two-hosts: the request has 2 Host header lines; it must have exactly one');
      expect(seen).toEqual([]);
      // HTTP/1.0 too: the rule is about any request with more than one.
      const old = await rawExchange(strict.port, 'GET /old HTTP/1.0\r\nhost: a\r\nHOST: a\r\n\r\n');
      expect(old).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(seen).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('answers a request whose chunked body is malformed with 400, even though its handler started', async () => {
    const started: string[] = [];
    const reading = await createServer((req, res) => {
      started.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.end('read it all'));
    });
    try {
      const reply = await rawExchange(
        reading.port,
        'POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\nabc\r\n0\r\n\r\n',
      );
      expect(started).toEqual(['/upload']);
      expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(reply).toContain('\r\nx-proxytape-error: PROXYTAPE_BAD_REQUEST\r\n');
      expect(reply).toContain('HPE_INVALID_CHUNK_SIZE');
    } finally {
      await reading.close();
    }
  });

  it('keeps a keep-alive connection opened before the bad request working', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await expect(get(`${server.url}/one`, agent)).resolves.toEqual({ status: 200, body: 'ok /one' });
      await rawExchange(server.port, 'NOT HTTP AT ALL\r\n\r\n');
      await expect(get(`${server.url}/two`, agent)).resolves.toEqual({ status: 200, body: 'ok /two' });
    } finally {
      agent.destroy();
    }
  });

  it('answers an invalid Content-Length with 400 naming it', async () => {
    const reply = await rawExchange(server.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    expect(reply).toBe(
      answer(
        '400 Bad Request',
        '400 Bad Request: proxytape could not parse the request (HPE_INVALID_CONTENT_LENGTH: Invalid character in Content-Length). ' +
          'Check the client: the request line or headers are not valid HTTP/1.1.\n',
      ),
    );
  });

  it('answers oversized headers with 431', async () => {
    const reply = await rawExchange(server.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(reply).toBe(
      answer(
        '431 Request Header Fields Too Large',
        '431 Request Header Fields Too Large: the request headers are larger than the server accepts (HPE_HEADER_OVERFLOW: Header overflow). ' +
          'Send fewer or smaller headers, or raise the limit with `node --max-http-header-size`.\n',
      ),
    );
  });
});

describe('createServer(): listener failures', () => {
  it.each([
    [
      'throws',
      (): void => {
        throw new Error('listener exploded');
      },
    ],
    ['rejects', async (): Promise<void> => Promise.reject(new Error('listener exploded'))],
  ])('answers 500 naming the request when the listener %s', async (_how, listener) => {
    const server = await createServer(listener);
    try {
      const res = await new Promise<http.IncomingMessage & { text: string }>((resolve, reject) => {
        http
          .get(`${server.url}/boom?x=1`, { agent: false }, (r) => {
            let text = '';
            r.setEncoding('utf8');
            r.on('data', (c: string) => (text += c));
            r.on('end', () => resolve(Object.assign(r, { text })));
          })
          .on('error', reject);
      });
      expect(res.statusCode).toBe(500);
      expect(res.headers['x-proxytape']).toBe('error');
      expect(res.headers['x-proxytape-error']).toBe('PROXYTAPE_LISTENER_ERROR');
      expect(res.text).toBe(
        '500 Internal Server Error (PROXYTAPE_LISTENER_ERROR)\nFailed to handle GET /boom?x=1: the request listener threw (Error: listener exploded). ' +
          'Make the listener catch its errors and answer with an error response.\n',
      );
    } finally {
      await server.close();
    }
  });
});
