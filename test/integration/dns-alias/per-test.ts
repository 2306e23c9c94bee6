// Jest-only part of the DnsAlias harness (harness.ts stays importable from plain Node, e.g. by the
// bench, which has no jest globals).
import { afterEach, beforeAll } from '@jest/globals';
import { installCrds, startController, type Controller, type ControllerOptions } from './harness.ts';

/**
 * For a file whose tests each start their own controller: the CRDs installed before all tests, and
 * the controller a test started (with the returned function, same arguments as startController)
 * stopped after it, its namespace deleted.
 */
export function controllerPerTest(): (prefix: string, opts?: ControllerOptions) => Promise<Controller> {
  let current: Controller | undefined;
  beforeAll(installCrds);
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return async (prefix, opts) => (current = await startController(prefix, opts));
}
