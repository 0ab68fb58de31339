import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runtimeTuningEnabled } from '../../../src/cli/runtime-tuning.js';
import { hasRelayCollector, installRelayCollector, noteRelayed } from '../../../src/proxy/relay-gc.js';
import { REPO_ROOT } from '../../helpers/spawn-cli.js';

afterEach(() => installRelayCollector(undefined));

describe('relay-paced collections', () => {
  it('does nothing until a collector is installed', () => {
    expect(hasRelayCollector()).toBe(false);
    expect(() => noteRelayed(1 << 30)).not.toThrow();
  });

  it('runs the collector once per everyBytes relayed, counting across chunks', () => {
    let runs = 0;
    installRelayCollector(() => runs++, 100);
    for (let i = 0; i < 9; i++) noteRelayed(30); // 270 bytes: past 100 and past 200
    expect(runs).toBe(2);
    noteRelayed(30); // 300: past 300
    expect(runs).toBe(3);
    noteRelayed(250); // one big chunk: one collection, the rest carried over
    expect(runs).toBe(4);
    noteRelayed(50); // 600
    expect(runs).toBe(5);
    installRelayCollector(undefined);
    noteRelayed(1000);
    expect(runs).toBe(5);
  });
});

describe('runtimeTuningEnabled', () => {
  it('is on unless PROXYTAPE_V8_TUNING=off (any case, spaces around)', () => {
    expect(runtimeTuningEnabled({})).toBe(true);
    expect(runtimeTuningEnabled({ PROXYTAPE_V8_TUNING: 'on' })).toBe(true);
    expect(runtimeTuningEnabled({ PROXYTAPE_V8_TUNING: ' OFF ' })).toBe(false);
  });
});

describe('tuneRuntime (in a fresh Node process, as the executable calls it)', () => {
  function run(env: Record<string, string>): string {
    const tuning = pathToFileURL(path.join(REPO_ROOT, 'dist/cli/runtime-tuning.js')).href;
    const relay = pathToFileURL(path.join(REPO_ROOT, 'dist/proxy/relay-gc.js')).href;
    const script = `
      const { tuneRuntime } = await import(${JSON.stringify(tuning)});
      const { hasRelayCollector, noteRelayed } = await import(${JSON.stringify(relay)});
      const applied = tuneRuntime(${JSON.stringify(env)});
      // Relaying 64 MiB runs the collector 8 times; it must be V8's real gc (no throw).
      for (let i = 0; i < 1024; i++) noteRelayed(64 * 1024);
      process.stdout.write(JSON.stringify({ applied, installed: hasRelayCollector(), gcGlobal: typeof globalThis.gc }));
    `;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(out.stderr).toBe('');
    return out.stdout;
  }

  it("installs V8's minor collection, without exposing gc to the program's own global", () => {
    expect(JSON.parse(run({}))).toEqual({ applied: true, installed: true, gcGlobal: 'undefined' });
  });

  it('installs nothing with PROXYTAPE_V8_TUNING=off', () => {
    expect(JSON.parse(run({ PROXYTAPE_V8_TUNING: 'off' }))).toEqual({ applied: false, installed: false, gcGlobal: 'undefined' });
  });
});
