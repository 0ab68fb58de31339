/**
 * Reading what the matchers receive. Duck-typed on purpose: `instanceof Journal`
 * fails when the proxy and the matchers come from different module registries
 * (Jest's per-file registries, or dist/ vs src/).
 */
import type { JournalEntry } from '../../journal/journal.js';
import type { TapeSummary } from '../../tape/tape.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The journal entries of a RunningProxy, a Journal or an array of entries; undefined for anything else. */
export function journalEntries(received: unknown): readonly JournalEntry[] | undefined {
  if (Array.isArray(received)) return received as JournalEntry[];
  if (!isObject(received)) return undefined;
  const journal = isObject(received.journal) ? received.journal : received;
  const entries = journal.entries;
  return Array.isArray(entries) ? (entries as JournalEntry[]) : undefined;
}

/** The summary of a RunningProxy (`summary()`) or a TapeSummary itself (what `close()` resolves with). */
export function tapeSummary(received: unknown): TapeSummary | undefined {
  if (!isObject(received)) return undefined;
  if (typeof received.summary === 'function') return tapeSummary((received.summary as () => unknown).call(received));
  if (typeof received.missed === 'number' && Array.isArray(received.unused)) return received as unknown as TapeSummary;
  return undefined;
}

/** A forwarded request as the matchers compare it. */
export interface ForwardedView {
  entry: JournalEntry;
  method: string;
  url: string;
  path: string;
  cassette: string;
  /** Lower-case names; repeated headers joined with `, ` as HTTP allows. */
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON, else its text; undefined when there was none. */
  body: unknown;
}

/** The forwarded side of an entry, or undefined when the request failed before it was forwarded. */
export function forwardedView(entry: JournalEntry): ForwardedView | undefined {
  const f = entry.forwarded;
  if (f === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of f.headers) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return {
    entry,
    method: f.method,
    url: f.url,
    path: pathOf(f.url),
    cassette: entry.cassette,
    headers,
    body: f.body === undefined ? undefined : parseBody(f.body, headers['content-type']),
  };
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    // Not absolute (a journal from elsewhere): cut the query by hand.
    const q = url.search(/[?#]/);
    return q === -1 ? url : url.slice(0, q);
  }
}

/**
 * JSON when declared so, or when it looks like an object or array (fetch labels a
 * string body `text/plain` even when it is JSON.stringify output); scalars stay text
 * so a plain `"123"` body is not turned into a number.
 */
function parseBody(body: string, contentType: string | undefined): unknown {
  const declared = contentType !== undefined && /[/+]json\b/i.test(contentType);
  const trimmed = body.trimStart();
  if (declared || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      // Not JSON after all: compare the text.
    }
  }
  return body;
}

/** `#2 GET http://127.0.0.1:4000/users → 200 replayed, cassette "default"`: how messages name an entry. */
export function describeEntry(entry: JournalEntry): string {
  const method = entry.forwarded?.method ?? entry.method;
  const url = entry.forwarded?.url ?? entry.url;
  return `#${entry.id} ${method} ${url} → ${entry.status} ${entry.source}, cassette ${JSON.stringify(entry.cassette)}`;
}
