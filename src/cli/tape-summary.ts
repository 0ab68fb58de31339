import type { TapeSummary } from '../tape/tape.js';
import { displayPath } from './display-path.js';
import { plural } from './messages.js';
import type { RequestStats } from './request-stats.js';

/** How many unused fixture paths the summary lists before "… and N more". */
export const UNUSED_LISTED = 10;

/** Options of {@link formatTapeSummary}. */
export interface TapeSummaryOptions {
  /** Unused fixture paths inside this directory are shown relative to it. @default process.cwd() */
  cwd?: string;
  /** How many unused fixtures to list (0: only count them). @default UNUSED_LISTED */
  listUnused?: number;
}

/**
 * The summary printed on stdout when a record/replay/auto proxy stops: one
 * line of counts, then the fixtures no request replayed (at most
 * `listUnused`, relative to `cwd`). Ends with a newline.
 *
 * @example
 * ```ts
 * formatTapeSummary({ mode: 'replay', recorded: 0, replayed: 3, missed: 1, proxied: 0, recordFailures: 0, unused: [] }, stats);
 * // 'proxytape stopped: 4 requests served (0 recorded, 3 replayed, 1 missed), 0 errors, 0 unused fixtures.\n'
 * ```
 */
export function formatTapeSummary(summary: TapeSummary, stats: RequestStats, options: TapeSummaryOptions = {}): string {
  const { cwd = process.cwd(), listUnused = UNUSED_LISTED } = options;
  const counts = `${summary.recorded} recorded, ${summary.replayed} replayed, ${summary.missed} missed`;
  const notWritten = summary.recordFailures > 0 ? `, ${plural(summary.recordFailures, 'fixture')} not written` : '';
  const unused = summary.unused.length;
  const lines = [
    `proxytape stopped: ${plural(stats.served, 'request')} served (${counts}), ${plural(stats.errors, 'error')}${notWritten}, ${unused} unused ${unused === 1 ? 'fixture' : 'fixtures'}.`,
  ];
  if (unused > 0 && listUnused > 0) {
    lines.push(`Unused fixtures (no request replayed them):`);
    lines.push(...summary.unused.slice(0, listUnused).map((file) => `  ${displayPath(file, cwd)}`));
    if (unused > listUnused) lines.push(`  … and ${unused - listUnused} more`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Why `--strict` fails the run, or undefined when it passes: a request missed
 * or a fixture of a cassette used in this run was never replayed.
 *
 * @example
 * ```ts
 * strictFailure({ …, missed: 1, unused: [] }); // '--strict: 1 request missed. Exiting with code 1.'
 * ```
 */
export function strictFailure(summary: TapeSummary): string | undefined {
  const reasons: string[] = [];
  if (summary.missed > 0) reasons.push(`${plural(summary.missed, 'request')} missed`);
  if (summary.unused.length > 0) reasons.push(`${plural(summary.unused.length, 'fixture')} unused`);
  if (reasons.length === 0) return undefined;
  return `--strict: ${reasons.join(' and ')}. Exiting with code 1.`;
}
