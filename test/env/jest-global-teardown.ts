// Releases this run's lease; stops the environment if this run was the last one using an
// environment that a test run started. One brought up by `npm run env -- up` keeps running.
import { release } from './env.ts';

export default async function teardown(): Promise<void> {
  const { stopped } = await release(process.pid);
  if (stopped.length) process.stderr.write(`[albatross env] stopped ${stopped.join(', ')}\n`);
}
