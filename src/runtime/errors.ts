// Errors with a meaning to the runtime.

/**
 * Retrying cannot fix this (invalid spec, a conflict with an object we do not own, a terminal AWS
 * error). The controller writes Stalled=True with this reason and message, records a Warning event,
 * and does not retry until the object (its generation) or something it watches changes.
 * The message is shown to users: never put secrets in it.
 */
export class TerminalError extends Error {
  readonly reason: string;
  /**
   * The cause can go away without any Kubernetes change (a foreign AWS object removed, an IAM
   * policy fixed): no backoff retries, but the periodic re-check (resync period) still runs, so the
   * object recovers by itself. Without it only a change to the object re-queues it.
   */
  readonly recheck: boolean;
  constructor(reason: string, message: string, options?: { cause?: unknown; recheck?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TerminalError';
    this.reason = reason;
    this.recheck = options?.recheck ?? false;
  }
}

/** An apiserver answer other than 2xx. `reason` is the Status reason (Conflict, NotFound, Invalid, …). */
export class KubeApiError extends Error {
  readonly statusCode: number;
  readonly reason: string | undefined;
  readonly body: unknown;
  constructor(statusCode: number, message: string, reason?: string, body?: unknown) {
    super(message);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.reason = reason;
    this.body = body;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.statusCode === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.statusCode === 409;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
