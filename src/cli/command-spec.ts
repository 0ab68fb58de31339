import type { FlagSpec, FlagValues } from './flags.js';

/**
 * A `proxytape <command>`: its flags (for `parseArgs` and the usage text) and
 * `build`, which validates the parsed values into the command's typed options.
 * New modes (record, replay, auto) are added as new specs in `commands.ts`.
 */
export interface CommandSpec<Name extends string = string, Options = unknown> {
  readonly name: Name;
  /** One line for the commands list. */
  readonly summary: string;
  /** Arguments after the command name, e.g. `--target <url> [options]`. */
  readonly synopsis: string;
  readonly flags: readonly FlagSpec[];
  readonly examples: readonly string[];
  /** Validates parsed flag values; throws `UsageError` naming the flag and how to fix it. */
  build(values: FlagValues): Options;
}

/** What a command line asks for once its command's flags are validated. */
export interface CommandInvocation<Name extends string = string, Options = unknown> {
  readonly kind: 'run';
  readonly command: Name;
  readonly options: Options;
}
