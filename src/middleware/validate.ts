import { inspect } from 'node:util';
import { ConfigError } from '../errors.js';
import type { AfterMiddleware, AroundMiddleware, BeforeMiddleware, MiddlewareSpec } from './types.js';

/** The three kinds of middleware, in the order they run. */
export const MIDDLEWARE_KINDS = ['before', 'around', 'after'] as const;
export type MiddlewareKind = (typeof MIDDLEWARE_KINDS)[number];

/** Checks a MiddlewareSpec's keys and every entry; throws a ConfigError naming the bad one. */
export function checkSpec(spec: unknown): Required<MiddlewareSpec> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ConfigError(
      'middleware',
      `Invalid middleware: ${show(spec)}. Must be a Chain or an object { before?: [], around?: [], after?: [] }.`,
    );
  }
  for (const key of Object.keys(spec)) {
    if (!(MIDDLEWARE_KINDS as readonly string[]).includes(key)) {
      throw new ConfigError(key, `Unknown key \`${key}\` in middleware. Allowed keys: ${MIDDLEWARE_KINDS.join(', ')}.`);
    }
  }
  const given = spec as Record<MiddlewareKind, unknown>;
  return {
    before: checkList(given.before, 'before') as BeforeMiddleware[],
    around: checkList(given.around, 'around') as AroundMiddleware[],
    after: checkList(given.after, 'after') as AfterMiddleware[],
  };
}

/** Checks one middleware object has the method its kind needs (and a callable `catch`, if any). */
export function checkMiddleware(kind: MiddlewareKind, value: unknown, where: string, option: string = kind): void {
  const m = value as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null || typeof m[kind] !== 'function') {
    throw new ConfigError(option, `Invalid ${kind} middleware ${where}: ${show(value)}. Must be an object with ${signature(kind)} method.`);
  }
  if (kind !== 'around' && m['catch'] !== undefined && typeof m['catch'] !== 'function') {
    throw new ConfigError(
      option,
      `Invalid ${kind} middleware ${where}: its \`catch\` is ${show(m['catch'])}. Must be a catch(ctx, err) method, or left out.`,
    );
  }
}

function checkList(value: unknown, kind: MiddlewareKind): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new ConfigError(kind, `Invalid middleware \`${kind}\`: ${show(value)}. Must be an array of ${kind} middleware.`);
  }
  value.forEach((m, i) => checkMiddleware(kind, m, `\`${kind}[${i}]\``, `${kind}[${i}]`));
  return [...(value as unknown[])];
}

function signature(kind: MiddlewareKind): string {
  if (kind === 'before') return 'a before(ctx)';
  if (kind === 'after') return 'an after(ctx, res)';
  return 'an around(next)';
}

function show(value: unknown): string {
  return inspect(value, { depth: 0, breakLength: Infinity });
}
