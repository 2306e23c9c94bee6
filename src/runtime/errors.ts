// Errors with a meaning to the runtime.

/**
 * Retrying cannot fix this (invalid spec, a conflict with an object we do not own, a terminal AWS
 * error). The controller writes Stalled=True with this reason and message, records a Warning event,
 * and does not retry until the object (its generation) or something it watches changes.
 * The message is shown to users: never put secrets in it.
 */
export class TerminalError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
    this.reason = reason;
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
