/**
 * A bad command line: unknown command or flag, missing or invalid value. The
 * CLI prints `proxytape: <message>` and the usage, then exits with code 2.
 * Internal to the CLI (library code throws `ConfigError` from src/errors.ts).
 */
export class UsageError extends Error {
  /** The subcommand whose usage to show, when it is known. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** True for a {@link UsageError} (checked by name so it survives module registries). */
export function isUsageError(value: unknown): value is UsageError {
  return value instanceof Error && value.name === 'UsageError';
}
