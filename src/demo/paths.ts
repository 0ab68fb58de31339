import { fileURLToPath } from 'node:url';

/**
 * The fixtures shipped with proxytape (the repository's top-level `fixtures/`).
 * Both `src/demo/` and `dist/demo/` sit two levels below the package root, so
 * the same relative URL works for the sources and the build, whatever the
 * working directory.
 */
export const DEMO_FIXTURES_DIR = fileURLToPath(new URL('../../fixtures', import.meta.url));

/** The cassette the demo records to (`npm run demo:record`) and replays from (`npm start`). */
export const DEMO_CASSETTE = 'demo';
