// The error of a spec the schema accepted but the controller cannot build (its own file, so the
// parts of build (build.ts, security-groups.ts) share it without importing each other).

/** A spec the schema accepted but the controller cannot build (named field, reason). */
export class InvalidSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSpecError';
  }
}
