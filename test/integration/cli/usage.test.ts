import { afterEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTestServer } from '../../helpers/http-test-server.js';
import { REPO_ROOT, killAllSpawned, runCli, spawnCli } from '../../helpers/spawn-cli.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';

afterEach(async () => {
  await killAllSpawned();
  await removeTempDirs();
});

const TARGET = 'http://127.0.0.1:3000';

describe('proxytape --help and --version', () => {
  test('--help prints the usage of every mode on stdout and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      /^proxytape - a recording reverse proxy for deterministic integration tests\n\nUsage:\n {2}proxytape \[record\|replay\|auto\|passthrough\] \[--target <url>\] \[options\]\n/,
    );
    expect(stdout).toContain(
      [
        'Modes:',
        '  record        Forward every request to --target and record it (overwriting its fixture)',
        '  replay        Answer from the fixtures only, never touching the network (a miss answers 502)',
        '  auto          Replay when a fixture matches, else forward to --target and record it',
        '  passthrough   Forward every request to --target, recording nothing',
        '  With no mode: PROXYTAPE_MODE if set, else replay when CI=true, else auto.',
      ].join('\n'),
    );
    expect(stdout).toMatch(/--target <url> +Backend base URL, http:\/\/ or https:\/\/; required except in replay\n/);
    expect(stdout).toMatch(/--fixtures <dir> +Fixture root directory \(default: \.\/fixtures\)\n/);
    expect(stdout).toMatch(/--cassette <name> +Cassette \(sub-directory\) unless x-proxytape-cassette names one\n +\(default: default\)/);
    expect(stdout).toMatch(/--port <n> +Port to listen on; 0 picks a free port \(default: 8080\)/);
    expect(stdout).toMatch(/--host <addr> +Address to bind; 0\.0\.0\.0 listens on every interface\n +\(default: 127\.0\.0\.1\)/);
    expect(stdout).toMatch(/--strict +At shutdown, exit 1 if a request missed or a fixture went unused\n/);
  });

  test('-h after a mode prints that mode usage and exits 0', async () => {
    const { code, stdout } = await runCli(['replay', '-h']);

    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Usage:\n {2}proxytape replay \[--fixtures <dir>\] \[--cassette <name>\] \[--port <n>\] \[--host <addr>\] \[--strict\] \[options\]\n\nAnswer from the fixtures only/,
    );
    expect(stdout).not.toContain('Modes:');
  });

  test('--help wins over other, even invalid, arguments', async () => {
    const { code, stdout } = await runCli(['passthrough', '--bogus', '--help']);

    expect(code).toBe(0);
    expect(stdout).toContain('Usage:');
  });

  test('--version prints the version from package.json and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

    const { code, stdout, stderr } = await runCli(['--version']);

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(`${pkg.version}\n`);
  });
});

describe('proxytape with bad arguments', () => {
  test.each([
    [
      [],
      'Missing --target: no mode was given, so proxytape runs in auto mode (the default without PROXYTAPE_MODE or CI=true), which forwards requests to the backend; pass its URL, e.g. --target http://127.0.0.1:3000 (only replay works without one).',
    ],
    [['serve'], "Unknown mode 'serve'. Modes: record, replay, auto, passthrough."],
    [['replay', 'record'], "Unexpected argument 'record': 'proxytape replay' takes only --options."],
    [
      ['--port', '0', 'record'],
      "Unexpected argument 'record': the mode (record, replay, auto, passthrough) goes first, before the --options.",
    ],
    [
      ['record'],
      'Missing --target: record mode forwards requests to the backend; pass its URL, e.g. --target http://127.0.0.1:3000 (only replay works without one).',
    ],
    [
      ['auto', '--fixtures', 'f'],
      'Missing --target: auto mode forwards requests to the backend; pass its URL, e.g. --target http://127.0.0.1:3000 (only replay works without one).',
    ],
    [
      ['passthrough'],
      'Missing --target: passthrough mode forwards requests to the backend; pass its URL, e.g. --target http://127.0.0.1:3000 (only replay works without one).',
    ],
    [['replay', '--fixtures', ''], 'Invalid --fixtures "": expected a directory, e.g. --fixtures test/fixtures.'],
    [['replay', '--strict=yes'], "Option '--strict' does not take a value."],
    [
      ['passthrough', '--target', TARGET, '--verbose'],
      "Unknown option '--verbose' for 'proxytape passthrough'. Run 'proxytape passthrough --help' for the list of options.",
    ],
    [['passthrough', '--target'], "Option '--target' needs a value."],
    [
      ['passthrough', '--target', 'localhost:3000'],
      'Invalid --target "localhost:3000": not an absolute URL (no http:// or https://). Did you mean --target http://localhost:3000?',
    ],
    [
      ['passthrough', '--target', 'ftp://files.example.com'],
      'Invalid --target "ftp://files.example.com": the ftp: scheme is not supported. Use an http:// or https:// URL, e.g. --target http://127.0.0.1:3000.',
    ],
    [
      ['passthrough', '--target', TARGET, '--port', 'http'],
      'Invalid --port "http": expected a port number from 0 to 65535 (0 picks a free port).',
    ],
    [
      ['passthrough', '--target', TARGET, '--port=-1'],
      'Invalid --port "-1": expected a port number from 0 to 65535 (0 picks a free port).',
    ],
    [
      ['passthrough', '--target', TARGET, '--port', '70000'],
      'Invalid --port "70000": expected a port number from 0 to 65535 (0 picks a free port).',
    ],
    [
      ['passthrough', '--target', TARGET, '--port', '-1'],
      "Option '--port' needs a value; to pass a value starting with '-', write --port=<value>.",
    ],
    [
      ['passthrough', '--target', TARGET, '--upstream-timeout', '2s'],
      'Invalid --upstream-timeout "2s": expected a whole number of milliseconds >= 0 (0 disables the timeout), e.g. --upstream-timeout 5000.',
    ],
    [['passthrough', '--target', TARGET, '--preserve-host=yes'], "Option '--preserve-host' does not take a value."],
    [['passthrough', 'now', '--target', TARGET], "Unexpected argument 'now': 'proxytape passthrough' takes only --options."],
  ])('proxytape %j exits 2 with the reason and the usage on stderr', async (args, reason) => {
    const { code, stdout, stderr } = await runCli(args);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^proxytape: .*\n\n(proxytape - .*\n\n)?Usage:\n/);
    expect(stderr.split('\n')[0]).toBe(`proxytape: ${reason}`);
  });

  test('an unknown PROXYTAPE_MODE exits 2 naming the valid modes', async () => {
    const { code, stderr } = await runCli(['--port', '0'], { env: { PROXYTAPE_MODE: 'playback' } });

    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      'proxytape: Invalid environment variable PROXYTAPE_MODE: "playback". Must be one of: record, replay, auto, passthrough. Or name the mode first, e.g. proxytape replay.',
    );
    expect(stderr).toContain('\nUsage:\n');
  });

  test('CI=true without PROXYTAPE_MODE and PROXYTAPE_MODE without a mode argument still ask for --target outside replay', async () => {
    const { code, stderr } = await runCli([], { env: { PROXYTAPE_MODE: 'record' } });

    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      'proxytape: Missing --target: no mode was given, so proxytape runs in record mode (from PROXYTAPE_MODE), which forwards requests to the backend; pass its URL, e.g. --target http://127.0.0.1:3000 (only replay works without one).',
    );
  });

  test('an invalid --cassette exits 2 with the engine message, pointing at --cassette', async () => {
    const fixtures = await makeTempDir();
    const { code, stderr } = await runCli(['replay', '--fixtures', fixtures, '--cassette', '../escape', '--port', '0']);

    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      'proxytape: Invalid option `cassette`: Invalid cassette name "../escape": it has a ".." segment. Use segments of letters, digits, `.`, `_` and `-` joined by `/` (no `..`, no leading `/`, no empty segment). (check --cassette)',
    );
    expect(stderr).toContain('\nUsage:\n  proxytape replay ');
  });

  test('a target the proxy core rejects exits 2 with its message, pointing at --target', async () => {
    const { code, stderr } = await runCli(['passthrough', '--target', 'http://user:secret@127.0.0.1:3000', '--port', '0']);

    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      'proxytape: Invalid option `target`: credentials in the URL are not supported. Send an Authorization header from the client instead. (check --target)',
    );
    expect(stderr).toContain('\nUsage:\n');
  });

  test('a corrupt fixture exits 1 naming its path and the parse error', async () => {
    const fixtures = await makeTempDir();
    const file = path.join(fixtures, 'default', '127.0.0.1', 'GET-users-0123abcd-0.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{ "version": 1, "match": ');

    const { code, stdout, stderr } = await runCli(['replay', '--fixtures', fixtures, '--port', '0']);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^proxytape: Cannot load fixture ${file.replace(/[.]/g, '\\.')}: JSON parse error .*\n$`));
  });

  test('a port already in use exits 1 and says how to pick another', async () => {
    const taken = await createTestServer((_req, res) => res.end());
    try {
      const { code, stdout, stderr } = await runCli(['passthrough', '--target', TARGET, '--port', String(taken.port)]);

      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `proxytape: Cannot listen on 127.0.0.1:${taken.port}: the port is already in use. Stop the process using it, or choose another port with --port <n> (--port 0 picks a free one).\n`,
      );
    } finally {
      await taken.close();
    }
  });
});

describe('proxytape without a mode', () => {
  test('CI=true picks replay, says so on stderr, and needs no --target', async () => {
    const fixtures = await makeTempDir();
    const cli = spawnCli(['--fixtures', fixtures, '--port', '0'], { env: { CI: 'true' } });

    const url = await cli.waitForUrl();

    expect(cli.stdout()).toBe(`proxytape replay listening on ${url} (fixtures: ${fixtures}, cassette: default)\n`);
    expect(cli.stderr()).toBe('proxytape: no mode given, running in replay mode (because CI=true).\n');
  });

  test('CI=1 picks replay too, and the note says CI=1', async () => {
    const fixtures = await makeTempDir();
    const cli = spawnCli(['--fixtures', fixtures, '--port', '0'], { env: { CI: '1' } });

    await cli.waitForUrl();

    expect(cli.stderr()).toBe('proxytape: no mode given, running in replay mode (because CI=1).\n');
  });

  test('PROXYTAPE_MODE wins over CI=true', async () => {
    const cli = spawnCli(['--target', TARGET, '--port', '0'], { env: { CI: 'true', PROXYTAPE_MODE: 'passthrough' } });

    const url = await cli.waitForUrl();

    expect(cli.stdout()).toBe(`proxytape passthrough listening on ${url} → ${TARGET}\n`);
    expect(cli.stderr()).toBe('proxytape: no mode given, running in passthrough mode (from PROXYTAPE_MODE).\n');
  });
});
