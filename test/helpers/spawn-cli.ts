import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is test/helpers/spawn-cli.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI; `npm test` builds first (pretest). */
export const CLI_PATH = path.join(REPO_ROOT, 'dist/cli/main.js');
/** The built `npm start` script. */
export const DEMO_START_PATH = path.join(REPO_ROOT, 'dist/demo/start.js');

/** How a spawned process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running child process with its output collected as it arrives. */
export interface SpawnedProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when `stream` output matches `pattern`; rejects on timeout or if the process exits first. */
  waitFor(pattern: RegExp, options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<RegExpMatchArray>;
  /** Waits for the "listening on http://…" line on stdout and returns that URL. */
  waitForUrl(timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  /** Waits for the exit, failing after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<ExitStatus>;
  kill(signal?: NodeJS.Signals): void;
}

/** Options of {@link spawnNode}. */
export interface SpawnOptions {
  /**
   * Extra environment variables. NO_COLOR=1 is always set; FORCE_COLOR, and the
   * mode selectors PROXYTAPE_MODE and CI, are removed unless given here, so the
   * child's mode does not depend on where the tests run (`.ci/run` sets CI=true).
   */
  env?: Record<string, string>;
}

const running = new Set<SpawnedProcess>();
const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Spawns `node <script> ...args` from the repository root, with colours off
 * so tests read plain text. Call {@link killAllSpawned} in `afterEach`.
 */
export function spawnNode(script: string, args: readonly string[], options: SpawnOptions = {}): SpawnedProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  delete env.PROXYTAPE_MODE;
  delete env.CI;
  Object.assign(env, options.env);
  // Jest's --experimental-vm-modules must not leak into the child.
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [script, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const check of [...waiters]) check();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
    notify();
  });
  let exitStatus: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    // 'close' (not 'exit'): all output has been read by then.
    child.once('close', (code, signal) => {
      exitStatus = { code, signal };
      running.delete(spawned);
      resolve(exitStatus);
      notify();
    });
    child.once('error', (error) => {
      output.stderr += `spawn failed: ${error.message}\n`;
    });
  });
  const describe = (): string => `\n--- stdout ---\n${output.stdout}\n--- stderr ---\n${output.stderr}`;

  const spawned: SpawnedProcess = {
    child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    exited,
    waitFor(pattern, { stream = 'stdout', timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${pattern} on ${stream}.${describe()}`));
        }, timeoutMs);
        const check = (): void => {
          const match = output[stream].match(pattern);
          if (match === null && exitStatus === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          if (match !== null) resolve(match);
          else reject(new Error(`Process exited (${JSON.stringify(exitStatus)}) before ${pattern} appeared on ${stream}.${describe()}`));
        };
        waiters.add(check);
        check();
      });
    },
    async waitForUrl(timeoutMs = DEFAULT_TIMEOUT_MS) {
      const match = await spawned.waitFor(/listening on (http:\/\/\S+)/, { timeoutMs });
      return match[1] as string;
    },
    waitForExit(timeoutMs = DEFAULT_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Process did not exit within ${timeoutMs} ms.${describe()}`)), timeoutMs);
        void exited.then((status) => {
          clearTimeout(timer);
          resolve(status);
        });
      });
    },
    kill(signal = 'SIGTERM') {
      if (exitStatus === undefined) child.kill(signal);
    },
  };
  running.add(spawned);
  return spawned;
}

/** Spawns the built `proxytape` CLI with `args`. */
export function spawnCli(args: readonly string[], options: SpawnOptions = {}): SpawnedProcess {
  return spawnNode(CLI_PATH, args, options);
}

/** Runs the CLI to completion (for --help, --version, bad arguments) and returns its exit code and output. */
export async function runCli(
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(args, options);
  const { code } = await cli.waitForExit(options.timeoutMs);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** Kills (SIGKILL) every process spawned by these helpers that is still running, and waits for them. */
export async function killAllSpawned(): Promise<void> {
  const left = [...running];
  for (const spawned of left) spawned.kill('SIGKILL');
  await Promise.all(left.map((spawned) => spawned.exited));
}
