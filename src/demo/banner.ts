import { listeningLine } from '../cli/messages.js';

/**
 * What `npm start` prints once the demo is up: the listening line (proxy URL
 * first, as the CLI prints it) and ready-to-paste curl commands.
 *
 * @example
 * ```ts
 * process.stdout.write(demoBanner('http://127.0.0.1:8080', 'http://127.0.0.1:41234'));
 * ```
 */
export function demoBanner(proxyUrl: string, backendUrl: string): string {
  return [
    `${listeningLine('passthrough', proxyUrl, new URL(backendUrl))} (demo backend)`,
    '',
    'Try it:',
    `  curl -i ${proxyUrl}/api/users`,
    `  curl -i -X POST ${proxyUrl}/api/echo -H 'content-type: application/json' -d '{"hello":"proxytape"}'`,
    `  curl -N ${proxyUrl}/api/events`,
    '',
    'Every request is logged below (stderr). Press Ctrl+C to stop.',
    '',
  ].join('\n');
}
