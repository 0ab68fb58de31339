import { afterEach, describe, expect, test } from '@jest/globals';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { fetchOnce } from '../../helpers/http-client.js';
import { createTestServer, type TestServer } from '../../helpers/http-test-server.js';
import { killAllSpawned, runCli, spawnCli } from '../../helpers/spawn-cli.js';
import { startTapeProxy } from '../../helpers/tape-proxy.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';
import { devtoolsHar, pollyHar } from '../../unit/har/samples.js';

const servers: TestServer[] = [];

afterEach(async () => {
  await killAllSpawned();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await removeTempDirs();
});

/** Every file under `dir` with its text, relative paths sorted. */
async function tree(dir: string): Promise<[string, string][]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(files.sort().map(async (file): Promise<[string, string]> => [path.relative(dir, file), await readFile(file, 'utf8')]));
}

async function writeHar(dir: string, name: string, har: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(har, null, 2));
  return file;
}

/** Starts `proxytape replay` on the fixtures and returns its URL. */
async function replay(fixtures: string, cassette = 'default'): Promise<string> {
  const cli = spawnCli(['replay', '--fixtures', fixtures, '--cassette', cassette, '--port', '0']);
  return cli.waitForUrl();
}

describe('proxytape har: usage', () => {
  test('har --help prints the har usage and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['har', '--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      /^Usage:\n {2}proxytape har export --fixtures <dir> \[--cassette <name>\] \[--out <file>\]\n {2}proxytape har import <file\.har> --fixtures <dir>/,
    );
  });

  test('the overview lists the har command', async () => {
    const { stdout } = await runCli(['--help']);
    expect(stdout).toContain(
      'Commands:\n  har           Export fixtures to HAR 1.2, or import a HAR into fixtures (proxytape har --help)\n',
    );
  });

  test.each([
    [['har'], "Missing action: 'proxytape har export' or 'proxytape har import <file.har>'."],
    [['har', 'convert'], "Unknown action 'convert' for 'proxytape har'. Actions: export, import."],
    [['har', 'export'], 'Missing --fixtures: name the fixture root to read, e.g. --fixtures test/fixtures.'],
    [['har', 'import', '--fixtures', 'x'], "Missing the HAR file: 'proxytape har import <file.har> --fixtures <dir>'."],
    [['har', 'import', 'a.har', '--fixtures', 'x', '--out', 'y'], "Option '--out' only applies to 'proxytape har export'."],
    [
      ['har', 'export', '--fixtures', 'x', '--bogus'],
      "Unknown option '--bogus' for 'proxytape har'. Run 'proxytape har --help' for the list of options.",
    ],
  ])('%j exits 2: %s', async (args, reason) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toBe(`proxytape: ${reason}`);
    expect(stderr).toContain('\n\nUsage:\n  proxytape har export');
  });
});

describe('proxytape har import', () => {
  test('a devtools HAR becomes redacted fixtures that replay through the proxy, gzip re-applied', async () => {
    const dir = await makeTempDir();
    const fixtures = path.join(dir, 'fixtures');
    const file = await writeHar(dir, 'app.har', devtoolsHar());

    const { code, stdout, stderr } = await runCli(['har', 'import', file, '--fixtures', fixtures]);
    expect(code).toBe(0);
    expect(stdout).toBe(`proxytape har import: 2 fixtures written to ${fixtures} (cassette: default), 1 skipped.\n`);
    expect(stderr).toMatch(
      /^proxytape: skipped log\.entries\[2\]: response\.status is 0 \(no response: the request failed, was blocked or cancelled\)\.\nimported GET \/v1\/users 200 .*\/default\/api\.example\.com\/GET-v1-users-[0-9a-f]{8}-0\.json\nimported POST \/v1\/login 201 .*\/POST-v1-login-[0-9a-f]{8}-0\.json\n$/,
    );
    const stored = (await tree(fixtures)).map(([, text]) => text).join('\n');
    for (const secret of ['live-secret', 'live-jwt', 'abc123', 'hunter2', 'correct-pw', 'new-session'])
      expect(stored).not.toContain(secret);

    const url = await replay(fixtures);
    const users = await fetchOnce(`${url}/v1/users?page=2&token=whatever`, { headers: { 'accept-encoding': 'gzip' } });
    expect(users.status).toBe(200);
    expect(users.headers['x-proxytape']).toBe('replayed');
    expect(users.headers['content-encoding']).toBe('gzip');
    expect(users.headers['set-cookie']).toEqual(['sid=[REDACTED]; Path=/; HttpOnly']);
    expect(JSON.parse(zlib.gunzipSync(users.body).toString('utf8'))).toEqual({
      users: [{ id: 1, name: 'Ada' }],
      password: '[REDACTED]',
      page: 2,
    });
    const login = await fetchOnce(`${url}/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"user":"ada","password":"any"}',
    });
    expect(login.status).toBe(201);
    expect(login.body).toEqual(Buffer.from('iVBORw==', 'base64'));
  });

  test('a Polly HAR replays repeated requests in recorded order', async () => {
    const dir = await makeTempDir();
    const fixtures = path.join(dir, 'fixtures');
    const file = await writeHar(dir, 'polly.har', pollyHar());
    expect((await runCli(['har', 'import', file, '--fixtures', fixtures, '--cassette', 'counter'])).code).toBe(0);

    const url = await replay(fixtures, 'counter');
    const bodies: string[] = [];
    for (let i = 0; i < 3; i++) bodies.push((await fetchOnce(`${url}/api/counter`)).body.toString());
    expect(bodies).toEqual(['{"count":1}', '{"count":2}', '{"count":3}']);
  });

  test('an invalid entry fails with exit 1, naming the entry and field, and writes nothing', async () => {
    const dir = await makeTempDir();
    const fixtures = path.join(dir, 'fixtures');
    const har = pollyHar() as { log: { entries: { request: Record<string, unknown> }[] } };
    delete har.log.entries[2]!.request.url;
    const file = await writeHar(dir, 'broken.har', har);

    const { code, stdout, stderr } = await runCli(['har', 'import', file, '--fixtures', fixtures]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `proxytape: ${file}: Invalid HAR: log.entries[2].request.url is missing. Nothing was written: fix or remove that entry, then import again.\n`,
    );
    await expect(stat(fixtures)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('a file that is not JSON, or missing, fails with exit 1', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'bad.har');
    await writeFile(file, '{"log": {"entries": [}');
    const bad = await runCli(['har', 'import', file, '--fixtures', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^proxytape: .*bad\.har: Invalid HAR: the file is not valid JSON \(line 1, column 22: .*\)\. Nothing was written/,
    );
    const missing = await runCli(['har', 'import', path.join(dir, 'nope.har'), '--fixtures', dir]);
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: `proxytape: Cannot import ${path.join(dir, 'nope.har')}: no such file. Check the HAR file path.\n`,
    });
  });
});

describe('proxytape har export', () => {
  test('a cassette that has no fixtures exits 1 and lists the cassettes there', async () => {
    const dir = await makeTempDir();
    const file = await writeHar(dir, 'polly.har', pollyHar());
    await runCli(['har', 'import', file, '--fixtures', dir, '--cassette', 'counter']);
    const { code, stdout, stderr } = await runCli(['har', 'export', '--fixtures', dir, '--cassette', 'countr']);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe(
      `proxytape: Cannot export: no fixtures in cassette countr under ${dir} (cassettes there: counter). Check --cassette.\n`,
    );
  });

  test('round trip: import(export(recorded fixtures)) replays identically, with the same match keys', async () => {
    const backend = await createTestServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/gz') {
          res.setHeader('content-type', 'application/json');
          res.setHeader('content-encoding', 'gzip');
          res.end(zlib.gzipSync('{"zipped":true,"token":"t0p"}'));
        } else if (req.url === '/bin') {
          res.setHeader('content-type', 'application/octet-stream');
          res.end(Buffer.from([0, 255, 1, 2]));
        } else {
          res.setHeader('content-type', 'text/plain');
          res.setHeader('x-served', String(Date.now() % 1));
          res.end(`${req.method} ${req.url} ${body}`);
        }
      });
    });
    servers.push(backend);
    const recorded = await makeTempDir();
    const requests: [string, { method?: string; headers?: Record<string, string>; body?: string }][] = [
      ['/gz', { headers: { 'accept-encoding': 'gzip' } }],
      ['/bin', {}],
      ['/echo?b=2&a=1&api_key=k', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"password":"pw","n":1}' }],
      ['/again', {}],
      ['/again', {}],
    ];
    const recorder = await startTapeProxy({ mode: 'record', target: backend.url, fixtures: recorded, cassette: 'trip' });
    for (const [target, options] of requests) await fetchOnce(`${recorder.url}${target}`, options);
    await recorder.close();

    const dir = await makeTempDir();
    const harFile = path.join(dir, 'trip.har');
    const exported = await runCli(['har', 'export', '--fixtures', recorded, '--out', harFile]);
    expect(exported).toEqual({
      code: 0,
      stdout: '',
      stderr: expect.stringMatching(/^proxytape: exported 5 fixtures \(cassette: trip\) to .*trip\.har\.\n$/),
    });
    const toStdout = await runCli(['har', 'export', '--fixtures', recorded]);
    expect(toStdout.stdout).toBe(await readFile(harFile, 'utf8'));
    const imported = path.join(dir, 'imported');
    expect((await runCli(['har', 'import', harFile, '--fixtures', imported])).code).toBe(0);

    // Same files, same bytes: same match keys, sequences, headers and bodies.
    expect(await tree(imported)).toEqual(await tree(recorded));
    const original = await startTapeProxy({ mode: 'replay', fixtures: recorded, cassette: 'trip' });
    const copy = await startTapeProxy({ mode: 'replay', fixtures: imported, cassette: 'trip' });
    try {
      for (const [target, options] of requests) {
        const [a, b] = [await fetchOnce(`${original.url}${target}`, options), await fetchOnce(`${copy.url}${target}`, options)];
        const headers = (h: typeof a.headers): unknown => ({ ...h, date: undefined });
        expect({ status: b.status, headers: headers(b.headers), body: b.body }).toEqual({
          status: a.status,
          headers: headers(a.headers),
          body: a.body,
        });
        expect(b.headers['x-proxytape']).toBe('replayed');
      }
    } finally {
      await original.close();
      await copy.close();
    }
  });
});
