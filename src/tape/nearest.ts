/**
 * A replay miss explains itself: the nearest recorded request and the fields
 * that differ, in a message that says how to fix it.
 */
import path from 'node:path';
import { type MatchBody, matchBody } from './match-body.js';
import { type MatchOptions, type MatchableRequest, matchHeaders, matchQuery } from './match.js';
import { diffBodies, diffPairs, pathDistance } from './nearest-diff.js';
import { formatQuery } from './query.js';
import { REDACTED, type Redactor, getDefaultRedactor } from './redact.js';
import type { Fixture } from './types.js';

/** Why a request found no fixture, for the 502 body and the log. */
export interface MissExplanation {
  /** The recorded fixture closest to the request; `undefined` when there was none to compare. */
  nearest: Fixture | undefined;
  /** Its file. */
  nearestPath: string | undefined;
  /** Fields that differ, live value first: `['path: /users/2 ≠ /users/1', 'query page: "3" ≠ "2"', 'body: $.name "Bob" ≠ "Ann"']`. */
  differences: string[];
}

/**
 * One fixture to compare with. `request` may be a function, called only for the few
 * candidates whose bodies are compared — so a miss in a large cassette does not load
 * every body (sidecars included).
 */
export interface MissCandidate {
  fixture: Fixture;
  path: string;
  request: MatchableRequest | (() => MatchableRequest);
}

/** At most this many candidates are compared: same method and path first, then same path, then same method. */
export const MAX_COMPARED_CANDIDATES = 500;
/** Bodies are compared for at most this many of the closest candidates. */
export const MAX_BODY_COMPARED = 50;

interface Scored {
  candidate: MissCandidate;
  order: number;
  /** 0–2: how many of method and path differ — weighs most. */
  mismatch: number;
  /** How many path segments differ. */
  distance: number;
  head: string[];
  bodyLines: string[];
  cost: number;
}

/**
 * Finds the recorded request nearest to `request` and lists what differs, comparing the
 * fields matching compares (with the same options: ignored query parameters and ignored
 * bodies are not differences). Nearest = same method and path first, then fewest differing
 * path segments, then fewest other differences; ties go to the earlier candidate. Values
 * shown are redacted with `redactor` (default: the default redactor) — pass the tape's.
 *
 * @example
 * ```ts
 * const explanation = explainMiss(live, [{ fixture, path: 'fixtures/default/GET-users-1.json', request: recorded }], {});
 * explanation.differences; // ['path: /users/2 ≠ /users/1']
 * ```
 */
export function explainMiss(
  request: MatchableRequest,
  candidates: readonly MissCandidate[],
  options: MatchOptions,
  redactor: Redactor = getDefaultRedactor(),
): MissExplanation {
  const method = request.method.toUpperCase();
  const buckets: MissCandidate[][] = [[], [], [], []];
  for (const candidate of candidates) {
    const samePath = candidate.fixture.request.path === request.path;
    const sameMethod = candidate.fixture.request.method.toUpperCase() === method;
    buckets[samePath ? (sameMethod ? 0 : 1) : sameMethod ? 2 : 3]!.push(candidate);
  }
  const compared = buckets.flat().slice(0, MAX_COMPARED_CANDIDATES);
  if (compared.length === 0) return { nearest: undefined, nearestPath: undefined, differences: [] };

  const liveQuery = matchQuery(request, options, redactor);
  const liveHeaders = flatten(matchHeaders(request, options, redactor));
  const scored: Scored[] = compared.map((candidate, order) => {
    const recorded = candidate.fixture.request;
    const head: string[] = [];
    const recordedMethod = recorded.method.toUpperCase();
    if (recordedMethod !== method) head.push(`method: ${method} ≠ ${recordedMethod}`);
    if (recorded.path !== request.path) head.push(`path: ${request.path} ≠ ${recorded.path}`);
    const mismatch = head.length;
    head.push(...diffPairs('query', liveQuery, matchQuery(recorded, options, redactor)));
    head.push(...diffPairs('header', liveHeaders, flatten(matchHeaders(recorded, options, redactor))));
    return {
      candidate,
      order,
      mismatch,
      distance: pathDistance(request.path, recorded.path),
      head,
      bodyLines: [],
      cost: head.length - mismatch,
    };
  });
  scored.sort(byCost);

  // Bodies cost a parse each: compare them only for the closest candidates by the other fields.
  let live: MatchBody | Error | undefined;
  for (const entry of scored.slice(0, MAX_BODY_COMPARED)) {
    live ??= attempt(() => matchBody(request, options, redactor));
    const recorded = attempt(() => {
      const req = entry.candidate.request;
      return matchBody(typeof req === 'function' ? req() : req, options, redactor);
    });
    if (live instanceof Error || recorded instanceof Error) {
      entry.bodyLines = [`body: not compared (${(live instanceof Error ? live : (recorded as Error)).message})`];
      continue;
    }
    const diff = diffBodies(live, recorded);
    entry.bodyLines = diff.lines;
    entry.cost += diff.count;
  }
  const best = scored.slice(0, MAX_BODY_COMPARED).sort(byCost)[0]!;
  const differences = [...best.head, ...best.bodyLines];
  if (differences.length === 0 && options.matcher) differences.push('matcher: the custom matcher did not accept this fixture');
  return { nearest: best.candidate.fixture, nearestPath: best.candidate.path, differences };
}

function byCost(a: Scored, b: Scored): number {
  return a.mismatch - b.mismatch || a.distance - b.distance || a.cost - b.cost || a.order - b.order;
}

function flatten(headers: [string, string[]][]): [string, string][] {
  return headers.flatMap(([name, values]) => values.map((value): [string, string] => [name, value]));
}

function attempt<T>(fn: () => T): T | Error {
  try {
    return fn();
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * The text of a replay miss (502 body and log line): what failed with method, URL, mode and
 * cassette; the nearest recorded request and its file; the differing fields; how to fix it.
 * The URL is redacted again here, so secrets never reach the message. A fixture path under
 * the working directory is shown relative to it.
 *
 * @example
 * ```ts
 * missMessage({ method: 'GET', url: '/users/2', mode: 'replay', cassette: 'default', explanation });
 * // Failed to replay GET /users/2 (mode: replay, cassette: default): no fixture matches.
 * // Nearest: GET /users/1 in fixtures/default/127.0.0.1/GET-users-1-3fa2c1d9-0.json
 * //   - path: /users/2 ≠ /users/1
 * // Record it with `proxytape record --target <url>` or run in `auto` mode to record missing requests.
 * ```
 */
export function missMessage(args: {
  method: string;
  url: string;
  mode: string;
  cassette: string;
  explanation: MissExplanation;
  redactor?: Redactor;
}): string {
  const redactor = args.redactor ?? getDefaultRedactor();
  const cassette = args.cassette === '' ? '(root)' : args.cassette;
  const head = `Failed to replay ${args.method.toUpperCase()} ${redactor.url(args.url)} (mode: ${args.mode}, cassette: ${cassette}): no fixture matches`;
  const record = 'Record it with `proxytape record --target <url>`';
  const auto = 'run in `auto` mode to record missing requests';
  const { nearest, nearestPath, differences } = args.explanation;
  if (nearest === undefined) return `${head} — cassette '${cassette}' has no fixtures.\n${record} or ${auto}.`;

  const query = redactor.query(nearest.request.query);
  const nearestUrl = `${nearest.request.path}${query.length > 0 ? `?${formatQuery(query)}` : ''}`;
  const lines = [
    `${head}.`,
    `Nearest: ${nearest.request.method.toUpperCase()} ${nearestUrl}${nearestPath ? ` in ${displayPath(nearestPath)}` : ''}`,
  ];
  if (differences.length === 0)
    lines.push('  - no difference in the compared fields (was the fixture recorded with other match options? re-record it)');
  for (const difference of differences) lines.push(`  - ${difference}`);
  const ignore = ignoreHint(differences);
  lines.push(ignore ? `${record}, ${auto}, or ignore the differing field (e.g. ${ignore}).` : `${record} or ${auto}.`);
  return lines.join('\n');
}

/**
 * The ignore option that would have hidden the first differing field, if one would. A query
 * parameter whose values differ comes before a secret one that is only present on one side.
 */
function ignoreHint(differences: readonly string[]): string | undefined {
  const queries = differences.filter((difference) => /^query .*?: /.test(difference));
  const query = queries.find((difference) => !difference.includes(REDACTED)) ?? queries[0];
  if (query !== undefined) return `--ignore-query ${/^query (.*?): /.exec(query)![1]}`;
  if (differences.some((d) => d.startsWith('header '))) return 'remove the header from the `headers` match option';
  if (differences.some((d) => d.startsWith('body'))) return '--ignore-body, or a `normalizeBody` match option';
  return undefined;
}

function displayPath(file: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
