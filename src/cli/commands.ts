import type { CommandSpec } from './command-spec.js';
import { passthroughCommand } from './passthrough-command.js';

/**
 * Every `proxytape` subcommand, in the order the usage lists them. A later
 * issue adds record, replay and auto here.
 */
export const COMMANDS = [passthroughCommand] as const;

/** Name of a known subcommand. */
export type CommandName = (typeof COMMANDS)[number]['name'];

/** Finds a subcommand by name. */
export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}
