/**
 * Exit codes of the `proxytape` command. Stable: scripts and CI jobs branch on them.
 *
 * | code | meaning |
 * |---|---|
 * | 0   | success: `--help`, `--version`, or a graceful shutdown after SIGINT/SIGTERM |
 * | 1   | runtime failure: cannot listen (port in use, permission denied), a corrupt or unreadable fixture, `--strict` with a missed request or an unused fixture, unexpected error |
 * | 2   | usage error: unknown mode or flag, missing/invalid value (e.g. no `--target` outside replay), invalid proxy config |
 * | 130 | a second SIGINT/SIGTERM arrived while draining: exited without waiting |
 */
export const EXIT_CODES = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  INTERRUPTED: 130,
} as const;

/** One of the {@link EXIT_CODES} values. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
