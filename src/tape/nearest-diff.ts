/**
 * Field-by-field differences between a live request and a recorded one, as
 * short lines for people: `query page: "3" ≠ "2"`, `body: $.name "Bob" ≠ "Ann"`.
 * The live value comes first. Only redacted values are ever shown; bodies that
 * are not JSON or form fields are described by size, never by content.
 */
import { canonicalJson } from './canonical-json.js';
import type { MatchBody } from './match-body.js';
import { formatJsonPath } from './redact-json-path.js';

/** Body differences listed before the rest is summarised. */
export const MAX_BODY_DIFFERENCES = 5;
/** Structural body comparison stops after this many differences (bounded work on huge bodies). */
const BODY_DIFF_LIMIT = 50;
const ABSENT = '(absent)';
const MAX_SHOWN = 60;

/** A value for a difference line: JSON text, cut at 60 characters. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : canonicalJson(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/** Differences between two `[name, value]` lists, grouped by name (names in code-unit order). */
export function diffPairs(label: string, live: readonly [string, string][], recorded: readonly [string, string][]): string[] {
  const group = (pairs: readonly [string, string][]): Map<string, string[]> => {
    const map = new Map<string, string[]>();
    for (const [name, value] of pairs) map.set(name, [...(map.get(name) ?? []), value]);
    return map;
  };
  const a = group(live);
  const b = group(recorded);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: string[] = [];
  for (const name of names) {
    const left = a.get(name);
    const right = b.get(name);
    if (left !== undefined && right !== undefined && left.length === right.length && left.every((v, i) => v === right[i])) continue;
    const render = (values: string[] | undefined): string => (values === undefined ? ABSENT : values.map((v) => show(v)).join(', '));
    out.push(`${label} ${name}: ${render(left)} ≠ ${render(right)}`);
  }
  return out;
}

/** Differences between two bodies as matching sees them; `count` may exceed the lines listed. */
export function diffBodies(live: MatchBody, recorded: MatchBody): { lines: string[]; count: number } {
  if (live.kind === 'none' && recorded.kind === 'none') return { lines: [], count: 0 };
  if (live.kind === 'json' && recorded.kind === 'json') {
    const found: string[] = [];
    diffJson(live.value, recorded.value, [], found);
    return summarise(found.map((line) => `body: ${line}`));
  }
  if (live.kind === 'form' && recorded.kind === 'form') return summarise(diffPairs('body field', live.fields, recorded.fields));
  if (live.kind === 'bytes' && recorded.kind === 'bytes') {
    if (live.bytes.equals(recorded.bytes)) return { lines: [], count: 0 };
    return { lines: [`body: ${describeBytes(live.bytes, recorded.bytes)}`], count: 1 };
  }
  return { lines: [`body: ${describeBody(live)} ≠ ${describeBody(recorded)}`], count: 1 };
}

function summarise(lines: string[]): { lines: string[]; count: number } {
  if (lines.length <= MAX_BODY_DIFFERENCES) return { lines, count: lines.length };
  const more =
    lines.length >= BODY_DIFF_LIMIT ? `${BODY_DIFF_LIMIT - MAX_BODY_DIFFERENCES} or more` : `${lines.length - MAX_BODY_DIFFERENCES}`;
  return { lines: [...lines.slice(0, MAX_BODY_DIFFERENCES), `body: … and ${more} more differences`], count: lines.length };
}

function describeBody(body: MatchBody): string {
  switch (body.kind) {
    case 'none':
      return '(empty)';
    case 'json':
      return `JSON ${show(body.value)}`;
    case 'form':
      return `form with ${body.fields.length} field${body.fields.length === 1 ? '' : 's'}`;
    case 'bytes':
      return bytes(body.bytes.length);
  }
}

function bytes(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}

/** Sizes and the first differing offset — never the content, which may hold secrets. */
function describeBytes(a: Buffer, b: Buffer): string {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  const where = i < n ? ` (first difference at byte ${i})` : '';
  return `${bytes(a.length)} ≠ ${bytes(b.length)}${where}`;
}

function kindOf(value: unknown): 'array' | 'object' | 'scalar' {
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' && value !== null ? 'object' : 'scalar';
}

function diffJson(a: unknown, b: unknown, path: (string | number)[], out: string[]): void {
  if (out.length >= BODY_DIFF_LIMIT) return;
  const kind = kindOf(a);
  if (kind !== kindOf(b) || kind === 'scalar') {
    if (canonicalJson(a) !== canonicalJson(b)) out.push(`${formatJsonPath(path)} ${show(a)} ≠ ${show(b)}`);
    return;
  }
  if (kind === 'array') {
    const left = a as unknown[];
    const right = b as unknown[];
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      if (i >= left.length) out.push(`${formatJsonPath([...path, i])} ${ABSENT} ≠ ${show(right[i])}`);
      else if (i >= right.length) out.push(`${formatJsonPath([...path, i])} ${show(left[i])} ≠ ${ABSENT}`);
      else diffJson(left[i], right[i], [...path, i], out);
      if (out.length >= BODY_DIFF_LIMIT) return;
    }
    return;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const has = (o: Record<string, unknown>, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined;
  for (const key of [...new Set([...Object.keys(left), ...Object.keys(right)])].sort()) {
    if (!has(right, key)) {
      if (has(left, key)) out.push(`${formatJsonPath([...path, key])} ${show(left[key])} ≠ ${ABSENT}`);
    } else if (!has(left, key)) out.push(`${formatJsonPath([...path, key])} ${ABSENT} ≠ ${show(right[key])}`);
    else diffJson(left[key], right[key], [...path, key], out);
    if (out.length >= BODY_DIFF_LIMIT) return;
  }
}

/** How many `/` segments differ between two paths (a tie-breaker between recorded paths). */
export function pathDistance(a: string, b: string): number {
  if (a === b) return 0;
  const left = a.split('/');
  const right = b.split('/');
  let distance = Math.abs(left.length - right.length);
  for (let i = 0; i < Math.min(left.length, right.length); i++) if (left[i] !== right[i]) distance++;
  return distance;
}
