import type http from 'node:http';
import { type TestServer, createTestServer } from './http-test-server.js';

/** What the echo backend saw of one request. */
export interface EchoedRequest {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

/** A backend that answers every request with JSON describing what it received, and records it. */
export async function createEchoBackend(): Promise<TestServer & { requests: EchoedRequest[]; last(): EchoedRequest }> {
  const requests: EchoedRequest[] = [];
  const server = await createTestServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: EchoedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('latin1'),
      };
      requests.push(seen);
      const body = JSON.stringify(seen);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return Object.assign(server, {
    requests,
    last: () => {
      const r = requests.at(-1);
      if (!r) throw new Error('the echo backend received no request');
      return r;
    },
  });
}

/** Header names (lower-cased) from a raw header list. */
export function headerNames(raw: readonly string[]): string[] {
  return raw.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
}

/** All values of a header (case-insensitive) from a raw header list. */
export function headerValues(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name.toLowerCase()) out.push(raw[i + 1]!);
  return out;
}
