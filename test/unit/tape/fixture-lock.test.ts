import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { lockPath, STALE_LOCK_MS, withFixtureLock } from '../../../src/tape/fixture-lock.js';

describe('withFixtureLock', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'proxytape-lock-'));
    file = path.join(dir, 'GET-a-12345678-0.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs commits on the same fixture one after the other, and removes its hidden lock file', async () => {
    const events: string[] = [];
    const commit = (name: string) => async () => {
      events.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      events.push(`${name} out`);
      return name;
    };
    await expect(Promise.all([withFixtureLock(file, commit('a')), withFixtureLock(file, commit('b'))])).resolves.toEqual(['a', 'b']);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(path.basename(lockPath(file))).toBe('.GET-a-12345678-0.json.lock');
    expect(await readdir(dir)).toEqual([]);
  });

  it('releases the lock when the commit fails', async () => {
    await expect(withFixtureLock(file, () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    await expect(withFixtureLock(file, async () => 'next')).resolves.toBe('next');
  });

  it('takes over a lock left by a process that is gone (a proxy killed mid-write)', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(lockPath(file), gone.stdout);
    await expect(withFixtureLock(file, async () => 'taken over')).resolves.toBe('taken over');
  });

  it('takes over a lock older than the stale limit, whoever holds it', async () => {
    await writeFile(lockPath(file), String(process.pid));
    const old = new Date(Date.now() - STALE_LOCK_MS - 1_000);
    await utimes(lockPath(file), old, old);
    await expect(withFixtureLock(file, async () => 'taken over')).resolves.toBe('taken over');
  });

  it('waits while a live process holds the lock', async () => {
    await writeFile(lockPath(file), String(process.pid));
    let done = false;
    const waiting = withFixtureLock(file, async () => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(done).toBe(false);
    await rm(lockPath(file));
    await waiting;
    expect(done).toBe(true);
  });
});
