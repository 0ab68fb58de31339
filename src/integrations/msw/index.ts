/**
 * `proxytape/msw` — replay proxytape fixtures in-process with msw 2, no proxy and no port.
 * This file is the explicit public API of the subpath.
 */
export { handlersFromFixtures } from './handlers.js';
export { MSW_REPLAY_DEFAULTS, UNHANDLED_POLICIES } from './options.js';
export type { MswReplayOptions, UnhandledPolicy } from './options.js';
export type { MatchOptions, MatchableRequest } from '../../tape/match.js';
export type { RedactionOptions } from '../../tape/redact.js';
export type { SequencePolicy } from '../../tape/sequence.js';
