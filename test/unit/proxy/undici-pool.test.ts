import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { Pool as UndiciPool } from 'undici';
import { Pool } from '../../../src/proxy/undici-pool.js';

describe('undici-pool', () => {
  it('loads a Pool that works like undici.Pool (same name, same dispatcher API)', async () => {
    expect(Pool.name).toBe(UndiciPool.name);
    const pool = new Pool('http://127.0.0.1:9');
    expect(typeof pool.dispatch).toBe('function');
    await pool.close();
  });

  it('is the very class undici exports as Pool, when both load in one Node process', () => {
    const script = `
      const { createRequire } = require('node:module');
      const req = createRequire(${JSON.stringify(`${process.cwd()}/package.json`)});
      const deep = req('undici/lib/dispatcher/pool.js');
      const { Pool } = req('undici');
      process.stdout.write(String(deep === Pool));
    `;
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('true');
  });
});
