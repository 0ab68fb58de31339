import { afterEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestServer } from '../../helpers/http-test-server.js';
import { REPO_ROOT, killAllSpawned, runCli } from '../../helpers/spawn-cli.js';

afterEach(killAllSpawned);

const TARGET = 'http://127.0.0.1:3000';

describe('proxytape --help and --version', () => {
  test('--help prints the usage of every command on stdout and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      /^proxytape - a recording reverse proxy for deterministic integration tests\n\nUsage:\n {2}proxytape <command> \[options\]\n/,
    );
    expect(stdout).toContain(
      '  proxytape passthrough --target <url> [--port <n>] [--host <addr>] [--preserve-host] [--upstream-timeout <ms>]\n',
    );
    expect(stdout).toContain('  passthrough   Forward every request to --target (nothing is recorded)\n');
    expect(stdout).toMatch(/--port <n> +Port to listen on; 0 picks a free port \(default: 8080\)/);
    expect(stdout).toMatch(/--host <addr> +Address to bind; 0\.0\.0\.0 listens on every interface\n +\(default: 127\.0\.0\.1\)/);
  });

  test('-h after a command prints that command usage and exits 0', async () => {
    const { code, stdout } = await runCli(['passthrough', '-h']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage:\n {2}proxytape passthrough --target <url>/);
    expect(stdout).not.toContain('Commands:');
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
    [[], 'Missing command. Commands: passthrough (e.g. proxytape passthrough --target http://127.0.0.1:3000).'],
    [['serve'], "Unknown command 'serve'. Commands: passthrough."],
    [
      ['--target', TARGET],
      `Missing command before '--target': options go after the command, e.g. proxytape passthrough --target ${TARGET}.`,
    ],
    [['passthrough'], 'Missing --target: pass the backend URL to forward to, e.g. --target http://127.0.0.1:3000.'],
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

  test('a target the proxy core rejects exits 2 with its message, pointing at --target', async () => {
    const { code, stderr } = await runCli(['passthrough', '--target', 'http://user:secret@127.0.0.1:3000', '--port', '0']);

    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      'proxytape: Invalid option `target`: credentials in the URL are not supported. Send an Authorization header from the client instead. (check --target)',
    );
    expect(stderr).toContain('\nUsage:\n');
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
