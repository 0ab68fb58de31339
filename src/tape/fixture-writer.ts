/**
 * The fixture writer thread: the JSON of a recorded fixture is handed to a
 * background thread that writes it atomically (temp file in the same directory,
 * optional fsync, rename) with plain synchronous syscalls, in batches.
 *
 * Why a thread: through `fs/promises`, every fixture costs the event loop four
 * thread-pool round trips (open, write, close, rename) and their promise
 * plumbing. The writer thread takes all of that off the proxy's event loop: the
 * loop posts one message per turn, whatever the number of fixtures finished in it.
 *
 * A fixture is queued when its response body has been received, so its file lands
 * a fraction of a millisecond after the client's response ends on an idle machine.
 * Bounded: once {@link FixtureWriter.limitBytes} of JSON is
 * waiting, `capacity()` makes new recordings wait for the writer. `flush()` resolves
 * when everything queued so far is on disk.
 */
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import { Worker } from 'node:worker_threads';

/** What the writer thread is asked to do for one file. */
interface WriteJob {
  id: number;
  file: string;
  text: string;
  durable: boolean;
}

/** What it answers per job: nothing (written) or the failure. */
interface WriteResult {
  id: number;
  error?: { message: string; code?: string };
}

/** Default bound of JSON waiting to be written (bytes). */
export const DEFAULT_WRITE_BEHIND_LIMIT = 64 * 1024 * 1024;

/**
 * The body of the writer thread. It runs in a worker started with `eval: true`, so it
 * must be self-contained: no imports, only `require` of Node built-ins. Temp names follow
 * `tempFileName()` (`.<base>.<pid>-<hex>.tmp`) so the index never reads them and a later
 * start deletes the ones whose writer died.
 */
/* c8 ignore start */
function writerThread(): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- this function's source runs as a CommonJS eval worker */
  const fs = require('node:fs') as typeof Fs;
  const path = require('node:path') as typeof Path;
  const { parentPort, workerData } = require('node:worker_threads') as typeof WorkerThreads;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const pid = (workerData as { pid: number }).pid;
  const madeDirs = new Set<string>();
  let counter = 0;
  const writeOnce = (job: WriteJob): void => {
    const dir = path.dirname(job.file);
    if (!madeDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    const temp = path.join(dir, `.${path.basename(job.file)}.${pid}-${(counter++).toString(16)}.tmp`);
    try {
      const fd = fs.openSync(temp, 'wx');
      try {
        fs.writeSync(fd, job.text);
        if (job.durable) fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, job.file);
    } catch (err) {
      try {
        fs.unlinkSync(temp);
      } catch {
        // never created, or already gone
      }
      throw err;
    }
    if (job.durable) {
      try {
        const dfd = fs.openSync(dir, 'r');
        try {
          fs.fsyncSync(dfd);
        } finally {
          fs.closeSync(dfd);
        }
      } catch {
        // a directory fsync is a durability nicety (not supported everywhere)
      }
    }
  };
  parentPort!.on('message', (jobs: WriteJob[]) => {
    const results: WriteResult[] = [];
    for (const job of jobs) {
      try {
        try {
          writeOnce(job);
        } catch (err) {
          // The directory went away since it was created (a test suite cleaning up): make it again, once.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          madeDirs.delete(path.dirname(job.file));
          writeOnce(job);
        }
        results.push({ id: job.id });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        results.push({ id: job.id, error: { message: e.message, ...(e.code !== undefined ? { code: e.code } : {}) } });
      }
    }
    parentPort!.postMessage(results);
  });
}
/* c8 ignore stop */

/** A failed background write, with the errno code when there is one. */
export class FixtureWriteError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'FixtureWriteError';
    this.code = code;
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  bytes: number;
}

/**
 * Writes fixture files atomically on a background thread (see the module
 * comment). One per {@link FixtureStore}; the thread starts at the first write.
 *
 * @example
 * ```ts
 * const writer = new FixtureWriter();
 * await writer.write('/fixtures/default/api/GET-x-1a2b3c4d-0.json', json, false);
 * await writer.close();
 * ```
 */
export class FixtureWriter {
  /** Bytes of JSON allowed to wait for the thread before `capacity()` makes recordings wait. */
  readonly limitBytes: number;
  #worker: Worker | undefined;
  #nextId = 1;
  #batch: WriteJob[] = [];
  #scheduled = false;
  readonly #waiting = new Map<number, Waiter>();
  #pendingBytes = 0;
  #capacityWaiters: Array<() => void> = [];
  #closed = false;

  constructor(limitBytes = DEFAULT_WRITE_BEHIND_LIMIT) {
    this.limitBytes = limitBytes;
  }

  /** Fixture writes queued or in progress. */
  get pending(): number {
    return this.#waiting.size;
  }

  /** Bytes of JSON queued or in progress. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Queues an atomic write of `text` to `file` (its directory is created). Resolves when
   * the file is in place; rejects with a {@link FixtureWriteError} (the temp file removed,
   * `file` untouched) when it could not be written.
   */
  write(file: string, text: string, durable: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new FixtureWriteError(`the fixture writer is closed; ${file} was not written`, undefined));
    const id = this.#nextId++;
    const bytes = text.length;
    this.#pendingBytes += bytes;
    this.#batch.push({ id, file, text, durable });
    if (!this.#scheduled) {
      this.#scheduled = true;
      // One message per event-loop turn, whatever the number of fixtures finished in it.
      setImmediate(() => this.#send());
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject, bytes });
    });
  }

  /**
   * Starts the thread now rather than at the first write (which would otherwise wait for it
   * to boot, tens of milliseconds). The idle thread does not keep the process alive.
   */
  start(): void {
    if (this.#closed) return;
    const worker = this.#thread();
    if (this.#waiting.size === 0) worker.unref();
  }

  /** Resolves at once while less than `limitBytes` waits; otherwise when the writer has caught up below it. */
  capacity(): Promise<void> | undefined {
    if (this.#pendingBytes < this.limitBytes) return undefined;
    return new Promise<void>((resolve) => this.#capacityWaiters.push(resolve));
  }

  /** Resolves when every write queued so far has finished (written or failed). */
  async flush(): Promise<void> {
    while (this.#waiting.size > 0) {
      await new Promise<void>((resolve) => this.#capacityWaiters.push(resolve));
    }
  }

  /** Flushes, then stops the thread. Later writes are refused. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  #send(): void {
    this.#scheduled = false;
    const jobs = this.#batch;
    if (jobs.length === 0) return;
    this.#batch = [];
    const worker = this.#thread();
    worker.ref();
    worker.postMessage(jobs);
  }

  #thread(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(`(${writerThread.toString()})()`, { eval: true, workerData: { pid: process.pid } });
    worker.on('message', (results: WriteResult[]) => this.#settle(results));
    worker.on('error', (err) => this.#failAll(err));
    worker.on('exit', (code) => {
      if (this.#worker === worker) {
        this.#worker = undefined;
        this.#failAll(new Error(`the fixture writer thread exited (code ${code})`));
      }
    });
    this.#worker = worker;
    return worker;
  }

  #settle(results: WriteResult[]): void {
    for (const result of results) {
      const waiter = this.#waiting.get(result.id);
      if (waiter === undefined) continue;
      this.#waiting.delete(result.id);
      this.#pendingBytes -= waiter.bytes;
      if (result.error === undefined) waiter.resolve();
      else waiter.reject(new FixtureWriteError(result.error.message, result.error.code));
    }
    if (this.#waiting.size === 0) this.#worker?.unref();
    this.#wake();
  }

  #failAll(err: Error): void {
    const failure = new FixtureWriteError(err.message, (err as NodeJS.ErrnoException).code);
    for (const waiter of this.#waiting.values()) waiter.reject(failure);
    this.#waiting.clear();
    this.#pendingBytes = 0;
    this.#wake();
  }

  #wake(): void {
    if (this.#pendingBytes >= this.limitBytes && this.#waiting.size > 0) return;
    const waiters = this.#capacityWaiters;
    this.#capacityWaiters = [];
    for (const wake of waiters) wake();
  }
}
