/**
 * installRelayCollector(): the hook the `proxytape` executable uses to pace minor GCs by the
 * bytes it streams to clients. Checked over real loopback sockets with a counting collector.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { installRelayCollector } from '../../../src/index.js';
import { createTestServer, type TestServer } from '../../helpers/http-test-server.js';
import { type ProxyServer, startProxyServer } from '../../helpers/proxy-server.js';

const MiB = 1024 * 1024;
let backend: TestServer | undefined;
let proxy: ProxyServer | undefined;

afterEach(async () => {
  installRelayCollector(undefined);
  await proxy?.close();
  await backend?.close();
  proxy = backend = undefined;
});

/** A backend streaming `size` bytes in 64 KiB writes, honouring backpressure. */
async function streamingBackend(size: number): Promise<TestServer> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  return createTestServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(size) });
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += part.length;
        if (!res.write(part)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
}

async function download(url: string): Promise<number> {
  const res = await fetch(url);
  let n = 0;
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) n += part.length;
  return n;
}

describe('installRelayCollector', () => {
  it('runs the collector once per everyBytes streamed to the client through the proxy', async () => {
    backend = await streamingBackend(8 * MiB);
    proxy = await startProxyServer({ target: backend.url });
    let runs = 0;
    installRelayCollector(() => runs++, MiB);
    expect(await download(`${proxy.url}/big`)).toBe(8 * MiB);
    expect(runs).toBe(8);
  });

  it('runs nothing once removed (the library default)', async () => {
    backend = await streamingBackend(4 * MiB);
    proxy = await startProxyServer({ target: backend.url });
    let runs = 0;
    installRelayCollector(() => runs++, MiB);
    installRelayCollector(undefined);
    expect(await download(`${proxy.url}/big`)).toBe(4 * MiB);
    expect(runs).toBe(0);
  });

  it('rejects a pace that is not a positive integer and a collector that is not a function, naming the option', () => {
    expect(() => installRelayCollector(() => undefined, 0)).toThrow('Invalid everyBytes: 0. Must be a positive integer number of bytes.');
    expect(() => installRelayCollector(() => undefined, 1.5)).toThrow(/Invalid everyBytes: 1\.5\./);
    expect(() => installRelayCollector('gc' as unknown as () => void)).toThrow(/Invalid collector: .*Must be a function/);
  });
});
