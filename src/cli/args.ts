import { parseArgs } from 'node:util';
import { isConfigError } from '../errors.js';
import { MODES, type Mode, resolveMode } from '../tape/modes.js';
import { findCommand } from './commands.js';
import { type FlagValues, GLOBAL_FLAGS, toParseArgsOptions } from './flags.js';
import { HAR_COMMAND, type HarInvocation, parseHarCommandLine } from './har-command.js';
import { MODE_FLAGS, type ModeOptions, type ModeSource, buildModeOptions } from './mode-options.js';
import { UsageError } from './usage-error.js';

/** What a command line asks for. */
export type CliInvocation =
  | { readonly kind: 'help'; readonly command?: Mode }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly options: ModeOptions }
  | HarInvocation;

/**
 * Parses `proxytape`'s arguments (without `node` and the script) with node:util
 * `parseArgs` in strict mode. The mode is the first argument when it names one;
 * otherwise `resolveMode()` picks it from `env` (PROXYTAPE_MODE, else replay
 * when CI=true, else auto). `--help`/`-h` and `--version` win over everything
 * else on the line. Throws {@link UsageError} with a one-line reason.
 *
 * @example
 * ```ts
 * parseCommandLine(['record', '--target', 'http://127.0.0.1:3000', '--port', '0'], {});
 * // { kind: 'run', options: { mode: 'record', modeSource: 'argument', target: URL, port: 0, fixtures: './fixtures', … } }
 * ```
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CliInvocation {
  const [first, ...rest] = argv;
  if (first === HAR_COMMAND) return parseHarCommandLine(rest);
  const known = first === undefined ? undefined : findCommand(first);
  const flags = argv.slice(0, indexOrLength(argv, '--'));
  if (flags.includes('--help') || flags.includes('-h')) {
    return known === undefined ? { kind: 'help' } : { kind: 'help', command: known.name };
  }
  if (flags.includes('--version')) return { kind: 'version' };

  if (known !== undefined) {
    return { kind: 'run', options: buildModeOptions(known.name, 'argument', parseFlags(rest, known.name)) };
  }
  if (first !== undefined && !first.startsWith('-')) {
    throw new UsageError(`Unknown mode '${first}'. Modes: ${MODES.join(', ')}.`);
  }
  const { mode, source } = modeFromEnvironment(env);
  return { kind: 'run', options: buildModeOptions(mode, source, parseFlags(argv, undefined)) };
}

/** No mode on the command line: the engine's `resolveMode()` picks one; say which rule did. */
function modeFromEnvironment(env: NodeJS.ProcessEnv): { mode: Mode; source: ModeSource } {
  let mode: Mode;
  try {
    mode = resolveMode(undefined, env);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    throw new UsageError(`${error.message} Or name the mode first, e.g. proxytape replay.`);
  }
  const source: ModeSource =
    env.PROXYTAPE_MODE !== undefined && env.PROXYTAPE_MODE !== '' ? 'PROXYTAPE_MODE' : mode === 'replay' ? 'CI' : 'default';
  return { mode, source };
}

function parseFlags(args: readonly string[], command: Mode | undefined): FlagValues {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: toParseArgsOptions([...MODE_FLAGS, ...GLOBAL_FLAGS]),
      strict: true,
      allowPositionals: false,
    });
    return values as FlagValues;
  } catch (error) {
    throw new UsageError(describeParseError(error, command), command);
  }
}

/** Turns node's multi-line parseArgs messages into one line that says how to fix the call. */
function describeParseError(error: unknown, command: Mode | undefined): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  const flag = quoted.split(' ')[0] ?? quoted;
  const name = command === undefined ? 'proxytape' : `proxytape ${command}`;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Unknown option '${flag}' for '${name}'. Run '${name} --help' for the list of options.`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return command === undefined
        ? `Unexpected argument '${quoted}': the mode (${MODES.join(', ')}) goes first, before the --options.`
        : `Unexpected argument '${quoted}': '${name}' takes only --options.`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (message.includes('does not take an argument')) return `Option '${flag}' does not take a value.`;
      if (message.includes('ambiguous')) {
        return `Option '${flag}' needs a value; to pass a value starting with '-', write ${flag}=<value>.`;
      }
      return `Option '${flag}' needs a value.`;
    default:
      return message.split('\n')[0] ?? message;
  }
}

function indexOrLength(list: readonly string[], item: string): number {
  const index = list.indexOf(item);
  return index === -1 ? list.length : index;
}
