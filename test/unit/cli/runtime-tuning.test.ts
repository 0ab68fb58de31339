import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { RUNTIME_TUNING_FLAGS, runtimeTuningFlags } from '../../../src/cli/runtime-tuning.js';
import { REPO_ROOT } from '../../helpers/spawn-cli.js';

describe('runtimeTuningFlags', () => {
  it('keeps the young generation from growing by default', () => {
    expect(runtimeTuningFlags({}, [])).toEqual(['--semi-space-growth-factor=1']);
    expect(RUNTIME_TUNING_FLAGS).toEqual(['--semi-space-growth-factor=1']);
  });

  it('applies nothing with PROXYTAPE_V8_TUNING=off (any case, spaces around)', () => {
    expect(runtimeTuningFlags({ PROXYTAPE_V8_TUNING: ' OFF ' }, [])).toEqual([]);
    expect(runtimeTuningFlags({ PROXYTAPE_V8_TUNING: 'on' }, [])).toEqual(RUNTIME_TUNING_FLAGS);
  });

  it('leaves a young generation sized by the user alone (command line or NODE_OPTIONS)', () => {
    expect(runtimeTuningFlags({}, ['--max-semi-space-size=8'])).toEqual([]);
    expect(runtimeTuningFlags({ NODE_OPTIONS: '--enable-source-maps --max_semi_space_size=2' }, [])).toEqual([]);
    expect(runtimeTuningFlags({ NODE_OPTIONS: '--enable-source-maps' }, ['--inspect'])).toEqual(RUNTIME_TUNING_FLAGS);
  });
});

describe('tuneRuntime', () => {
  /** New-space capacity (MB) after allocating survivors, in a fresh Node with or without the tuning. */
  function newSpaceAfterChurn(tuned: boolean): number {
    const module = pathToFileURL(path.join(REPO_ROOT, 'dist/cli/runtime-tuning.js')).href;
    const script = `
      import v8 from 'node:v8';
      const { tuneRuntime } = await import(${JSON.stringify(module)});
      if (${tuned}) tuneRuntime({}, []);
      let keep = [];
      for (let i = 0; i < 3e6; i++) { keep.push({ i }); if (keep.length > 100000) keep = []; }
      const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      process.stdout.write(String(space.space_size / 1e6));
    `;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(out.stderr).toBe('');
    return Number(out.stdout);
  }

  it('stops V8 growing the young generation in the process that calls it', () => {
    const untuned = newSpaceAfterChurn(false);
    const tuned = newSpaceAfterChurn(true);
    expect(untuned).toBeGreaterThan(4);
    expect(tuned).toBeLessThan(untuned / 2);
  });
});
