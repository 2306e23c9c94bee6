// The worker pool stops idle threads (each is a V8 isolate: tens of MB of RSS for a controller that
// decodes only when a Secret changes) and starts one again for the next job.
import { afterEach, describe, expect, it } from '@jest/globals';
import { getPriority } from 'node:os';
import { WorkerPool } from '../../../src/runtime/worker-pool.ts';
import { WORKER_NICE } from '../../../src/runtime/worker-serve.ts';
import { awsErrorCode, classifyAwsError } from '../../../src/aws/errors.ts';

const file = new URL('./fixtures/square-worker.ts', import.meta.url);
let pool: WorkerPool<number, { square: number; threadId: number }> | undefined;

afterEach(async () => {
  await pool?.close();
});

async function until(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !fn(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!fn()) throw new Error(`not reached: ${what}`);
}

describe('WorkerPool', () => {
  it('stops its threads once idle and starts a new one for the next job', async () => {
    pool = new WorkerPool({ file, size: 2, name: 'test-idle', idleTimeoutMs: 200 });
    const first = await Promise.all([1, 2, 3].map((n) => pool!.run(n)));
    expect(first.map((r) => r.square)).toEqual([1, 4, 9]);
    expect(pool.threadCount).toBeGreaterThan(0);
    await until('every idle thread stopped', () => pool!.threadCount === 0);
    const again = await pool.run(4);
    expect(again.square).toBe(16);
    expect(first.map((r) => r.threadId)).not.toContain(again.threadId);
    expect(pool.threadCount).toBe(1);
  });

  it('keeps a thread while jobs keep coming', async () => {
    pool = new WorkerPool({ file, size: 1, name: 'test-busy', idleTimeoutMs: 60_000 });
    const ids = new Set<number>();
    for (let n = 0; n < 5; n++) ids.add((await pool.run(n)).threadId);
    expect(ids.size).toBe(1);
    expect(pool.threadCount).toBe(1);
  });

  // On Linux the nice value is per thread: the pool's threads yield the CPU to the event loop
  // (health probes, lease renewals) where CPU is short; the main thread keeps its priority.
  (process.platform === 'linux' ? it : it.skip)('runs its threads at nice 19 and leaves the main thread as it was', async () => {
    const main = getPriority();
    const nicePool = new WorkerPool<null, number>({ file: new URL('./fixtures/nice-worker.ts', import.meta.url), size: 2, name: 'test-nice' });
    try {
      const seen = await Promise.all([null, null, null].map(() => nicePool.run(null)));
      expect(seen).toEqual([WORKER_NICE, WORKER_NICE, WORKER_NICE]);
      expect(getPriority()).toBe(main);
    } finally {
      await nicePool.close();
    }
  });

  it('serves async functions, and their errors keep what AWS errors are classified by (name, code, HTTP status)', async () => {
    const failing = new WorkerPool<'throttled' | 'reset' | 'ok', string>({ file: new URL('./fixtures/failing-worker.ts', import.meta.url), size: 1, name: 'test-errors' });
    try {
      expect(await failing.run('ok')).toBe('fine');
      const throttled = await failing.run('throttled').catch((e: unknown) => e);
      expect(throttled).toMatchObject({ name: 'Throttling', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
      expect([awsErrorCode(throttled), classifyAwsError(throttled)]).toEqual(['Throttling', 'throttled']);
      const reset = await failing.run('reset').catch((e: unknown) => e);
      expect([awsErrorCode(reset), classifyAwsError(reset)]).toEqual(['ECONNRESET', 'transient']);
    } finally {
      await failing.close();
    }
  });
});
