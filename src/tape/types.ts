/**
 * The fixture format: plain serialisable data, no behaviour (code that acts on
 * fixtures lives in the other files of src/tape/). One file per interaction.
 * Published as a JSON Schema in docs/fixture.schema.json.
 */

/** Current fixture format version. */
export const FIXTURE_VERSION = 1;

/**
 * A stored body, readable in review:
 * - `json`: a JSON value (the body was valid JSON with a JSON content type, and
 *   re-serialising the value with `indent`/`trailingNewline` reproduces the exact bytes);
 * - `text`: a UTF-8 string;
 * - `base64`: binary bytes;
 * - `file`: a sidecar file next to the fixture (large bodies), with its size and sha256.
 * `null` means no body (0 bytes).
 */
export type StoredBody =
  | null
  | {
      encoding: 'json';
      json: unknown;
      /** How the original bytes were laid out: omitted = compact, a number = that many spaces, `'\t'` = tabs (JSON.stringify's `space`). */
      indent?: number | '\t';
      /** The original bytes ended with one `\n` after the JSON text. */
      trailingNewline?: true;
    }
  | { encoding: 'text'; text: string }
  | { encoding: 'base64'; base64: string }
  | { encoding: 'file'; file: string; size: number; sha256: string };

/** A header list as `[name, value]` pairs: order and repeated headers (Set-Cookie) kept. */
export type HeaderPairs = [string, string][];

/** The request side of a fixture, as forwarded upstream and redacted. */
export interface FixtureRequest {
  method: string;
  /** Path as sent by the client (before the target's base path), no query. */
  path: string;
  /** Query parameters in the client's order, redacted values replaced by the placeholder. */
  query: [string, string][];
  /** Request headers worth keeping (hop-by-hop, proxy-added and volatile ones left out), redacted. */
  headers: HeaderPairs;
  body: StoredBody;
}

/** The response side of a fixture. */
export interface FixtureResponse {
  status: number;
  statusText: string;
  /** Response headers without hop-by-hop, volatile (Date…) and length/encoding headers, redacted. */
  headers: HeaderPairs;
  /** The body, stored decoded. */
  body: StoredBody;
  /** Content-Encoding the backend used (gzip, deflate, br); re-applied on replay when the client accepts it. */
  contentEncoding?: string;
  /** Trailers, if the backend sent any. */
  trailers?: HeaderPairs;
}

/** One recorded interaction: the unit proxytape stores and replays. */
export interface Fixture {
  version: typeof FIXTURE_VERSION;
  /** The match key (hex sha256 of the normalised request) and the position among identical requests. */
  match: { key: string; sequence: number };
  request: FixtureRequest;
  response: FixtureResponse;
}

/** A fixture as the store knows it: where it lives. */
export interface StoredFixture {
  fixture: Fixture;
  /** Absolute path of the fixture's JSON file. */
  path: string;
  /** Cassette it belongs to ('' for the root cassette). */
  cassette: string;
}
