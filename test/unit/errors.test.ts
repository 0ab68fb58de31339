import { readFileSync } from 'node:fs';
import { describe, expect, it, jest } from '@jest/globals';
import type * as ErrorsModule from '../../src/errors.js';
import {
  ConfigError,
  ERROR_CODES,
  ERROR_CODE_LIST,
  FullProxyError,
  ProxyError,
  ProxytapeError,
  isConfigError,
  isFullProxyError,
  isProxyError,
  isProxytapeError,
} from '../../src/index.js';

describe('error registry', () => {
  it('documents every code in docs/errors.md with its status', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const code of ERROR_CODE_LIST) {
      const row = doc.split('\n').find((line) => line.includes(`\`${code}\``));
      expect({ code, documented: row !== undefined }).toEqual({ code, documented: true });
      expect(row).toContain(`| ${ERROR_CODES[code].status} |`);
    }
  });

  it('has no documented code that the registry lacks', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/`(PROXYTAPE_[A-Z_]+)`/g)].map((m) => m[1]);
    for (const code of documented) expect(ERROR_CODE_LIST).toContain(code);
  });

  it('gives every code a status, a summary and a hint', () => {
    for (const code of ERROR_CODE_LIST) {
      const info = ERROR_CODES[code];
      expect(info.status).toBeGreaterThanOrEqual(400);
      expect(info.summary.length).toBeGreaterThan(10);
      expect(info.hint.length).toBeGreaterThan(10);
    }
  });
});

describe('error classes', () => {
  const cause = new Error('connect ECONNREFUSED');
  it.each([
    ['ProxyError', new ProxyError('PROXYTAPE_UPSTREAM_REFUSED', 'm', { method: 'GET', url: '/a', cause }), 502, isProxyError],
    ['FullProxyError', new FullProxyError('PROXYTAPE_BODY_CONSUMED', 'm', { method: 'POST', url: '/b' }), 500, isFullProxyError],
    ['ConfigError', new ConfigError('target', 'm'), 500, isConfigError],
  ] as const)('%s carries name, code, status and context and matches only its own guard', (name, error, status, guard) => {
    expect(error).toBeInstanceOf(ProxytapeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.status).toBe(status);
    expect(guard(error)).toBe(true);
    expect(isProxytapeError(error)).toBe(true);
    const others = [isProxyError, isFullProxyError, isConfigError].filter((g) => g !== guard);
    for (const other of others) expect(other(error)).toBe(false);
  });

  it('keeps the cause, method and url', () => {
    const error = new ProxyError('PROXYTAPE_UPSTREAM_REFUSED', 'm', { method: 'GET', url: '/a', upstream: 'http://x/a', cause });
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({ method: 'GET', url: '/a', upstream: 'http://x/a', code: 'PROXYTAPE_UPSTREAM_REFUSED' });
  });

  it('guards reject lookalikes and non-errors', () => {
    for (const value of [
      null,
      undefined,
      'PROXYTAPE_UPSTREAM_REFUSED',
      new Error('x'),
      { code: 'PROXYTAPE_UPSTREAM_REFUSED', name: 'ProxyError' },
    ]) {
      expect(isProxytapeError(value)).toBe(false);
      expect(isProxyError(value)).toBe(false);
    }
  });

  it('guards recognise errors from another copy of the module (separate Jest registry)', async () => {
    let copy: typeof ErrorsModule | undefined;
    await jest.isolateModulesAsync(async () => {
      copy = await import('../../src/errors.js');
    });
    const foreign = new copy!.ProxyError('PROXYTAPE_UPSTREAM_RESET', 'from another registry');
    // instanceof fails across registries; the guards must not.
    expect(copy!.ProxyError).not.toBe(ProxyError);
    expect(foreign instanceof ProxyError).toBe(false);
    expect(isProxyError(foreign)).toBe(true);
    expect(isProxytapeError(foreign)).toBe(true);
    expect(isFullProxyError(foreign)).toBe(false);
  });
});
