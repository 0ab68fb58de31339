import type { ParseArgsConfig } from 'node:util';

/** One command-line flag: drives both `parseArgs` and the usage text. */
export interface FlagSpec {
  /** Long name without the leading `--`. */
  readonly name: string;
  readonly type: 'string' | 'boolean';
  /** One-letter alias without the `-`. */
  readonly short?: string;
  /** Placeholder shown in the usage, e.g. `<url>` (string flags only). */
  readonly valueName?: string;
  readonly description: string;
  /** Shown in the usage as `(default: …)`. */
  readonly defaultText?: string;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', description: 'Show this help and exit' },
  { name: 'version', type: 'boolean', description: 'Print the proxytape version and exit' },
];

/** Values `parseArgs` returns for a flag list. */
export type FlagValues = Record<string, string | boolean | undefined>;

/** Converts flag specs into the `options` object of node:util `parseArgs`. */
export function toParseArgsOptions(flags: readonly FlagSpec[]): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const flag of flags) {
    options[flag.name] = flag.short === undefined ? { type: flag.type } : { type: flag.type, short: flag.short };
  }
  return options;
}

/** `--port <n>` or `-h, --help`: the left column of the usage text. */
export function flagLabel(flag: FlagSpec): string {
  const long = `--${flag.name}${flag.type === 'string' && flag.valueName ? ` ${flag.valueName}` : ''}`;
  return flag.short === undefined ? `    ${long}` : `-${flag.short}, ${long}`;
}
