// Key material travels inside Sensitive so that a stray log line, JSON.stringify, template string
// or util.inspect shows "[redacted]" instead of the private key.
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

export class Sensitive {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret text; call only where it is handed to AWS. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
