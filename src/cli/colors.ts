import { Chalk, type ChalkInstance, chalkStderr } from 'chalk';

/**
 * The chalk instance for proxytape's log lines on stderr. chalk 5 honours
 * FORCE_COLOR and `--no-color` and turns colour off when stderr is not a TTY,
 * but it ignores NO_COLOR (https://no-color.org), so that is checked here.
 * As in Node's own `tty.getColorDepth`, FORCE_COLOR wins over NO_COLOR.
 *
 * @example
 * ```ts
 * const colors = createLogColors();
 * process.stderr.write(colors.red('error') + '\n');
 * ```
 */
export function createLogColors(env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  if (env.FORCE_COLOR === undefined && env.NO_COLOR !== undefined && env.NO_COLOR !== '') {
    return new Chalk({ level: 0 });
  }
  return chalkStderr;
}
