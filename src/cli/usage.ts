import type { CommandSpec } from './command-spec.js';
import { COMMANDS, type CommandName, findCommand } from './commands.js';
import { type FlagSpec, GLOBAL_FLAGS, flagLabel } from './flags.js';

/**
 * The usage text: the overview of every command, or one command's usage when
 * `command` is given (`proxytape passthrough --help`). Ends with a newline.
 *
 * @example
 * ```ts
 * process.stdout.write(formatUsage('passthrough'));
 * ```
 */
export function formatUsage(command?: CommandName): string {
  const spec = command === undefined ? undefined : findCommand(command);
  const commands: readonly CommandSpec[] = spec === undefined ? COMMANDS : [spec];
  const lines: string[] = [];
  if (spec === undefined) {
    lines.push('proxytape - a recording reverse proxy for deterministic integration tests', '', 'Usage:');
    lines.push('  proxytape <command> [options]');
  } else {
    lines.push('Usage:');
  }
  for (const c of commands) lines.push(`  proxytape ${c.name} ${c.synopsis}`);
  if (spec === undefined) {
    lines.push('', 'Commands:');
    const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3;
    for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(width)}${c.summary}`);
  }
  for (const c of commands) lines.push('', `Options for ${c.name}:`, ...flagLines(c.flags));
  lines.push('', 'Global options:', ...flagLines(GLOBAL_FLAGS));
  lines.push('', 'Examples:', ...commands.flatMap((c) => c.examples.map((e) => `  ${e}`)));
  lines.push(
    '',
    'Exit codes: 0 success or graceful shutdown, 1 runtime failure (e.g. port in use),',
    '            2 invalid arguments, 130 second Ctrl+C/SIGTERM while draining.',
    'More: docs/cli.md (shipped with the package).',
  );
  return `${lines.join('\n')}\n`;
}

const MAX_WIDTH = 100;

function flagLines(flags: readonly FlagSpec[]): string[] {
  const width = Math.max(...flags.map((f) => flagLabel(f).length)) + 3;
  return flags.flatMap((flag) => {
    const line = `  ${flagLabel(flag).padEnd(width)}${flag.description}`;
    if (flag.defaultText === undefined) return [line];
    const suffix = `(default: ${flag.defaultText})`;
    // Keep lines readable in an 100-column terminal: a long default goes on its own line.
    return line.length + suffix.length < MAX_WIDTH ? [`${line} ${suffix}`] : [line, `${' '.repeat(width + 2)}${suffix}`];
  });
}
