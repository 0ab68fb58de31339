import type { CommandSpec } from './command-spec.js';
import type { FlagValues } from './flags.js';
import { UsageError } from './usage-error.js';
import { parseHost, parseMilliseconds, parsePort, parseTargetUrl } from './values.js';

/** Validated options of `proxytape passthrough`. */
export interface PassthroughOptions {
  /** Backend base URL (`--target`). */
  target: URL;
  /** Address to bind (`--host`). @default '127.0.0.1' */
  host: string;
  /** Port to listen on; 0 picks a free port (`--port`). @default 8080 */
  port: number;
  /** Forward the client's Host header instead of the target's (`--preserve-host`). @default false */
  preserveHost: boolean;
  /** Connect, headers and body timeout in ms, 0 = none (`--upstream-timeout`). @default the proxy's defaults */
  upstreamTimeout?: number;
}

/** Defaults of `proxytape passthrough`. */
export const PASSTHROUGH_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
} as const;

const NAME = 'passthrough';

/** `proxytape passthrough`: forward every request to `--target`, recording nothing. */
export const passthroughCommand: CommandSpec<typeof NAME, PassthroughOptions> = {
  name: NAME,
  summary: 'Forward every request to --target (nothing is recorded)',
  synopsis: '--target <url> [--port <n>] [--host <addr>] [--preserve-host] [--upstream-timeout <ms>]',
  flags: [
    {
      name: 'target',
      type: 'string',
      valueName: '<url>',
      description: 'Backend base URL, http:// or https://, may include a base path (required)',
    },
    {
      name: 'port',
      type: 'string',
      valueName: '<n>',
      description: 'Port to listen on; 0 picks a free port',
      defaultText: String(PASSTHROUGH_DEFAULTS.port),
    },
    {
      name: 'host',
      type: 'string',
      valueName: '<addr>',
      description: 'Address to bind; 0.0.0.0 listens on every interface',
      defaultText: PASSTHROUGH_DEFAULTS.host,
    },
    { name: 'preserve-host', type: 'boolean', description: "Send the client's Host header upstream instead of the target's" },
    {
      name: 'upstream-timeout',
      type: 'string',
      valueName: '<ms>',
      description: 'Backend timeout for connect, response headers and body idle; 0 = none',
      defaultText: 'connect 10000, headers 60000, body 60000',
    },
  ],
  examples: [
    'proxytape passthrough --target http://127.0.0.1:3000',
    'proxytape passthrough --target https://api.example.com/v1 --port 0 --upstream-timeout 5000',
  ],
  build(values: FlagValues): PassthroughOptions {
    const target = stringValue(values, 'target');
    if (target === undefined) {
      throw new UsageError('Missing --target: pass the backend URL to forward to, e.g. --target http://127.0.0.1:3000.', NAME);
    }
    const port = stringValue(values, 'port');
    const host = stringValue(values, 'host');
    const timeout = stringValue(values, 'upstream-timeout');
    const options: PassthroughOptions = {
      target: parseTargetUrl(target, '--target', NAME),
      host: host === undefined ? PASSTHROUGH_DEFAULTS.host : parseHost(host, '--host', NAME),
      port: port === undefined ? PASSTHROUGH_DEFAULTS.port : parsePort(port, '--port', NAME),
      preserveHost: values['preserve-host'] === true,
    };
    if (timeout !== undefined) options.upstreamTimeout = parseMilliseconds(timeout, '--upstream-timeout', NAME);
    return options;
  },
};

function stringValue(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
