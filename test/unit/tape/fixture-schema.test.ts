import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseFixture, serializeFixture } from '../../../src/tape/fixture-file.js';
import { keyOf, sampleFixture, sampleFixtures } from './sample-fixtures.js';

const schema = JSON.parse(readFileSync(new URL('../../../docs/fixture.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

const HINT = 'Fix or delete the file named in the message (re-record it), or restore it from version control.';

describe('docs/fixture.schema.json', () => {
  it('is a draft 2020-12 schema', () => {
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });
  });

  it.each(sampleFixtures())('accepts what serializeFixture writes (%s)', (_name, fixture) => {
    const written: unknown = JSON.parse(serializeFixture(fixture));
    expect(validate(written) ? [] : validate.errors).toEqual([]);
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form edits of parsed JSON, invalid on purpose
  type Json = Record<string, any>;
  const base = JSON.parse(serializeFixture(sampleFixture())) as Json;
  it.each<[string, (f: Json) => void, string]>([
    ['a string status', (f) => (f.response.status = '200'), '"response.status" must be an integer from 100 to 999, got "200"'],
    ['version 2', (f) => (f.version = 2), 'it has fixture format version 2, this proxytape reads version 1'],
    ['no request', (f) => delete f.request, '"request" is missing'],
    ['an unknown property', (f) => (f.response.cookies = []), 'unknown property "response.cookies"'],
    [
      'an uppercase key',
      (f) => (f.match.key = keyOf('x').toUpperCase()),
      `"match.key" must be 64 lowercase hex characters (a sha256), got "${keyOf('x').toUpperCase().slice(0, 37)}..."`,
    ],
    [
      'a three-item header',
      (f) => (f.request.headers = [['a', 'b', 'c']]),
      '"request.headers[0]" must be a [name, value] pair of two strings, got an array',
    ],
    [
      'a file body without sha256',
      (f) => (f.response.body = { encoding: 'file', file: 'x.body', size: 1 }),
      '"response.body.sha256" is missing',
    ],
    [
      'a text body with base64',
      (f) => (f.response.body = { encoding: 'text', text: 'a', base64: 'YQ==' }),
      'unknown property "response.body.base64"',
    ],
  ])('rejects %s, as parseFixture does with the exact message', (_name, mutate, problem) => {
    const invalid = structuredClone(base);
    mutate(invalid);
    expect(validate(invalid)).toBe(false);
    const hint = problem.startsWith('it has fixture format') ? 'Upgrade proxytape, or re-record the fixture with this version.' : HINT;
    expect(() => parseFixture(JSON.stringify(invalid), '/f/bad.json')).toThrow(`Cannot load fixture /f/bad.json: ${problem}. ${hint}`);
  });
});
