import { tapeListeningLine } from '../cli/messages.js';
import { DEMO_CASSETTE } from './paths.js';
import { DEMO_ECHO_BODY } from './requests.js';

/**
 * What `npm start` prints once the demo is up: the listening line (proxy URL
 * first, as the CLI prints it) and ready-to-paste curl commands that hit the
 * recorded fixtures, plus one that was never recorded (a miss).
 *
 * @example
 * ```ts
 * process.stdout.write(demoBanner('http://127.0.0.1:8080', 'fixtures'));
 * ```
 */
export function demoBanner(proxyUrl: string, fixtures: string): string {
  return [
    tapeListeningLine('replay', proxyUrl, undefined, fixtures, DEMO_CASSETTE),
    '',
    'Replaying the recorded demo API: no backend, no network. Try it:',
    `  curl -i ${proxyUrl}/api/users`,
    `  curl -i -X POST ${proxyUrl}/api/echo -H 'content-type: application/json' -d '${DEMO_ECHO_BODY}'`,
    `  curl -N ${proxyUrl}/api/events`,
    '',
    'A request that was never recorded is a miss (502 and an explanation):',
    `  curl -i ${proxyUrl}/api/users/2`,
    '',
    'Every request is logged below (stderr). Press Ctrl+C to stop.',
    '',
  ].join('\n');
}
