// Polling with a failure message that says what was awaited and what was last seen.
import { inspect } from 'node:util';

export interface WaitOptions {
  /** What is awaited, for the failure message ("LoadBalancedService web to be Ready"). */
  description: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Calls `fn` until it returns a truthy value and resolves with that value. A falsy return or a
 * thrown error means "not yet". On timeout it throws with the description and the last value
 * returned (or the last error thrown), so a failing test shows how far things got.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let last: { value: unknown } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) {
      const seen =
        last === undefined
          ? 'nothing'
          : 'error' in last
            ? `last error: ${last.error instanceof Error ? last.error.message : inspect(last.error)}`
            : `last value: ${inspect(last.value, { depth: 6, breakLength: 120 })}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.description}; ${seen}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
