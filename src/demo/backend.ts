import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainModule } from './is-main.js';
import { handleDemoRequest } from './routes.js';

/** Where {@link startDemoBackend} listens. */
export interface DemoBackendOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
}

/** A running demo backend. */
export interface DemoBackend {
  /** `http://host:port`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops listening, lets running responses finish (at most 2 s), then closes every connection. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 2_000;

/**
 * Starts the demo API (see `routes.ts`) on node:http. Used by `npm start`,
 * the CLI tests, and to record the shipped demo fixtures.
 *
 * @example
 * ```ts
 * const backend = await startDemoBackend({ host: '127.0.0.1', port: 0 });
 * await fetch(`${backend.url}/api/users`); // 200, three users
 * await backend.close();
 * ```
 */
export async function startDemoBackend(options: DemoBackendOptions = {}): Promise<DemoBackend> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer(handleDemoRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/** `node dist/demo/backend.js`: serve the demo API on PORT (default 3000) until Ctrl+C. */
async function main(): Promise<void> {
  const raw = process.env.PORT ?? '3000';
  const port = /^\d+$/.test(raw) && Number(raw) <= 65_535 ? Number(raw) : Number.NaN;
  if (Number.isNaN(port)) {
    process.stderr.write(
      `demo backend: invalid PORT ${JSON.stringify(raw)}: expected a port number from 0 to 65535 (0 picks a free port).\n`,
    );
    process.exit(2);
  }
  let backend: DemoBackend;
  try {
    backend = await startDemoBackend({ host: '127.0.0.1', port });
  } catch (error) {
    const inUse = (error as { code?: unknown }).code === 'EADDRINUSE';
    process.stderr.write(
      inUse
        ? `demo backend: port ${port} is already in use. Run with PORT=0 to pick a free port, or PORT=<n> to choose one.\n`
        : `demo backend: cannot listen on 127.0.0.1:${port}: ${(error as Error).message}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`proxytape demo backend listening on ${backend.url}\n`);
  const stop = (): void => {
    void backend.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (isMainModule(import.meta.url)) void main();
