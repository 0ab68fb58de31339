import { MODES, type Mode } from '../tape/modes.js';
import { COMMANDS, findCommand } from './commands.js';
import { type FlagSpec, GLOBAL_FLAGS, flagLabel } from './flags.js';
import { MODE_FLAGS } from './mode-options.js';

/**
 * The usage text: the overview of every mode, or one mode's usage when
 * `command` is given (`proxytape replay --help`). Ends with a newline.
 *
 * @example
 * ```ts
 * process.stdout.write(formatUsage('replay'));
 * ```
 */
export function formatUsage(command?: Mode): string {
  const spec = command === undefined ? undefined : findCommand(command);
  const lines: string[] = [];
  if (spec === undefined) {
    lines.push('proxytape - a recording reverse proxy for deterministic integration tests', '', 'Usage:');
    lines.push(`  proxytape [${MODES.join('|')}] [--target <url>] [options]`);
    lines.push('', 'Modes:');
    const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3;
    for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(width)}${c.summary}`);
    lines.push('  With no mode: PROXYTAPE_MODE if set, else replay when CI=true, else auto.');
    lines.push('', 'Commands:', `  ${'har'.padEnd(width)}Export fixtures to HAR 1.2, or import a HAR into fixtures (proxytape har --help)`);
  } else {
    lines.push('Usage:', `  proxytape ${spec.name} ${spec.synopsis}`, '', `${spec.summary}.`);
    if (spec.name === 'passthrough')
      lines.push('--fixtures, --cassette and --strict are accepted and ignored (nothing is recorded or replayed).');
  }
  lines.push('', 'Options:', ...flagLines(MODE_FLAGS));
  lines.push('', 'Global options:', ...flagLines(GLOBAL_FLAGS));
  const examples =
    spec === undefined ? [...COMMANDS.flatMap((c) => c.examples), 'PROXYTAPE_MODE=replay proxytape --port 0'] : spec.examples;
  lines.push('', 'Examples:', ...examples.map((e) => `  ${e}`));
  lines.push(
    '',
    'Exit codes: 0 success or graceful shutdown, 1 runtime failure (port in use, corrupt fixture,',
    '            --strict with a miss or an unused fixture), 2 invalid arguments,',
    '            130 second Ctrl+C/SIGTERM while draining.',
    'More: docs/cli.md (shipped with the package).',
  );
  return `${lines.join('\n')}\n`;
}

const MAX_WIDTH = 100;

function flagLines(flags: readonly FlagSpec[]): string[] {
  const width = Math.max(...[...MODE_FLAGS, ...GLOBAL_FLAGS].map((f) => flagLabel(f).length)) + 3;
  return flags.flatMap((flag) => {
    const line = `  ${flagLabel(flag).padEnd(width)}${flag.description}`;
    if (flag.defaultText === undefined) return [line];
    const suffix = `(default: ${flag.defaultText})`;
    // Keep lines readable in an 100-column terminal: a long default goes on its own line.
    return line.length + suffix.length < MAX_WIDTH ? [`${line} ${suffix}`] : [line, `${' '.repeat(width + 2)}${suffix}`];
  });
}
