/**
 * The proxy could not start for a reason that is not the command line's fault
 * (port in use, corrupt fixture): the CLI prints `proxytape: <message>` and
 * exits 1. `message` says what failed and how to fix it.
 */
export class StartFailure extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'StartFailure';
  }
}

/** True for a {@link StartFailure} (checked by name so it survives module registries). */
export function isStartFailure(value: unknown): value is StartFailure {
  return value instanceof Error && value.name === 'StartFailure';
}
