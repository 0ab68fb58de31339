/**
 * The HAR 1.2 model (http://www.softwareishard.com/blog/har-12-spec/): plain data,
 * only the parts proxytape reads or writes. Custom fields start with `_`, as the
 * spec allows; proxytape's own is {@link HarProxytapeField} under `_proxytape`.
 */

/** A `{ name, value }` pair: headers, query parameters, form fields. */
export interface HarNameValue {
  name: string;
  value: string;
  comment?: string;
}

/** `log.creator` / `log.browser`. */
export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

/** `request.postData`. `_encoding: 'base64'` (proxytape's) marks a binary body whose `text` is base64. */
export interface HarPostData {
  mimeType: string;
  text?: string;
  params?: { name: string; value?: string; fileName?: string; contentType?: string }[];
  comment?: string;
  _encoding?: 'base64';
}

export interface HarRequest {
  method: string;
  /** Absolute URL, query included. */
  url: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  /** -1 when unknown. */
  headersSize: number;
  /** Request body bytes, 0 for none, -1 when unknown. */
  bodySize: number;
  comment?: string;
}

/** `response.content`: the decoded body; `encoding: 'base64'` when `text` is base64. */
export interface HarContent {
  size: number;
  compression?: number;
  mimeType: string;
  text?: string;
  encoding?: string;
  comment?: string;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
  comment?: string;
}

export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
  comment?: string;
}

/** Where an exported entry came from, so an import can put it back (HAR has no cassettes). */
export interface HarProxytapeField {
  /** Cassette of the fixture (`''` for the root cassette). */
  cassette: string;
  /** The fixture's sequence among identical requests. */
  sequence: number;
  /** The fixture file, relative to the fixture root, `/`-separated. */
  fixture: string;
  /** Response trailers (HAR has no place for them). */
  trailers?: [string, string][];
  /**
   * The response was stored with a Content-Encoding proxytape cannot decode (zstd, stacked
   * codings): `content.text` holds the encoded bytes, not decoded ones as in a browser's HAR.
   */
  rawContent?: true;
}

export interface HarEntry {
  pageref?: string;
  /** ISO 8601 date-time. */
  startedDateTime: string;
  /** Total time in ms. */
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, unknown>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  _proxytape?: HarProxytapeField;
}

export interface HarPage {
  startedDateTime: string;
  id: string;
  title: string;
  pageTimings: { onContentLoad?: number; onLoad?: number; comment?: string };
  comment?: string;
}

export interface HarLog {
  version: string;
  creator: HarCreator;
  browser?: HarCreator;
  pages?: HarPage[];
  entries: HarEntry[];
  comment?: string;
}

/** A HAR file: `{ log }`. */
export interface Har {
  log: HarLog;
}
