/**
 * Runs the `proxytape` CLI as a child process for a test file, the way a CI job
 * or a docker-compose service would, and talks to it over HTTP only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface CliProxy {
  /** `http://127.0.0.1:<port>`: point your client's base URL here. */
  url: string;
  /** Everything the proxy printed so far (request log, shutdown summary). */
  output(): string;
  /** SIGTERM: the proxy drains, flushes fixtures and prints its summary; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `node_modules/proxytape/dist/cli/main.js` (what `npx proxytape` runs). */
function cliPath(): string {
  const pkg = createRequire(import.meta.url).resolve('proxytape/package.json');
  return path.join(path.dirname(pkg), 'dist/cli/main.js');
}

/** Starts `proxytape <args…> --port 0` and resolves once it prints the URL it listens on. */
export function startCliProxy(args: readonly string[], timeoutMs = 10_000): Promise<CliProxy> {
  const child: ChildProcess = spawn(process.execPath, [cliPath(), ...args, '--port', '0'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`proxytape did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      resolve({
        url: match[1]!,
        output: () => output,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`proxytape exited with ${code} before listening:\n${output}`));
    });
  });
}
