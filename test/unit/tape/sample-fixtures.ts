/** Sample fixtures shared by the tape unit and store integration tests. */
import { createHash } from 'node:crypto';
import type { Fixture } from '../../../src/tape/types.js';

/** A valid 64-hex match key derived from a label, so tests read `keyOf('users')`. */
export function keyOf(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

/** A GET fixture with a JSON response; `overrides` replace top-level parts. */
export function sampleFixture(overrides: Partial<Fixture> = {}): Fixture {
  return {
    version: 1,
    match: { key: keyOf('GET /api/users/1'), sequence: 0 },
    request: {
      method: 'GET',
      path: '/api/users/1',
      query: [['expand', 'team']],
      headers: [['accept', 'application/json']],
      body: null,
    },
    response: {
      status: 200,
      statusText: 'OK',
      headers: [
        ['content-type', 'application/json; charset=utf-8'],
        ['set-cookie', 'a=[REDACTED]'],
        ['set-cookie', 'b=[REDACTED]'],
      ],
      body: { encoding: 'json', json: { id: 1, name: 'Ada' } },
    },
    ...overrides,
  };
}

/** One fixture of each body encoding and optional field, for schema and round-trip tables. */
export function sampleFixtures(): [string, Fixture][] {
  const base = sampleFixture();
  return [
    ['json body', base],
    [
      'pretty json, gzip, trailers',
      sampleFixture({
        response: {
          ...base.response,
          contentEncoding: 'gzip',
          body: { encoding: 'json', json: [1, { a: null }], indent: 2, trailingNewline: true },
          trailers: [['x-checksum', 'abc']],
        },
      }),
    ],
    [
      'text request body, base64 response',
      sampleFixture({
        match: { key: keyOf('POST /upload'), sequence: 3 },
        request: {
          method: 'POST',
          path: '/upload',
          query: [],
          headers: [['content-type', 'text/plain']],
          body: { encoding: 'text', text: 'héllo\n' },
        },
        response: { status: 201, statusText: 'Created', headers: [], body: { encoding: 'base64', base64: 'AAEC/w==' } },
      }),
    ],
    [
      'sidecar body',
      sampleFixture({
        response: {
          status: 200,
          statusText: 'OK',
          headers: [],
          body: { encoding: 'file', file: 'GET-api-users-1-x-0.body', size: 3, sha256: keyOf('x') },
        },
      }),
    ],
    [
      'an encoding stored as received',
      sampleFixture({
        response: {
          status: 200,
          statusText: 'OK',
          headers: [],
          contentEncoding: 'zstd',
          body: { encoding: 'base64', base64: 'KLUv/QQAAQAA' },
        },
      }),
    ],
    [
      'no bodies, json null',
      sampleFixture({ response: { status: 204, statusText: 'No Content', headers: [], body: { encoding: 'json', json: null } } }),
    ],
  ];
}

/** The error `fn` throws (fails the test if it returns), for `toMatchObject` on code and message. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}
