/**
 * The body of the fixture writer thread (see fixture-writer.ts). It runs in a worker
 * started with `eval: true` from `writerThread.toString()`, so it is self-contained: no
 * imports at run time, only `require` of Node built-ins.
 */
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';

/** What the writer thread is asked to do for one file. */
export interface WriteJob {
  /** The writer's slot for this job (reused once the job settled). */
  id: number;
  /** Unique per job: a result is matched on both, so a late answer can never settle a later job in the same slot. */
  seq: number;
  file: string;
  text: string;
  durable: boolean;
}

/** What it answers per job: nothing (written) or the failure. */
export interface WriteResult {
  id: number;
  seq: number;
  error?: { message: string; code?: string };
}

/**
 * The writer thread: writes batches of fixtures with synchronous syscalls and answers
 * one message per batch. Temp names follow
 * `tempFileName()` (`.<base>.<pid>-<hex>.tmp`) so the index never reads them and a later
 * start deletes the ones whose writer died.
 */
/* c8 ignore start */
/* istanbul ignore next -- its source runs in the worker: coverage counters would not exist there */
export function writerThread(): void {
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
        results.push({ id: job.id, seq: job.seq });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        results.push({ id: job.id, seq: job.seq, error: { message: e.message, ...(e.code !== undefined ? { code: e.code } : {}) } });
      }
    }
    parentPort!.postMessage(results);
  });
}
/* c8 ignore stop */
