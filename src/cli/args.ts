import { parseArgs } from 'node:util';
import type { CommandInvocation, CommandSpec } from './command-spec.js';
import { COMMANDS, type CommandName, findCommand } from './commands.js';
import { type FlagValues, GLOBAL_FLAGS, toParseArgsOptions } from './flags.js';
import { UsageError } from './usage-error.js';

type AnyCommand = (typeof COMMANDS)[number];
type OptionsOf<C> = C extends CommandSpec<string, infer O> ? O : never;

/** A validated run of one subcommand, e.g. `{ kind: 'run', command: 'passthrough', options }`. */
export type RunInvocation = {
  [N in CommandName]: CommandInvocation<N, OptionsOf<Extract<AnyCommand, { name: N }>>>;
}[CommandName];

/** What a command line asks for. */
export type CliInvocation = { readonly kind: 'help'; readonly command?: CommandName } | { readonly kind: 'version' } | RunInvocation;

/**
 * Parses `proxytape`'s arguments (without `node` and the script) with node:util
 * `parseArgs` in strict mode. `--help`/`-h` and `--version` win over everything
 * else on the line. Throws {@link UsageError} with a one-line reason.
 *
 * @example
 * ```ts
 * parseCommandLine(['passthrough', '--target', 'http://127.0.0.1:3000', '--port', '0']);
 * // { kind: 'run', command: 'passthrough', options: { target: URL, host: '127.0.0.1', port: 0, preserveHost: false } }
 * ```
 */
export function parseCommandLine(argv: readonly string[]): CliInvocation {
  const [first, ...rest] = argv;
  const known = first === undefined ? undefined : findCommand(first);
  const flags = argv.slice(0, indexOrLength(argv, '--'));
  if (flags.includes('--help') || flags.includes('-h')) {
    return known === undefined ? { kind: 'help' } : { kind: 'help', command: known.name as CommandName };
  }
  if (flags.includes('--version')) return { kind: 'version' };

  const names = COMMANDS.map((command) => command.name).join(', ');
  if (first === undefined) {
    throw new UsageError(`Missing command. Commands: ${names} (e.g. proxytape passthrough --target http://127.0.0.1:3000).`);
  }
  if (first.startsWith('-')) {
    throw new UsageError(`Missing command before '${first}': options go after the command, e.g. proxytape passthrough ${argv.join(' ')}.`);
  }
  if (known === undefined) {
    throw new UsageError(`Unknown command '${first}'. Commands: ${names}.`);
  }
  const values = parseFlags(known, rest);
  // `known` comes from COMMANDS, so its name and options line up.
  return { kind: 'run', command: known.name, options: known.build(values) } as RunInvocation;
}

function parseFlags(command: CommandSpec, args: string[]): FlagValues {
  try {
    const { values } = parseArgs({
      args,
      options: toParseArgsOptions([...command.flags, ...GLOBAL_FLAGS]),
      strict: true,
      allowPositionals: false,
    });
    return values as FlagValues;
  } catch (error) {
    throw new UsageError(describeParseError(error, command.name), command.name);
  }
}

/** Turns node's multi-line parseArgs messages into one line that says how to fix the call. */
function describeParseError(error: unknown, command: string): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  const flag = quoted.split(' ')[0] ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Unknown option '${flag}' for 'proxytape ${command}'. Run 'proxytape ${command} --help' for the list of options.`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `Unexpected argument '${quoted}': 'proxytape ${command}' takes only --options.`;
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
