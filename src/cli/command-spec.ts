import type { Mode } from '../tape/modes.js';
import type { FlagSpec } from './flags.js';

/**
 * A `proxytape <mode>`: the text the usage shows for it. Every mode takes the
 * same flags ({@link FlagSpec} list `MODE_FLAGS`), validated by `buildModeOptions()`.
 */
export interface CommandSpec {
  readonly name: Mode;
  /** One line for the modes list. */
  readonly summary: string;
  /** Arguments after the mode, e.g. `--target <url> [options]`. */
  readonly synopsis: string;
  readonly flags: readonly FlagSpec[];
  readonly examples: readonly string[];
}
