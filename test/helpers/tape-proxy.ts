import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ProxyEvent, createProxyHandler, createServer } from '../../src/index.js';
import { type Tape, type TapeOptions, type TapeSummary, createTape } from '../../src/tape/tape.js';

/** A temporary fixture directory under os.tmpdir(), removed by `remove()`. */
export async function tempFixtures(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'proxytape-fixtures-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** proxytape in a record/replay mode on 127.0.0.1:0 in front of `target`. */
export interface TapeProxy {
  url: string;
  tape: Tape;
  events: ProxyEvent[];
  /** Drains the server, flushes fixtures, returns the summary. */
  close(): Promise<TapeSummary>;
}

export async function startTapeProxy(options: TapeOptions & { fixtures: string }): Promise<TapeProxy> {
  const tape = await createTape(options);
  const events: ProxyEvent[] = [];
  const handler = createProxyHandler(
    { target: options.target ?? 'http://replay.invalid', transport: tape.transport },
    { onResponse: (e) => events.push(e) },
  );
  const server = await createServer(handler);
  return {
    url: server.url,
    tape,
    events,
    close: async () => {
      await server.close();
      return tape.close();
    },
  };
}
