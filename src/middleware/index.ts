/** Public API of the middleware layer: Before / Around / After hooks with a `catch` error flow. */
export { Chain } from './chain.js';
export { compose } from './compose.js';
export { createContext } from './context.js';
export type {
  AfterMiddleware,
  AroundMiddleware,
  BeforeMiddleware,
  Handler,
  MaybePromise,
  MiddlewareSpec,
  RequestContext,
} from './types.js';
