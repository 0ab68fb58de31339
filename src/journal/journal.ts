import type { ProxyEvent } from '../proxy/handler.js';
import type { RawHeaders } from '../proxy/headers-util.js';
import type { ProxySource } from '../proxy/response.js';
import { CASSETTE_HEADER } from '../tape/tape-transport.js';
import type { Redactor } from '../tape/redact.js';

/** Headers as `[name, value]` pairs in arrival order, names lower-cased, secrets redacted. */
export type JournalHeaders = [string, string][];

/** A request as the journal keeps it. */
export interface JournalRequest {
  method: string;
  /** Path and query (inbound), or the absolute upstream URL (forwarded); secrets in the query redacted. */
  url: string;
  headers: JournalHeaders;
  /** UTF-8 body text (JSON secrets redacted), when the transport read the body whole (record, replay, auto). */
  body?: string;
}

/** One handled request: what came in, what was forwarded upstream, and how it ended. */
export interface JournalEntry {
  /** 1, 2, 3… in arrival order (kept across `clear()`). */
  id: number;
  method: string;
  /** Path and query as received (secrets redacted). */
  url: string;
  /** Path without the query. */
  path: string;
  /** Cassette the request used (`x-proxytape-cassette`, else the proxy's). */
  cassette: string;
  /** The request as received from the client. */
  inbound: JournalRequest;
  /** The request as forwarded upstream — after Host rewrite, X-Forwarded-*, hop-by-hop stripping and redaction. */
  forwarded?: JournalRequest;
  status: number;
  source: ProxySource;
  /** Fixture replayed from or recorded to. */
  fixture?: string;
  durationMs: number;
  error?: { code: string; message: string };
}

/**
 * The bounded, in-order record of every request the proxy handled. The oldest
 * entries are dropped past `limit`, so a long run cannot exhaust memory.
 *
 * @example
 * ```ts
 * const proxy = await startProxy({ mode: 'replay' });
 * await fetch(`${proxy.url}/users`, { headers: { authorization: 'Bearer t' } });
 * proxy.journal.entries[0]?.forwarded?.headers; // [['host', 'api.example.com'], ['authorization', 'Bearer [REDACTED]'], …]
 * proxy.journal.clear();
 * ```
 */
export class Journal implements Iterable<JournalEntry> {
  readonly limit: number;
  #entries: JournalEntry[] = [];
  #nextId = 1;

  constructor(limit = 1000) {
    this.limit = limit;
  }

  /** The entries in arrival order (a snapshot). */
  get entries(): readonly JournalEntry[] {
    return this.#entries.slice();
  }

  get size(): number {
    return this.#entries.length;
  }

  [Symbol.iterator](): Iterator<JournalEntry> {
    return this.#entries.slice()[Symbol.iterator]();
  }

  /** Entries of one cassette (or all). */
  filter(cassette?: string): JournalEntry[] {
    return cassette === undefined ? this.#entries.slice() : this.#entries.filter((e) => e.cassette === cassette);
  }

  /** Drops every entry, or those of one cassette. */
  clear(cassette?: string): void {
    this.#entries = cassette === undefined ? [] : this.#entries.filter((e) => e.cassette !== cassette);
  }

  /** Adds an entry (assigning its id), dropping the oldest past the limit. */
  add(entry: Omit<JournalEntry, 'id'>): JournalEntry {
    const full = { id: this.#nextId++, ...entry } as JournalEntry;
    this.#entries.push(full);
    if (this.#entries.length > this.limit) this.#entries.splice(0, this.#entries.length - this.limit);
    return full;
  }

  toJSON(): JournalEntry[] {
    return this.#entries.slice();
  }
}

/** Turns a proxy event into a journal entry, redacting every secret on the way. */
export function journalEntryFrom(event: ProxyEvent, redactor: Redactor, defaultCassette: string): Omit<JournalEntry, 'id'> {
  const cassette = headerValue(event.requestHeaders, CASSETTE_HEADER)?.trim() || defaultCassette;
  const url = redactor.url(event.url);
  const q = url.indexOf('?');
  const entry: Omit<JournalEntry, 'id'> = {
    method: event.method,
    url,
    path: q === -1 ? url : url.slice(0, q),
    cassette,
    inbound: { method: event.method, url, headers: redactor.headers(pairs(event.requestHeaders)) },
    status: event.status,
    source: event.source,
    durationMs: Math.round(event.durationMs * 1000) / 1000,
  };
  const f = event.forwarded;
  if (f) {
    const headers = redactor.headers(pairs(f.rawHeaders));
    const forwarded: JournalRequest = { method: f.method, url: redactor.url(f.url), headers };
    if (f.body !== undefined && f.body.length > 0) {
      const contentType = headers.find(([n]) => n === 'content-type')?.[1];
      forwarded.body = bodyText(f.body, contentType, redactor);
    }
    entry.forwarded = forwarded;
  }
  if (event.fixture !== undefined) entry.fixture = event.fixture;
  if (event.error) entry.error = { code: event.error.code, message: redactor.text(event.error.message) };
  return entry;
}

function pairs(raw: RawHeaders): JournalHeaders {
  const out: JournalHeaders = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

function headerValue(raw: RawHeaders, name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1];
  return undefined;
}

function bodyText(body: Buffer, contentType: string | undefined, redactor: Redactor): string {
  if (contentType && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.stringify(redactor.json(JSON.parse(body.toString('utf8'))));
    } catch {
      // not JSON after all: fall through to text
    }
  }
  if (contentType && /x-www-form-urlencoded/i.test(contentType)) return redactor.form(body.toString('utf8'));
  return body.toString('utf8');
}
