/**
 * A canonical JSON text for structural comparison: object keys sorted at every
 * depth, no white space. Two values that `JSON.stringify` would render as equal
 * JSON documents up to key order give the same string.
 *
 * Follows `JSON.stringify` for the rest: `toJSON()` is honoured, `undefined` and
 * functions are dropped from objects and become `null` in arrays, non-finite
 * numbers become `null`. A bigint is written as its digits (JSON.stringify would
 * throw); a cycle throws a `TypeError`.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: { d: [1, 2], c: null } }); // '{"a":{"c":null,"d":[1,2]},"b":1}'
 * canonicalJson(JSON.parse('{ "b": 1, "a": 2 }')) === canonicalJson({ a: 2, b: 1 }); // true
 * ```
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set()) ?? 'null';
}

function write(input: unknown, seen: Set<object>): string | undefined {
  let value = input;
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  const object = value as object;
  if (seen.has(object)) throw new TypeError('canonicalJson: the value contains a cycle.');
  seen.add(object);
  let out: string;
  if (Array.isArray(object)) {
    out = `[${object.map((item: unknown) => write(item, seen) ?? 'null').join(',')}]`;
  } else {
    const record = object as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const item = write(record[key], seen);
      if (item !== undefined) parts.push(`${JSON.stringify(key)}:${item}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(object);
  return out;
}
