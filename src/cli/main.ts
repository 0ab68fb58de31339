#!/usr/bin/env node
/**
 * The `proxytape` executable (package.json `bin`). Parsing, output and the
 * commands live in the sibling modules; this file only binds them to the process.
 */
import { EXIT_CODES } from './exit-codes.js';
import { runCli } from './run.js';
import { tuneRuntime } from './runtime-tuning.js';

// Bounded memory while relaying large bodies: see runtime-tuning.ts.
tuneRuntime();

// A closed pipe (`proxytape … | head -1`) must not crash the proxy.
process.stdout.on('error', () => {});

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`proxytape: unexpected error, please report it with the command you ran:\n${detail}\n`);
    process.exit(EXIT_CODES.FAILURE);
  },
);
