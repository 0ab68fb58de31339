import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { cassetteDir, validateCassette } from '../../../src/tape/cassette.js';
import { thrown } from './sample-fixtures.js';

const RULE = 'Use segments of letters, digits, `.`, `_` and `-` joined by `/` (no `..`, no leading `/`, no empty segment).';

describe('validateCassette', () => {
  it.each(['default', 'checkout', 'checkout/happy-path', 'suite_1/test.v2/case-3', 'a', 'A.b-c_D/0', 'x'.repeat(200)])(
    'accepts %j',
    (name) => {
      expect(validateCassette(name)).toBe(name);
    },
  );

  it.each([
    ['', 'it is empty'],
    ['..', 'it has a ".." segment'],
    ['.', 'it has a "." segment'],
    ['../etc', 'it has a ".." segment'],
    ['a/../../b', 'it has a ".." segment'],
    ['a/./b', 'it has a "." segment'],
    ['/etc/passwd', 'it is an absolute path'],
    ['C:/fixtures', 'it is an absolute path'],
    ['a\\b', 'it contains a backslash'],
    ['..\\..\\windows', 'it contains a backslash'],
    ['a//b', 'it has an empty segment ("//")'],
    ['a/', 'it ends with "/"'],
    ['a\0b', 'it contains a NUL character'],
    ['.hidden', 'its segment ".hidden" starts with "."'],
    ['a/.git', 'its segment ".git" starts with "."'],
    ['with space', 'it contains " ", which is not allowed'],
    ['tab\there', 'it contains "\\t", which is not allowed'],
    ['ünï', 'it contains "ü", which is not allowed'],
    ['a:b', 'it contains ":", which is not allowed'],
    ['x'.repeat(201), 'it is longer than 200 characters'],
  ])('rejects %j: %s', (name, reason) => {
    expect(thrown(() => validateCassette(name))).toMatchObject({
      code: 'PROXYTAPE_INVALID_CASSETTE',
      status: 400,
      message: `Invalid cassette name ${JSON.stringify(name)}: ${reason}. ${RULE}`,
    });
  });

  it('words a rejection for a person', () => {
    expect(() => validateCassette('../secrets')).toThrow(
      'Invalid cassette name "../secrets": it has a ".." segment. Use segments of letters, digits, `.`, `_` and `-` joined by `/` (no `..`, no leading `/`, no empty segment).',
    );
  });
});

describe('cassetteDir', () => {
  it('joins the validated name under the root', () => {
    expect(cassetteDir('/fixtures', 'checkout/happy-path')).toBe(path.join('/fixtures', 'checkout', 'happy-path'));
    expect(cassetteDir('relative/root', 'default')).toBe(path.join('relative/root', 'default'));
  });

  it('refuses names that would leave the root', () => {
    for (const name of ['..', '../x', '/abs', 'a/../..', '']) {
      expect(thrown(() => cassetteDir('/fixtures', name))).toMatchObject({ code: 'PROXYTAPE_INVALID_CASSETTE' });
    }
  });
});
