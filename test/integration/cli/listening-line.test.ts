import { afterEach, describe, expect, it } from '@jest/globals';
import { runCli } from '../../../src/cli/run.js';
import { createTestServer, type TestServer } from '../../helpers/http-test-server.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';

/**
 * Scripts send SIGTERM as soon as they read the listening line. If the line came out before the
 * signal handlers were installed, such a signal would kill the process with no drain and no summary.
 */
describe('the listening line', () => {
  let backend: TestServer | undefined;
  afterEach(async () => {
    await backend?.close();
    backend = undefined;
    await removeTempDirs();
  });

  async function signalOnListeningLine(argv: string[]): Promise<{ code: number; handledWhenPrinted: boolean; stdout: string }> {
    const before = process.listenerCount('SIGTERM');
    let handledWhenPrinted = false;
    let stdout = '';
    const code = await runCli(argv, {
      env: {},
      stderr: { write: () => true },
      stdout: {
        write: (chunk: string) => {
          stdout += chunk;
          if (chunk.includes(' listening on ')) {
            handledWhenPrinted = process.listenerCount('SIGTERM') > before;
            // What a script does at once (emitted, not sent: this is the test runner's own process).
            setImmediate(() => process.emit('SIGTERM', 'SIGTERM'));
          }
          return true;
        },
      },
    });
    return { code, handledWhenPrinted, stdout };
  }

  it('is printed only once SIGTERM is handled, in the record/replay modes', async () => {
    const fixtures = await makeTempDir();
    const result = await signalOnListeningLine(['replay', '--fixtures', fixtures, '--port', '0']);
    expect(result).toMatchObject({ code: 0, handledWhenPrinted: true });
    expect(result.stdout).toContain('proxytape stopped: 0 requests served');
  });

  it('is printed only once SIGTERM is handled, in passthrough', async () => {
    backend = await createTestServer((_req, res) => res.end('ok'));
    const result = await signalOnListeningLine(['passthrough', '--target', backend.url, '--port', '0']);
    expect(result).toMatchObject({ code: 0, handledWhenPrinted: true });
    expect(result.stdout).toContain('proxytape stopped: 0 requests served');
  });
});
