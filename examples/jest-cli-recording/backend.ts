/**
 * A stand-in for the API your code calls, so the example runs anywhere (CI
 * included). In your project the proxy's --target is your real backend.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Backend {
  url: string;
  close(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  const users = [{ id: 1, name: 'Ann' }];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const send = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      };
      if (req.method === 'GET' && req.url === '/users') return send(200, users);
      if (req.method === 'POST' && req.url === '/users') return send(201, { id: users.length + 1, ...(JSON.parse(body) as object) });
      send(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
