import http from 'node:http';
import os from 'node:os';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isConfigError } from '../../../src/errors.js';
import { type ProxytapeServer, createServer, isListenError } from '../../../src/server/index.js';

const hello: http.RequestListener = (_req, res) => res.end('hello world');

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      })
      .on('error', reject);
  });
}

const hasIPv6Loopback = Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.address === '::1'));

describe('createServer(): listening', () => {
  const started: ProxytapeServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });

  it('listens on an ephemeral port by default and reports the bound URL', async () => {
    const server = await createServer(hello);
    started.push(server);
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.server.listening).toBe(true);
    await expect(get(`${server.url}/`)).resolves.toEqual({ status: 200, body: 'hello world' });
  });

  (hasIPv6Loopback ? it : it.skip)('puts an IPv6 host in brackets in the URL', async () => {
    const server = await createServer(hello, { host: '::1' });
    started.push(server);
    expect(server.host).toBe('::1');
    expect(server.url).toBe(`http://[::1]:${server.port}`);
    await expect(get(`${server.url}/`)).resolves.toEqual({ status: 200, body: 'hello world' });
  });

  it('rejects with a message naming host:port when the port is taken', async () => {
    const first = await createServer(hello);
    started.push(first);
    const err = await createServer(hello, { port: first.port }).catch((e: unknown) => e);
    expect(isListenError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'PROXYTAPE_LISTEN_FAILED', syscode: 'EADDRINUSE' });
    expect((err as Error).message).toBe(
      `Cannot listen on 127.0.0.1:${first.port}: the address is already in use (EADDRINUSE). ` +
        'Stop the process using it, or pass `port: 0` to get a free ephemeral port.',
    );
  });
});

describe('createServer(): option validation', () => {
  it.each([
    [{ port: -1 }, 'port', 'Invalid option `port`: -1. Must be an integer from 0 to 65535.'],
    [{ port: 70_000 }, 'port', 'Invalid option `port`: 70000. Must be an integer from 0 to 65535.'],
    [{ port: '8080' }, 'port', "Invalid option `port`: '8080'. Must be an integer from 0 to 65535."],
    [
      { host: '' },
      'host',
      "Invalid option `host`: ''. Must be a non-empty IP address or host name, e.g. '127.0.0.1', '::1' or 'localhost'.",
    ],
    [
      { drainTimeout: 1.5 },
      'drainTimeout',
      'Invalid option `drainTimeout`: 1.5. Must be an integer number of milliseconds, 0 or more (0 destroys in-flight requests at once).',
    ],
    [{ prot: 80 }, 'prot', 'Unknown option `prot` for createServer(). Allowed options: host, port, drainTimeout.'],
    [null, 'options', 'Invalid options for createServer(): null. Must be an object with the keys host, port, drainTimeout.'],
  ])('rejects %j naming the option', async (options, option, message) => {
    const err = await createServer(hello, options as never).catch((e: unknown) => e);
    expect(isConfigError(err)).toBe(true);
    expect((err as { option: string }).option).toBe(option);
    expect((err as { code: string }).code).toBe('PROXYTAPE_INVALID_CONFIG');
    expect((err as Error).message).toBe(message);
  });

  it('rejects a listener that is not a function', async () => {
    await expect(createServer(undefined as never)).rejects.toThrow(
      'Invalid listener for createServer(): undefined. Must be a request listener function (req, res) => void.',
    );
  });
});
