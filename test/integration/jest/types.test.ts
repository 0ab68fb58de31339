import { afterAll, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, spawnNode } from '../../helpers/spawn-cli.js';

// The consumer files live inside the repository (its git-ignored .tmp/) because
// `proxytape/jest` must resolve through package.json "exports" to the built d.ts,
// exactly as in a user's project; os.tmpdir() has no node_modules to resolve from.
let dir: string | undefined;
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const GLOBALS_CONSUMER = `
import { expect } from '@jest/globals';
import type { RunningProxy } from 'proxytape';
import { setupProxytapeMatchers, useCassette } from 'proxytape/jest';

declare const proxy: RunningProxy;
setupProxytapeMatchers(expect);
expect(proxy).toHaveForwarded({ method: 'GET', headers: { authorization: expect.stringMatching(/^Bearer /) }, body: expect.objectContaining({ a: 1 }) });
expect(proxy).not.toHaveForwardedHeader('authorization');
expect(proxy).toHaveForwardedHeader('x-a', expect.any(String));
expect(proxy).toHaveReplayedAll();
void useCassette(proxy).fetch('/x');
// @ts-expect-error -- unknown field
expect(proxy).toHaveForwarded({ methd: 'GET' });
// @ts-expect-error -- a header name is a string
expect(proxy).toHaveForwardedHeader(1);
`;

const GLOBAL_EXPECT_CONSUMER = `
import type { RunningProxy } from 'proxytape';
import { setupProxytapeMatchers } from 'proxytape/jest';

declare const proxy: RunningProxy;
setupProxytapeMatchers(expect);
expect(proxy).toHaveForwarded({ path: '/users', headers: { authorization: expect.stringMatching(/^Bearer /) } });
expect(proxy).not.toHaveForwardedHeader('authorization');
// @ts-expect-error -- unknown field
expect(proxy).toHaveForwarded({ methd: 'GET' });
`;

/**
 * Runs tsc on `files` with the given `types` and returns its output (empty when they typecheck).
 * skipLibCheck, as most projects set it: the consumer files are still checked against our d.ts.
 */
async function typecheck(dir: string, name: string, files: string[], types: string[]): Promise<string> {
  const config = path.join(dir, `tsconfig.${name}.json`);
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    noEmit: true,
    types,
  };
  await writeFile(config, JSON.stringify({ compilerOptions, files }));
  const tsc = spawnNode(path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), ['-p', config]);
  await tsc.waitForExit(60_000);
  return tsc.stdout() + tsc.stderr();
}

test('the published types make the matchers typecheck on @jest/globals and on the @types/jest global expect', async () => {
  await mkdir(path.join(REPO_ROOT, '.tmp'), { recursive: true });
  dir = await mkdtemp(path.join(REPO_ROOT, '.tmp', 'jest-types-'));
  const globals = path.join(dir, 'globals-consumer.ts');
  const global = path.join(dir, 'global-expect-consumer.ts');
  const misspelt = path.join(dir, 'misspelt.ts');
  await writeFile(globals, GLOBALS_CONSUMER);
  await writeFile(global, GLOBAL_EXPECT_CONSUMER);
  await writeFile(misspelt, `${GLOBALS_CONSUMER}\nexpect(proxy).toHaveForwardedd({});\n`);
  const [withGlobals, withGlobalExpect] = await Promise.all([
    typecheck(dir, 'globals', [globals, misspelt], ['node']),
    typecheck(dir, 'global', [global], ['node', 'jest']),
  ]);
  // Only the misspelt matcher is an error (the @ts-expect-error lines would be errors if they compiled).
  expect(withGlobals.trim().split('\n')).toEqual([
    expect.stringMatching(/^.*misspelt\.ts\(\d+,\d+\): error TS2551: Property 'toHaveForwardedd' does not exist/),
  ]);
  expect(withGlobalExpect).toBe('');
}, 60_000);
