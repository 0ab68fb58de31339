import type { AfterMiddleware, AroundMiddleware, BeforeMiddleware, MiddlewareSpec } from './types.js';
import { checkMiddleware } from './validate.js';

/**
 * An ordered collection of middleware (hyper_middleware's `Middlewares`, after
 * Iron's `Chain`). It holds no handler: {@link compose} joins it with one, so
 * the same chain can wrap several handlers. Linking after compose() does not
 * change handlers already composed.
 *
 * @example
 * ```ts
 * const chain = new Chain()
 *   .linkBefore(requireToken)
 *   .linkAround(timing)
 *   .linkAfter(poweredBy);
 * const handler = compose(chain, proxyHandler);
 * ```
 */
export class Chain {
  readonly #before: BeforeMiddleware[] = [];
  readonly #around: AroundMiddleware[] = [];
  readonly #after: AfterMiddleware[] = [];

  /** Appends a Before middleware, after all previously linked ones. */
  linkBefore(middleware: BeforeMiddleware): this {
    checkMiddleware('before', middleware, `#${this.#before.length} passed to linkBefore()`);
    this.#before.push(middleware);
    return this;
  }

  /** Wraps the handler in an Around middleware, outside all previously linked ones. */
  linkAround(middleware: AroundMiddleware): this {
    checkMiddleware('around', middleware, `#${this.#around.length} passed to linkAround()`);
    this.#around.push(middleware);
    return this;
  }

  /** Appends an After middleware, after all previously linked ones. */
  linkAfter(middleware: AfterMiddleware): this {
    checkMiddleware('after', middleware, `#${this.#after.length} passed to linkAfter()`);
    this.#after.push(middleware);
    return this;
  }

  /** Links a Before and an After middleware at once (one feature with a piece on each side). */
  link(before: BeforeMiddleware, after: AfterMiddleware): this {
    return this.linkBefore(before).linkAfter(after);
  }

  /** A snapshot of the linked middleware as plain lists. */
  toSpec(): Required<MiddlewareSpec> {
    return { before: [...this.#before], around: [...this.#around], after: [...this.#after] };
  }
}
