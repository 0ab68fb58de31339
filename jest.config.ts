import type { Config } from 'jest';

/**
 * Jest runs the TypeScript sources as native ESM (ts-jest `useESM`), so the
 * test command sets `NODE_OPTIONS=--experimental-vm-modules` (see package.json).
 * Type errors are caught by `npm run typecheck`; ts-jest only transpiles here.
 */
const config: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    // Sources import siblings as './x.js' (NodeNext); map them back to the .ts files.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 15_000,
  // Servers and sockets must be closed by each test; this only makes a leak visible.
  detectOpenHandles: false,
  forceExit: false,
};

export default config;
