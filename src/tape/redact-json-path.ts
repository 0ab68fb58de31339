/**
 * The small JSONPath subset redaction accepts: `$` followed by `.name`, `['name']`,
 * `[0]`, `[*]` or `.*` steps. No recursive descent (`..`): a bare key name in
 * `jsonPaths` already matches at any depth.
 */

/** One step of a path: an object key, an array index, or any key / index. */
export type JsonPathStep = { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'any' };

const NAME = /^[^.[\]'"*\s]+/;

/**
 * Parses a JSON path; returns the reason as a string when it is not valid.
 *
 * @example
 * ```ts
 * parseJsonPath('$.items[*].card');
 * // [{ kind: 'key', name: 'items' }, { kind: 'any' }, { kind: 'key', name: 'card' }]
 * ```
 */
export function parseJsonPath(path: string): JsonPathStep[] | string {
  if (!path.startsWith('$')) return 'a JSON path starts with `$`';
  const steps: JsonPathStep[] = [];
  let rest = path.slice(1);
  while (rest !== '') {
    if (rest.startsWith('..')) return 'recursive descent (`..`) is not supported; give the bare key name to match it at any depth';
    if (rest.startsWith('.*')) {
      steps.push({ kind: 'any' });
      rest = rest.slice(2);
      continue;
    }
    if (rest.startsWith('.')) {
      const name = NAME.exec(rest.slice(1));
      if (!name) return `expected a key name after \`.\` at \`${rest}\``;
      steps.push({ kind: 'key', name: name[0] });
      rest = rest.slice(1 + name[0].length);
      continue;
    }
    const bracket = /^\[(?:(\*)|(\d+)|'([^']*)'|"([^"]*)")\]/.exec(rest);
    if (!bracket) return `unexpected \`${rest}\` (use .name, ['name'], [0] or [*])`;
    if (bracket[1] !== undefined) steps.push({ kind: 'any' });
    else if (bracket[2] !== undefined) steps.push({ kind: 'index', index: Number(bracket[2]) });
    else steps.push({ kind: 'key', name: bracket[3] ?? bracket[4] ?? '' });
    rest = rest.slice(bracket[0].length);
  }
  if (steps.length === 0) return 'the path must name a field below `$`';
  return steps;
}

/** True when `step` accepts the object key or array index `at`. */
export function stepMatches(step: JsonPathStep, at: string | number): boolean {
  if (step.kind === 'any') return true;
  if (step.kind === 'index') return at === step.index;
  return at === step.name;
}

/** Formats a location as a JSON path for messages and the custom function: `$.items[0].card`, `$['a b']`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '$';
  for (const at of path) {
    if (typeof at === 'number') out += `[${at}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(at)) out += `.${at}`;
    else out += `[${JSON.stringify(at)}]`;
  }
  return out;
}
