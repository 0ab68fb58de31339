/**
 * Write-behind for fixture files. Each recorded fixture's JSON is written atomically
 * (temp file in the same directory, optional fsync, rename), off the response path.
 *
 * Two ways, picked by load. While few writes are in flight (a test suite), each goes
 * through `fs/promises` at once and lands a fraction of a millisecond after the
 * response. When recordings arrive faster than that keeps up with (more than
 * {@link FixtureWriter.threadThreshold} writes in flight), a writer thread starts and
 * takes every later write: through `fs/promises` a fixture costs the event loop four
 * thread-pool round trips (open, write, close, rename) and their promise plumbing,
 * while the thread gets one message per event-loop turn, whatever the number of
 * fixtures finished in it, and makes plain synchronous syscalls. The thread costs
 * about 10 MB of memory, so light recording never starts it.
 *
 * Bounded: once {@link FixtureWriter.limitBytes} of JSON is waiting, `capacity()` makes
 * new recordings wait for the writer. `flush()` resolves when everything queued so far
 * is on disk (or failed).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fsyncDir, writeFileAtomic } from './atomic-write.js';
import { type WriteJob, type WriteResult, writerThread } from './fixture-writer-thread.js';
import { SlotTable } from '../util/slot-table.js';

/** Default bound of JSON waiting to be written (bytes). */
export const DEFAULT_WRITE_BEHIND_LIMIT = 64 * 1024 * 1024;

/** Writes in flight beyond which the writer thread takes over. */
export const DEFAULT_THREAD_THRESHOLD = 16;

/** A failed fixture write, with the errno code when there is one. */
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
  /** Handed to the thread (failed with it if it dies). */
  inThread: boolean;
  /** The job's unique number (see WriteJob.seq). */
  seq: number;
}

/**
 * Writes fixture files atomically, off the response path; on a writer thread once the
 * load calls for it (see the module comment). One per {@link FixtureStore}.
 *
 * @example
 * ```ts
 * const writer = new FixtureWriter();
 * await writer.write('/fixtures/default/api/GET-x-1a2b3c4d-0.json', json, false);
 * await writer.close();
 * ```
 */
export class FixtureWriter {
  /** Bytes of JSON allowed to wait before `capacity()` makes recordings wait. */
  readonly limitBytes: number;
  /** Writes in flight beyond which the writer thread takes over (it then keeps every later write). */
  readonly threadThreshold: number;
  #worker: Worker | undefined;
  #nextSeq = 0;
  #batch: WriteJob[] = [];
  #scheduled = false;
  /** Writes in flight; a job's id is its slot (see SlotTable on why not a Map). */
  readonly #waiting = new SlotTable<Waiter>();
  /** Writes handed to the thread and not settled yet. */
  #inThread = 0;
  /** Directories created by writes on this thread. */
  readonly #madeDirs = new Set<string>();
  #pendingBytes = 0;
  #capacityWaiters: Array<() => void> = [];
  #closed = false;
  /** The thread died unexpectedly: later writes stay on this thread. */
  #threadBroken = false;

  constructor(limitBytes = DEFAULT_WRITE_BEHIND_LIMIT, threadThreshold = DEFAULT_THREAD_THRESHOLD) {
    this.limitBytes = limitBytes;
    this.threadThreshold = threadThreshold;
  }

  /** Fixture writes queued or in progress. */
  get pending(): number {
    return this.#waiting.size;
  }

  /** Bytes of JSON queued or in progress. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Whether the writer thread is running. */
  get threaded(): boolean {
    return this.#worker !== undefined;
  }

  /** @internal For tests: the writer thread, while one runs. */
  get thread(): Worker | undefined {
    return this.#worker;
  }

  /**
   * Queues an atomic write of `text` to `file` (its directory is created). Resolves when
   * the file is in place; rejects with a {@link FixtureWriteError} (the temp file removed,
   * `file` untouched) when it could not be written.
   */
  write(file: string, text: string, durable: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new FixtureWriteError(`the fixture writer is closed; ${file} was not written`, undefined));
    const bytes = text.length;
    this.#pendingBytes += bytes;
    const seq = this.#nextSeq++;
    let waiter!: Waiter;
    const written = new Promise<void>((resolve, reject) => {
      waiter = { resolve, reject, bytes, inThread: false, seq };
    });
    const id = this.#waiting.add(waiter);
    const job: WriteJob = { id, seq, file, text, durable };
    if (this.#threadBroken || (this.#worker === undefined && this.#waiting.size <= this.threadThreshold)) {
      void this.#writeHere(job);
      return written;
    }
    waiter.inThread = true;
    this.#inThread++;
    this.#batch.push(job);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // One message per event-loop turn, whatever the number of fixtures finished in it.
      setImmediate(() => this.#send());
    }
    return written;
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

  /** A write through fs/promises from this thread (light load). */
  async #writeHere(job: WriteJob): Promise<void> {
    const dir = path.dirname(job.file);
    const attempt = async (): Promise<void> => {
      if (!this.#madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        this.#madeDirs.add(dir);
      }
      await writeFileAtomic(job.file, job.text, job.durable);
      // durable: the rename itself must survive a power loss too.
      if (job.durable) await fsyncDir(dir);
    };
    try {
      try {
        await attempt();
      } catch (err) {
        // The directory went away since it was created (a test suite cleaning up): make it again, once.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.#madeDirs.delete(dir);
        await attempt();
      }
      this.#settle([{ id: job.id, seq: job.seq }]);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.#settle([{ id: job.id, seq: job.seq, error: { message: e.message, ...(e.code !== undefined ? { code: e.code } : {}) } }]);
    }
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
    worker.on('error', (err) => this.#failThreaded(err));
    worker.on('exit', (code) => {
      if (this.#worker === worker) {
        this.#worker = undefined;
        this.#threadBroken = true;
        this.#failThreaded(new Error(`the fixture writer thread exited (code ${code})`));
      }
    });
    this.#worker = worker;
    return worker;
  }

  #settle(results: WriteResult[]): void {
    for (const result of results) {
      // A late answer for a job already failed with a dead thread: its slot may hold another job now.
      if (this.#waiting.get(result.id)?.seq !== result.seq) continue;
      const waiter = this.#waiting.delete(result.id)!;
      if (waiter.inThread) this.#inThread--;
      this.#pendingBytes -= waiter.bytes;
      if (result.error === undefined) waiter.resolve();
      else waiter.reject(new FixtureWriteError(result.error.message, result.error.code));
    }
    // An idle thread does not keep the process alive.
    if (this.#inThread === 0) this.#worker?.unref();
    this.#wake();
  }

  /** The thread died: every write handed to it fails (writes done here are unaffected). */
  #failThreaded(err: Error): void {
    const failure = new FixtureWriteError(err.message, (err as NodeJS.ErrnoException).code);
    const failed: Waiter[] = [];
    for (const [id, waiter] of this.#waiting.entries()) {
      if (!waiter.inThread) continue;
      this.#waiting.delete(id);
      this.#pendingBytes -= waiter.bytes;
      failed.push(waiter);
    }
    this.#inThread = 0;
    // Jobs not posted yet were among those failed: never send them to a replacement thread.
    this.#batch = [];
    for (const waiter of failed) waiter.reject(failure);
    this.#wake();
  }

  #wake(): void {
    if (this.#pendingBytes >= this.limitBytes && this.#waiting.size > 0) return;
    const waiters = this.#capacityWaiters;
    this.#capacityWaiters = [];
    for (const wake of waiters) wake();
  }
}
