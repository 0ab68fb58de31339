/**
 * `proxytape har export|import`: converts fixtures to HAR 1.2 and HAR files
 * (browser devtools, Polly.js) to fixtures. Parsing and usage live here; the
 * conversion is in src/har/ and is loaded only when the command runs.
 */
import { rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isProxytapeError } from '../errors.js';
import { validateCassette } from '../tape/cassette.js';
import { displayPath } from './display-path.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
import { type FlagSpec, GLOBAL_FLAGS, flagLabel, toParseArgsOptions } from './flags.js';
import { UsageError } from './usage-error.js';
import { readPackageVersion } from './version.js';

/** The command name, as `UsageError.command` carries it. */
export const HAR_COMMAND = 'har';

/** `proxytape har export --fixtures <dir> [--cassette <name>] [--out <file>]`. */
export interface HarExportCommand {
  action: 'export';
  fixtures: string;
  /** Only this cassette. @default every cassette */
  cassette?: string;
  /** Write here instead of stdout. */
  out?: string;
}

/** `proxytape har import <file.har> --fixtures <dir> [--cassette <name>]`. */
export interface HarImportCommand {
  action: 'import';
  /** The HAR file to read. */
  file: string;
  fixtures: string;
  /** Cassette for every entry. @default the entry's `_proxytape.cassette`, else 'default' */
  cassette?: string;
  /** Query parameters left out of the match key, as the replaying proxy's `--ignore-query`. @default [] */
  ignoreQuery: string[];
  /** Leave bodies out of the match key, as the replaying proxy's `--ignore-body`. @default false */
  ignoreBody: boolean;
}

/** Validated options of `proxytape har`. */
export type HarCommandOptions = HarExportCommand | HarImportCommand;

/** What a `proxytape har …` command line asks for. */
export type HarInvocation =
  { readonly kind: 'har-help' } | { readonly kind: 'version' } | { readonly kind: 'har'; readonly options: HarCommandOptions };

/** The flags of `proxytape har`; `--out` is export only, `--ignore-*` import only. */
export const HAR_FLAGS: readonly FlagSpec[] = [
  { name: 'fixtures', type: 'string', valueName: '<dir>', description: 'Fixture root directory (required)' },
  {
    name: 'cassette',
    type: 'string',
    valueName: '<name>',
    description: "export: only this cassette (default: all); import: write every entry to it (default: the entry's, else default)",
  },
  { name: 'out', type: 'string', valueName: '<file>', description: 'export: write the HAR to this file instead of stdout' },
  {
    name: 'ignore-query',
    type: 'string',
    valueName: '<names>',
    description: 'import: query parameters left out of matching, as the proxy is run with',
  },
  { name: 'ignore-body', type: 'boolean', description: 'import: match without request bodies, as the proxy is run with' },
];

/**
 * The usage of `proxytape har`. Ends with a newline.
 *
 * @example
 * ```ts
 * process.stdout.write(formatHarUsage());
 * ```
 */
export function formatHarUsage(): string {
  const width = Math.max(...[...HAR_FLAGS, ...GLOBAL_FLAGS].map((f) => flagLabel(f).length)) + 3;
  const flagLine = (flag: FlagSpec): string => `  ${flagLabel(flag).padEnd(width)}${flag.description}`;
  return `${[
    'Usage:',
    '  proxytape har export --fixtures <dir> [--cassette <name>] [--out <file>]',
    '  proxytape har import <file.har> --fixtures <dir> [--cassette <name>] [--ignore-query <names>] [--ignore-body]',
    '',
    'Convert fixtures to HAR 1.2 (opens in browser devtools), and HAR files from browser devtools',
    'or Polly.js to fixtures (redacted, ready to replay). Nothing is written if any entry is invalid.',
    '',
    'Options:',
    ...HAR_FLAGS.map(flagLine),
    '',
    'Global options:',
    ...GLOBAL_FLAGS.map(flagLine),
    '',
    'Examples:',
    '  proxytape har export --fixtures test/fixtures --cassette checkout --out checkout.har',
    '  proxytape har import app.example.com.har --fixtures test/fixtures --cassette from-browser',
    '',
    'Exit codes: 0 success, 1 unreadable or invalid HAR, corrupt fixture or failed write (nothing',
    '            written), 2 invalid arguments.',
    'More: docs/har.md (shipped with the package).',
  ].join('\n')}\n`;
}

function usage(message: string): UsageError {
  return new UsageError(message, HAR_COMMAND);
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = (/'([^']+)'/.exec(message)?.[1] ?? '').split(' ')[0] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return `Unknown option '${flag}' for 'proxytape har'. Run 'proxytape har --help' for the list of options.`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return message.includes('does not take an argument') ? `Option '${flag}' does not take a value.` : `Option '${flag}' needs a value.`;
  }
  return message.split('\n')[0] ?? message;
}

/**
 * Parses the arguments after `proxytape har`. Throws a `UsageError` (command `'har'`) naming
 * what is wrong.
 *
 * @example
 * ```ts
 * parseHarCommandLine(['import', 'app.har', '--fixtures', 'test/fixtures']);
 * // { kind: 'har', options: { action: 'import', file: 'app.har', fixtures: 'test/fixtures', ignoreQuery: [], ignoreBody: false } }
 * ```
 */
export function parseHarCommandLine(argv: readonly string[]): HarInvocation {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) return { kind: 'har-help' };
  if (flags.includes('--version')) return { kind: 'version' };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const result = parseArgs({ args: [...argv], options: toParseArgsOptions(HAR_FLAGS), strict: true, allowPositionals: true });
    // No flag is `multiple`: every value is a string or a boolean.
    parsed = { values: result.values as Record<string, string | boolean | undefined>, positionals: result.positionals };
  } catch (error) {
    throw usage(describeParseError(error));
  }
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  if (action === undefined) throw usage("Missing action: 'proxytape har export' or 'proxytape har import <file.har>'.");
  if (action !== 'export' && action !== 'import') throw usage(`Unknown action '${action}' for 'proxytape har'. Actions: export, import.`);
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const fixtures = text('fixtures');
  if (fixtures === undefined || fixtures.trim() === '') {
    throw usage(`Missing --fixtures: name the fixture root to ${action === 'export' ? 'read' : 'write'}, e.g. --fixtures test/fixtures.`);
  }
  const cassette = text('cassette');
  if (cassette !== undefined) {
    try {
      validateCassette(cassette);
    } catch (error) {
      throw usage(`${(error as Error).message} (check --cassette)`);
    }
  }
  if (action === 'export') {
    if (rest.length > 0) throw usage(`Unexpected argument '${rest[0]}': 'proxytape har export' takes only --options.`);
    for (const name of ['ignore-query', 'ignore-body']) {
      if (values[name] !== undefined) throw usage(`Option '--${name}' only applies to 'proxytape har import'.`);
    }
    const out = text('out');
    return {
      kind: 'har',
      options: { action, fixtures, ...(cassette === undefined ? {} : { cassette }), ...(out === undefined ? {} : { out }) },
    };
  }
  const [file, extra] = rest;
  if (file === undefined) throw usage("Missing the HAR file: 'proxytape har import <file.har> --fixtures <dir>'.");
  if (extra !== undefined) throw usage(`Unexpected argument '${extra}': 'proxytape har import' takes one HAR file.`);
  if (values.out !== undefined) throw usage("Option '--out' only applies to 'proxytape har export'.");
  const ignoreQuery = (text('ignore-query') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return {
    kind: 'har',
    options: {
      action,
      file,
      fixtures,
      ...(cassette === undefined ? {} : { cassette }),
      ignoreQuery,
      ignoreBody: values['ignore-body'] === true,
    },
  };
}

/** Where the command writes: data (the HAR, the import summary) on stdout, notes and errors on stderr. */
export interface HarIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** Writes and waits for a full buffer to drain, so `process.exit` right after cannot cut a large HAR short. */
async function writeAll(stream: HarIo['stdout'], text: string): Promise<void> {
  const flushed = stream.write(text);
  const emitter = stream as { once?: (event: string, fn: () => void) => unknown };
  if (flushed === false && typeof emitter.once === 'function') await new Promise<void>((resolve) => emitter.once?.('drain', resolve));
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

async function runExport(options: HarExportCommand, io: HarIo): Promise<ExitCode> {
  const { FixtureStore } = await import('../tape/store.js');
  const { fixturesToHar, serializeHar } = await import('../har/export.js');
  if (!(await isDirectory(options.fixtures))) {
    io.stderr.write(`proxytape: Cannot export: the fixtures directory ${options.fixtures} does not exist. Check --fixtures.\n`);
    return EXIT_CODES.FAILURE;
  }
  const store = await FixtureStore.open(options.fixtures);
  const fixtures = store.list(options.cassette);
  if (options.cassette !== undefined && fixtures.length === 0) {
    const known = [...new Set(store.list().map((s) => (s.cassette === '' ? "'' (root)" : s.cassette)))].sort();
    const hint = known.length === 0 ? 'it holds no fixtures' : `cassettes there: ${known.join(', ')}`;
    io.stderr.write(
      `proxytape: Cannot export: no fixtures in cassette ${options.cassette} under ${options.fixtures} (${hint}). Check --cassette.\n`,
    );
    return EXIT_CODES.FAILURE;
  }
  const text = serializeHar(fixturesToHar(fixtures, { root: store.root, version: readPackageVersion() }));
  const cassettes = [...new Set(fixtures.map((s) => s.cassette))].sort();
  const what = `${fixtures.length} fixture${fixtures.length === 1 ? '' : 's'} (cassette${cassettes.length === 1 ? '' : 's'}: ${cassettes.join(', ') || 'none'})`;
  if (options.out === undefined) {
    await writeAll(io.stdout, text);
    io.stderr.write(`proxytape: exported ${what} as HAR 1.2.\n`);
    return EXIT_CODES.OK;
  }
  // Temp file and rename: a reader never sees half a HAR, a failed export leaves the old file.
  const temp = path.join(path.dirname(options.out), `.${path.basename(options.out)}.${process.pid}.tmp`);
  await writeFile(temp, text);
  await rename(temp, options.out);
  io.stderr.write(`proxytape: exported ${what} to ${displayPath(path.resolve(options.out))}.\n`);
  return EXIT_CODES.OK;
}

async function runImport(options: HarImportCommand, io: HarIo): Promise<ExitCode> {
  const { readFile } = await import('node:fs/promises');
  const { parseHar } = await import('../har/validate.js');
  const { harToFixtures } = await import('../har/import.js');
  const { writeImportedFixtures } = await import('../har/write.js');
  const { FixtureStore } = await import('../tape/store.js');
  let text: string;
  try {
    text = await readFile(options.file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    io.stderr.write(`proxytape: Cannot import ${options.file}: ${why}. Check the HAR file path.\n`);
    return EXIT_CODES.FAILURE;
  }
  const match = {
    ...(options.ignoreQuery.length > 0 ? { ignoreQuery: options.ignoreQuery } : {}),
    ...(options.ignoreBody ? { ignoreBody: true } : {}),
  };
  // Everything is converted (and so validated) before the fixtures directory is even opened.
  const converted = harToFixtures(parseHar(text), { ...(options.cassette === undefined ? {} : { cassette: options.cassette }), match });
  for (const { index, reason } of converted.skipped) io.stderr.write(`proxytape: skipped log.entries[${index}]: ${reason}.\n`);
  const store = await FixtureStore.open(options.fixtures);
  const { written, removed } = await writeImportedFixtures(store, converted.fixtures).finally(() => store.close());
  for (const [i, file] of written.entries()) {
    const { request, response } = converted.fixtures[i]!.fixture;
    io.stderr.write(`imported ${request.method} ${request.path} ${response.status} ${displayPath(file)}\n`);
  }
  for (const file of removed) io.stderr.write(`removed ${displayPath(file)} (an older response of an imported request)\n`);
  const cassettes = [...new Set(converted.fixtures.map((f) => f.cassette || "'' (root)"))].sort();
  const skipped = converted.skipped.length === 0 ? '' : `, ${converted.skipped.length} skipped`;
  io.stdout.write(
    `proxytape har import: ${written.length} fixture${written.length === 1 ? '' : 's'} written to ${options.fixtures} (cassette${cassettes.length === 1 ? '' : 's'}: ${cassettes.join(', ') || 'none'})${skipped}.\n`,
  );
  return EXIT_CODES.OK;
}

/**
 * Runs `proxytape har export|import` and resolves with the exit code: 1 with a message on
 * stderr for an unreadable or invalid HAR (naming the entry and field), a corrupt fixture root
 * or a failed write (nothing of the import is kept).
 *
 * @example
 * ```ts
 * await runHarCommand({ action: 'export', fixtures: 'test/fixtures' }, { stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function runHarCommand(options: HarCommandOptions, io: HarIo): Promise<ExitCode> {
  const { isHarError } = await import('../har/har-error.js');
  try {
    return await (options.action === 'export' ? runExport(options, io) : runImport(options, io));
  } catch (error) {
    if (isHarError(error) && error.code === 'PROXYTAPE_HAR_INVALID' && options.action === 'import') {
      io.stderr.write(`proxytape: ${options.file}: ${error.message}. Nothing was written: fix or remove that entry, then import again.\n`);
      return EXIT_CODES.FAILURE;
    }
    if (isHarError(error) || isProxytapeError(error)) {
      io.stderr.write(`proxytape: ${error.message}\n`);
      return EXIT_CODES.FAILURE;
    }
    throw error;
  }
}
