import { readdir, readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { type TestServer, createTestServer } from '../../helpers/http-test-server.js';

/** Pretty-printed JSON with a trailing newline: replay must give back exactly these bytes. */
export const USERS_BODY = '{\n  "users": [\n    { "id": 1, "name": "Ann" },\n    { "id": 2, "name": "Bob" }\n  ],\n  "total": 2\n}\n';
/** Every byte value, then a pattern: no text encoding survives this by accident. */
export const BINARY_BODY = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from([0xff, 0x00, 0xfe, 0x0d, 0x0a]),
]);
/** Larger than the default inline limit (256 KiB): stored as a sidecar file, streamed on replay. */
export const BIG_BODY = Buffer.alloc(600 * 1024, 'proxytape-');
export const ACCESS_TOKEN = 'tok-SECRET-4d1f9';
export const COOKIE_SECRET = 's3ss10n-SECRET-77';

/** A loopback backend with the routes the undici tests use; `hits` lists what it was asked. */
export interface Backend extends TestServer {
  hits: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  /** Request bodies of /slow that the client abandoned (the server saw the connection close). */
  aborted: number;
}

export async function startBackend(): Promise<Backend> {
  let counter = 0;
  const backend = {} as Backend;
  backend.hits = [];
  backend.aborted = 0;
  const server = await createTestServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      backend.hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://backend');
      switch (url.pathname) {
        case '/users':
          res.setHeader('content-type', 'application/json; charset=utf-8');
          return void res.end(USERS_BODY);
        case '/binary':
          res.setHeader('content-type', 'application/octet-stream');
          return void res.end(BINARY_BODY);
        case '/big':
          res.setHeader('content-type', 'application/octet-stream');
          return void res.end(BIG_BODY);
        case '/counter':
          res.setHeader('content-type', 'text/plain');
          return void res.end(String(++counter));
        case '/secret':
          res.setHeader('set-cookie', `session=${COOKIE_SECRET}; Path=/; HttpOnly`);
          res.setHeader('content-type', 'application/json');
          return void res.end(JSON.stringify({ access_token: ACCESS_TOKEN, user: 'ann' }));
        case '/slow':
          // Half a body, then nothing: only an abort ends this request.
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first chunk\n');
          res.on('close', () => {
            if (!res.writableFinished) backend.aborted++;
          });
          return;
        default:
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, url: req.url, body }));
      }
    });
  });
  return Object.assign(backend, server);
}

/** Every file under `dir`, relative, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.relative(dir, path.join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

/** The fixture files' text, concatenated (to grep for secrets). */
export async function allFixtureText(dir: string): Promise<string> {
  const files = await filesUnder(dir);
  const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'latin1')));
  return texts.join('\n');
}
