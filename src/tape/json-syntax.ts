/**
 * Locates the first syntax error of a JSON text, for error messages: V8's
 * `JSON.parse` errors only sometimes say where ("Unexpected token '}', ..."),
 * and a fixture file is edited by hand often enough that "line 12, column 5"
 * is worth a small scanner. Only called after `JSON.parse` has failed.
 */

/** Where a JSON text stops being valid. */
export interface JsonSyntaxError {
  /** 0-based offset in the text (UTF-16 code units, like `JSON.parse`'s "position"). */
  position: number;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** What is wrong, e.g. `unexpected character "}"` or `unexpected end of input`. */
  problem: string;
}

class Scan extends Error {
  constructor(
    readonly at: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/**
 * Returns the first syntax error of `text`, or `undefined` when it is valid JSON.
 *
 * @example
 * ```ts
 * locateJsonError('{\n  "a": }'); // { position: 9, line: 2, column: 8, problem: 'unexpected character "}"' }
 * ```
 */
export function locateJsonError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const fail = (problem?: string): never => {
    if (i >= text.length) throw new Scan(text.length, 'unexpected end of input');
    throw new Scan(i, problem ?? `unexpected character ${JSON.stringify(text[i])}`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text[i] ?? '')) fail();
    while (/[0-9]/.test(text[i] ?? '')) i++;
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const string = (): void => {
    i++; // opening quote
    while (true) {
      const ch = text[i];
      if (ch === undefined) fail();
      else if (ch === '"') {
        i++;
        return;
      } else if (ch === '\\') {
        i++;
        const esc = text[i];
        if (esc === 'u') {
          i++;
          for (let k = 0; k < 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('bad \\u escape in string');
            i++;
          }
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i++;
        else fail('bad escape in string');
      } else if (ch < ' ') fail('bad control character in string (escape it)');
      else i++;
    }
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      while (true) {
        ws();
        if (text[i] !== '"') fail('expected a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail('expected ":" after property name');
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail('expected "," or "}" after property value');
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      while (true) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail('expected "," or "]" after array element');
      }
    } else if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) number();
    else fail();
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected content after the JSON value');
    return undefined;
  } catch (err) {
    // A RangeError (nesting deeper than the stack) leaves the caller with V8's own message.
    if (!(err instanceof Scan)) return undefined;
    const before = text.slice(0, err.at);
    const lineStart = before.lastIndexOf('\n') + 1;
    return { position: err.at, line: before.split('\n').length, column: err.at - lineStart + 1, problem: err.problem };
  }
}
