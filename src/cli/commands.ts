import { MODES, type Mode } from '../tape/modes.js';
import type { CommandSpec } from './command-spec.js';
import { MODE_FLAGS } from './mode-options.js';

const SYNOPSIS_WITH_TARGET = '--target <url> [--fixtures <dir>] [--cassette <name>] [--port <n>] [--host <addr>] [--strict] [options]';

/**
 * Every `proxytape <mode>`, in the order the usage lists them (the order of `MODES`).
 * `satisfies` keeps this table in step with the mode list of the engine.
 */
const SPECS = {
  record: {
    name: 'record',
    summary: 'Forward every request to --target and record it (overwriting its fixture)',
    synopsis: SYNOPSIS_WITH_TARGET,
    flags: MODE_FLAGS,
    examples: ['proxytape record --target http://127.0.0.1:3000 --fixtures test/fixtures'],
  },
  replay: {
    name: 'replay',
    summary: 'Answer from the fixtures only, never touching the network (a miss answers 502)',
    synopsis: '[--fixtures <dir>] [--cassette <name>] [--port <n>] [--host <addr>] [--strict] [options]',
    flags: MODE_FLAGS,
    examples: ['proxytape replay --fixtures test/fixtures --port 0 --strict'],
  },
  auto: {
    name: 'auto',
    summary: 'Replay when a fixture matches, else forward to --target and record it',
    synopsis: SYNOPSIS_WITH_TARGET,
    flags: MODE_FLAGS,
    examples: ['proxytape auto --target https://api.example.com/v1 --cassette users'],
  },
  passthrough: {
    name: 'passthrough',
    summary: 'Forward every request to --target, recording nothing',
    synopsis: '--target <url> [--port <n>] [--host <addr>] [--preserve-host] [--upstream-timeout <ms>]',
    flags: MODE_FLAGS,
    examples: ['proxytape passthrough --target http://127.0.0.1:3000 --upstream-timeout 5000'],
  },
} as const satisfies Record<Mode, CommandSpec>;

/** Every mode's usage entry, in the order of `MODES`. */
export const COMMANDS: readonly CommandSpec[] = MODES.map((mode) => SPECS[mode]);

/** Finds a mode's usage entry by name. */
export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}
